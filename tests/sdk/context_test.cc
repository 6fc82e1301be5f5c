// Context propagation: nesting, threads, thread pools, async callbacks, exceptions, traceparent.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sdk_test_util.h"
#include "tracelake/context.h"
#include "tracelake/span.h"
#include "tracelake/trace.h"

namespace tracelake {
namespace {

using sdk::testing::Attr;
using sdk::testing::FindSpan;
using sdk::testing::MemoryTracing;

// A minimal fixed-size pool: tasks run on whichever worker is free, so no thread-local
// context can leak into them by accident.
class ThreadPool {
 public:
  explicit ThreadPool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  void Submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

TEST(ContextTest, NestedSpansFormOneTraceWithParents) {
  MemoryTracing tracing;
  {
    Span root("root", SpanType::kAgent);
    {
      Span child("child", SpanType::kChain);
      Span grandchild("grandchild", SpanType::kTool);
    }
    Span sibling("sibling");
  }
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 4u);
  const auto* root = FindSpan(spans, "root");
  const auto* child = FindSpan(spans, "child");
  const auto* grandchild = FindSpan(spans, "grandchild");
  const auto* sibling = FindSpan(spans, "sibling");
  ASSERT_TRUE(root && child && grandchild && sibling);
  EXPECT_TRUE(root->is_root());
  for (const auto* s : {child, grandchild, sibling}) EXPECT_EQ(s->trace_id, root->trace_id);
  EXPECT_EQ(child->parent_span_id, root->span_id);
  EXPECT_EQ(grandchild->parent_span_id, child->span_id);
  EXPECT_EQ(sibling->parent_span_id, root->span_id);
  EXPECT_EQ(Attr(*root, "mlflow.spanType"), "\"AGENT\"");
  EXPECT_EQ(Attr(*grandchild, "mlflow.spanType"), "\"TOOL\"");
  EXPECT_EQ(Attr(*sibling, "mlflow.spanType"), "\"UNKNOWN\"");
  EXPECT_EQ(Attr(*root, "mlflow.traceRequestId"), "\"" + MlflowTraceId(root->trace_id) + "\"");
  EXPECT_LE(root->start_time_unix_nano, child->start_time_unix_nano);
  EXPECT_GE(root->end_time_unix_nano, child->end_time_unix_nano);
  ASSERT_NE(root->resource, nullptr);
  EXPECT_EQ(model::FindAttribute(root->resource->attributes, "service.name")->as_string(), "sdk-test");
  EXPECT_EQ(model::FindAttribute(root->resource->attributes, "mlflow.experimentId")->as_string(), "7");
}

TEST(ContextTest, ContextIsRestoredAfterSpansEnd) {
  MemoryTracing tracing;
  EXPECT_FALSE(Context::Current().valid());
  {
    Span a("a");
    const SpanContext a_ctx = a.context();
    {
      Span b("b");
      EXPECT_EQ(Context::Current().span_context().span_id, b.context().span_id);
    }
    EXPECT_EQ(Context::Current().span_context().span_id, a_ctx.span_id);
  }
  EXPECT_FALSE(Context::Current().valid());
  EXPECT_FALSE(CurrentSpan().IsRecording());
}

TEST(ContextTest, SeparateRootsGetSeparateTraces) {
  MemoryTracing tracing;
  { Span a("a"); }
  { Span b("b"); }
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_NE(spans[0].trace_id, spans[1].trace_id);
  EXPECT_TRUE(spans[0].is_root());
  EXPECT_TRUE(spans[1].is_root());
}

TEST(ContextTest, ExplicitContextCrossesThreads) {
  MemoryTracing tracing;
  {
    Span root("root");
    Context ctx = Context::Current();
    std::thread worker([ctx] {
      EXPECT_FALSE(Context::Current().valid());  // nothing leaks implicitly
      ContextScope scope(ctx);
      Span work("on_thread");
      EXPECT_TRUE(CurrentSpan().IsRecording());
    });
    worker.join();
  }
  auto spans = tracing.Spans();
  const auto* root = FindSpan(spans, "root");
  const auto* work = FindSpan(spans, "on_thread");
  ASSERT_TRUE(root && work);
  EXPECT_EQ(work->trace_id, root->trace_id);
  EXPECT_EQ(work->parent_span_id, root->span_id);
}

TEST(ContextTest, WrapCarriesContextIntoAThreadPool) {
  MemoryTracing tracing;
  constexpr int kTasks = 16;
  {
    ThreadPool pool(3);
    std::vector<std::future<void>> done;
    Span root("fan_out", SpanType::kChain);
    for (int i = 0; i < kTasks; ++i) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      pool.Submit(Wrap([i, promise] {
        {
          Span task("task", SpanType::kRetriever);
          task.SetAttribute("index", i);
          Span inner("inner");
        }
        promise->set_value();
      }));
    }
    for (auto& f : done) f.wait();
  }
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u + 2 * kTasks);
  const auto* root = FindSpan(spans, "fan_out");
  ASSERT_NE(root, nullptr);
  int tasks = 0;
  for (const auto& s : spans) {
    EXPECT_EQ(s.trace_id, root->trace_id);
    if (s.name == "task") {
      ++tasks;
      EXPECT_EQ(s.parent_span_id, root->span_id);
    }
    if (s.name == "inner") {
      const auto parent = std::find_if(spans.begin(), spans.end(), [&](const model::Span& p) {
        return p.span_id == s.parent_span_id;
      });
      ASSERT_NE(parent, spans.end());
      EXPECT_EQ(parent->name, "task");
    }
  }
  EXPECT_EQ(tasks, kTasks);
}

