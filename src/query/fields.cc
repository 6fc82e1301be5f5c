#include "query/fields.h"

#include <array>

namespace tracelake::query::internal {
namespace {

constexpr OpSet kNumericOps = OpBit(Op::kEq) | OpBit(Op::kNe) | OpBit(Op::kLt) | OpBit(Op::kLe) |
                              OpBit(Op::kGt) | OpBit(Op::kGe);
constexpr OpSet kEqualityOps = OpBit(Op::kEq) | OpBit(Op::kNe);
constexpr OpSet kListOps = OpBit(Op::kIn) | OpBit(Op::kNotIn);
constexpr OpSet kPatternOps = OpBit(Op::kLike) | OpBit(Op::kILike) | OpBit(Op::kRLike);
constexpr OpSet kNullOps = OpBit(Op::kIsNull) | OpBit(Op::kIsNotNull);
// MLflow: VALID_STRING_ATTRIBUTE_COMPARATORS, VALID_SPAN_ATTRIBUTE_COMPARATORS.
constexpr OpSet kStringAttributeOps = kEqualityOps | kListOps | kPatternOps;
// MLflow: VALID_TAG_COMPARATORS, VALID_METADATA_COMPARATORS, VALID_ASSESSMENT_COMPARATORS.
constexpr OpSet kKeyValueOps = kEqualityOps | kPatternOps | kNullOps;
// MLflow: VALID_SPAN_CONTENT_COMPARATORS (trace.text maps to span content).
constexpr OpSet kContentOps = OpBit(Op::kLike) | OpBit(Op::kILike);

struct AttributeRow {
  std::string_view name;
  FieldKind kind;
  ValueKind value_kind;
  OpSet ops;
};

// MLflow's VALID_SEARCH_ATTRIBUTE_KEYS with its aliases (timestamp, execution_time,
// end_time), plus tracelake's aliases state and trace_id. run_id maps to the metadata key
// mlflow.sourceRun in MLflow, so it also takes the metadata comparators.
constexpr std::array<AttributeRow, 15> kAttributes = {{
    {"status", FieldKind::kStatus, ValueKind::kStatus, kEqualityOps | kListOps},
    {"state", FieldKind::kStatus, ValueKind::kStatus, kEqualityOps | kListOps},
    {"timestamp_ms", FieldKind::kTimestampMs, ValueKind::kNumber, kNumericOps},
    {"timestamp", FieldKind::kTimestampMs, ValueKind::kNumber, kNumericOps},
    {"execution_time_ms", FieldKind::kExecutionTimeMs, ValueKind::kNumber, kNumericOps},
    {"execution_time", FieldKind::kExecutionTimeMs, ValueKind::kNumber, kNumericOps},
    {"end_time_ms", FieldKind::kEndTimeMs, ValueKind::kNumber, kNumericOps},
    {"end_time", FieldKind::kEndTimeMs, ValueKind::kNumber, kNumericOps},
    {"name", FieldKind::kName, ValueKind::kString, kStringAttributeOps},
    {"request_id", FieldKind::kTraceId, ValueKind::kTraceId, kEqualityOps | kListOps},
    {"trace_id", FieldKind::kTraceId, ValueKind::kTraceId, kEqualityOps | kListOps},
    {"run_id", FieldKind::kRunId, ValueKind::kString, kStringAttributeOps | kNullOps},
    {"client_request_id", FieldKind::kClientRequestId, ValueKind::kString, kStringAttributeOps},
    {"text", FieldKind::kText, ValueKind::kString, kContentOps},
    {"prompt", FieldKind::kPromptRef, ValueKind::kPrompt, OpBit(Op::kEq)},
}};

constexpr std::string_view kAttributeList =
    "status, timestamp_ms, execution_time_ms, end_time_ms, name, request_id, run_id, "
    "client_request_id, text, prompt (aliases: state, timestamp, execution_time, end_time, "
    "trace_id)";
constexpr std::string_view kEntityList =
    "attributes, trace, tags, metadata, request_metadata, span, feedback, expectation";
constexpr std::string_view kSpanFieldList =
    "name, type, status, model, error_type, content, attributes.<attribute_name>";

enum class Entity { kAttribute, kTag, kMetadata, kSpan, kFeedback, kExpectation, kIssue, kNone };

Entity EntityOf(std::string_view prefix) {
  if (prefix == "attribute" || prefix == "attributes" || prefix == "trace") {
    return Entity::kAttribute;
  }
  if (prefix == "tag" || prefix == "tags") return Entity::kTag;
  if (prefix == "metadata" || prefix == "request_metadata") return Entity::kMetadata;
  if (prefix == "span") return Entity::kSpan;
  if (prefix == "feedback") return Entity::kFeedback;
  if (prefix == "expectation") return Entity::kExpectation;
  if (prefix == "issue") return Entity::kIssue;
  return Entity::kNone;
}

Result<FieldSpec> Attribute(const Token& t, const std::string& key) {
  for (const AttributeRow& row : kAttributes) {
    if (row.name == key) {
      FieldSpec spec;
      spec.field = Field{row.kind, ""};
      spec.value_kind = row.value_kind;
      spec.ops = row.ops;
      spec.description =
          row.value_kind == ValueKind::kNumber ? "numeric attribute" : "string attribute";
      return spec;
    }
  }
  return SyntaxError(t.pos, "Invalid attribute key " + Excerpt(key),
                     "Valid keys are " + std::string(kAttributeList));
}

Result<FieldSpec> SpanField(const Token& t, const std::string& rest) {
  FieldSpec spec;
  spec.description = "span field";
  spec.value_kind = ValueKind::kString;
  spec.ops = kStringAttributeOps;
  constexpr std::string_view kAttributesPrefix = "attributes.";
  if (rest == "name") {
    spec.field = Field{FieldKind::kSpanName, ""};
  } else if (rest == "type") {
    spec.field = Field{FieldKind::kSpanType, ""};
  } else if (rest == "status") {
    spec.field = Field{FieldKind::kSpanStatus, ""};
  } else if (rest == "model") {
    spec.field = Field{FieldKind::kSpanModel, ""};
  } else if (rest == "error_type") {
    spec.field = Field{FieldKind::kSpanErrorType, ""};
  } else if (rest == "content") {
    spec.field = Field{FieldKind::kSpanContent, ""};
    spec.ops = kContentOps;
  } else if (rest.rfind(kAttributesPrefix, 0) == 0) {
    if (rest.size() == kAttributesPrefix.size()) {
      return SyntaxError(t.pos, "Span attribute name cannot be empty after 'span.attributes.'");
    }
    spec.field = Field{FieldKind::kSpanAttribute, rest.substr(kAttributesPrefix.size())};
    spec.description = "span attribute";
  } else {
    return SyntaxError(t.pos, "Invalid span attribute " + Excerpt(rest),
                       "Supported: " + std::string(kSpanFieldList));
  }
  return spec;
}

FieldSpec KeyValue(FieldKind kind, std::string key, std::string_view description) {
  FieldSpec spec;
  spec.field = Field{kind, std::move(key)};
  spec.description = description;
  spec.value_kind = ValueKind::kString;
  spec.ops = kKeyValueOps;
  return spec;
}

bool IsPlainWord(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) {
    return false;
  }
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<FieldSpec> ResolveField(const Token& t) {
  const std::vector<IdentifierPart>& parts = t.parts;
  // MLflow splits an identifier at its first dot: no dot means an attribute.
  if (parts.size() == 1) return Attribute(t, parts[0].text);

  // The key is everything after the prefix, so tags.mlflow.user and tags.`mlflow.user`
  // name the same tag.
  std::string rest = parts[1].text;
  for (size_t i = 2; i < parts.size(); ++i) rest += "." + parts[i].text;
  const std::string& prefix = parts[0].text;
  const Entity entity = EntityOf(prefix);
  if (entity == Entity::kNone) {
    return SyntaxError(t.pos, "Invalid entity type " + Excerpt(prefix) + " in " + Excerpt(t.source),
                       "Valid values are " + std::string(kEntityList));
  }
  if (entity == Entity::kIssue) {
    return SyntaxError(t.pos, "Filtering by issue (" + Excerpt(t.source) +
                                  ") is not supported by tracelake");
  }
  if (rest.empty()) {
    return SyntaxError(t.pos, "Empty key after " + Excerpt(prefix + "."));
  }
  switch (entity) {
    case Entity::kAttribute:
      return Attribute(t, rest);
    case Entity::kTag:
      return KeyValue(FieldKind::kTag, std::move(rest), "tag");
    case Entity::kMetadata:
      return KeyValue(FieldKind::kMetadata, std::move(rest), "metadata key");
    case Entity::kSpan:
      return SpanField(t, rest);
    case Entity::kFeedback:
      return KeyValue(FieldKind::kFeedback, std::move(rest), "feedback");
    case Entity::kExpectation:
      return KeyValue(FieldKind::kExpectation, std::move(rest), "expectation");
    case Entity::kIssue:
    case Entity::kNone:
      break;
  }
  return SyntaxError(t.pos, "Unsupported identifier " + Excerpt(t.source));
}

std::string OpSetText(OpSet ops) {
  std::string out;
  for (int i = 0; i <= static_cast<int>(Op::kIsNotNull); ++i) {
    const Op op = static_cast<Op>(i);
    if (!Contains(ops, op)) continue;
    if (!out.empty()) out += ", ";
    out += OpName(op);
  }
  return out;
}

std::string QuoteKey(std::string_view key) {
  if (IsPlainWord(key)) return std::string(key);
  // Doubling the backtick and escaping the backslash mirror what the lexer undoes.
  std::string out = "`";
  for (char c : key) {
    if (c == '`') out += '`';
    if (c == '\\') out += '\\';
    out += c;
  }
  out += '`';
  return out;
}

std::string CanonicalFieldName(const Field& field) {
  switch (field.kind) {
    case FieldKind::kStatus: return "attributes.status";
    case FieldKind::kTimestampMs: return "attributes.timestamp_ms";
    case FieldKind::kExecutionTimeMs: return "attributes.execution_time_ms";
    case FieldKind::kEndTimeMs: return "attributes.end_time_ms";
    case FieldKind::kName: return "attributes.name";
    case FieldKind::kTraceId: return "attributes.request_id";
    case FieldKind::kRunId: return "attributes.run_id";
    case FieldKind::kClientRequestId: return "attributes.client_request_id";
    case FieldKind::kText: return "attributes.text";
    case FieldKind::kPromptRef: return "attributes.prompt";
    case FieldKind::kTag: return "tags." + QuoteKey(field.key);
    case FieldKind::kMetadata: return "metadata." + QuoteKey(field.key);
    case FieldKind::kSpanName: return "span.name";
    case FieldKind::kSpanType: return "span.type";
    case FieldKind::kSpanStatus: return "span.status";
    case FieldKind::kSpanContent: return "span.content";
    case FieldKind::kSpanModel: return "span.model";
    case FieldKind::kSpanErrorType: return "span.error_type";
    case FieldKind::kSpanAttribute: return "span.attributes." + QuoteKey(field.key);
    case FieldKind::kFeedback: return "feedback." + QuoteKey(field.key);
    case FieldKind::kExpectation: return "expectation." + QuoteKey(field.key);
  }
  return "?";
}

}  // namespace tracelake::query::internal
