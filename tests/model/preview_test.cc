// MakePreview (byte-bounded, UTF-8 safe) and MakeTracePreview (MLflow's request/response
// preview: message text, 1000 code points, "..." suffix).
#include <gtest/gtest.h>

#include "normalize_test_util.h"

namespace tracelake::model {
namespace {

using namespace testing;  // NOLINT

TEST(MakePreviewTest, NeverSplitsAMultibyteCharacter) {
  const std::string text =
      "ab\xC3\xA9"
      "cd";  // é is 2 bytes
  EXPECT_EQ(MakePreview(text, 3), "ab");
  EXPECT_EQ(MakePreview(text, 4), "ab\xC3\xA9");
  EXPECT_EQ(MakePreview(text, 100), text);
  EXPECT_EQ(MakePreview("short"), "short");
  EXPECT_EQ(MakePreview("", 0), "");
  EXPECT_EQ(MakePreview("abc", 0), "");

  const std::string emoji = "\xF0\x9F\x98\x80";  // 😀, 4 bytes
  std::string many;
  for (int i = 0; i < 400; ++i) many += emoji;  // 1600 bytes
  const std::string p = MakePreview(many);
  EXPECT_EQ(p.size(), 1000u);  // 250 whole emoji
  EXPECT_EQ(p, many.substr(0, 1000));
  EXPECT_EQ(MakePreview(many, 1003), many.substr(0, 1000));

  std::string japanese;
  for (int i = 0; i < 500; ++i) japanese += "日";  // 3 bytes each
  EXPECT_EQ(MakePreview(japanese).size(), 999u);
}

TEST(MakePreviewTest, InvalidInputBecomesValidUtf8) {
  const std::string bad = "ok\xFF\xC3(\xED\xA0\x80\xF4\x90\x80\x80\xC0\xAF";
  const std::string p = MakePreview(bad, 1000);
  EXPECT_EQ(p.substr(0, 2), "ok");
  EXPECT_TRUE(Json::accept("\"" + p + "\""));
  EXPECT_EQ(p.find('\xFF'), std::string::npos);
  // A replacement character never overshoots the budget.
  EXPECT_EQ(MakePreview("a\xFF", 3), "a");
  EXPECT_EQ(MakePreview("a\xFF", 4), "a\xEF\xBF\xBD");
}

TEST(MakeTracePreviewTest, OpenAiChatRequestShowsTheLastUserMessage) {
  const std::string in =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},"
      "{\"role\":\"user\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"a\"},"
      "{\"role\":\"user\",\"content\":\"second\"}]}";
  EXPECT_EQ(MakeTracePreview(in, PreviewRole::kRequest), "second");
}

TEST(MakeTracePreviewTest, ChatCompletionResponseShowsTheFirstChoice) {
  const std::string out =
      "{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      "\"content\":\"Based on 3 tool results.\"}}]}";
  EXPECT_EQ(MakeTracePreview(out, PreviewRole::kResponse), "Based on 3 tool results.");
}

TEST(MakeTracePreviewTest, GenAiSemconvListShowsFirstUserAndLastAssistant) {
  const std::string in =
      "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"sys\"}]},"
      "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"initial question\"}]},"
      "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"follow up\"}]}]";
  EXPECT_EQ(MakeTracePreview(in, PreviewRole::kRequest), "initial question");
  const std::string out =
      "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"name\":\"f\"}]},"
      "{\"role\":\"assistant\",\"finish_reason\":\"stop\",\"parts\":[{\"type\":\"text\","
      "\"content\":\"final answer\"}]}]";
  EXPECT_EQ(MakeTracePreview(out, PreviewRole::kResponse), "final answer");
}

TEST(MakeTracePreviewTest, ContentPartsAndResponsesApi) {
  EXPECT_EQ(
      MakeTracePreview("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"},"
                       "{\"type\":\"text\",\"text\":\"look\"}]}]}",
                       PreviewRole::kRequest),
      "look");
  EXPECT_EQ(MakeTracePreview("{\"input\":[{\"role\":\"user\",\"content\":\"from responses\"}]}",
                             PreviewRole::kRequest),
            "from responses");
  EXPECT_EQ(
      MakeTracePreview("{\"output\":[{\"type\":\"message\",\"role\":\"assistant\",\"content\":"
                       "[{\"type\":\"output_text\",\"text\":\"done\"}]}]}",
                       PreviewRole::kResponse),
      "done");
  EXPECT_EQ(
      MakeTracePreview("{\"request\":{\"input\":[{\"role\":\"user\",\"content\":\"nested\"}]}}",
                       PreviewRole::kRequest),
      "nested");
}

