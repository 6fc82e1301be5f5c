#include "server/server_app.h"

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "eval/judge_model.h"
#include "eval/scorer_spec.h"
#include "ingest/otlp_ingestor.h"
#include "llm/curl_http_client.h"
#include "server/http/http_server.h"
#include "server/otlp/grpc_server.h"
#include "server/otlp/otlp_http.h"
#include "server/server_routes.h"
#include "storage/backend.h"

namespace tracelake::server {
namespace {

// The shipped prices with the entries of `path` (if any) on top.
Result<std::shared_ptr<const model::PriceTable>> LoadPrices(const std::string& path) {
  auto table = std::make_shared<model::PriceTable>(model::PriceTable::Default());
  if (path.empty()) return std::shared_ptr<const model::PriceTable>(std::move(table));
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError("Cannot read the price table " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = model::PriceTable::FromJson(text.str());
  if (!parsed.ok())
    return InvalidArgumentError("Price table " + path + ": " + parsed.status().message());
  table->MergeFrom(*parsed);
  return std::shared_ptr<const model::PriceTable>(std::move(table));
}

}  // namespace

class ServerApp::Impl {
 public:
  explicit Impl(ServerOptions options) : options_(std::move(options)) {}

  Status Start() {
    ASSIGN_OR_RETURN(std::shared_ptr<const model::PriceTable> prices,
                     LoadPrices(options_.prices_file));
    storage::StoreOptions store_options;
    store_options.max_queued_batches = options_.max_queued_batches;
    ASSIGN_OR_RETURN(store_, storage::OpenBackend(options_.backend_store_uri, store_options));
    ingestor_ = std::make_unique<ingest::OtlpIngestor>(store_->traces(), prices);
    request_metrics_ = std::make_unique<RequestMetrics>();

    ServerRouteOptions routes;
    routes.mlflow.server_version = options_.version;
    routes.metrics_query.prices = std::move(prices);
    routes.sql.time_limit = options_.sql_time_limit;
    StaticUiOptions ui;
    ui.root = options_.ui_dir.empty() ? DefaultUiDir() : options_.ui_dir;
    static_ui_ = std::make_unique<StaticUi>(std::move(ui));
    eval_http_ = std::make_unique<llm::CurlHttpClient>();
    eval::JudgeModelsOptions judge_options;
    judge_options.default_model = options_.judge_model;
    judge_options.max_concurrency = options_.judge_concurrency;
    prices_ = routes.metrics_query.prices;
    judge_options.prices = prices_ ? prices_.get() : &model::PriceTable::Default();
    judges_ =
        std::make_unique<eval::JudgeModels>(judge_options, eval::ProcessEnvironment(), *eval_http_);
    EvaluationOptions eval_options;
    if (!options_.scorers_config_file.empty()) {
      std::ifstream in(options_.scorers_config_file);
      if (!in)
        return InvalidArgumentError("cannot read the scorers configuration file '" +
                                    options_.scorers_config_file + "'");
      std::stringstream text;
      text << in.rdbuf();
      Result<std::vector<std::unique_ptr<eval::Scorer>>> scorers =
          eval::ParseServerScorers(text.str(), *eval_http_);
      if (!scorers.ok())
        return InvalidArgumentError(options_.scorers_config_file + ": " +
                                    scorers.status().message());
      server_scorers_ = std::move(*scorers);
      for (const auto& s : server_scorers_) server_scorer_index_[s->name()] = s.get();
      eval_options.server_scorers = &server_scorer_index_;
    }
    evaluations_ =
        std::make_unique<EvaluationService>(*store_, *eval_http_, *judges_, eval_options);
    OnlineScoringOptions online;
    online.enabled = options_.online_scoring;
    online.daily_usd = options_.online_scoring_daily_usd;
    online.daily_tokens = options_.online_scoring_daily_tokens;
    online.settle = std::chrono::milliseconds(options_.online_scoring_settle_ms);
    online.server_scorers = eval_options.server_scorers;
    online_scoring_ = std::make_unique<OnlineScoringService>(*store_, *judges_, online);
    if (!options_.lake_location.empty()) {
      LakeSinkOptions lake;
      lake.location = options_.lake_location;
      lake.prefix = options_.lake_prefix;
      if (options_.lake_codec == "snappy") {
        lake.codec = lake::Codec::kSnappy;
      } else if (options_.lake_codec != "zstd") {
        return InvalidArgumentError("--lake-codec must be zstd or snappy, not '" +
                                    options_.lake_codec + "'");
      }
      Result<lake::LakeSchema> schema = lake::ParseLakeSchema(options_.lake_schema);
      if (!schema.ok()) return InvalidArgumentError("--lake-schema: " + schema.status().message());
      lake.schema = *schema;
      lake.interval = std::chrono::milliseconds(options_.lake_interval_ms);
      lake.batch_spans = options_.lake_batch_spans;
      lake.maintenance_interval = options_.lake_maintenance_interval;
      lake.vacuum_retention = options_.lake_vacuum_retention;
      lake_ = std::make_unique<LakeSinkService>(*store_, std::move(lake));
      // A lake that cannot be opened (bad folder, a table this version cannot write) stops
      // the start: better than a server that silently writes no lake.
      RETURN_IF_ERROR(lake_->Start());
    }
    RegisterServerRoutes(router_,
                         {*store_, *ingestor_, *request_metrics_, *static_ui_, *evaluations_,
                          *online_scoring_, lake_.get()},
                         routes);

    HttpServerOptions http;
    http.host = options_.host;
    http.port = options_.port;
    http.max_request_bytes = options_.max_request_bytes;
    http.threads = options_.http_threads;
    RequestMetrics* metrics = request_metrics_.get();
    http.body_error_writer = WriteOtlpBodyError;
    http.on_request = [metrics](const HttpRequest& req, int status, double seconds) {
      metrics->Record(req.path, status, seconds);
    };
    http_ = std::make_unique<HttpServer>(router_, std::move(http));
    ASSIGN_OR_RETURN(http_port_, http_->Bind());

    if (options_.otlp_grpc_port != 0) {
      GrpcServerOptions grpc;
      grpc.host = options_.host;
      grpc.port = options_.otlp_grpc_port < 0 ? 0 : options_.otlp_grpc_port;
      grpc.max_request_bytes = options_.max_request_bytes;
      grpc_ = std::make_unique<GrpcServer>(*ingestor_, grpc);
      auto port = grpc_->Start();
      if (!port.ok()) {
        grpc_.reset();
        return port.status();
      }
      grpc_port_ = *port;
    }
    http_thread_ = std::jthread([this] { http_->Run(); });
    online_scoring_->Start();
    return OkStatus();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
  }

