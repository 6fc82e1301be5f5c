// Recursive-descent parser for the trace search language (docs/search.md):
//
//   filter     := or_expr <end>
//   or_expr    := and_expr ( OR and_expr )*
//   and_expr   := primary ( AND primary )*
//   primary    := '(' or_expr ')' | comparison
//   comparison := identifier op value
//               | identifier [NOT] IN '(' string ( ',' string )* ')'
//               | identifier IS [NOT] NULL
//
// Recursion happens only at '(' and is capped at kMaxFilterDepth, so hostile nesting costs
// at most ~3 * 64 stack frames; comparisons are capped at kMaxFilterComparisons.
#include "query/filter.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "common/ids.h"
#include "query/fields.h"
#include "query/lexer.h"

namespace tracelake::query {
namespace {

using internal::DescribeToken;
using internal::Excerpt;
using internal::FieldSpec;
using internal::PositionText;
using internal::SyntaxError;
using internal::Token;
using internal::TokenKind;
using internal::ValueKind;

std::string AsciiUpper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Appends `child` to a node of `kind`, splicing the child's own children when it is of the
// same kind, so "(a AND b) AND c" becomes AND(a, b, c).
void AppendFlattened(Expr::Kind kind, std::unique_ptr<Expr> child,
                     std::vector<std::unique_ptr<Expr>>& out) {
  if (child->kind == kind) {
    for (auto& grandchild : child->children) out.push_back(std::move(grandchild));
  } else {
    out.push_back(std::move(child));
  }
}

// Checks and normalizes one string value for the field's value kind.
Result<std::string> NormalizeString(const FieldSpec& spec, const Token& value_token) {
  const std::string& v = value_token.text;
  switch (spec.value_kind) {
    case ValueKind::kStatus: {
      std::string upper = AsciiUpper(v);
      if (upper == "UNSPECIFIED") upper = "STATE_UNSPECIFIED";  // MLflow 2 TraceStatus name
      if (upper != "OK" && upper != "ERROR" && upper != "IN_PROGRESS" &&
          upper != "STATE_UNSPECIFIED") {
        return SyntaxError(value_token.pos, "Invalid trace status " + Excerpt(v),
                           "Allowed: OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED");
      }
      return upper;
    }
    case ValueKind::kTraceId: {
      std::optional<TraceId> id = ParseMlflowTraceId(v);
      if (!id) {
        return SyntaxError(value_token.pos, "Invalid trace id " + Excerpt(v),
                           "Expected 'tr-' followed by 32 hex digits");
      }
      return MlflowTraceId(*id);
    }
    case ValueKind::kPrompt: {
      const size_t slash = v.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == v.size() ||
          v.find('/', slash + 1) != std::string::npos) {
        return SyntaxError(value_token.pos, "Invalid prompt " + Excerpt(v),
                           "Prompt filters require prompt = \"name/version\"");
      }
      return v;
    }
    case ValueKind::kString:
    case ValueKind::kNumber:
      break;
  }
  return v;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<std::unique_ptr<Expr>> Parse() {
    ASSIGN_OR_RETURN(std::unique_ptr<Expr> expr, ParseOr(0));
    if (Peek().kind != TokenKind::kEnd) {
      return SyntaxError(Peek().pos, "Unexpected " + DescribeToken(Peek()),
                         "Expected AND, OR or the end of the filter");
    }
    return expr;
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  // Never advances past the trailing kEnd token.
  const Token& Take() {
    const Token& t = tokens_[next_];
    if (next_ + 1 < tokens_.size()) ++next_;
    return t;
  }

  Result<std::unique_ptr<Expr>> ParseOr(int depth) {
    std::vector<std::unique_ptr<Expr>> parts;
    ASSIGN_OR_RETURN(std::unique_ptr<Expr> first, ParseAnd(depth));
    AppendFlattened(Expr::Kind::kOr, std::move(first), parts);
    while (Peek().IsKeyword("OR")) {
      Take();
      ASSIGN_OR_RETURN(std::unique_ptr<Expr> next, ParseAnd(depth));
      AppendFlattened(Expr::Kind::kOr, std::move(next), parts);
    }
    return Combine(Expr::Kind::kOr, std::move(parts));
  }

  Result<std::unique_ptr<Expr>> ParseAnd(int depth) {
    std::vector<std::unique_ptr<Expr>> parts;
    ASSIGN_OR_RETURN(std::unique_ptr<Expr> first, ParsePrimary(depth));
    AppendFlattened(Expr::Kind::kAnd, std::move(first), parts);
    while (Peek().IsKeyword("AND")) {
      Take();
      ASSIGN_OR_RETURN(std::unique_ptr<Expr> next, ParsePrimary(depth));
      AppendFlattened(Expr::Kind::kAnd, std::move(next), parts);
    }
    return Combine(Expr::Kind::kAnd, std::move(parts));
  }

  static std::unique_ptr<Expr> Combine(Expr::Kind kind, std::vector<std::unique_ptr<Expr>> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    auto node = std::make_unique<Expr>();
    node->kind = kind;
    node->children = std::move(parts);
    return node;
  }

  Result<std::unique_ptr<Expr>> ParsePrimary(int depth) {
    if (Peek().kind != TokenKind::kLParen) return ParseComparison();
    const Token& open = Take();
    if (depth + 1 > kMaxFilterDepth) {
      return SyntaxError(open.pos, "Parentheses nested deeper than " +
                                       std::to_string(kMaxFilterDepth) + " levels");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Expr> inner, ParseOr(depth + 1));
    if (Peek().kind != TokenKind::kRParen) {
      return SyntaxError(Peek().pos, "Unexpected " + DescribeToken(Peek()),
                         "Expected AND, OR or ')' to close the '(' at " + PositionText(open.pos));
    }
    Take();
    return inner;
  }

  Result<std::unique_ptr<Expr>> ParseComparison() {
    const Token& lhs = Take();
    if (lhs.kind != TokenKind::kIdentifier || lhs.IsKeyword("AND") || lhs.IsKeyword("OR")) {
      return SyntaxError(lhs.pos, "Expected a comparison such as status = 'OK', found " +
                                      DescribeToken(lhs));
    }
    if (++comparisons_ > kMaxFilterComparisons) {
      return SyntaxError(lhs.pos, "Filter has more than " +
                                      std::to_string(kMaxFilterComparisons) + " comparisons");
    }
    ASSIGN_OR_RETURN(FieldSpec spec, internal::ResolveField(lhs));
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kComparison;
    Comparison& c = node->comparison;
    c.field = spec.field;

    const Token& op_token = Peek();
    ASSIGN_OR_RETURN(c.op, ParseComparator(lhs, spec));
    if (!internal::Contains(spec.ops, c.op)) {
      return SyntaxError(op_token.pos,
                         "Invalid comparator '" + std::string(OpName(c.op)) + "' for " +
                             std::string(spec.description) + " " + Excerpt(lhs.source),
                         "Allowed: " + internal::OpSetText(spec.ops));
    }
    switch (c.op) {
      case Op::kIsNull:
      case Op::kIsNotNull:
        c.value = std::monostate{};
        break;
      case Op::kIn:
      case Op::kNotIn: {
        ASSIGN_OR_RETURN(c.value, ParseList(spec));
        break;
      }
      default: {
        ASSIGN_OR_RETURN(c.value, ParseScalar(lhs, spec, c.op));
        break;
      }
    }
    return node;
  }

  // Consumes the comparator after `lhs`, including the multi-word NOT IN and IS [NOT] NULL.
  Result<Op> ParseComparator(const Token& lhs, const FieldSpec& spec) {
    const Token& t = Take();
    if (t.kind == TokenKind::kOperator) {
      if (t.text == "=") return Op::kEq;
      if (t.text == "!=") return Op::kNe;
      if (t.text == "<") return Op::kLt;
      if (t.text == "<=") return Op::kLe;
      if (t.text == ">") return Op::kGt;
      if (t.text == ">=") return Op::kGe;
      const char* hint = t.text == "==" ? "=" : "!=";
      return SyntaxError(t.pos, "Unknown comparator " + Excerpt(t.text),
                         std::string("Use '") + hint + "'");
    }
    if (t.IsKeyword("LIKE")) return Op::kLike;
    if (t.IsKeyword("ILIKE")) return Op::kILike;
    if (t.IsKeyword("RLIKE")) return Op::kRLike;
    if (t.IsKeyword("IN")) return Op::kIn;
    if (t.IsKeyword("NOT")) {
      if (!Peek().IsKeyword("IN")) {
        return SyntaxError(Peek().pos, "Expected IN after NOT, found " + DescribeToken(Peek()));
      }
      Take();
      return Op::kNotIn;
    }
    if (t.IsKeyword("IS")) {
      bool negated = false;
      if (Peek().IsKeyword("NOT")) {
        Take();
        negated = true;
      }
      if (!Peek().IsKeyword("NULL")) {
        return SyntaxError(Peek().pos,
                           "Expected NULL or NOT NULL after IS, found " + DescribeToken(Peek()));
      }
      Take();
      return negated ? Op::kIsNotNull : Op::kIsNull;
    }
    return SyntaxError(t.pos,
                       "Expected a comparator after " + Excerpt(lhs.source) + ", found " +
                           DescribeToken(t),
                       "Allowed for " + std::string(spec.description) + ": " +
                           internal::OpSetText(spec.ops));
  }

  // Explains why a non-string token cannot be a string value.
  static Status NotAString(const Token& lhs, const FieldSpec& spec, const Token& v, Op op) {
    if (v.kind == TokenKind::kIdentifier) {
      if (v.IsKeyword("NULL") && (op == Op::kEq || op == Op::kNe) &&
          internal::Contains(spec.ops, Op::kIsNull)) {
        return SyntaxError(v.pos, "Unquoted NULL",
                           op == Op::kEq ? "Use IS NULL to test whether " + Excerpt(lhs.source) +
                                               " is missing"
                                         : "Use IS NOT NULL to test whether " +
                                               Excerpt(lhs.source) + " is set");
      }
      return SyntaxError(v.pos, "Unquoted string value " + Excerpt(v.source),
                         "Use either single or double quotes, e.g. " +
                             Excerpt(v.parts.size() == 1 ? v.parts[0].text : "my-value"));
    }
    if (v.kind == TokenKind::kNumber) {
      return SyntaxError(v.pos,
                         "Expected a quoted string value for " + std::string(spec.description) +
                             " " + Excerpt(lhs.source) + ", found number " + Excerpt(v.source),
                         "Quote it, e.g. '" + std::string(v.source) + "'");
    }
    return SyntaxError(v.pos, "Expected a value after " + Excerpt(lhs.source) + " " +
                                  std::string(OpName(op)) + ", found " + DescribeToken(v));
  }

  Result<Value> ParseScalar(const Token& lhs, const FieldSpec& spec, Op op) {
    const Token& v = Take();
    if (spec.value_kind == ValueKind::kNumber) {
      if (v.kind != TokenKind::kNumber) {
        return SyntaxError(v.pos, "Expected a numeric value for numeric attribute " +
                                      Excerpt(lhs.source) + ", found " + DescribeToken(v));
      }
      // from_chars rejects a leading '+'; the lexer has already checked the shape.
      std::string_view digits = v.text;
      if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
      double d = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
      if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(d)) {
        return SyntaxError(v.pos, "Number " + Excerpt(v.source) + " is out of range");
      }
      return Value(d);
    }
    if (v.kind != TokenKind::kString) return NotAString(lhs, spec, v, op);
    ASSIGN_OR_RETURN(std::string s, NormalizeString(spec, v));
    return Value(std::move(s));
  }

