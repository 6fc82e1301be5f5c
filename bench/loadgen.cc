// tracelake_loadgen: end-to-end ingest load generator.
//
// Sends OTLP export requests of N spans (profile A: ten 20-byte attributes; profile B: an LLM
// span with 2 KB input and 1 KB output) from several connections over OTLP/HTTP protobuf or
// JSON, or OTLP/gRPC, and reports spans/s, request latency p50/p99, and bytes on disk per span
// (read from the server's /metrics). Every request carries fresh trace ids, so the server stores
// new spans, not upserts of old ones.
//
//   tracelake_loadgen --endpoint http://127.0.0.1:5000 --profile A --protocol http-proto \
//       --connections 4 --seconds 10 [--rate 100 [--burst]] [--gzip]
#include <curl/curl.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "otlp/encode.h"
#include "profiles.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string endpoint = "http://127.0.0.1:5000";
  std::string grpc_target = "127.0.0.1:4317";
  std::string protocol = "http-proto";  // http-proto | http-json | grpc
  std::string profile = "A";
  int connections = 4;
  double seconds = 10;
  int spans_per_request = 512;
  double rate = 0;  // total requests/s; 0 = as fast as possible (closed loop)
  bool gzip = false;
  // With --rate: all connections send at the same instants (bursts of N requests) instead of
  // spreading their sends evenly over each interval, as independent exporters would.
  bool burst = false;
  std::string experiment = "0";
};

// An encoded request whose trace ids can be replaced in place: every occurrence of each
// template trace id (raw bytes or hex text) is recorded once.
struct RequestTemplate {
  std::string body;
  std::vector<std::vector<size_t>> offsets;  // per template trace id
  bool hex = false;
};

RequestTemplate MakeTemplate(const std::vector<tracelake::model::Span>& spans, bool json) {
  RequestTemplate t;
  t.hex = json;
  t.body = json ? tracelake::otlp::EncodeTracesRequestJson(spans)
                : tracelake::otlp::EncodeTracesRequestProtobuf(spans);
  std::vector<tracelake::TraceId> ids;
  for (const auto& s : spans)
    if (std::find(ids.begin(), ids.end(), s.trace_id) == ids.end()) ids.push_back(s.trace_id);
  for (const auto& id : ids) {
    std::string needle = json ? id.Hex() : std::string(id.AsStringView());
    std::vector<size_t> found;
    for (size_t pos = t.body.find(needle); pos != std::string::npos;
         pos = t.body.find(needle, pos + 1))
      found.push_back(pos);
    t.offsets.push_back(std::move(found));
  }
  return t;
}

void FreshIds(const RequestTemplate& t, std::string& body, std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const auto& occurrences : t.offsets) {
    uint8_t raw[16];
    for (auto& b : raw) b = static_cast<uint8_t>(rng());
    for (size_t off : occurrences) {
      if (t.hex) {
        for (int i = 0; i < 16; ++i) {
          body[off + 2 * i] = kHex[raw[i] >> 4];
          body[off + 2 * i + 1] = kHex[raw[i] & 15];
        }
      } else {
        std::memcpy(&body[off], raw, 16);
      }
    }
  }
}

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

size_t Collect(char* ptr, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(ptr, size * n);
  return size * n;
}

std::string HttpGet(const std::string& url) {
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  curl_easy_perform(c);
  curl_easy_cleanup(c);
  return body;
}

