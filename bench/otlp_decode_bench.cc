// OTLP decode throughput: DecodeTracesProtobuf and DecodeTracesJson on one 512-span request of
// profile A (ten 20-byte attributes per span) and profile B (LLM spans with 2 KiB input and
// 1 KiB output). Reports bytes/s of request body and items/s (spans).
//
//   ninja -C build otlp_decode_bench && build/bench/otlp_decode_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "otlp/decode.h"
#include "otlp/encode.h"
#include "profiles.h"

namespace {

constexpr int kSpansPerRequest = 512;
constexpr uint64_t kSeed = 42;

enum class Profile { kA, kB };
enum class Encoding { kProtobuf, kJson };

std::string MakeBody(Profile profile, Encoding encoding) {
  const auto spans = profile == Profile::kA ? MakeProfileA(kSpansPerRequest, kSeed)
                                            : MakeProfileB(kSpansPerRequest, kSeed);
  return encoding == Encoding::kProtobuf ? tracelake::otlp::EncodeTracesRequestProtobuf(spans)
                                         : tracelake::otlp::EncodeTracesRequestJson(spans);
}

template <Profile kProfile, Encoding kEncoding>
void BM_DecodeTraces(benchmark::State& state) {
  const std::string body = MakeBody(kProfile, kEncoding);
  for (auto _ : state) {
    auto decoded = kEncoding == Encoding::kProtobuf ? tracelake::otlp::DecodeTracesProtobuf(body)
                                                    : tracelake::otlp::DecodeTracesJson(body);
    if (!decoded.ok() || decoded->spans.size() != kSpansPerRequest) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(decoded->spans.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kSpansPerRequest);
  state.counters["body_bytes_per_span"] =
      static_cast<double>(body.size()) / static_cast<double>(kSpansPerRequest);
}

BENCHMARK(BM_DecodeTraces<Profile::kA, Encoding::kProtobuf>)->Name("DecodeTracesProtobuf/A");
BENCHMARK(BM_DecodeTraces<Profile::kB, Encoding::kProtobuf>)->Name("DecodeTracesProtobuf/B");
BENCHMARK(BM_DecodeTraces<Profile::kA, Encoding::kJson>)->Name("DecodeTracesJson/A");
BENCHMARK(BM_DecodeTraces<Profile::kB, Encoding::kJson>)->Name("DecodeTracesJson/B");

}  // namespace

BENCHMARK_MAIN();
