#include "server/mlflow_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace tracelake::server {
namespace {

const char* StateName(model::TraceState s) {
  switch (s) {
    case model::TraceState::kOk: return "OK";
    case model::TraceState::kError: return "ERROR";
    case model::TraceState::kInProgress: return "IN_PROGRESS";
    default: return "STATE_UNSPECIFIED";
  }
}

std::string Base64(std::string_view in) {
  static constexpr char kT[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kT[n >> 18], kT[(n >> 12) & 63], kT[(n >> 6) & 63], kT[n & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {kT[n >> 18], kT[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kT[n >> 18], kT[(n >> 12) & 63], kT[(n >> 6) & 63], '='};
  }
  return out;
}

Json AnyToJson(const model::AnyValue& v) {
  const auto& s = v.storage();
  switch (s.index()) {
    case 1: return {{"string_value", std::get<1>(s)}};
    case 2: return {{"bool_value", std::get<2>(s)}};
    case 3: return {{"int_value", std::get<3>(s)}};
    case 4: return std::isfinite(std::get<4>(s)) ? Json{{"double_value", std::get<4>(s)}} : Json::object();
    case 5: {
      Json arr = Json::array();
      for (const auto& e : std::get<5>(s)) arr.push_back(AnyToJson(e));
      return {{"array_value", {{"values", arr}}}};
    }
    case 6: {
      Json arr = Json::array();
      for (const auto& kv : std::get<6>(s)) arr.push_back({{"key", kv.key}, {"value", AnyToJson(kv.value)}});
      return {{"kvlist_value", {{"values", arr}}}};
    }
    case 7: return {{"bytes_value", Base64(std::get<7>(s).data)}};
    default: return Json::object();
  }
}

Json AttrsToJson(const model::Attributes& attrs) {
  Json arr = Json::array();
  for (const auto& kv : attrs) arr.push_back({{"key", kv.key}, {"value", AnyToJson(kv.value)}});
  return arr;
}

Json MapToJson(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

Json KeyValueList(const std::map<std::string, std::string>& m) {
  Json arr = Json::array();
  for (const auto& [k, v] : m) arr.push_back({{"key", k}, {"value", v}});
  return arr;
}

const char* SourceName(model::AssessmentSourceType t) {
  switch (t) {
    case model::AssessmentSourceType::kHuman: return "HUMAN";
    case model::AssessmentSourceType::kLlmJudge: return "LLM_JUDGE";
    case model::AssessmentSourceType::kCode: return "CODE";
    default: return "SOURCE_TYPE_UNSPECIFIED";
  }
}

Json ParseValue(const std::string& json_text) {
  if (json_text.empty()) return nullptr;
  Json v = Json::parse(json_text, nullptr, false);
  return v.is_discarded() ? Json(json_text) : v;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<std::map<std::string, std::string>> StringMap(const Json& j, const char* field) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (!v.is_string()) return InvalidArgumentError(std::string("Values of '") + field + "' must be strings");
      out[k] = v.get<std::string>();
    }
    return out;
  }
  if (j.is_array()) {  // [{key, value}] form
    for (const auto& e : j) {
      if (!e.is_object() || !e.contains("key") || !e["key"].is_string())
        return InvalidArgumentError(std::string("Entries of '") + field + "' need a string key");
      out[e["key"].get<std::string>()] = e.value("value", "");
    }
    return out;
  }
  return InvalidArgumentError(std::string("'") + field + "' must be an object");
}

}  // namespace

std::string FormatTimestamp(int64_t ns) {
  int64_t secs = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
  int64_t frac = ns - secs * 1000000000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac / 1000000));
  return buf;
}

