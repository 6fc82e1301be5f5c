// order_by clauses, as MLflow's SearchTraceUtils.parse_order_by_for_search_traces reads them:
// "<identifier> [ASC|DESC]", the identifier an attribute with an optional attributes. /
// attribute. / trace. prefix, the direction case-insensitive and ascending when omitted.
#include <string>

#include "query/filter.h"
#include "query/lexer.h"

namespace tracelake::query {
namespace {

using internal::Excerpt;
using internal::Token;
using internal::TokenKind;

constexpr size_t kMaxClauseBytes = 1024;
constexpr std::string_view kOrderKeys =
    "timestamp_ms, execution_time_ms, status, name, request_id (aliases: timestamp, "
    "execution_time, state, trace_id)";

Status CouldNotParse(std::string_view clause) {
  return InvalidArgumentError("Invalid order_by clause " + Excerpt(clause) +
                              ". Could not be parsed. Expected '<attribute> [ASC|DESC]'");
}

Result<OrderField> ResolveOrderKey(std::string_view clause, const Token& identifier) {
  const auto& parts = identifier.parts;
  std::string key;
  if (parts.size() == 1) {
    key = parts[0].text;
  } else {
    const std::string& prefix = parts[0].text;
    for (size_t i = 1; i < parts.size(); ++i) key += (i > 1 ? "." : "") + parts[i].text;
    if (prefix != "attribute" && prefix != "attributes" && prefix != "trace") {
      return InvalidArgumentError("Invalid order_by entity " + Excerpt(prefix) + " with key " +
                                  Excerpt(key) + " in " + Excerpt(clause) +
                                  ". Only trace attributes can be ordered by: " +
                                  std::string(kOrderKeys));
    }
  }
  if (key == "timestamp_ms" || key == "timestamp") return OrderField::kTimestampMs;
  if (key == "execution_time_ms" || key == "execution_time") return OrderField::kExecutionTimeMs;
  if (key == "status" || key == "state") return OrderField::kStatus;
  if (key == "name") return OrderField::kName;
  if (key == "request_id" || key == "trace_id") return OrderField::kTraceId;
  if (key == "end_time_ms" || key == "end_time" || key == "run_id" || key == "experiment_id") {
    return InvalidArgumentError("Ordering by " + Excerpt(key) +
                                " is not supported by tracelake. Valid keys are " +
                                std::string(kOrderKeys));
  }
  return InvalidArgumentError("Invalid attribute key " + Excerpt(key) + " in order_by clause " +
                              Excerpt(clause) + ". Valid keys are " + std::string(kOrderKeys));
}

Result<OrderBy> ParseClause(std::string_view clause) {
  if (clause.size() > kMaxClauseBytes) {
    return InvalidArgumentError("order_by clause is longer than " +
                                std::to_string(kMaxClauseBytes) + " bytes");
  }
  Result<std::vector<Token>> lexed = internal::Lex(clause);
  if (!lexed.ok()) return CouldNotParse(clause);
  const std::vector<Token>& tokens = *lexed;
  // identifier [direction] end
  if (tokens.size() < 2 || tokens.size() > 3 || tokens[0].kind != TokenKind::kIdentifier) {
    return CouldNotParse(clause);
  }
  OrderBy order;
  order.ascending = true;  // MLflow's default when no direction is given
  if (tokens.size() == 3) {
    const Token& direction = tokens[1];
    if (direction.kind != TokenKind::kIdentifier) return CouldNotParse(clause);
    if (direction.IsKeyword("DESC")) {
      order.ascending = false;
    } else if (!direction.IsKeyword("ASC")) {
      return InvalidArgumentError("Invalid ordering key in order_by clause " + Excerpt(clause) +
                                  ". Use ASC or DESC");
    }
  }
  ASSIGN_OR_RETURN(order.field, ResolveOrderKey(clause, tokens[0]));
  return order;
}

}  // namespace

Result<std::vector<OrderBy>> ParseOrderBy(const std::vector<std::string>& clauses) {
  if (clauses.empty()) return std::vector<OrderBy>{OrderBy{OrderField::kTimestampMs, false}};
  if (clauses.size() > kMaxOrderByClauses) {
    return InvalidArgumentError("order_by has " + std::to_string(clauses.size()) +
                                " clauses; the maximum is " + std::to_string(kMaxOrderByClauses));
  }
  std::vector<OrderBy> out;
  out.reserve(clauses.size());
  for (const std::string& clause : clauses) {
    ASSIGN_OR_RETURN(OrderBy order, ParseClause(clause));
    out.push_back(order);
  }
  return out;
}

}  // namespace tracelake::query
