// The judge's own call, stored as a trace so a surprising verdict can be opened and read: one
// CHAT_MODEL span (the root of its own trace) whose inputs are the judge's messages in the
// OpenAI chat shape, whose outputs are its answer (or whose status is the call's error), with
// the judge's token usage, model and timing. The trace carries MLflow's
// `mlflow.trace.sourceScorer` tag (the scorer's name) and the feedback links to it with
// MLflow's `mlflow.assessment.scorerTraceId` metadata.
//
//   eval::LinkJudgeTraces(feedbacks, [&](const std::string& scorer, model::Span span) {
//     return store.WriteJudgeTrace(scorer, std::move(span));
//   });
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "eval/feedback.h"
#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::eval {

// The span for `exchange`, asked on behalf of the scorer `scorer`. Attributes are MLflow's
// (mlflow.spanType, mlflow.spanInputs, mlflow.spanOutputs, mlflow.chat.tokenUsage,
// mlflow.llm.model) plus gen_ai.request.model and tracelake.judge.* (scorer, cached, attempts,
// finish reason). Not normalized: the store's ingest does that.
model::Span JudgeTraceSpan(const JudgeExchange& exchange, const std::string& scorer,
                           const TraceId& trace_id, const SpanId& span_id);

// Stores one judge trace (the span, tagged with the scorer's name); the trace id is the span's.
using JudgeTraceWriter = std::function<Status(const std::string& scorer, model::Span span)>;

// For every feedback whose judge was asked: writes the call as a new trace and sets the
// feedback's kScorerTraceIdKey to it. A trace that cannot be written leaves its feedback
// without the link (the verdict stands); the first such error is returned.
Status LinkJudgeTraces(std::vector<Feedback>& feedbacks, const JudgeTraceWriter& write);

}  // namespace tracelake::eval
