// Lexer and recursive-descent parser for the trace search language (docs/search.md).
//   filter     := or_expr
//   or_expr    := and_expr ( OR and_expr )*
//   and_expr   := primary ( AND primary )*
//   primary    := '(' or_expr ')' | comparison
//   comparison := identifier op value | identifier (NOT)? IN '(' value (',' value)* ')'
//                 | identifier IS (NOT)? NULL
#include "query/filter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace tracelake::query {
namespace {

constexpr size_t kMaxFilterBytes = 64 * 1024;
constexpr int kMaxDepth = 64;
constexpr int kMaxComparisons = 1000;

enum class Tok { kIdent, kString, kNumber, kOp, kLParen, kRParen, kComma, kEnd };

struct Token {
  Tok kind;
  std::string text;  // identifier (may contain dots/backtick parts), unquoted string, op
  size_t pos;
  bool quoted_ident = false;
};

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status Error(size_t pos, const std::string& msg) {
  return InvalidArgumentError("Invalid filter at position " + std::to_string(pos) + ": " + msg);
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    if (c == '(') { out.push_back({Tok::kLParen, "(", i++}); continue; }
    if (c == ')') { out.push_back({Tok::kRParen, ")", i++}); continue; }
    if (c == ',') { out.push_back({Tok::kComma, ",", i++}); continue; }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      ++i;
      if (i < s.size() && s[i] == '=') op += s[i++];
      if (op == "!") return Error(start, "expected '!='");
      if (op == "==") op = "=";
      out.push_back({Tok::kOp, op, start});
      continue;
    }
    if (c == '\'' || c == '"') {
      // String literal; a doubled quote or a backslash escapes the quote character.
      std::string v;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          v += s[i + 1];
          i += 2;
        } else if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {
            v += c;
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          v += s[i++];
        }
      }
      if (!closed) return Error(start, "unterminated string literal");
      out.push_back({Tok::kString, v, start});
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || ((c == '-' || c == '+' || c == '.') && i + 1 < s.size() &&
                                                        std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      ++i;
      while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == 'e' ||
                              s[i] == 'E' || ((s[i] == '-' || s[i] == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
        ++i;
      out.push_back({Tok::kNumber, std::string(s.substr(start, i - start)), start});
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '`') {
      // Identifier with dot-separated parts; a part may be `backtick quoted` or "double quoted"
      // after a dot (tags.`mlflow.user`, metadata."a b").
      std::string ident;
      bool quoted = false;
      while (i < s.size()) {
        if (s[i] == '`' || ((s[i] == '"') && !ident.empty() && ident.back() == '.')) {
          char q = s[i];
          size_t e = s.find(q, i + 1);
          if (e == std::string_view::npos) return Error(i, "unterminated quoted identifier");
          ident += std::string(s.substr(i + 1, e - i - 1));
          quoted = true;
          i = e + 1;
        } else if (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.' || s[i] == '-' ||
                   s[i] == ':' || s[i] == '/') {
          ident += s[i++];
        } else {
          break;
        }
      }
      out.push_back({Tok::kIdent, ident, start, quoted});
      continue;
    }
    return Error(i, std::string("unexpected character '") + c + "'");
  }
  out.push_back({Tok::kEnd, "", s.size()});
  return out;
}

struct FieldInfo {
  FieldKind kind;
  bool numeric;
};

