#include "storage/sqlite/filter_sql.h"

#include <cmath>

#include "common/ids.h"

namespace tracelake::storage::sqlite {
namespace {

using query::Comparison;
using query::FieldKind;
using query::Op;

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

// "<lhs> <op> ?" for string comparisons; ILIKE compares lower-cased text; IN lists expand.
Status StringCondition(const std::string& lhs, const Comparison& c, SqlFragment& out) {
  if (c.op == Op::kIn || c.op == Op::kNotIn) {
    const auto* list = std::get_if<std::vector<std::string>>(&c.value);
    if (list == nullptr || list->empty()) return InvalidArgumentError("IN needs a non-empty list");
    out.sql += lhs + (c.op == Op::kIn ? " IN (" : " NOT IN (");
    for (size_t i = 0; i < list->size(); ++i) {
      out.sql += i ? ",?" : "?";
      out.params.emplace_back((*list)[i]);
    }
    out.sql += ")";
    return OkStatus();
  }
  const auto* s = std::get_if<std::string>(&c.value);
  std::string text;
  if (s != nullptr) {
    text = *s;
  } else if (const auto* d = std::get_if<double>(&c.value)) {
    // A number compared with a string field compares its text (tags hold strings).
    double ip;
    text = std::modf(*d, &ip) == 0.0 && std::abs(*d) < 1e15 ? std::to_string(static_cast<int64_t>(*d))
                                                             : std::to_string(*d);
  } else {
    return InvalidArgumentError("comparison needs a value");
  }
  if (c.op == Op::kILike) {
    out.sql += "lower(" + lhs + ") LIKE lower(?)";
  } else if (c.op == Op::kRLike) {
    return InvalidArgumentError("RLIKE is not supported by tracelake; use LIKE or ILIKE");
  } else {
    const char* op = SqlOp(c.op);
    if (op == nullptr) return InvalidArgumentError("unsupported comparator for a string field");
    out.sql += lhs + op + "?";
  }
  out.params.emplace_back(std::move(text));
  return OkStatus();
}

Result<double> Number(const Comparison& c) {
  if (const auto* d = std::get_if<double>(&c.value)) return *d;
  return InvalidArgumentError("numeric field compared with a non-number");
}

// ms comparison against a nanosecond column, exact at millisecond granularity.
Status MillisCondition(const std::string& ns_expr, const Comparison& c, SqlFragment& out) {
  ASSIGN_OR_RETURN(double ms, Number(c));
  const int64_t lo = static_cast<int64_t>(std::floor(ms)) * 1000000;
  const bool whole = std::floor(ms) == ms;
  const int64_t hi = lo + 1000000;  // start of the next millisecond
  switch (c.op) {
    case Op::kEq:
      if (!whole) {
        out.sql += "0";
        return OkStatus();
      }
      out.sql += "(" + ns_expr + " >= ? AND " + ns_expr + " < ?)";
      out.params.emplace_back(lo);
      out.params.emplace_back(hi);
      return OkStatus();
    case Op::kNe:
      if (!whole) {
        out.sql += "1";
        return OkStatus();
      }
      out.sql += "(" + ns_expr + " < ? OR " + ns_expr + " >= ?)";
      out.params.emplace_back(lo);
      out.params.emplace_back(hi);
      return OkStatus();
    case Op::kGt: out.sql += ns_expr + " >= ?"; out.params.emplace_back(hi); return OkStatus();
    case Op::kGe: out.sql += ns_expr + " >= ?"; out.params.emplace_back(whole ? lo : hi); return OkStatus();
    case Op::kLt: out.sql += ns_expr + " < ?"; out.params.emplace_back(whole ? lo : hi); return OkStatus();
    case Op::kLe: out.sql += ns_expr + " < ?"; out.params.emplace_back(hi); return OkStatus();
    default: return InvalidArgumentError("unsupported comparator for a numeric field");
  }
}

int64_t StateCode(const std::string& s) {
  if (s == "OK") return 1;
  if (s == "ERROR") return 2;
  if (s == "IN_PROGRESS") return 3;
  return 0;
}

Status KeyValueCondition(const char* table, const Comparison& c, SqlFragment& out) {
  if (c.op == Op::kIsNull || c.op == Op::kIsNotNull) {
    out.sql += std::string(c.op == Op::kIsNull ? "NOT " : "") + "EXISTS (SELECT 1 FROM " + table +
               " kv WHERE kv.trace_key = t.trace_key AND kv.key = ?)";
    out.params.emplace_back(c.field.key);
    return OkStatus();
  }
  out.sql += std::string("EXISTS (SELECT 1 FROM ") + table +
             " kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND ";
  out.params.emplace_back(c.field.key);
  RETURN_IF_ERROR(StringCondition("kv.value", c, out));
  out.sql += ")";
  return OkStatus();
}

Status ComparisonToSql(const Comparison& c, SqlFragment& out) {
  switch (c.field.kind) {
    case FieldKind::kStatus: {
      if (c.op == Op::kIn || c.op == Op::kNotIn) {
        const auto* list = std::get_if<std::vector<std::string>>(&c.value);
        if (!list || list->empty()) return InvalidArgumentError("IN needs a non-empty list");
        out.sql += c.op == Op::kIn ? "t.state IN (" : "t.state NOT IN (";
        for (size_t i = 0; i < list->size(); ++i) {
          out.sql += i ? ",?" : "?";
          out.params.emplace_back(StateCode((*list)[i]));
        }
        out.sql += ")";
        return OkStatus();
      }
      const auto* s = std::get_if<std::string>(&c.value);
      if (s == nullptr) return InvalidArgumentError("status must be compared with a string");
      if (c.op != Op::kEq && c.op != Op::kNe)
        return InvalidArgumentError("status supports only = and !=");
      out.sql += c.op == Op::kEq ? "t.state = ?" : "t.state != ?";
      out.params.emplace_back(StateCode(*s));
      return OkStatus();
    }
    case FieldKind::kTimestampMs: return MillisCondition("t.request_time", c, out);
    case FieldKind::kEndTimeMs: return MillisCondition("(t.request_time + t.duration)", c, out);
    case FieldKind::kExecutionTimeMs: return MillisCondition("t.duration", c, out);
    case FieldKind::kName: return StringCondition("coalesce(t.root_name,'')", c, out);
    case FieldKind::kClientRequestId:
      return StringCondition("coalesce(t.client_request_id,'')", c, out);
    case FieldKind::kTraceId: {
      auto to_hex = [](const std::string& v) {
        auto id = ParseMlflowTraceId(v);
        return id ? id->Hex() : std::string("invalid");
      };
      Comparison hex = c;
      if (auto* s = std::get_if<std::string>(&hex.value)) *s = to_hex(*s);
      if (auto* l = std::get_if<std::vector<std::string>>(&hex.value))
        for (auto& v : *l) v = to_hex(v);
      return StringCondition("lower(hex(t.trace_id))", hex, out);
    }
    case FieldKind::kRunId: {
      Comparison run = c;
      run.field.key = "mlflow.sourceRun";
      return KeyValueCondition("trace_metadata", run, out);
    }
    case FieldKind::kText: {
      const auto* s = std::get_if<std::string>(&c.value);
      if (s == nullptr) return InvalidArgumentError("text must be compared with a string");
      std::string pattern = c.op == Op::kEq ? "%" + *s + "%" : *s;
      if (c.op != Op::kEq && c.op != Op::kLike && c.op != Op::kILike)
        return InvalidArgumentError("text supports =, LIKE and ILIKE");
      out.sql +=
          "(lower(coalesce(t.request_preview,'')) LIKE lower(?) OR "
          "lower(coalesce(t.response_preview,'')) LIKE lower(?) OR "
          "lower(coalesce(t.root_name,'')) LIKE lower(?))";
      for (int i = 0; i < 3; ++i) out.params.emplace_back(pattern);
      return OkStatus();
    }
    case FieldKind::kTag: return KeyValueCondition("trace_tags", c, out);
    case FieldKind::kMetadata: return KeyValueCondition("trace_metadata", c, out);
    case FieldKind::kSpanName:
    case FieldKind::kSpanType:
      out.sql += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
      RETURN_IF_ERROR(StringCondition(c.field.kind == FieldKind::kSpanName ? "s.name" : "s.type", c, out));
      out.sql += ")";
      return OkStatus();
    case FieldKind::kSpanAttribute:
      out.sql += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
      out.sql += "tl_span_attr(s.body, ?) IS NOT NULL AND ";
      out.params.emplace_back(c.field.key);
      {
        SqlFragment inner;
        RETURN_IF_ERROR(StringCondition("tl_span_attr(s.body, ?)", c, inner));
        out.sql += inner.sql;
        out.params.emplace_back(c.field.key);
        for (auto& p : inner.params) out.params.push_back(std::move(p));
      }
      out.sql += ")";
      return OkStatus();
    case FieldKind::kSpanContent: {
      const auto* s = std::get_if<std::string>(&c.value);
      if (s == nullptr) return InvalidArgumentError("span.content must be compared with a string");
      out.sql += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
      Comparison like = c;
      if (c.op == Op::kEq) {
        like.op = Op::kILike;
        like.value = "%" + *s + "%";
      }
      RETURN_IF_ERROR(StringCondition("tl_span_content(s.body)", like, out));
      out.sql += ")";
      return OkStatus();
    }
    case FieldKind::kFeedback:
    case FieldKind::kExpectation:
      out.sql +=
          "EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 "
          "AND a.name = ? AND a.kind = ? AND ";
      out.params.emplace_back(c.field.key);
      out.params.emplace_back(int64_t{c.field.kind == FieldKind::kFeedback ? 1 : 2});
      RETURN_IF_ERROR(StringCondition("tl_json_text(a.value_json)", c, out));
      out.sql += ")";
      return OkStatus();
    case FieldKind::kPromptRef:
      return InvalidArgumentError("Filtering by prompt is not supported");
    case FieldKind::kSpanStatus: {
      // span.status = 'OK' | 'ERROR' | 'UNSET' over the span status column.
      Comparison sc = c;
      auto code = [](const std::string& v) -> std::string {
        return v == "OK" ? "1" : v == "ERROR" ? "2" : v == "UNSET" ? "0" : "-1";
      };
      if (auto* s = std::get_if<std::string>(&sc.value)) *s = code(*s);
      if (auto* l = std::get_if<std::vector<std::string>>(&sc.value))
        for (auto& v : *l) v = code(v);
      out.sql += "EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND ";
      RETURN_IF_ERROR(StringCondition("CAST(s.status AS TEXT)", sc, out));
      out.sql += ")";
      return OkStatus();
    }
  }
  return InvalidArgumentError("unsupported filter field");
}

}  // namespace

Status FilterToSql(const query::Expr& expr, SqlFragment& out) {
  if (expr.kind == query::Expr::Kind::kComparison) return ComparisonToSql(expr.comparison, out);
  out.sql += "(";
  for (size_t i = 0; i < expr.children.size(); ++i) {
    if (i) out.sql += expr.kind == query::Expr::Kind::kAnd ? " AND " : " OR ";
    RETURN_IF_ERROR(FilterToSql(*expr.children[i], out));
  }
  out.sql += ")";
  return OkStatus();
}

std::string OrderByToSql(const std::vector<query::OrderBy>& order_by) {
  std::string out;
  bool has_time = false;
  for (const auto& o : order_by) {
    if (!out.empty()) out += ", ";
    switch (o.field) {
      case query::OrderField::kTimestampMs: out += "t.request_time"; has_time = true; break;
      case query::OrderField::kExecutionTimeMs: out += "t.duration"; break;
      case query::OrderField::kStatus: out += "t.state"; break;
      case query::OrderField::kName: out += "coalesce(t.root_name,'')"; break;
      case query::OrderField::kTraceId: out += "t.trace_id"; break;
    }
    out += o.ascending ? " ASC" : " DESC";
  }
  if (!has_time) out += std::string(out.empty() ? "" : ", ") + "t.request_time DESC";
  out += ", t.trace_key DESC";
  return out;
}

}  // namespace tracelake::storage::sqlite
