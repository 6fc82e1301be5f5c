#include "server/mlflow/json.h"

#include <gtest/gtest.h>

namespace tracelake::server {
namespace {

constexpr int64_t kSec = 1000000000;
constexpr int64_t kT = 1735787045LL * kSec;  // 2025-01-02T03:04:05Z

TEST(TimestampTest, FormatsLikeProtobufWithThreeSixOrNineFractionDigits) {
  EXPECT_EQ(FormatTimestamp(kT), "2025-01-02T03:04:05Z");
  EXPECT_EQ(FormatTimestamp(kT + 123000000), "2025-01-02T03:04:05.123Z");
  EXPECT_EQ(FormatTimestamp(kT + 123400000), "2025-01-02T03:04:05.123400Z");
  EXPECT_EQ(FormatTimestamp(kT + 1), "2025-01-02T03:04:05.000000001Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatTimestamp(951782400LL * kSec), "2000-02-29T00:00:00Z");  // leap day
}

TEST(TimestampTest, ParsesRfc3339InAllTheFormsClientsSend) {
  auto p = [](const Json& j) { return ParseTimestamp(j, "t"); };
  EXPECT_EQ(*p("2025-01-02T03:04:05Z"), kT);
  EXPECT_EQ(*p("2025-01-02T03:04:05.123Z"), kT + 123000000);  // JavaScript toISOString
  EXPECT_EQ(*p("2025-01-02T03:04:05.123456789Z"), kT + 123456789);
  EXPECT_EQ(*p("2025-01-02T03:04:05.5z"), kT + 500000000);
  EXPECT_EQ(*p("2025-01-02T05:04:05+02:00"), kT);
  EXPECT_EQ(*p("2025-01-01T22:04:05-05:00"), kT);
  EXPECT_EQ(*p(Json({{"seconds", 1735787045}, {"nanos", 5}})), kT + 5);
  EXPECT_EQ(*p(Json({{"seconds", "1735787045"}})), kT);
  for (int64_t ns : {kT, kT + 1, kT + 123000000, int64_t{0}})
    EXPECT_EQ(*p(FormatTimestamp(ns)), ns);
}

TEST(TimestampTest, RefusesMalformedTimestamps) {
  for (const Json& bad :
       {Json("2025-01-02"), Json("2025-13-02T03:04:05Z"), Json("2025-02-30T03:04:05Z"),
        Json("2025-01-02T03:04:05"), Json("2025-01-02T03:04:05.Z"),
        Json("2025-01-02T03:04:05.1234567891Z"), Json("2025-01-02T03:04:05Zjunk"), Json(1735787045),
        Json(""), Json({{"seconds", "x"}}), Json({{"nanos", 2000000000}})}) {
    auto r = ParseTimestamp(bad, "trace_info.request_time");
    EXPECT_FALSE(r.ok()) << bad.dump();
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("trace_info.request_time"), std::string::npos);
    }
  }
}

TEST(DurationTest, FormatsLikeProtobuf) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(5 * kSec), "5s");
  EXPECT_EQ(FormatDuration(1500000000), "1.500s");
  EXPECT_EQ(FormatDuration(123000), "0.000123s");
  EXPECT_EQ(FormatDuration(1), "0.000000001s");
  EXPECT_EQ(FormatDuration(-1500000000), "-1.500s");
}

TEST(DurationTest, ParsesStringsAndObjects) {
  auto p = [](const Json& j) { return ParseDuration(j, "d"); };
  EXPECT_EQ(*p("1.5s"), 1500000000);
  EXPECT_EQ(*p("0.123s"), 123000000);
  EXPECT_EQ(*p("2s"), 2 * kSec);
  EXPECT_EQ(*p("0.000000001s"), 1);
  EXPECT_EQ(*p(Json({{"seconds", 1}, {"nanos", 500000000}})), 1500000000);
  for (const Json& bad : {Json("1.5"), Json("s"), Json("abc s"), Json("-1s"), Json("1.s"),
                          Json("1.2.3s"), Json(1.5), Json("1.1234567891s")})
    EXPECT_FALSE(p(bad).ok()) << bad.dump();
}

model::TraceInfo SampleInfo() {
  model::TraceInfo info;
  info.trace_id = *ParseMlflowTraceId("tr-0123456789abcdef0123456789abcdef");
  info.experiment_id = "3";
  info.request_time_ns = kT + 250000000;
  info.execution_duration_ns = 1500000000;
  info.state = model::TraceState::kOk;
  info.client_request_id = "req-1";
  info.request_preview = "{\"q\":1}";
  info.response_preview = "\"a\"";
  info.trace_metadata = {{"mlflow.trace_schema.version", "3"}};
  info.tags = {{"team", "x"}};
  return info;
}

