// The trace search language: MLflow's SearchTraceUtils grammar (conjunctions with AND) plus
// tracelake's OR and parentheses. ParseFilter turns text into an AST; storage backends turn
// the AST into SQL with bound parameters (user text is never spliced into SQL).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::query {

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
};

struct Field {
  FieldKind kind;
  std::string key;  // for tags/metadata/span attributes/assessments; empty otherwise
};

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kILike, kRLike, kIn, kNotIn, kIsNull, kIsNotNull };

// Right-hand side: a number, a string, or a list of strings (IN / NOT IN).
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
  std::vector<std::unique_ptr<Expr>> children;  // kind == kAnd / kOr
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
// An empty list yields the default: newest first.
Result<std::vector<OrderBy>> ParseOrderBy(const std::vector<std::string>& clauses);

// Canonical text of an AST (debugging, tests).
std::string ToString(const Expr& expr);

}  // namespace tracelake::query
