// The RLIKE matcher: Python re.search semantics for the supported syntax, linear time on
// hostile patterns, clear errors for what is not supported.
#include <chrono>

#include "storage/regex.h"
#include "store_test_util.h"

namespace tracelake::storage {
namespace {

using testing::StatusIs;

bool Search(const char* pattern, std::string_view text) {
  auto re = Regex::Compile(pattern);
  EXPECT_TRUE(re.ok()) << pattern << ": " << re.status().ToString();
  return re.ok() && re->Search(text);
}

TEST(RegexTest, MatchesAnywhereLikeReSearch) {
  EXPECT_TRUE(Search("abc", "xxabcxx"));
  EXPECT_FALSE(Search("abd", "xxabcxx"));
  EXPECT_TRUE(Search("", "anything"));
  EXPECT_TRUE(Search("", ""));
  EXPECT_TRUE(Search("^ab", "abc"));
  EXPECT_FALSE(Search("^bc", "abc"));
  EXPECT_TRUE(Search("bc$", "abc"));
  EXPECT_TRUE(Search("bc$", "abc\n"));  // $ also before a final newline, as in Python
  EXPECT_FALSE(Search("ab$", "abc"));
  EXPECT_TRUE(Search("^$", ""));
}

TEST(RegexTest, ClassesQuantifiersGroupsAndAlternation) {
  EXPECT_TRUE(Search("^gpt-4(o|-turbo)?$", "gpt-4o"));
  EXPECT_TRUE(Search("^gpt-4(o|-turbo)?$", "gpt-4-turbo"));
  EXPECT_TRUE(Search("^gpt-4(o|-turbo)?$", "gpt-4"));
  EXPECT_FALSE(Search("^gpt-4(o|-turbo)?$", "gpt-4x"));
  EXPECT_TRUE(Search("^[a-c]+\\d{2,3}$", "abca12"));
  EXPECT_FALSE(Search("^[a-c]+\\d{2,3}$", "abca1234"));
  EXPECT_TRUE(Search("^[^0-9]*$", "letters only"));
  EXPECT_FALSE(Search("^[^0-9]*$", "has 1 digit"));
  EXPECT_TRUE(Search("^a{3}$", "aaa"));
  EXPECT_FALSE(Search("^a{3}$", "aa"));
  EXPECT_TRUE(Search("^a{2,}$", "aaaaa"));
  EXPECT_TRUE(Search("x*?y", "xxy"));  // lazy forms accepted
  EXPECT_TRUE(Search("^(?:ab)+$", "ababab"));
  EXPECT_TRUE(Search("\\w+@\\w+\\.com", "mail bob@example.com now"));
  EXPECT_TRUE(Search("\\s", "a b"));
  EXPECT_FALSE(Search("\\S", "   "));
  EXPECT_TRUE(Search("a\\.b", "a.b"));
  EXPECT_FALSE(Search("a\\.b", "axb"));
  EXPECT_TRUE(Search("[]a]", "]"));
  EXPECT_TRUE(Search("a{x", "a{x"));  // not a quantifier: literal brace
  EXPECT_TRUE(Search("^.$", "\xc3\xa9"));  // '.' is one character, not one byte
  EXPECT_TRUE(Search("^[\xc3\xa0-\xc3\xbf]$", "\xc3\xa9"));
  EXPECT_FALSE(Search("^.$", "\n"));
}

TEST(RegexTest, UnsupportedOrBrokenPatternsAreInvalidArgument) {
  for (const char* bad : {"(a", "a)", "[a", "*a", "a**", "a{2}{3}+", "\\1", "(?=a)", "(?P<n>a)",
                          "\\b", "[z-a]", "a{1001}", "\\"}) {
    EXPECT_THAT(Regex::Compile(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(Regex::Compile(std::string(2000, 'a')), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Regex::Compile("(a{1000}){1000}"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(RegexTest, PathologicalPatternsRunInLinearTime) {
  const std::string text(20000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(Search("(a+)+b", text));
  EXPECT_FALSE(Search("(a|aa)*c", text));
  EXPECT_FALSE(Search("(((a*)*)*)*$b", text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // A backtracking engine takes astronomically long here; generous bound for slow CI machines.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tracelake::storage
