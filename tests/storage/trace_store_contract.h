// The storage contract fixture: every contract test runs once per backend in Backends, through
// the role interfaces of storage/backend.h.
// A backend says how to open a fresh store and how to hold its writer (for back-pressure
// tests). PostgreSQL joins this list when it exists (GTEST_SKIP without a server).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/backend.h"
#include "storage/sqlite/sqlite_backend.h"
#include "store_test_util.h"

namespace tracelake::storage::testing {

struct SqliteFileBackend {
  static constexpr bool kPersistent = true;
  static std::string Uri(const TempDir& dir) {
    return "sqlite:///" + (dir.path() / "nested" / "store.db").string();  // 4 slashes: absolute
  }
  static void PauseWriter(Backend& backend, bool paused) {
    dynamic_cast<sqlite::SqliteBackend&>(backend).PauseWriterForTesting(paused);
  }
};

struct SqliteMemoryBackend {
  static constexpr bool kPersistent = false;
  static std::string Uri(const TempDir&) { return "sqlite:///:memory:"; }
  static void PauseWriter(Backend& backend, bool paused) {
    dynamic_cast<sqlite::SqliteBackend&>(backend).PauseWriterForTesting(paused);
  }
};

using Backends = ::testing::Types<SqliteFileBackend, SqliteMemoryBackend>;

class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, SqliteFileBackend>) return "SqliteFile";
    return "SqliteMemory";
  }
};

template <typename B>
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { backend_.reset(); }

  void Open(StoreOptions options = {}) {
    backend_.reset();
    auto opened = OpenBackend(B::Uri(dir_), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    backend_ = std::move(*opened);
  }

  Backend& backend() { return *backend_; }
  ExperimentStore& experiments() { return backend_->experiments(); }
  TraceStore& traces() { return backend_->traces(); }
  AssessmentStore& assessments() { return backend_->assessments(); }
  MetricStore& metrics() { return backend_->metrics(); }
  ChangeFeed& changes() { return backend_->changes(); }
  DatasetStore& datasets() { return backend_->datasets(); }

  Status Ingest(std::vector<model::Span> spans, std::string experiment = "0",
                std::vector<model::LogRecord> logs = {}) {
    IngestBatch b;
    b.experiment_id = std::move(experiment);
    b.spans = std::move(spans);
    b.log_records = std::move(logs);
    return traces().Ingest(std::move(b));
  }

  model::TraceInfo Info(int trace) {
    auto info = traces().GetTraceInfo(Tid(trace));
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : model::TraceInfo();
  }

  model::Trace Trace(int trace) {
    auto t = traces().GetTrace(Tid(trace));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : model::Trace();
  }

  std::string NewExperiment(const std::string& name) {
    auto id = experiments().CreateExperiment(name, "", {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : std::string();
  }

  TempDir dir_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace tracelake::storage::testing
