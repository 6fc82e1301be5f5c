#include "tracelake/status.h"

#include <gtest/gtest.h>

namespace tracelake {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status Check(int x) {
  RETURN_IF_ERROR(Half(x));
  return OkStatus();
}

TEST(StatusTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Check(2).ok());
  EXPECT_EQ(Check(3).ToString(), "INVALID_ARGUMENT: odd");
}

}  // namespace
}  // namespace tracelake
