// OTLP/JSON decoding (ExportTraceServiceRequest / ExportLogsServiceRequest) with simdjson's DOM.
//
// Errors in the envelope (not JSON, wrong types for resourceSpans/resource/scope) fail the
// request; errors inside one span or log record reject just that item (partial success).
#include <algorithm>
#include <memory>
#include <optional>

#include "otlp/decode.h"
#include "otlp/json_read.h"
#include "otlp/validate.h"

namespace tracelake::otlp {
namespace {

using internal::Rejections;
using internal::json::Element;
using internal::json::ForEach;
using internal::json::ItemBudget;
using internal::json::KeyIs;
using internal::json::Object;
using internal::json::ReadAnyValue;
using internal::json::ReadAttributes;
using internal::json::ReadEnum;
using internal::json::ReadId;
using internal::json::ReadObject;
using internal::json::ReadString;
using internal::json::ReadU32;
using internal::json::ReadU64;
using simdjson::SUCCESS;

// Parsers are reused per thread: a parser's buffers are sized to the largest document it has
// seen, and allocating them per request costs more than parsing a small body. Bodies above this
// size get a parser of their own so one huge request does not pin memory in every thread.
constexpr size_t kReusedParserMaxBytes = 4 << 20;

// Owns the parse: the DOM is only valid while the parser that produced it is alive and unused.
class JsonDocument {
 public:
  Status Parse(std::string_view body) {
    simdjson::dom::parser* parser = nullptr;
    if (body.size() <= kReusedParserMaxBytes) {
      static thread_local simdjson::dom::parser reused;
      parser = &reused;
    } else {
      own_ = std::make_unique<simdjson::dom::parser>();
      parser = own_.get();
    }
    // realloc_if_needed copies the body into a padded buffer: simdjson reads past the end.
    const auto error = parser->parse(body.data(), body.size(), true).get(root_);
    if (error != SUCCESS) {
      return InvalidArgumentError(std::string("Body is not valid JSON: ") +
                                  simdjson::error_message(error));
    }
    if (!root_.is_object()) return InvalidArgumentError("Body must be a JSON object");
    return OkStatus();
  }
  Element root() const { return root_; }

