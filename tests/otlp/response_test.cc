// Export answers as clients read them: partial success and google.rpc.Status with RetryInfo, in
// protobuf and OTLP/JSON, and what a body that is not an answer gives.
#include "otlp/response.h"

#include <gtest/gtest.h>

#include "otlp/encode.h"

namespace tracelake::otlp {
namespace {

using std::chrono::milliseconds;

TEST(TraceResponseTest, PartialSuccessRoundTripsInBothEncodings) {
  auto p = DecodeTraceResponse(EncodeTraceResponseProtobuf(4, "4 spans had no id"),
                               WireFormat::kProtobuf);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->rejected, 4);
  EXPECT_EQ(p->error_message, "4 spans had no id");
  auto j = DecodeTraceResponse(EncodeTraceResponseJson(4, "4 spans had no id"), WireFormat::kJson);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->rejected, 4);
  EXPECT_EQ(j->error_message, "4 spans had no id");
}

TEST(TraceResponseTest, FullSuccessShapes) {
  for (const auto& [body, format] : std::vector<std::pair<std::string, WireFormat>>{
           {"", WireFormat::kProtobuf},
           {"", WireFormat::kJson},
           {EncodeTraceResponseProtobuf(0, ""), WireFormat::kProtobuf},
           {"{}", WireFormat::kJson},
           {R"({"partialSuccess": null})", WireFormat::kJson},
           {R"({"partialSuccess": {}})", WireFormat::kJson}}) {
    auto r = DecodeTraceResponse(body, format);
    ASSERT_TRUE(r.ok()) << body;
    EXPECT_EQ(r->rejected, 0) << body;
    EXPECT_EQ(r->error_message, "") << body;
  }
}

TEST(TraceResponseTest, JsonAcceptsStringIntegersAndSnakeCase) {
  auto r = DecodeTraceResponse(R"({"partial_success": {"rejected_spans": "12",
                                   "error_message": "too old"}})",
                               WireFormat::kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 12);
  EXPECT_EQ(r->error_message, "too old");
  r = DecodeTraceResponse(R"({"partialSuccess": {"rejectedSpans": -3}})", WireFormat::kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 0);  // a negative count is nonsense, not a refund
}

TEST(TraceResponseTest, BodiesThatAreNotAnswersAreErrors) {
  EXPECT_FALSE(DecodeTraceResponse("<html>502 Bad Gateway</html>", WireFormat::kJson).ok());
  EXPECT_FALSE(DecodeTraceResponse("[1,2]", WireFormat::kJson).ok());
  EXPECT_FALSE(DecodeTraceResponse("\xff\xff\xff", WireFormat::kProtobuf).ok());
  EXPECT_FALSE(DecodeTraceResponse(std::string(2 << 20, 'x'), WireFormat::kProtobuf).ok());
}

TEST(RpcStatusTest, MessageAndRetryInfo) {
  auto s = DecodeRpcStatus(EncodeRpcStatusProtobuf(3, "span 1: bad id"), WireFormat::kProtobuf);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code, 3);
  EXPECT_EQ(s->message, "span 1: bad id");
  EXPECT_FALSE(s->retry_delay.has_value());
  s = DecodeRpcStatus(EncodeRpcStatusWithRetryProtobuf(8, "busy", milliseconds(2250)),
                      WireFormat::kProtobuf);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code, 8);
  EXPECT_EQ(s->message, "busy");
  EXPECT_EQ(s->retry_delay, std::optional<milliseconds>(milliseconds(2250)));
  s = DecodeRpcStatus(EncodeRpcStatusJson(3, "bad"), WireFormat::kJson);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code, 3);
  EXPECT_EQ(s->message, "bad");
}