TEST(ContextTest, AsyncCallbackRunsAfterParentEnded) {
  MemoryTracing tracing;
  std::function<void()> callback;
  {
    Span root("request");
    callback = Wrap([] { Span late("callback"); });
  }
  std::thread t(callback);  // the parent span is over; the callback still joins its trace
  t.join();
  callback = nullptr;
  auto spans = tracing.Spans();
  const auto* root = FindSpan(spans, "request");
  const auto* late = FindSpan(spans, "callback");
  ASSERT_TRUE(root && late);
  EXPECT_EQ(late->trace_id, root->trace_id);
  EXPECT_EQ(late->parent_span_id, root->span_id);
}

TEST(ContextTest, TracedRecordsExceptionAndRethrowsIt) {
  MemoryTracing tracing;
  auto failing = Traced("lookup", SpanType::kTool,
                        [](const std::string& sku) -> int { throw std::out_of_range("no " + sku); },
                        {"sku"});
  {
    Span root("root");
    EXPECT_THROW(failing(std::string("A-1")), std::out_of_range);
    EXPECT_EQ(Context::Current().span_context().span_id, root.context().span_id);
  }
  auto spans = tracing.Spans();
  const auto* span = FindSpan(spans, "lookup");
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(span->status_message, "std::out_of_range: no A-1");
  ASSERT_EQ(span->events.size(), 1u);
  EXPECT_EQ(span->events[0].name, "exception");
  EXPECT_EQ(model::FindAttribute(span->events[0].attributes, "exception.type")->as_string(),
            "std::out_of_range");
  EXPECT_EQ(model::FindAttribute(span->events[0].attributes, "exception.message")->as_string(),
            "no A-1");
  EXPECT_EQ(Attr(*span, "mlflow.spanInputs"), R"({"sku":"A-1"})");
  EXPECT_EQ(Attr(*span, "mlflow.spanFunctionName"), "\"lookup\"");
  EXPECT_EQ(Attr(*span, "mlflow.spanOutputs"), "<absent>");
}

TEST(ContextTest, TracedCapturesInputsAndOutputs) {
  MemoryTracing tracing;
  auto add = Traced("add", SpanType::kChain, [](int a, int b) { return a + b; }, {"a"});
  EXPECT_EQ(add(2, 3), 5);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "mlflow.spanInputs"), R"({"a":2,"arg1":3})");
  EXPECT_EQ(Attr(spans[0], "mlflow.spanOutputs"), "5");
  EXPECT_EQ(spans[0].status_code, model::SpanStatusCode::kUnset);
}

std::string Answer(const std::string& question, int max_rows) {
  TRACELAKE_TRACE(SpanType::kAgent, question, max_rows);
  std::string answer = question + "!";
  tracelake_span.SetOutputs(answer);
  return answer;
}

int Explode() {
  TRACELAKE_TRACE(SpanType::kParser);
  throw std::runtime_error("boom");
}

TEST(ContextTest, TraceMacroNamesSpanAfterFunctionWithNamedInputs) {
  MemoryTracing tracing;
  EXPECT_EQ(Answer("why", 3), "why!");
  EXPECT_THROW(Explode(), std::runtime_error);
  auto spans = tracing.Spans();
  const auto* answer = FindSpan(spans, "Answer");
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(Attr(*answer, "mlflow.spanInputs"), R"({"question":"why","max_rows":3})");
  EXPECT_EQ(Attr(*answer, "mlflow.spanOutputs"), R"("why!")");
  EXPECT_EQ(Attr(*answer, "mlflow.spanFunctionName"), "\"Answer\"");
  EXPECT_EQ(Attr(*answer, "mlflow.spanType"), "\"AGENT\"");
  const auto* explode = FindSpan(spans, "Explode");
  ASSERT_NE(explode, nullptr);
  EXPECT_EQ(explode->status_code, model::SpanStatusCode::kError);
  ASSERT_EQ(explode->events.size(), 1u);
  EXPECT_EQ(explode->events[0].name, "exception");
}

