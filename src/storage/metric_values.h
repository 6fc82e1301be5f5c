// Value metric queries: the shape of MLflow's own trace-metrics API (POST
// /api/3.0/mlflow/traces/metrics, docs/metrics.md). Each trace, span or assessment in scope is
// one row; a query groups rows by time bucket and dimensions, counts them and collects one
// numeric value per row, so every aggregation (COUNT, SUM, AVG, MIN, MAX, interpolated
// percentiles) is exact. Backend-neutral: a TraceStore answers a ValueMetricQuery with
// ValueCells; AggregateValues turns a cell into the number MLflow's SQL store computes.
//
//   ValueMetricQuery q;
//   q.view = ValueView::kTraces;
//   q.column = ValueColumn::kTraceLatencyMs;
//   q.experiment_ids = {"1"};
//   q.dimensions = {ValueDimension::kTraceName};
//   ASSIGN_OR_RETURN(ValueTable table, store.QueryMetricValues(q));
//   for (ValueCell& c : table.cells) AggregateValues(c, ValueAggregation::kPercentile, 95);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/filter.h"

namespace tracelake::storage {

// What one row is. Traces are placed in time by their request time, spans by their own start
// time, assessments by their creation time (time buckets) but selected by their trace's
// request time (the time range), as MLflow's SQL store does.
enum class ValueView { kTraces, kSpans, kAssessments };

// The value collected per row (absent values are skipped, as SQL aggregates skip NULL).
enum class ValueColumn {
  kNone,                    // nothing: the row is only counted
  kTraceLatencyMs,          // floor(duration / 1 ms); none for IN_PROGRESS traces of no duration
  kTraceInputTokens,        // trace totals, present when any span of the trace reports usage:
  kTraceOutputTokens,       //   input and output (0 when unreported), total (input + output
  kTraceTotalTokens,        //   when unreported), as mlflow.trace.tokenUsage carries them
  kTraceCachedInputTokens,  // cached input tokens; present when some span reports them
  kSpanLatencyMs,           // floor(span duration / 1 ms)
  kSpanInputCost,           // the span's mlflow.llm.cost (USD): only spans that have one are
  kSpanOutputCost,          //   rows, as MLflow's SQL store aggregates its per-span cost
  kSpanTotalCost,           //   values (no row for an unpriced span, never a made-up 0)
  kAssessmentValue,         // AssessmentNumericValue of the assessment's value
};

// Group-by dimensions. A row whose dimension value is absent (nullopt) has no value there.
enum class ValueDimension {
  kTraceName,    // tag mlflow.traceName, else the root span's name (none while fragmented)
  kTraceStatus,  // OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED
  kSpanName,
  kSpanType,    // MLflow span type; "UNKNOWN" when untyped
  kSpanStatus,  // UNSET, OK, ERROR
  kSpanModel,   // the span's normalized model; none when it names none
  kSpanModelProvider,  // the span's normalized provider (schema 4 on); none when unknown
  kAssessmentName,
  kAssessmentValue,  // the value as JSON text ("true", "0.8", "\"high\""; "null" when none)
};

// An equality condition on the rows themselves (trace-level conditions are trace_filter).
struct ValueRowFilter {
  enum class Field {
    kSpanName,
    kSpanStatus,  // UNSET, OK, ERROR; any other text matches nothing
    kSpanType,    // "UNKNOWN" matches untyped spans
    kSpanModel,
    kSpanModelProvider,
    kAssessmentName,
    kAssessmentType,  // feedback, expectation; any other text matches nothing
  };
  Field field = Field::kSpanName;
  std::string value;
};

struct ValueMetricQuery {
  ValueView view = ValueView::kTraces;
  ValueColumn column = ValueColumn::kNone;
  std::vector<std::string> experiment_ids;  // at least one
  // Inclusive bounds in ms (MLflow: timestamp >= start AND timestamp <= end); either may be
  // absent. Spans: their start time; traces and assessments: the trace's request time.
  std::optional<int64_t> start_ms, end_ms;
  std::optional<int64_t> bucket_ms;  // buckets start at multiples of it (UTC epoch); none = one
  std::vector<ValueDimension> dimensions;
  const query::Expr* trace_filter = nullptr;  // the search grammar over the row's trace; nullable
  std::vector<ValueRowFilter> row_filters;    // all must hold
};

// The rows of one (bucket, group).
struct ValueCell {
  int64_t bucket_ms = 0;                          // bucket start; 0 when the query has none
  std::vector<std::optional<std::string>> group;  // one per dimension
  int64_t count = 0;                              // rows
  std::vector<double> values;                     // the rows' present values, any order
};

struct ValueTable {
  // Ordered by bucket, then group values in dimension order (absent first, then bytewise), as
  // SQL's ORDER BY over the GROUP BY columns orders them.
  std::vector<ValueCell> cells;
};

enum class ValueAggregation { kCount, kSum, kAvg, kPercentile, kMin, kMax };

// The aggregate of a cell, or nullopt where SQL answers NULL (no values). kCount counts rows.
// kPercentile takes `percentile` in [0, 100] and interpolates linearly between the closest
// ranks (numpy's default, PostgreSQL's percentile_cont): with values sorted ascending and
// h = p/100 * (n - 1), the answer is v[floor(h)] + (h - floor(h)) * (v[floor(h)+1] - v[floor(h)]).
// May reorder cell.values.
std::optional<double> AggregateValues(ValueCell& cell, ValueAggregation aggregation,
                                      double percentile = 0);

// How MLflow's SQL store reads an assessment value (JSON text) as a number: true and "yes" are
// 1, false and "no" are 0, numbers are themselves, anything else (null, other strings, lists,
// objects, empty text) has no numeric value.
std::optional<double> AssessmentNumericValue(std::string_view value_json);

}  // namespace tracelake::storage