TEST(TraceInfoJsonTest, V3CarriesEveryFieldInMlflowShape) {
  model::TraceInfo info = SampleInfo();
  info.span_count = 2;
  Json j = TraceInfoV3ToJson(info, "mlflow-artifacts:/");
  EXPECT_EQ(j["trace_id"], "tr-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(j["client_request_id"], "req-1");
  EXPECT_EQ(j["trace_location"],
            Json({{"type", "MLFLOW_EXPERIMENT"}, {"mlflow_experiment", {{"experiment_id", "3"}}}}));
  EXPECT_EQ(j["request_preview"], "{\"q\":1}");
  EXPECT_EQ(j["response_preview"], "\"a\"");
  EXPECT_EQ(j["request_time"], "2025-01-02T03:04:05.250Z");
  EXPECT_EQ(j["execution_duration"], "1.500s");
  EXPECT_EQ(j["state"], "OK");
  EXPECT_EQ(j["trace_metadata"]["mlflow.trace_schema.version"], "3");
  EXPECT_EQ(j["tags"]["team"], "x");
  EXPECT_EQ(j["tags"]["mlflow.artifactLocation"],
            "mlflow-artifacts:/3/traces/tr-0123456789abcdef0123456789abcdef/artifacts");
  EXPECT_EQ(j["tags"]["mlflow.trace.spansLocation"], "TRACKING_STORE");
  EXPECT_EQ(j["assessments"], Json::array());
}

TEST(TraceInfoJsonTest, InProgressTraceWithoutDurationOmitsIt) {
  model::TraceInfo info = SampleInfo();
  info.state = model::TraceState::kInProgress;
  info.execution_duration_ns = 0;
  Json v3 = TraceInfoV3ToJson(info, "mlflow-artifacts:/");
  EXPECT_FALSE(v3.contains("execution_duration"));
  EXPECT_FALSE(v3["tags"].contains("mlflow.trace.spansLocation")) << "no spans stored yet";
  EXPECT_FALSE(TraceInfoV2ToJson(info, "mlflow-artifacts:/").contains("execution_time_ms"));
}

TEST(TraceInfoJsonTest, ClientTagsAreNotOverwritten) {
  model::TraceInfo info = SampleInfo();
  info.tags["mlflow.artifactLocation"] = "s3://bucket/x";
  info.tags["mlflow.trace.spansLocation"] = "ARTIFACT_REPO";
  info.span_count = 3;
  auto tags = ClientVisibleTags(info, "mlflow-artifacts:/");
  EXPECT_EQ(tags["mlflow.artifactLocation"], "s3://bucket/x");
  EXPECT_EQ(tags["mlflow.trace.spansLocation"], "ARTIFACT_REPO");
}

TEST(TraceInfoJsonTest, V2UsesKeyValueListsAndTraceStatusNames) {
  model::TraceInfo info = SampleInfo();
  info.state = model::TraceState::kUnspecified;
  Json j = TraceInfoV2ToJson(info, "mlflow-artifacts:/");
  EXPECT_EQ(j["request_id"], "tr-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(j["experiment_id"], "3");
  EXPECT_EQ(j["timestamp_ms"], kT / 1000000 + 250);
  EXPECT_EQ(j["execution_time_ms"], 1500);
  EXPECT_EQ(j["status"], "TRACE_STATUS_UNSPECIFIED");
  EXPECT_EQ(j["request_metadata"],
            Json::parse(R"([{"key":"mlflow.trace_schema.version","value":"3"}])"));
  EXPECT_EQ(j["tags"][1], Json({{"key", "team"}, {"value", "x"}}));
}

TEST(TraceInfoJsonTest, RoundTripsThroughTheStartTraceV3Form) {
  model::TraceInfo info = SampleInfo();
  Json j = TraceInfoV3ToJson(info, "mlflow-artifacts:/");
  auto back = TraceInfoV3FromJson(ParamReader(j, "trace.trace_info"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->trace_id, info.trace_id);
  EXPECT_EQ(back->experiment_id, "3");
  EXPECT_EQ(back->request_time_ns, info.request_time_ns);
  EXPECT_EQ(back->execution_duration_ns, info.execution_duration_ns);
  EXPECT_EQ(back->state, model::TraceState::kOk);
  EXPECT_EQ(back->client_request_id, "req-1");
  EXPECT_EQ(back->request_preview, info.request_preview);
  EXPECT_EQ(back->trace_metadata, info.trace_metadata);
  EXPECT_EQ(back->tags.at("team"), "x");
}

TEST(TraceInfoJsonTest, FromJsonNamesTheBadField) {
  auto error_of = [](Json j) {
    auto r = TraceInfoV3FromJson(ParamReader(j, "trace.trace_info"));
    return r.ok() ? std::string() : r.status().message();
  };
  Json good = {{"trace_id", "tr-0123456789abcdef0123456789abcdef"},
               {"trace_location",
                {{"type", "MLFLOW_EXPERIMENT"}, {"mlflow_experiment", {{"experiment_id", "1"}}}}}};
  EXPECT_EQ(error_of(good), "");
  Json j = good;
  j.erase("trace_id");
  EXPECT_NE(error_of(j).find("'trace.trace_info.trace_id'"), std::string::npos);
  j = good;
  j["trace_id"] = "tr-xyz";
  EXPECT_NE(error_of(j).find("32 hex digits"), std::string::npos);
  j = good;
  j["trace_location"]["mlflow_experiment"].erase("experiment_id");
  EXPECT_NE(error_of(j).find("'trace.trace_info.trace_location.mlflow_experiment.experiment_id'"),
            std::string::npos);
  j = good;
  j["trace_location"]["type"] = "INFERENCE_TABLE";
  EXPECT_NE(error_of(j).find("MLFLOW_EXPERIMENT"), std::string::npos);
  j = good;
  j["state"] = "DONE";
  EXPECT_NE(error_of(j).find("trace.trace_info.state"), std::string::npos);
  j = good;
  j["trace_metadata"] = {{"k", {1}}};
  EXPECT_NE(error_of(j).find("trace.trace_info.trace_metadata"), std::string::npos);
  j = good;
  j["execution_duration"] = "-2s";
  EXPECT_NE(error_of(j).find("must not be negative"), std::string::npos);
}

TEST(AssessmentJsonTest, ParsesFeedbackWithAnyJsonValue) {
  for (const Json& value :
       {Json(true), Json(0.75), Json("yes"), Json({"a", "b"}), Json({{"k", {1, 2}}})}) {
    Json j = {{"assessment_name", "relevance"},
              {"source", {{"source_type", "LLM_JUDGE"}, {"source_id", "gpt-4o"}}},
              {"feedback", {{"value", value}}},
              {"rationale", "because"},
              {"metadata", {{"run", "r1"}}},
              {"span_id", "5c00000000000002"}};
    auto a = AssessmentFromJson(ParamReader(j, "assessment"));
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(a->feedback.has_value());
    EXPECT_EQ(Json::parse(a->feedback->value_json), value);
    EXPECT_EQ(a->source.source_type, model::AssessmentSourceType::kLlmJudge);
    EXPECT_EQ(a->source.source_id, "gpt-4o");
    EXPECT_EQ(a->rationale, "because");
    EXPECT_EQ(a->metadata.at("run"), "r1");
    EXPECT_EQ(a->span_id, "5c00000000000002");
    EXPECT_TRUE(a->valid);
  }
}

TEST(AssessmentJsonTest, ParsesExpectationsErrorsAndSourceAliases) {
  Json exp = {
      {"assessment_name", "expected"},
      {"source", {{"source_type", "HUMAN"}}},
      {"expectation",
       {{"serialized_value", {{"serialization_format", "JSON_FORMAT"}, {"value", "{\"x\":1}"}}}}}};
  auto a = AssessmentFromJson(ParamReader(exp));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->expectation->serialization_format, "JSON_FORMAT");
  EXPECT_EQ(a->expectation->serialized_value, "{\"x\":1}");

  Json err = {
      {"assessment_name", "judge"},
      {"source", {{"source_type", "AI_JUDGE"}}},
      {"feedback",
       {{"value", nullptr}, {"error", {{"error_code", "RATE_LIMIT"}, {"error_message", "429"}}}}}};
  auto b = AssessmentFromJson(ParamReader(err));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->source.source_type, model::AssessmentSourceType::kLlmJudge)
      << "AI_JUDGE is MLflow's old name";
  EXPECT_TRUE(b->feedback->value_json.empty());
  EXPECT_EQ(b->feedback->error->error_code, "RATE_LIMIT");

  Json legacy = {{"assessment_name", "old"}, {"error", {{"error_code", "E"}}}};
  auto c = AssessmentFromJson(ParamReader(legacy));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->feedback->error->error_code, "E")
      << "deprecated top-level error is a failed feedback";
}