TEST(ContextTest, TraceparentRoundTripContinuesRemoteTrace) {
  MemoryTracing tracing;
  std::string header;
  TraceId caller_trace;
  {
    Span caller("client_call", SpanType::kTool);
    header = CurrentTraceparent();
    caller_trace.bytes = caller.context().trace_id;
    EXPECT_EQ(header, FormatTraceparent(caller.context()));
  }
  ASSERT_EQ(header.size(), 55u);
  // The "other service": a fresh thread with no context, handed only the header.
  std::thread server([header] {
    Context remote = Context::FromTraceparent(header);
    ASSERT_TRUE(remote.valid());
    EXPECT_TRUE(remote.span_context().is_remote);
    ContextScope scope(remote);
    Span handler("handle", SpanType::kAgent);
    SetTraceUser("u-1");  // the local root of a continued trace carries trace data too
    Span inner("inner");
  });
  server.join();
  auto spans = tracing.Spans();
  const auto* caller = FindSpan(spans, "client_call");
  const auto* handler = FindSpan(spans, "handle");
  const auto* inner = FindSpan(spans, "inner");
  ASSERT_TRUE(caller && handler && inner);
  EXPECT_EQ(handler->trace_id, caller_trace);
  EXPECT_EQ(handler->parent_span_id, caller->span_id);
  EXPECT_EQ(inner->parent_span_id, handler->span_id);
  EXPECT_EQ(Attr(*handler, "user.id"), "u-1");
}

TEST(ContextTest, ParseTraceparentRejectsMalformedHeaders) {
  EXPECT_TRUE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").has_value());
  const auto sc = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(sc->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(sc->SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_EQ(sc->trace_flags, 1);
  for (const char* bad : {
           "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
  // A future version may carry more fields.
  EXPECT_TRUE(
      ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what").has_value());
}

TEST(ContextTest, TraceMetadataFromAnyThreadReachesTheRoot) {
  MemoryTracing tracing;
  {
    Span root("root", SpanType::kAgent);
    SetTraceSession("s-42");
    std::thread t(Wrap([] {
      Span child("child");
      SetTraceUser("alice");
      SetTraceMetadata("version", "1.2.3");
      SetTraceTag("env", "test");
    }));
    t.join();
  }
  auto spans = tracing.Spans();
  const auto* root = FindSpan(spans, "root");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(Attr(*root, "session.id"), "s-42");
  EXPECT_EQ(Attr(*root, "user.id"), "alice");
  EXPECT_EQ(Attr(*FindSpan(spans, "child"), "user.id"), "<absent>");
  auto updates = tracing.TraceUpdates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].trace_id, root->trace_id);
  using ::testing::Pair;
  EXPECT_THAT(updates[0].metadata,
              ::testing::UnorderedElementsAre(Pair("mlflow.trace.session", "s-42"),
                                              Pair("mlflow.trace.user", "alice"),
                                              Pair("version", "1.2.3")));
  EXPECT_THAT(updates[0].tags, ::testing::ElementsAre(Pair("env", "test")));
}

TEST(ContextTest, TraceMetadataAfterTheRootEndedIsDropped) {
  MemoryTracing tracing;
  Context ctx;
  {
    Span root("root");
    ctx = Context::Current();
  }
  tracing.Spans();  // the root is exported: its trace data is sealed
  {
    ContextScope scope(ctx);
    SetTraceTag("late", "yes");
  }
  EXPECT_TRUE(tracing.TraceUpdates().empty());
}

TEST(ContextTest, SpansAreNotRecordedWhenTracingIsOff) {
  ASSERT_FALSE(TracingActive());
  Span span("off");
  EXPECT_FALSE(span.IsRecording());
  EXPECT_FALSE(Context::Current().valid());
  span.SetAttribute("k", "v");  // no-op, no crash
  span.SetInputs(std::vector<int>{1, 2});
}

TEST(ContextTest, AttributesOfEveryKindAndLastWriteWins) {
  MemoryTracing tracing;
  {
    Span s("attrs");
    s.SetAttribute("str", "v1");
    s.SetAttribute("str", std::string("v2"));
    s.SetAttribute("int", 42);
    s.SetAttribute("bool", true);
    s.SetAttribute("double", 0.5);
    s.SetAttribute("list", std::vector<std::string>{"a", "b"});
    s.SetKind(SpanKind::kClient);
    s.SetOk();
  }
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  const auto& s = spans[0];
  EXPECT_EQ(Attr(s, "str"), "v2");
  EXPECT_EQ(model::FindAttribute(s.attributes, "int")->as_int(), 42);
  EXPECT_TRUE(model::FindAttribute(s.attributes, "bool")->as_bool());
  EXPECT_EQ(model::FindAttribute(s.attributes, "double")->as_double(), 0.5);
  EXPECT_EQ(Attr(s, "list"), R"(["a","b"])");
  EXPECT_EQ(s.kind, model::SpanKind::kClient);
  EXPECT_EQ(s.status_code, model::SpanStatusCode::kOk);
}

}  // namespace
}  // namespace tracelake
