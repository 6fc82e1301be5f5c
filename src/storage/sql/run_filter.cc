#include "storage/sql/run_filter.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace tracelake::storage::sql {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
// Unquoted keys: MLflow's metric, param and tag names (letters, digits, _ - . / : ).
bool IsKeyChar(char c) { return IsWordChar(c) || c == '-' || c == '.' || c == '/' || c == ':'; }

enum class Entity { kMetric, kParam, kTag, kAttribute };

// A resolved left-hand side: an entity and its key, or an attribute column.
struct Lhs {
  Entity entity = Entity::kAttribute;
  std::string key;     // metrics, params, tags
  std::string column;  // attributes: the runs column
  bool numeric = false;
};

Result<Entity> EntityOf(const std::string& prefix) {
  if (prefix == "metric" || prefix == "metrics") return Entity::kMetric;
  if (prefix == "param" || prefix == "params" || prefix == "parameter" || prefix == "parameters")
    return Entity::kParam;
  if (prefix == "tag" || prefix == "tags") return Entity::kTag;
  if (prefix == "attribute" || prefix == "attributes" || prefix == "attr" || prefix == "run")
    return Entity::kAttribute;
  return InvalidArgumentError("Invalid entity type '" + prefix +
                              "'. Valid values are ['metric', 'parameter', 'tag', 'attribute']");
}

// The runs column of an attribute name (MLflow's searchable and orderable RunInfo attributes).
bool AttributeColumn(const std::string& name, Lhs& lhs) {
  if (name == "run_id") {
    lhs.column = "r.run_uuid";
  } else if (name == "run_name" || name == "run name" || name == "Run name" || name == "Run Name") {
    lhs.column = "r.name";
  } else if (name == "status" || name == "user_id" || name == "artifact_uri" ||
             name == "lifecycle_stage") {
    lhs.column = "r." + name;
  } else if (name == "start_time" || name == "created" || name == "Created") {
    lhs.column = "r.start_time";
    lhs.numeric = true;
  } else if (name == "end_time") {
    lhs.column = "r.end_time";
    lhs.numeric = true;
  } else {
    return false;
  }
  return true;
}

// SQL for the value of an entity key of run r (NULL when the run has none).
std::string ValueExpr(SqlWriter& w, const Lhs& lhs) {
  switch (lhs.entity) {
    case Entity::kMetric:
      return "(SELECT m.value FROM run_latest_metrics m WHERE m.run_uuid = r.run_uuid AND "
             "m.is_nan = 0 AND m.key = " +
             w.Param(lhs.key) + ")";
    case Entity::kParam:
      return "(SELECT p.value FROM run_params p WHERE p.run_uuid = r.run_uuid AND p.key = " +
             w.Param(lhs.key) + ")";
    case Entity::kTag:
      return "(SELECT g.value FROM run_tags g WHERE g.run_uuid = r.run_uuid AND g.key = " +
             w.Param(lhs.key) + ")";
    case Entity::kAttribute:
      return lhs.column;
  }
  return lhs.column;
}

class Parser {
 public:
  Parser(const Dialect& dialect, std::string_view text) : dialect_(dialect), text_(text) {}

  Status Filter(SqlFragment& out) {
    SkipSpace();
    if (AtEnd()) return OkStatus();
    for (;;) {
      RETURN_IF_ERROR(Comparison(out));
      SkipSpace();
      if (AtEnd()) return OkStatus();
      const size_t start = pos_;
      if (Upper(Word()) != "AND") {
        pos_ = start;
        return Error("expected AND between comparisons");
      }
    }
  }

