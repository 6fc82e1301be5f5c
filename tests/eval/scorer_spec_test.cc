#include "eval/scorer_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "eval/serialized_scorer.h"
#include "llm/fake_http_client.h"
#include "tests/common/status_matchers.h"

namespace tracelake::eval {
namespace {

using ::testing::HasSubstr;
using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

TEST(ScorerSpecTest, BareNamesMakeBuiltinJudgesAndCodeScorers) {
  ScorerSpecContext ctx;
  auto judge = MakeScorerFromSpec(Json("correctness"), ctx);
  ASSERT_THAT(judge, IsOk());
  EXPECT_EQ(judge->scorer->name(), "correctness");
  EXPECT_NE(judge->owned, nullptr);
  auto code = MakeScorerFromSpec(Json("is_not_empty"), ctx);
  ASSERT_THAT(code, IsOk());
  EXPECT_EQ(code->scorer->kind(), ScorerKind::kCode);
}

TEST(ScorerSpecTest, OptionsAndAssessmentNames) {
  ScorerSpecContext ctx;
  auto g =
      MakeScorerFromSpec(Json::parse(R"({"name": "guidelines", "guidelines": ["Answer in English."],
                      "assessment_name": "english"})"),
                         ctx);
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->scorer->name(), "english");
  auto k = MakeScorerFromSpec(
      Json::parse(R"({"name": "contains_keywords", "options": {"keywords": ["Paris"]}})"), ctx);
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->scorer->name(), "contains_keywords");
  auto custom = MakeScorerFromSpec(
      Json::parse(R"({"instructions": "Is {{ outputs }} polite?", "assessment_name": "polite"})"),
      ctx);
  ASSERT_THAT(custom, IsOk());
  EXPECT_EQ(custom->scorer->name(), "polite");
}

TEST(ScorerSpecTest, RegisteredAndServerScorers) {
  ScorerSpecContext ctx;
  auto serialized = MakeScorerFromSpec(Json("safety"), ctx);
  ASSERT_THAT(serialized, IsOk());
  int calls = 0;
  ctx.registered = [&](const std::string& name,
                       std::optional<int64_t> version) -> Result<std::string> {
    ++calls;
    if (name != "mine") return NotFoundError("no scorer " + name);
    EXPECT_EQ(version, std::optional<int64_t>(2));
    Json j = *SerializeScorer(*serialized->scorer);
    return j.dump();
  };
  auto reg = MakeScorerFromSpec(Json::parse(R"({"registered": "mine", "version": 2})"), ctx);
  EXPECT_EQ(calls, 1);
  ASSERT_THAT(reg, IsOk());
  EXPECT_EQ(reg->scorer->name(), "safety");
  EXPECT_THAT(MakeScorerFromSpec(Json::parse(R"({"registered": "other"})"), ctx),
              StatusIs(StatusCode::kNotFound));

  EXPECT_THAT(MakeScorerFromSpec(Json::parse(R"({"server_scorer": "lint"})"), ctx),
              StatusIs(StatusCode::kNotFound, HasSubstr("configured on this server")));
  std::map<std::string, const Scorer*> server = {{"lint", serialized->scorer}};
  ctx.server_scorers = &server;
  auto s = MakeScorerFromSpec(Json::parse(R"({"server_scorer": "lint"})"), ctx);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->scorer, serialized->scorer);
  EXPECT_EQ(s->owned, nullptr);
}

TEST(ScorerSpecTest, BadSpecsSayWhatIsWrong) {
  ScorerSpecContext ctx;
  EXPECT_THAT(MakeScorerFromSpec(Json("no_such_scorer"), ctx),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("correctness")));
  EXPECT_THAT(MakeScorerFromSpec(Json(42), ctx), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeScorerFromSpec(Json::object(), ctx),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs a name")));
  EXPECT_THAT(MakeScorerFromSpec(Json::parse(R"({"instructions": "no variables here"})"), ctx),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeScorerFromSpec(Json::parse(R"({"name": "guidelines", "guidelines": 3})"), ctx),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("guidelines")));
}

TEST(ServerScorersTest, ParsesCommandAndHttpScorers) {
  FakeClock clock;
  llm::FakeHttpClient http(clock);
  auto scorers = ParseServerScorers(R"({"scorers": [
      {"name": "lint", "command": ["/bin/true", "-x"], "timeout_seconds": 2},
      {"name": "policy", "url": "http://127.0.0.1:9/score", "headers": {"X-Key": "k"}}]})",
                                    http);
  ASSERT_THAT(scorers, IsOk());
  ASSERT_EQ(scorers->size(), 2u);
  EXPECT_EQ((*scorers)[0]->name(), "lint");
  EXPECT_EQ((*scorers)[0]->kind(), ScorerKind::kExternal);
  EXPECT_EQ((*scorers)[1]->name(), "policy");
}

TEST(ServerScorersTest, BadConfigurationsNameTheEntry) {
  FakeClock clock;
  llm::FakeHttpClient http(clock);
  EXPECT_THAT(ParseServerScorers("[]", http), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseServerScorers(R"({"scorers": [{"name": "a"}]})", http),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("scorers[0] needs exactly one")));
  EXPECT_THAT(ParseServerScorers(R"({"scorers": [{"name": "a", "command": []}]})", http),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("non-empty list")));
  EXPECT_THAT(ParseServerScorers(R"({"scorers": [{"name": "a", "url": "http://x"},
                                         {"name": "a", "url": "http://y"}]})",
                                 http),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("used twice")));
  EXPECT_THAT(
      ParseServerScorers(R"({"scorers": [{"name": "a", "url": "file:///etc/passwd"}]})", http),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("http://")));
}

}  // namespace
}  // namespace tracelake::eval
