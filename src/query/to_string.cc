// Canonical text of a filter AST. The output is itself a valid filter: ParseFilter of it
// yields an equal tree, which the round-trip tests and the fuzzer check.
#include <charconv>
#include <string>

#include "query/fields.h"
#include "query/filter.h"

namespace tracelake::query {
namespace {

// Single quotes, with the quote and the backslash escaped by a backslash (lexer.h).
void AppendString(std::string_view s, std::string& out) {
  out += '\'';
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

// Shortest text that reads back as the same double.
void AppendNumber(double d, std::string& out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendComparison(const Comparison& c, std::string& out) {
  out += internal::CanonicalFieldName(c.field);
  out += ' ';
  out += OpName(c.op);
  if (const auto* d = std::get_if<double>(&c.value)) {
    out += ' ';
    AppendNumber(*d, out);
  } else if (const auto* s = std::get_if<std::string>(&c.value)) {
    out += ' ';
    AppendString(*s, out);
  } else if (const auto* list = std::get_if<std::vector<std::string>>(&c.value)) {
    out += " (";
    for (size_t i = 0; i < list->size(); ++i) {
      if (i > 0) out += ", ";
      AppendString((*list)[i], out);
    }
    out += ')';
  }
}

// Recursion depth is bounded by the tree depth, which ParseFilter caps at kMaxFilterDepth.
void Append(const Expr& e, std::string& out) {
  if (e.kind == Expr::Kind::kComparison) {
    AppendComparison(e.comparison, out);
    return;
  }
  const char* glue = e.kind == Expr::Kind::kAnd ? " AND " : " OR ";
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i > 0) out += glue;
    const Expr& child = *e.children[i];
    const bool group = child.kind != Expr::Kind::kComparison;
    if (group) out += '(';
    Append(child, out);
    if (group) out += ')';
  }
}

}  // namespace

std::string ToString(const Expr& expr) {
  std::string out;
  Append(expr, out);
  return out;
}

}  // namespace tracelake::query
