// Regenerates the protobuf seed corpora from the JSON ones, so both encodings start from the same
// real payloads:  otlp_make_proto_seeds <repo>/tests/fuzz/corpus
//   corpus/otlp_traces_json_fuzzer/<name>.json -> corpus/otlp_traces_proto_fuzzer/<name>.pb
//   corpus/otlp_logs_json_fuzzer/<name>.json   -> corpus/otlp_logs_proto_fuzzer/<name>.pb
// Seeds that do not decode, or decode to nothing, are skipped.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "otlp/decode.h"
#include "otlp/encode.h"

namespace fs = std::filesystem;

namespace {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int Convert(const fs::path& from_dir, const fs::path& to_dir, bool traces) {
  int written = 0;
  fs::create_directories(to_dir);
  for (const auto& entry : fs::directory_iterator(from_dir)) {
    if (entry.path().extension() != ".json") continue;
    const std::string json = ReadFile(entry.path());
    std::string proto;
    if (traces) {
      auto decoded = tracelake::otlp::DecodeTracesJson(json);
      if (!decoded.ok() || decoded->spans.empty()) continue;
      proto = tracelake::otlp::EncodeTracesRequestProtobuf(decoded->spans);
    } else {
      auto decoded = tracelake::otlp::DecodeLogsJson(json);
      if (!decoded.ok() || decoded->records.empty()) continue;
      proto = tracelake::otlp::EncodeLogsRequestProtobuf(decoded->records);
    }
    fs::path out = to_dir / entry.path().filename();
    out.replace_extension(".pb");
    std::ofstream(out, std::ios::binary) << proto;
    ++written;
  }
  return written;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <tests/fuzz/corpus>\n", argv[0]);
    return 2;
  }
  const fs::path corpus = argv[1];
  try {
    const int traces =
        Convert(corpus / "otlp_traces_json_fuzzer", corpus / "otlp_traces_proto_fuzzer", true);
    const int logs =
        Convert(corpus / "otlp_logs_json_fuzzer", corpus / "otlp_logs_proto_fuzzer", false);
    std::printf("wrote %d trace and %d log protobuf seeds\n", traces, logs);
  } catch (const fs::filesystem_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
