// Chat completions JSON: request encoding, response parsing, error summaries and stream chunks.
#include "llm/chat_json.h"

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tracelake::llm {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;

TEST(ChatJsonTest, EncodesMessagesToolsAndOptions) {
  ChatRequest r;
  r.messages = {ChatMessage::System("be brief"), ChatMessage::User("hi"),
                ChatMessage::Tool("call_1", "42")};
  ChatMessage calling = ChatMessage::Assistant("");
  calling.tool_calls = {{"call_1", "add", R"({"a":1})"}};
  r.messages.insert(r.messages.begin() + 2, calling);
  r.tools = {{"add", "adds", R"({"type":"object"})"}, {"broken", "", "not json"}};
  r.tool_choice = "auto";
  r.temperature = 0.5;
  r.max_tokens = 64;
  r.stream = true;
  const Json j = Json::parse(EncodeChatRequest(r, "m1"));
  EXPECT_EQ(j["model"], "m1");
  ASSERT_EQ(j["messages"].size(), 4u);
  EXPECT_EQ(j["messages"][0], Json({{"role", "system"}, {"content", "be brief"}}));
  EXPECT_TRUE(j["messages"][2]["content"].is_null());
  EXPECT_EQ(j["messages"][2]["tool_calls"][0]["function"]["arguments"], R"({"a":1})");
  EXPECT_EQ(j["messages"][3]["tool_call_id"], "call_1");
  EXPECT_EQ(j["tools"][0]["function"]["parameters"], Json({{"type", "object"}}));
  EXPECT_EQ(j["tools"][1]["function"]["parameters"], Json::object());
  EXPECT_FALSE(j["tools"][1]["function"].contains("description"));
  EXPECT_EQ(j["tool_choice"], "auto");
  EXPECT_EQ(j["temperature"], 0.5);
  EXPECT_EQ(j["max_tokens"], 64);
  EXPECT_EQ(j["stream_options"]["include_usage"], true);
}

TEST(ChatJsonTest, InvalidUtf8InAPromptStillEncodes) {
  ChatRequest r;
  r.messages = {ChatMessage::User("bad \xff byte")};
  EXPECT_TRUE(Json::accept(EncodeChatRequest(r, "m")));
}

TEST(ChatJsonTest, ParsesAnAnswerWithToolCallsAndUsage) {
  Result<ChatResponse> r = ParseChatResponse(R"({
    "id": "c1", "model": "gpt-x",
    "choices": [{"finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
      "tool_calls": [{"id": "t1", "function": {"name": "f", "arguments": {"k": 1}}}]}}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13,
              "prompt_tokens_details": {"cached_tokens": 8}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "c1");
  EXPECT_EQ(r->model, "gpt-x");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->message.role, "assistant");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].arguments, R"({"k":1})");
  EXPECT_EQ(r->usage.cached_tokens, 8);
  EXPECT_EQ(r->usage.total_tokens, 13);
}

TEST(ChatJsonTest, AnswersThatAreNotCompletionsAreDataLoss) {
  EXPECT_EQ(ParseChatResponse("<html>").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseChatResponse(R"({"choices": []})").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseChatResponse(R"({"choices": [1]})").status().code(), StatusCode::kDataLoss);
}

TEST(ChatJsonTest, EncodedResponseParsesBack) {
  ChatResponse r;
  r.id = "c2";
  r.model = "m";
  r.message = ChatMessage::Assistant("hello");
  r.finish_reason = "stop";
  r.usage.prompt_tokens = 1;
  Result<ChatResponse> back = ParseChatResponse(EncodeChatResponse(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->message.content, "hello");
  EXPECT_EQ(back->finish_reason, "stop");
  EXPECT_EQ(back->usage.prompt_tokens, 1);
  EXPECT_FALSE(back->usage.completion_tokens.has_value());
}

TEST(ChatJsonTest, SummarizesOpenAiAndOllamaErrors) {
  EXPECT_EQ(SummarizeApiError(R"({"error":{"type":"rate_limit","code":"x","message":"slow"}})"),
            "rate_limit/x: slow");
  EXPECT_EQ(SummarizeApiError(R"({"error":"model not found"})"), "model not found");
  EXPECT_EQ(SummarizeApiError("not json"), "");
  EXPECT_EQ(SummarizeApiError(R"({"error":")" + std::string(500, 'a') + "\"}").size(), 200u);
}

TEST(ChatStreamAssemblerTest, FoldsContentToolCallsAndUsage) {
  ChatStreamAssembler a;
  std::vector<std::string> deltas;
  auto on = [&](std::string_view d) { deltas.emplace_back(d); };
  ASSERT_TRUE(a.Add(R"({"id":"s","model":"m","choices":[{"delta":{"role":"assistant","content":"He"}}]})", on).ok());
  ASSERT_TRUE(a.Add(R"({"choices":[{"delta":{"content":"llo","tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{\"a\""}}]}}]})", on).ok());
  ASSERT_TRUE(a.Add(R"({"choices":[{"finish_reason":"stop","delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]})", on).ok());
  ASSERT_TRUE(a.Add(R"({"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3}})", on).ok());
  EXPECT_TRUE(a.saw_chunk());
  ChatResponse r = std::move(a).Finish();
  EXPECT_EQ(r.id, "s");
  EXPECT_EQ(r.message.content, "Hello");
  EXPECT_THAT(deltas, ElementsAre("He", "llo"));
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, R"({"a":1})");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage.completion_tokens, 3);
}

TEST(ChatStreamAssemblerTest, BadChunksAndErrorsInTheStream) {
  ChatStreamAssembler a;
  EXPECT_EQ(a.Add("not json", nullptr).code(), StatusCode::kDataLoss);
  EXPECT_EQ(a.Add(R"({"error":{"message":"overloaded"}})", nullptr).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(a.saw_chunk());
  // A hostile tool call index does not allocate.
  EXPECT_TRUE(a.Add(R"({"choices":[{"delta":{"tool_calls":[{"index":99999999}]}}]})", nullptr).ok());
  EXPECT_TRUE(std::move(a).Finish().message.tool_calls.empty());
}

}  // namespace
}  // namespace tracelake::llm
