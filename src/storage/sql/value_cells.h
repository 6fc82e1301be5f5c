// The accumulation of value-metric rows (storage/metric_values.h) into cells keyed by time
// bucket and group, shared by every backend's QueryMetricValues: a backend reads its rows in
// any order and folds them here, so each backend returns the same ValueTable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/metric_values.h"

namespace tracelake::storage::sql {

// floor(a / b) for b > 0.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t k = a / b;
  if (a % b != 0 && a < 0) --k;
  return k;
}

// Rows folded into cells keyed by (bucket, group); std::map keeps them in ValueTable's order
// (nullopt sorts before any string, strings compare bytewise). Confine to one thread.
class ValueCellMap {
 public:
  using Group = std::vector<std::optional<std::string>>;
  // q must outlive the map.
  explicit ValueCellMap(const ValueMetricQuery& q) : q_(q) {}

  // Adds a row at time t_ms with its group and value. Copies the group only for a new cell.
  void Add(int64_t t_ms, const Group& group, std::optional<double> value) {
    const int64_t bucket = q_.bucket_ms ? FloorDiv(t_ms, *q_.bucket_ms) * *q_.bucket_ms : 0;
    auto it = cells_.find(KeyRef{bucket, &group});
    if (it == cells_.end()) it = cells_.emplace(std::make_pair(bucket, group), ValueCell{}).first;
    ValueCell& c = it->second;
    ++c.count;
    if (value) c.values.push_back(*value);
  }

  // Sets slot to text, reusing its storage (rows are read one after another into one Group).
  static void Set(std::optional<std::string>& slot, std::string_view text) {
    if (slot)
      slot->assign(text);
    else
      slot.emplace(text);
  }

  ValueTable Take() {
    ValueTable t;
    // A query without buckets or dimensions has exactly one cell, even over no rows: SQL's
    // aggregate over an empty table is one row (COUNT 0, the others NULL).
    if (!q_.bucket_ms && q_.dimensions.empty() && cells_.empty()) cells_[{0, Group{}}];
    t.cells.reserve(cells_.size());
    for (auto& [key, cell] : cells_) {
      cell.bucket_ms = key.first;
      cell.group = key.second;
      t.cells.push_back(std::move(cell));
    }
    return t;
  }

 private:
  using Key = std::pair<int64_t, Group>;
  struct KeyRef {
    int64_t bucket;
    const Group* group;
  };
  // Orders keys as std::pair does, and compares a key with a KeyRef without copying.
  struct Less {
    using is_transparent = void;
    bool operator()(const Key& a, const Key& b) const { return a < b; }
    bool operator()(const Key& a, const KeyRef& b) const {
      return a.first != b.bucket ? a.first < b.bucket : a.second < *b.group;
    }
    bool operator()(const KeyRef& a, const Key& b) const {
      return a.bucket != b.first ? a.bucket < b.first : *a.group < b.second;
    }
  };

  const ValueMetricQuery& q_;
  std::map<Key, ValueCell, Less> cells_;
};

}  // namespace tracelake::storage::sql
