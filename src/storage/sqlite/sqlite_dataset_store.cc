// SqliteDatasetStore: MLflow evaluation datasets (mlflow/store/tracking/sqlalchemy_store.py:
// create_dataset ... upsert_dataset_records), one transaction per call.
#include "storage/sqlite/sqlite_dataset_store.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "common/sha256.h"
#include "storage/page_token.h"
#include "storage/span_codec.h"
#include "storage/sql/dataset_filter.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/store_util.h"

namespace tracelake::storage::sqlite {
namespace {

using Json = nlohmann::json;

constexpr int kMaxResults = 50000;  // MLflow's SEARCH_MAX_RESULTS_THRESHOLD
constexpr size_t kMaxNameBytes = 500;
constexpr char kUserTag[] = "mlflow.user";
constexpr const char* kSourceTypes[] = {"TRACE", "HUMAN", "DOCUMENT", "CODE"};

// prefix + 32 hex digits, as MLflow's uuid4().hex ids.
std::string NewId(const char* prefix) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = prefix;
  std::lock_guard<std::mutex> lock(mu);
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int j = 0; j < 16; ++j, v >>= 4) out += kHex[v & 15];
  }
  return out;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// MLflow's _compute_dataset_digest: the first 8 hex digits of sha256("<name>:<time>").
std::string Digest(const std::string& name, int64_t time_ms) {
  return Sha256Hex(name + ":" + std::to_string(time_ms)).substr(0, 8);
}

Status NoDataset(const std::string& id) {
  return NotFoundError("Evaluation dataset with id '" + id.substr(0, 80) + "' not found");
}

Result<int64_t> DatasetKey(Db& db, const std::string& dataset_id) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT dataset_key FROM datasets WHERE dataset_id = ?"));
  s->Bind(1, dataset_id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  const int64_t key = row ? s->Int(0) : 0;
  s->Reset();
  if (!row) return NoDataset(dataset_id);
  return key;
}

Status CheckExperimentExists(Db& db, const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT 1 FROM experiments WHERE experiment_id = ?"));
  s->Bind(1, id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  s->Reset();
  if (!row) return NotFoundError("No Experiment with id=" + experiment_id + " exists");
  return OkStatus();
}

std::string Opt(const Stmt& s, int col) { return s.IsNull(col) ? "" : std::string(s.Text(col)); }

Result<model::Dataset> LoadDataset(Db& db, int64_t key) {
  ASSIGN_OR_RETURN(Stmt * s,
                   db.Cached("SELECT dataset_id, name, schema_json, profile_json, digest, "
                             "created_time, last_update_time, created_by, last_updated_by "
                             "FROM datasets WHERE dataset_key = ?"));
  s->Bind(1, key);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) return NotFoundError("Evaluation dataset not found");
  model::Dataset d;
  d.dataset_id = std::string(s->Text(0));
  d.name = std::string(s->Text(1));
  d.schema_json = Opt(*s, 2);
  d.profile_json = Opt(*s, 3);
  d.digest = std::string(s->Text(4));
  d.created_time_ms = s->Int(5);
  d.last_update_time_ms = s->Int(6);
  d.created_by = Opt(*s, 7);
  d.last_updated_by = Opt(*s, 8);
  s->Reset();
  ASSIGN_OR_RETURN(Stmt * t,
                   db.Cached("SELECT key, value FROM dataset_tags WHERE dataset_key = ?"));
  t->Bind(1, key);
  while (t->Next()) d.tags[std::string(t->Text(0))] = std::string(t->Text(1));
  RETURN_IF_ERROR(t->error());
  t->Reset();
  ASSIGN_OR_RETURN(Stmt * e, db.Cached("SELECT experiment_id FROM dataset_experiments WHERE "
                                       "dataset_key = ? ORDER BY experiment_id"));
  e->Bind(1, key);
  while (e->Next()) d.experiment_ids.push_back(std::to_string(e->Int(0)));
  RETURN_IF_ERROR(e->error());
  e->Reset();
  return d;
}

