#pragma once

#include <string>
#include <vector>

namespace tracelake::cli {

// Each returns the process exit code.
int RunServer(const std::vector<std::string>& args);
int RunDemo(const std::vector<std::string>& args);
int RunDatasets(const std::vector<std::string>& args);
int RunEval(const std::vector<std::string>& args);
int RunLake(const std::vector<std::string>& args);
int RunSql(const std::vector<std::string>& args);

}  // namespace tracelake::cli
