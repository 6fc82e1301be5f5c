#include "eval/trace_render.h"

#include <algorithm>
#include <map>

#include "model/normalize.h"

namespace tracelake::eval {
namespace {

const char* StatusName(model::SpanStatusCode code) {
  switch (code) {
    case model::SpanStatusCode::kOk:
      return "OK";
    case model::SpanStatusCode::kError:
      return "ERROR";
    case model::SpanStatusCode::kUnset:
      return "UNSET";
  }
  return "UNSET";
}

// Spans in depth-first order with their depth; orphans (parent not in the trace) are roots.
std::vector<std::pair<const model::Span*, int>> TreeOrder(const model::Trace& trace) {
  std::map<std::string, std::vector<const model::Span*>> children;
  std::vector<const model::Span*> roots;
  std::map<std::string, const model::Span*> by_id;
  for (const model::Span& s : trace.spans) by_id[s.span_id.Hex()] = &s;
  for (const model::Span& s : trace.spans) {
    if (s.is_root() || by_id.count(s.parent_span_id.Hex()) == 0)
      roots.push_back(&s);
    else
      children[s.parent_span_id.Hex()].push_back(&s);
  }
  auto by_start = [](const model::Span* a, const model::Span* b) {
    return a->start_time_unix_nano < b->start_time_unix_nano;
  };
  std::sort(roots.begin(), roots.end(), by_start);
  for (auto& [id, list] : children) std::sort(list.begin(), list.end(), by_start);
  std::vector<std::pair<const model::Span*, int>> out;
  std::vector<std::pair<const model::Span*, int>> stack;
  std::reverse(roots.begin(), roots.end());  // the stack pops the earliest first
  stack.reserve(trace.spans.size());
  for (const model::Span* r : roots) stack.emplace_back(r, 0);
  while (!stack.empty() && out.size() < trace.spans.size()) {
    auto [span, depth] = stack.back();
    stack.pop_back();
    out.emplace_back(span, depth);
    auto c = children.find(span->span_id.Hex());
    if (c == children.end()) continue;
    for (size_t i = c->second.size(); i-- > 0;) stack.emplace_back(c->second[i], depth + 1);
  }
  return out;
}

std::string RenderSpan(const model::Span& s, int depth, size_t field_bytes) {
  const std::string pad(static_cast<size_t>(depth) * 2, ' ');
  std::string out =
      pad + "- " + s.name + " [" + (s.view.span_type.empty() ? "UNKNOWN" : s.view.span_type) + "]";
  if (s.status_code == model::SpanStatusCode::kError) {
    out += " status=ERROR";
    if (!s.status_message.empty()) out += " \"" + CutText(s.status_message, 200) + "\"";
  }
  if (!s.view.model.empty()) out += " model=" + s.view.model;
  out += "\n";
  if (!s.view.inputs_json.empty())
    out += pad + "    inputs: " + CutText(s.view.inputs_json, field_bytes) + "\n";
  if (!s.view.outputs_json.empty())
    out += pad + "    outputs: " + CutText(s.view.outputs_json, field_bytes) + "\n";
  return out;
}

}  // namespace

std::string CutText(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return model::MakePreview(text, text.size());
  return model::MakePreview(text, max_bytes) + "...[cut]";
}

Json SpanJson(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

std::string RenderTraceForJudge(const model::Trace& trace, const TraceRenderOptions& options) {
  const size_t budget = std::max<size_t>(options.token_budget, 16) * 4;
  const auto order = TreeOrder(trace);
  // Shrink the per-field size until everything fits (or fields are already small).
  size_t field = std::max<size_t>(options.max_field_bytes, 64);
  std::vector<std::string> lines;
  while (true) {
    lines.clear();
    size_t total = 0;
    for (const auto& [span, depth] : order) {
      lines.push_back(RenderSpan(*span, depth, field));
      total += lines.back().size();
    }
    if (total <= budget || field <= 64) break;
    field = std::max<size_t>(field / 2, 64);
  }
  std::string out;
  size_t shown = 0;
  for (const std::string& line : lines) {
    if (out.size() + line.size() > budget - std::min<size_t>(budget, 64)) break;
    out += line;
    ++shown;
  }
  if (shown < lines.size())
    out += "... " + std::to_string(lines.size() - shown) + " more spans left out\n";
  return out;
}

Json TraceToJson(const model::Trace& trace) {
  Json spans = Json::array();
  for (const model::Span& s : trace.spans) {
    Json j = {{"span_id", s.span_id.Hex()},
              {"parent_span_id", s.is_root() ? "" : s.parent_span_id.Hex()},
              {"name", s.name},
              {"span_type", s.view.span_type},
              {"start_time_unix_nano", s.start_time_unix_nano},
              {"end_time_unix_nano", s.end_time_unix_nano},
              {"status_code", StatusName(s.status_code)},
              {"status_message", s.status_message},
              {"inputs", SpanJson(s.view.inputs_json)},
              {"outputs", SpanJson(s.view.outputs_json)},
              {"model", s.view.model}};
    spans.push_back(std::move(j));
  }
  return {{"trace_id", MlflowTraceId(trace.info.trace_id)}, {"spans", std::move(spans)}};
}

std::vector<const model::Span*> SpansOfType(const model::Trace& trace,
                                            const std::string& span_type) {
  std::vector<const model::Span*> out;
  for (const model::Span& s : trace.spans)
    if (s.view.span_type == span_type) out.push_back(&s);
  return out;
}

}  // namespace tracelake::eval