  // One order_by clause: an identifier and an optional direction.
  Status OrderClause(SqlFragment& out, bool& has_start_time) {
    SkipSpace();
    ASSIGN_OR_RETURN(Lhs lhs, Identifier());
    SkipSpace();
    std::string dir = Upper(Word());
    if (dir.empty()) dir = "ASC";
    SkipSpace();
    if ((dir != "ASC" && dir != "DESC") || !AtEnd())
      return InvalidArgumentError("Invalid order_by clause '" + std::string(text_.substr(0, 100)) +
                                  "': expected a field optionally followed by ASC or DESC");
    has_start_time = has_start_time || lhs.column == "r.start_time";
    SqlWriter w(dialect_, out);
    if (!out.sql.empty()) w.sql() += ", ";
    // Runs without the value sort last in either direction, as MLflow sorts them.
    w.sql() += ValueExpr(w, lhs) + " IS NULL, ";
    w.sql() += ValueExpr(w, lhs) + " " + dir;
    return OkStatus();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string_view Word() {
    const size_t start = pos_;
    while (!AtEnd() && IsWordChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  Status Error(const std::string& what) const {
    return InvalidArgumentError("Invalid run filter at position " + std::to_string(pos_ + 1) +
                                ": " + what);
  }

  Status Quoted(std::string& value) {
    const char quote = text_[pos_++];
    value.clear();
    for (;;) {
      if (AtEnd()) return Error("unterminated quoted text");
      const char c = text_[pos_++];
      if (c == '\\' && !AtEnd() && (text_[pos_] == quote || text_[pos_] == '\\')) {
        value += text_[pos_++];
      } else if (c == quote) {
        return OkStatus();
      } else {
        value += c;
      }
    }
  }

  Result<Lhs> Identifier() {
    const size_t start = pos_;
    Lhs lhs;
    std::string first;
    if (!AtEnd() && (text_[pos_] == '`' || text_[pos_] == '"')) {
      RETURN_IF_ERROR(Quoted(first));
    } else {
      first = std::string(Word());
    }
    if (first.empty()) return Error("expected a field such as metrics.<key> or params.<key>");
    if (AtEnd() || text_[pos_] != '.') {
      // A bare name is an attribute (MLflow's default entity type).
      if (!AttributeColumn(first, lhs)) {
        pos_ = start;
        return Error("unknown field '" + first +
                     "'; use metrics.<key>, params.<key>, tags.<key> or attributes.<name>");
      }
      return lhs;
    }
    ++pos_;
    ASSIGN_OR_RETURN(lhs.entity, EntityOf(first));
    std::string key;
    if (!AtEnd() && (text_[pos_] == '`' || text_[pos_] == '"')) {
      RETURN_IF_ERROR(Quoted(key));
    } else {
      const size_t key_start = pos_;
      while (!AtEnd() && IsKeyChar(text_[pos_])) ++pos_;
      key = std::string(text_.substr(key_start, pos_ - key_start));
    }
    if (key.empty()) return Error("missing key after '" + first + ".'");
    if (lhs.entity == Entity::kAttribute) {
      if (!AttributeColumn(key, lhs)) {
        pos_ = start;
        return Error("invalid attribute key '" + key +
                     "'; valid keys are run_id, run_name, status, user_id, artifact_uri, "
                     "start_time, end_time");
      }
    } else {
      lhs.key = std::move(key);
      lhs.numeric = lhs.entity == Entity::kMetric;
    }
    return lhs;
  }

  Result<std::string> Operator() {
    SkipSpace();
    const size_t start = pos_;
    while (!AtEnd() && std::string_view("=!<>").find(text_[pos_]) != std::string_view::npos) ++pos_;
    std::string op(text_.substr(start, pos_ - start));
    if (!op.empty()) return op;
    op = Upper(Word());
    if (op == "NOT" || op == "IS") {
      SkipSpace();
      std::string next = Upper(Word());
      if (op == "IS" && next == "NOT") {
        SkipSpace();
        next = Upper(Word());
        return "IS NOT " + next;
      }
      return op + " " + next;
    }
    if (op.empty()) return Error("expected a comparator");
    return op;
  }

  Status Comparison(SqlFragment& out) {
    SkipSpace();
    const size_t lhs_pos = pos_;
    ASSIGN_OR_RETURN(Lhs lhs, Identifier());
    const size_t op_pos = pos_;
    ASSIGN_OR_RETURN(std::string op, Operator());
    SkipSpace();
    auto bad_op = [&](std::string_view allowed) {
      pos_ = op_pos;
      return Error("invalid comparator '" + op + "'; use " + std::string(allowed));
    };
    SqlWriter w(dialect_, out);
    if (op == "IS NULL" || op == "IS NOT NULL") {
      if (lhs.entity != Entity::kParam && lhs.entity != Entity::kTag)
        return bad_op("IS NULL only with params and tags");
      w.sql() += " AND " + ValueExpr(w, lhs) + " " + op;
      return OkStatus();
    }
    if (op == "IN" || op == "NOT IN") {
      if (lhs.entity != Entity::kAttribute || lhs.numeric)
        return bad_op("IN only with string attributes");
      if (AtEnd() || text_[pos_] != '(') return Error("expected '(' after " + op);
      ++pos_;
      std::vector<std::string> values;
      for (;;) {
        SkipSpace();
        if (AtEnd() || (text_[pos_] != '\'' && text_[pos_] != '"'))
          return Error("expected a quoted string in the list");
        RETURN_IF_ERROR(Quoted(values.emplace_back()));
        SkipSpace();
        if (!AtEnd() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (!AtEnd() && text_[pos_] == ')') {
          ++pos_;
          break;
        }
        return Error("expected ',' or ')' in the list");
      }
      w.sql() += " AND " + lhs.column + " " + op + " (";
      for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) w.sql() += ", ";
        w.AppendParam(std::move(values[i]));
      }
      w.sql() += ")";
      return OkStatus();
    }
    const bool numeric_op =
        op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
    const bool string_op = op == "=" || op == "!=" || op == "LIKE" || op == "ILIKE";
    if (lhs.numeric) {
      if (!numeric_op) return bad_op("=, !=, <, <=, >, >=");
      const std::string rest(text_.substr(pos_, 64));
      char* end = nullptr;
      const double number = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str() || !std::isfinite(number))
        return Error("expected a number for " +
                     std::string(lhs.entity == Entity::kMetric ? "a metric" : "a time attribute"));
      pos_ += static_cast<size_t>(end - rest.c_str());
      const std::string value_sql = ValueExpr(w, lhs);
      // Times are integer milliseconds; metrics compare as doubles.
      const std::string rhs = lhs.entity == Entity::kAttribute
                                  ? w.Param(static_cast<int64_t>(number))
                                  : w.Param(number);
      w.sql() += " AND " + value_sql + " " + op + " " + rhs;
      return OkStatus();
    }
    if (!string_op) return bad_op("=, !=, LIKE, ILIKE");
    if (AtEnd() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      pos_ = lhs_pos;
      return Error("expected a quoted string value");
    }
    std::string value;
    RETURN_IF_ERROR(Quoted(value));
    const std::string lhs_sql = ValueExpr(w, lhs);
    const std::string rhs = w.Param(std::move(value));
    w.sql() += " AND ";
    if (op == "LIKE" || op == "ILIKE")
      w.sql() += dialect_.Like(
          lhs_sql, rhs, op == "LIKE" ? CaseSensitivity::kSensitive : CaseSensitivity::kInsensitive,
          LikeEscape::kNone);
    else
      w.sql() += lhs_sql + " " + op + " " + rhs;
    return OkStatus();
  }

  const Dialect& dialect_;
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Status RunFilterToSql(const Dialect& dialect, std::string_view filter, SqlFragment& out) {
  if (filter.size() > size_t{64} * 1024) return InvalidArgumentError("Run filter is too long");
  return Parser(dialect, filter).Filter(out);
}

Status RunOrderByToSql(const Dialect& dialect, const std::vector<std::string>& order_by,
                       SqlFragment& out) {
  if (order_by.size() > 32) return InvalidArgumentError("Too many order_by clauses (at most 32)");
  SqlFragment list;
  list.params = std::move(out.params);
  bool has_start_time = false;
  for (const std::string& clause : order_by)
    RETURN_IF_ERROR(Parser(dialect, clause).OrderClause(list, has_start_time));
  if (!has_start_time) list.sql += std::string(list.sql.empty() ? "" : ", ") + "r.start_time DESC";
  list.sql += ", r.run_uuid ASC";
  out.sql += list.sql;
  out.params = std::move(list.params);
  return OkStatus();
}

}  // namespace tracelake::storage::sql
