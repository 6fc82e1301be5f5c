#include "lake/compression.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/common/status_matchers.h"

namespace tracelake::lake {
namespace {

using ::tracelake_testing::StatusIs;

TEST(CompressionTest, EveryCodecRoundTrips) {
  std::string input;
  for (int i = 0; i < 10000; ++i) input += "span-" + std::to_string(i % 97) + ";";
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd}) {
    auto compressed = Compress(codec, input, 3);
    ASSERT_TRUE(compressed.ok()) << CodecName(codec);
    if (codec != Codec::kUncompressed) {
      EXPECT_LT(compressed->size(), input.size() / 4);
    }
    auto back = Decompress(codec, *compressed, input.size());
    ASSERT_TRUE(back.ok()) << CodecName(codec);
    EXPECT_EQ(*back, input);
  }
}

TEST(CompressionTest, ZstdWritesOneFrameAndSnappyARawBlock) {
  auto zstd = Compress(Codec::kZstd, "hello hello hello", 3);
  ASSERT_TRUE(zstd.ok());
  EXPECT_EQ(zstd->substr(0, 4), std::string("\x28\xb5\x2f\xfd"));  // the zstd frame magic
  auto snappy = Compress(Codec::kSnappy, "hello", 3);
  ASSERT_TRUE(snappy.ok());
  // A raw block starts with the uncompressed length (varint); the framed format with 0xff.
  EXPECT_EQ(static_cast<uint8_t>((*snappy)[0]), 5);
}

TEST(CompressionTest, WrongSizeOrBadBytesAreDataLoss) {
  auto zstd = Compress(Codec::kZstd, "abcdef", 3);
  ASSERT_TRUE(zstd.ok());
  EXPECT_THAT(Decompress(Codec::kZstd, *zstd, 5), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(Decompress(Codec::kZstd, "not zstd", 8), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(Decompress(Codec::kSnappy, "\xff\xff\xff", 3), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(Decompress(Codec::kUncompressed, "abc", 4), StatusIs(StatusCode::kDataLoss));
}

TEST(CompressionTest, FileExtensions) {
  EXPECT_EQ(CodecFileExtension(Codec::kZstd), "zstd");
  EXPECT_EQ(CodecFileExtension(Codec::kSnappy), "snappy");
  EXPECT_EQ(CodecName(Codec::kUncompressed), "UNCOMPRESSED");
}

}  // namespace
}  // namespace tracelake::lake
