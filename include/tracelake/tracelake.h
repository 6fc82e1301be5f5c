// The tracelake C++ SDK in one include: spans, the tracing macro, context propagation,
// exporter configuration, the OpenAI-compatible chat client and tool registry.
#pragma once

#include "tracelake/chat_client.h"    // IWYU pragma: export
#include "tracelake/chat_types.h"     // IWYU pragma: export
#include "tracelake/context.h"        // IWYU pragma: export
#include "tracelake/json.h"           // IWYU pragma: export
#include "tracelake/span.h"           // IWYU pragma: export
#include "tracelake/span_type.h"      // IWYU pragma: export
#include "tracelake/status.h"         // IWYU pragma: export
#include "tracelake/tools.h"          // IWYU pragma: export
#include "tracelake/trace.h"          // IWYU pragma: export
#include "tracelake/tracing.h"        // IWYU pragma: export
