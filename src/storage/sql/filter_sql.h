// Translates the trace search AST (query/filter.h) into SQL over the logical schema
// (docs/schema.md), in the spelling of a Dialect. The trace row is aliased `t`. Every
// user-supplied value becomes a bound parameter; only fixed SQL text and column names are ever
// concatenated.
//
// Semantics of each field (the user-facing grammar is docs/search.md):
//  - status/state: =, !=, IN, NOT IN over OK / ERROR / IN_PROGRESS / STATE_UNSPECIFIED.
//  - timestamp_ms, end_time_ms, execution_time_ms: numeric comparisons at millisecond precision
//    over nanosecond columns (x > 5 means "in a later millisecond than 5").
//  - name, client_request_id, trace_id, tags.*, metadata.*, run_id: string comparisons
//    (=, !=, <, <=, >, >=, LIKE, ILIKE, RLIKE, IN, NOT IN); tags/metadata also IS [NOT] NULL.
//    LIKE is case-sensitive and ILIKE not, as in MLflow; RLIKE is a regular-expression search
//    (storage/regex.h: linear time; unsupported syntax is kInvalidArgument).
//  - text: case-insensitive substring (=) or pattern (LIKE/ILIKE) over the request and
//    response previews and the root span's name.
//  - span.name, span.type, span.status: some span of the trace satisfies the comparison.
//  - span.attributes.<k>: some span has attribute k satisfying it (string values as text,
//    JSON-encoded strings such as MLflow's unquoted, numbers numerically for <, >, ...).
//    Needs Capability::kSpanAttributeSearch.
//  - span.content: some span's attribute text contains the value (=, case-insensitive) or
//    matches the pattern (LIKE/ILIKE). Needs Capability::kSpanContentSearch.
//  - feedback.<name>, expectation.<name>: some valid assessment of that name and kind has a value
//    satisfying it; strings compare unquoted, booleans as 'true'/'false', numbers numerically
//    when compared with a number.
//  - prompt: kInvalidArgument (not supported).
#pragma once

#include "query/filter.h"
#include "storage/sql/dialect.h"
#include "storage/sql/params.h"
#include "tracelake/status.h"

namespace tracelake::storage::sql {

// Appends the condition for expr to out; placeholders continue after out.params.
// kInvalidArgument for unsupported fields/operators, and for a field the dialect lacks the
// capability for ("span.content search is not supported by the PostgreSQL backend").
Status FilterToSql(const Dialect& dialect, const query::Expr& expr, SqlFragment& out);

}  // namespace tracelake::storage::sql
