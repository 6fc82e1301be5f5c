// The official OTel GenAI JS instrumentation sends prompts and replies as log records linked
// to the chat span (spec/instrumentations.md section 2, trap 1); ApplyLogRecords turns them
// into the span's inputs / outputs in the OpenAI chat shapes MLflow's UI renders.
#include <gtest/gtest.h>

#include <algorithm>

#include "normalize_test_util.h"

namespace tracelake::model {
namespace {

using namespace testing;  // NOLINT

Span OtelChatSpan() {
  return Normalized({{"gen_ai.operation.name", "chat"},
                     {"gen_ai.request.model", "gpt-4o-mini"},
                     {"gen_ai.system", "openai"},
                     {"gen_ai.usage.input_tokens", int64_t{128}},
                     {"gen_ai.usage.output_tokens", int64_t{148}}});
}

AnyValue Content(const char* text) { return AnyValue(KvList{{"content", text}}); }

// The plan call: system, user, and a choice holding 3 tool calls.
std::vector<LogRecord> PlanRecords() {
  return {
      GenAiRecord("gen_ai.system.message", Content(kSystemText), 1000),
      GenAiRecord("gen_ai.user.message", Content(kUserText), 1000),
      GenAiRecord(
          "gen_ai.choice",
          AnyValue(KvList{
              {"finish_reason", "tool_calls"},
              {"index", int64_t{0}},
              {"message", AnyValue(KvList{{"tool_calls", AnyValue(Array{
                                                             ToolCall("call_3e2c0a1", kArgs1),
                                                             ToolCall("call_3e2c0a2", kArgs2),
                                                             ToolCall("call_3e2c0a3", kArgs3),
                                                         })}})}}),
          2000),
  };
}

// The answer call: system, user, the assistant's tool calls, 3 tool results, the answer.
std::vector<LogRecord> AnswerRecords() {
  auto tool = [](const char* id, uint64_t t) {
    return GenAiRecord("gen_ai.tool.message", AnyValue(KvList{{"id", id}, {"content", kRows1}}), t);
  };
  return {
      GenAiRecord("gen_ai.system.message", Content(kSystemText), 5000),
      GenAiRecord("gen_ai.user.message", Content(kUserText), 5001),
      GenAiRecord(
          "gen_ai.assistant.message",
          AnyValue(KvList{{"tool_calls", AnyValue(Array{ToolCall("call_3e2c0a1", kArgs1),
                                                        ToolCall("call_3e2c0a2", kArgs2),
                                                        ToolCall("call_3e2c0a3", kArgs3)})}}),
          5002),
      tool("call_3e2c0a1", 5003),
      tool("call_3e2c0a2", 5004),
      tool("call_3e2c0a3", 5005),
      GenAiRecord(
          "gen_ai.choice",
          AnyValue(KvList{
              {"finish_reason", "stop"}, {"index", int64_t{0}}, {"message", Content(kAnswerText)}}),
          6000),
  };
}

TEST(ApplyLogRecordsTest, PlanCallBecomesChatMessagesAndChoices) {
  Span s = OtelChatSpan();
  ApplyLogRecords(s, PlanRecords());
  Json in = ParseOrNull(s.view.inputs_json);
  EXPECT_EQ(in, (Json{{"messages",
                       {{{"role", "system"}, {"content", kSystemText}},
                        {{"role", "user"}, {"content", kUserText}}}}}));
  Json out = ParseOrNull(s.view.outputs_json);
  ASSERT_EQ(out["choices"].size(), 1u) << s.view.outputs_json;
  const Json& choice = out["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_EQ(choice["message"]["role"], "assistant");  // the record carries no role
  EXPECT_FALSE(choice["message"].contains("content"));
  ASSERT_EQ(choice["message"]["tool_calls"].size(), 3u);
  EXPECT_EQ(choice["message"]["tool_calls"][2],
            (Json{{"id", "call_3e2c0a3"},
                  {"type", "function"},
                  {"function", {{"name", "genie_query"}, {"arguments", kArgs3}}}}));
  EXPECT_EQ(Attr(s, "mlflow.spanInputs"), s.view.inputs_json);
  EXPECT_EQ(Attr(s, "mlflow.spanOutputs"), s.view.outputs_json);
}

TEST(ApplyLogRecordsTest, AnswerCallKeepsToolTurnsInOrder) {
  Span s = OtelChatSpan();
  ApplyLogRecords(s, AnswerRecords());
  Json in = ParseOrNull(s.view.inputs_json);
  ASSERT_EQ(in["messages"].size(), 6u) << s.view.inputs_json;
  EXPECT_EQ(in["messages"][2]["role"], "assistant");
  EXPECT_EQ(in["messages"][2]["tool_calls"][0]["function"]["arguments"], kArgs1);
  for (int i = 3; i < 6; ++i) {
    EXPECT_EQ(in["messages"][i]["role"], "tool");
    EXPECT_EQ(in["messages"][i]["content"], kRows1);
    EXPECT_FALSE(in["messages"][i].contains("id"));  // renamed for the OpenAI shape
  }
  EXPECT_EQ(in["messages"][3]["tool_call_id"], "call_3e2c0a1");
  EXPECT_EQ(in["messages"][5]["tool_call_id"], "call_3e2c0a3");
  Json out = ParseOrNull(s.view.outputs_json);
  EXPECT_EQ(out, (Json{{"choices",
                        {{{"finish_reason", "stop"},
                          {"index", 0},
                          {"message", {{"role", "assistant"}, {"content", kAnswerText}}}}}}}));
}

TEST(ApplyLogRecordsTest, RecordsAreSortedByTimeThenArrival) {
  std::vector<LogRecord> records = AnswerRecords();
  std::reverse(records.begin(), records.end());  // logs arrive in any order
  Span s = OtelChatSpan();
  ApplyLogRecords(s, records);
  Json in = ParseOrNull(s.view.inputs_json);
  ASSERT_EQ(in["messages"].size(), 6u);
  EXPECT_EQ(in["messages"][0]["role"], "system");
  EXPECT_EQ(in["messages"][1]["role"], "user");
  EXPECT_EQ(in["messages"][3]["tool_call_id"], "call_3e2c0a1");

  // Equal times keep arrival order (stable).
  std::vector<LogRecord> same_time = {GenAiRecord("gen_ai.user.message", Content("first"), 7),
                                      GenAiRecord("gen_ai.user.message", Content("second"), 7)};
  Span t = OtelChatSpan();
  ApplyLogRecords(t, same_time);
  Json msgs = ParseOrNull(t.view.inputs_json)["messages"];
  EXPECT_EQ(msgs[0]["content"], "first");
  EXPECT_EQ(msgs[1]["content"], "second");
}

TEST(ApplyLogRecordsTest, ObservedTimeStandsInForMissingTime) {
  std::vector<LogRecord> records = {GenAiRecord("gen_ai.user.message", Content("late"), 0),
                                    GenAiRecord("gen_ai.system.message", Content("early"), 0)};
  records[0].observed_time_unix_nano = 20;
  records[1].observed_time_unix_nano = 10;
  Span s = OtelChatSpan();
  ApplyLogRecords(s, records);
  EXPECT_EQ(ParseOrNull(s.view.inputs_json)["messages"][0]["content"], "early");
}

TEST(ApplyLogRecordsTest, EventNameFieldOrAttributeBothWork) {
  Span s = OtelChatSpan();
  LogRecord r = GenAiRecord("gen_ai.user.message", Content("hi"), 1, /*name_in_field=*/true);
  r.attributes.clear();
  ApplyLogRecords(s, {r});
  EXPECT_EQ(ParseOrNull(s.view.inputs_json)["messages"][0]["content"], "hi");
}

TEST(ApplyLogRecordsTest, DerivedAttributeCountCoversAddedAttributes) {
  Span s = OtelChatSpan();
  const size_t before = s.view.derived_attribute_count;
  ApplyLogRecords(s, PlanRecords());
  EXPECT_EQ(s.view.derived_attribute_count, before + 2);
  // The derived attributes are the last ones.
  const size_t sender = s.attributes.size() - s.view.derived_attribute_count;
  EXPECT_EQ(sender, 5u);
  for (size_t i = 0; i < sender; ++i) EXPECT_NE(s.attributes[i].key.rfind("mlflow.", 0), 0u);

  // Applying again (all records known by now) replaces, never duplicates.
  std::vector<LogRecord> all = PlanRecords();
  all.push_back(GenAiRecord("gen_ai.user.message", Content("one more"), 1500));
  ApplyLogRecords(s, all);
  EXPECT_EQ(s.view.derived_attribute_count, before + 2);
  EXPECT_EQ(ParseOrNull(Attr(s, "mlflow.spanInputs"))["messages"].size(), 3u);
  EXPECT_EQ(std::count_if(s.attributes.begin(), s.attributes.end(),
                          [](const KeyValue& kv) { return kv.key == "mlflow.spanInputs"; }),
            1);
}

TEST(ApplyLogRecordsTest, RenormalizingDropsLogContentUntilApplied) {
  Span s = OtelChatSpan();
  ApplyLogRecords(s, PlanRecords());
  NormalizeSpan(s);  // idempotent: derived attributes are recomputed from the sender's
  EXPECT_FALSE(Has(s, "mlflow.spanInputs"));
  EXPECT_EQ(s.attributes.size(), 5u + s.view.derived_attribute_count);
  ApplyLogRecords(s, PlanRecords());
  EXPECT_TRUE(Has(s, "mlflow.spanInputs"));
}

TEST(ApplyLogRecordsTest, SpanContentOfItsOwnWins) {
  Span s = Normalized({{"gen_ai.operation.name", "chat"},
                       {"gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[]}]"}});
  const std::string own_inputs = s.view.inputs_json;
  ApplyLogRecords(s, PlanRecords());
  EXPECT_EQ(s.view.inputs_json, own_inputs);
  EXPECT_EQ(Attr(s, "mlflow.spanInputs"), own_inputs);
  EXPECT_EQ(ParseOrNull(s.view.outputs_json)["choices"].size(), 1u);  // outputs were missing

  Span m = Normalized({{"mlflow.spanInputs", "{\"x\": 1}"}, {"mlflow.spanOutputs", "\"done\""}});
  const size_t size = m.attributes.size();
  ApplyLogRecords(m, PlanRecords());
  EXPECT_EQ(m.view.inputs_json, "{\"x\": 1}");
  EXPECT_EQ(m.view.outputs_json, "\"done\"");
  EXPECT_EQ(m.attributes.size(), size);
}

TEST(ApplyLogRecordsTest, RecordsOfOtherSpansAndOtherEventsAreIgnored) {
  Span s = OtelChatSpan();
  std::vector<LogRecord> records = PlanRecords();
  for (auto& r : records) r.span_id = *SpanId::FromHex("0000000000000001");
  LogRecord unrelated = GenAiRecord("http.request", Content("GET /"), 5);
  records.push_back(unrelated);
  const auto attrs_before = s.attributes;
  ApplyLogRecords(s, records);
  EXPECT_EQ(s.view.inputs_json, "");
  EXPECT_EQ(s.attributes, attrs_before);
}

TEST(ApplyLogRecordsTest, OperationDetailsEventCarriesSemconvMessages) {
  Span s = OtelChatSpan();
  LogRecord r = GenAiRecord("gen_ai.client.inference.operation.details", AnyValue(), 1,
                            /*name_in_field=*/true);
  const std::string in = "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]";
  const std::string out =
      "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"hello\"}]}]";
  r.attributes = {{"gen_ai.input.messages", in}, {"gen_ai.output.messages", out}};
  ApplyLogRecords(s, {r});
  EXPECT_EQ(s.view.inputs_json, in);
  EXPECT_EQ(s.view.outputs_json, out);

  // Structured (AnyValue) messages, as an SDK may log them, become JSON too.
  Span t = OtelChatSpan();
  r.attributes = {
      {"gen_ai.input.messages",
       AnyValue(Array{AnyValue(KvList{{"role", "user"}, {"parts", AnyValue(Array{})}})})}};
  ApplyLogRecords(t, {r});
  EXPECT_EQ(ParseOrNull(t.view.inputs_json)[0]["role"], "user");
}

TEST(ApplyLogRecordsTest, ContentCaptureOffStillYieldsToolCallShapes) {
  // Without captureMessageContent the same records arrive minus content / arguments.
  Span s = OtelChatSpan();
  ApplyLogRecords(s, {GenAiRecord("gen_ai.user.message", AnyValue(KvList{}), 1),
                      GenAiRecord("gen_ai.choice",
                                  AnyValue(KvList{{"finish_reason", "stop"},
                                                  {"index", int64_t{0}},
                                                  {"message", AnyValue(KvList{})}}),
                                  2)});
  EXPECT_EQ(ParseOrNull(s.view.inputs_json), (Json{{"messages", {{{"role", "user"}}}}}));
  EXPECT_EQ(ParseOrNull(s.view.outputs_json)["choices"][0]["message"],
            (Json{{"role", "assistant"}}));
}

TEST(ApplyLogRecordsTest, OddBodiesBecomeRenderableMessages) {
  Span s = OtelChatSpan();
  ApplyLogRecords(
      s,
      {GenAiRecord("gen_ai.user.message", AnyValue("plain string body"), 1),
       GenAiRecord("gen_ai.user.message", AnyValue(KvList{{"content", AnyValue(KvList{{"a", 1}})}}),
                   2),
       GenAiRecord("gen_ai.assistant.message",
                   AnyValue(KvList{
                       {"tool_calls",
                        AnyValue(Array{AnyValue(KvList{
                            {"id", int64_t{7}},
                            {"function",
                             AnyValue(KvList{{"name", "f"},
                                             {"arguments", AnyValue(KvList{{"q", "x"}})}})}})})}}),
                   3),
       GenAiRecord("gen_ai.tool.message", AnyValue(KvList{{"id", "c1"}, {"content", int64_t{42}}}),
                   4)});
  Json msgs = ParseOrNull(s.view.inputs_json)["messages"];
  ASSERT_EQ(msgs.size(), 4u) << s.view.inputs_json;
  EXPECT_EQ(msgs[0]["content"], "plain string body");
  EXPECT_EQ(msgs[1]["content"], "{\"a\":1}");  // objects become JSON text
  EXPECT_EQ(msgs[2]["tool_calls"][0]["id"], "7");
  EXPECT_EQ(msgs[2]["tool_calls"][0]["type"], "function");
  EXPECT_EQ(msgs[2]["tool_calls"][0]["function"]["arguments"], "{\"q\":\"x\"}");
  EXPECT_EQ(msgs[3]["content"], "42");
}

TEST(IsGenAiContentRecordTest, RecognizesTheGenAiEventsOfLinkedRecords) {
  for (const char* event :
       {"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message",
        "gen_ai.tool.message", "gen_ai.choice", "gen_ai.client.inference.operation.details"}) {
    EXPECT_TRUE(IsGenAiContentRecord(GenAiRecord(event, AnyValue(), 1))) << event;
    EXPECT_TRUE(IsGenAiContentRecord(GenAiRecord(event, AnyValue(), 1, true))) << event;
  }
  EXPECT_FALSE(IsGenAiContentRecord(GenAiRecord("gen_ai.evaluation.result", AnyValue(), 1)));
  EXPECT_FALSE(IsGenAiContentRecord(GenAiRecord("", AnyValue(), 1)));
  LogRecord unlinked = GenAiRecord("gen_ai.user.message", Content("hi"), 1);
  unlinked.span_id = SpanId{};
  EXPECT_FALSE(IsGenAiContentRecord(unlinked));
  unlinked = GenAiRecord("gen_ai.user.message", Content("hi"), 1);
  unlinked.trace_id = TraceId{};
  EXPECT_FALSE(IsGenAiContentRecord(unlinked));
  LogRecord wrong_type = GenAiRecord("gen_ai.user.message", Content("hi"), 1);
  wrong_type.attributes = {{"event.name", int64_t{3}}};
  EXPECT_FALSE(IsGenAiContentRecord(wrong_type));
}

}  // namespace
}  // namespace tracelake::model
