#include "server/mlflow/json.h"

#include <cstdio>

#include "common/ids.h"

namespace tracelake::server {
namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

// Protobuf's JSON fraction: none, or 3, 6 or 9 digits.
std::string Fraction(int64_t nanos) {
  if (nanos == 0) return "";
  char buf[16];
  if (nanos % 1000000 == 0)
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(nanos / 1000000));
  else if (nanos % 1000 == 0)
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(nanos / 1000));
  else
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(nanos));
  return buf;
}

// Reads exactly n digits at s[pos]; advances pos.
bool Digits(std::string_view s, size_t& pos, int n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

// Reads 1-9 fraction digits as nanoseconds (more digits are refused like protobuf does).
bool FractionNanos(std::string_view s, size_t& pos, int64_t& nanos) {
  nanos = 0;
  int n = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (++n > 9) return false;
    nanos = nanos * 10 + (s[pos++] - '0');
  }
  if (n == 0) return false;
  for (int i = n; i < 9; ++i) nanos *= 10;
  return true;
}

Result<int64_t> SecondsNanosObject(const Json& j, const std::string& field) {
  int64_t secs = 0, nanos = 0;
  auto read = [&](const char* key, int64_t& out) -> bool {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return true;
    if (it->is_number_integer()) {
      out = it->get<int64_t>();
      return true;
    }
    if (it->is_string()) {
      const std::string& s = it->get_ref<const std::string&>();
      if (s.empty()) return false;
      size_t pos = s[0] == '-' ? 1 : 0;
      int64_t v = 0;
      if (pos >= s.size() || s.size() - pos > 12 ||
          !Digits(s, pos, static_cast<int>(s.size() - pos), v))
        return false;
      out = s[0] == '-' ? -v : v;
      return true;
    }
    return false;
  };
  if (!read("seconds", secs) || !read("nanos", nanos) || nanos <= -kNanosPerSecond ||
      nanos >= kNanosPerSecond || secs > 315576000000LL || secs < -315576000000LL)
    return InvalidArgumentError("Invalid value for '" + field + "': bad seconds/nanos");
  return secs * kNanosPerSecond + nanos;
}

Json KeyValueList(const std::map<std::string, std::string>& m) {
  Json arr = Json::array();
  for (const auto& [k, v] : m) arr.push_back({{"key", k}, {"value", v}});
  return arr;
}

Json StringMapJson(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

// A stored JSON value (feedback / expectation); text that is not JSON comes back as a string.
Json StoredValue(const std::string& json_text) {
  if (json_text.empty()) return nullptr;
  Result<Json> v = ParseJsonBody(json_text);
  return v.ok() ? std::move(*v) : Json(json_text);
}

Result<model::AssessmentSourceType> ParseSourceType(const ParamReader& source) {
  const Json* v = source.Get("source_type");
  if (v == nullptr) return model::AssessmentSourceType::kUnspecified;
  std::string name;
  if (v->is_string())
    name = v->get<std::string>();
  else if (v->is_number_integer())
    name = v->dump();
  if (name == "HUMAN" || name == "1") return model::AssessmentSourceType::kHuman;
  // AI_JUDGE is MLflow's deprecated spelling of LLM_JUDGE.
  if (name == "LLM_JUDGE" || name == "AI_JUDGE" || name == "2")
    return model::AssessmentSourceType::kLlmJudge;
  if (name == "CODE" || name == "3") return model::AssessmentSourceType::kCode;
  if (name == "SOURCE_TYPE_UNSPECIFIED" || name == "0")
    return model::AssessmentSourceType::kUnspecified;
  return source.Invalid("source_type", *v, "expected one of HUMAN, LLM_JUDGE, CODE.");
}

Result<model::AssessmentError> ErrorFromJson(const ParamReader& r) {
  model::AssessmentError e;
  ASSIGN_OR_RETURN(e.error_code, r.StringOr("error_code"));
  ASSIGN_OR_RETURN(e.error_message, r.StringOr("error_message"));
  ASSIGN_OR_RETURN(e.stack_trace, r.StringOr("stack_trace"));
  return e;
}

Json ErrorToJson(const model::AssessmentError& e) {
  Json j = Json::object();
  if (!e.error_code.empty()) j["error_code"] = e.error_code;
  if (!e.error_message.empty()) j["error_message"] = e.error_message;
  if (!e.stack_trace.empty()) j["stack_trace"] = e.stack_trace;
  return j;
}

// Timestamps given by a client are milliseconds in the model.
Result<int64_t> OptTimestampMs(const ParamReader& r, const char* key) {
  const Json* v = r.Get(key);
  if (v == nullptr) return int64_t{0};
  ASSIGN_OR_RETURN(int64_t ns, ParseTimestamp(*v, r.PathOf(key)));
  return ns / 1000000;
}

}  // namespace