Result<int64_t> ParseTimestamp(const Json& j) {
  if (j.is_null()) return int64_t{0};
  if (j.is_object()) {
    int64_t secs = 0, nanos = 0;
    if (j.contains("seconds")) {
      const auto& s = j["seconds"];
      secs = s.is_string() ? std::stoll(s.get<std::string>()) : s.get<int64_t>();
    }
    if (j.contains("nanos")) nanos = j["nanos"].get<int64_t>();
    return secs * 1000000000 + nanos;
  }
  if (!j.is_string()) return InvalidArgumentError("Timestamp must be an RFC 3339 string");
  const std::string s = j.get<std::string>();
  int y, mo, d, h, mi, sec;
  char rest[64] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%63s", &y, &mo, &d, &h, &mi, &sec, rest) < 6)
    return InvalidArgumentError("Invalid timestamp '" + s.substr(0, 40) + "': expected RFC 3339");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t out = static_cast<int64_t>(timegm(&tm)) * 1000000000;
  const char* p = rest;
  if (*p == '.') {
    ++p;
    int64_t scale = 100000000;
    while (*p >= '0' && *p <= '9') {
      out += (*p - '0') * scale;
      scale /= 10;
      ++p;
    }
  }
  if (*p == '+' || *p == '-') {
    int oh = 0, om = 0;
    std::sscanf(p + 1, "%2d:%2d", &oh, &om);
    int64_t offset = (oh * 3600 + om * 60) * 1000000000LL;
    out += *p == '+' ? -offset : offset;
  }
  return out;
}

std::string FormatDuration(int64_t ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%09llds", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  std::string s = buf;
  // Trim trailing zeros of the fraction, keeping at least 3 digits like protobuf does.
  size_t dot = s.find('.');
  while (s.size() > dot + 5 && s[s.size() - 2] == '0') s.erase(s.size() - 2, 1);
  return s;
}

Result<int64_t> ParseDuration(const Json& j) {
  if (j.is_null()) return int64_t{0};
  if (j.is_object()) {
    int64_t secs = 0, nanos = 0;
    if (j.contains("seconds")) {
      const auto& s = j["seconds"];
      secs = s.is_string() ? std::stoll(s.get<std::string>()) : s.get<int64_t>();
    }
    if (j.contains("nanos")) nanos = j["nanos"].get<int64_t>();
    return secs * 1000000000 + nanos;
  }
  if (!j.is_string()) return InvalidArgumentError("Duration must be a string like \"1.5s\"");
  std::string s = j.get<std::string>();
  if (s.empty() || s.back() != 's') return InvalidArgumentError("Duration must end with 's'");
  s.pop_back();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v) || v < 0)
    return InvalidArgumentError("Invalid duration '" + s.substr(0, 40) + "s'");
  return static_cast<int64_t>(std::llround(v * 1e9));
}

Json ExperimentToJson(const model::Experiment& e) {
  Json j = {{"experiment_id", e.experiment_id},
            {"name", e.name},
            {"artifact_location", e.artifact_location},
            {"lifecycle_stage", e.lifecycle_stage == model::LifecycleStage::kActive ? "active" : "deleted"},
            {"last_update_time", e.last_update_time_ms},
            {"creation_time", e.creation_time_ms}};
  if (!e.tags.empty()) j["tags"] = KeyValueList(e.tags);
  return j;
}

Json AssessmentToJson(const model::Assessment& a) {
  Json j = {{"assessment_id", a.assessment_id},
            {"assessment_name", a.assessment_name},
            {"trace_id", a.trace_id},
            {"source", {{"source_type", SourceName(a.source.source_type)}, {"source_id", a.source.source_id}}},
            {"create_time", FormatTimestamp(a.create_time_ms * 1000000)},
            {"last_update_time", FormatTimestamp(a.last_update_time_ms * 1000000)},
            {"valid", a.valid}};
  if (!a.span_id.empty()) j["span_id"] = a.span_id;
  if (a.feedback) {
    Json f = Json::object();
    if (!a.feedback->value_json.empty()) f["value"] = ParseValue(a.feedback->value_json);
    if (a.feedback->error) {
      f["error"] = {{"error_code", a.feedback->error->error_code},
                    {"error_message", a.feedback->error->error_message}};
      if (!a.feedback->error->stack_trace.empty()) f["error"]["stack_trace"] = a.feedback->error->stack_trace;
    }
    j["feedback"] = f;
  } else if (a.expectation) {
    if (!a.expectation->serialized_value.empty()) {
      j["expectation"] = {{"serialized_value", {{"serialization_format", a.expectation->serialization_format},
                                                {"value", a.expectation->serialized_value}}}};
    } else {
      j["expectation"] = {{"value", ParseValue(a.expectation->value_json)}};
    }
  }
  if (!a.rationale.empty()) j["rationale"] = a.rationale;
  if (!a.metadata.empty()) j["metadata"] = MapToJson(a.metadata);
  if (!a.overrides.empty()) j["overrides"] = a.overrides;
  return j;
}

