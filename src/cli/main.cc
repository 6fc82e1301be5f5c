// The tracelake command.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

constexpr const char* kUsage =
    "tracelake: OpenTelemetry-native, MLflow-compatible tracing for LLM agents.\n"
    "\n"
    "Usage: tracelake <command> [flags]\n"
    "\n"
    "Commands:\n"
    "  server     Run the server: OTLP ingest (HTTP and gRPC), MLflow REST API, storage\n"
    "  demo       Send a few demo traces to a running server over OTLP/HTTP\n"
    "  datasets   Evaluation datasets on a running server: create, list, show, add-traces,\n"
    "             import, export, delete\n"
    "  eval       Evaluation runs on a running server: run, status, records, compare, cancel\n"
    "  lake       Delta Lake tables of the traces: export, optimize, vacuum\n"
    "  sql        Read-only SQL over the trace tables of a running server (table, csv, json)\n"
    "  version    Print the version\n"
    "\n"
    "Run 'tracelake <command> --help' for the flags of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "server") return tracelake::cli::RunServer(args);
  if (command == "demo") return tracelake::cli::RunDemo(args);
  if (command == "datasets") return tracelake::cli::RunDatasets(args);
  if (command == "eval") return tracelake::cli::RunEval(args);
  if (command == "lake") return tracelake::cli::RunLake(args);
  if (command == "sql") return tracelake::cli::RunSql(args);
  if (command == "version" || command == "--version") {
    std::printf("tracelake %s\n", TRACELAKE_VERSION);
    return 0;
  }
  std::fprintf(stderr, "tracelake: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
