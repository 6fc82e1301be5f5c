// BatchProcessor: the bounded queue, slow and failing exporters, retries, flush and shutdown.
// No test sleeps to wait for something: exporters signal through condition variables.
#include "sdk/batch_processor.h"

#include <condition_variable>
#include <deque>
#include <mutex>

#include <gtest/gtest.h>

#include "sdk/tracer.h"

namespace tracelake::sdk {
namespace {

using std::chrono::milliseconds;

// An exporter whose answers are scripted and which can be held inside Export until released
// (or cancelled), to stand in for a slow or hung backend.
class ScriptedExporter final : public SpanExporter {
 public:
  ExportResult Export(const std::vector<model::Span>& spans, milliseconds) noexcept override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    in_export_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hold_ || cancelled_; });
    in_export_ = false;
    if (cancelled_) return ExportResult::Permanent("cancelled");
    ExportResult r = ExportResult::Success();
    if (!script_.empty()) {
      r = script_.front();
      script_.pop_front();
    }
    if (r.code == ExportResult::Code::kSuccess) exported_ += spans.size();
    cv_.notify_all();
    return r;
  }
  void Cancel() noexcept override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
    cv_.notify_all();
  }
  void WaitUntilInExport() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return in_export_; });
  }
  void Script(std::vector<ExportResult> results) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.assign(results.begin(), results.end());
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  size_t exported() {
    std::lock_guard<std::mutex> lock(mu_);
    return exported_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  bool in_export_ = false;
  bool cancelled_ = false;
  int calls_ = 0;
  size_t exported_ = 0;
  std::deque<ExportResult> script_;
};

class BatchProcessorTest : public ::testing::Test {
 protected:
  std::unique_ptr<BatchProcessor> Make(BatchOptions options, RetryPolicy retry = FastRetry()) {
    auto exporter = std::make_unique<ScriptedExporter>();
    exporter_ = exporter.get();
    return std::make_unique<BatchProcessor>(
        std::move(exporter), options, retry,
        SpanConverter(std::make_shared<model::Resource>(), std::make_shared<model::Scope>()),
        counters_);
  }
  static RetryPolicy FastRetry() {
    RetryPolicy r;
    r.max_retries = 3;
    r.initial_backoff = milliseconds(1);
    r.max_backoff = milliseconds(5);
    return r;
  }
  static SpanRecord* NewRecord() {
    SpanRecord* r = SpanRecordPool::Global().Acquire();
    r->trace_id = NewTraceId();
    r->span_id = NewSpanId();
    r->root = r;
    r->name = "s";
    r->start_time_unix_nano = 1;
    r->end_time_unix_nano = 2;
    return r;
  }
  static BatchOptions Options(size_t queue, size_t batch) {
    BatchOptions o;
    o.max_queue_size = queue;
    o.max_export_batch_size = batch;
    o.schedule_delay = std::chrono::hours(1);  // only size, flush and shutdown trigger exports
    o.export_timeout = std::chrono::seconds(60);
    return o;
  }

  SdkCounters counters_;
  ScriptedExporter* exporter_ = nullptr;
};

