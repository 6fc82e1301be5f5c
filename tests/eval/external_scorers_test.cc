// External scorers: the document they send, the verdicts they read, an HTTP endpoint over a
// FakeHttpClient, and a command run for real (/bin/sh) with its timeout and output limit.
#include "eval/external_scorers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/eval/eval_test_util.h"

namespace tracelake::eval {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

class ExternalScorerTest : public ::testing::Test {
 protected:
  ScoreContext Ctx() { return ScoreContext(llm::Deadline::After(clock_, seconds(30)), clock_); }
  static EvalInput Record() {
    EvalInput in;
    in.inputs = {{"question", "2+2?"}};
    in.outputs = "4";
    in.expectations = {{"expected_response", "4"}};
    return in;
  }
  static CommandScorer Sh(const std::string& script, milliseconds timeout = seconds(10),
                          size_t max_output = 1 << 20) {
    return CommandScorer({.name = "sh_check",
                          .argv = {"/bin/sh", "-c", script},
                          .timeout = timeout,
                          .max_output_bytes = max_output});
  }

  FakeClock clock_{testing::kStart};
  llm::FakeHttpClient http_{clock_};
};

TEST_F(ExternalScorerTest, RequestCarriesTheRecordAndTheTrace) {
  model::Trace trace = testing::RagTrace();
  EvalInput in;
  in.trace = &trace;
  Json doc = ScorerRequestJson("mine", in);
  EXPECT_EQ(doc["scorer"], "mine");
  EXPECT_EQ(doc["inputs"]["question"], "What is the capital of France?");  // from the root
  EXPECT_EQ(doc["trace"]["trace_id"], "tr-0123456789abcdef0123456789abcdef");
  ASSERT_EQ(doc["trace"]["spans"].size(), trace.spans.size());
  EXPECT_EQ(doc["trace"]["spans"][1]["span_type"], "RETRIEVER");
  EXPECT_EQ(doc["trace"]["spans"][1]["parent_span_id"], "00000000000000a1");
  EXPECT_TRUE(doc["trace"]["spans"][1]["outputs"].is_array());
  EXPECT_TRUE(ScorerRequestJson("mine", Record())["trace"].is_null());
}

TEST_F(ExternalScorerTest, ReadsVerdictDocuments) {
  const FeedbackSource src = FeedbackSource::Code("x");
  std::vector<Feedback> f =
      FeedbacksFromVerdictJson("x", src, R"({"value": true, "rationale": "ok"})");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kYes);
  EXPECT_EQ(f[0].rationale, "ok");
  f = FeedbacksFromVerdictJson(
      "x", src, R"([{"result": "no", "span_id": "00000000000000b2"}, {"value": 0.5}])");
  ASSERT_EQ(f.size(), 2U);
  EXPECT_EQ(f[0].verdict(), Verdict::kNo);
  EXPECT_EQ(f[0].span_id, "00000000000000b2");
  EXPECT_EQ(f[1].value, 0.5);
  f = FeedbacksFromVerdictJson("x", src, R"({"error": "model crashed"})");
  EXPECT_EQ(f[0].verdict(), Verdict::kUnknown);
  EXPECT_EQ(f[0].error->message, "model crashed");
  f = FeedbacksFromVerdictJson("x", src, "yes");
  EXPECT_EQ(f[0].error->code, kErrParse);
  EXPECT_EQ(f[0].error->raw_answer, "yes");
  f = FeedbacksFromVerdictJson("x", src, R"({"rationale": "forgot the value"})");
  EXPECT_EQ(f[0].error->code, kErrParse);
}

TEST_F(ExternalScorerTest, HttpScorerPostsAndReadsTheVerdict) {
  HttpScorer s({.name = "remote",
                .url = "http://scorer.test/score",
                .headers = {{"Authorization", "Bearer t"}}},
               http_);
  http_.EnqueueOk(R"({"value": "yes", "rationale": "fine"})");
  std::vector<Feedback> f = s.Score(Record(), Ctx());
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].name, "remote");
  EXPECT_EQ(f[0].verdict(), Verdict::kYes);
  EXPECT_EQ(f[0].source.type, FeedbackSourceType::kCode);
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, "http://scorer.test/score");
  EXPECT_EQ(Json::parse(requests[0].body)["outputs"], "4");
  // The request's deadline is the scorer's timeout (30 s here) or the context's, the earlier.
  EXPECT_EQ(requests[0].deadline.unix_nanos(), testing::kStart + 30'000'000'000);

  http_.Enqueue(testing::HttpAnswer(503, "down"));
  f = s.Score(Record(), Ctx());
  EXPECT_EQ(f[0].error->code, kErrScorer);
  EXPECT_THAT(f[0].error->message, HasSubstr("503"));
  http_.Enqueue(DeadlineExceededError("slow"));
  EXPECT_EQ(s.Score(Record(), Ctx())[0].error->code, kErrTimeout);
}

TEST_F(ExternalScorerTest, CommandScorerReadsStdinAndAnswersOnStdout) {
  // The script answers yes when the document it read names the expected output.
  CommandScorer s = Sh(
      R"(doc=$(cat); case "$doc" in *'"outputs":"4"'*) echo '{"value": true, "rationale": "saw 4"}';; )"
      R"(*) echo '{"value": false}';; esac)");
  std::vector<Feedback> f = s.Score(Record(), Ctx());
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kYes);
  EXPECT_EQ(f[0].rationale, "saw 4");
  EXPECT_EQ(f[0].name, "sh_check");
}

TEST_F(ExternalScorerTest, CommandScorerFailuresAreUnknown) {
  Feedback exit = Sh("echo '{\"value\": true}'; exit 3").Score(Record(), Ctx())[0];
  EXPECT_EQ(exit.verdict(), Verdict::kUnknown);
  EXPECT_THAT(exit.error->message, HasSubstr("status 3"));

  Feedback slow = Sh("sleep 5", milliseconds(200)).Score(Record(), Ctx())[0];
  EXPECT_EQ(slow.verdict(), Verdict::kUnknown);
  EXPECT_EQ(slow.error->code, kErrTimeout);

  Feedback chatty = Sh("yes verdict", seconds(10), 4096).Score(Record(), Ctx())[0];
  EXPECT_EQ(chatty.verdict(), Verdict::kUnknown);
  EXPECT_THAT(chatty.error->message, HasSubstr("more than 4096 bytes"));

  CommandScorer missing({.name = "nope", .argv = {"/nonexistent/scorer"}});
  EXPECT_EQ(missing.Score(Record(), Ctx())[0].verdict(), Verdict::kUnknown);

  Feedback garbage = Sh("cat >/dev/null; echo not-json").Score(Record(), Ctx())[0];
  EXPECT_EQ(garbage.error->code, kErrParse);
  EXPECT_EQ(garbage.error->raw_answer, "not-json\n");

  // A program that never reads its stdin still gets a verdict out (no SIGPIPE, no hang).
  model::Trace big = testing::RagTrace();
  big.spans[0].view.inputs_json = "\"" + std::string(4 << 20, 'x') + "\"";
  EvalInput in;
  in.trace = &big;
  Feedback early = Sh("echo '{\"value\": \"yes\"}'").Score(in, Ctx())[0];
  EXPECT_EQ(early.verdict(), Verdict::kYes);
}

}  // namespace
}  // namespace tracelake::eval