std::string FormatTimestamp(int64_t ns) {
  int64_t secs = ns / kNanosPerSecond, nanos = ns % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(y), m, d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60));
  return std::string(buf) + Fraction(nanos) + "Z";
}

Result<int64_t> ParseTimestamp(const Json& j, const std::string& field) {
  if (j.is_object()) return SecondsNanosObject(j, field);
  auto bad = [&] {
    return InvalidArgumentError(
        "Invalid value for '" + field +
        "': expected an RFC 3339 timestamp like \"2025-01-02T03:04:05.123Z\"");
  };
  if (!j.is_string()) return bad();
  std::string_view s = j.get_ref<const std::string&>();
  size_t pos = 0;
  int64_t y, mo, d, h, mi, sec, nanos = 0;
  if (!Digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, mo) ||
      pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, d) || pos >= s.size() ||
      (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') || !Digits(s, ++pos, 2, h) ||
      pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, mi) || pos >= s.size() ||
      s[pos++] != ':' || !Digits(s, pos, 2, sec))
    return bad();
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kMonthDays[mo - 1] || h > 23 || mi > 59 || sec > 60)
    return bad();
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    if (!FractionNanos(s, pos, nanos)) return bad();
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool plus = s[pos++] == '+';
    int64_t oh, om;
    if (!Digits(s, pos, 2, oh) || pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, om) ||
        oh > 23 || om > 59)
      return bad();
    offset = (oh * 3600 + om * 60) * (plus ? 1 : -1);
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
  return secs * kNanosPerSecond + nanos;
}

std::string FormatDuration(int64_t ns) {
  const bool negative = ns < 0;
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  return std::string(negative ? "-" : "") + std::to_string(abs / kNanosPerSecond) +
         Fraction(static_cast<int64_t>(abs % kNanosPerSecond)) + "s";
}

Result<int64_t> ParseDuration(const Json& j, const std::string& field) {
  Result<int64_t> out = int64_t{0};
  if (j.is_object()) {
    out = SecondsNanosObject(j, field);
  } else {
    auto bad = [&] {
      return InvalidArgumentError("Invalid value for '" + field +
                                  "': expected a duration like \"1.500s\"");
    };
    if (!j.is_string()) return bad();
    std::string_view s = j.get_ref<const std::string&>();
    if (s.size() < 2 || s.back() != 's') return bad();
    s.remove_suffix(1);
    size_t pos = 0;
    const bool negative = s[0] == '-';
    if (negative) ++pos;
    size_t int_end = s.find('.', pos);
    if (int_end == std::string_view::npos) int_end = s.size();
    int64_t secs = 0, nanos = 0;
    if (int_end == pos || int_end - pos > 12 ||
        !Digits(s, pos, static_cast<int>(int_end - pos), secs))
      return bad();
    if (pos < s.size()) {
      ++pos;  // '.'
      if (!FractionNanos(s, pos, nanos) || pos != s.size()) return bad();
    }
    out = (secs * kNanosPerSecond + nanos) * (negative ? -1 : 1);
  }
  if (out.ok() && *out < 0)
    return InvalidArgumentError("Invalid value for '" + field + "': must not be negative");
  return out;
}

