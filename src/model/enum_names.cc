// Names of the model's enums as OTLP and MLflow spell them (span.h, assessment.h).
#include "model/assessment.h"
#include "model/span.h"

namespace tracelake::model {

const char* SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInternal:
      return "SPAN_KIND_INTERNAL";
    case SpanKind::kServer:
      return "SPAN_KIND_SERVER";
    case SpanKind::kClient:
      return "SPAN_KIND_CLIENT";
    case SpanKind::kProducer:
      return "SPAN_KIND_PRODUCER";
    case SpanKind::kConsumer:
      return "SPAN_KIND_CONSUMER";
    case SpanKind::kUnspecified:
      break;
  }
  return "SPAN_KIND_UNSPECIFIED";
}

const char* SpanStatusCodeName(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kOk:
      return "STATUS_CODE_OK";
    case SpanStatusCode::kError:
      return "STATUS_CODE_ERROR";
    case SpanStatusCode::kUnset:
      break;
  }
  return "STATUS_CODE_UNSET";
}

const char* AssessmentSourceTypeName(AssessmentSourceType type) {
  switch (type) {
    case AssessmentSourceType::kHuman:
      return "HUMAN";
    case AssessmentSourceType::kLlmJudge:
      return "LLM_JUDGE";
    case AssessmentSourceType::kCode:
      return "CODE";
    case AssessmentSourceType::kUnspecified:
      break;
  }
  return "SOURCE_TYPE_UNSPECIFIED";
}

}  // namespace tracelake::model
