#include "tracelake/json.h"

#include <cmath>

#include "model/any_value.h"

namespace tracelake {

void AppendJsonString(std::string& out, std::string_view s) { model::AppendJsonString(out, s); }

void AppendJsonDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out.append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), d);
  out.append(buf, r.ptr);
}

}  // namespace tracelake
