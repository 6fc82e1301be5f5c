#include "cli/flags.h"

#include <charconv>

namespace tracelake::cli {

const FlagSpec* FlagSet::Find(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}

Status FlagSet::Parse(const std::vector<std::string>& args, bool allow_positional) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      if (!allow_positional) return InvalidArgumentError("Unexpected argument '" + a + "'");
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = Find(name);
    if (spec == nullptr) {
      return InvalidArgumentError("Unknown flag '--" + name + "'. Run '" + command_ +
                                  " --help' for the list.");
    }
    if (spec->value_name.empty()) {
      values_[name] = has_value ? value : "true";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return InvalidArgumentError("Flag '--" + name + "' needs a value");
      value = args[++i];
    }
    values_[name] = value;
  }
  return OkStatus();
}

std::string FlagSet::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  const FlagSpec* spec = Find(name);
  return spec ? spec->default_value : "";
}

Result<long long> FlagSet::GetInt64(const std::string& name, long long min, long long max) const {
  std::string v = Get(name);
  long long out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < min || out > max) {
    return InvalidArgumentError("Flag '--" + name + "' must be an integer in [" +
                                std::to_string(min) + ", " + std::to_string(max) + "], got '" + v +
                                "'");
  }
  return out;
}

Result<int> FlagSet::GetInt(const std::string& name, int min, int max) const {
  ASSIGN_OR_RETURN(long long v, GetInt64(name, min, max));
  return static_cast<int>(v);
}

std::string FlagSet::Usage() const {
  std::string out = "Usage: " + command_ + " [flags]\n\n" + summary_ + "\n\nFlags:\n";
  for (const auto& s : specs_) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    if (left.size() < 32) left.resize(32, ' ');
    else left += "\n" + std::string(32, ' ');
    out += left + s.help;
    if (!s.default_value.empty()) out += " (default: " + s.default_value + ")";
    out += "\n";
  }
  out += "  -h, --help                    Show this help\n";
  return out;
}

}  // namespace tracelake::cli
