// JSON of the OpenAI chat completions API: requests, responses, streamed chunks.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tracelake/chat_types.h"
#include "tracelake/status.h"

namespace tracelake::llm {

// The request body. stream adds stream_options.include_usage so streamed answers carry usage.
std::string EncodeChatRequest(const ChatRequest& request, std::string_view model);

// [{"type":"function","function":{"name","description","parameters"}}, ...]
std::string EncodeToolDefinitions(const std::vector<ToolDefinition>& tools);

// A non-streamed chat.completion body. kDataLoss when it is not one.
Result<ChatResponse> ParseChatResponse(std::string_view body);

// A chat.completion JSON object for a response (the outputs of a streamed call).
std::string EncodeChatResponse(const ChatResponse& response);

// "error.type/code: error.message" of an OpenAI error body, at most 200 characters; empty
// when the body is not an error object.
std::string SummarizeApiError(std::string_view body);

// Folds chat.completion.chunk objects (SSE data) into one response: content deltas appended,
// tool call deltas merged by index, finish reason and usage taken when present.
// Confine to one thread.
class ChatStreamAssembler {
 public:
  // kDataLoss for a chunk that is not JSON. Calls on_delta with new content.
  Status Add(std::string_view chunk_json, const std::function<void(std::string_view)>& on_delta);
  bool saw_chunk() const { return chunks_ > 0; }
  ChatResponse Finish() &&;

 private:
  ChatResponse response_;
  int chunks_ = 0;
};

}  // namespace tracelake::llm