double PromValue(const std::string& text, const std::string& name) {
  size_t pos = 0;
  while ((pos = text.find(name + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') return std::atof(text.c_str() + pos + name.size() + 1);
    ++pos;
  }
  return -1;
}

struct WorkerResult {
  int64_t ok = 0, throttled = 0, failed = 0;
  std::vector<double> latencies_ms;
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Returns HTTP-like status: 200 ok, 429/503 throttled, other failure.
  virtual int Send(const std::string& body) = 0;
};

class HttpSender : public Sender {
 public:
  HttpSender(const Options& o, bool json) : curl_(curl_easy_init()) {
    url_ = o.endpoint + "/v1/traces";
    headers_ = curl_slist_append(headers_, json ? "Content-Type: application/json"
                                                : "Content-Type: application/x-protobuf");
    exp_ = "x-mlflow-experiment-id: " + o.experiment;
    headers_ = curl_slist_append(headers_, exp_.c_str());
    if (o.gzip) headers_ = curl_slist_append(headers_, "Content-Encoding: gzip");
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response_);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 60L);
  }
  ~HttpSender() override {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  int Send(const std::string& body) override {
    response_.clear();
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    if (curl_easy_perform(curl_) != CURLE_OK) return -1;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return static_cast<int>(status);
  }

 private:
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string url_, exp_, response_;
};

class GrpcSender : public Sender {
 public:
  GrpcSender(const Options& o) : experiment_(o.experiment), gzip_(o.gzip) {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(256 << 20);
    // One channel per connection, as separate exporters would have.
    args.SetInt("grpc.use_local_subchannel_pool", 1);
    channel_ = grpc::CreateCustomChannel(o.grpc_target, grpc::InsecureChannelCredentials(), args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }
  int Send(const std::string& body) override {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-mlflow-experiment-id", experiment_);
    if (gzip_) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    grpc::Slice slice(body);
    grpc::ByteBuffer req(&slice, 1), resp;
    std::promise<grpc::Status> done;
    stub_->UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                     grpc::StubOptions(), &req, &resp,
                     [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status s = done.get_future().get();
    if (s.ok()) return 200;
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
        s.error_code() == grpc::StatusCode::UNAVAILABLE)
      return 429;
    return 500;
  }

 private:
  std::string experiment_;
  bool gzip_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--endpoint") o.endpoint = next();
    else if (a == "--grpc") o.grpc_target = next();
    else if (a == "--protocol") o.protocol = next();
    else if (a == "--profile") o.profile = next();
    else if (a == "--connections") o.connections = std::atoi(next().c_str());
    else if (a == "--seconds") o.seconds = std::atof(next().c_str());
    else if (a == "--spans-per-request") o.spans_per_request = std::atoi(next().c_str());
    else if (a == "--rate") o.rate = std::atof(next().c_str());
    else if (a == "--gzip") o.gzip = true;
    else if (a == "--burst") o.burst = true;
    else if (a == "--experiment") o.experiment = next();
    else {
      std::fprintf(stderr,
                   "usage: tracelake_loadgen [--endpoint URL] [--grpc HOST:PORT] "
                   "[--protocol http-proto|http-json|grpc] [--profile A|B] [--connections N] "
                   "[--seconds S] [--spans-per-request N] [--rate REQ_PER_S [--burst]] [--gzip] "
                   "[--experiment ID]\n");
      return false;
    }
  }
  return o.connections > 0 && o.seconds > 0 && o.spans_per_request > 0 &&
         (o.profile == "A" || o.profile == "B") &&
         (o.protocol == "http-proto" || o.protocol == "http-json" || o.protocol == "grpc");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, o)) return 2;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const bool json = o.protocol == "http-json";
  auto spans = o.profile == "A" ? MakeProfileA(o.spans_per_request, 42)
                                : MakeProfileB(o.spans_per_request, 42);
  const RequestTemplate tmpl = MakeTemplate(spans, json);

  std::string before = HttpGet(o.endpoint + "/metrics");
  const double bytes_before = PromValue(before, "tracelake_store_bytes");
  const double spans_before = PromValue(before, "tracelake_store_spans");

  std::atomic<bool> stop{false};
  std::vector<WorkerResult> results(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(o.seconds));
  for (int w = 0; w < o.connections; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(1000 + static_cast<uint64_t>(w));
      std::unique_ptr<Sender> sender;
      if (o.protocol == "grpc") sender = std::make_unique<GrpcSender>(o);
      else sender = std::make_unique<HttpSender>(o, json);
      WorkerResult& r = results[static_cast<size_t>(w)];
      std::string body = tmpl.body;
      const double per_conn_interval = o.rate > 0 ? o.connections / o.rate : 0;
      // Connection w sends w/N of an interval after connection 0, so the server sees one
      // request every 1/rate seconds rather than N at once (unless --burst).
      auto next_send = start;
      if (per_conn_interval > 0 && !o.burst)
        next_send += std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(per_conn_interval * w / o.connections));
      while (Clock::now() < end) {
        if (per_conn_interval > 0) {
          std::this_thread::sleep_until(next_send);
          next_send += std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(per_conn_interval));
          if (Clock::now() >= end) break;
        }
        FreshIds(tmpl, body, rng);
        const std::string& wire = body;
        std::string compressed;
        if (o.gzip && o.protocol != "grpc") compressed = Gzip(body);
        auto t0 = Clock::now();
        int status = sender->Send(compressed.empty() ? wire : compressed);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (status == 200) {
          ++r.ok;
          r.latencies_ms.push_back(ms);
        } else if (status == 429 || status == 503) {
          ++r.throttled;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        } else {
          ++r.failed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  WorkerResult total;
  for (auto& r : results) {
    total.ok += r.ok;
    total.throttled += r.throttled;
    total.failed += r.failed;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(),
                              r.latencies_ms.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  auto pct = [&](double p) {
    if (total.latencies_ms.empty()) return 0.0;
    size_t i = static_cast<size_t>(p * static_cast<double>(total.latencies_ms.size() - 1));
    return total.latencies_ms[i];
  };
  std::string after = HttpGet(o.endpoint + "/metrics");
  const double bytes_after = PromValue(after, "tracelake_store_bytes");
  const double spans_after = PromValue(after, "tracelake_store_spans");
  const double spans_sent = static_cast<double>(total.ok) * o.spans_per_request;
  std::printf(
      "protocol=%s profile=%s connections=%d spans/request=%d request_bytes=%zu gzip=%d\n"
      "requests ok=%lld throttled=%lld failed=%lld in %.2fs\n"
      "throughput: %.0f spans/s (%.1f req/s)\n"
      "latency ms: p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
      o.protocol.c_str(), o.profile.c_str(), o.connections, o.spans_per_request, tmpl.body.size(),
      o.gzip ? 1 : 0, static_cast<long long>(total.ok), static_cast<long long>(total.throttled),
      static_cast<long long>(total.failed), elapsed, spans_sent / elapsed,
      static_cast<double>(total.ok) / elapsed, pct(0.5), pct(0.9), pct(0.99),
      total.latencies_ms.empty() ? 0.0 : total.latencies_ms.back());
  if (bytes_before >= 0 && bytes_after >= 0 && spans_after > spans_before) {
    std::printf("disk: %.0f bytes/span over %.0f new spans (store total %.1f MB)\n",
                (bytes_after - bytes_before) / (spans_after - spans_before),
                spans_after - spans_before, bytes_after / 1e6);
  }
  curl_global_cleanup();
  return total.failed > 0 ? 1 : 0;
}
