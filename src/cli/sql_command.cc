// `tracelake sql "SELECT ..."`: read-only SQL over the trace tables of a running server
// (POST /api/2.0/tracelake/sql; docs/sql.md), printed as an aligned table, CSV or JSON.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/csv.h"
#include "cli/flags.h"
#include "cli/rest_client.h"

namespace tracelake::cli {
namespace {

constexpr size_t kMaxCellWidth = 60;  // table cells are cut here; csv and json are whole

int Fail(const Status& st) {
  std::fprintf(stderr, "tracelake sql: %s\n", std::string(st.message()).c_str());
  return 1;
}

// A cell as text: strings as they are, numbers as JSON writes them; null is "NULL" in a
// table and empty in CSV.
std::string CellText(const Json& cell, const char* null_text) {
  if (cell.is_null()) return null_text;
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

// Code points, not bytes: enough for aligning text in a terminal.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// One line, at most kMaxCellWidth code points ("..." marks a cut).
std::string TableCell(const Json& cell) {
  const std::string text = CellText(cell, "NULL");
  std::string out;
  size_t width = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) {
      if (width == kMaxCellWidth) {
        out += "...";
        break;
      }
      ++width;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void PrintTable(const Json& answer) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header;
  for (const Json& c : answer["columns"]) header.push_back(c.value("name", ""));
  lines.push_back(header);
  for (const Json& row : answer["rows"]) {
    std::vector<std::string> line;
    for (const Json& cell : row) line.push_back(TableCell(cell));
    lines.push_back(std::move(line));
  }
  std::vector<size_t> widths(header.size(), 0);
  std::vector<bool> numeric(header.size(), false);
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string type = answer["columns"][i].value("type", "");
    numeric[i] = type == "INTEGER" || type == "REAL";
  }
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(line[i]));
    }
  }
  auto print_line = [&](const std::vector<std::string>& line, bool is_header) {
    std::string out;
    for (size_t i = 0; i < line.size() && i < widths.size(); ++i) {
      if (i != 0) out += " | ";
      const std::string pad(widths[i] - Width(line[i]), ' ');
      out += numeric[i] && !is_header ? pad + line[i] : line[i] + pad;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::printf("%s\n", out.c_str());
  };
  print_line(lines[0], true);
  std::string rule;
  for (size_t i = 0; i < widths.size(); ++i) {
    if (i != 0) rule += "-+-";
    rule += std::string(widths[i], '-');
  }
  std::printf("%s\n", rule.c_str());
  for (size_t i = 1; i < lines.size(); ++i) print_line(lines[i], false);
  const size_t n = lines.size() - 1;
  std::fflush(stdout);  // the table before the count when both go to one terminal
  std::fprintf(stderr, "(%zu row%s%s)\n", n, n == 1 ? "" : "s",
               answer.value("truncated", false) ? "; truncated at --max-rows" : "");
}

void PrintCsv(const Json& answer) {
  CsvRow header;
  for (const Json& c : answer["columns"]) header.push_back(c.value("name", ""));
  std::fputs(FormatCsvRow(header).c_str(), stdout);
  for (const Json& row : answer["rows"]) {
    CsvRow line;
    for (const Json& cell : row) line.push_back(CellText(cell, ""));
    std::fputs(FormatCsvRow(line).c_str(), stdout);
  }
  if (answer.value("truncated", false)) {
    std::fprintf(stderr, "tracelake sql: truncated at --max-rows\n");
  }
}

}  // namespace

int RunSql(const std::vector<std::string>& args) {
  FlagSet flags("tracelake sql",
                "Run a read-only SQL query over the trace tables of a running tracelake server\n"
                "(otel_spans, otel_logs, otel_annotations, traces; see docs/sql.md):\n"
                "  tracelake sql \"SELECT ...\" [flags]     (\"-\" reads the query from stdin)\n",
                {
                    {"server", "URL", "http://127.0.0.1:5000", "The tracelake server"},
                    {"format", "table|csv|json", "table", "Output format"},
                    {"max-rows", "N", "1000", "At most N rows (1..100000)"},
                });
  if (Status st = flags.Parse(args, /*allow_positional=*/true); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 2;
  }
  const std::vector<std::string>& pos = flags.positional();
  if (flags.help_requested() || pos.size() != 1) {
    std::fputs(flags.Usage().c_str(), flags.help_requested() ? stdout : stderr);
    return flags.help_requested() ? 0 : 2;
  }
  const std::string format = flags.Get("format");
  if (format != "table" && format != "csv" && format != "json") {
    std::fprintf(stderr, "tracelake sql: --format must be table, csv or json\n");
    return 2;
  }
  Result<int> max_rows = flags.GetInt("max-rows", 1, 100000);
  if (!max_rows.ok()) return Fail(max_rows.status());
  std::string query = pos[0];
  if (query == "-") {
    query.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  RestClient api(flags.Get("server"));
  Result<Json> answer =
      api.Call("POST", "/api/2.0/tracelake/sql", Json{{"query", query}, {"max_rows", *max_rows}});
  if (!answer.ok()) return Fail(answer.status());
  if (format == "json") {
    std::printf("%s\n", answer->dump(2, ' ', false, Json::error_handler_t::replace).c_str());
  } else if (format == "csv") {
    PrintCsv(*answer);
  } else {
    PrintTable(*answer);
  }
  return 0;
}

}  // namespace tracelake::cli
