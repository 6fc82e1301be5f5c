// The answer of a traced function: SpanRef::Return in the TRACELAKE_TRACE form and the return
// value recorded by Traced(): outputs for each kind of value, the value returned unchanged and
// never copied when it can move, errors from Result/Status and exceptions.
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sdk_test_util.h"
#include "tracelake/span.h"
#include "tracelake/trace.h"

namespace tracelake {
namespace {

using sdk::testing::Attr;
using sdk::testing::FindSpan;
using sdk::testing::MemoryTracing;

// Counts copies, moves and serializations (the SDK's extension point, found by ADL).
struct Counted {
  static inline int copies = 0;
  static inline int moves = 0;
  static inline int serialized = 0;
  static void Reset() { copies = moves = serialized = 0; }

  explicit Counted(std::string t) : text(std::move(t)) {}
  Counted(const Counted& o) : text(o.text) { ++copies; }
  Counted(Counted&& o) noexcept : text(std::move(o.text)) { ++moves; }
  Counted& operator=(const Counted&) = delete;
  Counted& operator=(Counted&&) = delete;
  ~Counted() = default;

  std::string text;
};
void TracelakeAppendJson(std::string& out, const Counted& c) {
  ++Counted::serialized;
  JsonObject(out).Add("text", c.text);
}

struct MoveOnly {
  std::unique_ptr<int> value;
};
void TracelakeAppendJson(std::string& out, const MoveOnly& m) {
  AppendJson(out, m.value ? std::optional<int>(*m.value) : std::nullopt);
}

struct Throwing {
  int id = 0;
};
void TracelakeAppendJson(std::string& /*out*/, const Throwing& /*t*/) {
  throw std::runtime_error("serializer failed");
}

std::string AnswerCopy(const std::string& question) {
  TRACELAKE_TRACE(SpanType::kAgent, question);
  std::string answer = "re: " + question;
  return tracelake_span.Return(answer);
}

std::string AnswerMove(const std::string& question) {
  TRACELAKE_TRACE(SpanType::kAgent, question);
  std::string answer = "re: " + question;
  return tracelake_span.Return(std::move(answer));
}

template <typename T>
T Echo(T value) {
  TRACELAKE_TRACE(SpanType::kChain);
  return tracelake_span.Return(std::move(value));
}

const char* Literal() {
  TRACELAKE_TRACE(SpanType::kChain);
  return tracelake_span.Return("forty-two");
}

Counted MakeCounted() {
  TRACELAKE_TRACE(SpanType::kChain);
  return tracelake_span.Return(Counted("made"));
}

Counted MoveLocalCounted() {
  TRACELAKE_TRACE(SpanType::kChain);
  Counted local("local");
  return tracelake_span.Return(std::move(local));
}

const Counted& RefToCounted(const Counted& c) {
  TRACELAKE_TRACE(SpanType::kChain);
  return tracelake_span.Return(c);
}

MoveOnly MakeMoveOnly() {
  TRACELAKE_TRACE(SpanType::kChain);
  MoveOnly m{std::make_unique<int>(7)};
  return tracelake_span.Return(std::move(m));
}

Result<std::string> Lookup(const std::string& key) {
  TRACELAKE_TRACE(SpanType::kTool, key);
  if (key.empty()) return tracelake_span.Return(Result<std::string>(NotFoundError("no key")));
  return tracelake_span.Return(Result<std::string>("v-" + key));
}

Status Check(bool fail) {
  TRACELAKE_TRACE(SpanType::kTool, fail);
  return tracelake_span.Return(fail ? InvalidArgumentError("bad") : OkStatus());
}

Throwing WithThrowingSerializer() {
  TRACELAKE_TRACE(SpanType::kChain);
  return tracelake_span.Return(Throwing{5});
}

int Explode(int n) {
  TRACELAKE_TRACE(SpanType::kParser, n);
  if (n > 0) throw std::invalid_argument("n must be <= 0");
  return tracelake_span.Return(n);
}

// The JSON recorded as the outputs of the latest span named name.
std::string OutputsOf(MemoryTracing& tracing, std::string_view name) {
  auto spans = tracing.Spans();
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    if (it->name == name) return Attr(*it, "mlflow.spanOutputs");
  }
  return "<no span>";
}

TEST(TraceReturnTest, MacroFormRecordsTheAnswerOfAStringFunction) {
  MemoryTracing tracing;
  EXPECT_EQ(AnswerCopy("why"), "re: why");
  auto spans = tracing.Spans();
  const auto* span = FindSpan(spans, "AnswerCopy");
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(Attr(*span, "mlflow.spanInputs"), R"({"question":"why"})");
  EXPECT_EQ(Attr(*span, "mlflow.spanOutputs"), R"("re: why")");
  EXPECT_EQ(Attr(*span, "mlflow.spanType"), "\"AGENT\"");
  EXPECT_EQ(span->status_code, model::SpanStatusCode::kUnset);
}

TEST(TraceReturnTest, MovedStringIsRecordedAndReturned) {
  MemoryTracing tracing;
  EXPECT_EQ(AnswerMove("how"), "re: how");
  EXPECT_EQ(OutputsOf(tracing, "AnswerMove"), R"("re: how")");
}

TEST(TraceReturnTest, RecordsEachSupportedValueType) {
  MemoryTracing tracing;
  EXPECT_STREQ(Literal(), "forty-two");
  EXPECT_EQ(OutputsOf(tracing, "Literal"), R"("forty-two")");
  EXPECT_EQ(Echo(42), 42);
  EXPECT_EQ(OutputsOf(tracing, "Echo"), "42");
  EXPECT_EQ(Echo(int64_t{-9000000000}), -9000000000);
  EXPECT_EQ(OutputsOf(tracing, "Echo"), "-9000000000");
  EXPECT_EQ(Echo(0.5), 0.5);
  EXPECT_EQ(OutputsOf(tracing, "Echo"), "0.5");
  EXPECT_EQ(Echo(true), true);
  EXPECT_EQ(OutputsOf(tracing, "Echo"), "true");
  const char* c_string = "plain";
  EXPECT_STREQ(Echo(c_string), "plain");
  EXPECT_EQ(OutputsOf(tracing, "Echo"), R"("plain")");
  EXPECT_EQ(Echo(std::vector<int>{1, 2, 3}), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(OutputsOf(tracing, "Echo"), "[1,2,3]");
  std::map<std::string, std::vector<std::string>> docs{{"a", {"x", "y"}}, {"b", {}}};
  EXPECT_EQ(Echo(docs), docs);
  EXPECT_EQ(OutputsOf(tracing, "Echo"), R"({"a":["x","y"],"b":[]})");
  EXPECT_EQ(Echo(std::optional<int>()), std::nullopt);
  EXPECT_EQ(OutputsOf(tracing, "Echo"), "null");
  EXPECT_EQ(Echo(std::pair<std::string, int>("k", 1)), (std::pair<std::string, int>("k", 1)));
  EXPECT_EQ(OutputsOf(tracing, "Echo"), R"(["k",1])");
  EXPECT_EQ(Echo(RawJson{R"({"already":"json"})"}).text, R"({"already":"json"})");
  EXPECT_EQ(OutputsOf(tracing, "Echo"), R"({"already":"json"})");
}

TEST(TraceReturnTest, UserTypesUseTheirSerializerAndMoveNotCopy) {
  MemoryTracing tracing;
  Counted::Reset();
  EXPECT_EQ(MakeCounted().text, "made");
  EXPECT_EQ(Counted::copies, 0);
  EXPECT_LE(Counted::moves, 1);
  EXPECT_EQ(Counted::serialized, 1);
  EXPECT_EQ(OutputsOf(tracing, "MakeCounted"), R"({"text":"made"})");

  Counted::Reset();
  EXPECT_EQ(MoveLocalCounted().text, "local");
  EXPECT_EQ(Counted::copies, 0);
  EXPECT_LE(Counted::moves, 1);
  EXPECT_EQ(OutputsOf(tracing, "MoveLocalCounted"), R"({"text":"local"})");

  MoveOnly m = MakeMoveOnly();
  ASSERT_NE(m.value, nullptr);
  EXPECT_EQ(*m.value, 7);
  EXPECT_EQ(OutputsOf(tracing, "MakeMoveOnly"), "7");
}

TEST(TraceReturnTest, LvaluesPassThroughByReference) {
  MemoryTracing tracing;
  Counted original("kept");
  Counted::Reset();
  const Counted& same = RefToCounted(original);
  EXPECT_EQ(&same, &original);
  EXPECT_EQ(Counted::copies, 0);
  EXPECT_EQ(Counted::moves, 0);
  EXPECT_EQ(OutputsOf(tracing, "RefToCounted"), R"({"text":"kept"})");
}

TEST(TraceReturnTest, ResultAndStatusErrorsMarkTheSpan) {
  MemoryTracing tracing;
  EXPECT_EQ(*Lookup("a"), "v-a");
  auto ok_spans = tracing.Spans();
  ASSERT_EQ(ok_spans.size(), 1u);
  EXPECT_EQ(Attr(ok_spans[0], "mlflow.spanOutputs"), R"("v-a")");
  EXPECT_EQ(ok_spans[0].status_code, model::SpanStatusCode::kUnset);

  Result<std::string> missing = Lookup("");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Check(false).ok());
  EXPECT_EQ(Check(true).code(), StatusCode::kInvalidArgument);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[1].name, "Lookup");
  EXPECT_EQ(spans[1].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(spans[1].status_message, missing.status().ToString());
  EXPECT_EQ(Attr(spans[1], "mlflow.spanOutputs"), "<absent>");
  EXPECT_EQ(spans[2].status_code, model::SpanStatusCode::kUnset);
  EXPECT_EQ(spans[3].status_code, model::SpanStatusCode::kError);
}

TEST(TraceReturnTest, ExceptionMarksErrorAndPropagatesUnchanged) {
  MemoryTracing tracing;
  try {
    Explode(1);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "n must be <= 0");
  }
  auto spans = tracing.Spans();
  const auto* span = FindSpan(spans, "Explode");
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->status_code, model::SpanStatusCode::kError);
  ASSERT_EQ(span->events.size(), 1u);
  EXPECT_EQ(span->events[0].name, "exception");
  EXPECT_EQ(Attr(*span, "mlflow.spanOutputs"), "<absent>");
  EXPECT_EQ(Attr(*span, "mlflow.spanInputs"), R"({"n":1})");
}

