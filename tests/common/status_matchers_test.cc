#include "tests/common/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace tracelake {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::tracelake_testing::IsOk;
using ::tracelake_testing::IsOkAndHolds;
using ::tracelake_testing::StatusIs;

Result<int> Parse(const std::string& s) {
  if (s.empty()) return InvalidArgumentError("empty input");
  return static_cast<int>(s.size());
}

// The failure text a matcher gives for a value, as EXPECT_THAT would print it.
template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(matcher, value, &listener);
  return listener.str();
}

TEST(StatusMatchersTest, StatusIsMatchesTheCodeOfAStatusOrAResult) {
  EXPECT_THAT(NotFoundError("no trace"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Parse(""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse(""), Not(StatusIs(StatusCode::kNotFound)));
  EXPECT_THAT(OkStatus(), StatusIs(StatusCode::kOk));
  EXPECT_THAT(Parse("ab"), StatusIs(StatusCode::kOk));
}

TEST(StatusMatchersTest, StatusIsWithAMessageMatcherChecksBoth) {
  EXPECT_THAT(Parse(""), StatusIs(StatusCode::kInvalidArgument, "empty input"));
  EXPECT_THAT(Parse(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(Parse(""), Not(StatusIs(StatusCode::kInvalidArgument, HasSubstr("other"))));
  EXPECT_THAT(Parse(""), Not(StatusIs(StatusCode::kNotFound, HasSubstr("empty"))));
}

TEST(StatusMatchersTest, IsOkAcceptsOnlyOk) {
  EXPECT_THAT(OkStatus(), IsOk());
  EXPECT_THAT(Parse("a"), IsOk());
  EXPECT_THAT(Parse(""), Not(IsOk()));
  EXPECT_THAT(InternalError("boom"), Not(IsOk()));
}

TEST(StatusMatchersTest, IsOkAndHoldsMatchesTheValue) {
  EXPECT_THAT(Parse("abc"), IsOkAndHolds(3));
  EXPECT_THAT(Parse("abc"), IsOkAndHolds(::testing::Gt(2)));
  EXPECT_THAT(Parse("abc"), Not(IsOkAndHolds(4)));
  EXPECT_THAT(Parse(""), Not(IsOkAndHolds(0)));
}

TEST(StatusMatchersTest, FailuresPrintTheActualStatus) {
  EXPECT_EQ(Explain(StatusIs(StatusCode::kNotFound), Parse("")),
            "status is INVALID_ARGUMENT: empty input");
  EXPECT_EQ(Explain(IsOkAndHolds(1), Parse("")), "status is INVALID_ARGUMENT: empty input");
  EXPECT_EQ(::testing::PrintToString(Parse("")), "INVALID_ARGUMENT: empty input");
  EXPECT_EQ(::testing::PrintToString(Parse("ab")), "OK: 2");
}

}  // namespace
}  // namespace tracelake
