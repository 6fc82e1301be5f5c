#include "eval/serialized_scorer.h"

#include <algorithm>

#include "eval/builtin_judges.h"
#include "eval/instructions_judge.h"

namespace tracelake::eval {
namespace {

Json Envelope(const std::string& name, const std::string& description) {
  return {{"name", name},
          {"aggregations", nullptr},
          {"description", description.empty() ? Json(nullptr) : Json(description)},
          {"is_session_level_scorer", false},
          {"mlflow_version", kSerializedMlflowVersion},
          {"serialization_version", kSerializationVersion},
          {"builtin_scorer_class", nullptr},
          {"builtin_scorer_pydantic_data", nullptr},
          {"call_source", nullptr},
          {"call_signature", nullptr},
          {"original_func_name", nullptr},
          {"instructions_judge_pydantic_data", nullptr},
          {"memory_augmented_judge_data", nullptr},
          {"third_party_scorer_data", nullptr}};
}

bool Present(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<Json> SerializeScorer(const Scorer& scorer) {
  if (const auto* b = dynamic_cast<const BuiltinJudge*>(&scorer)) {
    Json out = Envelope(b->name(), b->description());
    std::vector<std::string> columns;
    for (InputField f : b->required_inputs()) columns.emplace_back(InputFieldName(f));
    std::sort(columns.begin(), columns.end());
    Json data = {{"name", b->name()},
                 {"aggregations", nullptr},
                 {"description", b->description()},
                 {"required_columns", columns},
                 {"inference_params", nullptr},
                 {"model", b->model().empty() ? Json(nullptr) : Json(b->model())},
                 {"instructions", b->instructions()}};
    if (b->kind() == ScorerKind::kGuidelines) data["guidelines"] = b->guidelines();
    out["builtin_scorer_class"] = b->class_name();
    out["builtin_scorer_pydantic_data"] = std::move(data);
    return out;
  }
  if (const auto* j = dynamic_cast<const InstructionsJudge*>(&scorer)) {
    const InstructionsJudgeConfig& c = j->config();
    Json out = Envelope(c.name, c.description);
    out["instructions_judge_pydantic_data"] = {
        {"instructions", c.instructions},
        {"model", c.model.empty() ? Json(nullptr) : Json(c.model)},
        {"feedback_value_type", c.feedback_value_type.ToJsonSchema()}};
    return out;
  }
  return UnimplementedError("scorer '" + scorer.name() +
                            "' has no MLflow serialized form (only LLM judges do)");
}

Result<std::unique_ptr<Scorer>> ParseSerializedScorer(const Json& s) {
  if (!s.is_object()) return InvalidArgumentError("serialized_scorer must be a JSON object");
  const std::string name = StringField(s, "name");
  const int kinds = static_cast<int>(Present(s, "builtin_scorer_class")) +
                    static_cast<int>(Present(s, "call_source")) +
                    static_cast<int>(Present(s, "instructions_judge_pydantic_data")) +
                    static_cast<int>(Present(s, "memory_augmented_judge_data")) +
                    static_cast<int>(Present(s, "third_party_scorer_data"));
  if (kinds != 1) {
    return InvalidArgumentError(
        "serialized_scorer must have exactly one of builtin_scorer_class, call_source, "
        "instructions_judge_pydantic_data, memory_augmented_judge_data, "
        "third_party_scorer_data");
  }
  if (Present(s, "builtin_scorer_class")) {
    if (!s["builtin_scorer_class"].is_string())
      return InvalidArgumentError("builtin_scorer_class must be a string");
    const Json data = Present(s, "builtin_scorer_pydantic_data") ? s["builtin_scorer_pydantic_data"]
                                                                 : Json::object();
    if (!data.is_object())
      return InvalidArgumentError("builtin_scorer_pydantic_data must be an object");
    BuiltinJudgeOptions options;
    options.name = StringField(data, "name");
    if (options.name.empty()) options.name = name;
    options.model = StringField(data, "model");
    if (auto g = data.find("guidelines"); g != data.end()) {
      if (g->is_string()) {
        options.guidelines.push_back(g->get<std::string>());
      } else if (g->is_array()) {
        for (const Json& item : *g) {
          if (!item.is_string()) return InvalidArgumentError("guidelines must be strings");
          options.guidelines.push_back(item.get<std::string>());
        }
      }
    }
    Result<std::unique_ptr<BuiltinJudge>> judge =
        MakeBuiltinJudge(s["builtin_scorer_class"].get<std::string>(), std::move(options));
    if (!judge.ok()) return InvalidArgumentError(judge.status().message());
    return std::unique_ptr<Scorer>(std::move(judge).value());
  }
  if (Present(s, "instructions_judge_pydantic_data")) {
    const Json& data = s["instructions_judge_pydantic_data"];
    if (!data.is_object())
      return InvalidArgumentError("instructions_judge_pydantic_data must be an object");
    InstructionsJudgeConfig config;
    config.name = name;
    config.instructions = StringField(data, "instructions");
    config.model = StringField(data, "model");
    config.description = StringField(s, "description");
    if (Present(data, "feedback_value_type")) {
      Result<FeedbackValueType> type =
          FeedbackValueType::FromJsonSchema(data["feedback_value_type"]);
      if (!type.ok()) return type.status();
      config.feedback_value_type = *type;
    }
    Result<std::unique_ptr<InstructionsJudge>> judge = InstructionsJudge::Create(std::move(config));
    if (!judge.ok()) return judge.status();
    return std::unique_ptr<Scorer>(std::move(judge).value());
  }
  return UnimplementedError("serialized scorer '" + name +
                            "' is a Python scorer (decorator, aligned or third-party), which "
                            "tracelake cannot run");
}

Result<std::unique_ptr<Scorer>> ParseSerializedScorer(std::string_view json_text) {
  Json j = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("serialized_scorer is not valid JSON");
  return ParseSerializedScorer(j);
}

}  // namespace tracelake::eval
