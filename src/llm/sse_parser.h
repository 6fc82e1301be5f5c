// SseParser: splits a text/event-stream into the data of each event (the "data:" lines of one
// event joined by "\n"), across arbitrary chunk boundaries. Confine to one thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tracelake::llm {

class SseParser {
 public:
  // Calls on_data for every complete event that has data. Lines may end in \n, \r\n or \r.
  void Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_data);
  // Delivers a last event not followed by a blank line.
  void Finish(const std::function<void(std::string_view)>& on_data);

 private:
  void Line(std::string_view line, const std::function<void(std::string_view)>& on_data);

  std::string pending_;  // an incomplete line
  std::string data_;     // data of the event being read
  bool has_data_ = false;
  bool last_was_cr_ = false;
};

}  // namespace tracelake::llm