 private:
  std::unique_ptr<simdjson::dom::parser> own_;
  Element root_;
};

Status EnvelopeError(const char* what, const std::string& reason) {
  return InvalidArgumentError(std::string("Invalid OTLP/JSON ") + what + " request: " + reason);
}

// Reads the "resource" object of a ResourceSpans/ResourceLogs.
bool ReadResource(Element e, ItemBudget& budget, model::Resource& out, std::string& reason) {
  Object object;
  bool present = false;
  if (!ReadObject(e, "resource", object, present, reason)) return false;
  if (!present) return true;
  for (auto [key, value] : object) {
    if (key == "attributes") {
      if (!ReadAttributes(value, 1, budget, out.attributes, reason)) return false;
    } else if (KeyIs(key, "droppedAttributesCount", "dropped_attributes_count")) {
      if (!ReadU32(value, "droppedAttributesCount", out.dropped_attributes_count, reason))
        return false;
    }
  }
  return true;
}

bool ReadScope(Element e, ItemBudget& budget, model::Scope& out, std::string& reason) {
  Object object;
  bool present = false;
  if (!ReadObject(e, "scope", object, present, reason)) return false;
  if (!present) return true;
  for (auto [key, value] : object) {
    if (key == "name") {
      if (!ReadString(value, "name", out.name, reason)) return false;
    } else if (key == "version") {
      if (!ReadString(value, "version", out.version, reason)) return false;
    } else if (key == "attributes") {
      if (!ReadAttributes(value, 1, budget, out.attributes, reason)) return false;
    } else if (KeyIs(key, "droppedAttributesCount", "dropped_attributes_count")) {
      if (!ReadU32(value, "droppedAttributesCount", out.dropped_attributes_count, reason))
        return false;
    }
  }
  return true;
}

// One ResourceSpans/ResourceLogs or ScopeSpans/ScopeLogs: its fields may come in any order, so
// they are collected first and read in dependency order.
struct Group {
  std::optional<Element> header;  // resource or scope
  std::optional<Element> items;   // scopeSpans, spans, scopeLogs or logRecords
  std::string schema_url;
};

// An element of an array that must be an object (null is not allowed, unlike optional fields).
// `what` is copied into `reason` only on failure: this runs once per span.
bool ElementObject(Element e, std::string_view what, Object& out, std::string& reason) {
  if (e.get_object().get(out) == SUCCESS) return true;
  reason = what;
  return false;
}
bool ReadGroup(Element e, std::string_view parent_field, std::string_view header_key,
               std::string_view items_camel, std::string_view items_snake, Group& out,
               std::string& reason) {
  Object object;
  if (e.get_object().get(object) != SUCCESS) {
    reason = "each element of '" + std::string(parent_field) + "' must be an object";
    return false;
  }
  for (auto [key, value] : object) {
    if (key == header_key) {
      out.header = value;
    } else if (KeyIs(key, items_camel, items_snake)) {
      out.items = value;
    } else if (KeyIs(key, "schemaUrl", "schema_url")) {
      if (!ReadString(value, "schemaUrl", out.schema_url, reason)) return false;
    }
  }
  return true;
}

bool ReadEvent(Element e, ItemBudget& budget, model::SpanEvent& out, std::string& reason) {
  Object object;
  if (!ElementObject(e, "a span event must be an object", object, reason)) return false;
  for (auto [key, value] : object) {
    bool ok = true;
    if (KeyIs(key, "timeUnixNano", "time_unix_nano")) {
      ok = ReadU64(value, "timeUnixNano", out.time_unix_nano, reason);
    } else if (key == "name") {
      ok = ReadString(value, "name", out.name, reason);
    } else if (key == "attributes") {
      ok = ReadAttributes(value, 1, budget, out.attributes, reason);
    } else if (KeyIs(key, "droppedAttributesCount", "dropped_attributes_count")) {
      ok = ReadU32(value, "droppedAttributesCount", out.dropped_attributes_count, reason);
    }
    if (!ok) return false;
  }
  return true;
}

// Returns false only for a link that breaks the span (wrong types); a link without usable ids
// sets `usable` false and is dropped by the caller.
bool ReadLink(Element e, ItemBudget& budget, model::SpanLink& out, bool& usable,
              std::string& reason) {
  Object object;
  if (!ElementObject(e, "a span link must be an object", object, reason)) return false;
  bool has_trace = false;
  bool has_span = false;
  bool ids_ok = true;
  for (auto [key, value] : object) {
    bool ok = true;
    if (KeyIs(key, "traceId", "trace_id")) {
      std::string ignored;
      ids_ok = ReadId(value, "traceId", out.trace_id, has_trace, ignored) && ids_ok;
    } else if (KeyIs(key, "spanId", "span_id")) {
      std::string ignored;
      ids_ok = ReadId(value, "spanId", out.span_id, has_span, ignored) && ids_ok;
    } else if (KeyIs(key, "traceState", "trace_state")) {
      ok = ReadString(value, "traceState", out.trace_state, reason);
    } else if (key == "attributes") {
      ok = ReadAttributes(value, 1, budget, out.attributes, reason);
    } else if (KeyIs(key, "droppedAttributesCount", "dropped_attributes_count")) {
      ok = ReadU32(value, "droppedAttributesCount", out.dropped_attributes_count, reason);
    } else if (key == "flags") {
      ok = ReadU32(value, "flags", out.flags, reason);
    }
    if (!ok) return false;
  }
  usable = ids_ok && has_trace && has_span;
  return true;
}

bool ReadStatus(Element e, model::Span& out, std::string& reason) {
  Object object;
  bool present = false;
  if (!ReadObject(e, "status", object, present, reason)) return false;
  if (!present) return true;
  for (auto [key, value] : object) {
    if (key == "code") {
      int code = 0;
      if (!ReadEnum(value, "status.code",
                    {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}, code, reason))
        return false;
      out.status_code = code >= 0 && code <= 2 ? static_cast<model::SpanStatusCode>(code)
                                               : model::SpanStatusCode::kUnset;
    } else if (key == "message") {
      if (!ReadString(value, "status.message", out.status_message, reason)) return false;
    }
  }
  return true;
}

bool ReadSpan(Element e, ItemBudget& budget, model::Span& out, std::string& reason) {
  Object object;
  if (!ElementObject(e, "a span must be a JSON object", object, reason)) return false;
  bool has_trace = false;
  bool has_span = false;
  for (auto [key, value] : object) {
    bool ok = true;
    if (KeyIs(key, "traceId", "trace_id")) {
      ok = ReadId(value, "traceId", out.trace_id, has_trace, reason);
      if (!ok) reason = internal::kBadTraceId;
    } else if (KeyIs(key, "spanId", "span_id")) {
      ok = ReadId(value, "spanId", out.span_id, has_span, reason);
      if (!ok) reason = internal::kBadSpanId;
    } else if (KeyIs(key, "parentSpanId", "parent_span_id")) {
      bool has_parent = false;
      ok = ReadId(value, "parentSpanId", out.parent_span_id, has_parent, reason);
      if (!ok) reason = internal::kBadParentSpanId;
    } else if (key == "name") {
      ok = ReadString(value, "name", out.name, reason);
    } else if (key == "kind") {
      int kind = 0;
      ok = ReadEnum(value, "kind",
                    {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                     "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"},
                    kind, reason);
      out.kind = kind >= 0 && kind <= 5 ? static_cast<model::SpanKind>(kind)
                                        : model::SpanKind::kUnspecified;
    } else if (KeyIs(key, "startTimeUnixNano", "start_time_unix_nano")) {
      ok = ReadU64(value, "startTimeUnixNano", out.start_time_unix_nano, reason);
    } else if (KeyIs(key, "endTimeUnixNano", "end_time_unix_nano")) {
      ok = ReadU64(value, "endTimeUnixNano", out.end_time_unix_nano, reason);
    } else if (key == "attributes") {
      ok = ReadAttributes(value, 1, budget, out.attributes, reason);
    } else if (KeyIs(key, "droppedAttributesCount", "dropped_attributes_count")) {
      ok = ReadU32(value, "droppedAttributesCount", out.dropped_attributes_count, reason);
    } else if (KeyIs(key, "traceState", "trace_state")) {
      ok = ReadString(value, "traceState", out.trace_state, reason);
    } else if (key == "flags") {
      ok = ReadU32(value, "flags", out.flags, reason);
    } else if (key == "events") {
      ok = ForEach(value, "events", reason, [&](Element ev) {
        return budget.Take(reason) && ReadEvent(ev, budget, out.events.emplace_back(), reason);
      });
    } else if (KeyIs(key, "droppedEventsCount", "dropped_events_count")) {
      ok = ReadU32(value, "droppedEventsCount", out.dropped_events_count, reason);
    } else if (key == "links") {
      ok = ForEach(value, "links", reason, [&](Element l) {
        bool usable = false;
        if (!budget.Take(reason)) return false;
        if (!ReadLink(l, budget, out.links.emplace_back(), usable, reason)) return false;
        if (!usable) {
          out.links.pop_back();
          ++out.dropped_links_count;
        }
        return true;
      });
    } else if (KeyIs(key, "droppedLinksCount", "dropped_links_count")) {
      // Added to links dropped above for unusable ids.
      uint32_t dropped = 0;
      ok = ReadU32(value, "droppedLinksCount", dropped, reason);
      out.dropped_links_count += dropped;
    } else if (key == "status") {
      ok = ReadStatus(value, out, reason);
    }
    if (!ok) return false;
  }
  if (!has_trace || out.trace_id.IsZero()) {
    reason = internal::kBadTraceId;
    return false;
  }
  if (!has_span || out.span_id.IsZero()) {
    reason = internal::kBadSpanId;
    return false;
  }
  return internal::ValidateSpan(out, reason);
}

// severityNumber as a number, or as a SeverityNumber name: SEVERITY_NUMBER_<LEVEL>[2-4], where
// the six levels take four numbers each starting at 1 (TRACE = 1, DEBUG = 5, ... FATAL4 = 24).
bool ReadSeverity(Element e, int32_t& out, std::string& reason) {
  std::string_view name;
  if (e.get_string().get(name) == SUCCESS && name.substr(0, 16) == "SEVERITY_NUMBER_") {
    static constexpr std::string_view kLevels[] = {"TRACE", "DEBUG", "INFO",
                                                   "WARN",  "ERROR", "FATAL"};
    name.remove_prefix(16);
    out = 0;  // unknown names, UNSPECIFIED included
    for (int level = 0; level < 6; ++level) {
      if (name.substr(0, kLevels[level].size()) != kLevels[level]) continue;
      const std::string_view rest = name.substr(kLevels[level].size());
      if (rest.empty()) out = level * 4 + 1;
      if (rest.size() == 1 && rest[0] >= '2' && rest[0] <= '4') out = level * 4 + (rest[0] - '0');
    }
    return true;
  }
  int number = 0;
  if (!ReadEnum(e, "severityNumber", {}, number, reason)) return false;
  out = number;
  return true;
}

bool ReadLogRecord(Element e, ItemBudget& budget, model::LogRecord& out, std::string& reason) {
  Object object;
  if (!ElementObject(e, "a log record must be a JSON object", object, reason)) return false;
  for (auto [key, value] : object) {
    bool ok = true;
    bool present = false;
    if (KeyIs(key, "timeUnixNano", "time_unix_nano")) {
      ok = ReadU64(value, "timeUnixNano", out.time_unix_nano, reason);
    } else if (KeyIs(key, "observedTimeUnixNano", "observed_time_unix_nano")) {
      ok = ReadU64(value, "observedTimeUnixNano", out.observed_time_unix_nano, reason);
    } else if (KeyIs(key, "severityNumber", "severity_number")) {
      ok = ReadSeverity(value, out.severity_number, reason);
    } else if (KeyIs(key, "severityText", "severity_text")) {
      ok = ReadString(value, "severityText", out.severity_text, reason);
    } else if (key == "body") {
      ok = ReadAnyValue(value, 1, budget, out.body, reason);
    } else if (key == "attributes") {
      ok = ReadAttributes(value, 1, budget, out.attributes, reason);
    } else if (KeyIs(key, "droppedAttributesCount", "dropped_attributes_count")) {
      ok = ReadU32(value, "droppedAttributesCount", out.dropped_attributes_count, reason);
    } else if (key == "flags") {
      ok = ReadU32(value, "flags", out.flags, reason);
    } else if (KeyIs(key, "traceId", "trace_id")) {
      ok = ReadId(value, "traceId", out.trace_id, present, reason);
      if (!ok) reason = internal::kBadLogTraceId;
    } else if (KeyIs(key, "spanId", "span_id")) {
      ok = ReadId(value, "spanId", out.span_id, present, reason);
      if (!ok) reason = internal::kBadLogSpanId;
    } else if (KeyIs(key, "eventName", "event_name")) {
      ok = ReadString(value, "eventName", out.event_name, reason);
    }
    if (!ok) return false;
  }
  internal::FinishLogRecord(out);
  return true;
}

// Walks resource groups -> scope groups -> items, calling read_item for each item; shared by
// traces and logs. Returns an error only for a broken envelope.
template <typename Item, typename ReadItem, typename OnResource>
Status DecodeItems(Element root, const char* what, std::string_view resources_camel,
                   std::string_view resources_snake, std::string_view scopes_camel,
                   std::string_view scopes_snake, std::string_view items_camel,
                   std::string_view items_snake, std::vector<Item>& items, Rejections& rejected,
                   ReadItem read_item, OnResource on_resource) {
  Object top = root.get_object().value_unsafe();
  std::string reason;
  ItemBudget budget;
  for (auto [key, value] : top) {
    if (!KeyIs(key, resources_camel, resources_snake)) continue;
    const bool ok = ForEach(value, resources_camel, reason, [&](Element rg) {
      Group resource_group;
      if (!ReadGroup(rg, resources_camel, "resource", scopes_camel, scopes_snake, resource_group,
                     reason))
        return false;
      auto resource = std::make_shared<model::Resource>();
      if (resource_group.header && !ReadResource(*resource_group.header, budget, *resource, reason))
        return false;
      resource->schema_url = std::move(resource_group.schema_url);
      on_resource(*resource);
      std::shared_ptr<const model::Resource> shared_resource = std::move(resource);
      if (!resource_group.items) return true;
      return ForEach(*resource_group.items, scopes_camel, reason, [&](Element sg) {
        Group scope_group;
        if (!ReadGroup(sg, scopes_camel, "scope", items_camel, items_snake, scope_group, reason))
          return false;
        auto scope = std::make_shared<model::Scope>();
        if (scope_group.header && !ReadScope(*scope_group.header, budget, *scope, reason))
          return false;
        scope->schema_url = std::move(scope_group.schema_url);
        std::shared_ptr<const model::Scope> shared_scope = std::move(scope);
        if (!scope_group.items) return true;
        simdjson::dom::array array;
        if (scope_group.items->get_array().get(array) == SUCCESS) {
          // Grow geometrically: many small scope groups must not cost a copy each.
          const size_t needed = items.size() + array.size();
          if (needed > items.capacity()) items.reserve(std::max(needed, 2 * items.capacity()));
        }
        return ForEach(*scope_group.items, items_camel, reason, [&](Element e) {
          Item& item = items.emplace_back();
          std::string item_reason;
          if (!budget.Take(item_reason) || !read_item(e, budget, item, item_reason)) {
            items.pop_back();
            if (budget.exhausted()) {
              reason = std::move(item_reason);
              return false;  // the whole request goes
            }
            rejected.Add(item_reason);
            return true;
          }
          item.resource = shared_resource;
          item.scope = shared_scope;
          return true;
        });
      });
    });
    if (!ok) return EnvelopeError(what, reason);
  }
  return OkStatus();
}

}  // namespace

Result<DecodedTraces> DecodeTracesJson(std::string_view body) {
  JsonDocument doc;
  RETURN_IF_ERROR(doc.Parse(body));
  DecodedTraces out;
  Rejections rejected;
  RETURN_IF_ERROR(DecodeItems(doc.root(), "traces", "resourceSpans", "resource_spans", "scopeSpans",
                              "scope_spans", "spans", "spans", out.spans, rejected, ReadSpan,
                              [&](const model::Resource& resource) {
                                if (out.experiment_id.empty())
                                  out.experiment_id = internal::ExperimentIdOf(resource);
                              }));
  out.rejected_spans = rejected.count;
  out.rejection_reason = std::move(rejected.first_reason);
  return out;
}

Result<DecodedLogs> DecodeLogsJson(std::string_view body) {
  JsonDocument doc;
  RETURN_IF_ERROR(doc.Parse(body));
  DecodedLogs out;
  Rejections rejected;
  RETURN_IF_ERROR(DecodeItems(doc.root(), "logs", "resourceLogs", "resource_logs", "scopeLogs",
                              "scope_logs", "logRecords", "log_records", out.records, rejected,
                              ReadLogRecord, [](const model::Resource&) {}));
  out.rejected_records = rejected.count;
  out.rejection_reason = std::move(rejected.first_reason);
  return out;
}

}  // namespace tracelake::otlp
