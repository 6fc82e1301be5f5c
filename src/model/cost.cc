#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "model/span.h"

namespace tracelake::model {

std::string PythonFloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exp = std::stoi(sci.substr(e_pos + 1));
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  if (exp < -4 || exp >= 16) {
    std::string m = digits.substr(0, 1);
    if (digits.size() > 1) m += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return sign + m + e;
  }
  if (exp < 0) return sign + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  const auto int_len = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_len)
    return sign + digits + std::string(int_len - digits.size(), '0') + ".0";
  return sign + digits.substr(0, int_len) + "." + digits.substr(int_len);
}


void Cost::Add(const Cost& other) {
  input_cost += other.input_cost;
  output_cost += other.output_cost;
  total_cost += other.total_cost;
}

void Cost::Subtract(const Cost& other) {
  input_cost -= other.input_cost;
  output_cost -= other.output_cost;
  total_cost -= other.total_cost;
}

std::string Cost::ToMlflowJson() const {
  return "{\"input_cost\": " + PythonFloatRepr(input_cost) + ", \"output_cost\": " + PythonFloatRepr(output_cost) +
         ", \"total_cost\": " + PythonFloatRepr(total_cost) + "}";
}

std::optional<Cost> Cost::FromMlflowJson(std::string_view json) {
  // Only the top level matters: anything nested deeper is dropped while parsing.
  nlohmann::json j = nlohmann::json::parse(
      json.begin(), json.end(), [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) { return depth <= 1; },
      /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  bool any = false;
  auto get = [&](const char* key) -> std::optional<double> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    any = true;
    return v;
  };
  Cost c;
  const auto in = get("input_cost");
  const auto out = get("output_cost");
  const auto total = get("total_cost");
  if (!any) return std::nullopt;
  c.input_cost = in.value_or(0);
  c.output_cost = out.value_or(0);
  c.total_cost = total ? *total : c.input_cost + c.output_cost;
  return c;
}

}  // namespace tracelake::model
