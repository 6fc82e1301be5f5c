#include "cli/csv.h"

namespace tracelake::cli {

Result<std::vector<CsvRow>> ParseCsv(std::string_view text) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false;
  bool row_has_data = false;
  size_t line = 1;
  size_t quote_line = 0;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
  };
  auto end_row = [&] {
    if (row_has_data || !row.empty()) {
      end_field();
      rows.push_back(std::move(row));
    }
    row.clear();
    field.clear();
    row_has_data = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_line = line;
      row_has_data = true;
    } else if (c == ',') {
      end_field();
      row_has_data = true;
    } else if (c == '\n') {
      end_row();
    } else if (c != '\r') {
      field += c;
      row_has_data = true;
    }
  }
  if (quoted)
    return InvalidArgumentError("CSV: the quoted field that starts on line " +
                                std::to_string(quote_line) + " is not closed");
  end_row();
  return rows;
}

std::string FormatCsvRow(const CsvRow& row) {
  std::string out;
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& f = row[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out + "\r\n";
}

}  // namespace tracelake::cli