TEST(TraceReturnTest, ThrowingSerializerNeverReachesTheCaller) {
  MemoryTracing tracing;
  Throwing t;
  EXPECT_NO_THROW(t = WithThrowingSerializer());
  EXPECT_EQ(t.id, 5);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "mlflow.spanOutputs"), "<absent>");
  EXPECT_EQ(spans[0].status_code, model::SpanStatusCode::kUnset);

  auto traced = Traced("traced_throwing", SpanType::kTool, [] { return Throwing{6}; });
  EXPECT_NO_THROW(t = traced());
  EXPECT_EQ(t.id, 6);
  spans = tracing.Spans();
  const auto* span = FindSpan(spans, "traced_throwing");
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->status_code, model::SpanStatusCode::kUnset);
  EXPECT_TRUE(span->events.empty());
}

TEST(TraceReturnTest, NothingIsSerializedWhenTracingIsOff) {
  Counted::Reset();
  EXPECT_EQ(MakeCounted().text, "made");
  EXPECT_EQ(AnswerMove("off"), "re: off");
  EXPECT_EQ(Counted::serialized, 0);
  EXPECT_EQ(Counted::copies, 0);
}

TEST(TraceReturnTest, TracedRecordsTheReturnValueWithoutCopying) {
  MemoryTracing tracing;
  auto make =
      Traced("make", SpanType::kTool, [](const std::string& s) { return Counted(s); }, {"s"});
  Counted::Reset();
  EXPECT_EQ(make(std::string("t")).text, "t");
  EXPECT_EQ(Counted::copies, 0);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "mlflow.spanInputs"), R"({"s":"t"})");
  EXPECT_EQ(Attr(spans[0], "mlflow.spanOutputs"), R"({"text":"t"})");
}

TEST(TraceReturnTest, TracedRecordsResultErrors) {
  MemoryTracing tracing;
  auto find = Traced("find", SpanType::kRetriever, [](int id) -> Result<std::vector<int>> {
    if (id < 0) return InvalidArgumentError("negative id");
    return std::vector<int>{id, id};
  });
  EXPECT_EQ(*find(2), (std::vector<int>{2, 2}));
  EXPECT_FALSE(find(-1).ok());
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(Attr(spans[0], "mlflow.spanOutputs"), "[2,2]");
  EXPECT_EQ(spans[1].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(spans[1].status_message, InvalidArgumentError("negative id").ToString());
}

}  // namespace
}  // namespace tracelake
