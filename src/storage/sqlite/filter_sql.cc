#include "storage/sqlite/filter_sql.h"

#include <cmath>

#include "common/ids.h"
#include "storage/regex.h"
#include "storage/sqlite/schema.h"

namespace tracelake::storage::sqlite {
namespace {

using query::Comparison;
using query::FieldKind;
using query::Op;

const std::string kChunksOfTrace =
    "c.chunk_id BETWEEN t.trace_key * " + std::to_string(kChunksPerTrace) +
    " AND t.trace_key * " + std::to_string(kChunksPerTrace) + " + " +
    std::to_string(kChunksPerTrace - 1);

Status Unsupported(const Comparison& c, std::string_view field) {
  return InvalidArgumentError("Comparator '" + std::string(query::OpName(c.op)) +
                              "' is not supported for " + std::string(field));
}

const char* SqlOp(Op op) {
  switch (op) {
    case Op::kEq: return " = ";
    case Op::kNe: return " != ";
    case Op::kLt: return " < ";
    case Op::kLe: return " <= ";
    case Op::kGt: return " > ";
    case Op::kGe: return " >= ";
    case Op::kLike: return " LIKE ";
    default: return nullptr;
  }
}

// A number written where text is compared (tags hold strings): its shortest decimal text.
std::string NumberText(double d) {
  double ip;
  if (std::modf(d, &ip) == 0.0 && std::abs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  std::string s = std::to_string(d);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

// Escapes LIKE wildcards so text matches literally (used with ESCAPE '\').
std::string LikeLiteral(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// "<lhs> <op> ?" for text: =, !=, <, <=, >, >=, LIKE (case-sensitive), ILIKE, IN, NOT IN.
Status StringCondition(const std::string& lhs, const Comparison& c, std::string_view field,
                       SqlFragment& out) {
  if (c.op == Op::kIn || c.op == Op::kNotIn) {
    const auto* list = std::get_if<std::vector<std::string>>(&c.value);
    if (list == nullptr || list->empty())
      return InvalidArgumentError(std::string(query::OpName(c.op)) + " needs a non-empty list");
    out.sql += lhs + (c.op == Op::kIn ? " IN (" : " NOT IN (");
    for (size_t i = 0; i < list->size(); ++i) {
      out.sql += i ? ",?" : "?";
      out.params.emplace_back((*list)[i]);
    }
    out.sql += ")";
    return OkStatus();
  }
  std::string text;
  if (const auto* s = std::get_if<std::string>(&c.value)) {
    text = *s;
  } else if (const auto* d = std::get_if<double>(&c.value)) {
    text = NumberText(*d);
  } else {
    return Unsupported(c, field);
  }
  if (c.op == Op::kILike) {
    out.sql += "lower(" + lhs + ") LIKE lower(?)";
  } else if (c.op == Op::kRLike) {
    RETURN_IF_ERROR(Regex::Compile(text).status());  // a bad pattern fails here, not mid-query
    out.sql += "tl_regexp(?, " + lhs + ")";
  } else if (const char* op = SqlOp(c.op)) {
    out.sql += lhs + op + "?";
  } else {
    return Unsupported(c, field);
  }
  out.params.emplace_back(std::move(text));
  return OkStatus();
}

Result<double> NumberValue(const Comparison& c, std::string_view field) {
  if (const auto* d = std::get_if<double>(&c.value)) return *d;
  return InvalidArgumentError(std::string(field) + " must be compared with a number");
}

// Millisecond comparison against a nanosecond expression, exact at millisecond granularity:
// a row matches "x = 5" when its time falls in millisecond 5.
Status MillisCondition(const std::string& ns_expr, const Comparison& c, std::string_view field,
                       SqlFragment& out) {
  ASSIGN_OR_RETURN(double ms, NumberValue(c, field));
  if (!(std::abs(ms) < 9e12)) return InvalidArgumentError(std::string(field) + " is out of range");
  const double floor_ms = std::floor(ms);
  const bool whole = floor_ms == ms;
  const int64_t lo = static_cast<int64_t>(floor_ms) * 1000000;
  const int64_t hi = lo + 1000000;  // start of the next millisecond
  auto one = [&](const char* op, int64_t v) {
    out.sql += ns_expr + op + "?";
    out.params.emplace_back(v);
  };
  switch (c.op) {
    case Op::kEq:
      if (!whole) {
        out.sql += "0";
      } else {
        out.sql += "(" + ns_expr + " >= ? AND " + ns_expr + " < ?)";
        out.params.emplace_back(lo);
        out.params.emplace_back(hi);
      }
      return OkStatus();
    case Op::kNe:
      if (!whole) {
        out.sql += "1";
      } else {
        out.sql += "(" + ns_expr + " < ? OR " + ns_expr + " >= ?)";
        out.params.emplace_back(lo);
        out.params.emplace_back(hi);
      }
      return OkStatus();
    case Op::kGt: one(" >= ", hi); return OkStatus();
    case Op::kGe: one(" >= ", whole ? lo : hi); return OkStatus();
    case Op::kLt: one(" < ", whole ? lo : hi); return OkStatus();
    case Op::kLe: one(" < ", hi); return OkStatus();
    default: return Unsupported(c, field);
  }
}

int64_t StateCode(const std::string& s) {
  if (s == "OK") return 1;
  if (s == "ERROR") return 2;
  if (s == "IN_PROGRESS") return 3;
  if (s == "STATE_UNSPECIFIED") return 0;
  return -1;  // matches nothing
}

int64_t SpanStatusCode(const std::string& s) {
  if (s == "UNSET" || s == "STATUS_CODE_UNSET") return 0;
  if (s == "OK" || s == "STATUS_CODE_OK") return 1;
  if (s == "ERROR" || s == "STATUS_CODE_ERROR") return 2;
  return -1;
}

// =, !=, IN, NOT IN of an enum column against names mapped to codes.
Status EnumCondition(const std::string& column, const Comparison& c, std::string_view field,
                     int64_t (*code)(const std::string&), SqlFragment& out) {
  if (c.op == Op::kIn || c.op == Op::kNotIn) {
    const auto* list = std::get_if<std::vector<std::string>>(&c.value);
    if (list == nullptr || list->empty())
      return InvalidArgumentError(std::string(query::OpName(c.op)) + " needs a non-empty list");
    out.sql += column + (c.op == Op::kIn ? " IN (" : " NOT IN (");
    for (size_t i = 0; i < list->size(); ++i) {
      out.sql += i ? ",?" : "?";
      out.params.emplace_back(code((*list)[i]));
    }
    out.sql += ")";
    return OkStatus();
  }
  const auto* s = std::get_if<std::string>(&c.value);
  if (s == nullptr) return InvalidArgumentError(std::string(field) + " must be compared with a string");
  if (c.op != Op::kEq && c.op != Op::kNe) return Unsupported(c, field);
  out.sql += column + (c.op == Op::kEq ? " = ?" : " != ?");
  out.params.emplace_back(code(*s));
  return OkStatus();
}

// tags.<k> / metadata.<k>: a row with that key whose value satisfies the comparison.
Status KeyValueCondition(const char* table, const Comparison& c, std::string_view field,
                         SqlFragment& out) {
  const std::string probe = std::string("SELECT 1 FROM ") + table +
                            " kv WHERE kv.trace_key = t.trace_key AND kv.key = ?";
  out.params.emplace_back(c.field.key);
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    out.sql += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (" + probe + ")";
    return OkStatus();
  }
  out.sql += "EXISTS (" + probe + " AND ";
  RETURN_IF_ERROR(StringCondition("kv.value", c, field, out));
  out.sql += ")";
  return OkStatus();
}

// Metadata keys that the store computes on read instead of storing (see LoadTraceInfo): they
// are searched through the columns they come from, with the same present/absent semantics.
const char* ComputedMetadataColumn(std::string_view key) {
  static const std::string kFragmented =
      "(CASE WHEN " + std::string(kFragmentedSql) + " THEN 'true' END)";
  if (key == "tracelake.fragmented") return kFragmented.c_str();
  if (key == "tracelake.span_count") return "CAST(t.span_count AS TEXT)";
  return nullptr;
}

Status MetadataCondition(const Comparison& c, SqlFragment& out) {
  const char* column = ComputedMetadataColumn(c.field.key);
  if (column == nullptr) return KeyValueCondition("trace_metadata", c, "metadata", out);
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    out.sql += std::string(column) + (c.op == Op::kIsNull ? " IS NULL" : " IS NOT NULL");
    return OkStatus();
  }
  out.sql += std::string("(") + column + " IS NOT NULL AND ";
  RETURN_IF_ERROR(StringCondition(column, c, "metadata", out));
  out.sql += ")";
  return OkStatus();
}

Status TraceIdCondition(const Comparison& c, SqlFragment& out) {
  auto blob = [](const std::string& v) -> std::optional<SqlBlob> {
    auto id = ParseMlflowTraceId(v);
    if (!id) return std::nullopt;
    return SqlBlob{std::string(id->AsStringView())};
  };
  if (c.op == Op::kEq || c.op == Op::kNe) {
    if (const auto* s = std::get_if<std::string>(&c.value)) {
      auto b = blob(*s);
      if (!b) {
        out.sql += c.op == Op::kEq ? "0" : "1";
        return OkStatus();
      }
      out.sql += c.op == Op::kEq ? "t.trace_id = ?" : "t.trace_id != ?";
      out.params.emplace_back(std::move(*b));
      return OkStatus();
    }
  }
  if (c.op == Op::kIn || c.op == Op::kNotIn) {
    const auto* list = std::get_if<std::vector<std::string>>(&c.value);
    if (list == nullptr || list->empty())
      return InvalidArgumentError(std::string(query::OpName(c.op)) + " needs a non-empty list");
    out.sql += c.op == Op::kIn ? "t.trace_id IN (" : "t.trace_id NOT IN (";
    for (size_t i = 0; i < list->size(); ++i) {
      out.sql += i ? ",?" : "?";
      auto b = blob((*list)[i]);
      out.params.emplace_back(b ? *b : SqlBlob{"-"});  // "-" never equals a 16-byte id
    }
    out.sql += ")";
    return OkStatus();
  }
  return StringCondition("('tr-' || lower(hex(t.trace_id)))", c, "trace_id", out);
}

Status TextCondition(const Comparison& c, SqlFragment& out) {
  const auto* s = std::get_if<std::string>(&c.value);
  if (s == nullptr) return InvalidArgumentError("text must be compared with a string");
  std::string pattern;
  std::string like = " LIKE lower(?)";
  if (c.op == Op::kEq) {
    pattern = "%" + LikeLiteral(*s) + "%";
    like = " LIKE lower(?) ESCAPE '\\'";
  } else if (c.op == Op::kLike || c.op == Op::kILike) {
    pattern = *s;
  } else {
    return Unsupported(c, "text");
  }
  out.sql += "(lower(coalesce(t.root_name,''))" + like +
             " OR EXISTS (SELECT 1 FROM trace_previews p WHERE p.trace_key = t.trace_key AND "
             "(lower(p.request_preview)" + like + " OR lower(p.response_preview)" + like + ")))";
  for (int i = 0; i < 3; ++i) out.params.emplace_back(pattern);
  return OkStatus();
}

Status SpanAttributeCondition(const Comparison& c, SqlFragment& out) {
  const std::string chunks = "SELECT 1 FROM span_chunks c WHERE " + kChunksOfTrace;
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    out.sql += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (" + chunks +
               " AND tl_chunk_attr(c.body, ?) IS NOT NULL)";
    out.params.emplace_back(c.field.key);
    return OkStatus();
  }
  out.sql += "EXISTS (" + chunks +
             " AND EXISTS (SELECT 1 FROM json_each(tl_chunk_attr(c.body, ?)) j WHERE ";
  out.params.emplace_back(c.field.key);
  const bool numeric = std::holds_alternative<double>(c.value) && c.op != Op::kLike &&
                       c.op != Op::kILike && c.op != Op::kRLike;
  if (numeric) {
    const char* op = SqlOp(c.op);
    if (op == nullptr) return Unsupported(c, "span.attributes");
    out.sql += std::string("j.type IN ('integer','real') AND j.value") + op + "?";
    out.params.emplace_back(std::get<double>(c.value));
  } else {
    RETURN_IF_ERROR(StringCondition("CAST(j.value AS TEXT)", c, "span.attributes", out));
  }
  out.sql += "))";
  return OkStatus();
}

Status SpanContentCondition(const Comparison& c, SqlFragment& out) {
  const auto* s = std::get_if<std::string>(&c.value);
  if (s == nullptr) return InvalidArgumentError("span.content must be compared with a string");
  std::string cond;
  std::string pattern;
  if (c.op == Op::kEq) {
    cond = "lower(j.value) LIKE lower(?) ESCAPE '\\'";
    pattern = "%" + LikeLiteral(*s) + "%";
  } else if (c.op == Op::kLike) {
    cond = "j.value LIKE ?";
    pattern = *s;
  } else if (c.op == Op::kILike) {
    cond = "lower(j.value) LIKE lower(?)";
    pattern = *s;
  } else {
    return Unsupported(c, "span.content");
  }
  out.sql += "EXISTS (SELECT 1 FROM span_chunks c WHERE " + kChunksOfTrace +
             " AND EXISTS (SELECT 1 FROM json_each(tl_chunk_text(c.body)) j WHERE " + cond + "))";
  out.params.emplace_back(std::move(pattern));
  return OkStatus();
}

Status AssessmentCondition(const Comparison& c, SqlFragment& out) {
  const bool feedback = c.field.kind == FieldKind::kFeedback;
  const std::string probe =
      "SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND "
      "a.name = ? AND a.kind = ?";
  out.params.emplace_back(c.field.key);
  out.params.emplace_back(int64_t{feedback ? 1 : 2});
  const char* field = feedback ? "feedback" : "expectation";
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    out.sql += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (" + probe + ")";
    return OkStatus();
  }
  out.sql += "EXISTS (" + probe + " AND ";
  if (const auto* d = std::get_if<double>(&c.value); d != nullptr && SqlOp(c.op) != nullptr &&
                                                     c.op != Op::kLike) {
    out.sql += std::string("tl_json_number(a.value_json)") + SqlOp(c.op) + "?";
    out.params.emplace_back(*d);
  } else {
    RETURN_IF_ERROR(StringCondition("tl_json_text(a.value_json)", c, field, out));
  }
  out.sql += ")";
  return OkStatus();
}

Status SpanColumnCondition(const std::string& column, const Comparison& c, std::string_view field,
                           SqlFragment& out) {
  out.sql += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
  RETURN_IF_ERROR(StringCondition(column, c, field, out));
  out.sql += ")";
  return OkStatus();
}

// span_facts holds a row for spans with a model, tokens or an error type; `column` is "" for
// the others, which a comparison skips (`span.model != 'x'` needs a span naming another model).
Status SpanFactCondition(const std::string& column, const Comparison& c, std::string_view field,
                         SqlFragment& out) {
  out.sql += "EXISTS (SELECT 1 FROM span_facts f WHERE f.trace_key = t.trace_key AND " + column +
             " <> '' AND ";
  RETURN_IF_ERROR(StringCondition(column, c, field, out));
  out.sql += ")";
  return OkStatus();
}

Status ComparisonToSql(const Comparison& c, SqlFragment& out) {
  switch (c.field.kind) {
    case FieldKind::kStatus: return EnumCondition("t.state", c, "status", StateCode, out);
    case FieldKind::kTimestampMs: return MillisCondition("t.request_time", c, "timestamp_ms", out);
    case FieldKind::kEndTimeMs:
      return MillisCondition("(t.request_time + t.duration)", c, "end_time_ms", out);
    case FieldKind::kExecutionTimeMs:
      return MillisCondition("t.duration", c, "execution_time_ms", out);
    case FieldKind::kName: return StringCondition("coalesce(t.root_name,'')", c, "name", out);
    case FieldKind::kClientRequestId:
      return StringCondition("coalesce(t.client_request_id,'')", c, "client_request_id", out);
    case FieldKind::kTraceId: return TraceIdCondition(c, out);
    case FieldKind::kRunId: {
      Comparison run = c;
      run.field.key = "mlflow.sourceRun";
      return KeyValueCondition("trace_metadata", run, "run_id", out);
    }
    case FieldKind::kText: return TextCondition(c, out);
    case FieldKind::kTag: return KeyValueCondition("trace_tags", c, "tags", out);
    case FieldKind::kMetadata: return MetadataCondition(c, out);
    case FieldKind::kSpanName: return SpanColumnCondition("s.name", c, "span.name", out);
    case FieldKind::kSpanType: return SpanColumnCondition("coalesce(s.type,'UNKNOWN')", c, "span.type", out);
    case FieldKind::kSpanStatus:
      out.sql += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
      RETURN_IF_ERROR(EnumCondition("s.status", c, "span.status", SpanStatusCode, out));
      out.sql += ")";
      return OkStatus();
    case FieldKind::kSpanModel: return SpanFactCondition("f.model", c, "span.model", out);
    case FieldKind::kSpanErrorType:
      return SpanFactCondition("f.error_type", c, "span.error_type", out);
    case FieldKind::kSpanAttribute: return SpanAttributeCondition(c, out);
    case FieldKind::kSpanContent: return SpanContentCondition(c, out);
    case FieldKind::kFeedback:
    case FieldKind::kExpectation: return AssessmentCondition(c, out);
    case FieldKind::kPromptRef:
      return InvalidArgumentError("Filtering traces by prompt is not supported by tracelake");
  }
  return InvalidArgumentError("Unsupported filter field");
}

void BindKey(const SortKey& key, const PageTokenValue& v, SqlFragment& out) {
  if (key.kind == SortKey::Kind::kInt) out.params.emplace_back(std::get<int64_t>(v));
  else if (key.kind == SortKey::Kind::kText) out.params.emplace_back(std::get<std::string>(v));
  else out.params.emplace_back(SqlBlob{std::get<std::string>(v)});
}

}  // namespace

void BindParams(Stmt& stmt, const std::vector<SqlParam>& params) {
  int i = 1;
  for (const auto& p : params) {
    if (const auto* v = std::get_if<int64_t>(&p)) stmt.Bind(i, *v);
    else if (const auto* d = std::get_if<double>(&p)) stmt.Bind(i, *d);
    else if (const auto* s = std::get_if<std::string>(&p)) stmt.Bind(i, *s);
    else stmt.BindBlob(i, std::get<SqlBlob>(p).bytes);
    ++i;
  }
}

Status FilterToSql(const query::Expr& expr, SqlFragment& out) {
  if (expr.kind == query::Expr::Kind::kComparison) return ComparisonToSql(expr.comparison, out);
  if (expr.children.empty()) return InvalidArgumentError("empty AND/OR group");
  out.sql += "(";
  for (size_t i = 0; i < expr.children.size(); ++i) {
    if (i) out.sql += expr.kind == query::Expr::Kind::kAnd ? " AND " : " OR ";
    RETURN_IF_ERROR(FilterToSql(*expr.children[i], out));
  }
  out.sql += ")";
  return OkStatus();
}

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

Status AppendKeysetCondition(const std::vector<SortKey>& keys,
                             const std::vector<PageTokenValue>& after, SqlFragment& out) {
  if (after.size() != keys.size()) return InvalidArgumentError("Invalid page_token for this query");
  for (size_t i = 0; i < keys.size(); ++i) {
    const bool is_int = std::holds_alternative<int64_t>(after[i]);
    if (is_int != (keys[i].kind == SortKey::Kind::kInt))
      return InvalidArgumentError("Invalid page_token for this query");
  }
  bool uniform = true;
  for (const auto& k : keys) uniform = uniform && k.ascending == keys[0].ascending;
  if (uniform) {
    // A row-value comparison: SQLite turns it into an index range when the keys are the
    // index's columns (the default order over traces_by_time).
    out.sql += "(" + SortKeyColumns(keys) + ") " + (keys[0].ascending ? ">" : "<") + " (";
    for (size_t i = 0; i < keys.size(); ++i) {
      out.sql += i ? ",?" : "?";
      BindKey(keys[i], after[i], out);
    }
    out.sql += ")";
    return OkStatus();
  }
  out.sql += "(";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out.sql += " OR ";
    out.sql += "(";
    for (size_t j = 0; j < i; ++j) {
      out.sql += keys[j].expr + " = ? AND ";
      BindKey(keys[j], after[j], out);
    }
    out.sql += keys[i].expr + (keys[i].ascending ? " > ?" : " < ?") + ")";
    BindKey(keys[i], after[i], out);
  }
  out.sql += ")";
  return OkStatus();
}

}  // namespace tracelake::storage::sqlite