Status PutTags(Db& db, int64_t key, const std::map<std::string, std::string>& tags) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("INSERT OR REPLACE INTO dataset_tags(dataset_key, key, "
                                       "value) VALUES(?, ?, ?)"));
  for (const auto& [k, v] : tags) {
    if (k.empty()) return InvalidArgumentError("Dataset tag keys must not be empty");
    RETURN_IF_ERROR(s->Bind(1, key).Bind(2, k).Bind(3, v).Run());
  }
  return OkStatus();
}

// MLflow's _infer_field_type.
const char* FieldType(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "float";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// A record of an upsert, parsed and checked.
struct ParsedRecord {
  Json inputs;
  std::optional<Json> outputs;
  Json expectations;  // object or null
  Json tags;          // object of strings or null
  Json source;        // object or null
  std::string source_type;
  std::string source_id;
};

Result<Json> ParseField(const std::string& text, const std::string& field, size_t index,
                        bool object) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string where = "records[" + std::to_string(index) + "]." + field;
  if (j.is_discarded()) return InvalidArgumentError("Invalid JSON in " + where);
  if (object && !j.is_object())
    return InvalidArgumentError("Invalid value for " + where + ": expected a JSON object");
  return j;
}

Result<ParsedRecord> ParseRecord(const DatasetRecordInput& in, size_t i) {
  ParsedRecord r;
  if (in.inputs_json.empty())
    return InvalidArgumentError("Missing value for records[" + std::to_string(i) + "].inputs");
  ASSIGN_OR_RETURN(r.inputs, ParseField(in.inputs_json, "inputs", i, true));
  if (in.outputs_json) {
    ASSIGN_OR_RETURN(r.outputs, ParseField(*in.outputs_json, "outputs", i, false));
  }
  if (!in.expectations_json.empty()) {
    ASSIGN_OR_RETURN(r.expectations, ParseField(in.expectations_json, "expectations", i, true));
  }
  if (!in.tags_json.empty()) {
    ASSIGN_OR_RETURN(r.tags, ParseField(in.tags_json, "tags", i, true));
    for (auto& [k, v] : r.tags.items())
      if (!v.is_string()) v = Dump(v);  // MLflow's tags are strings
  }
  if (!in.source_json.empty()) {
    ASSIGN_OR_RETURN(r.source, ParseField(in.source_json, "source", i, true));
    const Json* type = r.source.contains("source_type") ? &r.source["source_type"] : nullptr;
    for (const char* t : kSourceTypes)
      if (type != nullptr && type->is_string() && *type == t) r.source_type = t;
    if (r.source_type.empty())
      return InvalidArgumentError("Invalid value for records[" + std::to_string(i) +
                                  "].source.source_type: expected TRACE, HUMAN, DOCUMENT or CODE");
    if (!r.source.contains("source_data")) r.source["source_data"] = Json::object();
    const Json& data = r.source["source_data"];
    if (!data.is_object())
      return InvalidArgumentError("Invalid value for records[" + std::to_string(i) +
                                  "].source.source_data: expected a JSON object");
    const char* id_key = r.source_type == "TRACE" ? "trace_id" : "source_id";
    if (data.contains(id_key) && data[id_key].is_string()) r.source_id = data[id_key];
  }
  return r;
}

// MLflow's _update_dataset_schema for one record.
void AddToSchema(Json& schema, const ParsedRecord& r) {
  for (const auto& [k, v] : r.inputs.items())
    if (!schema["inputs"].contains(k)) schema["inputs"][k] = FieldType(v);
  if (r.outputs && schema["outputs"].is_object()) {
    if (r.outputs->is_object()) {
      for (const auto& [k, v] : r.outputs->items())
        if (!schema["outputs"].contains(k)) schema["outputs"][k] = FieldType(v);
    } else if (schema["outputs"].empty()) {
      schema["outputs"] = FieldType(*r.outputs);
    }
  }
  if (r.expectations.is_object())
    for (const auto& [k, v] : r.expectations.items())
      if (!schema["expectations"].contains(k)) schema["expectations"][k] = FieldType(v);
}

