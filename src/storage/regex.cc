#include "storage/regex.h"

#include <memory>
#include <string>

namespace tracelake::storage {
namespace {

using Range = Regex::Range;
using Inst = Regex::Inst;
using Op = Regex::Inst::Op;

constexpr uint32_t kUnbounded = UINT32_MAX;
constexpr uint32_t kMaxRepeat = 1000;

// Decodes one UTF-8 character at s[i], advancing i. Invalid bytes decode as themselves.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
  if (len <= 1 || i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return b0;
  }
  uint32_t cp = b0 & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xc0) != 0x80) {
      ++i;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  i += static_cast<size_t>(len);
  return cp;
}

struct Node {
  enum class Kind { kClass, kCat, kAlt, kRepeat, kBol, kEol } kind;
  bool negate = false;
  std::vector<Range> ranges;
  std::vector<std::unique_ptr<Node>> children;
  uint32_t min = 0, max = 0;
};

std::unique_ptr<Node> MakeNode(Node::Kind kind) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  return n;
}

// \d \w \s (and the negated \D \W \S, which set negate) as code point ranges.
void AddShorthand(char c, std::vector<Range>& out, bool& negate) {
  const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  negate = lower != c;
  switch (lower) {
    case 'd': out.push_back({'0', '9'}); break;
    case 'w':
      out.push_back({'0', '9'});
      out.push_back({'A', 'Z'});
      out.push_back({'a', 'z'});
      out.push_back({'_', '_'});
      break;
    case 's':
      out.push_back({' ', ' '});
      out.push_back({'\t', '\r'});  // \t \n \v \f \r
      break;
    default: break;
  }
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  Result<std::unique_ptr<Node>> Parse() {
    ASSIGN_OR_RETURN(auto node, Alt(0));
    if (pos_ != p_.size()) return Error("unbalanced ')'");
    return node;
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError("Invalid RLIKE pattern at position " + std::to_string(pos_ + 1) +
                                ": " + what);
  }
  bool AtEnd() const { return pos_ >= p_.size(); }

  Result<std::unique_ptr<Node>> Alt(int depth) {
    if (depth > 100) return Error("groups nested too deeply");
    auto alt = MakeNode(Node::Kind::kAlt);
    for (;;) {
      auto seq = MakeNode(Node::Kind::kCat);
      while (!AtEnd() && p_[pos_] != '|' && p_[pos_] != ')') {
        ASSIGN_OR_RETURN(auto item, Repeat(depth));
        seq->children.push_back(std::move(item));
      }
      alt->children.push_back(std::move(seq));
      if (AtEnd() || p_[pos_] != '|') break;
      ++pos_;
    }
    if (alt->children.size() == 1) return std::move(alt->children[0]);
    return alt;
  }

  Result<std::unique_ptr<Node>> Repeat(int depth) {
    ASSIGN_OR_RETURN(auto atom, Atom(depth));
    if (AtEnd()) return atom;
    uint32_t min = 0, max = 0;
    const char c = p_[pos_];
    if (c == '*') min = 0, max = kUnbounded, ++pos_;
    else if (c == '+') min = 1, max = kUnbounded, ++pos_;
    else if (c == '?') min = 0, max = 1, ++pos_;
    else if (c == '{' && Braces(min, max)) {}
    else return atom;
    if (atom->kind == Node::Kind::kBol || atom->kind == Node::Kind::kEol)
      return Error("nothing to repeat");
    if (!AtEnd() && p_[pos_] == '?') ++pos_;  // lazy: same set of matching texts
    uint32_t ignored_min = 0, ignored_max = 0;
    if (!AtEnd() && (p_[pos_] == '*' || p_[pos_] == '+' || p_[pos_] == '?' ||
                     (p_[pos_] == '{' && Braces(ignored_min, ignored_max))))
      return Error("multiple repeat");
    if (min > kMaxRepeat || (max != kUnbounded && max > kMaxRepeat))
      return Error("repeat count over " + std::to_string(kMaxRepeat));
    auto rep = MakeNode(Node::Kind::kRepeat);
    rep->min = min;
    rep->max = max;
    rep->children.push_back(std::move(atom));
    return rep;
  }

  // "{m}", "{m,}", "{m,n}"; anything else leaves '{' to be read as a literal.
  bool Braces(uint32_t& min, uint32_t& max) {
    size_t i = pos_ + 1;
    auto number = [&](uint32_t& out) {
      const size_t start = i;
      uint64_t v = 0;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9' && v <= 100000) v = v * 10 + (p_[i++] - '0');
      out = static_cast<uint32_t>(std::min<uint64_t>(v, 100000));
      return i > start;
    };
    if (!number(min)) return false;
    max = min;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      if (!number(max)) max = kUnbounded;
    }
    if (i >= p_.size() || p_[i] != '}' || (max != kUnbounded && max < min)) return false;
    pos_ = i + 1;
    return true;
  }

  Result<std::unique_ptr<Node>> Atom(int depth) {
    const char c = p_[pos_];
    if (c == '(') {
      ++pos_;
      if (!AtEnd() && p_[pos_] == '?') {
        if (pos_ + 1 < p_.size() && p_[pos_ + 1] == ':') pos_ += 2;
        else return Error("only (?:...) groups are supported");
      }
      ASSIGN_OR_RETURN(auto inner, Alt(depth + 1));
      if (AtEnd() || p_[pos_] != ')') return Error("missing ')'");
      ++pos_;
      return inner;
    }
    if (c == '*' || c == '+' || c == '?') return Error("nothing to repeat");
    ++pos_;
    if (c == '^') return MakeNode(Node::Kind::kBol);
    if (c == '$') return MakeNode(Node::Kind::kEol);
    auto cls = MakeNode(Node::Kind::kClass);
    if (c == '.') {
      cls->negate = true;
      cls->ranges.push_back({'\n', '\n'});
      return cls;
    }
    if (c == '[') {
      RETURN_IF_ERROR(Class(*cls));
      return cls;
    }
    if (c == '\\') {
      ASSIGN_OR_RETURN(uint32_t lit, Escape(cls->ranges, cls->negate));
      if (lit != kUnbounded) cls->ranges.push_back({lit, lit});
      return cls;
    }
    --pos_;
    const uint32_t cp = NextCodePoint(p_, pos_);
    cls->ranges.push_back({cp, cp});
    return cls;
  }

  // After a backslash: a shorthand class (ranges added, returns kUnbounded) or a literal.
  Result<uint32_t> Escape(std::vector<Range>& ranges, bool& negate) {
    if (AtEnd()) return Error("trailing backslash");
    const char e = p_[pos_++];
    switch (e) {
      case 'd': case 'w': case 's': case 'D': case 'W': case 'S':
        AddShorthand(e, ranges, negate);
        return kUnbounded;
      case 'n': return uint32_t{'\n'};
      case 't': return uint32_t{'\t'};
      case 'r': return uint32_t{'\r'};
      case 'f': return uint32_t{'\f'};
      case 'v': return uint32_t{'\v'};
      default: break;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
      return Error(std::string("unsupported escape \\") + e);
    --pos_;
    return NextCodePoint(p_, pos_);
  }

  Status Class(Node& cls) {
    if (!AtEnd() && p_[pos_] == '^') {
      cls.negate = true;
      ++pos_;
    }
    bool first = true;
    for (;;) {
      if (AtEnd()) return Error("missing ']'");
      if (p_[pos_] == ']' && !first) {
        ++pos_;
        return OkStatus();
      }
      first = false;
      uint32_t lo;
      if (p_[pos_] == '\\') {
        ++pos_;
        bool shorthand_negated = false;
        std::vector<Range> shorthand;
        ASSIGN_OR_RETURN(lo, Escape(shorthand, shorthand_negated));
        if (lo == kUnbounded) {
          if (shorthand_negated) return Error("negated shorthand inside [...] is not supported");
          cls.ranges.insert(cls.ranges.end(), shorthand.begin(), shorthand.end());
          continue;
        }
      } else {
        lo = NextCodePoint(p_, pos_);
      }
      uint32_t hi = lo;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        if (p_[pos_] == '\\') {
          ++pos_;
          bool ignored = false;
          std::vector<Range> none;
          ASSIGN_OR_RETURN(hi, Escape(none, ignored));
          if (hi == kUnbounded) return Error("bad character range");
        } else {
          hi = NextCodePoint(p_, pos_);
        }
        if (hi < lo) return Error("bad character range");
      }
      cls.ranges.push_back({lo, hi});
    }
  }

  std::string_view p_;
  size_t pos_ = 0;
};

}  // namespace

