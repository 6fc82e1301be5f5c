// A small command-line flag parser: "--name value", "--name=value", boolean "--name".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::cli {

struct FlagSpec {
  std::string name;        // without dashes
  std::string value_name;  // empty for a boolean flag
  std::string default_value;
  std::string help;
};

class FlagSet {
 public:
  FlagSet(std::string command, std::string summary, std::vector<FlagSpec> specs)
      : command_(std::move(command)), summary_(std::move(summary)), specs_(std::move(specs)) {}

  // Parses args (after the subcommand). kInvalidArgument for unknown flags, missing values or
  // stray positional arguments (unless allow_positional).
  Status Parse(const std::vector<std::string>& args, bool allow_positional = false);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  bool help_requested() const { return help_; }
  std::string Get(const std::string& name) const;
  Result<int> GetInt(const std::string& name, int min, int max) const;
  Result<long long> GetInt64(const std::string& name, long long min, long long max) const;
  const std::vector<std::string>& positional() const { return positional_; }
  std::string Usage() const;

 private:
  const FlagSpec* Find(const std::string& name) const;

  std::string command_;
  std::string summary_;
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace tracelake::cli
