#include "server/otlp/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp/encode.h"

namespace tracelake::server {

using ingest::OtlpEncoding;
using ingest::OtlpIngestor;
using ingest::OtlpOutcome;
using ingest::OtlpSignal;

namespace {

namespace trace_v1 = opentelemetry::proto::collector::trace::v1;
namespace logs_v1 = opentelemetry::proto::collector::logs::v1;

// A fixed set of threads draining a bounded queue of jobs. Safe for concurrent use.
class WorkerPool {
 public:
  WorkerPool(int threads, int max_queued) : max_queued_(static_cast<size_t>(max_queued)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~WorkerPool() { Stop(); }

  // False when the queue is full or the pool is stopping.
  bool TrySubmit(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
    cv_.notify_one();
    return true;
  }

  // Runs what is queued, then joins.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    threads_.clear();  // jthread joins
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                   // GUARDED_BY(mu_)
  std::vector<std::jthread> threads_;
};

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// How long a throttled client is asked to wait (google.rpc.RetryInfo; HTTP's Retry-After: 1).
constexpr std::chrono::milliseconds kRetryDelay{1000};

// A failed Export. Overload (RESOURCE_EXHAUSTED, UNAVAILABLE) carries a RetryInfo in the status
// details, which OTLP exporters honour instead of their own backoff.
grpc::Status ExportError(StatusCode code, const std::string& message) {
  const auto grpc_code = static_cast<grpc::StatusCode>(code);
  if (code != StatusCode::kResourceExhausted && code != StatusCode::kUnavailable)
    return grpc::Status(grpc_code, message);
  return grpc::Status(grpc_code, message,
                      otlp::EncodeRpcStatusWithRetryProtobuf(static_cast<int32_t>(code), message,
                                                             kRetryDelay));
}

std::string ExperimentHeader(const grpc::CallbackServerContext& ctx, bool* present) {
  const auto& md = ctx.client_metadata();
  auto it = md.find("x-mlflow-experiment-id");
  *present = it != md.end();
  return *present ? std::string(it->second.data(), it->second.size()) : std::string();
}

// Runs one Export: decode + commit on the pool, then finishes the reactor.
grpc::ServerUnaryReactor* Export(OtlpIngestor& ingestor, WorkerPool& pool, OtlpSignal signal,
                                 grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) {
  auto* reactor = ctx->DefaultReactor();
  bool has_header = false;
  std::string header = ExperimentHeader(*ctx, &has_header);
  std::string body = Flatten(*request);
  bool submitted = pool.TrySubmit([&ingestor, signal, reactor, response, has_header,
                                   header = std::move(header), body = std::move(body)] {
    OtlpOutcome out = ingestor.Ingest(signal, OtlpEncoding::kProtobuf, body,
                                      has_header ? &header : nullptr);
    if (!out.status.ok()) {
      reactor->Finish(ExportError(out.status.code(), std::string(out.status.message())));
      return;
    }
    std::string bytes = signal == OtlpSignal::kTraces
                            ? otlp::EncodeTraceResponseProtobuf(out.rejected, out.rejection_message)
                            : otlp::EncodeLogsResponseProtobuf(out.rejected, out.rejection_message);
    grpc::Slice slice(bytes);
    *response = grpc::ByteBuffer(&slice, 1);
    reactor->Finish(grpc::Status::OK);
  });
  if (!submitted) {
    ingestor.counters().throttled_requests.fetch_add(1, std::memory_order_relaxed);
    reactor->Finish(
        ExportError(StatusCode::kResourceExhausted, "tracelake is overloaded; retry with backoff"));
  }
  return reactor;
}

class TraceServiceImpl final
    : public trace_v1::TraceService::WithRawCallbackMethod_Export<trace_v1::TraceService::Service> {
 public:
  TraceServiceImpl(OtlpIngestor& ingestor, WorkerPool& pool) : ingestor_(ingestor), pool_(pool) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                   grpc::ByteBuffer* resp) override {
    return server::Export(ingestor_, pool_, OtlpSignal::kTraces, ctx, req, resp);
  }

 private:
  OtlpIngestor& ingestor_;
  WorkerPool& pool_;
};

class LogsServiceImpl final
    : public logs_v1::LogsService::WithRawCallbackMethod_Export<logs_v1::LogsService::Service> {
 public:
  LogsServiceImpl(OtlpIngestor& ingestor, WorkerPool& pool) : ingestor_(ingestor), pool_(pool) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                   grpc::ByteBuffer* resp) override {
    return server::Export(ingestor_, pool_, OtlpSignal::kLogs, ctx, req, resp);
  }

 private:
  OtlpIngestor& ingestor_;
  WorkerPool& pool_;
};

}  // namespace

class GrpcServer::Impl {
 public:
  Impl(OtlpIngestor& ingestor, GrpcServerOptions options)
      : options_(std::move(options)),
        pool_(options_.workers, options_.max_queued_requests),
        traces_(ingestor, pool_),
        logs_(ingestor, pool_) {}

  Result<int> Start() {
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(options_.host + ":" + std::to_string(options_.port),
                             grpc::InsecureServerCredentials(), &bound);
    builder.SetMaxReceiveMessageSize(static_cast<int>(
        std::min<size_t>(options_.max_request_bytes, static_cast<size_t>(INT32_MAX))));
    builder.RegisterService(&traces_);
    builder.RegisterService(&logs_);
    server_ = builder.BuildAndStart();
    if (!server_ || bound == 0) {
      return UnavailableError("Cannot listen for OTLP/gRPC on " + options_.host + ":" +
                              std::to_string(options_.port) +
                              "; choose another --otlp-grpc-port or 0 to disable");
    }
    return bound;
  }

  void Shutdown(std::chrono::milliseconds deadline) {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + deadline);
      server_->Wait();
      server_.reset();
    }
    pool_.Stop();
  }

 private:
  GrpcServerOptions options_;
  WorkerPool pool_;
  TraceServiceImpl traces_;
  LogsServiceImpl logs_;
  std::unique_ptr<grpc::Server> server_;
};

GrpcServer::GrpcServer(OtlpIngestor& ingestor, GrpcServerOptions options)
    : impl_(std::make_unique<Impl>(ingestor, std::move(options))) {}
GrpcServer::~GrpcServer() { impl_->Shutdown(std::chrono::milliseconds(0)); }

Result<int> GrpcServer::Start() { return impl_->Start(); }
void GrpcServer::Shutdown(std::chrono::milliseconds deadline) { impl_->Shutdown(deadline); }

}  // namespace tracelake::server
