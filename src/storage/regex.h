// Regex: the RLIKE operator of the search grammar, as a linear-time matcher.
//
// MLflow's RLIKE is Python's re.search. This supports the part of that syntax that real filters
// use, and runs in O(pattern x text) time (a Thompson NFA over code points, no backtracking),
// so a hostile pattern cannot stall a search or overflow the stack:
//   literals, '.', [...] and [^...] classes with ranges, \d \w \s \D \W \S, escaped
//   punctuation, \t \n \r, ^ and $ anchors, ( ) groups (also (?: )), |, and the quantifiers
//   * + ? {m} {m,} {m,n} (lazy forms accepted; they match the same texts).
// Unsupported syntax (backreferences, lookaround, \b, named groups, flags) is kInvalidArgument.
//
//   ASSIGN_OR_RETURN(Regex re, Regex::Compile("^gpt-4(o|-turbo)?$"));
//   bool hit = re.Search("gpt-4o");
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::storage {

class Regex {
 public:
  static constexpr size_t kMaxPatternBytes = 1000;
  static constexpr size_t kMaxProgramSize = 20000;  // instructions after {m,n} expansion

  static Result<Regex> Compile(std::string_view pattern);

  // True when the pattern matches somewhere in text (UTF-8; invalid bytes count as one
  // character each). Safe for concurrent use.
  bool Search(std::string_view text) const;

  struct Range {
    uint32_t lo, hi;
  };
  struct Inst {
    enum class Op : uint8_t { kClass, kSplit, kJmp, kMatch, kBol, kEol } op;
    bool negate = false;        // kClass
    uint32_t first = 0;         // kClass: ranges_[first, first + count); kSplit/kJmp: target
    uint32_t count = 0;         // kClass: number of ranges; kSplit: second target
  };

 private:
  std::vector<Inst> prog_;
  std::vector<Range> ranges_;
  friend class RegexCompiler;
};

}  // namespace tracelake::storage