// The dataset's schema as stored, or MLflow's empty one.
Json StoredSchema(const model::Dataset& dataset) {
  Json schema =
      dataset.schema_json.empty() ? Json() : Json::parse(dataset.schema_json, nullptr, false);
  if (!schema.is_object())
    schema = {{"inputs", Json::object()},
              {"outputs", Json::object()},
              {"expectations", Json::object()},
              {"version", "1.0"}};
  return schema;
}

std::string JsonOrEmpty(const Json& j) { return j.is_null() ? "" : Dump(j); }

void BindOpt(Stmt& s, int i, const std::string& text) {
  if (text.empty())
    s.BindNull(i);
  else
    s.Bind(i, text);
}

Status InsertRecord(Db& db, int64_t key, const std::string& hash, const ParsedRecord& r,
                    int64_t now, const std::string& user) {
  ASSIGN_OR_RETURN(
      Stmt * s,
      db.Cached("INSERT INTO dataset_records(dataset_key, record_id, input_hash, inputs, "
                "expectations, outputs, tags, source, source_type, source_id, created_time, "
                "last_update_time, created_by, last_updated_by) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, key).Bind(2, NewId("dr-")).Bind(3, hash).Bind(4, Dump(r.inputs));
  BindOpt(*s, 5, JsonOrEmpty(r.expectations));
  BindOpt(*s, 6, r.outputs ? JsonOrEmpty(*r.outputs) : "");
  BindOpt(*s, 7, JsonOrEmpty(r.tags));
  BindOpt(*s, 8, JsonOrEmpty(r.source));
  BindOpt(*s, 9, r.source_type);
  BindOpt(*s, 10, r.source_id);
  s->Bind(11, now).Bind(12, now);
  BindOpt(*s, 13, user);
  BindOpt(*s, 14, user);
  return s->Run();
}

// SqlAlchemyStore's record merge: outputs replaced when given, expectations and tags merged.
Status MergeRecord(Db& db, int64_t record_key, const ParsedRecord& r, int64_t now,
                   const std::string& user) {
  ASSIGN_OR_RETURN(Stmt * get, db.Cached("SELECT expectations, outputs, tags FROM "
                                         "dataset_records WHERE record_key = ?"));
  get->Bind(1, record_key);
  bool row = false;
  RETURN_IF_ERROR(get->Step(&row));
  auto stored = [&](int col) {
    return get->IsNull(col) ? Json() : Json::parse(get->Text(col), nullptr, false);
  };
  Json expectations = stored(0);
  Json outputs = stored(1);
  Json tags = stored(2);
  get->Reset();
  if (r.outputs) outputs = *r.outputs;
  if (r.expectations.is_object() && !r.expectations.empty()) {
    if (!expectations.is_object()) expectations = Json::object();
    expectations.update(r.expectations);
  }
  if (r.tags.is_object() && !r.tags.empty()) {
    if (!tags.is_object()) tags = Json::object();
    tags.update(r.tags);
  }
  ASSIGN_OR_RETURN(Stmt * up, db.Cached("UPDATE dataset_records SET expectations = ?, outputs = "
                                        "?, tags = ?, last_update_time = ?, last_updated_by = "
                                        "coalesce(?, last_updated_by) WHERE record_key = ?"));
  BindOpt(*up, 1, JsonOrEmpty(expectations));
  BindOpt(*up, 2, JsonOrEmpty(outputs));
  BindOpt(*up, 3, JsonOrEmpty(tags));
  up->Bind(4, now);
  BindOpt(*up, 5, user);
  return up->Bind(6, record_key).Run();
}

// The profile MLflow keeps: {"num_records": n}, or none for an empty dataset.
Status UpdateProfile(Db& db, int64_t key) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("UPDATE datasets SET profile_json = (SELECT CASE count(*) "
                                       "WHEN 0 THEN NULL ELSE json_object('num_records', "
                                       "count(*)) END FROM dataset_records WHERE dataset_key = "
                                       "?1) WHERE dataset_key = ?1"));
  return s->Bind(1, key).Run();
}

