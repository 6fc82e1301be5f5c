#include "storage/sql/experiment_filter.h"

#include <algorithm>
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
    if (AtEnd()) return OkStatus();
    for (;;) {
      RETURN_IF_ERROR(Comparison(out));
      SkipSpace();
      if (AtEnd()) return OkStatus();
      const size_t start = pos_;
      while (!AtEnd() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (Upper(text_.substr(start, pos_ - start)) != "AND") {
        pos_ = start;
        return Error("expected AND between comparisons");
      }
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  Status Error(const std::string& what) const {
    return InvalidArgumentError("Invalid experiment filter at position " +
                                std::to_string(pos_ + 1) + ": " + what);
  }

  Status Quoted(char quote, std::string& value) {
    ++pos_;
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Error("unterminated quoted text");
    value = std::string(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return OkStatus();
  }

  Status Comparison(SqlFragment& out) {
    SkipSpace();
    const size_t start = pos_;
    while (!AtEnd() && IsIdentChar(text_[pos_])) ++pos_;
    std::string ident(text_.substr(start, pos_ - start));
    std::string tag_key;
    bool is_tag = false;
    if (ident.starts_with("tags.") || ident.starts_with("tag.") || ident == "tags" ||
        ident == "tag") {
      is_tag = true;
      tag_key =
          ident.substr(ident.find('.') == std::string::npos ? ident.size() : ident.find('.') + 1);
      if (tag_key.empty() && !AtEnd() && (text_[pos_] == '`' || text_[pos_] == '"')) {
        RETURN_IF_ERROR(Quoted(text_[pos_], tag_key));
      }
      if (tag_key.empty()) return Error("missing tag key after 'tags.'");
    } else if (ident.starts_with("attributes.") || ident.starts_with("attribute.")) {
      ident = ident.substr(ident.find('.') + 1);
    }
    SkipSpace();
    const size_t op_start = pos_;
    while (!AtEnd() && std::string_view("=!<>").find(text_[pos_]) != std::string_view::npos) ++pos_;
    std::string op(text_.substr(op_start, pos_ - op_start));
    if (op.empty()) {
      while (!AtEnd() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      op = Upper(text_.substr(op_start, pos_ - op_start));
    }
    SkipSpace();
    std::string text_value;
    int64_t number = 0;
    bool is_number = false;
    if (!AtEnd() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      RETURN_IF_ERROR(Quoted(text_[pos_], text_value));
    } else {
      const char* first = text_.data() + pos_;
      auto [end, ec] = std::from_chars(first, text_.data() + text_.size(), number);
      if (ec != std::errc() || end == first) return Error("expected a quoted string or an integer");
      pos_ += static_cast<size_t>(end - first);
      is_number = true;
    }

    const bool string_op = op == "=" || op == "!=" || op == "LIKE" || op == "ILIKE";
    const bool numeric_op =
        op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
    std::string lhs;
    if (is_tag || ident == "name") {
      if (!string_op) return Error("comparator '" + op + "' is not supported for " + ident);
      if (is_number) return Error(ident + " must be compared with a quoted string");
      SqlWriter w(dialect_, out);
      if (is_tag) {
        w.sql() +=
            " AND EXISTS (SELECT 1 FROM experiment_tags g WHERE g.experiment_id = "
            "e.experiment_id AND g.key = " +
            w.Param(tag_key) + " AND ";
        lhs = "g.value";
      } else {
        w.sql() += " AND (";
        lhs = "e.name";
      }
      const std::string value = w.Param(std::move(text_value));
      if (op == "ILIKE" || op == "LIKE")
        w.sql() += dialect_.Like(
                       lhs, value,
                       op == "LIKE" ? CaseSensitivity::kSensitive : CaseSensitivity::kInsensitive,
                       LikeEscape::kNone) +
                   ")";
      else
        w.sql() += lhs + " " + op + " " + value + ")";
      return OkStatus();
    }
    if (ident == "creation_time" || ident == "last_update_time") {
      if (!numeric_op) return Error("comparator '" + op + "' is not supported for " + ident);
      if (!is_number) return Error(ident + " must be compared with an integer");
      SqlWriter w(dialect_, out);
      w.sql() += " AND e." + ident + " " + op + " " + w.Param(number);
      return OkStatus();
    }
    pos_ = start;
    return Error("unknown field '" + ident +
                 "'; use name, tags.<key>, creation_time or last_update_time");
  }

  const Dialect& dialect_;
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Status ExperimentFilterToSql(const Dialect& dialect, std::string_view filter, SqlFragment& out) {
  if (filter.size() > size_t{64} * 1024)
    return InvalidArgumentError("Experiment filter is too long");
  return Parser(dialect, filter).Parse(out);
}

Result<std::string> ExperimentOrderBy(const std::vector<std::string>& order_by) {
  static const std::vector<std::string> kDefault = {"creation_time DESC", "experiment_id ASC"};
  std::string out;
  bool has_id = false;
  for (const std::string& clause : order_by.empty() ? kDefault : order_by) {
    std::string_view c = clause;
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.front()))) c.remove_prefix(1);
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.remove_suffix(1);
    const size_t sp = c.find_first_of(" \t");
    std::string field(c.substr(0, sp));
    std::string dir = sp == std::string_view::npos ? "ASC" : Upper(c.substr(sp + 1));
    dir.erase(std::remove_if(dir.begin(), dir.end(),
                             [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); }),
              dir.end());
    if (field.starts_with("attributes."))
      field = field.substr(11);
    else if (field.starts_with("attribute."))
      field = field.substr(10);
    if ((field != "name" && field != "creation_time" && field != "last_update_time" &&
         field != "experiment_id") ||
        (dir != "ASC" && dir != "DESC"))
      return InvalidArgumentError("Invalid order_by clause '" + clause.substr(0, 100) +
                                  "': use name, creation_time, last_update_time or experiment_id, "
                                  "optionally followed by ASC or DESC");
    has_id = has_id || field == "experiment_id";
    if (!out.empty()) out += ", ";
    out += "e.";
    out += field;
    out += " ";
    out += dir;
  }
  if (!has_id) out += ", e.experiment_id DESC";
  return out;
}

}  // namespace tracelake::storage::sql