class RegexCompiler {
 public:
  explicit RegexCompiler(Regex& re) : re_(re) {}

  Status Emit(const Node& n) {
    if (re_.prog_.size() > Regex::kMaxProgramSize) return TooBig();
    switch (n.kind) {
      case Node::Kind::kClass:
        re_.prog_.push_back({Op::kClass, n.negate, static_cast<uint32_t>(re_.ranges_.size()),
                             static_cast<uint32_t>(n.ranges.size())});
        re_.ranges_.insert(re_.ranges_.end(), n.ranges.begin(), n.ranges.end());
        return OkStatus();
      case Node::Kind::kBol: re_.prog_.push_back({Op::kBol}); return OkStatus();
      case Node::Kind::kEol: re_.prog_.push_back({Op::kEol}); return OkStatus();
      case Node::Kind::kCat:
        for (const auto& c : n.children) RETURN_IF_ERROR(Emit(*c));
        return OkStatus();
      case Node::Kind::kAlt: {
        std::vector<size_t> jumps;
        for (size_t i = 0; i < n.children.size(); ++i) {
          const bool last = i + 1 == n.children.size();
          const size_t split = re_.prog_.size();
          if (!last) re_.prog_.push_back({Op::kSplit, false, static_cast<uint32_t>(split + 1), 0});
          RETURN_IF_ERROR(Emit(*n.children[i]));
          if (!last) {
            jumps.push_back(re_.prog_.size());
            re_.prog_.push_back({Op::kJmp});
            re_.prog_[split].count = static_cast<uint32_t>(re_.prog_.size());
          }
        }
        for (size_t j : jumps) re_.prog_[j].first = static_cast<uint32_t>(re_.prog_.size());
        return OkStatus();
      }
      case Node::Kind::kRepeat: {
        const Node& body = *n.children[0];
        for (uint32_t i = 0; i < n.min; ++i) RETURN_IF_ERROR(Emit(body));
        if (n.max == kUnbounded) {
          const size_t split = re_.prog_.size();
          re_.prog_.push_back({Op::kSplit, false, static_cast<uint32_t>(split + 1), 0});
          RETURN_IF_ERROR(Emit(body));
          re_.prog_.push_back({Op::kJmp, false, static_cast<uint32_t>(split), 0});
          re_.prog_[split].count = static_cast<uint32_t>(re_.prog_.size());
          return OkStatus();
        }
        std::vector<size_t> splits;
        for (uint32_t i = n.min; i < n.max; ++i) {
          splits.push_back(re_.prog_.size());
          re_.prog_.push_back({Op::kSplit, false, static_cast<uint32_t>(re_.prog_.size() + 1), 0});
          RETURN_IF_ERROR(Emit(body));
        }
        for (size_t s : splits) re_.prog_[s].count = static_cast<uint32_t>(re_.prog_.size());
        return OkStatus();
      }
    }
    return OkStatus();
  }

