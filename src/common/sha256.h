// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex. Used where MLflow hashes with
// hashlib.sha256 and tracelake must produce the same text (dataset digests, record dedupe keys).
#pragma once

#include <string>
#include <string_view>

namespace tracelake {

// 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace tracelake
