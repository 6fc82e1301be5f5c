#include "eval/external_scorers.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <utility>

#include "eval/trace_render.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace tracelake::eval {
namespace {

Feedback ScorerError(const std::string& name, const FeedbackSource& source, std::string message,
                     std::string raw = "") {
  return Feedback::Unknown(name, {kErrScorer, std::move(message), std::move(raw)}, source);
}

Feedback OneVerdict(const std::string& name, const FeedbackSource& source, const Json& j,
                    const std::string& raw) {
  if (!j.is_object())
    return Feedback::Unknown(name, {kErrParse, "a verdict must be a JSON object", raw}, source);
  Feedback f;
  f.name = name;
  f.source = source;
  if (auto r = j.find("rationale"); r != j.end() && !r->is_null()) f.rationale = JsonText(*r);
  if (auto s = j.find("span_id"); s != j.end() && s->is_string()) f.span_id = s->get<std::string>();
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    f.error = FeedbackError{kErrScorer, CutText(JsonText(*e), 1000), raw};
    return f;
  }
  auto v = j.find("value");
  if (v == j.end()) v = j.find("result");
  if (v == j.end() || v->is_null())
    return Feedback::Unknown(name, {kErrParse, "the verdict has no value", raw}, source);
  f.value = *v;
  return f;
}

}  // namespace

Json ScorerRequestJson(const std::string& scorer_name, const EvalInput& raw) {
  const EvalInput in = ResolveInput(raw);
  return {{"scorer", scorer_name},
          {"inputs", in.inputs},
          {"outputs", in.outputs},
          {"expectations", in.expectations},
          {"trace", in.trace != nullptr ? TraceToJson(*in.trace) : Json(nullptr)}};
}

std::vector<Feedback> FeedbacksFromVerdictJson(const std::string& name,
                                               const FeedbackSource& source,
                                               const std::string& answer) {
  Json j = Json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return {
        Feedback::Unknown(name, {kErrParse, "the scorer's answer is not JSON", answer}, source)};
  if (!j.is_array()) return {OneVerdict(name, source, j, answer)};
  if (j.empty())
    return {
        Feedback::Unknown(name, {kErrParse, "the scorer answered an empty list", answer}, source)};
  std::vector<Feedback> out;
  for (const Json& item : j) out.push_back(OneVerdict(name, source, item, answer));
  return out;
}

HttpScorer::HttpScorer(HttpScorerConfig config, llm::HttpClient& http)
    : config_(std::move(config)), http_(http) {}

std::vector<Feedback> HttpScorer::Score(const EvalInput& input, const ScoreContext& ctx) const {
  const FeedbackSource source = FeedbackSource::Code(config_.name);
  llm::HttpRequest request(
      config_.url,
      llm::Deadline::Earlier(ctx.deadline, llm::Deadline::After(*ctx.clock, config_.timeout)));
  request.headers = config_.headers;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body =
      ScorerRequestJson(config_.name, input).dump(-1, ' ', false, Json::error_handler_t::replace);
  request.max_body_bytes = config_.max_response_bytes;
  request.cancel = ctx.cancel;
  Result<llm::HttpResponse> r = http_.Post(request);
  if (!r.ok()) {
    return {Feedback::Unknown(
        config_.name,
        {r.status().code() == StatusCode::kDeadlineExceeded ? kErrTimeout : kErrScorer,
         "scorer endpoint: " + r.status().ToString(), ""},
        source)};
  }
  if (r->status < 200 || r->status >= 300)
    return {ScorerError(config_.name, source,
                        "scorer endpoint answered HTTP " + std::to_string(r->status),
                        CutText(r->body, 4096))};
  if (r->body_truncated)
    return {ScorerError(config_.name, source,
                        "scorer endpoint answered more than " +
                            std::to_string(config_.max_response_bytes) + " bytes")};
  return FeedbacksFromVerdictJson(config_.name, source, r->body);
}

CommandScorer::CommandScorer(CommandScorerConfig config) : config_(std::move(config)) {}

