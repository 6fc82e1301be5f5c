#include "eval/code_scorers.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

#include "eval/trace_render.h"
#include "model/span.h"

namespace tracelake::eval {
namespace {

using Check = std::function<Feedback(const EvalInput& in, const FeedbackSource& source)>;

// A code scorer made of a check function. Immutable; safe for concurrent use.
class FunctionScorer final : public Scorer {
 public:
  FunctionScorer(std::string name, std::vector<InputField> required, Check check)
      : name_(std::move(name)), required_(std::move(required)), check_(std::move(check)) {}

  const std::string& name() const override { return name_; }
  ScorerKind kind() const override { return ScorerKind::kCode; }
  std::vector<InputField> required_inputs() const override { return required_; }
  std::vector<Feedback> Score(const EvalInput& raw, const ScoreContext&) const override {
    const EvalInput in = ResolveInput(raw);
    const FeedbackSource source = FeedbackSource::Code(name_);
    if (auto missing = CheckRequiredInputs(name_, required_, in, source)) return {*missing};
    Feedback f = check_(in, source);
    f.name = name_;
    f.source = source;
    return {std::move(f)};
  }

 private:
  const std::string name_;
  const std::vector<InputField> required_;
  const Check check_;
};

std::unique_ptr<Scorer> Make(const std::string& name, const char* fallback,
                             std::vector<InputField> required, Check check) {
  return std::make_unique<FunctionScorer>(name.empty() ? fallback : name, std::move(required),
                                          std::move(check));
}

Feedback Checked(bool pass, std::string rationale) {
  Feedback f;
  f.value = pass;
  f.rationale = std::move(rationale);
  return f;
}

Feedback Missing(std::string message) {
  Feedback f;
  f.error = FeedbackError{kErrMissingInput, std::move(message), ""};
  return f;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

int64_t CodePoints(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

int64_t Words(const std::string& s) {
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    const bool space = std::isspace(c) != 0;
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::string Num(double v) { return model::PythonFloatRepr(v); }

bool LuhnValid(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::optional<double> AsNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  Json parsed = Json::parse(Trim(v.get<std::string>()), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_number() || !std::isfinite(parsed.get<double>())) return std::nullopt;
  return parsed.get<double>();
}

std::vector<const model::Span*> ToolSpansByStart(const model::Trace& trace) {
  std::vector<const model::Span*> tools = SpansOfType(trace, "TOOL");
  std::stable_sort(tools.begin(), tools.end(), [](const model::Span* a, const model::Span* b) {
    return a->start_time_unix_nano < b->start_time_unix_nano;
  });
  return tools;
}

// The trace's token total: its own, else the sum of the spans' totals.
std::optional<int64_t> TraceTokens(const model::Trace& trace) {
  model::TokenUsage u = trace.info.usage;
  u.Complete();
  if (u.total_tokens) return u.total_tokens;
  std::optional<int64_t> sum;
  for (const model::Span& s : trace.spans) {
    model::TokenUsage su = s.view.usage;
    su.Complete();
    if (su.total_tokens) sum = sum.value_or(0) + *su.total_tokens;
  }
  return sum;
}

std::optional<double> TraceCost(const model::Trace& trace, const model::PriceTable* prices) {
  if (trace.info.cost) return trace.info.cost->total_cost;
  std::optional<double> sum;
  for (const model::Span& s : trace.spans) {
    std::optional<double> c;
    if (s.view.cost)
      c = s.view.cost->total_cost;
    else if (prices != nullptr && !s.view.model.empty() && !s.view.usage.empty())
      c = prices->Cost(s.view.model, s.view.usage);
    if (c) sum = sum.value_or(0) + *c;
  }
  return sum;
}

const InputField kOut = InputField::kOutputs;
const InputField kTr = InputField::kTrace;

}  // namespace

std::unique_ptr<Scorer> ExactMatch(ExactMatchOptions o) {
  const std::string name = o.name;
  return Make(name, "exact_match", {kOut, InputField::kExpectations},
              [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
                auto it = in.expectations.find("expected_response");
                if (it == in.expectations.end() || it->is_null())
                  return Missing("exact_match needs expectations expected_response");
                if (!it->is_string() || !in.outputs.is_string()) {
                  const bool same = *it == in.outputs;
                  return Checked(same, same ? "The output equals the expected response."
                                            : "The output differs from the expected response.");
                }
                std::string a = in.outputs.get<std::string>();
                std::string b = it->get<std::string>();
                if (o.trim) a = Trim(a), b = Trim(b);
                if (!o.case_sensitive) a = Lower(a), b = Lower(b);
                const bool same = a == b;
                return Checked(same, same ? "The output equals the expected response."
                                          : "The output differs from the expected response.");
              });
}

Result<std::unique_ptr<Scorer>> ContainsKeywords(ContainsKeywordsOptions o) {
  if (o.keywords.empty()) return InvalidArgumentError("contains_keywords needs keywords");
  for (const std::string& k : o.keywords)
    if (k.empty()) return InvalidArgumentError("contains_keywords: a keyword is empty");
  const std::string name = o.name;
  return Make(name, "contains_keywords", {kOut},
              [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
                const std::string text =
                    o.case_sensitive ? JsonText(in.outputs) : Lower(JsonText(in.outputs));
                std::vector<std::string> found;
                std::vector<std::string> missing;
                for (const std::string& k : o.keywords) {
                  const bool has = text.find(o.case_sensitive ? k : Lower(k)) != std::string::npos;
                  (has ? found : missing).push_back(k);
                }
                const bool pass = o.require_all ? missing.empty() : !found.empty();
                std::string why = "Found " + std::to_string(found.size()) + " of " +
                                  std::to_string(o.keywords.size()) + " keywords";
                if (!missing.empty()) {
                  why += "; missing:";
                  for (const std::string& m : missing) why += " \"" + m + "\"";
                }
                return Checked(pass, why + ".");
              });
}

Result<std::unique_ptr<Scorer>> RegexMatch(RegexMatchOptions o) {
  if (o.pattern.empty()) return InvalidArgumentError("regex_match needs a pattern");
  RE2::Options options;
  options.set_log_errors(false);
  // Shared by the copies of the check; RE2 is immutable and safe for concurrent use.
  auto re = std::make_shared<const RE2>(o.pattern, options);
  if (!re->ok()) return InvalidArgumentError("regex_match: invalid pattern: " + re->error());
  const std::string name = o.name;
  return Make(name, "regex_match", {kOut},
              [o = std::move(o), re](const EvalInput& in, const FeedbackSource&) {
                const std::string text = JsonText(in.outputs);
                const bool match =
                    o.full_match ? RE2::FullMatch(text, *re) : RE2::PartialMatch(text, *re);
                return Checked(match, match ? "The output matches the pattern."
                                            : "The output does not match the pattern.");
              });
}

std::unique_ptr<Scorer> JsonValidity(JsonValidityOptions o) {
  const std::string name = o.name;
  return Make(
      name, "json_validity", {kOut},
      [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
        Json value = in.outputs;
        if (value.is_string()) {
          value = Json::parse(value.get<std::string>(), nullptr, /*allow_exceptions=*/false);
          if (value.is_discarded()) return Checked(false, "The output is not valid JSON.");
        }
        if (o.required_keys.empty()) return Checked(true, "The output is valid JSON.");
        if (!value.is_object())
          return Checked(false, "The output is JSON but not an object with the required keys.");
        std::string missing;
        for (const std::string& k : o.required_keys)
          if (!value.contains(k)) missing += " \"" + k + "\"";
        if (!missing.empty())
          return Checked(false, "The JSON object lacks the keys" + missing + ".");
        return Checked(true, "The output is a JSON object with every required key.");
      });
}

Result<std::unique_ptr<Scorer>> LengthBound(LengthBoundOptions o) {
  if (!o.min_length && !o.max_length)
    return InvalidArgumentError("length_bound needs min_length or max_length");
  if ((o.min_length && *o.min_length < 0) || (o.max_length && *o.max_length < 0))
    return InvalidArgumentError("length_bound: bounds must not be negative");
  if (o.min_length && o.max_length && *o.min_length > *o.max_length)
    return InvalidArgumentError("length_bound: min_length is greater than max_length");
  const std::string name = o.name;
  return Make(
      name, "length_bound", {kOut}, [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
        const std::string text = JsonText(in.outputs);
        const int64_t n = o.unit == LengthUnit::kWords ? Words(text) : CodePoints(text);
        const bool pass =
            (!o.min_length || n >= *o.min_length) && (!o.max_length || n <= *o.max_length);
        std::string why = "The output has " + std::to_string(n) +
                          (o.unit == LengthUnit::kWords ? " words" : " characters") + "; bounds [" +
                          (o.min_length ? std::to_string(*o.min_length) : "") + ", " +
                          (o.max_length ? std::to_string(*o.max_length) : "") + "].";
        return Checked(pass, why);
      });
}

std::unique_ptr<Scorer> IsNotEmpty(const IsNotEmptyOptions& o) {
  return Make(o.name, "is_not_empty", {}, [](const EvalInput& in, const FeedbackSource&) {
    const bool empty = in.outputs.is_null() ||
                       (in.outputs.is_string() && Trim(in.outputs.get<std::string>()).empty()) ||
                       ((in.outputs.is_array() || in.outputs.is_object()) && in.outputs.empty());
    return Checked(!empty, empty ? "The output is empty." : "The output is not empty.");
  });
}

Result<std::unique_ptr<Scorer>> NumericBound(NumericBoundOptions o) {
  if (!o.min_value && !o.max_value)
    return InvalidArgumentError("numeric_bound needs min_value or max_value");
  if (o.min_value && o.max_value && *o.min_value > *o.max_value)
    return InvalidArgumentError("numeric_bound: min_value is greater than max_value");
  const std::string name = o.name;
  return Make(name, "numeric_bound", {kOut},
              [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
                std::optional<double> v = AsNumber(in.outputs);
                if (!v) return Checked(false, "The output is not a number.");
                const bool pass =
                    (!o.min_value || *v >= *o.min_value) && (!o.max_value || *v <= *o.max_value);
                return Checked(pass, "The output is " + Num(*v) + "; bounds [" +
                                         (o.min_value ? Num(*o.min_value) : "") + ", " +
                                         (o.max_value ? Num(*o.max_value) : "") + "].");
              });
}

std::unique_ptr<Scorer> PiiDetection(const PiiDetectionOptions& o) {
  struct Patterns {
    RE2 email{R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"};
    RE2 ssn{R"((?:^|[^0-9-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?:$|[^0-9-]))"};
    RE2 phone{R"((?:^|[^0-9])(?:\([0-9]{3}\)|[0-9]{3})[ .-][0-9]{3}[ .-][0-9]{4}(?:$|[^0-9]))"};
    // A run of digits, single spaces or hyphens allowed between them.
    RE2 digit_run{R"(([0-9](?:[ -]?[0-9])*))"};
  };
  // Shared by the check's copies; RE2 is immutable and safe for concurrent use.
  auto p = std::make_shared<const Patterns>();
  return Make(o.name, "pii_detection", {kOut}, [p](const EvalInput& in, const FeedbackSource&) {
    const std::string text = JsonText(in.outputs);
    std::vector<std::string> kinds;
    if (RE2::PartialMatch(text, p->email)) kinds.emplace_back("email");
    if (RE2::PartialMatch(text, p->ssn)) kinds.emplace_back("ssn");
    if (RE2::PartialMatch(text, p->phone)) kinds.emplace_back("phone");
    // Card numbers: a run of 13 to 19 digits that passes the Luhn check (longer runs are ids).
    re2::StringPiece rest(text);
    std::string run;
    while (RE2::FindAndConsume(&rest, p->digit_run, &run)) {
      std::string digits;
      for (char c : run)
        if (c >= '0' && c <= '9') digits += c;
      if (digits.size() >= 13 && digits.size() <= 19 && LuhnValid(digits)) {
        kinds.emplace_back("credit_card");
        break;
      }
    }
    if (kinds.empty()) return Checked(true, "No personal data found in the output.");
    std::string why = "The output contains personal data:";
    for (const std::string& k : kinds) why += " " + k;
    return Checked(false, why + ".");
  });
}

Result<std::unique_ptr<Scorer>> LatencyThreshold(LatencyThresholdOptions o) {
  if (!(o.max_latency_seconds > 0))
    return InvalidArgumentError("latency_threshold needs a positive max_latency_seconds");
  const std::string name = o.name;
  return Make(name, "latency_threshold", {kTr},
              [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
                int64_t ns = in.trace->info.execution_duration_ns;
                if (ns <= 0) {
                  const model::Span* root = RootSpan(*in.trace);
                  if (root != nullptr && root->end_time_unix_nano > root->start_time_unix_nano)
                    ns =
                        static_cast<int64_t>(root->end_time_unix_nano - root->start_time_unix_nano);
                }
                if (ns <= 0) return Missing("latency_threshold: the trace has no duration");
                const double seconds = static_cast<double>(ns) / 1e9;
                return Checked(seconds <= o.max_latency_seconds,
                               "The trace took " + Num(seconds) + " s; the limit is " +
                                   Num(o.max_latency_seconds) + " s.");
              });
}

std::unique_ptr<Scorer> NoErrorSpans(const NoErrorSpansOptions& o) {
  return Make(o.name, "no_error_spans", {kTr}, [](const EvalInput& in, const FeedbackSource&) {
    std::vector<std::string> names;
    for (const model::Span& s : in.trace->spans)
      if (s.status_code == model::SpanStatusCode::kError) names.push_back(s.name);
    if (names.empty()) return Checked(true, "No span ended in error.");
    std::string why = std::to_string(names.size()) + " span(s) ended in error:";
    for (size_t i = 0; i < names.size() && i < 5; ++i) why += " \"" + CutText(names[i], 100) + "\"";
    return Checked(false, why + ".");
  });
}

Result<std::unique_ptr<Scorer>> TokenBudget(TokenBudgetOptions o) {
  if (o.max_total_tokens <= 0)
    return InvalidArgumentError("token_budget needs a positive max_total_tokens");
  const std::string name = o.name;
  return Make(
      name, "token_budget", {kTr}, [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
        std::optional<int64_t> tokens = TraceTokens(*in.trace);
        if (!tokens) return Missing("token_budget: the trace reports no token usage");
        return Checked(*tokens <= o.max_total_tokens, "The trace used " + std::to_string(*tokens) +
                                                          " tokens; the budget is " +
                                                          std::to_string(o.max_total_tokens) + ".");
      });
}

Result<std::unique_ptr<Scorer>> CostBudget(CostBudgetOptions o) {
  if (!(o.max_cost_usd > 0))
    return InvalidArgumentError("cost_budget needs a positive max_cost_usd");
  const std::string name = o.name;
  return Make(
      name, "cost_budget", {kTr}, [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
        std::optional<double> cost = TraceCost(*in.trace, o.prices);
        if (!cost) return Missing("cost_budget: no span of the trace has a known cost");
        return Checked(
            *cost <= o.max_cost_usd,
            "The trace cost $" + Num(*cost) + "; the budget is $" + Num(o.max_cost_usd) + ".");
      });
}

Result<std::unique_ptr<Scorer>> ToolCalled(ToolCalledOptions o) {
  if (o.tool_name.empty()) return InvalidArgumentError("tool_called needs a tool_name");
  const std::string name = o.name;
  return Make(name, "tool_called", {kTr},
              [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
                for (const model::Span* s : SpansOfType(*in.trace, "TOOL"))
                  if (s->name == o.tool_name)
                    return Checked(true, "The tool \"" + o.tool_name + "\" was called.");
                return Checked(false, "The tool \"" + o.tool_name + "\" was not called.");
              });
}

Result<std::unique_ptr<Scorer>> ToolCallOrder(ToolCallOrderOptions o) {
  if (o.tool_names.empty()) return InvalidArgumentError("tool_call_order needs tool_names");
  for (const std::string& t : o.tool_names)
    if (t.empty()) return InvalidArgumentError("tool_call_order: a tool name is empty");
  const std::string name = o.name;
  return Make(name, "tool_call_order", {kTr},
              [o = std::move(o)](const EvalInput& in, const FeedbackSource&) {
                std::vector<std::string> called;
                for (const model::Span* s : ToolSpansByStart(*in.trace)) called.push_back(s->name);
                bool pass = false;
                if (o.strict) {
                  pass = called == o.tool_names;
                } else {
                  size_t next = 0;
                  for (const std::string& c : called)
                    if (next < o.tool_names.size() && c == o.tool_names[next]) ++next;
                  pass = next == o.tool_names.size();
                }
                std::string seq;
                for (const std::string& c : called) seq += (seq.empty() ? "" : ", ") + c;
                return Checked(
                    pass, std::string(pass ? "The tools were called in the expected order"
                                           : "The tools were not called in the expected order") +
                              " (called: " + (seq.empty() ? "none" : seq) + ").");
              });
}

namespace {

// Reads a JSON options object, remembering which keys were used so unknown ones are reported.
class Options {
 public:
  explicit Options(const Json& j) : j_(j.is_null() ? Json::object() : j) {}

  Status Valid() const {
    return j_.is_object() ? OkStatus() : InvalidArgumentError("scorer options must be an object");
  }
  template <typename T>
  Status Get(const char* key, T* out) {
    used_.insert(key);
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return OkStatus();
    try {
      *out = it->get<T>();
    } catch (const Json::exception&) {
      return InvalidArgumentError(std::string("scorer option '") + key + "' has the wrong type");
    }
    return OkStatus();
  }
  template <typename T>
  Status Get(const char* key, std::optional<T>* out) {
    T value{};
    used_.insert(key);
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return OkStatus();
    RETURN_IF_ERROR(Get(key, &value));
    *out = value;
    return OkStatus();
  }
  Status NoOthers(std::string_view scorer) const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (used_.count(it.key()) == 0)
        return InvalidArgumentError("unknown option '" + it.key() + "' for scorer " +
                                    std::string(scorer));
    return OkStatus();
  }

 private:
  Json j_;
  std::set<std::string, std::less<>> used_;
};

template <typename T>
Result<std::unique_ptr<Scorer>> Wrap(std::unique_ptr<T> s) {
  return std::unique_ptr<Scorer>(std::move(s));
}

}  // namespace

std::vector<std::string> CodeScorerNames() {
  return {"exact_match",       "contains_keywords", "regex_match",   "json_validity",
          "length_bound",      "is_not_empty",      "numeric_bound", "pii_detection",
          "latency_threshold", "no_error_spans",    "token_budget",  "cost_budget",
          "tool_called",       "tool_call_order"};
}

Result<std::unique_ptr<Scorer>> MakeCodeScorer(std::string_view scorer, const Json& json) {
  Options opt(json);
  RETURN_IF_ERROR(opt.Valid());
  std::string name;
  RETURN_IF_ERROR(opt.Get("name", &name));
  Result<std::unique_ptr<Scorer>> made = NotFoundError("");
  if (scorer == "exact_match") {
    ExactMatchOptions o{name};
    RETURN_IF_ERROR(opt.Get("case_sensitive", &o.case_sensitive));
    RETURN_IF_ERROR(opt.Get("trim", &o.trim));
    made = Wrap(ExactMatch(o));
  } else if (scorer == "contains_keywords") {
    ContainsKeywordsOptions o{name};
    RETURN_IF_ERROR(opt.Get("keywords", &o.keywords));
    RETURN_IF_ERROR(opt.Get("require_all", &o.require_all));
    RETURN_IF_ERROR(opt.Get("case_sensitive", &o.case_sensitive));
    made = ContainsKeywords(o);
  } else if (scorer == "regex_match") {
    RegexMatchOptions o{name};
    RETURN_IF_ERROR(opt.Get("pattern", &o.pattern));
    RETURN_IF_ERROR(opt.Get("full_match", &o.full_match));
    made = RegexMatch(o);
  } else if (scorer == "json_validity") {
    JsonValidityOptions o{name};
    RETURN_IF_ERROR(opt.Get("required_keys", &o.required_keys));
    made = Wrap(JsonValidity(o));
  } else if (scorer == "length_bound") {
    LengthBoundOptions o{name};
    RETURN_IF_ERROR(opt.Get("min_length", &o.min_length));
    RETURN_IF_ERROR(opt.Get("max_length", &o.max_length));
    std::string unit = "chars";
    RETURN_IF_ERROR(opt.Get("unit", &unit));
    if (unit != "chars" && unit != "words")
      return InvalidArgumentError("length_bound unit must be \"chars\" or \"words\"");
    o.unit = unit == "words" ? LengthUnit::kWords : LengthUnit::kChars;
    made = LengthBound(o);
  } else if (scorer == "is_not_empty") {
    made = Wrap(IsNotEmpty({name}));
  } else if (scorer == "numeric_bound") {
    NumericBoundOptions o{name};
    RETURN_IF_ERROR(opt.Get("min_value", &o.min_value));
    RETURN_IF_ERROR(opt.Get("max_value", &o.max_value));
    made = NumericBound(o);
  } else if (scorer == "pii_detection") {
    made = Wrap(PiiDetection({name}));
  } else if (scorer == "latency_threshold") {
    LatencyThresholdOptions o{name};
    RETURN_IF_ERROR(opt.Get("max_latency_seconds", &o.max_latency_seconds));
    made = LatencyThreshold(o);
  } else if (scorer == "no_error_spans") {
    made = Wrap(NoErrorSpans({name}));
  } else if (scorer == "token_budget") {
    TokenBudgetOptions o{name};
    RETURN_IF_ERROR(opt.Get("max_total_tokens", &o.max_total_tokens));
    made = TokenBudget(o);
  } else if (scorer == "cost_budget") {
    CostBudgetOptions o{name};
    RETURN_IF_ERROR(opt.Get("max_cost_usd", &o.max_cost_usd));
    made = CostBudget(o);
  } else if (scorer == "tool_called") {
    ToolCalledOptions o{name};
    RETURN_IF_ERROR(opt.Get("tool_name", &o.tool_name));
    made = ToolCalled(o);
  } else if (scorer == "tool_call_order") {
    ToolCallOrderOptions o{name};
    RETURN_IF_ERROR(opt.Get("tool_names", &o.tool_names));
    RETURN_IF_ERROR(opt.Get("strict", &o.strict));
    made = ToolCallOrder(o);
  } else {
    std::string known;
    for (const std::string& n : CodeScorerNames()) known += (known.empty() ? "" : ", ") + n;
    return NotFoundError("unknown code scorer '" + std::string(scorer) + "'; known: " + known);
  }
  RETURN_IF_ERROR(opt.NoOthers(scorer));
  return made;
}

}  // namespace tracelake::eval
