// The trace search language: MLflow's SearchTraceUtils grammar (conjunctions with AND) plus
// tracelake's OR and parentheses. ParseFilter turns text into an AST; storage backends turn
// the AST into SQL with bound parameters (user text is never spliced into SQL).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<query::Expr> expr,
//                    query::ParseFilter("trace.status = 'ERROR' AND tags.`mlflow.user` = 'bob'"));
//   ASSIGN_OR_RETURN(auto order, query::ParseOrderBy({"timestamp_ms DESC"}));
//
// The grammar, every field and its comparators are documented for users in docs/search.md.
// Every error is kInvalidArgument with a message naming the 1-based byte position, the
// offending token and what is allowed there.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::query {

// Limits against hostile input; exceeding one is kInvalidArgument.
inline constexpr size_t kMaxFilterBytes = size_t{64} * 1024;  // filter text length
inline constexpr int kMaxFilterDepth = 64;            // nested parentheses
inline constexpr int kMaxFilterComparisons = 1000;    // comparisons in one filter
inline constexpr size_t kMaxOrderByClauses = 32;      // clauses in one order_by list

// What a comparison's left-hand side names.
enum class FieldKind {
  kStatus,           // attributes.status / trace.state / status / state : OK, ERROR, IN_PROGRESS
  kTimestampMs,      // timestamp_ms / timestamp (request time, ms)
  kExecutionTimeMs,  // execution_time_ms / execution_time
  kName,             // root span name (attributes.name / trace.name)
  kTraceId,          // request_id / trace_id ("tr-..." or bare hex)
  kRunId,            // run_id (metadata mlflow.sourceRun)
  kClientRequestId,  // client_request_id
  kText,             // full text over previews
  kEndTimeMs,        // end_time_ms
  kTag,              // tags.<key>
  kMetadata,         // metadata.<key> / request_metadata.<key>
  kSpanName,         // span.name
  kSpanType,         // span.type
  kSpanAttribute,    // span.attributes.<key>
  kSpanContent,      // span.content (inputs/outputs text)
  kFeedback,         // feedback.<name>
  kExpectation,      // expectation.<name>
  kPromptRef,        // prompt (MLflow accepts it; stored in tags) - not supported
  kSpanStatus,       // span.status (a span's status code text: OK, ERROR, UNSET)
  kSpanModel,        // span.model (a span's normalized model; spans naming none are skipped)
  kSpanErrorType,    // span.error_type (exception.type of a failed span; others are skipped)
};

struct Field {
  FieldKind kind;
  std::string key;  // for tags/metadata/span attributes/assessments; empty otherwise
};

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kILike, kRLike, kIn, kNotIn, kIsNull, kIsNotNull };

// "=", "!=", "LIKE", "NOT IN", "IS NOT NULL", ...: the comparator as a user writes it.
std::string_view OpName(Op op);

// Right-hand side: a number, a string, or a list of strings (IN / NOT IN).
// kIsNull / kIsNotNull carry std::monostate. Status values are upper case; trace ids are
// normalized to "tr-" + 32 lowercase hex digits.
using Value = std::variant<std::monostate, double, std::string, std::vector<std::string>>;

struct Comparison {
  Field field;
  Op op;
  Value value;
};

struct Expr {
  enum class Kind { kComparison, kAnd, kOr };
  Kind kind = Kind::kComparison;
  Comparison comparison;                     // kind == kComparison
  // kind == kAnd / kOr: two or more children, none of the same kind as this node (nested
  // "a AND (b AND c)" is flattened), so the tree is never deeper than the text's parentheses.
  std::vector<std::unique_ptr<Expr>> children;
};

// Parses filter text. Empty or whitespace-only text yields nullptr (match all).
// Errors are kInvalidArgument with a message that names the position and what was expected.
Result<std::unique_ptr<Expr>> ParseFilter(std::string_view text);

enum class OrderField { kTimestampMs, kExecutionTimeMs, kStatus, kName, kTraceId };
struct OrderBy {
  OrderField field = OrderField::kTimestampMs;
  bool ascending = false;
};

// Parses MLflow order_by clauses ("timestamp_ms DESC", "attributes.execution_time_ms ASC").
// As in MLflow, a clause without a direction sorts ascending.
// An empty list yields the default: newest first ({kTimestampMs, descending}).
Result<std::vector<OrderBy>> ParseOrderBy(const std::vector<std::string>& clauses);

// Canonical filter text of an AST, for debugging and round-trip tests: fields spelled out
// with their prefix (attributes.status, tags.`a.b`), strings in single quotes, numbers in
// shortest form, nested AND/OR groups in parentheses. ParseFilter(ToString(e)) rebuilds e.
std::string ToString(const Expr& expr);

}  // namespace tracelake::query
