#include "sdk/env_config.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace tracelake::sdk {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void Warn(std::vector<std::string>* warnings, std::string w) {
  if (warnings != nullptr) warnings->push_back(std::move(w));
}

// The first variable that is set and not empty.
const char* First(const EnvLookup& env, std::initializer_list<const char*> names,
                  const char** which = nullptr) {
  for (const char* n : names) {
    const char* v = env(n);
    if (v != nullptr && *v != '\0') {
      if (which != nullptr) *which = n;
      return v;
    }
  }
  return nullptr;
}

bool ParseNonNegative(const char* text, int64_t& out) {
  std::string_view s = Trim(text);
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0) return false;
  out = v;
  return true;
}

void ApplyMillis(const EnvLookup& env, const char* name, std::chrono::milliseconds& out,
                 std::vector<std::string>* warnings) {
  const char* v = First(env, {name});
  if (v == nullptr) return;
  int64_t ms = 0;
  if (ParseNonNegative(v, ms)) out = std::chrono::milliseconds(ms);
  else Warn(warnings, std::string(name) + ": not a non-negative integer (milliseconds); ignored");
}

void ApplySize(const EnvLookup& env, const char* name, size_t& out,
               std::vector<std::string>* warnings) {
  const char* v = First(env, {name});
  if (v == nullptr) return;
  int64_t n = 0;
  if (ParseNonNegative(v, n) && n > 0) out = static_cast<size_t>(n);
  else Warn(warnings, std::string(name) + ": not a positive integer; ignored");
}

std::string TrimTrailingSlashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

bool IsHttpUrl(std::string_view s) {
  return s.substr(0, 7) == "http://" || s.substr(0, 8) == "https://";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseKeyValueList(
    std::string_view text, std::vector<std::string>* warnings) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    std::string_view key = eq == std::string_view::npos ? std::string_view() : Trim(item.substr(0, eq));
    if (key.empty()) {
      Warn(warnings, "malformed key=value entry skipped");
      continue;
    }
    out.emplace_back(PercentDecode(key), PercentDecode(Trim(item.substr(eq + 1))));
  }
  return out;
}

TracingOptions TracingOptionsFromEnv(const EnvLookup& env, std::vector<std::string>* warnings) {
  TracingOptions o;
  if (const char* v = First(env, {"OTEL_SDK_DISABLED"})) {
    o.enabled = Lower(Trim(v)) != "true";
  }
  if (const char* v = First(env, {"OTEL_RESOURCE_ATTRIBUTES"})) {
    o.resource_attributes = ParseKeyValueList(v, warnings);
    for (const auto& [k, val] : o.resource_attributes)
      if (k == "service.name") o.service_name = val;
  }
  if (const char* v = First(env, {"OTEL_SERVICE_NAME"})) o.service_name = Trim(v);

  if (const char* v = First(env, {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    const std::string p = Lower(Trim(v));
    if (p == "grpc") o.exporter.protocol = OtlpProtocol::kGrpc;
    else if (p == "http/protobuf") o.exporter.protocol = OtlpProtocol::kHttpProtobuf;
    else if (p == "http/json") o.exporter.protocol = OtlpProtocol::kHttpJson;
    else Warn(warnings, "OTEL_EXPORTER_OTLP_PROTOCOL: unknown protocol '" + p + "'; using http/protobuf");
  }
  const bool grpc = o.exporter.protocol == OtlpProtocol::kGrpc;

  const char* mlflow_uri = First(env, {"MLFLOW_TRACKING_URI"});
  if (mlflow_uri != nullptr && IsHttpUrl(Trim(mlflow_uri)))
    o.mlflow_tracking_uri = TrimTrailingSlashes(Trim(mlflow_uri));
  if (const char* v = First(env, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"})) {
    o.exporter.endpoint = Trim(v);  // used as is
  } else if (const char* base = First(env, {"OTEL_EXPORTER_OTLP_ENDPOINT"})) {
    o.exporter.endpoint = grpc ? std::string(Trim(base)) : TrimTrailingSlashes(Trim(base)) + "/v1/traces";
  } else if (mlflow_uri != nullptr && IsHttpUrl(Trim(mlflow_uri))) {
    // An MLflow 3.4+ server (and tracelake) takes OTLP/HTTP on <tracking uri>/v1/traces.
    o.exporter.endpoint = TrimTrailingSlashes(Trim(mlflow_uri)) + "/v1/traces";
    if (grpc) {
      Warn(warnings, "MLFLOW_TRACKING_URI takes OTLP over HTTP only; using http/protobuf");
      o.exporter.protocol = OtlpProtocol::kHttpProtobuf;
    }
    if (const char* token = First(env, {"MLFLOW_TRACKING_TOKEN"}))
      o.exporter.headers.emplace_back("authorization", std::string("Bearer ") + token);
  } else {
    if (mlflow_uri != nullptr)
      Warn(warnings, "MLFLOW_TRACKING_URI: only http(s) tracking servers can receive spans; ignored");
    o.exporter.endpoint = grpc ? "http://localhost:4317" : "http://localhost:4318/v1/traces";
  }

  if (const char* v = First(env, {"OTEL_EXPORTER_OTLP_HEADERS"})) {
    for (auto& kv : ParseKeyValueList(v, warnings)) o.exporter.headers.push_back(std::move(kv));
  }
  if (const char* v = First(env, {"OTEL_EXPORTER_OTLP_TRACES_HEADERS"})) {
    for (auto& kv : ParseKeyValueList(v, warnings)) {
      bool replaced = false;
      for (auto& existing : o.exporter.headers) {
        if (Lower(existing.first) == Lower(kv.first)) {
          existing.second = kv.second;
          replaced = true;
        }
      }
      if (!replaced) o.exporter.headers.push_back(std::move(kv));
    }
  }
  const char* timeout_name = nullptr;
  if (First(env, {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}, &timeout_name))
    ApplyMillis(env, timeout_name, o.exporter.timeout, warnings);
  if (const char* v = First(env, {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"})) {
    const std::string c = Lower(Trim(v));
    if (c == "gzip") o.exporter.gzip = true;
    else if (c == "none") o.exporter.gzip = false;
    else Warn(warnings, "OTEL_EXPORTER_OTLP_COMPRESSION: unknown value '" + c + "'; using none");
  }

  ApplyMillis(env, "OTEL_BSP_SCHEDULE_DELAY", o.batch.schedule_delay, warnings);
  ApplyMillis(env, "OTEL_BSP_EXPORT_TIMEOUT", o.batch.export_timeout, warnings);
  ApplySize(env, "OTEL_BSP_MAX_QUEUE_SIZE", o.batch.max_queue_size, warnings);
  ApplySize(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", o.batch.max_export_batch_size, warnings);
  if (o.batch.max_export_batch_size > o.batch.max_queue_size) {
    Warn(warnings, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE exceeds OTEL_BSP_MAX_QUEUE_SIZE; using the queue size");
    o.batch.max_export_batch_size = o.batch.max_queue_size;
  }

  if (const char* v = First(env, {"MLFLOW_EXPERIMENT_ID"})) o.experiment_id = Trim(v);
  return o;
}

}  // namespace tracelake::sdk

namespace tracelake {

TracingOptions TracingOptions::FromEnvironment() {
  std::vector<std::string> warnings;
  TracingOptions o = sdk::TracingOptionsFromEnv([](const char* n) { return std::getenv(n); }, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "tracelake: %s\n", w.c_str());
  return o;
}

}  // namespace tracelake
