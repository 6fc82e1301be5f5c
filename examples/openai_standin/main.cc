// openai_standin: a local OpenAI-compatible chat completions server with scripted answers.
//
//   openai_standin --port 8089                 # built-in support-agent script
//   openai_standin --port 0 --script replies.json --fail-next 2 --fail-status 503 --delay-ms 50
//
// Prints "openai_standin listening on http://127.0.0.1:<port>/v1" once it accepts requests,
// and stops on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "standin_server.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Usage() {
  std::fprintf(stderr,
               "usage: openai_standin [--host H] [--port N] [--api-key K] [--script FILE]\n"
               "                      [--model-suffix S] [--fail-next N] [--fail-status CODE]\n"
               "                      [--retry-after S] [--delay-ms MS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  tracelake::examples::StandinOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--help" || arg == "-h") return Usage();
    if ((v = value()) == nullptr) return Usage();
    if (arg == "--host") options.host = v;
    else if (arg == "--port") options.port = std::atoi(v);
    else if (arg == "--api-key") options.api_key = v;
    else if (arg == "--model-suffix") options.model_suffix = v;
    else if (arg == "--fail-next") options.fail_next = std::atoi(v);
    else if (arg == "--fail-status") options.fail_status = std::atoi(v);
    else if (arg == "--retry-after") options.retry_after_s = std::atoi(v);
    else if (arg == "--delay-ms") options.delay_ms = std::atoi(v);
    else if (arg == "--script") {
      std::ifstream in(v);
      if (!in) {
        std::fprintf(stderr, "openai_standin: cannot read %s\n", v);
        return 1;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      options.script_json = ss.str();
    } else {
      return Usage();
    }
  }
  auto server = tracelake::examples::StandinServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "openai_standin: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("openai_standin listening on %s\n", (*server)->base_url().c_str());
  std::fflush(stdout);
  while (g_stop == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  (*server)->Stop();
  return 0;
}
