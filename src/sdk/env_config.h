// TracingOptions from the standard OpenTelemetry SDK environment variables and MLflow's.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracelake/tracing.h"

namespace tracelake::sdk {

// Returns the variable's value or nullptr; std::getenv in production, a map in tests.
using EnvLookup = std::function<const char*(const char*)>;

// Starts from TracingOptions{} and applies the variables TracingOptions::FromEnvironment
// documents. Invalid values keep the default and add a line to *warnings (may be null).
TracingOptions TracingOptionsFromEnv(const EnvLookup& env, std::vector<std::string>* warnings);

// "k1=v1,k2=v2" as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES write it: values
// percent-decoded, blanks around keys and values trimmed, malformed entries skipped (reported).
std::vector<std::pair<std::string, std::string>> ParseKeyValueList(
    std::string_view text, std::vector<std::string>* warnings);

}  // namespace tracelake::sdk
