// MLflow span types (mlflow/entities/span.py SpanType). A span's type travels as the
// JSON-encoded attribute mlflow.spanType ("\"TOOL\""), as MLflow's Python client writes it.
#pragma once

#include <cstdint>
#include <string_view>

namespace tracelake {

enum class SpanType : uint8_t {
  kUnknown = 0,
  kLlm,
  kChatModel,
  kTool,
  kRetriever,
  kAgent,
  kChain,
  kEmbedding,
  kParser,
  kReranker,
  kMemory,
};

// "LLM", "CHAT_MODEL", ... ; "UNKNOWN" for kUnknown.
std::string_view SpanTypeName(SpanType type);

}  // namespace tracelake