// Splits "prefix.rest" and maps it to a field.
Result<Field> ResolveField(const Token& t, bool* numeric) {
  std::string ident = t.text;
  *numeric = false;
  static const std::map<std::string, FieldInfo> kAttrs = {
      {"status", {FieldKind::kStatus, false}},           {"state", {FieldKind::kStatus, false}},
      {"timestamp_ms", {FieldKind::kTimestampMs, true}}, {"timestamp", {FieldKind::kTimestampMs, true}},
      {"execution_time_ms", {FieldKind::kExecutionTimeMs, true}},
      {"execution_time", {FieldKind::kExecutionTimeMs, true}},
      {"end_time_ms", {FieldKind::kEndTimeMs, true}},    {"name", {FieldKind::kName, false}},
      {"request_id", {FieldKind::kTraceId, false}},      {"trace_id", {FieldKind::kTraceId, false}},
      {"run_id", {FieldKind::kRunId, false}},            {"client_request_id", {FieldKind::kClientRequestId, false}},
      {"text", {FieldKind::kText, false}},               {"prompt", {FieldKind::kPromptRef, false}},
  };
  auto attr = [&](const std::string& name) -> Result<Field> {
    auto it = kAttrs.find(name);
    if (it == kAttrs.end())
      return Error(t.pos, "unknown attribute '" + name +
                              "'. Valid: status, timestamp_ms, execution_time_ms, end_time_ms, name, "
                              "trace_id, run_id, client_request_id, text");
    *numeric = it->second.numeric;
    return Field{it->second.kind, ""};
  };
  auto dot = ident.find('.');
  if (dot == std::string::npos) return attr(ident);
  std::string prefix = ident.substr(0, dot);
  std::string rest = ident.substr(dot + 1);
  std::string lp = prefix;
  std::transform(lp.begin(), lp.end(), lp.begin(), [](unsigned char c) { return std::tolower(c); });
  if (rest.empty()) return Error(t.pos, "missing key after '" + prefix + ".'");
  if (lp == "attributes" || lp == "attribute" || lp == "attr" || lp == "trace") return attr(rest);
  if (lp == "tags" || lp == "tag") return Field{FieldKind::kTag, rest};
  if (lp == "metadata" || lp == "request_metadata") return Field{FieldKind::kMetadata, rest};
  if (lp == "feedback") return Field{FieldKind::kFeedback, rest};
  if (lp == "expectation") return Field{FieldKind::kExpectation, rest};
  if (lp == "span") {
    if (rest == "name") return Field{FieldKind::kSpanName, ""};
    if (rest == "type") return Field{FieldKind::kSpanType, ""};
    if (rest == "content") return Field{FieldKind::kSpanContent, ""};
    if (rest.rfind("attributes.", 0) == 0 && rest.size() > 11) return Field{FieldKind::kSpanAttribute, rest.substr(11)};
    return Error(t.pos, "unknown span field '" + rest + "'. Valid: span.name, span.type, span.content, span.attributes.<key>");
  }
  return Error(t.pos, "unknown identifier '" + ident +
                          "'. Use attributes.<name>, tags.<key>, metadata.<key>, span.<field>, "
                          "feedback.<name> or expectation.<name>");
}

