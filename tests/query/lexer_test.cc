#include "query/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tracelake::query::internal {
namespace {

std::vector<Token> LexOk(std::string_view input) {
  Result<std::vector<Token>> tokens = Lex(input);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  return tokens.ok() ? *tokens : std::vector<Token>{};
}

Status LexError(std::string_view input) {
  Result<std::vector<Token>> tokens = Lex(input);
  EXPECT_FALSE(tokens.ok()) << input;
  return tokens.ok() ? OkStatus() : tokens.status();
}

TEST(LexerTest, SplitsAComparisonIntoIdentifierOperatorAndString) {
  std::vector<Token> t = LexOk("attributes.status = 'OK'");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].kind, TokenKind::kIdentifier);
  ASSERT_EQ(t[0].parts.size(), 2u);
  EXPECT_EQ(t[0].parts[0].text, "attributes");
  EXPECT_EQ(t[0].parts[1].text, "status");
  EXPECT_EQ(t[0].source, "attributes.status");
  EXPECT_EQ(t[1].kind, TokenKind::kOperator);
  EXPECT_EQ(t[1].text, "=");
  EXPECT_EQ(t[1].pos, 18u);
  EXPECT_EQ(t[2].kind, TokenKind::kString);
  EXPECT_EQ(t[2].text, "OK");
  EXPECT_EQ(t[2].source, "'OK'");
  EXPECT_EQ(t[3].kind, TokenKind::kEnd);
  EXPECT_EQ(t[3].pos, 24u);
}

TEST(LexerTest, QuotedKeyPartsKeepTheirDots) {
  std::vector<Token> t = LexOk("span.attributes.`gen_ai.request.model`");
  ASSERT_EQ(t[0].parts.size(), 3u);
  EXPECT_EQ(t[0].parts[2].text, "gen_ai.request.model");
  EXPECT_TRUE(t[0].parts[2].quoted);
  EXPECT_FALSE(t[0].parts[1].quoted);

  t = LexOk("metadata.\"mlflow.trace.user\"");
  ASSERT_EQ(t[0].parts.size(), 2u);
  EXPECT_EQ(t[0].parts[1].text, "mlflow.trace.user");

  t = LexOk("tags.'a b'");
  ASSERT_EQ(t[0].parts.size(), 2u);
  EXPECT_EQ(t[0].parts[1].text, "a b");

  t = LexOk("`tags`.`we``ird`");
  ASSERT_EQ(t[0].parts.size(), 2u);
  EXPECT_EQ(t[0].parts[0].text, "tags");
  EXPECT_EQ(t[0].parts[1].text, "we`ird");
}

