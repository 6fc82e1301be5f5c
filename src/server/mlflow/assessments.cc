// Assessments (MLflow 3.0): create, get, update (with an update_mask) and delete feedback and
// expectations on a trace or one of its spans.
#include <cctype>

#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

struct AssessmentDeps {
  storage::AssessmentStore& store;
};

// google.protobuf.FieldMask in JSON is one string of comma-separated lowerCamelCase paths
// ("assessmentName,feedback"); MLflow's parser also takes snake_case. {"paths": [...]} too.
Result<std::vector<std::string>> UpdateMaskPaths(const ParamReader& p) {
  const Json* m = p.Get("update_mask");
  if (m == nullptr) return p.Missing("update_mask");
  std::vector<std::string> raw;
  if (m->is_string()) {
    const std::string& s = m->get_ref<const std::string&>();
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      if (comma > start) raw.push_back(s.substr(start, comma - start));
      start = comma + 1;
    }
  } else if (m->is_object() && m->contains("paths") && (*m)["paths"].is_array()) {
    for (const auto& e : (*m)["paths"]) {
      if (!e.is_string()) return p.Invalid("update_mask", *m, "paths must be strings.");
      raw.push_back(e.get<std::string>());
    }
  } else {
    return p.Invalid("update_mask", *m,
                     "expected a FieldMask such as \"assessmentName,feedback\".");
  }
  std::vector<std::string> out;
  for (const auto& path : raw) {
    std::string snake;
    for (char c : path) {
      if (c == ' ') continue;
      if (std::isupper(static_cast<unsigned char>(c))) {
        snake += '_';
        snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else {
        snake += c;
      }
    }
    if (!snake.empty()) out.push_back(snake);
  }
  if (out.empty()) return p.Missing("update_mask");
  return out;
}

Result<TraceId> TraceFromPath(const HttpRequest& req) {
  ASSIGN_OR_RETURN(std::string raw, PathParam(req, "trace_id"));
  return ParseTraceIdParam(raw, "trace_id");
}

Result<Json> CreateAssessment(const HttpRequest& req, const AssessmentDeps& ctx) {
  ASSIGN_OR_RETURN(TraceId trace, TraceFromPath(req));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(ParamReader body, p.RequiredObject("assessment"));
  ASSIGN_OR_RETURN(model::Assessment a, AssessmentFromJson(body));
  if (a.assessment_name.empty()) return body.Missing("assessment_name");
  if (!a.feedback && !a.expectation)
    return InvalidArgumentError("Exactly one of `expectation` or `feedback` should be specified.");
  if (a.source.source_type == model::AssessmentSourceType::kUnspecified) {
    ASSIGN_OR_RETURN(std::optional<ParamReader> source, body.OptObject("source"));
    return source ? source->Missing("source_type") : body.Missing("source");
  }
  // The trace in the path wins over assessment.trace_id, as in MLflow's handler.
  a.trace_id = MlflowTraceId(trace);
  // Ids and times are the server's to assign.
  a.assessment_id.clear();
  ASSIGN_OR_RETURN(model::Assessment stored, ctx.store.CreateAssessment(a));
  return Json{{"assessment", AssessmentToJson(stored)}};
}

Result<Json> GetAssessment(const HttpRequest& req, const AssessmentDeps& ctx) {
  ASSIGN_OR_RETURN(TraceId trace, TraceFromPath(req));
  ASSIGN_OR_RETURN(std::string id, PathParam(req, "assessment_id"));
  ASSIGN_OR_RETURN(model::Assessment a, ctx.store.GetAssessment(trace, id));
  return Json{{"assessment", AssessmentToJson(a)}};
}

Result<Json> UpdateAssessment(const HttpRequest& req, const AssessmentDeps& ctx) {
  ASSIGN_OR_RETURN(TraceId trace, TraceFromPath(req));
  ASSIGN_OR_RETURN(std::string id, PathParam(req, "assessment_id"));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(ParamReader body, p.RequiredObject("assessment"));
  ASSIGN_OR_RETURN(std::vector<std::string> paths, UpdateMaskPaths(p));
  ASSIGN_OR_RETURN(model::Assessment a, AssessmentFromJson(body));
  storage::AssessmentUpdate u;
  // Paths MLflow's handler does not know are ignored, as there.
  for (const auto& path : paths) {
    if (path == "assessment_name") {
      if (a.assessment_name.empty()) return body.Missing("assessment_name");
      u.assessment_name = a.assessment_name;
    } else if (path == "feedback") {
      if (!a.feedback) return body.Missing("feedback");
      u.feedback = a.feedback;
    } else if (path == "expectation") {
      if (!a.expectation) return body.Missing("expectation");
      u.expectation = a.expectation;
    } else if (path == "rationale") {
      u.rationale = a.rationale;
    } else if (path == "metadata") {
      u.metadata = a.metadata;
    } else if (path == "valid") {
      u.valid = a.valid;
    }
  }
  ASSIGN_OR_RETURN(model::Assessment stored, ctx.store.UpdateAssessment(trace, id, u));
  return Json{{"assessment", AssessmentToJson(stored)}};
}

Result<Json> DeleteAssessment(const HttpRequest& req, const AssessmentDeps& ctx) {
  ASSIGN_OR_RETURN(TraceId trace, TraceFromPath(req));
  ASSIGN_OR_RETURN(std::string id, PathParam(req, "assessment_id"));
  RETURN_IF_ERROR(ctx.store.DeleteAssessment(trace, id));
  return Json::object();
}

}  // namespace

void RegisterAssessmentRoutes(MlflowRouteTable& table, storage::AssessmentStore& store) {
  BoundRoutes<AssessmentDeps> routes(table, AssessmentDeps{store});
  // MLflow's path is /mlflow/traces/{assessment.trace_id}/assessments.
  routes.Add({"POST"}, 3, "/mlflow/traces/{trace_id}/assessments", Scope::kWrite, CreateAssessment);
  routes.Add({"GET"}, 3, "/mlflow/traces/{trace_id}/assessments/{assessment_id}", Scope::kRead,
             GetAssessment);
  routes.Add({"PATCH"}, 3, "/mlflow/traces/{trace_id}/assessments/{assessment_id}", Scope::kWrite,
             UpdateAssessment);
  routes.Add({"DELETE"}, 3, "/mlflow/traces/{trace_id}/assessments/{assessment_id}", Scope::kWrite,
             DeleteAssessment);
}

}  // namespace tracelake::server