std::string TraceArtifactLocation(const std::string& root, const model::TraceInfo& info) {
  std::string out = root;
  if (!out.empty() && out.back() != '/' && out.back() != ':') out += '/';
  return out + info.experiment_id + "/traces/" + MlflowTraceId(info.trace_id) + "/artifacts";
}

std::map<std::string, std::string> ClientVisibleTags(const model::TraceInfo& info,
                                                     const std::string& artifact_root) {
  std::map<std::string, std::string> tags = info.tags;
  tags.try_emplace(kArtifactLocationTag, TraceArtifactLocation(artifact_root, info));
  if (info.span_count > 0) tags.try_emplace(kSpansLocationTag, kSpansInTrackingStore);
  return tags;
}

const char* TraceStateName(model::TraceState s) {
  switch (s) {
    case model::TraceState::kOk:
      return "OK";
    case model::TraceState::kError:
      return "ERROR";
    case model::TraceState::kInProgress:
      return "IN_PROGRESS";
    default:
      return "STATE_UNSPECIFIED";
  }
}

const char* TraceStatusNameV2(model::TraceState s) {
  return s == model::TraceState::kUnspecified ? "TRACE_STATUS_UNSPECIFIED" : TraceStateName(s);
}

Result<model::TraceState> ParseTraceState(const Json& j, const std::string& field) {
  std::string name = j.is_string() ? j.get<std::string>() : j.is_number_integer() ? j.dump() : "";
  if (name == "OK" || name == "1") return model::TraceState::kOk;
  if (name == "ERROR" || name == "2") return model::TraceState::kError;
  if (name == "IN_PROGRESS" || name == "3") return model::TraceState::kInProgress;
  if (name == "STATE_UNSPECIFIED" || name == "TRACE_STATUS_UNSPECIFIED" || name == "0")
    return model::TraceState::kUnspecified;
  return InvalidArgumentError("Invalid value for '" + field +
                              "': expected one of OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED");
}

Json ExperimentToJson(const model::Experiment& e) {
  Json j = {{"experiment_id", e.experiment_id},
            {"name", e.name},
            {"artifact_location", e.artifact_location},
            {"lifecycle_stage",
             e.lifecycle_stage == model::LifecycleStage::kActive ? "active" : "deleted"},
            {"last_update_time", e.last_update_time_ms},
            {"creation_time", e.creation_time_ms}};
  if (!e.tags.empty()) j["tags"] = KeyValueList(e.tags);
  return j;
}

Json AssessmentToJson(const model::Assessment& a) {
  Json j = {{"assessment_id", a.assessment_id},
            {"assessment_name", a.assessment_name},
            {"trace_id", a.trace_id},
            {"source",
             {{"source_type", model::AssessmentSourceTypeName(a.source.source_type)},
              {"source_id", a.source.source_id}}},
            {"create_time", FormatTimestamp(a.create_time_ms * 1000000)},
            {"last_update_time", FormatTimestamp(a.last_update_time_ms * 1000000)},
            {"valid", a.valid}};
  if (!a.span_id.empty()) j["span_id"] = a.span_id;
  if (a.feedback) {
    Json f = Json::object();
    if (!a.feedback->value_json.empty())
      f["value"] = StoredValue(a.feedback->value_json);
    else if (!a.feedback->error)
      f["value"] = nullptr;
    if (a.feedback->error) f["error"] = ErrorToJson(*a.feedback->error);
    j["feedback"] = std::move(f);
  } else if (a.expectation) {
    Json x = Json::object();
    if (!a.expectation->serialized_value.empty() || !a.expectation->serialization_format.empty()) {
      x["serialized_value"] = {{"serialization_format", a.expectation->serialization_format},
                               {"value", a.expectation->serialized_value}};
    } else {
      x["value"] = StoredValue(a.expectation->value_json);
    }
    j["expectation"] = std::move(x);
  }
  if (!a.rationale.empty()) j["rationale"] = a.rationale;
  if (!a.metadata.empty()) j["metadata"] = StringMapJson(a.metadata);
  if (!a.overrides.empty()) j["overrides"] = a.overrides;
  return j;
}

