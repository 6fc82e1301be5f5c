// `tracelake lake ...`: the lake's Delta tables from the command line (docs/lake.md).
//
//   export    the store's traces into the three Delta tables under --out, with progress;
//             resumable and idempotent (the same sink as `server --lake-location`, run once)
//   optimize  compacts small files of the tables under --location
//   vacuum    deletes data files no retained table version uses
//
// export reads the store file directly (the server may be running on it: SQLite in WAL mode lets
// both read, and the export's few writes of its own progress wait their turn), so nothing here
// is configured over the network.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/flags.h"
#include "lake/delta_table.h"
#include "server/tracelake/lake_sink.h"
#include "storage/backend.h"

namespace tracelake::cli {
namespace {

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "tracelake lake: %s\n", message.c_str());
  return code;
}

// "2026-12-01", "2026-12-01T10:00:00Z", "7d", "24h", "90m" -> Unix ms (relative to now).
Result<int64_t> ParseSince(const std::string& text) {
  if (text.empty()) return int64_t{0};
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  char unit = text.back();
  if (unit == 'd' || unit == 'h' || unit == 'm') {
    const std::string digits = text.substr(0, text.size() - 1);
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos &&
        digits.size() <= 6) {
      const int64_t n = std::stoll(digits);
      const int64_t ms = unit == 'd' ? 86400000 : unit == 'h' ? 3600000 : 60000;
      return now_ms - n * ms;
    }
  }
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  const int got =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail);
  const bool date_only = got == 3 && text.size() == 10;
  const bool full = got == 7 && tail == 'Z' && text.size() == 20;
  if ((!date_only && !full) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      s > 60) {
    return InvalidArgumentError(
        "--since must be a date (2026-12-01), a UTC time "
        "(2026-12-01T10:00:00Z) or an age (7d, 24h, 90m), not '" +
        text + "'");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

Result<lake::Codec> ParseCodec(const std::string& name) {
  if (name == "zstd") return lake::Codec::kZstd;
  if (name == "snappy") return lake::Codec::kSnappy;
  return InvalidArgumentError("--codec must be zstd or snappy, not '" + name + "'");
}

std::string StoreUri(const FlagSet& flags) {
  std::string uri = flags.Get("backend-store-uri");
  if (!uri.empty()) return uri;
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(flags.Get("data-dir"), ec);
  return "sqlite:///" + (dir / "tracelake.db").string();
}

const FlagSpec kStoreFlags[] = {
    {"backend-store-uri", "URI", "",
     "The store to read: sqlite:///relative.db or sqlite:////absolute.db (default: "
     "sqlite:///<data-dir>/tracelake.db, as the server)"},
    {"data-dir", "DIR", "./data", "Folder of the default SQLite store"},
};

int RunExport(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs(std::begin(kStoreFlags), std::end(kStoreFlags));
  specs.push_back({"out", "DIR", "", "The lake folder the tables are written under (required)"});
  specs.push_back({"prefix", "P", "tracelake", "Name prefix of the tables"});
  specs.push_back({"experiment-ids", "IDS", "", "Only these experiments (comma-separated)"});
  specs.push_back({"since", "WHEN", "",
                   "Only traces started at or after: 2026-12-01, 2026-12-01T10:00:00Z, 7d, 24h"});
  specs.push_back({"codec", "CODEC", "zstd", "Parquet compression: zstd or snappy"});
  specs.push_back({"schema", "MODE", "portable",
                   "portable (Delta protocol 1,2; attribute maps of strings, read everywhere) or "
                   "uc-exact (protocol 3,7; VARIANT columns as in the Unity Catalog DDL)"});
  specs.push_back({"batch-spans", "N", "100000", "Spans per Delta commit at most"});
  specs.push_back({"quiet", "", "", "No progress lines"});
  FlagSet flags("tracelake lake export",
                "Writes the store's traces into the Delta tables <prefix>_otel_spans, _otel_logs "
                "and _otel_annotations under --out, showing progress. Running it again adds only "
                "what is new since (nothing twice); an interrupted export resumes.",
                specs);
  if (Status st = flags.Parse(args); !st.ok()) return Fail(st.message(), 2);
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  if (flags.Get("out").empty()) return Fail("--out DIR is required", 2);
  Result<int64_t> since = ParseSince(flags.Get("since"));
  if (!since.ok()) return Fail(since.status().message(), 2);
  Result<lake::Codec> codec = ParseCodec(flags.Get("codec"));
  if (!codec.ok()) return Fail(codec.status().message(), 2);
  Result<lake::LakeSchema> schema = lake::ParseLakeSchema(flags.Get("schema"));
  if (!schema.ok()) return Fail("--schema: " + std::string(schema.status().message()), 2);
  Result<long long> batch = flags.GetInt64("batch-spans", 100, 10000000);
  if (!batch.ok()) return Fail(batch.status().message(), 2);
  const std::string prefix = flags.Get("prefix");
  if (prefix.empty() ||
      prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
    return Fail("--prefix must be letters, digits and _, got '" + prefix + "'", 2);

  server::LakeSinkOptions options;
  options.location = flags.Get("out");
  options.prefix = prefix;
  options.codec = *codec;
  options.schema = *schema;
  options.batch_spans = *batch;
  options.since_ms = *since;
  const std::string ids = flags.Get("experiment-ids");
  for (size_t start = 0; start <= ids.size() && !ids.empty();) {
    const size_t comma = ids.find(',', start);
    const std::string id =
        ids.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!id.empty()) options.experiment_ids.insert(id);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  // One export stream per (out, prefix, filters): a filtered export never claims traces it
  // skipped for an unfiltered one.
  std::string kind = "lake-export";
  if (!options.experiment_ids.empty() || options.since_ms > 0) {
    kind += "[" + ids + "|" + std::to_string(options.since_ms) + "]";
  }
  options.consumer = server::LakeConsumerName(kind, options.location, prefix);

  const std::string uri = StoreUri(flags);
  if (uri.rfind("sqlite:///", 0) == 0 && uri.find(":memory:") == std::string::npos) {
    std::error_code ec;
    if (!std::filesystem::exists(uri.substr(std::string("sqlite:///").size()), ec))
      return Fail("no store at " + uri + " (give --backend-store-uri or --data-dir)");
  }
  Result<std::unique_ptr<storage::Backend>> backend = storage::OpenBackend(uri);
  if (!backend.ok())
    return Fail("cannot open the store " + uri + ": " + backend.status().message());

  server::LakeSink sink(**backend, options);
  if (Status st = sink.Open(); !st.ok()) return Fail(st.message());
  const bool quiet = flags.Has("quiet");
  const bool tty = isatty(fileno(stderr)) != 0;
  Status st = sink.Drain([&](const server::LakeSinkProgress& p) {
    if (quiet) return;
    std::fprintf(stderr,
                 "%sexported %" PRId64 " traces: %" PRId64 " spans, %" PRId64 " logs, %" PRId64
                 " annotations, %.1f MB (change %" PRId64 " of %" PRId64 ")%s",
                 tty ? "\r" : "", p.traces, p.rows_spans, p.rows_logs, p.rows_annotations,
                 static_cast<double>(p.bytes) / 1e6, p.cursor, p.head, tty ? "" : "\n");
    std::fflush(stderr);
  });
  if (!quiet && tty) std::fputc('\n', stderr);
  (*backend)->Shutdown(std::chrono::seconds(30)).IgnoreError();
  if (!st.ok()) {
    return Fail(st.message() + " (run the same command again to resume: nothing is written twice)");
  }
  const server::LakeSinkProgress p = sink.progress();
  std::printf("%s: %" PRId64 " traces, %" PRId64 " spans, %" PRId64 " logs, %" PRId64
              " annotations written in %" PRId64 " commits%s\n",
              options.location.c_str(), p.traces, p.rows_spans, p.rows_logs, p.rows_annotations,
              p.commits, p.commits == 0 ? " (already up to date)" : "");
  return 0;
}

// The tables of --location that exist, opened with their configurations: each in the schema
// mode it was written in (portable, else uc-exact).
Result<std::vector<std::pair<std::string, std::unique_ptr<lake::DeltaTable>>>> OpenTables(
    const FlagSet& flags) {
  const std::filesystem::path location = flags.Get("location");
  if (location.empty()) return InvalidArgumentError("--location DIR is required");
  std::vector<std::pair<std::string, std::unique_ptr<lake::DeltaTable>>> out;
  const std::vector<lake::DeltaTableConfig> portable =
      server::LakeTableConfigs(flags.Get("prefix"), lake::Codec::kZstd);
  const std::vector<lake::DeltaTableConfig> uc_exact =
      server::LakeTableConfigs(flags.Get("prefix"), lake::Codec::kZstd, lake::LakeSchema::kUcExact);
  for (size_t t = 0; t < portable.size(); ++t) {
    const std::filesystem::path dir = location / portable[t].name;
    std::error_code ec;
    if (!std::filesystem::exists(dir / "_delta_log", ec)) continue;
    Result<std::unique_ptr<lake::DeltaTable>> table = lake::DeltaTable::Open(dir, portable[t]);
    if (table.status().code() == StatusCode::kFailedPrecondition) {
      Result<std::unique_ptr<lake::DeltaTable>> exact = lake::DeltaTable::Open(dir, uc_exact[t]);
      if (exact.ok()) table = std::move(exact);
    }
    if (!table.ok()) return table.status();
    out.emplace_back(portable[t].name, *std::move(table));
  }
  if (out.empty()) {
    return NotFoundError("no " + flags.Get("prefix") + "_otel_* tables under " + location.string() +
                         " (is --prefix right?)");
  }
  return out;
}

int RunOptimize(const std::vector<std::string>& args) {
  FlagSet flags("tracelake lake optimize",
                "Compacts each table's small files per partition into files of about "
                "--target-file-mb (one commit per table; readers never see a partial state).",
                {{"location", "DIR", "", "The lake folder (required)"},
                 {"prefix", "P", "tracelake", "Name prefix of the tables"},
                 {"target-file-mb", "MB", "128", "Size of the compacted files"}});
  if (Status st = flags.Parse(args); !st.ok()) return Fail(st.message(), 2);
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  Result<int> mb = flags.GetInt("target-file-mb", 1, 4096);
  if (!mb.ok()) return Fail(mb.status().message(), 2);
  auto tables = OpenTables(flags);
  if (!tables.ok()) return Fail(tables.status().message());
  for (auto& [name, table] : *tables) {
    Result<lake::DeltaOptimizeResult> r = table->Optimize(int64_t{*mb} << 20);
    if (!r.ok()) return Fail(name + ": " + r.status().message());
    if (r->version < 0) {
      std::printf("%s: nothing to compact\n", name.c_str());
    } else {
      std::printf("%s: version %" PRId64 ": %" PRId64 " files (%.1f MB) compacted into %" PRId64
                  " (%.1f MB), %" PRId64 " rows\n",
                  name.c_str(), r->version, r->files_removed,
                  static_cast<double>(r->bytes_removed) / 1e6, r->files_added,
                  static_cast<double>(r->bytes_added) / 1e6, r->rows);
    }
  }
  return 0;
}

int RunVacuum(const std::vector<std::string>& args) {
  FlagSet flags("tracelake lake vacuum",
                "Deletes data files that no table version within the retention uses (files "
                "removed by optimize longer ago than --retention-hours).",
                {{"location", "DIR", "", "The lake folder (required)"},
                 {"prefix", "P", "tracelake", "Name prefix of the tables"},
                 {"retention-hours", "H", "168", "Keep files removed less than this long ago"},
                 {"dry-run", "", "", "List what would be deleted, delete nothing"}});
  if (Status st = flags.Parse(args); !st.ok()) return Fail(st.message(), 2);
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  Result<int> hours = flags.GetInt("retention-hours", 0, 1000000);
  if (!hours.ok()) return Fail(hours.status().message(), 2);
  auto tables = OpenTables(flags);
  if (!tables.ok()) return Fail(tables.status().message());
  for (auto& [name, table] : *tables) {
    const bool dry_run = flags.Has("dry-run");
    Result<lake::DeltaVacuumResult> r = table->Vacuum(std::chrono::hours(*hours), dry_run);
    if (!r.ok()) return Fail(name + ": " + r.status().message());
    for (const std::string& f : r->files)
      std::printf("%s%s/%s\n", dry_run ? "would delete " : "deleted ", name.c_str(), f.c_str());
    std::printf("%s: %zu files, %.1f MB %s\n", name.c_str(), r->files.size(),
                static_cast<double>(r->bytes) / 1e6, dry_run ? "to delete (dry run)" : "deleted");
  }
  return 0;
}

constexpr const char* kLakeUsage =
    "Usage: tracelake lake <command> [flags]\n\n"
    "Commands:\n"
    "  export    Write the store's traces into Delta tables under --out (resumable, "
    "idempotent)\n"
    "  optimize  Compact the tables' small files\n"
    "  vacuum    Delete data files no retained version uses\n\n"
    "Run 'tracelake lake <command> --help' for its flags; docs/lake.md has the layout.\n";
}  // namespace

int RunLake(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kLakeUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "export") return RunExport(rest);
  if (args[0] == "optimize") return RunOptimize(rest);
  if (args[0] == "vacuum") return RunVacuum(rest);
  std::fprintf(stderr, "tracelake lake: unknown command '%s'\n\n%s", args[0].c_str(), kLakeUsage);
  return 2;
}

}  // namespace tracelake::cli
