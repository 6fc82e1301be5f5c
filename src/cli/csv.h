// RFC 4180 CSV for the dataset import and export of `tracelake datasets`: fields separated by
// commas, quoted with '"' when they hold a comma, quote, CR or LF, a quote inside doubled.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::cli {

using CsvRow = std::vector<std::string>;

// Every row of `text` (a final line break is optional; empty lines are skipped).
// kInvalidArgument for an unterminated quoted field, naming its line.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);

// One row, ending in "\r\n".
std::string FormatCsvRow(const CsvRow& row);

}  // namespace tracelake::cli
