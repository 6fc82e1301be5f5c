#include "llm/sse_parser.h"

namespace tracelake::llm {

void SseParser::Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_data) {
  for (char c : bytes) {
    if (c == '\n' && last_was_cr_) {  // the \n of a \r\n pair
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      Line(pending_, on_data);
      pending_.clear();
    } else {
      pending_.push_back(c);
    }
  }
}

void SseParser::Finish(const std::function<void(std::string_view)>& on_data) {
  if (!pending_.empty()) {
    Line(pending_, on_data);
    pending_.clear();
  }
  Line("", on_data);
}

void SseParser::Line(std::string_view line, const std::function<void(std::string_view)>& on_data) {
  if (line.empty()) {
    if (has_data_) on_data(data_);
    data_.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment / keep-alive
  const size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field != "data") return;  // event, id, retry: not used by the chat API
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
}

}  // namespace tracelake::llm
