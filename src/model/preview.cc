// Trace request/response previews, as MLflow computes them (mlflow/tracing/utils/
// truncation.py, TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS = 1000), and plain UTF-8-safe
// truncation.
#include <algorithm>
#include <vector>

#include "model/normalize.h"
#include "model/normalize_internal.h"

namespace tracelake::model {
namespace {

using normalize_internal::Json;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not).
size_t SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  const size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Walks text one code point at a time (an invalid byte is one U+FFFD); stops when f is false.
template <typename F>
void ForEachCodePoint(std::string_view text, F f) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = SequenceLength(text, i);
    if (!f(len != 0 ? text.substr(i, len) : kReplacement)) return;
    i += len != 0 ? len : 1;
  }
}

// At most max_chars code points; longer text keeps max_chars - 3 and gets "...", as MLflow's
// content[: max_length - 3] + "..." (Python counts code points).
std::string TruncateChars(std::string_view text, size_t max_chars) {
  const size_t keep = max_chars >= 3 ? max_chars - 3 : max_chars;
  std::string out;
  size_t count = 0, keep_bytes = 0;
  bool longer = false;
  ForEachCodePoint(text, [&](std::string_view cp) {
    if (count == max_chars) {
      longer = true;
      return false;
    }
    out += cp;
    if (++count == keep) keep_bytes = out.size();
    return true;
  });
  if (!longer) return out;
  out.resize(keep_bytes);
  if (max_chars >= 3) out += "...";
  return out;
}

// Only the first levels matter for finding messages; deeper values are dropped while parsing,
// so a hostile document never builds a deep tree.
Json ParseShallow(std::string_view text) {
  constexpr int kMaxDepth = 32;
  return Json::parse(
      text.begin(), text.end(),
      [](int depth, Json::parse_event_t, Json&) { return depth <= kMaxDepth; },
      /*allow_exceptions=*/false);
}

bool IsMessage(const Json& item) {
  if (!item.is_object() || !item.contains("role")) return false;
  if (item.contains("content")) return true;
  auto parts = item.find("parts");
  return parts != item.end() && parts->is_array();
}

// obj[key] when it is a non-empty array, else nullptr.
const Json* NonEmptyArray(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() && !it->empty() ? &*it : nullptr;
}

std::vector<const Json*> Messages(const Json& list) {
  std::vector<const Json*> out;
  for (const Json& item : list)
    if (IsMessage(item)) out.push_back(&item);
  return out;
}

// MLflow's _try_extract_messages: a message list, OpenAI chat messages / choices, OpenAI
// Responses input / output, or a ResponsesAgent {"request": ...}.
std::vector<const Json*> ExtractMessages(const Json& obj, int depth = 0) {
  if (obj.is_array()) return Messages(obj);
  if (!obj.is_object() || depth > 8) return {};
  if (const Json* list = NonEmptyArray(obj, "messages")) return Messages(*list);
  if (const Json* choices = NonEmptyArray(obj, "choices")) {
    const Json& first = choices->front();
    if (first.is_object()) {
      auto msg = first.find("message");
      if (msg != first.end() && IsMessage(*msg)) return {&*msg};
    }
  }
  if (const Json* list = NonEmptyArray(obj, "input")) return Messages(*list);
  if (const Json* list = NonEmptyArray(obj, "output")) return Messages(*list);
  if (auto req = obj.find("request"); req != obj.end()) return ExtractMessages(*req, depth + 1);
  return {};
}

bool HasRole(const Json& message, const std::string& role) {
  auto it = message.find("role");
  return it != message.end() && it->is_string() && it->get_ref<const std::string&>() == role;
}

std::string TextOf(const Json& message) {
  auto content = message.find("content");
  if (content != message.end() && content->is_array()) {
    for (const Json& part : *content) {
      if (part.is_string()) return part.get<std::string>();
      if (!part.is_object()) continue;
      auto type = part.find("type");
      if (type != part.end() && (*type == "text" || *type == "output_text")) {
        auto text = part.find("text");
        return text != part.end() && text->is_string() ? text->get<std::string>() : "";
      }
    }
  } else if (content != message.end() && content->is_string()) {
    return content->get<std::string>();
  }
  auto parts = message.find("parts");  // GenAI semconv: parts[{type: "text", content}]
  if (parts != message.end() && parts->is_array()) {
    for (const Json& part : *parts) {
      if (!part.is_object() || part.value("type", Json()) != "text") continue;
      auto text = part.find("content");
      if (text == part.end() || !text->is_string() || text->get_ref<const std::string&>().empty())
        text = part.find("text");
      if (text != part.end() && text->is_string()) return text->get<std::string>();
    }
  }
  return "";
}

std::string MessageText(std::string_view json_text, PreviewRole preview_role) {
  Json obj = ParseShallow(json_text);
  if (obj.is_discarded()) return "";
  if (obj.is_string()) {  // some attributes are JSON-encoded twice
    Json again = ParseShallow(obj.get_ref<const std::string&>());
    if (!again.is_discarded()) obj = std::move(again);
  }
  const std::vector<const Json*> messages = ExtractMessages(obj);
  if (messages.empty()) return "";
  const std::string role = preview_role == PreviewRole::kRequest ? "user" : "assistant";
  const Json* chosen = nullptr;
  if (obj.is_array() && preview_role == PreviewRole::kRequest) {
    // A GenAI semconv message list: the initial user prompt.
    for (const Json* m : messages) {
      if (HasRole(*m, role)) {
        chosen = m;
        break;
      }
    }
    if (chosen == nullptr) chosen = messages.front();
  } else {
    for (auto it = messages.rbegin(); it != messages.rend() && chosen == nullptr; ++it)
      if (HasRole(**it, role)) chosen = *it;
    if (chosen == nullptr) chosen = messages.back();
  }
  return TextOf(*chosen);
}

}  // namespace

std::string MakePreview(std::string_view text, size_t max_bytes) {
  std::string out;
  try {
    out.reserve(std::min(text.size(), max_bytes));
    ForEachCodePoint(text, [&](std::string_view cp) {
      if (out.size() + cp.size() > max_bytes) return false;
      out += cp;
      return true;
    });
  } catch (...) {
    out.clear();
  }
  return out;
}

std::string MakeTracePreview(std::string_view json_text, PreviewRole role, size_t max_chars) {
  try {
    const std::string text = MessageText(json_text, role);
    return TruncateChars(text.empty() ? json_text : std::string_view(text), max_chars);
  } catch (...) {
    return "";
  }
}

}  // namespace tracelake::model
