// `tracelake datasets ...`: evaluation datasets on a running server, over its REST API (MLflow's
// dataset routes and tracelake's from-traces route). File formats: docs/datasets.md.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/csv.h"
#include "cli/flags.h"
#include "cli/rest_client.h"

namespace tracelake::cli {
namespace {

constexpr int kChunk = 1000;  // records per upsert request and per exported page
const char* const kCsvColumns[] = {"inputs", "expectations", "outputs", "tags", "source"};

constexpr const char* kCommands =
    "Commands:\n"
    "  create NAME            Create a dataset (--experiment-ids, --tags); prints its id\n"
    "  list                   List datasets (--experiment-ids, --filter, --max-results)\n"
    "  show ID                Print a dataset and its first records (--max-results)\n"
    "  add-traces ID          Add records built from traces: --trace-ids, or --experiment-ids\n"
    "                         with --filter and --max-results (root span inputs/outputs,\n"
    "                         expectation assessments, source TRACE)\n"
    "  import ID FILE         Upsert records from a JSONL or CSV file\n"
    "  export ID [FILE]       Write every record as JSONL or CSV (stdout without FILE)\n"
    "  delete ID              Delete a dataset and its records\n"
    "\n"
    "JSONL: one record object per line ({\"inputs\": {...}, \"expectations\": {...}, \"outputs\":\n"
    "..., \"tags\": {...}, \"source\": {...}}). CSV: a header row naming the columns inputs,\n"
    "expectations, outputs, tags, source; each cell is JSON text (empty = absent).\n";

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int Fail(const Status& st) {
  std::fprintf(stderr, "tracelake datasets: %s\n", std::string(st.message()).c_str());
  return 1;
}

std::string Format(const FlagSet& flags, const std::string& file) {
  if (flags.Has("format")) return flags.Get("format");
  return file.size() > 4 && file.substr(file.size() - 4) == ".csv" ? "csv" : "jsonl";
}

std::string DatasetPath(const std::string& id) { return "/api/3.0/mlflow/datasets/" + id; }

// The records of a file, checked before anything is sent: each an object whose inputs are a
// JSON object. Errors name the line (JSONL) or row (CSV).
Result<std::vector<Json>> ReadRecords(const std::string& path, const std::string& format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open '" + path + "'");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<Json> out;
  auto check = [&](const Json& r, const std::string& where) -> Status {
    if (!r.is_object() || !r.contains("inputs") || !r["inputs"].is_object())
      return InvalidArgumentError(path + ": " + where +
                                  ": a record needs \"inputs\" as a JSON object");
    return OkStatus();
  };
  if (format == "jsonl") {
    std::stringstream lines(text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Json r = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (r.is_discarded())
        return InvalidArgumentError(path + ": line " + std::to_string(n) + ": not JSON");
      RETURN_IF_ERROR(check(r, "line " + std::to_string(n)));
      out.push_back(std::move(r));
    }
    return out;
  }
  if (format != "csv") return InvalidArgumentError("--format must be jsonl or csv");
  ASSIGN_OR_RETURN(std::vector<CsvRow> rows, ParseCsv(text));
  if (rows.empty()) return out;
  const CsvRow& header = rows[0];
  for (size_t i = 1; i < rows.size(); ++i) {
    Json r = Json::object();
    const std::string where = "row " + std::to_string(i + 1);
    for (size_t c = 0; c < header.size() && c < rows[i].size(); ++c) {
      bool known = false;
      for (const char* col : kCsvColumns) known = known || header[c] == col;
      if (!known || rows[i][c].empty()) continue;
      Json v = Json::parse(rows[i][c], nullptr, /*allow_exceptions=*/false);
      if (v.is_discarded()) {
        std::string message = path;
        message += ": ";
        message += where;
        message += ", column ";
        message += header[c];
        message += ": not JSON text";
        return InvalidArgumentError(std::move(message));
      }
      r[header[c]] = std::move(v);
    }
    RETURN_IF_ERROR(check(r, where));
    out.push_back(std::move(r));
  }
  return out;
}

int Create(RestClient& api, const FlagSet& flags, const std::vector<std::string>& pos) {
  if (pos.size() != 2) return Fail(InvalidArgumentError("usage: datasets create NAME"));
  Json tags = Json::object();
  for (const std::string& kv : SplitList(flags.Get("tags"))) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Fail(InvalidArgumentError("--tags takes key=value pairs separated by commas"));
    tags[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  Json body = {{"name", pos[1]}, {"experiment_ids", SplitList(flags.Get("experiment-ids"))}};
  if (!tags.empty()) body["tags"] = tags.dump();
  Result<Json> out = api.Call("POST", "/api/3.0/mlflow/datasets/create", body);
  if (!out.ok()) return Fail(out.status());
  std::printf("%s\n", (*out)["dataset"].value("dataset_id", "").c_str());
  return 0;
}

int List(RestClient& api, const FlagSet& flags) {
  Json body = {{"experiment_ids", SplitList(flags.Get("experiment-ids"))},
               {"filter_string", flags.Get("filter")},
               {"max_results", std::stoi(flags.Get("max-results"))}};
  Result<Json> out = api.Call("POST", "/api/3.0/mlflow/datasets/search", body);
  if (!out.ok()) return Fail(out.status());
  std::printf("%-34s  %-8s  %s\n", "DATASET_ID", "RECORDS", "NAME");
  for (const Json& d : (*out)["datasets"]) {
    Json profile = Json::parse(d.value("profile", "{}"), nullptr, false);
    const int64_t n = profile.is_object() ? profile.value("num_records", int64_t{0}) : 0;
    std::printf("%-34s  %-8lld  %s\n", d.value("dataset_id", "").c_str(), static_cast<long long>(n),
                d.value("name", "").c_str());
  }
  return 0;
}

int Show(RestClient& api, const FlagSet& flags, const std::string& id) {
  Result<Json> got = api.Call("GET", DatasetPath(id));
  if (!got.ok()) return Fail(got.status());
  Json d = (*got)["dataset"];
  for (const char* k : {"tags", "schema", "profile"})
    if (d.contains(k) && d[k].is_string())
      d[k] = Json::parse(d[k].get<std::string>(), nullptr, false);
  Result<Json> recs = api.Call("GET", DatasetPath(id) + "/records",
                               {{"max_results", std::stoi(flags.Get("max-results"))}});
  if (!recs.ok()) return Fail(recs.status());
  d["records"] = Json::parse((*recs).value("records", "[]"), nullptr, false);
  std::printf("%s\n", d.dump(2).c_str());
  return 0;
}

int AddTraces(RestClient& api, const FlagSet& flags, const std::string& id) {
  Json body = Json::object();
  if (flags.Has("trace-ids")) {
    body["trace_ids"] = SplitList(flags.Get("trace-ids"));
  } else if (flags.Has("experiment-ids")) {
    body["experiment_ids"] = SplitList(flags.Get("experiment-ids"));
    body["filter"] = flags.Get("filter");
    body["max_results"] = std::stoi(flags.Get("max-results"));
  } else {
    return Fail(InvalidArgumentError("add-traces needs --trace-ids or --experiment-ids"));
  }
  Result<Json> out =
      api.Call("POST", "/api/2.0/tracelake/datasets/" + id + "/records/from-traces", body);
  if (!out.ok()) return Fail(out.status());
  std::printf("%lld traces: %lld records inserted, %lld updated\n",
              static_cast<long long>(out->value("trace_count", 0)),
              static_cast<long long>(out->value("inserted_count", 0)),
              static_cast<long long>(out->value("updated_count", 0)));
  return 0;
}

int Import(RestClient& api, const FlagSet& flags, const std::string& id, const std::string& file) {
  Result<std::vector<Json>> records = ReadRecords(file, Format(flags, file));
  if (!records.ok()) return Fail(records.status());
  // The dataset must exist before the first chunk is sent.
  if (Result<Json> d = api.Call("GET", DatasetPath(id)); !d.ok()) return Fail(d.status());
  long long inserted = 0;
  long long updated = 0;
  const size_t total = records->size();
  for (size_t start = 0; start < total; start += kChunk) {
    Json chunk = Json::array();
    for (size_t i = start; i < std::min(total, start + kChunk); ++i) chunk.push_back((*records)[i]);
    Result<Json> out = api.Call("POST", DatasetPath(id) + "/records", {{"records", chunk.dump()}});
    if (!out.ok()) return Fail(out.status());
    inserted += out->value("inserted_count", 0LL);
    updated += out->value("updated_count", 0LL);
    if (total > static_cast<size_t>(kChunk))
      std::fprintf(stderr, "imported %zu/%zu records\n", std::min(total, start + kChunk), total);
  }
  std::printf("%zu records: %lld inserted, %lld updated\n", total, inserted, updated);
  return 0;
}

int Export(RestClient& api, const FlagSet& flags, const std::string& id, const std::string& file) {
  const std::string format = Format(flags, file);
  if (format != "jsonl" && format != "csv")
    return Fail(InvalidArgumentError("--format must be jsonl or csv"));
  std::ofstream out_file;
  if (!file.empty() && file != "-") {
    out_file.open(file, std::ios::binary | std::ios::trunc);
    if (!out_file) return Fail(InvalidArgumentError("cannot write '" + file + "'"));
  }
  std::ostream& out = out_file.is_open() ? out_file : std::cout;
  if (format == "csv") {
    CsvRow header(std::begin(kCsvColumns), std::end(kCsvColumns));
    header.emplace_back("dataset_record_id");
    out << FormatCsvRow(header);
  }
  std::string token;
  size_t written = 0;
  do {
    Json params = {{"max_results", kChunk}};
    if (!token.empty()) params["page_token"] = token;
    Result<Json> page = api.Call("GET", DatasetPath(id) + "/records", params);
    if (!page.ok()) return Fail(page.status());
    Json records = Json::parse(page->value("records", "[]"), nullptr, false);
    for (const Json& r : records) {
      if (format == "jsonl") {
        out << r.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
        continue;
      }
      CsvRow row;
      for (const char* col : kCsvColumns)
        row.push_back(r.contains(col) && !r[col].is_null() ? r[col].dump() : "");
      row.push_back(r.value("dataset_record_id", ""));
      out << FormatCsvRow(row);
    }
    written += records.size();
    token = page->value("next_page_token", "");
    if (!token.empty() || written > static_cast<size_t>(kChunk))
      std::fprintf(stderr, "exported %zu records\n", written);
  } while (!token.empty());
  out.flush();
  if (!out) return Fail(UnavailableError("writing the export failed"));
  if (out_file.is_open())
    std::fprintf(stderr, "%zu records written to %s\n", written, file.c_str());
  return 0;
}

}  // namespace

int RunDatasets(const std::vector<std::string>& args) {
  FlagSet flags("tracelake datasets",
                "Manage evaluation datasets on a running tracelake server:\n"
                "  tracelake datasets <command> [args] [flags]\n\n" +
                    std::string(kCommands),
                {
                    {"server", "URL", "http://127.0.0.1:5000", "The tracelake server"},
                    {"experiment-ids", "IDS", "", "Experiment ids, separated by commas"},
                    {"tags", "K=V,...", "", "create: dataset tags"},
                    {"filter", "FILTER", "", "list: dataset filter; add-traces: trace filter"},
                    {"trace-ids", "IDS", "", "add-traces: trace ids (tr-...), separated by commas"},
                    {"max-results", "N", "100", "list, show, add-traces: at most N"},
                    {"format", "jsonl|csv", "",
                     "import/export format (default: from FILE's "
                     "extension, else jsonl)"},
                });
  if (Status st = flags.Parse(args, /*allow_positional=*/true); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 2;
  }
  const std::vector<std::string>& pos = flags.positional();
  if (flags.help_requested() || pos.empty()) {
    std::fputs(flags.Usage().c_str(), pos.empty() && !flags.help_requested() ? stderr : stdout);
    return flags.help_requested() ? 0 : 2;
  }
  if (Result<int> n = flags.GetInt("max-results", 1, 50000); !n.ok()) return Fail(n.status());
  RestClient api(flags.Get("server"));
  const std::string& cmd = pos[0];
  if (cmd == "create") return Create(api, flags, pos);
  if (cmd == "list") return List(api, flags);
  const bool takes_file = cmd == "import" || cmd == "export";
  if (pos.size() < 2 || pos.size() > (takes_file ? 3u : 2u) ||
      (cmd == "import" && pos.size() != 3)) {
    std::fprintf(stderr, "tracelake datasets: wrong arguments for '%s'\n\n%s", cmd.c_str(),
                 kCommands);
    return 2;
  }
  const std::string& id = pos[1];
  if (cmd == "show") return Show(api, flags, id);
  if (cmd == "add-traces") return AddTraces(api, flags, id);
  if (cmd == "import") return Import(api, flags, id, pos[2]);
  if (cmd == "export") return Export(api, flags, id, pos.size() == 3 ? pos[2] : "");
  if (cmd == "delete") {
    Result<Json> out = api.Call("DELETE", DatasetPath(id));
    if (!out.ok()) return Fail(out.status());
    std::printf("deleted %s\n", id.c_str());
    return 0;
  }
  std::fprintf(stderr, "tracelake datasets: unknown command '%s'\n\n%s", cmd.c_str(), kCommands);
  return 2;
}

}  // namespace tracelake::cli
