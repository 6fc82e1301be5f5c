// Tokens of the trace search language (internal to src/query).
//
// The lexer knows nothing about fields or comparators: it splits text into identifiers,
// string and number literals, operators and punctuation, and reports malformed literals with
// their position. Keywords (AND, OR, NOT, IN, IS, NULL, LIKE, ILIKE, RLIKE, ASC, DESC) are
// bare identifiers that the parser matches case-insensitively.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::query::internal {

enum class TokenKind {
  kIdentifier,  // status, tags.`mlflow.user`, span.attributes."gen_ai.request.model"
  kString,      // 'text' or "text"; text holds the unescaped value
  kNumber,      // 42, -1.5, 1e3; text holds the literal as written
  kOperator,    // = != < <= > >= and the rejected spellings == <>
  kLParen,
  kRParen,
  kComma,
  kEnd,
};

// One dot-separated piece of an identifier: tags.`mlflow.user` has the parts "tags" and
// "mlflow.user" (the second quoted, so its dot is part of the key).
struct IdentifierPart {
  std::string text;
  bool quoted = false;
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t pos = 0;            // byte offset of the token's first byte in the input
  std::string_view source;   // the token's bytes as written (a view into the input)
  std::string text;          // kString: unescaped value; kNumber, kOperator: as written
  std::vector<IdentifierPart> parts;  // kIdentifier only

  // True for a bare (unquoted, single-part) identifier equal to `upper` ignoring ASCII case.
  bool IsKeyword(std::string_view upper) const;
};

// Splits `input` into tokens; the last token is kEnd (pos == input.size()).
// Errors (kInvalidArgument): invalid UTF-8, an unexpected character, an unterminated string
// or quoted identifier, a malformed number, a dot not followed by a key.
// Inside quotes a doubled quote character or a backslash before a quote character or a
// backslash stands for that character; any other backslash is kept as written, so regular
// expressions such as '^v[0-9]+\.[0-9]+' need no doubling.
Result<std::vector<Token>> Lex(std::string_view input);

// The error every syntax problem becomes: kInvalidArgument "<what> at position N[. <detail>]".
Status SyntaxError(size_t pos, std::string_view what, std::string_view detail = {});

// For error messages: the 1-based position text ("position 7"), and a short, printable,
// single-quoted excerpt of user text (control characters replaced, long text cut at a UTF-8
// character boundary).
std::string PositionText(size_t pos);
std::string Excerpt(std::string_view text);

// Describes a token for "found ..." in error messages: "'foo'", "string 'a b'", "the end
// of the filter".
std::string DescribeToken(const Token& token);

}  // namespace tracelake::query::internal
