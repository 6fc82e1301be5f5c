// Builds the exporter TracingOptions asks for.
#pragma once

#include <memory>

#include "sdk/span_exporter.h"
#include "tracelake/status.h"
#include "tracelake/tracing.h"

namespace tracelake::sdk {

// kInvalidArgument for an endpoint the protocol cannot use.
Result<std::unique_ptr<SpanExporter>> MakeExporter(const TracingOptions& options);

}  // namespace tracelake::sdk
