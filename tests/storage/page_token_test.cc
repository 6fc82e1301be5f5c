// Page tokens: round trips; every single-character edit, truncation or foreign query fails.
#include <random>

#include "storage/page_token.h"
#include "store_test_util.h"

namespace tracelake::storage::testing {
namespace {

TEST(PageTokenTest, RoundTripsValues) {
  PageToken t{0x1234, {int64_t{-5}, std::string("name\0with nul", 13), int64_t{1} << 62,
                       std::string(40, '\xff')}};
  auto back = DecodePageToken(EncodePageToken(t), 0x1234);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->values, t.values);
}

TEST(PageTokenTest, TokensUseUrlSafeCharactersOnly) {
  const std::string text = EncodePageToken(PageToken{7, {std::string(100, '\xfe'), int64_t{9}}});
  EXPECT_EQ(text.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(PageTokenTest, EditedTruncatedOrForeignTokensAreInvalid) {
  const std::string text = EncodePageToken(PageToken{99, {int64_t{123456}, std::string("k")}});
  EXPECT_THAT(DecodePageToken(text, 98), StatusIs(StatusCode::kInvalidArgument));
  for (size_t i = 0; i + 1 < text.size(); ++i) {  // the last char may only carry padding bits
    std::string edited = text;
    edited[i] = edited[i] == 'Q' ? 'R' : 'Q';
    EXPECT_THAT(DecodePageToken(edited, 99), StatusIs(StatusCode::kInvalidArgument)) << i;
    EXPECT_THAT(DecodePageToken(text.substr(0, i), 99), StatusIs(StatusCode::kInvalidArgument));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 80, 'A');
    for (auto& c : junk) c = "AZaz09-_+/=."[rng() % 12];
    EXPECT_FALSE(DecodePageToken(junk, 99).ok() && junk != text);
  }
  EXPECT_THAT(DecodePageToken(std::string(9000, 'A'), 99), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tracelake::storage::testing