  static Status TooBig() {
    return InvalidArgumentError("RLIKE pattern is too complex (expands to over " +
                                std::to_string(Regex::kMaxProgramSize) + " steps)");
  }

 private:
  Regex& re_;
};

Result<Regex> Regex::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes)
    return InvalidArgumentError("RLIKE pattern is longer than " + std::to_string(kMaxPatternBytes) +
                                " bytes");
  ASSIGN_OR_RETURN(auto tree, Parser(pattern).Parse());
  Regex re;
  RETURN_IF_ERROR(RegexCompiler(re).Emit(*tree));
  re.prog_.push_back({Op::kMatch});
  if (re.prog_.size() > kMaxProgramSize) return RegexCompiler::TooBig();
  return re;
}

bool Regex::Search(std::string_view text) const {
  const size_t n = prog_.size();
  // Two thread lists (program counters) and a per-step mark so each pc is added once.
  std::vector<uint32_t> clist, nlist, stack;
  std::vector<uint64_t> mark(n, 0);
  uint64_t step = 0;
  clist.reserve(n);
  nlist.reserve(n);
  auto add = [&](std::vector<uint32_t>& list, uint32_t start, size_t pos) {
    stack.clear();
    stack.push_back(start);
    while (!stack.empty()) {
      const uint32_t pc = stack.back();
      stack.pop_back();
      if (mark[pc] == step) continue;
      mark[pc] = step;
      const Inst& in = prog_[pc];
      switch (in.op) {
        case Op::kJmp: stack.push_back(in.first); break;
        case Op::kSplit:
          stack.push_back(in.count);
          stack.push_back(in.first);
          break;
        case Op::kBol:
          if (pos == 0) stack.push_back(pc + 1);
          break;
        case Op::kEol:
          if (pos == text.size() || (pos + 1 == text.size() && text[pos] == '\n'))
            stack.push_back(pc + 1);
          break;
        default: list.push_back(pc);
      }
    }
  };
  size_t pos = 0;
  ++step;
  add(clist, 0, 0);
  for (;;) {
    for (uint32_t pc : clist)
      if (prog_[pc].op == Op::kMatch) return true;
    if (pos >= text.size()) return false;
    size_t next = pos;
    const uint32_t cp = NextCodePoint(text, next);
    ++step;
    nlist.clear();
    for (uint32_t pc : clist) {
      const Inst& in = prog_[pc];
      if (in.op != Op::kClass) continue;
      bool hit = false;
      for (uint32_t r = in.first; r < in.first + in.count && !hit; ++r)
        hit = cp >= ranges_[r].lo && cp <= ranges_[r].hi;
      if (hit != in.negate) add(nlist, pc + 1, next);
    }
    add(nlist, 0, next);  // search: a match may start at every position
    std::swap(clist, nlist);
    pos = next;
  }
}

}  // namespace tracelake::storage