  void Shutdown(std::chrono::milliseconds deadline) {
    std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (done_) return;
    }
    // Receivers first (they answer in-flight requests, which wait for their commits), then the
    // store drains whatever is still queued.
    // Both receivers stop at once: each waits for its in-flight requests.
    std::jthread grpc_stop;
    if (grpc_) grpc_stop = std::jthread([this, deadline] { grpc_->Shutdown(deadline); });
    if (http_) http_->Stop();
    if (http_thread_.joinable()) http_thread_.join();
    if (grpc_stop.joinable()) grpc_stop.join();
    // Evaluations stop after their records in flight, before the store closes under them.
    if (evaluations_) evaluations_->Shutdown();
    if (online_scoring_) online_scoring_->Stop();
    // The sink publishes what is committed by now, then the store closes.
    if (lake_) lake_->Stop();
    if (store_) store_->Shutdown(deadline).IgnoreError();
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
  }

  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }

 private:
  ServerOptions options_;
  std::unique_ptr<storage::Backend> store_;
  std::unique_ptr<ingest::OtlpIngestor> ingestor_;
  std::unique_ptr<RequestMetrics> request_metrics_;
  std::unique_ptr<StaticUi> static_ui_;
  std::shared_ptr<const model::PriceTable> prices_;
  std::unique_ptr<llm::CurlHttpClient> eval_http_;
  std::unique_ptr<eval::JudgeModels> judges_;
  std::vector<std::unique_ptr<eval::Scorer>> server_scorers_;
  std::map<std::string, const eval::Scorer*> server_scorer_index_;
  std::unique_ptr<EvaluationService> evaluations_;
  std::unique_ptr<OnlineScoringService> online_scoring_;
  std::unique_ptr<LakeSinkService> lake_;
  Router router_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<GrpcServer> grpc_;
  std::jthread http_thread_;
  int http_port_ = 0;
  int grpc_port_ = 0;

  std::mutex shutdown_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // GUARDED_BY(mu_)
};

ServerApp::ServerApp(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ServerApp::~ServerApp() { impl_->Shutdown(std::chrono::seconds(30)); }
Status ServerApp::Start() { return impl_->Start(); }
int ServerApp::http_port() const { return impl_->http_port(); }
int ServerApp::grpc_port() const { return impl_->grpc_port(); }
void ServerApp::Wait() { impl_->Wait(); }
void ServerApp::Shutdown(std::chrono::milliseconds deadline) { impl_->Shutdown(deadline); }

}  // namespace tracelake::server
