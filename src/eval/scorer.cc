#include "eval/scorer.h"

#include <optional>

namespace tracelake::eval {

const char* InputFieldName(InputField field) {
  switch (field) {
    case InputField::kInputs:
      return "inputs";
    case InputField::kOutputs:
      return "outputs";
    case InputField::kExpectations:
      return "expectations";
    case InputField::kTrace:
      return "trace";
  }
  return "?";
}

const model::Span* RootSpan(const model::Trace& trace) {
  const model::Span* earliest = nullptr;
  for (const model::Span& s : trace.spans) {
    if (s.is_root()) return &s;
    if (earliest == nullptr || s.start_time_unix_nano < earliest->start_time_unix_nano)
      earliest = &s;
  }
  return earliest;
}

namespace {

Json ParseSpanJson(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

}  // namespace

EvalInput ResolveInput(const EvalInput& input) {
  EvalInput out = input;
  if (input.trace == nullptr) return out;
  const model::Span* root = RootSpan(*input.trace);
  if (root == nullptr) return out;
  if (out.inputs.is_null()) out.inputs = ParseSpanJson(root->view.inputs_json);
  if (out.outputs.is_null()) out.outputs = ParseSpanJson(root->view.outputs_json);
  return out;
}

std::optional<Feedback> CheckRequiredInputs(const std::string& name,
                                            const std::vector<InputField>& fields,
                                            const EvalInput& input, const FeedbackSource& source) {
  for (InputField f : fields) {
    bool present = false;
    switch (f) {
      case InputField::kInputs:
        present = !input.inputs.is_null();
        break;
      case InputField::kOutputs:
        present = !input.outputs.is_null();
        break;
      case InputField::kExpectations:
        present = input.expectations.is_object() && !input.expectations.empty();
        break;
      case InputField::kTrace:
        present = input.trace != nullptr && !input.trace->spans.empty();
        break;
    }
    if (!present) {
      return Feedback::Unknown(
          name,
          {kErrMissingInput,
           "scorer '" + name + "' needs " + InputFieldName(f) + ", which the record does not have",
           ""},
          source);
    }
  }
  return std::nullopt;
}

std::string JsonText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace tracelake::eval