model::DatasetRecord LoadRecord(const Stmt& s, const std::string& dataset_id) {
  model::DatasetRecord r;
  r.dataset_id = dataset_id;
  r.dataset_record_id = std::string(s.Text(0));
  r.inputs_json = std::string(s.Text(1));
  r.expectations_json = Opt(s, 2);
  r.outputs_json = Opt(s, 3);
  r.tags_json = Opt(s, 4);
  r.source_json = Opt(s, 5);
  r.source_type = Opt(s, 6);
  r.source_id = Opt(s, 7);
  r.created_time_ms = s.Int(8);
  r.last_update_time_ms = s.Int(9);
  r.created_by = Opt(s, 10);
  r.last_updated_by = Opt(s, 11);
  return r;
}

Status CheckMaxResults(int max_results) {
  if (max_results < 1 || max_results > kMaxResults)
    return InvalidArgumentError("Invalid value for max_results: it must be between 1 and " +
                                std::to_string(kMaxResults) + ", got " +
                                std::to_string(max_results));
  return OkStatus();
}

}  // namespace

Result<model::Dataset> SqliteDatasetStore::CreateDataset(const CreateDatasetRequest& req) {
  if (req.name.empty()) return InvalidArgumentError("Missing value for required parameter 'name'.");
  if (req.name.size() > kMaxNameBytes)
    return InvalidArgumentError("Dataset name exceeds " + std::to_string(kMaxNameBytes) + " bytes");
  return db_.WithWriteTxn([&](Db& db) -> Result<model::Dataset> {
    const int64_t now = NowMs();
    auto user = req.tags.find(kUserTag);
    const std::string by = user == req.tags.end() ? "" : user->second;
    ASSIGN_OR_RETURN(Stmt * ins,
                     db.Cached("INSERT INTO datasets(dataset_id, name, digest, created_time, "
                               "last_update_time, created_by, last_updated_by) "
                               "VALUES(?, ?, ?, ?, ?, ?, ?)"));
    ins->Bind(1, NewId("d-")).Bind(2, req.name).Bind(3, Digest(req.name, now));
    ins->Bind(4, now).Bind(5, now);
    BindOpt(*ins, 6, by);
    BindOpt(*ins, 7, by);
    RETURN_IF_ERROR(ins->Run());
    const int64_t key = sqlite3_last_insert_rowid(db.raw());
    RETURN_IF_ERROR(PutTags(db, key, req.tags));
    ASSIGN_OR_RETURN(Stmt * link, db.Cached("INSERT OR IGNORE INTO dataset_experiments("
                                            "dataset_key, experiment_id, created_time) "
                                            "VALUES(?, ?, ?)"));
    for (const std::string& e : req.experiment_ids) {
      RETURN_IF_ERROR(CheckExperimentExists(db, e));
      RETURN_IF_ERROR(
          link->Bind(1, key).Bind(2, static_cast<int64_t>(std::stoll(e))).Bind(3, now).Run());
    }
    return LoadDataset(db, key);
  });
}

Result<model::Dataset> SqliteDatasetStore::GetDataset(const std::string& dataset_id) {
  return db_.WithReader([&](Db& db) -> Result<model::Dataset> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    return LoadDataset(db, key);
  });
}

Status SqliteDatasetStore::DeleteDataset(const std::string& dataset_id) {
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    for (const char* table :
         {"dataset_records", "dataset_tags", "dataset_experiments", "datasets"}) {
      ASSIGN_OR_RETURN(Stmt s,
                       db.Prepare(std::string("DELETE FROM ") + table + " WHERE dataset_key = ?"));
      RETURN_IF_ERROR(s.Bind(1, key).Run());
    }
    return OkStatus();
  });
}

