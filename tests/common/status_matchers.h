// gMock matchers for Status and Result<T>, for every test (after abseil's status_matchers.h).
//
//   EXPECT_THAT(store.GetTrace(id), StatusIs(StatusCode::kNotFound));
//   EXPECT_THAT(ParseFilter("a ="), StatusIs(StatusCode::kInvalidArgument, HasSubstr("a")));
//   EXPECT_THAT(store.Open(), IsOk());
//   EXPECT_THAT(ParsePort("80"), IsOkAndHolds(80));
//
// Each matcher takes a Status or any Result<T>; a failure prints the actual status.
// The namespace is not tracelake::testing, which would hide ::testing from code inside
// namespace tracelake (abseil picked absl_testing for the same reason).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>

#include "tracelake/status.h"

namespace tracelake {

// How gtest prints a Status or a Result in failure messages.
inline void PrintTo(const Status& status, std::ostream* os) { *os << status.ToString(); }
template <typename T>
void PrintTo(const Result<T>& result, std::ostream* os) {
  if (result.ok()) {
    *os << "OK: " << ::testing::PrintToString(*result);
  } else {
    *os << result.status().ToString();
  }
}

}  // namespace tracelake

namespace tracelake_testing {

// The status (of a Status or a Result<T>) has this code.
MATCHER_P(StatusIs, code,
          std::string(negation ? "status code is not " : "status code is ") +
              std::string(::tracelake::StatusCodeName(code))) {
  const ::tracelake::Status st = ::tracelake::internal::AsStatus(arg);
  *result_listener << "status is " << st.ToString();
  return st.code() == code;
}

// The status has this code and its message matches message_matcher (a string or a matcher).
MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "status code is not " : "status code is ") +
               std::string(::tracelake::StatusCodeName(code)) + " with message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher, negation)) {
  const ::tracelake::Status st = ::tracelake::internal::AsStatus(arg);
  *result_listener << "status is " << st.ToString();
  return st.code() == code && ::testing::Matches(::testing::SafeMatcherCast<const std::string&>(
                                  message_matcher))(st.message());
}

// The Status or Result<T> is OK.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const ::tracelake::Status st = ::tracelake::internal::AsStatus(arg);
  if (!st.ok()) *result_listener << "status is " << st.ToString();
  return st.ok();
}

// The Result<T> is OK and its value matches value_matcher (a value or a matcher).
MATCHER_P(IsOkAndHolds, value_matcher,
          negation ? "is not OK, or holds a value that does not match"
                   : "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace tracelake_testing
