#include "query/lexer.h"

#include <cstdint>

namespace tracelake::query::internal {
namespace {

constexpr size_t kMaxExcerptBytes = 48;

bool IsAsciiAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// Bytes >= 0x80 belong to (already validated) UTF-8 sequences, so bare keys may be non-ASCII.
bool IsWordStart(unsigned char c) { return IsAsciiAlpha(c) || c == '_' || c >= 0x80; }
// '-' is accepted inside bare words (tags.my-key) because the grammar has no arithmetic.
bool IsWordChar(unsigned char c) { return IsWordStart(c) || IsDigit(c) || c == '-'; }
bool IsKeyQuote(char c) { return c == '`' || c == '"' || c == '\''; }

// Returns the offset of the first byte that is not part of a valid UTF-8 sequence, or npos.
// Overlong forms, surrogates and code points above U+10FFFF are invalid.
size_t FindInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// Reads a quoted run starting at input[*i] (the opening quote) into *out and leaves *i after
// the closing quote. Returns false when the input ends first.
bool ReadQuoted(std::string_view input, size_t* i, std::string* out) {
  const char quote = input[*i];
  size_t j = *i + 1;
  while (j < input.size()) {
    const char c = input[j];
    if (c == '\\' && j + 1 < input.size() &&
        (input[j + 1] == quote || input[j + 1] == '\\' || IsKeyQuote(input[j + 1]))) {
      out->push_back(input[j + 1]);
      j += 2;
    } else if (c == quote) {
      if (j + 1 < input.size() && input[j + 1] == quote) {
        out->push_back(quote);
        j += 2;
      } else {
        *i = j + 1;
        return true;
      }
    } else {
      out->push_back(c);
      ++j;
    }
  }
  return false;
}

// [+-]? (digits ('.' digits*)? | '.' digits) ([eE] [+-]? digits)?
Result<size_t> ScanNumber(std::string_view input, size_t start) {
  size_t i = start;
  if (input[i] == '+' || input[i] == '-') ++i;
  while (i < input.size() && IsDigit(input[i])) ++i;
  if (i < input.size() && input[i] == '.') {
    ++i;
    while (i < input.size() && IsDigit(input[i])) ++i;
  }
  if (i < input.size() && (input[i] == 'e' || input[i] == 'E')) {
    size_t j = i + 1;
    if (j < input.size() && (input[j] == '+' || input[j] == '-')) ++j;
    if (j >= input.size() || !IsDigit(input[j])) {
      return SyntaxError(start, "Invalid number " + Excerpt(input.substr(start, j - start)));
    }
    while (j < input.size() && IsDigit(input[j])) ++j;
    i = j;
  }
  if (i < input.size() && (IsWordChar(input[i]) || input[i] == '.')) {
    size_t end = i;
    while (end < input.size() && (IsWordChar(input[end]) || input[end] == '.')) ++end;
    return SyntaxError(start, "Invalid number " + Excerpt(input.substr(start, end - start)));
  }
  return i;
}

// identifier := part ('.' part)* ; part := word | `quoted` | "quoted" | 'quoted'
// The first part may not use ' or " (a leading quote starts a string literal).
Status ScanIdentifier(std::string_view input, size_t* i, Token* token) {
  bool first = true;
  while (true) {
    IdentifierPart part;
    const size_t part_start = *i;
    if (*i < input.size() && (input[*i] == '`' || (!first && IsKeyQuote(input[*i])))) {
      part.quoted = true;
      if (!ReadQuoted(input, i, &part.text)) {
        return SyntaxError(part_start, "Unterminated quoted identifier starting");
      }
    } else if (*i < input.size() && (first ? IsWordStart(input[*i]) : IsWordChar(input[*i]))) {
      while (*i < input.size() && IsWordChar(input[*i])) part.text.push_back(input[(*i)++]);
    } else {
      return SyntaxError(part_start, "Expected a key after '.'");
    }
    token->parts.push_back(std::move(part));
    first = false;
    if (*i < input.size() && input[*i] == '.') {
      ++*i;
      continue;
    }
    return OkStatus();
  }
}

}  // namespace

bool Token::IsKeyword(std::string_view upper) const {
  if (kind != TokenKind::kIdentifier || parts.size() != 1 || parts[0].quoted) return false;
  const std::string& t = parts[0].text;
  if (t.size() != upper.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

Status SyntaxError(size_t pos, std::string_view what, std::string_view detail) {
  std::string message(what);
  message += " at " + PositionText(pos);
  if (!detail.empty()) {
    message += ". ";
    message += detail;
  }
  return InvalidArgumentError(std::move(message));
}

std::string PositionText(size_t pos) { return "position " + std::to_string(pos + 1); }

std::string Excerpt(std::string_view text) {
  std::string out = "'";
  size_t n = text.size();
  bool cut = false;
  if (n > kMaxExcerptBytes) {
    n = kMaxExcerptBytes;
    // Back up to a character boundary so the excerpt stays valid UTF-8.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    cut = true;
  }
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c));
  }
  if (cut) out += "...";
  out += "'";
  return out;
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the filter";
    case TokenKind::kString:
      return "string " + Excerpt(token.source);
    case TokenKind::kNumber:
      return "number " + Excerpt(token.source);
    default:
      return Excerpt(token.source);
  }
}

Result<std::vector<Token>> Lex(std::string_view input) {
  if (size_t bad = FindInvalidUtf8(input); bad != std::string_view::npos) {
    return SyntaxError(bad, "Invalid UTF-8 byte");
  }
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < input.size() && IsSpace(input[i])) ++i;
    Token token;
    token.pos = i;
    if (i == input.size()) {
      token.kind = TokenKind::kEnd;
      tokens.push_back(std::move(token));
      return tokens;
    }
    const char c = input[i];
    const char next = i + 1 < input.size() ? input[i + 1] : '\0';
    if (c == '(' || c == ')' || c == ',') {
      token.kind = c == '(' ? TokenKind::kLParen : c == ')' ? TokenKind::kRParen : TokenKind::kComma;
      ++i;
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      token.kind = TokenKind::kOperator;
      const bool two = (next == '=') || (c == '<' && next == '>');
      if (c == '!' && next != '=') return SyntaxError(i, "Unexpected character '!'", "Did you mean '!='?");
      i += two ? 2 : 1;
      token.text = std::string(input.substr(token.pos, i - token.pos));
    } else if (c == '\'' || c == '"') {
      token.kind = TokenKind::kString;
      if (!ReadQuoted(input, &i, &token.text)) {
        return SyntaxError(token.pos, "Unterminated string literal starting");
      }
    } else if (IsDigit(c) || (c == '.' && IsDigit(next)) ||
               ((c == '-' || c == '+') &&
                (IsDigit(next) || (next == '.' && i + 2 < input.size() && IsDigit(input[i + 2]))))) {
      token.kind = TokenKind::kNumber;
      ASSIGN_OR_RETURN(i, ScanNumber(input, i));
      token.text = std::string(input.substr(token.pos, i - token.pos));
    } else if (c == '`' || IsWordStart(c)) {
      token.kind = TokenKind::kIdentifier;
      RETURN_IF_ERROR(ScanIdentifier(input, &i, &token));
    } else {
      std::string shown = static_cast<unsigned char>(c) < 0x20 || c == 0x7F
                              ? "control character " + std::to_string(static_cast<int>(c))
                              : std::string("character '") + c + "'";
      return SyntaxError(i, "Unexpected " + shown);
    }
    token.source = input.substr(token.pos, i - token.pos);
    tokens.push_back(std::move(token));
  }
}

}  // namespace tracelake::query::internal