Result<DatasetPage> SqliteDatasetStore::SearchDatasets(const SearchDatasetsRequest& req) {
  RETURN_IF_ERROR(CheckMaxResults(req.max_results));
  SqlFragment where;
  where.sql = "1";
  if (!req.experiment_ids.empty()) {
    sql::SqlWriter w(SqliteDialect::Instance(), where);
    w.sql() +=
        " AND EXISTS (SELECT 1 FROM dataset_experiments x WHERE x.dataset_key = "
        "d.dataset_key AND x.experiment_id IN (";
    for (size_t i = 0; i < req.experiment_ids.size(); ++i) {
      ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(req.experiment_ids[i]));
      w.sql() += (i > 0 ? ", " : "") + w.Param(id);
    }
    w.sql() += "))";
  }
  RETURN_IF_ERROR(sql::DatasetFilterToSql(SqliteDialect::Instance(), req.filter, where));
  ASSIGN_OR_RETURN(std::string order, sql::DatasetOrderBy(req.order_by));
  std::string experiments;
  for (const auto& e : req.experiment_ids) experiments += e + ",";
  // Offset paging, as MLflow: datasets are few and rarely change while a client pages.
  const uint64_t fingerprint =
      ContentHash("datasets|" + experiments + "|" + req.filter + "|" + order);
  int64_t offset = 0;
  if (!req.page_token.empty()) {
    ASSIGN_OR_RETURN(PageToken token, DecodePageToken(req.page_token, fingerprint));
    if (token.values.size() != 1 || !std::holds_alternative<int64_t>(token.values[0]) ||
        std::get<int64_t>(token.values[0]) < 0)
      return InvalidArgumentError("Invalid page_token");
    offset = std::get<int64_t>(token.values[0]);
  }
  const std::string sql = "SELECT d.dataset_key FROM datasets d WHERE " + where.sql + " ORDER BY " +
                          order + " LIMIT ? OFFSET ?";
  return db_.WithReader([&](Db& db) -> Result<DatasetPage> {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    BindParams(s, where.params);
    const int i = static_cast<int>(where.params.size()) + 1;
    s.Bind(i, static_cast<int64_t>(req.max_results) + 1).Bind(i + 1, offset);
    std::vector<int64_t> keys;
    while (s.Next()) keys.push_back(s.Int(0));
    RETURN_IF_ERROR(s.error());
    DatasetPage page;
    if (keys.size() > static_cast<size_t>(req.max_results)) {
      keys.pop_back();
      page.next_page_token = EncodePageToken(PageToken{fingerprint, {offset + req.max_results}});
    }
    for (int64_t key : keys) {
      ASSIGN_OR_RETURN(model::Dataset d, LoadDataset(db, key));
      page.datasets.push_back(std::move(d));
    }
    return page;
  });
}

Result<model::Dataset> SqliteDatasetStore::SetDatasetTags(
    const std::string& dataset_id, const std::map<std::string, std::string>& tags) {
  return db_.WithWriteTxn([&](Db& db) -> Result<model::Dataset> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    RETURN_IF_ERROR(PutTags(db, key, tags));
    return LoadDataset(db, key);
  });
}

Status SqliteDatasetStore::DeleteDatasetTag(const std::string& dataset_id, const std::string& key) {
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t dk, DatasetKey(db, dataset_id));
    ASSIGN_OR_RETURN(Stmt * s,
                     db.Cached("DELETE FROM dataset_tags WHERE dataset_key = ? AND key = ?"));
    return s->Bind(1, dk).Bind(2, key).Run();
  });
}

