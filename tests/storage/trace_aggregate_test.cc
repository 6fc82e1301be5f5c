// TraceAggregate: the trace-info rules without a database.
#include "storage/trace_aggregate.h"
#include "store_test_util.h"

namespace tracelake::storage::testing {
namespace {

TEST(TraceAggregateTest, EarliestSpanStandsInUntilTheRoot) {
  TraceAggregate agg;
  EXPECT_TRUE(agg.AddSpan(MakeSpan(1, 2, 1, 50, 10, {}, "late")));
  EXPECT_TRUE(agg.AddSpan(MakeSpan(1, 3, 1, 20, 10, {}, "early")));
  EXPECT_FALSE(agg.AddSpan(MakeSpan(1, 4, 1, 30, 10)));
  agg.Finish();
  EXPECT_TRUE(agg.fragmented);
  EXPECT_EQ(agg.root_name, "early");
  EXPECT_EQ(agg.preview_span, Sid(3));
  EXPECT_EQ(agg.request_time_ns, static_cast<int64_t>(Ns(20)));
  EXPECT_EQ(agg.duration_ns, 40'000'000);
  EXPECT_TRUE(agg.AddSpan(MakeSpan(1, 1, 0, 25, 100, {}, "root")));
  EXPECT_FALSE(agg.AddSpan(MakeSpan(1, 5, 1, 0, 1)));  // earlier, but the root speaks
  agg.Finish();
  EXPECT_FALSE(agg.fragmented);
  EXPECT_EQ(agg.root_name, "root");
  EXPECT_EQ(agg.request_time_ns, static_cast<int64_t>(Ns(25)));
  EXPECT_EQ(agg.duration_ns, 100'000'000);
  EXPECT_EQ(agg.span_count, 5);
}

TEST(TraceAggregateTest, ClientInfoAppliesUntilTheRootDecides) {
  TraceAggregate agg;
  model::TraceInfo client;
  client.state = model::TraceState::kInProgress;
  client.request_time_ns = 5;
  client.execution_duration_ns = 7;
  agg.ApplyClientInfo(client);
  agg.Finish();
  EXPECT_EQ(agg.state, model::TraceState::kInProgress);
  EXPECT_EQ(agg.request_time_ns, 5);
  EXPECT_EQ(agg.duration_ns, 7);
  model::Span root = MakeSpan(1, 1, 0, 0, 10);
  root.status_code = model::SpanStatusCode::kError;
  agg.AddSpan(root);
  agg.Finish();
  EXPECT_EQ(agg.state, model::TraceState::kError);
  EXPECT_EQ(agg.request_time_ns, static_cast<int64_t>(Ns(0)));
}

TEST(TraceAggregateTest, ClientPreviewsWinFieldByField) {
  TraceAggregate agg;
  model::TraceInfo client;
  client.request_preview = "from client";
  agg.ApplyClientInfo(client);
  agg.previews_changed = false;
  agg.SetSpanPreviews(R"("span in")", R"("span out")");
  EXPECT_EQ(agg.request_preview, "from client");
  EXPECT_EQ(agg.response_preview, R"("span out")");
  EXPECT_TRUE(agg.previews_changed);
  agg.SetSpanPreviews(std::string(5000, 'x'), "");
  EXPECT_EQ(agg.response_preview, "");
}

TEST(TraceAggregateTest, RemovingASpanTakesBackItsCounts) {
  TraceAggregate agg;
  model::Span s = MakeSpan(1, 2, 1, 0, 1, Tokens(3, 4));
  s.status_code = model::SpanStatusCode::kError;
  agg.AddSpan(s);
  agg.RemoveSpan(s.status_code, s.view.usage);
  EXPECT_EQ(agg.span_count, 0);
  EXPECT_EQ(agg.error_spans, 0);
  EXPECT_EQ(agg.usage.input_tokens, 0);
}

}  // namespace
}  // namespace tracelake::storage::testing
