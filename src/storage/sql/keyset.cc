#include "storage/sql/keyset.h"

namespace tracelake::storage::sql {
namespace {

SqlParam KeyParam(const SortKey& key, const PageTokenValue& v) {
  if (key.kind == SortKey::Kind::kInt) return std::get<int64_t>(v);
  if (key.kind == SortKey::Kind::kText) return std::get<std::string>(v);
  return SqlBlob{std::get<std::string>(v)};
}

}  // namespace

std::vector<SortKey> SortKeysFor(const std::vector<query::OrderBy>& order_by) {
  std::vector<SortKey> keys;
  bool has_time = false;
  for (const auto& o : order_by) {
    switch (o.field) {
      case query::OrderField::kTimestampMs:
        keys.push_back({"t.request_time", SortKey::Kind::kInt, o.ascending});
        has_time = true;
        break;
      case query::OrderField::kExecutionTimeMs:
        keys.push_back({"t.duration", SortKey::Kind::kInt, o.ascending});
        break;
      case query::OrderField::kStatus:
        // MLflow sorts the state name: ERROR < IN_PROGRESS < OK < STATE_UNSPECIFIED.
        keys.push_back({"(CASE t.state WHEN 2 THEN 0 WHEN 3 THEN 1 WHEN 1 THEN 2 ELSE 3 END)",
                        SortKey::Kind::kInt, o.ascending});
        break;
      case query::OrderField::kName:
        keys.push_back({"coalesce(t.root_name,'')", SortKey::Kind::kText, o.ascending});
        break;
      case query::OrderField::kTraceId:
        keys.push_back({"t.trace_id", SortKey::Kind::kBlob, o.ascending});
        break;
    }
  }
  if (!has_time) keys.push_back({"t.request_time", SortKey::Kind::kInt, false});
  keys.push_back({"t.trace_key", SortKey::Kind::kInt, false});
  return keys;
}

std::string OrderByClause(const std::vector<SortKey>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ", ";
    out += k.expr + (k.ascending ? " ASC" : " DESC");
  }
  return out;
}

std::string SortKeyColumns(const std::vector<SortKey>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ", ";
    out += k.expr;
  }
  return out;
}

Status AppendKeysetCondition(const Dialect& dialect, const std::vector<SortKey>& keys,
                             const std::vector<PageTokenValue>& after, SqlFragment& out) {
  if (after.size() != keys.size()) return InvalidArgumentError("Invalid page_token for this query");
  for (size_t i = 0; i < keys.size(); ++i) {
    const bool is_int = std::holds_alternative<int64_t>(after[i]);
    if (is_int != (keys[i].kind == SortKey::Kind::kInt))
      return InvalidArgumentError("Invalid page_token for this query");
  }
  SqlWriter w(dialect, out);
  bool uniform = true;
  for (const auto& k : keys) uniform = uniform && k.ascending == keys[0].ascending;
  if (uniform) {
    // A row-value comparison: SQLite (and PostgreSQL) turn it into an index range when the
    // keys are the index's columns (the default order over traces_by_time).
    std::string& sql = w.sql();
    sql.append("(").append(SortKeyColumns(keys)).append(keys[0].ascending ? ") > (" : ") < (");
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i) w.sql() += ",";
      w.AppendParam(KeyParam(keys[i], after[i]));
    }
    w.sql() += ")";
    return OkStatus();
  }
  w.sql() += "(";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) w.sql() += " OR ";
    w.sql() += "(";
    for (size_t j = 0; j < i; ++j) {
      w.sql().append(keys[j].expr).append(" = ");
      w.AppendParam(KeyParam(keys[j], after[j]));
      w.sql() += " AND ";
    }
    w.sql().append(keys[i].expr).append(keys[i].ascending ? " > " : " < ");
    w.AppendParam(KeyParam(keys[i], after[i]));
    w.sql() += ")";
  }
  w.sql() += ")";
  return OkStatus();
}

}  // namespace tracelake::storage::sql