Json TraceInfoV3ToJson(const model::TraceInfo& info) {
  Json j = {{"trace_id", MlflowTraceId(info.trace_id)},
            {"trace_location",
             {{"type", "MLFLOW_EXPERIMENT"}, {"mlflow_experiment", {{"experiment_id", info.experiment_id}}}}},
            {"request_time", FormatTimestamp(info.request_time_ns)},
            {"execution_duration", FormatDuration(info.execution_duration_ns)},
            {"state", StateName(info.state)},
            {"trace_metadata", MapToJson(info.trace_metadata)},
            {"tags", MapToJson(info.tags)}};
  if (!info.client_request_id.empty()) j["client_request_id"] = info.client_request_id;
  if (!info.request_preview.empty()) j["request_preview"] = info.request_preview;
  if (!info.response_preview.empty()) j["response_preview"] = info.response_preview;
  Json assessments = Json::array();
  for (const auto& a : info.assessments) assessments.push_back(AssessmentToJson(a));
  j["assessments"] = assessments;
  return j;
}

Json TraceInfoV2ToJson(const model::TraceInfo& info) {
  return {{"request_id", MlflowTraceId(info.trace_id)},
          {"experiment_id", info.experiment_id},
          {"timestamp_ms", info.request_time_ns / 1000000},
          {"execution_time_ms", info.execution_duration_ns / 1000000},
          {"status", StateName(info.state)},
          {"request_metadata", KeyValueList(info.trace_metadata)},
          {"tags", KeyValueList(info.tags)}};
}

