#include "eval/instructions_judge.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

namespace tracelake::eval {
namespace {

// A value longer than this is cut before it goes into the prompt.
constexpr size_t kMaxValueBytes = size_t{32} * 1024;

struct Placeholder {
  size_t begin;  // of "{{"
  size_t end;    // past "}}"
  std::string name;
};

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

std::vector<Placeholder> FindPlaceholders(const std::string& text) {
  std::vector<Placeholder> out;
  size_t at = 0;
  while ((at = text.find("{{", at)) != std::string::npos) {
    const size_t close = text.find("}}", at + 2);
    if (close == std::string::npos) break;
    out.push_back({at, close + 2,
                   std::string(TrimView(std::string_view(text).substr(at + 2, close - at - 2)))});
    at = close + 2;
  }
  return out;
}

std::optional<InputField> FieldNamed(const std::string& name) {
  if (name == "inputs") return InputField::kInputs;
  if (name == "outputs") return InputField::kOutputs;
  if (name == "expectations") return InputField::kExpectations;
  if (name == "trace") return InputField::kTrace;
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<InstructionsJudge>> InstructionsJudge::Create(
    InstructionsJudgeConfig config) {
  if (config.name.empty()) return InvalidArgumentError("an instructions judge needs a name");
  if (config.feedback_value_type.kind == FeedbackValueType::Kind::kCategorical &&
      config.feedback_value_type.categories.empty())
    return InvalidArgumentError("a categorical feedback_value_type needs at least one value");
  std::vector<InputField> fields;
  for (const Placeholder& p : FindPlaceholders(config.instructions)) {
    std::optional<InputField> f = FieldNamed(p.name);
    if (!f) {
      return InvalidArgumentError(
          "instructions of judge '" + config.name + "' use the unknown variable {{ " + p.name +
          " }}; allowed are {{ inputs }}, {{ outputs }}, {{ expectations }} and {{ trace }}");
    }
    if (std::find(fields.begin(), fields.end(), *f) == fields.end()) fields.push_back(*f);
  }
  if (fields.empty()) {
    return InvalidArgumentError(
        "instructions of judge '" + config.name +
        "' use no variable: include at least one of {{ inputs }}, {{ outputs }}, "
        "{{ expectations }} or {{ trace }}");
  }
  return std::unique_ptr<InstructionsJudge>(
      new InstructionsJudge(std::move(config), std::move(fields)));
}

std::string InstructionsJudge::Render(const EvalInput& in) const {
  const std::string& text = config_.instructions;
  std::string out;
  size_t copied = 0;
  for (const Placeholder& p : FindPlaceholders(text)) {
    out.append(text, copied, p.begin - copied);
    copied = p.end;
    switch (*FieldNamed(p.name)) {
      case InputField::kInputs:
        out += CutText(JsonText(in.inputs), kMaxValueBytes);
        break;
      case InputField::kOutputs:
        out += CutText(JsonText(in.outputs), kMaxValueBytes);
        break;
      case InputField::kExpectations:
        out += CutText(JsonText(in.expectations), kMaxValueBytes);
        break;
      case InputField::kTrace:
        out += in.trace != nullptr ? RenderTraceForJudge(*in.trace, config_.trace_render) : "";
        break;
    }
  }
  out.append(text, copied, std::string::npos);
  return out;
}

std::vector<Feedback> InstructionsJudge::Score(const EvalInput& raw,
                                               const ScoreContext& ctx) const {
  const EvalInput in = ResolveInput(raw);
  const FeedbackSource source = FeedbackSource::Judge(
      config_.model.empty() && ctx.judges != nullptr ? ctx.judges->default_model() : config_.model);
  if (auto missing = CheckRequiredInputs(config_.name, variables_, in, source)) return {*missing};
  JudgeCall call;
  call.system = JudgeSystemPrompt(config_.feedback_value_type);
  call.user = Render(in);
  return {AskJudge(ctx, config_.model, config_.name, call, config_.feedback_value_type)};
}

}  // namespace tracelake::eval