Result<UpsertCounts> SqliteDatasetStore::UpsertRecords(
    const std::string& dataset_id, const std::vector<DatasetRecordInput>& records) {
  // Parse and check every record before taking the write lock.
  std::vector<ParsedRecord> parsed;
  parsed.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ASSIGN_OR_RETURN(ParsedRecord r, ParseRecord(records[i], i));
    parsed.push_back(std::move(r));
  }
  return db_.WithWriteTxn([&](Db& db) -> Result<UpsertCounts> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    ASSIGN_OR_RETURN(model::Dataset dataset, LoadDataset(db, key));
    const int64_t now = NowMs();
    Json schema = StoredSchema(dataset);
    std::string updated_by;
    UpsertCounts counts;
    ASSIGN_OR_RETURN(Stmt * find, db.Cached("SELECT record_key FROM dataset_records WHERE "
                                            "dataset_key = ? AND input_hash = ?"));
    for (const ParsedRecord& r : parsed) {
      std::string user;
      if (r.tags.is_object() && r.tags.contains(kUserTag)) user = r.tags[kUserTag];
      if (!user.empty()) updated_by = user;
      const std::string hash = Sha256Hex(Dump(r.inputs));  // keys sorted, no whitespace
      find->Bind(1, key).Bind(2, hash);
      bool row = false;
      RETURN_IF_ERROR(find->Step(&row));
      const int64_t existing = row ? find->Int(0) : 0;
      find->Reset();
      if (row) {
        RETURN_IF_ERROR(MergeRecord(db, existing, r, now, user));
        ++counts.updated;
      } else {
        RETURN_IF_ERROR(InsertRecord(db, key, hash, r, now, user));
        ++counts.inserted;
      }
      AddToSchema(schema, r);
    }
    ASSIGN_OR_RETURN(Stmt * up,
                     db.Cached("UPDATE datasets SET schema_json = ?, digest = ?, "
                               "last_update_time = ?, last_updated_by = ? WHERE dataset_key = ?"));
    up->Bind(1, Dump(schema)).Bind(2, Digest(dataset.name, now)).Bind(3, now);
    BindOpt(*up, 4, updated_by);
    RETURN_IF_ERROR(up->Bind(5, key).Run());
    RETURN_IF_ERROR(UpdateProfile(db, key));
    return counts;
  });
}

Result<RecordPage> SqliteDatasetStore::GetRecords(const std::string& dataset_id, int max_results,
                                                  const std::string& page_token) {
  RETURN_IF_ERROR(CheckMaxResults(max_results));
  const uint64_t fingerprint = ContentHash("dataset_records|" + dataset_id);
  int64_t after = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(PageToken token, DecodePageToken(page_token, fingerprint));
    if (token.values.size() != 1 || !std::holds_alternative<int64_t>(token.values[0]))
      return InvalidArgumentError("Invalid page_token");
    after = std::get<int64_t>(token.values[0]);
  }
  return db_.WithReader([&](Db& db) -> Result<RecordPage> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    // Keyset paging on the insertion order: records added meanwhile never shift pages.
    ASSIGN_OR_RETURN(Stmt * s,
                     db.Cached("SELECT record_id, inputs, expectations, outputs, tags, source, "
                               "source_type, source_id, created_time, last_update_time, "
                               "created_by, last_updated_by, record_key FROM dataset_records "
                               "WHERE dataset_key = ? AND record_key > ? ORDER BY record_key "
                               "LIMIT ?"));
    s->Bind(1, key).Bind(2, after).Bind(3, static_cast<int64_t>(max_results) + 1);
    RecordPage page;
    int64_t last = 0;
    while (s->Next()) {
      if (page.records.size() == static_cast<size_t>(max_results)) {
        page.next_page_token = EncodePageToken(PageToken{fingerprint, {last}});
        break;
      }
      page.records.push_back(LoadRecord(*s, dataset_id));
      last = s->Int(12);
    }
    RETURN_IF_ERROR(s->error());
    s->Reset();
    return page;
  });
}

namespace {

// One field of a replacement: a JSON object (or, when `object` is false, any value).
Result<Json> ParseReplacement(const std::string& text, const char* field, bool object,
                              bool null_ok) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError(std::string("Invalid JSON in ") + field);
  if (object && !j.is_object() && !(null_ok && j.is_null()))
    return InvalidArgumentError(std::string("Invalid value for ") + field +
                                ": expected a JSON object");
  return j;
}

}  // namespace

