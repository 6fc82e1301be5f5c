#include "eval/agent_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "llm/fake_http_client.h"
#include "tests/common/status_matchers.h"

namespace tracelake::eval {
namespace {

using ::testing::HasSubstr;
using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;
using Json = nlohmann::json;

TraceId Tid() { return *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c"); }
SpanId Sid() { return *SpanId::FromHex("b7ad6b7169203331"); }

std::string HeaderOf(const llm::FakeHttpClient::Recorded& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST(TraceParentTest, W3cFormat) {
  EXPECT_EQ(TraceParent(Tid(), Sid()), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}

TEST(ChatMessagesForTest, ShapesInputsAsMessages) {
  EXPECT_EQ(ChatMessagesFor(Json{{"question", "Why?"}}),
            Json::parse(R"([{"role":"user","content":"Why?"}])"));
  Json msgs =
      Json::parse(R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])");
  EXPECT_EQ(ChatMessagesFor(Json{{"messages", msgs}}), msgs);
  EXPECT_EQ(ChatMessagesFor(Json{{"a", 1}, {"b", "x"}}),
            Json::parse(R"([{"role":"user","content":"{\"a\":1,\"b\":\"x\"}"}])"));
  EXPECT_EQ(ChatMessagesFor(Json("plain")), Json::parse(R"([{"role":"user","content":"plain"}])"));
}

TEST(RenderRequestTemplateTest, SubstitutesJsonValues) {
  Json inputs = {{"question", "say \"hi\""}, {"n", 3}};
  auto body_r = RenderRequestTemplate(R"({"q": {{ inputs.question }}, "k": {{inputs.n}}})", inputs);
  ASSERT_THAT(body_r, IsOk());
  std::string body = *body_r;
  EXPECT_EQ(Json::parse(body), Json::parse(R"({"q": "say \"hi\"", "k": 3})"));
  auto all_r = RenderRequestTemplate(R"({"in": {{ inputs }}})", inputs);
  ASSERT_THAT(all_r, IsOk());
  std::string all = *all_r;
  EXPECT_EQ(Json::parse(all)["in"], inputs);
  auto plain_r = RenderRequestTemplate("", inputs);
  ASSERT_THAT(plain_r, IsOk());
  std::string plain = *plain_r;
  EXPECT_EQ(Json::parse(plain), inputs);
}

TEST(RenderRequestTemplateTest, RejectsWhatCannotWork) {
  Json inputs = {{"question", "q"}};
  EXPECT_THAT(RenderRequestTemplate(R"({"q": {{ outputs }}})", inputs),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown variable")));
  EXPECT_THAT(RenderRequestTemplate(R"({"q": {{ inputs.missing }}})", inputs),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no key 'missing'")));
  EXPECT_THAT(RenderRequestTemplate(R"({"q": {{ inputs.question })", inputs),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("never closed")));
  EXPECT_THAT(RenderRequestTemplate(R"({"q": x{{ inputs.question }}})", inputs),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("does not render to JSON")));
}

TEST(ValidateEndpointTest, ChecksUrlTemplateAndPointer) {
  AgentEndpoint ep;
  ep.url = "ftp://x";
  EXPECT_THAT(ValidateEndpoint(ep), StatusIs(StatusCode::kInvalidArgument, HasSubstr("http://")));
  ep.url = "http://127.0.0.1:1/answer";
  EXPECT_THAT(ValidateEndpoint(ep), IsOk());
  ep.kind = AgentEndpoint::Kind::kJson;
  ep.request_template = R"({"fixed": true})";
  EXPECT_THAT(ValidateEndpoint(ep),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("uses no variable")));
  ep.request_template = R"({"q": {{ inputs.q }}})";
  ep.output_pointer = "answer";
  EXPECT_THAT(ValidateEndpoint(ep),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a JSON pointer")));
  ep.output_pointer = "/answer";
  EXPECT_THAT(ValidateEndpoint(ep), IsOk());
}

class AgentClientTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  llm::FakeHttpClient http_{clock_};
};

TEST_F(AgentClientTest, ChatEndpointSendsMessagesAndTraceparent) {
  AgentEndpoint ep;
  ep.url = "http://agent/v1/chat/completions";
  ep.model = "my-agent";
  ep.headers = {{"Authorization", "Bearer k"}};
  http_.EnqueueOk(R"({"choices":[{"message":{"role":"assistant","content":"Paris"}}]})");
  AgentClient agent(ep, http_, clock_);
  auto a_r = agent.Call(Json{{"question", "Capital of France?"}}, Tid(), Sid());
  ASSERT_THAT(a_r, IsOk());
  AgentAnswer a = *a_r;
  EXPECT_EQ(a.outputs, Json("Paris"));
  EXPECT_EQ(a.http_status, 200);
  ASSERT_EQ(http_.calls(), 1);
  const auto req = http_.requests()[0];
  EXPECT_EQ(req.url, ep.url);
  EXPECT_EQ(HeaderOf(req, "traceparent"), TraceParent(Tid(), Sid()));
  EXPECT_EQ(HeaderOf(req, "Authorization"), "Bearer k");
  EXPECT_EQ(
      Json::parse(req.body),
      Json::parse(
          R"({"model":"my-agent","messages":[{"role":"user","content":"Capital of France?"}]})"));
  EXPECT_EQ(req.deadline.unix_nanos(), clock_.NowUnixNanos() + 60'000'000'000LL);
}

TEST_F(AgentClientTest, JsonEndpointUsesTemplateAndPointer) {
  AgentEndpoint ep;
  ep.kind = AgentEndpoint::Kind::kJson;
  ep.url = "http://agent/answer";
  ep.request_template = R"({"question": {{ inputs.q }}})";
  ep.output_pointer = "/result/text";
  http_.EnqueueOk(R"({"result":{"text":"42","score":1}})");
  AgentClient agent(ep, http_, clock_);
  auto a_r = agent.Call(Json{{"q", "meaning?"}}, Tid(), Sid());
  ASSERT_THAT(a_r, IsOk());
  AgentAnswer a = *a_r;
  EXPECT_EQ(a.outputs, Json("42"));
  EXPECT_EQ(Json::parse(http_.requests()[0].body), Json::parse(R"({"question":"meaning?"})"));
}

TEST_F(AgentClientTest, ErrorsSayWhatHappened) {
  AgentEndpoint ep;
  ep.url = "http://agent/chat";
  AgentClient agent(ep, http_, clock_);
  http_.Enqueue(llm::HttpResponse{500, {}, "boom", false});
  EXPECT_THAT(agent.Call(Json{{"q", "x"}}, Tid(), Sid()),
              StatusIs(StatusCode::kUnavailable, HasSubstr("HTTP 500: boom")));
  http_.EnqueueOk("not json");
  EXPECT_THAT(agent.Call(Json{{"q", "x"}}, Tid(), Sid()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not JSON")));
  http_.EnqueueOk(R"({"answer":"x"})");
  EXPECT_THAT(agent.Call(Json{{"q", "x"}}, Tid(), Sid()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("choices[0].message.content")));
  http_.Enqueue(UnavailableError("connection refused"));
  EXPECT_THAT(agent.Call(Json{{"q", "x"}}, Tid(), Sid()), StatusIs(StatusCode::kUnavailable));
  // No retries: an agent call may not be safe to repeat.
  EXPECT_EQ(http_.calls(), 4);
}

TEST_F(AgentClientTest, MissingOutputIsAnError) {
  AgentEndpoint ep;
  ep.kind = AgentEndpoint::Kind::kJson;
  ep.url = "http://agent/answer";
  ep.output_pointer = "/answer";
  http_.EnqueueOk(R"({"other":1})");
  AgentClient agent(ep, http_, clock_);
  EXPECT_THAT(agent.Call(Json{{"q", "x"}}, Tid(), Sid()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("nothing at /answer")));
}

}  // namespace
}  // namespace tracelake::eval