const char* OpName(Op op) {
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

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<std::unique_ptr<Expr>> ParseAll() {
    ASSIGN_OR_RETURN(auto e, ParseOr(0));
    if (Peek().kind != Tok::kEnd) return Error(Peek().pos, "unexpected '" + Peek().text + "'; expected AND, OR or end");
    return e;
  }

 private:
  const Token& Peek() const { return toks_[i_]; }
  const Token& Next() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  bool Keyword(const char* kw) const { return Peek().kind == Tok::kIdent && !Peek().quoted_ident && Upper(Peek().text) == kw; }

  Result<std::unique_ptr<Expr>> Combine(Expr::Kind kind, std::vector<std::unique_ptr<Expr>> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->children = std::move(parts);
    return e;
  }

  Result<std::unique_ptr<Expr>> ParseOr(int depth) {
    if (depth > kMaxDepth) return Error(Peek().pos, "filter nested deeper than 64 levels");
    std::vector<std::unique_ptr<Expr>> parts;
    ASSIGN_OR_RETURN(auto first, ParseAnd(depth));
    parts.push_back(std::move(first));
    while (Keyword("OR")) {
      Next();
      ASSIGN_OR_RETURN(auto next, ParseAnd(depth));
      parts.push_back(std::move(next));
    }
    return Combine(Expr::Kind::kOr, std::move(parts));
  }

  Result<std::unique_ptr<Expr>> ParseAnd(int depth) {
    std::vector<std::unique_ptr<Expr>> parts;
    ASSIGN_OR_RETURN(auto first, ParsePrimary(depth));
    parts.push_back(std::move(first));
    while (Keyword("AND")) {
      Next();
      ASSIGN_OR_RETURN(auto next, ParsePrimary(depth));
      parts.push_back(std::move(next));
    }
    return Combine(Expr::Kind::kAnd, std::move(parts));
  }

  Result<std::unique_ptr<Expr>> ParsePrimary(int depth) {
    if (Peek().kind == Tok::kLParen) {
      Next();
      ASSIGN_OR_RETURN(auto e, ParseOr(depth + 1));
      if (Peek().kind != Tok::kRParen) return Error(Peek().pos, "expected ')'");
      Next();
      return e;
    }
    return ParseComparison();
  }

  Result<std::unique_ptr<Expr>> ParseComparison() {
    if (++comparisons_ > kMaxComparisons) return Error(Peek().pos, "more than 1000 comparisons");
    const Token ident = Next();
    if (ident.kind != Tok::kIdent) {
      return Error(ident.pos, ident.kind == Tok::kEnd ? "expected a comparison, found end of filter"
                                                      : "expected an identifier, found '" + ident.text + "'");
    }
    bool numeric = false;
    ASSIGN_OR_RETURN(Field field, ResolveField(ident, &numeric));
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kComparison;
    Comparison& c = e->comparison;
    c.field = field;
    const Token op = Next();
    std::string up = op.kind == Tok::kIdent ? Upper(op.text) : op.text;
    if (op.kind == Tok::kOp) {
      c.op = up == "=" ? Op::kEq : up == "!=" ? Op::kNe : up == "<" ? Op::kLt : up == "<=" ? Op::kLe
             : up == ">" ? Op::kGt : up == ">=" ? Op::kGe : Op::kNe;
      if (up == "<>") c.op = Op::kNe;
    } else if (op.kind == Tok::kIdent && (up == "LIKE" || up == "ILIKE" || up == "RLIKE")) {
      c.op = up == "LIKE" ? Op::kLike : up == "ILIKE" ? Op::kILike : Op::kRLike;
    } else if (op.kind == Tok::kIdent && up == "IN") {
      c.op = Op::kIn;
    } else if (op.kind == Tok::kIdent && up == "NOT" && Keyword("IN")) {
      Next();
      c.op = Op::kNotIn;
    } else if (op.kind == Tok::kIdent && up == "IS") {
      bool negated = false;
      if (Keyword("NOT")) {
        Next();
        negated = true;
      }
      if (!Keyword("NULL")) return Error(Peek().pos, "expected NULL after IS");
      Next();
      if (field.kind != FieldKind::kTag && field.kind != FieldKind::kMetadata)
        return Error(op.pos, "IS NULL is only supported for tags and metadata");
      c.op = negated ? Op::kIsNotNull : Op::kIsNull;
      return e;
    } else {
      return Error(op.pos, "expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after '" +
                               ident.text + "'");
    }
    if (c.op == Op::kIn || c.op == Op::kNotIn) {
      if (numeric) return Error(op.pos, "IN is not supported for numeric attribute '" + ident.text + "'");
      if (Next().kind != Tok::kLParen) return Error(op.pos, "expected '(' after IN");
      std::vector<std::string> values;
      while (true) {
        const Token v = Next();
        if (v.kind != Tok::kString) return Error(v.pos, "IN list values must be quoted strings");
        values.push_back(v.text);
        const Token sep = Next();
        if (sep.kind == Tok::kRParen) break;
        if (sep.kind != Tok::kComma) return Error(sep.pos, "expected ',' or ')' in IN list");
      }
      c.value = std::move(values);
    } else {
      const Token v = Next();
      if (numeric) {
        if (v.kind != Tok::kNumber) return Error(v.pos, "attribute '" + ident.text + "' needs a number");
        if (c.op == Op::kLike || c.op == Op::kILike || c.op == Op::kRLike)
          return Error(op.pos, std::string("Invalid comparator '") + OpName(c.op) + "' for numeric attribute '" +
                                   ident.text + "'. Allowed: =, !=, <, <=, >, >=");
        double d = 0;
        auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
        if (ec != std::errc() || p != v.text.data() + v.text.size()) return Error(v.pos, "invalid number '" + v.text + "'");
        c.value = d;
      } else {
        if (v.kind != Tok::kString) return Error(v.pos, "value for '" + ident.text + "' must be a quoted string");
        if (c.op == Op::kLt || c.op == Op::kLe || c.op == Op::kGt || c.op == Op::kGe)
          return Error(op.pos, std::string("Invalid comparator '") + OpName(c.op) + "' for string attribute '" +
                                   ident.text + "'. Allowed: =, !=, LIKE, ILIKE, IN, NOT IN");
        std::string value = v.text;
        if (field.kind == FieldKind::kStatus) {
          value = Upper(value);
          if (value != "OK" && value != "ERROR" && value != "IN_PROGRESS" && value != "STATE_UNSPECIFIED")
            return Error(v.pos, "status must be one of OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED");
          if (c.op != Op::kEq && c.op != Op::kNe) return Error(op.pos, "status supports = and != only");
        }
        c.value = std::move(value);
      }
    }
    if (field.kind == FieldKind::kStatus && std::holds_alternative<std::vector<std::string>>(c.value)) {
      for (auto& s : std::get<std::vector<std::string>>(c.value)) s = Upper(s);
    }
    return e;
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int comparisons_ = 0;
};

void Print(const Expr& e, std::string& out) {
  if (e.kind == Expr::Kind::kComparison) {
    const Comparison& c = e.comparison;
    out += std::to_string(static_cast<int>(c.field.kind));
    if (!c.field.key.empty()) out += "." + c.field.key;
    out += std::string(" ") + OpName(c.op);
    if (const auto* d = std::get_if<double>(&c.value)) out += " " + std::to_string(*d);
    if (const auto* s = std::get_if<std::string>(&c.value)) out += " '" + *s + "'";
    if (const auto* l = std::get_if<std::vector<std::string>>(&c.value)) {
      out += " (";
      for (size_t i = 0; i < l->size(); ++i) out += (i ? ", '" : "'") + (*l)[i] + "'";
      out += ")";
    }
    return;
  }
  out += "(";
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i) out += e.kind == Expr::Kind::kAnd ? " AND " : " OR ";
    Print(*e.children[i], out);
  }
  out += ")";
}

}  // namespace

