// Helpers for storage tests: deterministic ids, normalized spans, temp directories, matchers.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "model/normalize.h"
#include "model/span.h"
#include "tests/common/status_matchers.h"
#include "tracelake/status.h"

namespace tracelake::storage::testing {

// Trace / span ids with a recognizable first byte; n distinguishes them.
inline TraceId Tid(int n) {
  TraceId t;
  t.bytes[0] = 0xab;
  t.bytes[14] = static_cast<uint8_t>(n >> 8);
  t.bytes[15] = static_cast<uint8_t>(n);
  return t;
}
inline SpanId Sid(int n) {
  SpanId s;
  s.bytes[0] = 0x01;
  s.bytes[6] = static_cast<uint8_t>(n >> 8);
  s.bytes[7] = static_cast<uint8_t>(n);
  return s;
}

constexpr uint64_t kBaseMs = 1'700'000'000'000ULL;
inline uint64_t Ns(uint64_t ms_after_base) { return (kBaseMs + ms_after_base) * 1'000'000ULL; }
inline int64_t Ms(uint64_t ms_after_base) { return static_cast<int64_t>(kBaseMs + ms_after_base); }

// A normalized span of trace `trace`; parent 0 makes it the root.
inline model::Span MakeSpan(int trace, int id, int parent, uint64_t start_ms, uint64_t dur_ms,
                            model::Attributes attrs = {}, std::string name = "") {
  model::Span s;
  s.trace_id = Tid(trace);
  s.span_id = Sid(id);
  if (parent != 0) s.parent_span_id = Sid(parent);
  s.name = name.empty() ? (parent != 0 ? "child-" + std::to_string(id) : "root") : std::move(name);
  s.start_time_unix_nano = Ns(start_ms);
  s.end_time_unix_nano = Ns(start_ms + dur_ms);
  s.attributes = std::move(attrs);
  model::NormalizeSpan(s);
  return s;
}

// MLflow-style inputs/outputs attributes (JSON text).
inline model::Attributes Io(const std::string& in_json, const std::string& out_json) {
  return {{"mlflow.spanInputs", model::AnyValue(in_json)},
          {"mlflow.spanOutputs", model::AnyValue(out_json)}};
}

inline model::Attributes Tokens(int64_t in, int64_t out) {
  return {{"gen_ai.operation.name", model::AnyValue("chat")},
          {"gen_ai.usage.input_tokens", model::AnyValue(in)},
          {"gen_ai.usage.output_tokens", model::AnyValue(out)}};
}

inline model::Attributes Concat(model::Attributes a, const model::Attributes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tl_storage_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The matchers live in tests/common/status_matchers.h; storage tests use them by these names.
using ::tracelake_testing::IsOk;
using ::tracelake_testing::IsOkAndHolds;
using ::tracelake_testing::StatusIs;

}  // namespace tracelake::storage::testing