TEST(MakeTracePreviewTest, FallsBackToTheWholeText) {
  EXPECT_EQ(MakeTracePreview("{\"query\":\"x\"}", PreviewRole::kRequest), "{\"query\":\"x\"}");
  EXPECT_EQ(MakeTracePreview("\"plain answer\"", PreviewRole::kResponse), "\"plain answer\"");
  EXPECT_EQ(MakeTracePreview("not json", PreviewRole::kRequest), "not json");
  EXPECT_EQ(MakeTracePreview("", PreviewRole::kRequest), "");
  // A message without text (tool calls only): the whole text, as MLflow does.
  const std::string calls =
      "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]}}]}";
  EXPECT_EQ(MakeTracePreview(calls, PreviewRole::kResponse), calls);
}

TEST(MakeTracePreviewTest, DoublyEncodedJsonIsUnwrapped) {
  EXPECT_EQ(MakeTracePreview(
                "\"{\\\"messages\\\":[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"q\\\"}]}\"",
                PreviewRole::kRequest),
            "q");
}

TEST(MakeTracePreviewTest, TruncatesToMaxCodePointsWithEllipsis) {
  std::string text;
  for (int i = 0; i < 1200; ++i) text += "é";  // 2 bytes, 1 code point each
  const std::string in = Json{{"messages", {{{"role", "user"}, {"content", text}}}}}.dump();
  const std::string p = MakeTracePreview(in, PreviewRole::kRequest);
  std::string expected;
  for (int i = 0; i < 997; ++i) expected += "é";
  EXPECT_EQ(p, expected + "...");

  std::string exactly;
  for (int i = 0; i < 1000; ++i) exactly += "日";
  EXPECT_EQ(MakeTracePreview(exactly, PreviewRole::kResponse), exactly);  // not JSON, not cut
  EXPECT_EQ(MakeTracePreview(exactly + "x", PreviewRole::kResponse),
            exactly.substr(0, 997 * 3) + "...");
  EXPECT_EQ(MakeTracePreview("abcdef", PreviewRole::kResponse, 5), "ab...");
  EXPECT_EQ(MakeTracePreview("abcdef", PreviewRole::kResponse, 2), "ab");
}

TEST(MakeTracePreviewTest, AlwaysValidUtf8) {
  const std::string p = MakeTracePreview("\xFF\xFE plain \xC3", PreviewRole::kRequest);
  EXPECT_TRUE(Json::accept("\"" + p + "\"")) << p;
}

TEST(MakeTracePreviewTest, LogRecordShapesPreviewWell) {
  // What ApplyLogRecords builds for an otel-genai chat span previews like MLflow's own spans.
  Span s = Normalized({{"gen_ai.operation.name", "chat"}});
  ApplyLogRecords(
      s, {GenAiRecord("gen_ai.user.message", AnyValue(KvList{{"content", kUserText}}), 1),
          GenAiRecord("gen_ai.choice",
                      AnyValue(KvList{{"index", int64_t{0}},
                                      {"message", AnyValue(KvList{{"content", kAnswerText}})}}),
                      2)});
  EXPECT_EQ(MakeTracePreview(s.view.inputs_json, PreviewRole::kRequest), kUserText);
  EXPECT_EQ(MakeTracePreview(s.view.outputs_json, PreviewRole::kResponse), kAnswerText);
}

}  // namespace
}  // namespace tracelake::model