Result<model::DatasetRecord> SqliteDatasetStore::ReplaceRecord(const std::string& dataset_id,
                                                               const std::string& record_id,
                                                               const RecordReplacement& rep) {
  ParsedRecord r;  // the fields given; AddToSchema reads only those
  std::optional<Json> inputs, expectations, tags;
  if (rep.inputs_json) {
    ASSIGN_OR_RETURN(Json j, ParseReplacement(*rep.inputs_json, "inputs", true, false));
    inputs = std::move(j);
  }
  if (rep.expectations_json) {
    ASSIGN_OR_RETURN(Json j, ParseReplacement(*rep.expectations_json, "expectations", true, true));
    expectations = std::move(j);
  }
  if (rep.outputs_json) {
    ASSIGN_OR_RETURN(Json j, ParseReplacement(*rep.outputs_json, "outputs", false, true));
    r.outputs = std::move(j);
  }
  if (rep.tags_json) {
    ASSIGN_OR_RETURN(Json j, ParseReplacement(*rep.tags_json, "tags", true, true));
    if (j.is_object())
      for (auto& [k, v] : j.items())
        if (!v.is_string()) v = Dump(v);  // MLflow's tags are strings
    tags = std::move(j);
  }
  return db_.WithWriteTxn([&](Db& db) -> Result<model::DatasetRecord> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    ASSIGN_OR_RETURN(Stmt * get, db.Cached("SELECT record_key, inputs FROM dataset_records "
                                           "WHERE dataset_key = ? AND record_id = ?"));
    get->Bind(1, key).Bind(2, record_id);
    bool row = false;
    RETURN_IF_ERROR(get->Step(&row));
    if (!row) {
      get->Reset();
      return NotFoundError("Record '" + record_id.substr(0, 80) + "' not found in dataset '" +
                           dataset_id.substr(0, 80) + "'");
    }
    const int64_t record_key = get->Int(0);
    r.inputs = inputs ? *inputs : Json::parse(get->Text(1), nullptr, false);
    get->Reset();
    const std::string hash = Sha256Hex(Dump(r.inputs));  // keys sorted, no whitespace
    ASSIGN_OR_RETURN(Stmt * same, db.Cached("SELECT record_id FROM dataset_records WHERE "
                                            "dataset_key = ? AND input_hash = ? AND "
                                            "record_key != ?"));
    same->Bind(1, key).Bind(2, hash).Bind(3, record_key);
    RETURN_IF_ERROR(same->Step(&row));
    if (row) {
      const std::string other(same->Text(0));
      same->Reset();
      return AlreadyExistsError("Record '" + other + "' of dataset '" + dataset_id +
                                "' already has these inputs; edit or delete that one instead");
    }
    same->Reset();

    std::string user;
    if (tags && tags->is_object() && tags->contains(kUserTag) && (*tags)[kUserTag].is_string())
      user = (*tags)[kUserTag];
    const int64_t now = NowMs();
    ASSIGN_OR_RETURN(
        Stmt * up,
        db.Cached("UPDATE dataset_records SET input_hash = ?1, inputs = ?2, "
                  "expectations = CASE WHEN ?3 THEN ?4 ELSE expectations END, "
                  "outputs = CASE WHEN ?5 THEN ?6 ELSE outputs END, "
                  "tags = CASE WHEN ?7 THEN ?8 ELSE tags END, last_update_time = ?9, "
                  "last_updated_by = coalesce(?10, last_updated_by) WHERE record_key = ?11"));
    auto json_or_null = [](const std::optional<Json>& j) {
      return !j || j->is_null() || (j->is_object() && j->empty()) ? std::string() : Dump(*j);
    };
    up->Bind(1, hash).Bind(2, Dump(r.inputs));
    up->Bind(3, int64_t{expectations.has_value()});
    BindOpt(*up, 4, json_or_null(expectations));
    up->Bind(5, int64_t{r.outputs.has_value()});
    BindOpt(*up, 6, r.outputs && !r.outputs->is_null() ? Dump(*r.outputs) : "");
    up->Bind(7, int64_t{tags.has_value()});
    BindOpt(*up, 8, json_or_null(tags));
    up->Bind(9, now);
    BindOpt(*up, 10, user);
    RETURN_IF_ERROR(up->Bind(11, record_key).Run());

    // The schema grows with what the record now has (MLflow's never shrinks).
    ASSIGN_OR_RETURN(model::Dataset dataset, LoadDataset(db, key));
    Json schema = StoredSchema(dataset);
    if (expectations) r.expectations = *expectations;
    AddToSchema(schema, r);
    ASSIGN_OR_RETURN(Stmt * ds, db.Cached("UPDATE datasets SET schema_json = ?, digest = ?, "
                                          "last_update_time = ?, last_updated_by = coalesce(?, "
                                          "last_updated_by) WHERE dataset_key = ?"));
    ds->Bind(1, Dump(schema)).Bind(2, Digest(dataset.name, now)).Bind(3, now);
    BindOpt(*ds, 4, user);
    RETURN_IF_ERROR(ds->Bind(5, key).Run());

    ASSIGN_OR_RETURN(Stmt * load,
                     db.Cached("SELECT record_id, inputs, expectations, outputs, tags, source, "
                               "source_type, source_id, created_time, last_update_time, "
                               "created_by, last_updated_by FROM dataset_records WHERE "
                               "record_key = ?"));
    load->Bind(1, record_key);
    RETURN_IF_ERROR(load->Step(&row));
    model::DatasetRecord out = LoadRecord(*load, dataset_id);
    load->Reset();
    return out;
  });
}