TEST(AssessmentJsonTest, RefusesAmbiguousOrMalformedAssessments) {
  auto error_of = [](Json j) {
    auto r = AssessmentFromJson(ParamReader(j, "assessment"));
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_EQ(error_of({{"feedback", {{"value", 1}}}, {"expectation", {{"value", 1}}}}),
            "Exactly one of `expectation` or `feedback` should be specified.");
  EXPECT_NE(error_of({{"expectation", {{"value", 1}, {"serialized_value", {{"value", "1"}}}}}})
                .find("Only one of"),
            std::string::npos);
  EXPECT_NE(error_of({{"expectation", Json::object()}}).find("'assessment.expectation.value'"),
            std::string::npos);
  EXPECT_NE(error_of({{"source", {{"source_type", "ROBOT"}}}}).find("HUMAN, LLM_JUDGE, CODE"),
            std::string::npos);
  EXPECT_NE(error_of({{"feedback", "yes"}}).find("'assessment.feedback'"), std::string::npos);
  EXPECT_NE(error_of({{"valid", "maybe"}}).find("Invalid boolean"), std::string::npos);
}

TEST(AssessmentJsonTest, WritesMlflowShape) {
  model::Assessment a;
  a.assessment_id = "a-1";
  a.assessment_name = "relevance";
  a.trace_id = "tr-0123456789abcdef0123456789abcdef";
  a.source = {model::AssessmentSourceType::kCode, "my_scorer"};
  a.create_time_ms = kT / 1000000;
  a.last_update_time_ms = kT / 1000000 + 5;
  a.feedback = model::Feedback{"{\"score\":0.5}", std::nullopt};
  a.metadata = {{"k", "v"}};
  a.overrides = "a-0";
  a.valid = false;
  Json j = AssessmentToJson(a);
  EXPECT_EQ(j, Json::parse(R"({
    "assessment_id": "a-1", "assessment_name": "relevance",
    "trace_id": "tr-0123456789abcdef0123456789abcdef",
    "source": {"source_type": "CODE", "source_id": "my_scorer"},
    "create_time": "2025-01-02T03:04:05Z", "last_update_time": "2025-01-02T03:04:05.005Z",
    "feedback": {"value": {"score": 0.5}}, "metadata": {"k": "v"}, "overrides": "a-0", "valid": false})"));

  a.feedback.reset();
  a.expectation = model::Expectation{"[\"a\",\"b\"]", "", ""};
  EXPECT_EQ(AssessmentToJson(a)["expectation"], Json({{"value", {"a", "b"}}}));
}

TEST(ExperimentJsonTest, WritesMlflowShapeWithTagList) {
  model::Experiment e;
  e.experiment_id = "4";
  e.name = "demo";
  e.artifact_location = "mlflow-artifacts:/4";
  e.lifecycle_stage = model::LifecycleStage::kDeleted;
  e.creation_time_ms = 10;
  e.last_update_time_ms = 20;
  e.tags = {{"a", "1"}};
  EXPECT_EQ(ExperimentToJson(e), Json::parse(R"({"experiment_id": "4", "name": "demo",
    "artifact_location": "mlflow-artifacts:/4", "lifecycle_stage": "deleted",
    "creation_time": 10, "last_update_time": 20, "tags": [{"key": "a", "value": "1"}]})"));
  e.tags.clear();
  EXPECT_FALSE(ExperimentToJson(e).contains("tags"))
      << "empty repeated fields are omitted, as by protobuf";
}

TEST(TraceArtifactLocationTest, JoinsRootExperimentAndTrace) {
  model::TraceInfo info = SampleInfo();
  EXPECT_EQ(TraceArtifactLocation("mlflow-artifacts:/", info),
            "mlflow-artifacts:/3/traces/tr-0123456789abcdef0123456789abcdef/artifacts");
  EXPECT_EQ(TraceArtifactLocation("mlflow-artifacts://host/root", info),
            "mlflow-artifacts://host/root/3/traces/tr-0123456789abcdef0123456789abcdef/artifacts");
}

}  // namespace
}  // namespace tracelake::server