TEST_F(BatchProcessorTest, FlushExportsEverythingQueued) {
  auto p = Make(Options(100, 10));
  for (int i = 0; i < 25; ++i) p->OnEnd(NewRecord());
  ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->exported(), 25u);
  EXPECT_EQ(counters_.spans_exported.load(), 25u);
  EXPECT_EQ(counters_.spans_ended.load(), 25u);
  EXPECT_EQ(p->queued(), 0u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

TEST_F(BatchProcessorTest, FullQueueDropsAndCountsWithoutBlocking) {
  auto p = Make(Options(4, 1));
  exporter_->Hold(true);
  p->OnEnd(NewRecord());  // batch size 1: the exporter thread takes it and hangs in Export
  exporter_->WaitUntilInExport();
  for (int i = 0; i < 10; ++i) p->OnEnd(NewRecord());  // 4 fit, 6 dropped; none blocks
  EXPECT_EQ(p->queued(), 4u);
  EXPECT_EQ(counters_.spans_dropped_queue_full.load(), 6u);
  exporter_->Hold(false);
  ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->exported(), 5u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

TEST_F(BatchProcessorTest, RetriesRetryableAnswersThenSucceeds) {
  auto p = Make(Options(100, 100));
  exporter_->Script({ExportResult::Retryable("HTTP 503", milliseconds(1)),
                     ExportResult::Retryable("HTTP 429"), ExportResult::Success()});
  for (int i = 0; i < 3; ++i) p->OnEnd(NewRecord());
  ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->calls(), 3);
  EXPECT_EQ(exporter_->exported(), 3u);
  EXPECT_EQ(counters_.export_retries.load(), 2u);
  EXPECT_EQ(counters_.spans_dropped_export_failed.load(), 0u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

TEST_F(BatchProcessorTest, GivesUpAfterMaxRetriesAndCountsTheDrop) {
  auto p = Make(Options(100, 100));
  std::vector<ExportResult> fails(10, ExportResult::Retryable("HTTP 503"));
  exporter_->Script(fails);
  for (int i = 0; i < 2; ++i) p->OnEnd(NewRecord());
  ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->calls(), 1 + FastRetry().max_retries);
  EXPECT_EQ(counters_.spans_dropped_export_failed.load(), 2u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

TEST_F(BatchProcessorTest, PermanentFailureIsNotRetried) {
  auto p = Make(Options(100, 100));
  exporter_->Script({ExportResult::Permanent("HTTP 400")});
  p->OnEnd(NewRecord());
  ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->calls(), 1);
  EXPECT_EQ(counters_.spans_dropped_export_failed.load(), 1u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

TEST_F(BatchProcessorTest, ShutdownExportsQueuedSpans) {
  auto p = Make(Options(100, 7));
  for (int i = 0; i < 20; ++i) p->OnEnd(NewRecord());
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->exported(), 20u);
  p->OnEnd(NewRecord());  // after shutdown: dropped, never exported
  EXPECT_EQ(exporter_->exported(), 20u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(1)).ok());  // idempotent
}

TEST_F(BatchProcessorTest, ShutdownWithHungExporterReturnsAtDeadlineAndDrops) {
  auto p = Make(Options(100, 1));
  exporter_->Hold(true);
  for (int i = 0; i < 5; ++i) p->OnEnd(NewRecord());
  exporter_->WaitUntilInExport();
  // The deadline passes with the exporter hung; Shutdown cancels it and drops the rest.
  Status s = p->Shutdown(milliseconds(50));
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(counters_.spans_dropped_export_failed.load(), 5u);
  EXPECT_EQ(exporter_->exported(), 0u);
}

TEST_F(BatchProcessorTest, FlushTimesOutWhileExporterIsSlow) {
  auto p = Make(Options(100, 100));
  exporter_->Hold(true);
  p->OnEnd(NewRecord());
  EXPECT_EQ(p->Flush(milliseconds(20)).code(), StatusCode::kDeadlineExceeded);
  exporter_->Hold(false);
  EXPECT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  EXPECT_EQ(exporter_->exported(), 1u);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

TEST_F(BatchProcessorTest, RecordsReturnToThePoolAfterExport) {
  auto p = Make(Options(100, 10));
  // Warm the pool, then check that steady-state traffic does not grow it.
  for (int i = 0; i < 10; ++i) p->OnEnd(NewRecord());
  ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  const size_t allocated = SpanRecordPool::Global().allocated();
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 10; ++i) p->OnEnd(NewRecord());
    ASSERT_TRUE(p->Flush(std::chrono::seconds(60)).ok());
  }
  EXPECT_EQ(SpanRecordPool::Global().allocated(), allocated);
  EXPECT_TRUE(p->Shutdown(std::chrono::seconds(60)).ok());
}

}  // namespace
}  // namespace tracelake::sdk