TEST(RpcStatusTest, ProtobufIsReadFromTheWireTolerantOfUnknownFields) {
  // Unknown fields of every wire type are skipped, as protobuf's parser does.
  std::string body = EncodeRpcStatusWithRetryProtobuf(14, "later", milliseconds(3000));
  body += std::string("\x20\x07", 2);                    // field 4, varint
  body += std::string("\x29", 1) + std::string(8, 'a');  // field 5, fixed64
  body += std::string("\x35", 1) + std::string(4, 'b');  // field 6, fixed32
  body += std::string("\x3a\x03xyz", 5);                 // field 7, bytes
  auto s = DecodeRpcStatus(body, WireFormat::kProtobuf);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code, 14);
  EXPECT_EQ(s->message, "later");
  EXPECT_EQ(s->retry_delay, std::optional<milliseconds>(milliseconds(3000)));
  // Truncated anywhere, or with a group or a zero field number: malformed, never a crash.
  const std::string full = EncodeRpcStatusWithRetryProtobuf(8, "busy", milliseconds(1500));
  for (size_t n = 1; n < full.size(); ++n) {
    auto cut = DecodeRpcStatus(full.substr(0, n), WireFormat::kProtobuf);
    if (cut.ok() && cut->retry_delay) {
      EXPECT_EQ(*cut->retry_delay, milliseconds(1500)) << n;
    }
  }
  for (std::string bad : {std::string("\x0b", 1), std::string("\x00\x01", 2),
                          std::string("\x12\x7f", 2), std::string("\x08\xff\xff\xff", 4)}) {
    EXPECT_FALSE(DecodeRpcStatus(bad, WireFormat::kProtobuf).ok()) << ::testing::PrintToString(bad);
  }
  auto t = DecodeTraceResponse(EncodeTraceResponseProtobuf(2, "x") + std::string("\x10\x01", 2),
                               WireFormat::kProtobuf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rejected, 2);
  EXPECT_FALSE(DecodeTraceResponse(std::string("\x0a\x05\x08", 3), WireFormat::kProtobuf).ok());
}

// A Duration whose nanos disagree in sign with its seconds (found by otlp_answers_fuzzer) or
// whose seconds are negative never gives a negative delay.
TEST(RpcStatusTest, ProtobufDurationsOfMixedSignsAreNeverNegative) {
  // Status{code 8, details: [Any{type_url RetryInfo, value RetryInfo{retry_delay{...}}}]}.
  auto status_with_delay = [](const std::string& duration) {
    const std::string type = "type.googleapis.com/google.rpc.RetryInfo";
    const std::string retry_info = std::string("\x0a", 1) + char(duration.size()) + duration;
    const std::string any = std::string("\x0a", 1) + char(type.size()) + type +
                            std::string("\x12", 1) + char(retry_info.size()) + retry_info;
    return std::string("\x08\x08\x1a", 3) + char(any.size()) + any;
  };
  struct Case {
    std::string duration;
    milliseconds want;
  };
  const Case cases[] = {
      // seconds 1, nanos -1'500'000'000 (as a 10-byte varint of the sign-extended int32)
      {std::string("\x08\x01\x10\x80\xa2\xdf\xb4\xfa\xff\xff\xff\xff\x01", 13), milliseconds(0)},
      // seconds -3 (10-byte varint), nanos 0
      {std::string("\x08\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11), milliseconds(0)},
      // seconds 2, nanos -500'000'000
      {std::string("\x08\x02\x10\x80\xb6\xca\x91\xfe\xff\xff\xff\xff\x01", 13), milliseconds(1500)},
  };
  for (const Case& c : cases) {
    auto s = DecodeRpcStatus(status_with_delay(c.duration), WireFormat::kProtobuf);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->retry_delay, std::optional<milliseconds>(c.want));
  }
}

TEST(RpcStatusTest, JsonRetryInfoDurations) {
  auto s = DecodeRpcStatus(
      R"({"code": 8, "message": "slow down", "details": [
            {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": "x"},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]})",
      WireFormat::kJson);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->retry_delay, std::optional<milliseconds>(milliseconds(1500)));
  for (const char* bad : {"1.5", "s", "abcs", "-2s"}) {
    const std::string body =
        R"({"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": ")" +
        std::string(bad) + "\"}]}";
    s = DecodeRpcStatus(body, WireFormat::kJson);
    ASSERT_TRUE(s.ok()) << bad;
    if (std::string(bad) == "-2s") {
      EXPECT_EQ(s->retry_delay, std::optional<milliseconds>(milliseconds(0))) << bad;
    } else {
      EXPECT_FALSE(s->retry_delay.has_value()) << bad;
    }
  }
  EXPECT_FALSE(DecodeRpcStatus("not json", WireFormat::kJson).ok());
}

}  // namespace
}  // namespace tracelake::otlp