  // '(' string (',' string)* ')' after IN / NOT IN.
  Result<Value> ParseList(const FieldSpec& spec) {
    const Token& open = Take();
    if (open.kind != TokenKind::kLParen) {
      return SyntaxError(open.pos, "Expected '(' to start the IN list, found " +
                                       DescribeToken(open));
    }
    std::vector<std::string> values;
    while (true) {
      const Token& v = Take();
      if (v.kind != TokenKind::kString) {
        if (v.kind == TokenKind::kRParen && values.empty()) {
          return SyntaxError(v.pos, "Empty IN list", "Expected one or more quoted strings");
        }
        return SyntaxError(v.pos, "Expected a quoted string in the IN list, found " +
                                      DescribeToken(v));
      }
      ASSIGN_OR_RETURN(std::string s, NormalizeString(spec, v));
      values.push_back(std::move(s));
      const Token& sep = Take();
      if (sep.kind == TokenKind::kRParen) break;
      if (sep.kind != TokenKind::kComma) {
        return SyntaxError(sep.pos, "Expected ',' or ')' in the IN list opened at " +
                                        PositionText(open.pos) + ", found " + DescribeToken(sep));
      }
    }
    return Value(std::move(values));
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  int comparisons_ = 0;
};

}  // namespace

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kLike: return "LIKE";
    case Op::kILike: return "ILIKE";
    case Op::kRLike: return "RLIKE";
    case Op::kIn: return "IN";
    case Op::kNotIn: return "NOT IN";
    case Op::kIsNull: return "IS NULL";
    case Op::kIsNotNull: return "IS NOT NULL";
  }
  return "?";
}

Result<std::unique_ptr<Expr>> ParseFilter(std::string_view text) {
  if (text.size() > kMaxFilterBytes) {
    return InvalidArgumentError("Filter is " + std::to_string(text.size()) +
                                " bytes long; the maximum is " + std::to_string(kMaxFilterBytes));
  }
  ASSIGN_OR_RETURN(std::vector<Token> tokens, internal::Lex(text));
  if (tokens.size() == 1) return std::unique_ptr<Expr>();  // only kEnd: match all
  return Parser(std::move(tokens)).Parse();
}

}  // namespace tracelake::query