Result<int64_t> SqliteDatasetStore::DeleteRecords(const std::string& dataset_id,
                                                  const std::vector<std::string>& record_ids) {
  return db_.WithWriteTxn([&](Db& db) -> Result<int64_t> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("DELETE FROM dataset_records WHERE dataset_key = ? AND "
                                         "record_id = ?"));
    int64_t deleted = 0;
    for (const std::string& id : record_ids) {
      RETURN_IF_ERROR(s->Bind(1, key).Bind(2, id).Run());
      deleted += db.Changes();
    }
    if (deleted > 0) RETURN_IF_ERROR(UpdateProfile(db, key));
    return deleted;
  });
}

Result<model::Dataset> SqliteDatasetStore::AddExperiments(const std::string& dataset_id,
                                                          const std::vector<std::string>& ids) {
  return db_.WithWriteTxn([&](Db& db) -> Result<model::Dataset> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("INSERT OR IGNORE INTO dataset_experiments(dataset_key, "
                                         "experiment_id, created_time) VALUES(?, ?, ?)"));
    for (const std::string& e : ids) {
      RETURN_IF_ERROR(CheckExperimentExists(db, e));
      RETURN_IF_ERROR(
          s->Bind(1, key).Bind(2, static_cast<int64_t>(std::stoll(e))).Bind(3, NowMs()).Run());
    }
    return LoadDataset(db, key);
  });
}

Result<model::Dataset> SqliteDatasetStore::RemoveExperiments(const std::string& dataset_id,
                                                             const std::vector<std::string>& ids) {
  return db_.WithWriteTxn([&](Db& db) -> Result<model::Dataset> {
    ASSIGN_OR_RETURN(int64_t key, DatasetKey(db, dataset_id));
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("DELETE FROM dataset_experiments WHERE dataset_key = ? "
                                         "AND experiment_id = ?"));
    for (const std::string& e : ids) {
      ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(e));
      RETURN_IF_ERROR(s->Bind(1, key).Bind(2, id).Run());
    }
    return LoadDataset(db, key);
  });
}

}  // namespace tracelake::storage::sqlite