Json TraceInfoV3ToJson(const model::TraceInfo& info, const std::string& artifact_root) {
  Json j = {{"trace_id", MlflowTraceId(info.trace_id)},
            {"trace_location",
             {{"type", "MLFLOW_EXPERIMENT"},
              {"mlflow_experiment", {{"experiment_id", info.experiment_id}}}}},
            {"request_time", FormatTimestamp(info.request_time_ns)},
            {"state", TraceStateName(info.state)},
            {"trace_metadata", StringMapJson(info.trace_metadata)},
            {"tags", StringMapJson(ClientVisibleTags(info, artifact_root))}};
  // An in-progress trace with no duration yet has none, as in MLflow (the field is unset).
  if (info.execution_duration_ns > 0 || info.state != model::TraceState::kInProgress)
    j["execution_duration"] = FormatDuration(info.execution_duration_ns);
  if (!info.client_request_id.empty()) j["client_request_id"] = info.client_request_id;
  if (!info.request_preview.empty()) j["request_preview"] = info.request_preview;
  if (!info.response_preview.empty()) j["response_preview"] = info.response_preview;
  Json assessments = Json::array();
  for (const auto& a : info.assessments) assessments.push_back(AssessmentToJson(a));
  j["assessments"] = std::move(assessments);
  return j;
}

Json TraceInfoV2ToJson(const model::TraceInfo& info, const std::string& artifact_root) {
  Json j = {{"request_id", MlflowTraceId(info.trace_id)},
            {"experiment_id", info.experiment_id},
            {"timestamp_ms", info.request_time_ns / 1000000},
            {"status", TraceStatusNameV2(info.state)},
            {"request_metadata", KeyValueList(info.trace_metadata)},
            {"tags", KeyValueList(ClientVisibleTags(info, artifact_root))}};
  if (info.execution_duration_ns > 0 || info.state != model::TraceState::kInProgress)
    j["execution_time_ms"] = info.execution_duration_ns / 1000000;
  return j;
}

Result<model::TraceInfo> TraceInfoV3FromJson(const ParamReader& r) {
  model::TraceInfo info;
  ASSIGN_OR_RETURN(std::string id, r.RequiredString("trace_id"));
  auto tid = ParseMlflowTraceId(id);
  if (!tid || tid->IsZero())
    return r.Invalid("trace_id", Json(id), "expected \"tr-\" followed by 32 hex digits.");
  info.trace_id = *tid;
  ASSIGN_OR_RETURN(info.client_request_id, r.StringOr("client_request_id"));

  ASSIGN_OR_RETURN(ParamReader location, r.RequiredObject("trace_location"));
  if (const Json* type = location.Get("type");
      type != nullptr &&
      !(type->is_string() &&
        (*type == "MLFLOW_EXPERIMENT" || *type == "TRACE_LOCATION_TYPE_UNSPECIFIED")) &&
      !(type->is_number_integer() && type->get<int64_t>() <= 1)) {
    return location.Invalid("type", *type,
                            "tracelake stores traces in MLFLOW_EXPERIMENT locations only.");
  }
  ASSIGN_OR_RETURN(ParamReader experiment, location.RequiredObject("mlflow_experiment"));
  ASSIGN_OR_RETURN(info.experiment_id,
                   experiment.RequiredString("experiment_id", /*allow_number=*/true));

  ASSIGN_OR_RETURN(info.request_preview, r.StringOr("request_preview"));
  ASSIGN_OR_RETURN(info.response_preview, r.StringOr("response_preview"));
  // The deprecated full request / response fields stand in for missing previews.
  if (info.request_preview.empty()) {
    ASSIGN_OR_RETURN(info.request_preview, r.StringOr("request"));
  }
  if (info.response_preview.empty()) {
    ASSIGN_OR_RETURN(info.response_preview, r.StringOr("response"));
  }
  if (const Json* t = r.Get("request_time")) {
    ASSIGN_OR_RETURN(info.request_time_ns, ParseTimestamp(*t, r.PathOf("request_time")));
  }
  if (const Json* d = r.Get("execution_duration")) {
    ASSIGN_OR_RETURN(info.execution_duration_ns, ParseDuration(*d, r.PathOf("execution_duration")));
  }
  if (const Json* s = r.Get("state")) {
    ASSIGN_OR_RETURN(info.state, ParseTraceState(*s, r.PathOf("state")));
  }
  ASSIGN_OR_RETURN(info.trace_metadata, r.StringMap("trace_metadata"));
  ASSIGN_OR_RETURN(info.tags, r.StringMap("tags"));
  return info;
}

