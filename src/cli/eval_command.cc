// tracelake eval: evaluation runs on a running server (docs/evaluation.md). `run` starts one
// and follows it (progress on stderr, a summary table on stdout; Ctrl-C cancels it cleanly and
// `--run-id` continues it later); `status`, `records`, `compare` and `cancel` read and steer
// runs by id.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/rest_client.h"
#include "eval/judge_model.h"

namespace tracelake::cli {
namespace {

constexpr char kUsage[] =
    "Usage: tracelake eval <subcommand> [flags]\n"
    "\n"
    "Subcommands:\n"
    "  run       Start an evaluation run and follow it to the end\n"
    "  status    A run's progress and aggregates: tracelake eval status RUN_ID\n"
    "  records   Each record's verdicts: tracelake eval records RUN_ID\n"
    "  compare   Two runs on the same records: tracelake eval compare RUN_A RUN_B\n"
    "  cancel    Stop a running evaluation: tracelake eval cancel RUN_ID\n"
    "\n"
    "Run 'tracelake eval <subcommand> --help' for its flags.\n";

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted = true; }

int Fail(const Status& st) {
  std::fprintf(stderr, "tracelake eval: %s\n", st.message().c_str());
  return 1;
}

std::string Percent(const Json& v) {
  if (!v.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v.get<double>());
  return buf;
}

void PrintSummary(const Json& status) {
  std::printf("run %s  %s\n", status.value("run_id", "").c_str(),
              status.value("status", "").c_str());
  if (status.contains("progress")) {
    const Json& p = status["progress"];
    std::printf("records: %lld scored, %lld resumed, %lld failed\n",
                static_cast<long long>(p.value("done", 0)),
                static_cast<long long>(p.value("resumed", 0)),
                static_cast<long long>(p.value("failed", 0)));
  }
  std::printf("\n%-28s %6s %6s %8s %10s  %s\n", "scorer", "yes", "no", "unknown", "pass rate",
              "95% interval");
  for (const Json& s : status.value("scorers", Json::array())) {
    std::string interval = "-";
    if (s.contains("ci_low") && s["ci_low"].is_number())
      interval = "[" + Percent(s["ci_low"]) + ", " + Percent(s["ci_high"]) + "]";
    std::string rate = Percent(s.value("pass_rate", Json(nullptr)));
    if (s.contains("mean") && !s["pass_rate"].is_number()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "mean %.3g", s["mean"].get<double>());
      rate = buf;
    }
    std::printf("%-28s %6lld %6lld %8lld %10s  %s\n", s.value("name", "").c_str(),
                static_cast<long long>(s.value("yes", 0)), static_cast<long long>(s.value("no", 0)),
                static_cast<long long>(s.value("unknown", 0)), rate.c_str(), interval.c_str());
  }
  if (status.contains("error")) std::printf("\n%s\n", status["error"].get<std::string>().c_str());
}

std::string ProgressLine(const Json& p) {
  const long long total = p.value("total", 0LL), finished = p.value("finished", 0LL);
  char buf[160];
  int n = std::snprintf(
      buf, sizeof buf, "%lld/%lld (%.1f%%)", finished, total,
      total > 0 ? 100.0 * static_cast<double>(finished) / static_cast<double>(total) : 100.0);
  std::string line(buf, static_cast<size_t>(n));
  if (p.contains("records_per_second") && p["records_per_second"].is_number()) {
    std::snprintf(buf, sizeof buf, "  %.1f records/s", p["records_per_second"].get<double>());
    line += buf;
  }
  if (p.contains("eta_seconds") && p["eta_seconds"].is_number() && finished < total) {
    std::snprintf(buf, sizeof buf, "  ETA %.0fs", p["eta_seconds"].get<double>());
    line += buf;
  }
  if (p.value("failed", 0) > 0) line += "  " + std::to_string(p.value("failed", 0)) + " failed";
  return line;
}