Json SpanToJson(const model::Span& s) {
  static const char* kKinds[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                 "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  static const char* kCodes[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};
  Json j = {{"trace_id", Base64(s.trace_id.AsStringView())},
            {"span_id", Base64(s.span_id.AsStringView())},
            {"trace_state", s.trace_state},
            {"parent_span_id", s.parent_span_id.IsZero() ? "" : Base64(s.parent_span_id.AsStringView())},
            {"flags", s.flags},
            {"name", s.name},
            {"kind", kKinds[static_cast<int>(s.kind) % 6]},
            {"start_time_unix_nano", s.start_time_unix_nano},
            {"end_time_unix_nano", s.end_time_unix_nano},
            {"attributes", AttrsToJson(s.attributes)},
            {"status", {{"code", kCodes[static_cast<int>(s.status_code) % 3]}, {"message", s.status_message}}}};
  Json events = Json::array();
  for (const auto& e : s.events)
    events.push_back({{"time_unix_nano", e.time_unix_nano}, {"name", e.name}, {"attributes", AttrsToJson(e.attributes)}});
  j["events"] = events;
  if (!s.links.empty()) {
    Json links = Json::array();
    for (const auto& l : s.links)
      links.push_back({{"trace_id", Base64(l.trace_id.AsStringView())},
                       {"span_id", Base64(l.span_id.AsStringView())},
                       {"attributes", AttrsToJson(l.attributes)}});
    j["links"] = links;
  }
  return j;
}

Result<model::TraceInfo> TraceInfoV3FromJson(const Json& j) {
  if (!j.is_object()) return InvalidArgumentError("trace_info must be an object");
  model::TraceInfo info;
  std::string id = j.value("trace_id", "");
  auto tid = ParseMlflowTraceId(id);
  if (!tid) return InvalidArgumentError("Invalid trace_id '" + id.substr(0, 80) + "': expected tr-<32 hex digits>");
  info.trace_id = *tid;
  info.client_request_id = j.value("client_request_id", "");
  if (j.contains("trace_location")) {
    const auto& loc = j["trace_location"];
    if (loc.is_object() && loc.contains("mlflow_experiment") && loc["mlflow_experiment"].is_object())
      info.experiment_id = loc["mlflow_experiment"].value("experiment_id", "");
  }
  if (info.experiment_id.empty()) return InvalidArgumentError("Missing value for required parameter 'trace_location.mlflow_experiment.experiment_id'");
  info.request_preview = j.value("request_preview", "");
  info.response_preview = j.value("response_preview", "");
  ASSIGN_OR_RETURN(info.request_time_ns, ParseTimestamp(j.contains("request_time") ? j["request_time"] : Json()));
  ASSIGN_OR_RETURN(info.execution_duration_ns,
                   ParseDuration(j.contains("execution_duration") ? j["execution_duration"] : Json()));
  std::string state = j.value("state", "STATE_UNSPECIFIED");
  info.state = state == "OK" ? model::TraceState::kOk
               : state == "ERROR" ? model::TraceState::kError
               : state == "IN_PROGRESS" ? model::TraceState::kInProgress
                                        : model::TraceState::kUnspecified;
  ASSIGN_OR_RETURN(info.trace_metadata, StringMap(j.contains("trace_metadata") ? j["trace_metadata"] : Json(), "trace_metadata"));
  ASSIGN_OR_RETURN(info.tags, StringMap(j.contains("tags") ? j["tags"] : Json(), "tags"));
  return info;
}

Result<model::Assessment> AssessmentFromJson(const Json& j) {
  if (!j.is_object()) return InvalidArgumentError("assessment must be an object");
  model::Assessment a;
  a.assessment_id = j.value("assessment_id", "");
  a.assessment_name = j.value("assessment_name", "");
  a.trace_id = j.value("trace_id", "");
  a.span_id = j.value("span_id", "");
  a.rationale = j.value("rationale", "");
  a.overrides = j.value("overrides", "");
  if (j.contains("valid") && j["valid"].is_boolean()) a.valid = j["valid"].get<bool>();
  if (j.contains("source") && j["source"].is_object()) {
    std::string t = j["source"].value("source_type", "");
    a.source.source_type = t == "HUMAN" ? model::AssessmentSourceType::kHuman
                           : t == "LLM_JUDGE" ? model::AssessmentSourceType::kLlmJudge
                           : t == "CODE" ? model::AssessmentSourceType::kCode
                                         : model::AssessmentSourceType::kUnspecified;
    if (!t.empty() && a.source.source_type == model::AssessmentSourceType::kUnspecified && t != "SOURCE_TYPE_UNSPECIFIED")
      return InvalidArgumentError("source_type must be HUMAN, LLM_JUDGE or CODE");
    a.source.source_id = j["source"].value("source_id", "");
  }
  if (j.contains("feedback") && !j["feedback"].is_null()) {
    const auto& f = j["feedback"];
    if (!f.is_object()) return InvalidArgumentError("feedback must be an object");
    model::Feedback fb;
    if (f.contains("value")) fb.value_json = Dump(f["value"]);
    if (f.contains("error") && f["error"].is_object()) {
      model::AssessmentError e;
      e.error_code = f["error"].value("error_code", "");
      e.error_message = f["error"].value("error_message", "");
      e.stack_trace = f["error"].value("stack_trace", "");
      fb.error = e;
    }
    a.feedback = std::move(fb);
  }
  if (j.contains("expectation") && !j["expectation"].is_null()) {
    const auto& x = j["expectation"];
    if (!x.is_object()) return InvalidArgumentError("expectation must be an object");
    model::Expectation ex;
    if (x.contains("value")) ex.value_json = Dump(x["value"]);
    if (x.contains("serialized_value") && x["serialized_value"].is_object()) {
      ex.serialization_format = x["serialized_value"].value("serialization_format", "");
      ex.serialized_value = x["serialized_value"].value("value", "");
    }
    a.expectation = std::move(ex);
  }
  if (j.contains("metadata")) {
    ASSIGN_OR_RETURN(a.metadata, StringMap(j["metadata"], "metadata"));
  }
  return a;
}

}  // namespace tracelake::server