TEST(LexerTest, StringEscapes) {
  EXPECT_EQ(LexOk(R"('it''s')")[0].text, "it's");
  EXPECT_EQ(LexOk(R"('it\'s')")[0].text, "it's");
  EXPECT_EQ(LexOk(R"("say ""hi""")")[0].text, "say \"hi\"");
  EXPECT_EQ(LexOk(R"("say \"hi\"")")[0].text, "say \"hi\"");
  EXPECT_EQ(LexOk(R"("L'Hosp")")[0].text, "L'Hosp");
  EXPECT_EQ(LexOk(R"('a\\b')")[0].text, "a\\b");
  // A backslash before anything else stays, so regular expressions read naturally.
  EXPECT_EQ(LexOk(R"('^v[0-9]+\.[0-9]+')")[0].text, "^v[0-9]+\\.[0-9]+");
  EXPECT_EQ(LexOk("''")[0].text, "");
}

TEST(LexerTest, NumbersInTheirUsualSpellings) {
  for (const char* n : {"0", "42", "-7", "+7", "1.5", "-0.25", ".5", "1.", "1e3", "1E-3", "-2.5e+10"}) {
    std::vector<Token> t = LexOk(n);
    ASSERT_EQ(t.size(), 2u) << n;
    EXPECT_EQ(t[0].kind, TokenKind::kNumber) << n;
    EXPECT_EQ(t[0].text, n);
  }
}

TEST(LexerTest, OperatorsAndPunctuation) {
  std::vector<Token> t = LexOk("= != < <= > >= == <> ( ) ,");
  std::vector<std::string> ops;
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(t[i].kind, TokenKind::kOperator);
    ops.push_back(t[i].text);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"=", "!=", "<", "<=", ">", ">=", "==", "<>"}));
  EXPECT_EQ(t[8].kind, TokenKind::kLParen);
  EXPECT_EQ(t[9].kind, TokenKind::kRParen);
  EXPECT_EQ(t[10].kind, TokenKind::kComma);
}

TEST(LexerTest, NeedsNoSpacesBetweenTokens) {
  std::vector<Token> t = LexOk("execution_time_ms>=-5 AND(tags.x!='a')OR(name='b')");
  ASSERT_EQ(t.size(), 16u);
  EXPECT_EQ(t[1].text, ">=");
  EXPECT_EQ(t[2].text, "-5");
  EXPECT_TRUE(t[3].IsKeyword("AND"));
  EXPECT_EQ(t[7].text, "a");
  EXPECT_TRUE(t[9].IsKeyword("OR"));
}

TEST(LexerTest, KeywordsMatchIgnoringCaseButNotWhenQuoted) {
  std::vector<Token> t = LexOk("and And AND `AND` tags.and");
  EXPECT_TRUE(t[0].IsKeyword("AND"));
  EXPECT_TRUE(t[1].IsKeyword("AND"));
  EXPECT_TRUE(t[2].IsKeyword("AND"));
  EXPECT_FALSE(t[3].IsKeyword("AND"));
  EXPECT_FALSE(t[4].IsKeyword("AND"));
}

TEST(LexerTest, UnicodeInStringsAndBareKeys) {
  std::vector<Token> t = LexOk("tags.ключ = '東京 🚀'");
  EXPECT_EQ(t[0].parts[1].text, "ключ");
  EXPECT_EQ(t[2].text, "東京 🚀");
}

TEST(LexerTest, RejectsMalformedInputWithPositions) {
  EXPECT_EQ(LexError("tags.x = 'abc").message(),
            "Unterminated string literal starting at position 10");
  EXPECT_EQ(LexError("`tags.x = 1").message(),
            "Unterminated quoted identifier starting at position 1");
  EXPECT_EQ(LexError("tags. = 'x'").message(), "Expected a key after '.' at position 6");
  EXPECT_EQ(LexError("x > 1.2.3").message(), "Invalid number '1.2.3' at position 5");
  EXPECT_EQ(LexError("x > 12abc").message(), "Invalid number '12abc' at position 5");
  EXPECT_EQ(LexError("x > 1e").message(), "Invalid number '1e' at position 5");
  EXPECT_EQ(LexError("x ! 1").message(),
            "Unexpected character '!' at position 3. Did you mean '!='?");
  EXPECT_EQ(LexError("x = 1; y").message(), "Unexpected character ';' at position 6");
  EXPECT_EQ(LexError(std::string("x = \0", 5)).message(),
            "Unexpected control character 0 at position 5");
  EXPECT_EQ(LexError("tags.x = '\xff'").message(), "Invalid UTF-8 byte at position 11");
  EXPECT_EQ(LexError("tags.x = '\xc0\xaf'").message(), "Invalid UTF-8 byte at position 11");
  EXPECT_EQ(LexError("'\xed\xa0\x80'").message(), "Invalid UTF-8 byte at position 2");
  EXPECT_EQ(LexError("'\xe2\x82'").message(), "Invalid UTF-8 byte at position 2");
  for (const char* bad : {"x = 'abc", "`x", "x.", "1..2", "@", "#", "$x", "x ~ 1"}) {
    EXPECT_EQ(LexError(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(LexerTest, ExcerptIsShortPrintableAndValidUtf8) {
  EXPECT_EQ(Excerpt("abc"), "'abc'");
  EXPECT_EQ(Excerpt("a\nb\x01"), "'a?b?'");
  std::string long_text(100, 'x');
  EXPECT_EQ(Excerpt(long_text), "'" + std::string(48, 'x') + "...'");
  // 47 ASCII bytes then a 2-byte character straddling the cut: the character is dropped whole.
  std::string straddle = std::string(47, 'x') + "é" + std::string(10, 'y');
  EXPECT_EQ(Excerpt(straddle), "'" + std::string(47, 'x') + "...'");
}

}  // namespace
}  // namespace tracelake::query::internal