int StartAndFollow(const std::vector<std::string>& args) {
  FlagSet flags(
      "eval run", "Start an evaluation run on the server and follow it.",
      {{"server", "URL", "http://127.0.0.1:5000", "the tracelake server"},
       {"experiment", "ID", "0", "the experiment the run belongs to"},
       {"dataset", "ID", "", "evaluate this dataset's records (d-...)"},
       {"traces", "FILTER", "", "score the stored traces that match this search filter ('' = all)"},
       {"all-traces", "", "", "score every trace of the experiment (up to --max-traces)"},
       {"max-traces", "N", "1000", "at most this many traces"},
       {"scorers", "NAMES", "", "comma-separated scorers (built-in judges and code scorers)"},
       {"scorers-json", "JSON", "", "a JSON list of scorer specs (docs/evaluation.md)"},
       {"judge-model", "URI", "", "the judges' model, e.g. openai:/gpt-4o-mini"},
       {"agent-url", "URL", "", "ask this agent endpoint for each dataset record's answer"},
       {"agent-kind", "KIND", "chat", "chat (OpenAI-compatible) or json"},
       {"agent-model", "NAME", "", "the model name sent to a chat agent"},
       {"request-template", "JSON", "",
        "json agents: the body, with {{ inputs }} / {{ inputs.key }}"},
       {"output-pointer", "PTR", "",
        "json agents: where the answer is (a JSON pointer, e.g. /answer)"},
       {"agent-timeout", "SECONDS", "60", "per agent call"},
       {"concurrency", "N", "8", "records evaluated at once"},
       {"run-name", "NAME", "", "the new run's name"},
       {"run-id", "ID", "", "continue this run (records it finished are not redone)"},
       {"no-follow", "", "", "start the run and print its id without waiting"},
       {"server-credentials", "", "",
        "judges use only the server's provider credentials (by default the OPENAI_*, "
        "ANTHROPIC_* and DATABRICKS_* variables set here are sent with the run, never stored)"}});
  if (Status st = flags.Parse(args); !st.ok()) return Fail(st);
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  Json req = Json::object();
  if (flags.Has("run-id")) req["run_id"] = flags.Get("run-id");
  if (!flags.Has("run-id") || flags.Has("experiment"))
    req["experiment_id"] = flags.Get("experiment");
  if (flags.Has("dataset")) req["dataset_id"] = flags.Get("dataset");
  if (flags.Has("traces") || flags.Has("all-traces")) {
    Result<long long> max = flags.GetInt64("max-traces", 1, 1000000);
    if (!max.ok()) return Fail(max.status());
    req["traces"] = {{"filter", flags.Get("traces")}, {"max_results", *max}};
  }
  Json scorers = Json::array();
  if (flags.Has("scorers")) {
    std::string names = flags.Get("scorers");
    size_t pos = 0;
    while (pos <= names.size()) {
      size_t comma = names.find(',', pos);
      if (comma == std::string::npos) comma = names.size();
      std::string name = names.substr(pos, comma - pos);
      if (!name.empty()) scorers.push_back(name);
      pos = comma + 1;
    }
  }
  if (flags.Has("scorers-json")) {
    Json extra = Json::parse(flags.Get("scorers-json"), nullptr, false);
    if (extra.is_discarded() || !extra.is_array())
      return Fail(InvalidArgumentError("--scorers-json must be a JSON list of scorer specs"));
    for (Json& s : extra) scorers.push_back(std::move(s));
  }
  if (!scorers.empty()) req["scorers"] = scorers;
  if (flags.Has("judge-model")) req["judge_model"] = flags.Get("judge-model");
  if (flags.Has("run-name")) req["run_name"] = flags.Get("run-name");
  if (flags.Has("concurrency")) {
    Result<int> c = flags.GetInt("concurrency", 1, 1024);
    if (!c.ok()) return Fail(c.status());
    req["concurrency"] = *c;
  }
  if (flags.Has("agent-url")) {
    Result<int> timeout = flags.GetInt("agent-timeout", 1, 86400);
    if (!timeout.ok()) return Fail(timeout.status());
    Json agent = {{"url", flags.Get("agent-url")},
                  {"kind", flags.Get("agent-kind")},
                  {"timeout_seconds", *timeout}};
    if (flags.Has("agent-model")) agent["model"] = flags.Get("agent-model");
    if (flags.Has("request-template")) agent["request_template"] = flags.Get("request-template");
    if (flags.Has("output-pointer")) agent["output_pointer"] = flags.Get("output-pointer");
    req["agent"] = agent;
  }

  // The judges' credentials from this environment, as the providers' SDKs read them; the server
  // uses them for this run only (its own otherwise).
  if (!flags.Has("server-credentials")) {
    Json creds = Json::object();
    std::string names;
    for (const auto& [name, value] : eval::JudgeCredentials(eval::ProcessEnvironment())) {
      if (value.empty()) continue;
      creds[name] = value;
      names += (names.empty() ? "" : ", ") + name;
    }
    if (!creds.empty()) {
      req["judge_credentials"] = std::move(creds);
      std::fprintf(stderr, "judge credentials from this environment: %s\n", names.c_str());
    }
  }

  RestClient client(flags.Get("server"));
  Result<Json> started = client.Call("POST", "/api/2.0/tracelake/evaluations", req);
  if (!started.ok()) return Fail(started.status());
  const std::string run_id = started->value("run_id", "");
  std::fprintf(stderr, "evaluation run %s started in experiment %s\n", run_id.c_str(),
               started->value("experiment_id", "").c_str());
  if (flags.Has("no-follow")) {
    std::printf("%s\n", run_id.c_str());
    return 0;
  }

  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  const bool tty = isatty(fileno(stderr)) != 0;
  bool cancel_sent = false;
  auto last_line = std::chrono::steady_clock::now() - std::chrono::hours(1);
  Json status;
  for (;;) {
    if (g_interrupted && !cancel_sent) {
      std::fprintf(stderr,
                   "\nstopping: the records in flight finish, then the run ends "
                   "(continue it with --run-id %s)\n",
                   run_id.c_str());
      Result<Json> c = client.Call("POST", "/api/2.0/tracelake/evaluations/" + run_id + "/cancel");
      if (!c.ok()) return Fail(c.status());
      cancel_sent = true;
    }
    Result<Json> s = client.Call("GET", "/api/2.0/tracelake/evaluations/" + run_id);
    if (!s.ok()) return Fail(s.status());
    status = std::move(*s);
    const bool running = status.value("status", "") == "RUNNING";
    const auto now = std::chrono::steady_clock::now();
    if (status.contains("progress") &&
        (tty || now - last_line >= std::chrono::seconds(5) || !running)) {
      const std::string line = ProgressLine(status["progress"]);
      if (tty) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
      } else {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
      last_line = now;
    }
    if (!running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (tty) std::fputc('\n', stderr);
  PrintSummary(status);
  const std::string final_status = status.value("status", "");
  if (final_status == "KILLED") return 130;
  if (final_status != "FINISHED") return 1;
  return status.value("progress", Json::object()).value("failed", 0) > 0 ? 1 : 0;
}

// status / records / compare / cancel: one call, JSON or a table on stdout.
int RunByIds(const std::string& sub, const std::vector<std::string>& args) {
  const size_t ids = sub == "compare" ? 2 : 1;
  FlagSet flags(
      "eval " + sub, "",
      {{"server", "URL", "http://127.0.0.1:5000", "the tracelake server"},
       {"json", "", "", "print the server's JSON answer"},
       {"verdict", "V", "", "records: only those with a yes, no, unknown or value verdict"},
       {"scorer", "NAME", "", "records: --verdict looks at this scorer only"}});
  if (Status st = flags.Parse(args, /*allow_positional=*/true); !st.ok()) return Fail(st);
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  if (flags.positional().size() != ids)
    return Fail(InvalidArgumentError("tracelake eval " + sub + " takes " +
                                     (ids == 2 ? std::string("two run ids") : "one run id")));
  RestClient client(flags.Get("server"));
  const std::string& a = flags.positional()[0];
  if (sub == "records") {
    // Every page, as one JSON answer.
    Json all = {{"run_id", a}, {"records", Json::array()}};
    std::string token;
    do {
      Json query = Json::object();
      if (flags.Has("verdict")) query["verdict"] = flags.Get("verdict");
      if (flags.Has("scorer")) query["scorer"] = flags.Get("scorer");
      if (!token.empty()) query["page_token"] = token;
      Result<Json> page =
          client.Call("GET", "/api/2.0/tracelake/evaluations/" + a + "/records", query);
      if (!page.ok()) return Fail(page.status());
      for (Json& rec : (*page)["records"]) all["records"].push_back(std::move(rec));
      token = page->value("next_page_token", "");
    } while (!token.empty());
    all["total"] = all["records"].size();
    std::printf("%s\n", all.dump(2).c_str());
    return 0;
  }
  Result<Json> r = sub == "status" ? client.Call("GET", "/api/2.0/tracelake/evaluations/" + a)
                   : sub == "cancel"
                       ? client.Call("POST", "/api/2.0/tracelake/evaluations/" + a + "/cancel")
                       : client.Call("GET", "/api/2.0/tracelake/evaluations/compare",
                                     {{"run_a", a}, {"run_b", flags.positional()[1]}});
  if (!r.ok()) return Fail(r.status());
  if (flags.Has("json") || sub == "cancel") {
    std::printf("%s\n", r->dump(2).c_str());
    return 0;
  }
  if (sub == "status") {
    PrintSummary(*r);
    return 0;
  }
  std::printf("%-28s %9s %9s %6s %6s %9s  %s\n", "scorer", "A pass", "B pass", "yes>no", "no>yes",
              "p-value", "verdict");
  for (const Json& s : r->value("scorers", Json::array())) {
    std::printf("%-28s %9s %9s %6lld %6lld %9.4f  %s\n", s.value("name", "").c_str(),
                Percent(s["pass_rate_a"]).c_str(), Percent(s["pass_rate_b"]).c_str(),
                static_cast<long long>(s.value("yes_to_no", 0)),
                static_cast<long long>(s.value("no_to_yes", 0)), s.value("p_value", 1.0),
                s.value("significant", false) ? "changed (more than noise)" : "within noise");
  }
  return 0;
}

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "run") return StartAndFollow(rest);
  if (sub == "status" || sub == "records" || sub == "compare" || sub == "cancel")
    return RunByIds(sub, rest);
  std::fprintf(stderr, "tracelake eval: unknown subcommand '%s'\n\n%s", sub.c_str(), kUsage);
  return 2;
}

}  // namespace tracelake::cli
