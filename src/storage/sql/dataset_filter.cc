#include "storage/sql/dataset_filter.h"

#include <cctype>
#include <charconv>

namespace tracelake::storage::sql {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

class Parser {
 public:
  Parser(const Dialect& dialect, std::string_view text) : dialect_(dialect), text_(text) {}

  Status Parse(SqlFragment& out) {
    SkipSpace();
    while (!AtEnd()) {
      RETURN_IF_ERROR(Comparison(out));
      SkipSpace();
      if (AtEnd()) break;
      const size_t start = pos_;
      while (!AtEnd() && std::isalpha(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
      if (Upper(text_.substr(start, pos_ - start)) != "AND") {
        pos_ = start;
        return Error("expected AND between comparisons");
      }
      SkipSpace();
    }
    return OkStatus();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
  }
  Status Error(const std::string& what) const {
    return InvalidArgumentError("Invalid dataset filter at position " + std::to_string(pos_ + 1) +
                                ": " + what);
  }
  // A doubled quote inside stands for one (SQL's 'it''s', which MLflow's client writes).
  Status Quoted(std::string& value) {
    const char quote = text_[pos_++];
    value.clear();
    for (;;) {
      const size_t end = text_.find(quote, pos_);
      if (end == std::string_view::npos) return Error("unterminated quoted text");
      value += text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      if (AtEnd() || text_[pos_] != quote) return OkStatus();
      value += quote;
      ++pos_;
    }
  }

  Status Comparison(SqlFragment& out) {
    const size_t start = pos_;
    while (!AtEnd() && IsIdentChar(text_[pos_])) ++pos_;
    std::string ident(text_.substr(start, pos_ - start));
    if (ident.starts_with("attributes.")) ident = ident.substr(11);
    std::string tag_key;
    const bool is_tag = ident.starts_with("tags.") || ident == "tags";
    if (is_tag) {
      tag_key = ident.size() > 5 ? ident.substr(5) : "";
      if (tag_key.empty() && !AtEnd() && (text_[pos_] == '`' || text_[pos_] == '"'))
        RETURN_IF_ERROR(Quoted(tag_key));
      if (tag_key.empty()) return Error("missing tag key after 'tags.'");
    }
    SkipSpace();
    const size_t op_start = pos_;
    while (!AtEnd() && std::string_view("=!<>").find(text_[pos_]) != std::string_view::npos) ++pos_;
    std::string op(text_.substr(op_start, pos_ - op_start));
    if (op.empty()) {
      while (!AtEnd() && std::isalpha(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
      op = Upper(text_.substr(op_start, pos_ - op_start));
    }
    SkipSpace();
    std::string text_value;
    int64_t number = 0;
    bool is_number = false;
    if (!AtEnd() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      RETURN_IF_ERROR(Quoted(text_value));
    } else {
      const char* first = text_.data() + pos_;
      auto [end, ec] = std::from_chars(first, text_.data() + text_.size(), number);
      if (ec != std::errc() || end == first) return Error("expected a quoted string or an integer");
      pos_ += static_cast<size_t>(end - first);
      is_number = true;
    }
    SqlWriter w(dialect_, out);
    if (is_tag || ident == "name" || ident == "created_by" || ident == "last_updated_by") {
      if (op != "=" && op != "!=" && op != "LIKE" && op != "ILIKE")
        return Error("comparator '" + op + "' is not supported for " + ident);
      if (is_number) return Error(ident + " must be compared with a quoted string");
      std::string lhs = "d." + ident;
      if (is_tag) {
        w.sql() +=
            " AND EXISTS (SELECT 1 FROM dataset_tags g WHERE g.dataset_key = d.dataset_key AND "
            "g.key = " +
            w.Param(tag_key) + " AND ";
        lhs = "g.value";
      } else {
        w.sql() += " AND (";
      }
      const std::string value = w.Param(std::move(text_value));
      if (op == "LIKE" || op == "ILIKE")
        w.sql() += dialect_.Like(
            lhs, value, op == "LIKE" ? CaseSensitivity::kSensitive : CaseSensitivity::kInsensitive,
            LikeEscape::kNone);
      else
        w.sql() += lhs + " " + op + " " + value;
      w.sql() += ")";
      return OkStatus();
    }
    if (ident == "created_time" || ident == "last_update_time") {
      if (op != "=" && op != "!=" && op != "<" && op != "<=" && op != ">" && op != ">=")
        return Error("comparator '" + op + "' is not supported for " + ident);
      if (!is_number) return Error(ident + " must be compared with an integer");
      w.sql() += " AND d." + ident + " " + op + " " + w.Param(number);
      return OkStatus();
    }
    pos_ = start;
    return Error("unknown field '" + ident +
                 "'; use name, created_by, last_updated_by, tags.<key>, created_time or "
                 "last_update_time");
  }

  const Dialect& dialect_;
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Status DatasetFilterToSql(const Dialect& dialect, std::string_view filter, SqlFragment& out) {
  if (filter.size() > size_t{64} * 1024) return InvalidArgumentError("Dataset filter is too long");
  return Parser(dialect, filter).Parse(out);
}

Result<std::string> DatasetOrderBy(const std::vector<std::string>& order_by) {
  std::string out;
  for (const std::string& clause : order_by) {
    std::string_view c = clause;
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.front())) != 0)
      c.remove_prefix(1);
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back())) != 0)
      c.remove_suffix(1);
    const size_t sp = c.find_first_of(" \t");
    std::string field(c.substr(0, sp));
    std::string dir = "ASC";
    if (sp != std::string_view::npos) {
      std::string_view rest = c.substr(sp);
      while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())) != 0)
        rest.remove_prefix(1);
      dir = Upper(rest);
    }
    if (field.starts_with("attributes.")) field = field.substr(11);
    if ((field != "name" && field != "created_time" && field != "last_update_time") ||
        (dir != "ASC" && dir != "DESC"))
      return InvalidArgumentError("Invalid order_by clause '" + clause.substr(0, 100) +
                                  "': use name, created_time or last_update_time, optionally "
                                  "followed by ASC or DESC");
    out += "d.";
    out += field;
    out += " ";
    out += dir;
    out += ", ";
  }
  if (out.empty()) out = "d.created_time DESC, ";
  return out + "d.dataset_key DESC";
}

}  // namespace tracelake::storage::sql
