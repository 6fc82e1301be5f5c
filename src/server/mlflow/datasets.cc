// Evaluation datasets (MLflow 3.0, service.proto's dataset RPCs): create, get, delete, search,
// tags, record upsert / read / delete, experiment links. Record lists and tag maps travel as
// JSON text inside the JSON body, as MLflow's messages define them.
#include "server/mlflow/datasets.h"

namespace tracelake::server {
namespace {

struct DatasetDeps {
  storage::DatasetStore& store;
  int max_records_per_upsert;
};

// An absent or null field stays out of the object; a JSON text becomes its value.
void PutJsonText(Json& out, const char* key, const std::string& text) {
  if (text.empty()) return;
  Json v = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!v.is_discarded()) out[key] = std::move(v);
}

// A parameter MLflow sends as JSON text (a string), also accepted as the JSON itself. Parsed
// with the request body's depth limit; null when the text is not JSON.
Json JsonTextParam(const Json& raw) {
  if (!raw.is_string()) return raw;
  Result<Json> parsed = ParseJsonBody(raw.get_ref<const std::string&>());
  return parsed.ok() ? *parsed : Json();
}

// A map given as JSON text ("{\"k\": \"v\"}", MLflow's form) or as an object.
Result<std::map<std::string, std::string>> TagMap(const ParamReader& p, std::string_view key) {
  const Json* raw = p.Get(key);
  std::map<std::string, std::string> out;
  if (raw == nullptr) return out;
  Json obj = JsonTextParam(*raw);
  if (!obj.is_object())
    return p.Invalid(key, *raw, "expected a JSON object of tags (as a JSON string).");
  for (const auto& [k, v] : obj.items()) {
    if (v.is_null()) continue;
    out[k] = v.is_string() ? v.get<std::string>() : DumpJson(v);
  }
  return out;
}

Result<std::string> DatasetIdFromPath(const HttpRequest& req) {
  return PathParam(req, "dataset_id");
}

Result<Json> CreateDataset(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  storage::CreateDatasetRequest c;
  ASSIGN_OR_RETURN(c.name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(c.experiment_ids, p.StringList("experiment_ids", false, true));
  ASSIGN_OR_RETURN(c.tags, TagMap(p, "tags"));
  // MLflow's created_by field, when the tags do not name the user.
  ASSIGN_OR_RETURN(std::string created_by, p.StringOr("created_by"));
  if (!created_by.empty()) c.tags.emplace("mlflow.user", created_by);
  ASSIGN_OR_RETURN(model::Dataset d, deps.store.CreateDataset(c));
  return Json{{"dataset", DatasetToJson(d)}};
}

Result<Json> GetDataset(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(model::Dataset d, deps.store.GetDataset(id));
  return Json{{"dataset", DatasetToJson(d)}};
}

Result<Json> DeleteDataset(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  RETURN_IF_ERROR(deps.store.DeleteDataset(id));
  return Json::object();
}

Result<Json> SearchDatasets(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  storage::SearchDatasetsRequest s;
  ASSIGN_OR_RETURN(s.experiment_ids, p.StringList("experiment_ids", false, true));
  ASSIGN_OR_RETURN(s.filter, p.StringOr("filter_string"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptInt("max_results", 1, 50000));
  s.max_results = static_cast<int>(max.value_or(1000));
  ASSIGN_OR_RETURN(s.order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(s.page_token, p.StringOr("page_token"));
  ASSIGN_OR_RETURN(storage::DatasetPage page, deps.store.SearchDatasets(s));
  Json out = {{"datasets", Json::array()}};
  for (const auto& d : page.datasets) out["datasets"].push_back(DatasetToJson(d));
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> SetTags(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  if (!p.Has("tags")) return p.Missing("tags");
  ASSIGN_OR_RETURN(auto tags, TagMap(p, "tags"));
  ASSIGN_OR_RETURN(model::Dataset d, deps.store.SetDatasetTags(id, tags));
  return Json{{"dataset", DatasetToJson(d)}};
}

Result<Json> DeleteTag(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(std::string key, PathParam(req, "key"));
  RETURN_IF_ERROR(deps.store.DeleteDatasetTag(id, key));
  return Json::object();
}

Result<Json> UpsertRecords(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  const Json* raw = p.Get("records");
  if (raw == nullptr) return p.Missing("records");
  Json list = JsonTextParam(*raw);
  if (!list.is_array())
    return p.Invalid("records", *raw, "expected a JSON list of records (as a JSON string).");
  if (list.size() > static_cast<size_t>(deps.max_records_per_upsert))
    return InvalidArgumentError("Too many records in one request: at most " +
                                std::to_string(deps.max_records_per_upsert));
  // updated_by names the user the way MLflow's client does: as each record's mlflow.user tag.
  ASSIGN_OR_RETURN(std::string updated_by, p.StringOr("updated_by"));
  if (!updated_by.empty()) {
    for (Json& r : list) {
      if (!r.is_object()) continue;
      Json& tags = r["tags"];
      if (tags.is_null()) tags = Json::object();
      if (tags.is_object() && !tags.contains("mlflow.user")) tags["mlflow.user"] = updated_by;
    }
  }
  ASSIGN_OR_RETURN(std::vector<storage::DatasetRecordInput> records, RecordInputsFromJson(list));
  ASSIGN_OR_RETURN(storage::UpsertCounts counts, deps.store.UpsertRecords(id, records));
  return Json{{"inserted_count", counts.inserted}, {"updated_count", counts.updated}};
}

Result<Json> GetRecords(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptInt("max_results", 1, 50000));
  ASSIGN_OR_RETURN(std::string token, p.StringOr("page_token"));
  ASSIGN_OR_RETURN(storage::RecordPage page,
                   deps.store.GetRecords(id, static_cast<int>(max.value_or(1000)), token));
  Json list = Json::array();
  for (const auto& r : page.records) list.push_back(RecordToJson(r));
  Json out = {{"records", DumpJson(list)}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> DeleteRecords(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> ids, p.StringList("dataset_record_ids", true));
  ASSIGN_OR_RETURN(int64_t deleted, deps.store.DeleteRecords(id, ids));
  return Json{{"deleted_count", deleted}};
}

Result<Json> GetExperimentIds(const HttpRequest& req, const DatasetDeps& deps) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(model::Dataset d, deps.store.GetDataset(id));
  return Json{{"experiment_ids", d.experiment_ids}};
}

enum class LinkChange { kAdd, kRemove };

Result<Json> ChangeExperiments(const HttpRequest& req, const DatasetDeps& deps, LinkChange change) {
  ASSIGN_OR_RETURN(std::string id, DatasetIdFromPath(req));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> ids, p.StringList("experiment_ids", true, true));
  ASSIGN_OR_RETURN(model::Dataset d, change == LinkChange::kAdd
                                         ? deps.store.AddExperiments(id, ids)
                                         : deps.store.RemoveExperiments(id, ids));
  return Json{{"dataset", DatasetToJson(d)}};
}

}  // namespace

Json DatasetToJson(const model::Dataset& d) {
  Json tags = Json::object();
  for (const auto& [k, v] : d.tags) tags[k] = v;
  Json out = {{"dataset_id", d.dataset_id},
              {"name", d.name},
              {"tags", DumpJson(tags)},
              {"digest", d.digest},
              {"created_time", d.created_time_ms},
              {"last_update_time", d.last_update_time_ms},
              {"experiment_ids", d.experiment_ids}};
  if (!d.schema_json.empty()) out["schema"] = d.schema_json;
  if (!d.profile_json.empty()) out["profile"] = d.profile_json;
  if (!d.created_by.empty()) out["created_by"] = d.created_by;
  if (!d.last_updated_by.empty()) out["last_updated_by"] = d.last_updated_by;
  return out;
}

Json RecordToJson(const model::DatasetRecord& r) {
  Json out = {{"dataset_record_id", r.dataset_record_id},
              {"dataset_id", r.dataset_id},
              {"created_time", r.created_time_ms},
              {"last_update_time", r.last_update_time_ms}};
  PutJsonText(out, "inputs", r.inputs_json);
  PutJsonText(out, "expectations", r.expectations_json);
  PutJsonText(out, "outputs", r.outputs_json);
  out["tags"] = Json::object();
  PutJsonText(out, "tags", r.tags_json);
  PutJsonText(out, "source", r.source_json);
  if (!r.source_type.empty()) out["source_type"] = r.source_type;
  if (!r.source_id.empty()) out["source_id"] = r.source_id;
  if (!r.created_by.empty()) out["created_by"] = r.created_by;
  if (!r.last_updated_by.empty()) out["last_updated_by"] = r.last_updated_by;
  return out;
}

Result<std::vector<storage::DatasetRecordInput>> RecordInputsFromJson(const Json& list) {
  std::vector<storage::DatasetRecordInput> out;
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& r = list[i];
    const std::string where = "records[" + std::to_string(i) + "]";
    if (!r.is_object())
      return InvalidArgumentError("Invalid value for " + where +
                                  ": expected "
                                  "an object with 'inputs'");
    auto field = [&](const char* key) -> const Json* {
      auto it = r.find(key);
      return it == r.end() || it->is_null() ? nullptr : &*it;
    };
    storage::DatasetRecordInput in;
    const Json* inputs = field("inputs");
    if (inputs == nullptr || !inputs->is_object())
      return InvalidArgumentError("Invalid value for " + where +
                                  ".inputs: expected a JSON object of the agent's inputs");
    in.inputs_json = DumpJson(*inputs);
    if (r.contains("outputs")) in.outputs_json = DumpJson(r["outputs"]);
    if (const Json* e = field("expectations")) in.expectations_json = DumpJson(*e);
    if (const Json* t = field("tags")) in.tags_json = DumpJson(*t);
    if (const Json* s = field("source")) in.source_json = DumpJson(*s);
    out.push_back(std::move(in));
  }
  return out;
}

void RegisterDatasetRoutes(MlflowRouteTable& table, storage::DatasetStore& store,
                           int max_records_per_upsert) {
  BoundRoutes<DatasetDeps> routes(table, DatasetDeps{store, max_records_per_upsert});
  routes.Add({"POST"}, 3, "/mlflow/datasets/create", Scope::kWrite, CreateDataset);
  // Literal paths are matched before /mlflow/datasets/{dataset_id}.
  routes.Add({"GET", "POST"}, 3, "/mlflow/datasets/search", Scope::kRead, SearchDatasets);
  routes.Add({"GET"}, 3, "/mlflow/datasets/{dataset_id}", Scope::kRead, GetDataset);
  routes.Add({"DELETE"}, 3, "/mlflow/datasets/{dataset_id}", Scope::kWrite, DeleteDataset);
  routes.Add({"PATCH"}, 3, "/mlflow/datasets/{dataset_id}/tags", Scope::kWrite, SetTags);
  routes.Add({"DELETE"}, 3, "/mlflow/datasets/{dataset_id}/tags/{key}", Scope::kWrite, DeleteTag);
  routes.Add({"POST"}, 3, "/mlflow/datasets/{dataset_id}/records", Scope::kWrite, UpsertRecords);
  routes.Add({"GET"}, 3, "/mlflow/datasets/{dataset_id}/records", Scope::kRead, GetRecords);
  routes.Add({"DELETE"}, 3, "/mlflow/datasets/{dataset_id}/records", Scope::kWrite, DeleteRecords);
  routes.Add({"GET"}, 3, "/mlflow/datasets/{dataset_id}/experiment-ids", Scope::kRead,
             GetExperimentIds);
  routes.Add({"POST"}, 3, "/mlflow/datasets/{dataset_id}/add-experiments", Scope::kWrite,
             [](const HttpRequest& req, const DatasetDeps& deps) {
               return ChangeExperiments(req, deps, LinkChange::kAdd);
             });
  routes.Add({"POST"}, 3, "/mlflow/datasets/{dataset_id}/remove-experiments", Scope::kWrite,
             [](const HttpRequest& req, const DatasetDeps& deps) {
               return ChangeExperiments(req, deps, LinkChange::kRemove);
             });
}

}  // namespace tracelake::server
