// ServerApp: one tracelake server: store + MLflow REST + OTLP/HTTP + OTLP/gRPC + /metrics.
// The CLI builds ServerOptions from flags; tests start it in-process on port 0.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tracelake/status.h"

namespace tracelake::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;                // 0 picks a free port
  int otlp_grpc_port = 4317;      // 0 disables OTLP/gRPC; -1 picks a free port (tests)
  std::string backend_store_uri;  // required, e.g. sqlite:///abs/path/tracelake.db
  size_t max_request_bytes = 64u << 20;
  int max_queued_batches = 256;  // bounded ingest queue
  int http_threads = 32;
  std::string version = "3.5.0";  // answered at /version (MLflow clients gate features on it)
  // Folder of the built web UI served at /; empty: DefaultUiDir() (next to the executable).
  std::string ui_dir;
  // JSON price table (docs/metrics.md) whose entries override the shipped prices; empty: none.
  std::string prices_file;
  // The judges' model when an evaluation names none (MLflow's model URI form).
  std::string judge_model = "openai:/gpt-4o-mini";
  int judge_concurrency = 8;  // judge calls in flight at once, over all evaluations
  // JSON file of command and HTTP scorers (eval/scorer_spec.h ParseServerScorers); empty: none.
  // Only from the server's own command line: a command scorer runs a program.
  std::string scorers_config_file;
  // Online scoring of live traces by the scorers turned on per experiment (online_scoring.h).
  bool online_scoring = true;
  double online_scoring_daily_usd = 0;      // per experiment and UTC day; 0: no limit
  int64_t online_scoring_daily_tokens = 0;  // per experiment and UTC day; 0: no limit
  int online_scoring_settle_ms = 5000;      // a trace is scored this long after it ended
  // The lake sink (lake_sink.h): Delta tables under this folder; empty: no sink.
  std::string lake_location;
  std::string lake_prefix = "tracelake";
  std::string lake_codec = "zstd";       // or "snappy"
  std::string lake_schema = "portable";  // or "uc-exact"
  int lake_interval_ms = 5000;  // a Delta commit at most this often (more when a batch is full)
  int64_t lake_batch_spans = 100000;
  std::chrono::seconds lake_maintenance_interval{3600};  // compaction + vacuum; 0: never
  std::chrono::hours lake_vacuum_retention{24 * 7};
  // Longest a query of POST /api/2.0/tracelake/sql may run (docs/sql.md).
  std::chrono::milliseconds sql_time_limit{30000};
};

// Start() once, then Wait() or Shutdown() (from any thread, e.g. a signal handler thread).
class ServerApp {
 public:
  explicit ServerApp(ServerOptions options);
  ~ServerApp();

  Status Start();
  int http_port() const;
  int grpc_port() const;  // 0 when disabled
  // Blocks until Shutdown() has completed.
  void Wait();
  // Stops receivers, drains in-flight batches into the store, closes it. Idempotent.
  void Shutdown(std::chrono::milliseconds deadline = std::chrono::seconds(30));

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracelake::server
