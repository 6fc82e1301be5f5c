#include "storage/sql/filter_sql.h"

#include <cmath>
#include <optional>

#include "common/ids.h"
#include "storage/regex.h"
#include "storage/sql/trace_schema.h"

namespace tracelake::storage::sql {
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

// A field that needs a capability the backend lacks is refused, never approximated.
Status RequireCapability(const Dialect& d, Capability cap, std::string_view field) {
  if (d.Supports(cap)) return OkStatus();
  return InvalidArgumentError(std::string(field) + " search is not supported by the " +
                              std::string(d.name()) + " backend");
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

// Escapes LIKE wildcards so text matches literally (used with LikeEscape::kBackslash).
std::string LikeLiteral(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// "<lhs> IN (?, ...)" / "NOT IN" over a non-empty list, each item mapped to a parameter.
template <typename ToParam>
Status ListCondition(const std::string& lhs, const Comparison& c, ToParam to_param,
                     SqlWriter& w) {
  const auto* list = std::get_if<std::vector<std::string>>(&c.value);
  if (list == nullptr || list->empty())
    return InvalidArgumentError(std::string(query::OpName(c.op)) + " needs a non-empty list");
  w.sql() += lhs + (c.op == Op::kIn ? " IN (" : " NOT IN (");
  for (size_t i = 0; i < list->size(); ++i) {
    if (i) w.sql() += ",";
    w.AppendParam(to_param((*list)[i]));
  }
  w.sql() += ")";
  return OkStatus();
}

// "<lhs> <op> ?" for text: =, !=, <, <=, >, >=, LIKE (case-sensitive), ILIKE, IN, NOT IN.
Status StringCondition(const std::string& lhs, const Comparison& c, std::string_view field,
                       SqlWriter& w) {
  if (c.op == Op::kIn || c.op == Op::kNotIn)
    return ListCondition(lhs, c, [](const std::string& s) { return SqlParam(s); }, w);
  std::string text;
  if (const auto* s = std::get_if<std::string>(&c.value)) {
    text = *s;
  } else if (const auto* d = std::get_if<double>(&c.value)) {
    text = NumberText(*d);
  } else {
    return Unsupported(c, field);
  }
  const Dialect& d = w.dialect();
  if (c.op == Op::kILike) {
    w.sql() +=
        d.Like(lhs, w.Param(std::move(text)), CaseSensitivity::kInsensitive, LikeEscape::kNone);
  } else if (c.op == Op::kLike) {
    w.sql() +=
        d.Like(lhs, w.Param(std::move(text)), CaseSensitivity::kSensitive, LikeEscape::kNone);
  } else if (c.op == Op::kRLike) {
    RETURN_IF_ERROR(Regex::Compile(text).status());  // a bad pattern fails here, not mid-query
    w.sql() += d.RegexMatch(lhs, w.Param(std::move(text)));
  } else if (const char* op = SqlOp(c.op)) {
    w.sql() += lhs + op;
    w.AppendParam(std::move(text));
  } else {
    return Unsupported(c, field);
  }
  return OkStatus();
}

Result<double> NumberValue(const Comparison& c, std::string_view field) {
  if (const auto* d = std::get_if<double>(&c.value)) return *d;
  return InvalidArgumentError(std::string(field) + " must be compared with a number");
}

// Millisecond comparison against a nanosecond expression, exact at millisecond granularity:
// a row matches "x = 5" when its time falls in millisecond 5.
Status MillisCondition(const std::string& ns_expr, const Comparison& c, std::string_view field,
                       SqlWriter& w) {
  ASSIGN_OR_RETURN(double ms, NumberValue(c, field));
  if (!(std::abs(ms) < 9e12)) return InvalidArgumentError(std::string(field) + " is out of range");
  const double floor_ms = std::floor(ms);
  const bool whole = floor_ms == ms;
  const int64_t lo = static_cast<int64_t>(floor_ms) * 1000000;
  const int64_t hi = lo + 1000000;  // start of the next millisecond
  auto one = [&](const char* op, int64_t v) {
    w.sql() += ns_expr + op;
    w.AppendParam(v);
  };
  switch (c.op) {
    case Op::kEq:
      if (!whole) {
        w.sql() += w.dialect().BoolLiteral(false);
      } else {
        w.sql() += "(" + ns_expr + " >= " + w.Param(lo);
        w.sql() += " AND " + ns_expr + " < " + w.Param(hi) + ")";
      }
      return OkStatus();
    case Op::kNe:
      if (!whole) {
        w.sql() += w.dialect().BoolLiteral(true);
      } else {
        w.sql() += "(" + ns_expr + " < " + w.Param(lo);
        w.sql() += " OR " + ns_expr + " >= " + w.Param(hi) + ")";
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
                     int64_t (*code)(const std::string&), SqlWriter& w) {
  if (c.op == Op::kIn || c.op == Op::kNotIn)
    return ListCondition(column, c, [code](const std::string& s) { return SqlParam(code(s)); }, w);
  const auto* s = std::get_if<std::string>(&c.value);
  if (s == nullptr) return InvalidArgumentError(std::string(field) + " must be compared with a string");
  if (c.op != Op::kEq && c.op != Op::kNe) return Unsupported(c, field);
  w.sql() += column + (c.op == Op::kEq ? " = " : " != ");
  w.AppendParam(code(*s));
  return OkStatus();
}

// tags.<k> / metadata.<k>: a row with that key whose value satisfies the comparison.
Status KeyValueCondition(const char* table, const Comparison& c, std::string_view field,
                         SqlWriter& w) {
  const std::string probe = std::string("SELECT 1 FROM ") + table +
                            " kv WHERE kv.trace_key = t.trace_key AND kv.key = " +
                            w.Param(c.field.key);
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    w.sql() += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (" + probe + ")";
    return OkStatus();
  }
  w.sql() += "EXISTS (" + probe + " AND ";
  RETURN_IF_ERROR(StringCondition("kv.value", c, field, w));
  w.sql() += ")";
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

Status MetadataCondition(const Comparison& c, SqlWriter& w) {
  const char* column = ComputedMetadataColumn(c.field.key);
  if (column == nullptr) return KeyValueCondition("trace_metadata", c, "metadata", w);
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    w.sql() += std::string(column) + (c.op == Op::kIsNull ? " IS NULL" : " IS NOT NULL");
    return OkStatus();
  }
  w.sql() += std::string("(") + column + " IS NOT NULL AND ";
  RETURN_IF_ERROR(StringCondition(column, c, "metadata", w));
  w.sql() += ")";
  return OkStatus();
}

Status TraceIdCondition(const Comparison& c, SqlWriter& w) {
  auto blob = [](const std::string& v) -> std::optional<SqlBlob> {
    auto id = ParseMlflowTraceId(v);
    if (!id) return std::nullopt;
    return SqlBlob{std::string(id->AsStringView())};
  };
  if (c.op == Op::kEq || c.op == Op::kNe) {
    if (const auto* s = std::get_if<std::string>(&c.value)) {
      auto b = blob(*s);
      if (!b) {
        w.sql() += w.dialect().BoolLiteral(c.op != Op::kEq);
        return OkStatus();
      }
      w.sql() += c.op == Op::kEq ? "t.trace_id = " : "t.trace_id != ";
      w.AppendParam(std::move(*b));
      return OkStatus();
    }
  }
  if (c.op == Op::kIn || c.op == Op::kNotIn) {
    return ListCondition(
        "t.trace_id", c,
        [&blob](const std::string& s) {
          auto b = blob(s);
          return SqlParam(b ? *b : SqlBlob{"-"});  // "-" never equals a 16-byte id
        },
        w);
  }
  return StringCondition("('tr-' || " + w.dialect().HexText("t.trace_id") + ")", c, "trace_id",
                         w);
}

Status TextCondition(const Comparison& c, SqlWriter& w) {
  const auto* s = std::get_if<std::string>(&c.value);
  if (s == nullptr) return InvalidArgumentError("text must be compared with a string");
  std::string pattern;
  LikeEscape escape = LikeEscape::kNone;
  if (c.op == Op::kEq) {
    pattern = "%" + LikeLiteral(*s) + "%";
    escape = LikeEscape::kBackslash;
  } else if (c.op == Op::kLike || c.op == Op::kILike) {
    pattern = *s;
  } else {
    return Unsupported(c, "text");
  }
  const Dialect& d = w.dialect();
  auto like = [&](const char* lhs) {
    return d.Like(lhs, w.Param(pattern), CaseSensitivity::kInsensitive, escape);
  };
  w.sql() += "(" + like("coalesce(t.root_name,'')");
  w.sql() += " OR EXISTS (SELECT 1 FROM trace_previews p WHERE p.trace_key = t.trace_key AND (" +
             like("p.request_preview");
  w.sql() += " OR " + like("p.response_preview") + ")))";
  return OkStatus();
}

Status SpanAttributeCondition(const Comparison& c, SqlWriter& w) {
  RETURN_IF_ERROR(RequireCapability(w.dialect(), Capability::kSpanAttributeSearch,
                                    "span.attributes"));
  const std::string chunks = "SELECT 1 FROM span_chunks c WHERE " + kChunksOfTrace;
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    w.sql() += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (" + chunks +
               " AND tl_chunk_attr(c.body, " + w.Param(c.field.key) + ") IS NOT NULL)";
    return OkStatus();
  }
  w.sql() += "EXISTS (" + chunks + " AND EXISTS (SELECT 1 FROM json_each(tl_chunk_attr(c.body, " +
             w.Param(c.field.key) + ")) j WHERE ";
  const bool numeric = std::holds_alternative<double>(c.value) && c.op != Op::kLike &&
                       c.op != Op::kILike && c.op != Op::kRLike;
  if (numeric) {
    const char* op = SqlOp(c.op);
    if (op == nullptr) return Unsupported(c, "span.attributes");
    w.sql() += std::string("j.type IN ('integer','real') AND j.value") + op;
    w.AppendParam(std::get<double>(c.value));
  } else {
    RETURN_IF_ERROR(StringCondition("CAST(j.value AS TEXT)", c, "span.attributes", w));
  }
  w.sql() += "))";
  return OkStatus();
}

Status SpanContentCondition(const Comparison& c, SqlWriter& w) {
  RETURN_IF_ERROR(RequireCapability(w.dialect(), Capability::kSpanContentSearch, "span.content"));
  const auto* s = std::get_if<std::string>(&c.value);
  if (s == nullptr) return InvalidArgumentError("span.content must be compared with a string");
  std::string pattern;
  CaseSensitivity cs = CaseSensitivity::kInsensitive;
  LikeEscape escape = LikeEscape::kNone;
  if (c.op == Op::kEq) {
    pattern = "%" + LikeLiteral(*s) + "%";
    escape = LikeEscape::kBackslash;
  } else if (c.op == Op::kLike) {
    pattern = *s;
    cs = CaseSensitivity::kSensitive;
  } else if (c.op == Op::kILike) {
    pattern = *s;
  } else {
    return Unsupported(c, "span.content");
  }
  w.sql() += "EXISTS (SELECT 1 FROM span_chunks c WHERE " + kChunksOfTrace +
             " AND EXISTS (SELECT 1 FROM json_each(tl_chunk_text(c.body)) j WHERE " +
             w.dialect().Like("j.value", w.Param(std::move(pattern)), cs, escape) + "))";
  return OkStatus();
}

Status AssessmentCondition(const Comparison& c, SqlWriter& w) {
  const bool feedback = c.field.kind == FieldKind::kFeedback;
  std::string probe =
      "SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = " +
      w.Param(c.field.key);
  probe += " AND a.kind = " + w.Param(int64_t{feedback ? 1 : 2});
  const char* field = feedback ? "feedback" : "expectation";
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    w.sql() += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (" + probe + ")";
    return OkStatus();
  }
  w.sql() += "EXISTS (" + probe + " AND ";
  if (const auto* d = std::get_if<double>(&c.value); d != nullptr && SqlOp(c.op) != nullptr &&
                                                     c.op != Op::kLike) {
    w.sql() += w.dialect().JsonValue("a.value_json", JsonScalar::kNumber) + SqlOp(c.op);
    w.AppendParam(*d);
  } else {
    RETURN_IF_ERROR(StringCondition(w.dialect().JsonValue("a.value_json", JsonScalar::kText), c,
                                    field, w));
  }
  w.sql() += ")";
  return OkStatus();
}

Status SpanColumnCondition(const std::string& column, const Comparison& c, std::string_view field,
                           SqlWriter& w) {
  w.sql() += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
  RETURN_IF_ERROR(StringCondition(column, c, field, w));
  w.sql() += ")";
  return OkStatus();
}

// span_facts holds a row for spans with a model, tokens or an error type; `column` is "" for
// the others, which a comparison skips (`span.model != 'x'` needs a span naming another model).
Status SpanFactCondition(const std::string& column, const Comparison& c, std::string_view field,
                         SqlWriter& w) {
  w.sql() += "EXISTS (SELECT 1 FROM span_facts f WHERE f.trace_key = t.trace_key AND " + column +
             " <> '' AND ";
  RETURN_IF_ERROR(StringCondition(column, c, field, w));
  w.sql() += ")";
  return OkStatus();
}

Status ComparisonToSql(const Comparison& c, SqlWriter& w) {
  switch (c.field.kind) {
    case FieldKind::kStatus: return EnumCondition("t.state", c, "status", StateCode, w);
    case FieldKind::kTimestampMs: return MillisCondition("t.request_time", c, "timestamp_ms", w);
    case FieldKind::kEndTimeMs:
      return MillisCondition("(t.request_time + t.duration)", c, "end_time_ms", w);
    case FieldKind::kExecutionTimeMs:
      return MillisCondition("t.duration", c, "execution_time_ms", w);
    case FieldKind::kName: return StringCondition("coalesce(t.root_name,'')", c, "name", w);
    case FieldKind::kClientRequestId:
      return StringCondition("coalesce(t.client_request_id,'')", c, "client_request_id", w);
    case FieldKind::kTraceId: return TraceIdCondition(c, w);
    case FieldKind::kRunId: {
      Comparison run = c;
      run.field.key = "mlflow.sourceRun";
      return KeyValueCondition("trace_metadata", run, "run_id", w);
    }
    case FieldKind::kText: return TextCondition(c, w);
    case FieldKind::kTag: return KeyValueCondition("trace_tags", c, "tags", w);
    case FieldKind::kMetadata: return MetadataCondition(c, w);
    case FieldKind::kSpanName: return SpanColumnCondition("s.name", c, "span.name", w);
    case FieldKind::kSpanType: return SpanColumnCondition("coalesce(s.type,'UNKNOWN')", c, "span.type", w);
    case FieldKind::kSpanStatus:
      w.sql() += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
      RETURN_IF_ERROR(EnumCondition("s.status", c, "span.status", SpanStatusCode, w));
      w.sql() += ")";
      return OkStatus();
    case FieldKind::kSpanModel: return SpanFactCondition("f.model", c, "span.model", w);
    case FieldKind::kSpanErrorType:
      return SpanFactCondition("f.error_type", c, "span.error_type", w);
    case FieldKind::kSpanAttribute: return SpanAttributeCondition(c, w);
    case FieldKind::kSpanContent: return SpanContentCondition(c, w);
    case FieldKind::kFeedback:
    case FieldKind::kExpectation: return AssessmentCondition(c, w);
    case FieldKind::kPromptRef:
      return InvalidArgumentError("Filtering traces by prompt is not supported by tracelake");
  }
  return InvalidArgumentError("Unsupported filter field");
}

Status ExprToSql(const query::Expr& expr, SqlWriter& w) {
  if (expr.kind == query::Expr::Kind::kComparison) return ComparisonToSql(expr.comparison, w);
  if (expr.children.empty()) return InvalidArgumentError("empty AND/OR group");
  w.sql() += "(";
  for (size_t i = 0; i < expr.children.size(); ++i) {
    if (i) w.sql() += expr.kind == query::Expr::Kind::kAnd ? " AND " : " OR ";
    RETURN_IF_ERROR(ExprToSql(*expr.children[i], w));
  }
  w.sql() += ")";
  return OkStatus();
}

}  // namespace

Status FilterToSql(const Dialect& dialect, const query::Expr& expr, SqlFragment& out) {
  SqlWriter w(dialect, out);
  return ExprToSql(expr, w);
}

}  // namespace tracelake::storage::sql
