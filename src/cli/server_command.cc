#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>

#include "cli/commands.h"
#include "cli/flags.h"
#include "server/server_app.h"

namespace tracelake::cli {
namespace {

FlagSet ServerFlags() {
  return FlagSet(
      "tracelake server",
      "Runs the tracelake server: OTLP/HTTP (/v1/traces, /v1/logs) and the MLflow REST API on\n"
      "--port, OTLP/gRPC on --otlp-grpc-port, traces stored in --backend-store-uri.\n"
      "SIGTERM or Ctrl-C drains in-flight batches and exits cleanly.",
      {
          {"host", "HOST", "127.0.0.1", "Address to listen on (0.0.0.0 for all interfaces)"},
          {"port", "PORT", "5000", "Port for HTTP: REST API and OTLP/HTTP"},
          {"backend-store-uri", "URI", "",
           "Where traces are stored: sqlite:///relative.db or sqlite:////absolute.db "
           "(default: sqlite:///<data-dir>/tracelake.db)"},
          {"data-dir", "DIR", "./data", "Folder for the default SQLite store"},
          {"otlp-grpc-port", "PORT", "4317", "Port for OTLP/gRPC; 0 disables it"},
          {"max-request-bytes", "BYTES", "67108864",
           "Largest accepted request body, on the wire and decompressed (413 above)"},
          {"max-queued-batches", "N", "256",
           "Ingest batches that may wait for the writer before exporters get 429/503"},
          {"ui-dir", "DIR", "",
           "Folder of the built web UI served at / (default: ../share/tracelake/web next to "
           "the executable)"},
          {"prices", "FILE", "",
           "JSON price table whose models override the shipped prices used for cost "
           "(docs/metrics.md)"},
          {"judge-model", "URI", "openai:/gpt-4o-mini",
           "Judges' model when an evaluation names none; credentials from the environment "
           "(OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY, ...; docs/evaluation.md)"},
          {"judge-concurrency", "N", "8", "Judge calls in flight at once, over all evaluations"},
          {"scorers-config", "FILE", "",
           "JSON file of command and HTTP scorers evaluations may name (docs/evaluation.md); "
           "a command scorer runs a program, so only this file can add one"},
          {"no-online-scoring", "", "",
           "Do not score live traces with the scorers turned on per experiment "
           "(docs/evaluation.md, \"Online scoring\")"},
          {"online-scoring-settle", "SECONDS", "5",
           "Online scoring waits this long after a trace ended (late spans arrive meanwhile)"},
          {"online-scoring-daily-usd", "USD", "0",
           "Judge spend per experiment and UTC day after which online scoring pauses; 0: none"},
          {"online-scoring-daily-tokens", "N", "0",
           "Judge tokens per experiment and UTC day after which online scoring pauses; 0: none"},
          {"lake-location", "DIR", "",
           "Also append the traces to Delta Lake tables under DIR (<prefix>_otel_spans, "
           "_otel_logs, _otel_annotations; docs/lake.md), in the background"},
          {"lake-prefix", "P", "tracelake", "Name prefix of the lake's tables"},
          {"lake-codec", "CODEC", "zstd", "Parquet compression of the lake: zstd or snappy"},
          {"lake-schema", "MODE", "portable",
           "portable (Delta protocol 1,2, read by every Delta client) or uc-exact (protocol "
           "3,7 with VARIANT columns, as the Unity Catalog DDL; Delta 4.0+ readers)"},
          {"lake-interval", "SECONDS", "5",
           "The lake gets a commit at most this often (sooner when a batch is full)"},
          {"lake-batch-spans", "N", "100000", "Spans per lake commit at most"},
          {"lake-maintenance-interval", "SECONDS", "3600",
           "How often the lake's small files are compacted and files older than the vacuum "
           "retention that no version uses are deleted; 0: never"},
          {"lake-vacuum-retention-hours", "HOURS", "168",
           "Age after which the lake's compacted-away files are deleted (Delta's default: 7 "
           "days; readers of older versions need them)"},
          {"sql-time-limit", "SECONDS", "30",
           "Longest a query of POST /api/2.0/tracelake/sql and `tracelake sql` may run "
           "(docs/sql.md)"},
      });
}

}  // namespace

int RunServer(const std::vector<std::string>& args) {
  FlagSet flags = ServerFlags();
  if (Status st = flags.Parse(args); !st.ok()) {
    std::fprintf(stderr, "tracelake server: %s\n", st.message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  server::ServerOptions options;
  options.host = flags.Get("host");
  auto port = flags.GetInt("port", 0, 65535);
  auto grpc_port = flags.GetInt("otlp-grpc-port", 0, 65535);
  auto max_bytes = flags.GetInt64("max-request-bytes", 1024, 1LL << 32);
  auto max_batches = flags.GetInt("max-queued-batches", 1, 1 << 20);
  auto judge_concurrency = flags.GetInt("judge-concurrency", 1, 1024);
  auto settle = flags.GetInt("online-scoring-settle", 0, 86400);
  auto daily_tokens = flags.GetInt64("online-scoring-daily-tokens", 0, INT64_MAX);
  auto lake_interval = flags.GetInt("lake-interval", 1, 86400);
  auto lake_batch = flags.GetInt64("lake-batch-spans", 100, 10000000);
  auto lake_upkeep = flags.GetInt("lake-maintenance-interval", 0, 30 * 86400);
  auto lake_retention = flags.GetInt("lake-vacuum-retention-hours", 0, 100 * 365 * 24);
  auto sql_time_limit = flags.GetInt("sql-time-limit", 1, 3600);
  for (const Status& st :
       {port.status(), grpc_port.status(), max_bytes.status(), max_batches.status(),
        judge_concurrency.status(), settle.status(), daily_tokens.status(), lake_interval.status(),
        lake_batch.status(), sql_time_limit.status(), lake_upkeep.status(),
        lake_retention.status()}) {
    if (!st.ok() && st.code() != StatusCode::kInternal) {
      std::fprintf(stderr, "tracelake server: %s\n", st.message().c_str());
      return 2;
    }
  }
  if (!port.ok() || !grpc_port.ok() || !max_bytes.ok() || !max_batches.ok() ||
      !judge_concurrency.ok() || !settle.ok() || !daily_tokens.ok() || !lake_interval.ok() ||
      !lake_batch.ok() || !sql_time_limit.ok() || !lake_upkeep.ok() || !lake_retention.ok())
    return 2;
  options.sql_time_limit = std::chrono::seconds(*sql_time_limit);
  options.lake_location = flags.Get("lake-location");
  options.lake_prefix = flags.Get("lake-prefix");
  options.lake_codec = flags.Get("lake-codec");
  options.lake_schema = flags.Get("lake-schema");
  options.lake_interval_ms = *lake_interval * 1000;
  options.lake_batch_spans = *lake_batch;
  options.lake_maintenance_interval = std::chrono::seconds(*lake_upkeep);
  options.lake_vacuum_retention = std::chrono::hours(*lake_retention);
  if (options.lake_prefix.empty() ||
      options.lake_prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
          std::string::npos) {
    std::fprintf(stderr,
                 "tracelake server: --lake-prefix must be letters, digits and _, got '%s'\n",
                 options.lake_prefix.c_str());
    return 2;
  }
  {
    const std::string usd = flags.Get("online-scoring-daily-usd");
    char* end = nullptr;
    const double v = std::strtod(usd.c_str(), &end);
    if (usd.empty() || end == nullptr || *end != '\0' || !(v >= 0) || v > 1e12) {
      std::fprintf(stderr,
                   "tracelake server: --online-scoring-daily-usd must be a non-negative number of "
                   "dollars, got '%s'\n",
                   usd.c_str());
      return 2;
    }
    options.online_scoring_daily_usd = v;
  }
  options.online_scoring = !flags.Has("no-online-scoring");
  options.online_scoring_settle_ms = *settle * 1000;
  options.online_scoring_daily_tokens = *daily_tokens;
  options.judge_model = flags.Get("judge-model");
  options.judge_concurrency = *judge_concurrency;
  options.scorers_config_file = flags.Get("scorers-config");
  options.port = *port;
  options.otlp_grpc_port = *grpc_port;
  options.max_request_bytes = static_cast<size_t>(*max_bytes);
  options.max_queued_batches = *max_batches;
  options.backend_store_uri = flags.Get("backend-store-uri");
  options.ui_dir = flags.Get("ui-dir");
  options.prices_file = flags.Get("prices");
  if (options.backend_store_uri.empty()) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::absolute(flags.Get("data-dir"), ec);
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "tracelake server: cannot create data folder %s: %s\n", dir.c_str(),
                   ec.message().c_str());
      return 1;
    }
    // SQLAlchemy form: sqlite:/// + absolute path (which starts with '/').
    options.backend_store_uri = "sqlite:///" + (dir / "tracelake.db").string();
  }

  // Signals are taken by one thread with sigwait; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  server::ServerApp app(options);
  if (Status st = app.Start(); !st.ok()) {
    std::fprintf(stderr, "tracelake server: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "tracelake %s serving on http://%s:%d (REST API, OTLP/HTTP)\n",
               TRACELAKE_VERSION, options.host.c_str(), app.http_port());
  if (app.grpc_port() != 0)
    std::fprintf(stderr, "OTLP/gRPC on %s:%d\n", options.host.c_str(), app.grpc_port());
  std::fprintf(stderr, "store: %s\n", options.backend_store_uri.c_str());
  if (!options.lake_location.empty())
    std::fprintf(stderr, "lake: %s (tables %s_otel_*)\n", options.lake_location.c_str(),
                 options.lake_prefix.c_str());

  std::jthread signal_thread([&app, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "tracelake server: received %s, draining...\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    app.Shutdown(std::chrono::seconds(30));
  });
  app.Wait();
  std::fprintf(stderr, "tracelake server: stopped cleanly\n");
  return 0;
}

}  // namespace tracelake::cli