namespace {

struct ProcessResult {
  Status status;  // the program could not run, timed out, wrote too much
  int exit_code = -1;
  std::string out;
};

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Runs argv with `input` on stdin (a socket, written with MSG_NOSIGNAL so a program that exits
// early cannot SIGPIPE the server), stdout captured, stderr discarded. posix_spawn, not fork:
// the server is multi-threaded.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::steady_clock::time_point until, size_t max_output) {
  ProcessResult res;
  std::array<int, 2> in_fds = {-1, -1};
  std::array<int, 2> out_fds = {-1, -1};
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_fds.data()) != 0 ||
      pipe2(out_fds.data(), O_CLOEXEC) != 0) {
    CloseFd(in_fds[0]), CloseFd(in_fds[1]);
    res.status = InternalError("command scorer: cannot create pipes");
    return res;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fds[1], 0);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  // Its own process group, so a timeout kills what the program started too (a shell's children).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  CloseFd(in_fds[1]);
  CloseFd(out_fds[1]);
  if (rc != 0) {
    CloseFd(in_fds[0]), CloseFd(out_fds[0]);
    res.status = FailedPreconditionError("command scorer: cannot start '" + argv[0] + "'");
    return res;
  }
  fcntl(in_fds[0], F_SETFL, O_NONBLOCK);
  fcntl(out_fds[0], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (input.empty()) shutdown(in_fds[0], SHUT_WR);
  bool done = false;
  while (!done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      res.status = DeadlineExceededError("command scorer timed out");
      break;
    }
    std::array<pollfd, 2> fds = {pollfd{out_fds[0], POLLIN, 0},
                                 pollfd{written < input.size() ? in_fds[0] : -1, POLLOUT, 0}};
    const int n =
        poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) {
      res.status = InternalError("command scorer: poll failed");
      break;
    }
    if (fds[1].revents != 0 && written < input.size()) {
      const ssize_t w =
          send(in_fds[0], input.data() + written, input.size() - written, MSG_NOSIGNAL);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // reader gone
      if (written >= input.size()) shutdown(in_fds[0], SHUT_WR);
    }
    if (fds[0].revents != 0) {
      std::array<char, 16384> buf{};
      const ssize_t r = read(out_fds[0], buf.data(), buf.size());
      if (r == 0) done = true;
      if (r > 0) {
        res.out.append(buf.data(), static_cast<size_t>(r));
        if (res.out.size() > max_output) {
          res.status = ResourceExhaustedError("command scorer wrote more than " +
                                              std::to_string(max_output) + " bytes");
          break;
        }
      }
      if (r < 0 && errno != EAGAIN && errno != EINTR) done = true;
    }
  }
  CloseFd(in_fds[0]);
  CloseFd(out_fds[0]);
  if (!res.status.ok()) kill(-pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (res.status.ok()) {
    if (WIFEXITED(wstatus))
      res.exit_code = WEXITSTATUS(wstatus);
    else
      res.status = Status(StatusCode::kAborted, "command scorer was killed by a signal");
  }
  return res;
}

}  // namespace

std::vector<Feedback> CommandScorer::Score(const EvalInput& input, const ScoreContext& ctx) const {
  const FeedbackSource source = FeedbackSource::Code(config_.name);
  if (config_.argv.empty() || config_.argv[0].empty())
    return {ScorerError(config_.name, source, "command scorer has no program configured")};
  const auto budget = std::min<std::chrono::nanoseconds>(
      config_.timeout, std::max(ctx.deadline.Remaining(*ctx.clock), std::chrono::nanoseconds(0)));
  const std::string document =
      ScorerRequestJson(config_.name, input).dump(-1, ' ', false, Json::error_handler_t::replace);
  ProcessResult r = RunProcess(config_.argv, document, std::chrono::steady_clock::now() + budget,
                               config_.max_output_bytes);
  if (!r.status.ok()) {
    return {Feedback::Unknown(
        config_.name,
        {r.status.code() == StatusCode::kDeadlineExceeded ? kErrTimeout : kErrScorer,
         r.status.message(), CutText(r.out, 4096)},
        source)};
  }
  if (r.exit_code != 0)
    return {ScorerError(config_.name, source,
                        "command scorer exited with status " + std::to_string(r.exit_code),
                        CutText(r.out, 4096))};
  return FeedbacksFromVerdictJson(config_.name, source, r.out);
}

}  // namespace tracelake::eval