Result<model::Assessment> AssessmentFromJson(const ParamReader& r) {
  model::Assessment a;
  ASSIGN_OR_RETURN(a.assessment_id, r.StringOr("assessment_id"));
  ASSIGN_OR_RETURN(a.assessment_name, r.StringOr("assessment_name"));
  ASSIGN_OR_RETURN(a.trace_id, r.StringOr("trace_id"));
  ASSIGN_OR_RETURN(a.span_id, r.StringOr("span_id"));
  ASSIGN_OR_RETURN(a.rationale, r.StringOr("rationale"));
  ASSIGN_OR_RETURN(a.overrides, r.StringOr("overrides"));
  ASSIGN_OR_RETURN(std::optional<bool> valid, r.OptBool("valid"));
  a.valid = valid.value_or(true);
  ASSIGN_OR_RETURN(a.metadata, r.StringMap("metadata"));
  ASSIGN_OR_RETURN(a.create_time_ms, OptTimestampMs(r, "create_time"));
  ASSIGN_OR_RETURN(a.last_update_time_ms, OptTimestampMs(r, "last_update_time"));

  ASSIGN_OR_RETURN(std::optional<ParamReader> source, r.OptObject("source"));
  if (source) {
    ASSIGN_OR_RETURN(a.source.source_type, ParseSourceType(*source));
    ASSIGN_OR_RETURN(a.source.source_id, source->StringOr("source_id"));
  }

  ASSIGN_OR_RETURN(std::optional<ParamReader> feedback, r.OptObject("feedback"));
  ASSIGN_OR_RETURN(std::optional<ParamReader> expectation, r.OptObject("expectation"));
  if (feedback && expectation)
    return InvalidArgumentError("Exactly one of `expectation` or `feedback` should be specified.");
  // The deprecated top-level error is a feedback that failed.
  ASSIGN_OR_RETURN(std::optional<ParamReader> legacy_error, r.OptObject("error"));
  if (feedback || (legacy_error && !expectation)) {
    model::Feedback fb;
    if (feedback) {
      if (const Json* v = feedback->Get("value")) fb.value_json = DumpJson(*v);
      ASSIGN_OR_RETURN(std::optional<ParamReader> err, feedback->OptObject("error"));
      if (err) {
        ASSIGN_OR_RETURN(fb.error, ErrorFromJson(*err));
      }
    }
    if (!fb.error && legacy_error) {
      ASSIGN_OR_RETURN(fb.error, ErrorFromJson(*legacy_error));
    }
    a.feedback = std::move(fb);
  } else if (expectation) {
    model::Expectation ex;
    ASSIGN_OR_RETURN(std::optional<ParamReader> serialized,
                     expectation->OptObject("serialized_value"));
    const Json* v = expectation->Get("value");
    if (v != nullptr && serialized)
      return InvalidArgumentError(
          "Only one of `expectation.value` or `expectation.serialized_value` may be defined.");
    if (serialized) {
      ASSIGN_OR_RETURN(ex.serialization_format, serialized->StringOr("serialization_format"));
      ASSIGN_OR_RETURN(ex.serialized_value, serialized->StringOr("value"));
    } else if (v != nullptr) {
      ex.value_json = DumpJson(*v);
    } else {
      return expectation->Missing("value");
    }
    a.expectation = std::move(ex);
  }
  return a;
}

}  // namespace tracelake::server
