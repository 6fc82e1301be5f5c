#include "lake/rle_encoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/lake/parquet_test_util.h"

namespace tracelake::lake {
namespace {

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Levels(const std::vector<uint32_t>& levels, int width) {
  std::string out;
  AppendLevels(levels, width, out);
  return Hex(out);
}

std::string Runs(const std::vector<uint32_t>& values, int width) {
  std::string out;
  AppendRleHybrid(values, width, out);
  return Hex(out);
}

TEST(RleEncoderTest, BitWidthCoversTheMaximum) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(3), 2);
  EXPECT_EQ(BitWidth(4), 3);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
}

TEST(RleEncoderTest, Uleb128) {
  std::string out;
  AppendUleb128(1, out);
  AppendUleb128(127, out);
  AppendUleb128(300, out);
  EXPECT_EQ(Hex(out), "01 7f ac 02");
}

// The examples of shared/spec/delta-parquet.md section 2.6, verified there with four readers.
TEST(RleEncoderTest, ShortMixedLevelsAreOneBitPackedGroupWithLengthPrefix) {
  EXPECT_EQ(Levels({1, 0, 1}, 1), "02 00 00 00 03 05");
}

TEST(RleEncoderTest, AllEqualValuesAreOneRleRun) {
  EXPECT_EQ(Runs({0, 0}, 0), "04");
  EXPECT_EQ(Runs({1, 1, 1}, 1), "06 01");
  EXPECT_EQ(Runs(std::vector<uint32_t>(10, 1), 1), "14 01");
  EXPECT_EQ(Runs(std::vector<uint32_t>(3, 300), 9), "06 2c 01");
}

TEST(RleEncoderTest, PendingValuesAreToppedUpToAGroupBeforeAnRleRun) {
  std::vector<uint32_t> values = {0, 1, 0, 1, 0};
  values.insert(values.end(), 20, 2);
  // 0,1,0,1,0,2,2,2 bit-packed at width 2 (0x44 0xa8), then 17 x 2.
  EXPECT_EQ(Runs(values, 2), "03 44 a8 22 02");
}

TEST(RleEncoderTest, LongBitPackedRunsAreSplitAt63Groups) {
  std::vector<uint32_t> values;
  for (int i = 0; i < 600; ++i) values.push_back(i % 2);
  std::string out;
  AppendRleHybrid(values, 1, out);
  ASSERT_EQ(out.size(), 1 + 63 + 1 + 12);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x7f);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 0xaa);
  EXPECT_EQ(static_cast<uint8_t>(out[64]), 0x19);
}

TEST(RleEncoderTest, RandomSequencesDecodeToThemselves) {
  std::mt19937 rng(13);
  for (int width : {0, 1, 2, 3, 5, 8, 12, 17, 32}) {
    for (int trial = 0; trial < 50; ++trial) {
      const uint64_t limit = width == 0 ? 1 : (width == 32 ? 0x100000000ULL : 1ULL << width);
      std::vector<uint32_t> values;
      const size_t n = rng() % 2000;
      while (values.size() < n) {
        auto v = static_cast<uint32_t>(rng() % limit);
        // Mix long runs with noise, as levels and dictionary indices are.
        size_t repeat = rng() % 3 == 0 ? rng() % 40 : 1;
        values.insert(values.end(), std::min(repeat, n - values.size()), v);
      }
      std::string out;
      AppendRleHybrid(values, width, out);
      size_t pos = 0;
      EXPECT_EQ(DecodeRleHybrid(out, pos, width, values.size()), values)
          << "width " << width << " n " << n;
      EXPECT_EQ(pos, out.size());
    }
  }
}

}  // namespace
}  // namespace tracelake::lake
