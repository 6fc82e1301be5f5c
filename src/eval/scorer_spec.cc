#include "eval/scorer_spec.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "eval/builtin_judges.h"
#include "eval/code_scorers.h"
#include "eval/external_scorers.h"
#include "eval/instructions_judge.h"
#include "eval/serialized_scorer.h"

namespace tracelake::eval {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Result<std::string> OptString(const Json& spec, const char* key) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return InvalidArgumentError(std::string("scorer field '") + key + "' must be a string");
  return it->get<std::string>();
}

Result<ResolvedScorer> Owned(Result<std::unique_ptr<Scorer>> s) {
  if (!s.ok()) return s.status();
  ResolvedScorer r;
  r.owned = std::move(*s);
  r.scorer = r.owned.get();
  return r;
}

}  // namespace

Json CanonicalScorerSpec(const Json& spec) {
  if (spec.is_string()) return Json{{"name", spec}};
  return spec;
}

Result<ResolvedScorer> MakeScorerFromSpec(const Json& raw, const ScorerSpecContext& ctx) {
  const Json spec = CanonicalScorerSpec(raw);
  if (!spec.is_object())
    return InvalidArgumentError("a scorer is a name or a JSON object, got " +
                                std::string(spec.type_name()));
  ASSIGN_OR_RETURN(std::string assessment_name, OptString(spec, "assessment_name"));
  ASSIGN_OR_RETURN(std::string model, OptString(spec, "model"));
  if (model.empty()) model = ctx.default_model;

  if (spec.contains("server_scorer")) {
    ASSIGN_OR_RETURN(std::string name, OptString(spec, "server_scorer"));
    if (ctx.server_scorers == nullptr || ctx.server_scorers->count(name) == 0)
      return NotFoundError("no scorer named '" + name +
                           "' is configured on this server (command and HTTP scorers come only "
                           "from the server's own configuration, never from a request)");
    ResolvedScorer r;
    r.scorer = ctx.server_scorers->at(name);
    return r;
  }
  if (spec.contains("registered")) {
    ASSIGN_OR_RETURN(std::string name, OptString(spec, "registered"));
    std::optional<int64_t> version;
    if (spec.contains("version")) {
      if (!spec["version"].is_number_integer())
        return InvalidArgumentError("scorer field 'version' must be an integer");
      version = spec["version"].get<int64_t>();
    }
    if (!ctx.registered) return InvalidArgumentError("registered scorers are not available here");
    ASSIGN_OR_RETURN(std::string text, ctx.registered(name, version));
    return Owned(ParseSerializedScorer(std::string_view(text)));
  }
  if (spec.contains("serialized_scorer")) {
    const Json& s = spec["serialized_scorer"];
    if (s.is_string())
      return Owned(ParseSerializedScorer(std::string_view(s.get_ref<const std::string&>())));
    return Owned(ParseSerializedScorer(s));
  }
  if (spec.contains("instructions")) {
    InstructionsJudgeConfig config;
    ASSIGN_OR_RETURN(config.instructions, OptString(spec, "instructions"));
    config.name = assessment_name.empty() ? "instructions_judge" : assessment_name;
    config.model = model;
    ASSIGN_OR_RETURN(std::unique_ptr<InstructionsJudge> j,
                     InstructionsJudge::Create(std::move(config)));
    ResolvedScorer r;
    r.owned = std::move(j);
    r.scorer = r.owned.get();
    return r;
  }

  ASSIGN_OR_RETURN(std::string name, OptString(spec, "name"));
  if (name.empty())
    return InvalidArgumentError(
        "a scorer needs a name (a built-in judge or code scorer), 'instructions', "
        "'serialized_scorer', 'registered' or 'server_scorer'");
  const std::vector<std::string> judges = BuiltinJudgeNames();
  if (Contains(judges, name)) {
    BuiltinJudgeOptions options;
    options.name = assessment_name;
    options.model = model;
    if (spec.contains("guidelines")) {
      const Json& g = spec["guidelines"];
      if (g.is_string()) {
        options.guidelines.push_back(g.get<std::string>());
      } else if (g.is_array()) {
        for (const Json& x : g) {
          if (!x.is_string()) return InvalidArgumentError("guidelines must be strings");
          options.guidelines.push_back(x.get<std::string>());
        }
      } else {
        return InvalidArgumentError("guidelines must be a string or a list of strings");
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<BuiltinJudge> j, MakeBuiltinJudge(name, std::move(options)));
    ResolvedScorer r;
    r.owned = std::move(j);
    r.scorer = r.owned.get();
    return r;
  }
  const std::vector<std::string> code = CodeScorerNames();
  if (Contains(code, name)) {
    Json options = spec.contains("options") ? spec["options"] : Json::object();
    if (!options.is_object()) return InvalidArgumentError("scorer 'options' must be an object");
    if (!assessment_name.empty()) options["name"] = assessment_name;
    return Owned(MakeCodeScorer(name, options));
  }
  return InvalidArgumentError("unknown scorer '" + name + "'; built-in judges: " + Join(judges) +
                              "; code scorers: " + Join(code));
}

Result<std::vector<std::unique_ptr<Scorer>>> ParseServerScorers(std::string_view json_text,
                                                                llm::HttpClient& http) {
  const Json doc = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("scorers") ||
      !doc["scorers"].is_array())
    return InvalidArgumentError(
        "the scorers configuration must be a JSON object {\"scorers\": [...]}");
  std::vector<std::unique_ptr<Scorer>> out;
  std::set<std::string> names;
  for (size_t i = 0; i < doc["scorers"].size(); ++i) {
    const Json& e = doc["scorers"][i];
    const std::string where = "scorers[" + std::to_string(i) + "]";
    if (!e.is_object()) return InvalidArgumentError(where + " must be an object");
    ASSIGN_OR_RETURN(std::string name, OptString(e, "name"));
    if (name.empty()) return InvalidArgumentError(where + " needs a name");
    if (!names.insert(name).second)
      return InvalidArgumentError(where + ": the name '" + name.append("' is used twice"));
    std::chrono::milliseconds timeout{30000};
    if (e.contains("timeout_seconds")) {
      if (!e["timeout_seconds"].is_number() || e["timeout_seconds"].get<double>() <= 0)
        return InvalidArgumentError(where + ".timeout_seconds must be a positive number");
      timeout = std::chrono::milliseconds(
          static_cast<int64_t>(e["timeout_seconds"].get<double>() * 1000));
    }
    const bool is_command = e.contains("command");
    const bool is_http = e.contains("url");
    if (is_command == is_http)
      return InvalidArgumentError(where +
                                  " needs exactly one of 'command' (a list: the program "
                                  "and its arguments) or 'url'");
    if (is_command) {
      CommandScorerConfig c;
      c.name = name;
      c.timeout = timeout;
      if (!e["command"].is_array() || e["command"].empty())
        return InvalidArgumentError(where + ".command must be a non-empty list of strings");
      for (const Json& a : e["command"]) {
        if (!a.is_string()) return InvalidArgumentError(where + ".command must hold strings");
        c.argv.push_back(a.get<std::string>());
      }
      if (e.contains("max_output_bytes")) {
        if (!e["max_output_bytes"].is_number_unsigned())
          return InvalidArgumentError(where + ".max_output_bytes must be a positive integer");
        c.max_output_bytes = e["max_output_bytes"].get<size_t>();
      }
      out.push_back(std::make_unique<CommandScorer>(std::move(c)));
    } else {
      HttpScorerConfig c;
      c.name = name;
      c.timeout = timeout;
      ASSIGN_OR_RETURN(c.url, OptString(e, "url"));
      if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
        return InvalidArgumentError(where + ".url must start with http:// or https://");
      if (e.contains("headers")) {
        if (!e["headers"].is_object())
          return InvalidArgumentError(where + ".headers must be an object of strings");
        for (const auto& [k, v] : e["headers"].items()) {
          if (!v.is_string())
            return InvalidArgumentError(where + ".headers must be an object of strings");
          c.headers.emplace_back(k, v.get<std::string>());
        }
      }
      out.push_back(std::make_unique<HttpScorer>(std::move(c), http));
    }
  }
  return out;
}

}  // namespace tracelake::eval
