// Replays every fuzz seed (tests/fuzz/corpus/otlp_*) and every input that once crashed a fuzzer
// (tests/data/otlp/regressions/) through the same checks the fuzz targets run, so the ordinary
// test suite guards them without libFuzzer. A regression file is named after what it broke.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "otlp_fuzz_checks.h"

namespace tracelake::otlp {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<fs::path> FilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

const fs::path kCorpus = fs::path(TRACELAKE_FUZZ_DIR) / "corpus";
const fs::path kRegressions = fs::path(TRACELAKE_TEST_DATA_DIR) / "otlp" / "regressions";

TEST(OtlpFuzzCorpusTest, SeedsPassTheFuzzChecks) {
  struct Target {
    const char* dir;
    void (*check)(std::string_view);
  };
  const Target targets[] = {{"otlp_traces_proto_fuzzer", fuzz::CheckTracesProtobuf},
                            {"otlp_traces_json_fuzzer", fuzz::CheckTracesJson},
                            {"otlp_logs_proto_fuzzer", fuzz::CheckLogsProtobuf},
                            {"otlp_logs_json_fuzzer", fuzz::CheckLogsJson},
                            {"otlp_answers_fuzzer", fuzz::CheckAnswers}};
  for (const Target& target : targets) {
    const auto files = FilesIn(kCorpus / target.dir);
    EXPECT_GE(files.size(), 2u) << target.dir;
    for (const auto& file : files) {
      SCOPED_TRACE(file.string());
      const std::string data = ReadFile(file);
      EXPECT_LT(data.size(), 20u * 1024) << "seeds stay small";
      target.check(data);
    }
  }
}

TEST(OtlpFuzzCorpusTest, JsonSeedsDecodeToSpansOrRecords) {
  for (const auto& file : FilesIn(kCorpus / "otlp_traces_json_fuzzer")) {
    auto decoded = DecodeTracesJson(ReadFile(file));
    ASSERT_TRUE(decoded.ok()) << file << ": " << decoded.status().ToString();
    EXPECT_FALSE(decoded->spans.empty()) << file;
  }
  for (const auto& file : FilesIn(kCorpus / "otlp_logs_json_fuzzer")) {
    auto decoded = DecodeLogsJson(ReadFile(file));
    ASSERT_TRUE(decoded.ok()) << file << ": " << decoded.status().ToString();
    EXPECT_FALSE(decoded->records.empty()) << file;
  }
}

// Every regression input goes through all four decoders: a crash in one encoding's decoder is
// worth checking in the others.
TEST(OtlpFuzzRegressionTest, PastCrashesPassEveryDecoder) {
  for (const auto& file : FilesIn(kRegressions)) {
    SCOPED_TRACE(file.string());
    const std::string data = ReadFile(file);
    fuzz::CheckTracesProtobuf(data);
    fuzz::CheckTracesJson(data);
    fuzz::CheckLogsProtobuf(data);
    fuzz::CheckLogsJson(data);
    fuzz::CheckAnswers(data);
  }
}

}  // namespace
}  // namespace tracelake::otlp
