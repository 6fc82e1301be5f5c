// PageToken: the opaque next_page_token of searches.
//
// A token carries the sort-key values of the last row returned (keyset paging: later pages
// start strictly after that row, so rows inserted meanwhile neither repeat nor shift pages) and
// a fingerprint of the query it belongs to. It is base64url text over a versioned binary form
// with a 64-bit checksum: garbage, truncated or edited tokens, and tokens of another query, are
// kInvalidArgument. The checksum is not a secret MAC: a client able to compute it can only
// choose where its own page starts, because token values are always bound as SQL parameters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::storage {

using PageTokenValue = std::variant<int64_t, std::string>;  // std::string holds text or bytes

struct PageToken {
  uint64_t query_fingerprint = 0;
  std::vector<PageTokenValue> values;
};

std::string EncodePageToken(const PageToken& token);
// kInvalidArgument for anything EncodePageToken did not produce, or a token of another query
// (fingerprint != expected_fingerprint).
Result<PageToken> DecodePageToken(std::string_view text, uint64_t expected_fingerprint);

}  // namespace tracelake::storage