Result<std::unique_ptr<Expr>> ParseFilter(std::string_view text) {
  if (text.size() > kMaxFilterBytes) return InvalidArgumentError("Filter is longer than 64 KiB");
  ASSIGN_OR_RETURN(auto toks, Lex(text));
  if (toks.size() == 1) return std::unique_ptr<Expr>();
  return Parser(std::move(toks)).ParseAll();
}

std::string ToString(const Expr& e) {
  std::string out;
  Print(e, out);
  return out;
}

Result<std::vector<OrderBy>> ParseOrderBy(const std::vector<std::string>& clauses) {
  std::vector<OrderBy> out;
  for (const auto& clause : clauses) {
    std::string c = clause;
    size_t b = c.find_first_not_of(' '), e = c.find_last_not_of(' ');
    if (b == std::string::npos) return InvalidArgumentError("Empty order_by clause");
    c = c.substr(b, e - b + 1);
    OrderBy o;
    std::string field = c, dir;
    if (auto sp = c.rfind(' '); sp != std::string::npos) {
      field = c.substr(0, c.find(' '));
      dir = Upper(c.substr(sp + 1));
      std::string middle = c.substr(field.size(), sp - field.size());
      if (middle.find_first_not_of(' ') != std::string::npos)
        return InvalidArgumentError("Invalid order_by clause '" + clause + "'");
      if (dir != "ASC" && dir != "DESC")
        return InvalidArgumentError("Invalid order_by direction in '" + clause + "': use ASC or DESC");
    }
    o.ascending = dir == "ASC";
    for (const char* prefix : {"attributes.", "attribute.", "trace."})
      if (field.rfind(prefix, 0) == 0) field = field.substr(std::string_view(prefix).size());
    if (field == "timestamp_ms" || field == "timestamp" || field == "request_time") o.field = OrderField::kTimestampMs;
    else if (field == "execution_time_ms" || field == "execution_time") o.field = OrderField::kExecutionTimeMs;
    else if (field == "status" || field == "state") o.field = OrderField::kStatus;
    else if (field == "name") o.field = OrderField::kName;
    else if (field == "request_id" || field == "trace_id") o.field = OrderField::kTraceId;
    else
      return InvalidArgumentError("Invalid order_by field '" + field +
                                  "'. Valid: timestamp_ms, execution_time_ms, status, name, trace_id");
    out.push_back(o);
  }
  return out;
}

}  // namespace tracelake::query
