// Experiments and assessments of SqliteTraceStore.
#include <nlohmann/json.hpp>

#include <random>

#include "storage/sqlite/sqlite_trace_store.h"

namespace tracelake::storage::sqlite {
namespace {

using Json = nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> ExperimentNumber(const std::string& id) {
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
    return InvalidArgumentError("Invalid experiment id '" + id.substr(0, 40) + "': expected a number");
  return std::stoll(id);
}

constexpr const char* kExperimentColumns =
    "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time";

// Experiment filter grammar (MLflow's search_experiments): comparisons joined by AND over
// name, tags.<key>, creation_time, last_update_time.
struct ExpFilter {
  std::string sql;  // " AND <condition>" per comparison
  std::vector<std::variant<int64_t, std::string>> params;
};

Result<ExpFilter> ParseExperimentFilter(const std::string& text) {
  ExpFilter out;
  size_t i = 0;
  auto skip = [&] { while (i < text.size() && isspace(static_cast<unsigned char>(text[i]))) ++i; };
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("Invalid experiment filter at position " + std::to_string(i) + ": " + why);
  };
  skip();
  if (i == text.size()) return out;
  while (true) {
    skip();
    size_t start = i;
    while (i < text.size() && (isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '.')) ++i;
    std::string ident = text.substr(start, i - start);
    std::string tag_key;
    if (ident.rfind("tags.", 0) == 0 || ident == "tags" ) {
      tag_key = ident.size() > 5 ? ident.substr(5) : "";
      if (tag_key.empty() && i < text.size() && (text[i] == '`' || text[i] == '"')) {
        char q = text[i++];
        size_t e = text.find(q, i);
        if (e == std::string::npos) return bad("unterminated quoted key");
        tag_key = text.substr(i, e - i);
        i = e + 1;
      }
      if (tag_key.empty()) return bad("missing tag key");
    } else if (ident.rfind("attributes.", 0) == 0 || ident.rfind("attribute.", 0) == 0) {
      ident = ident.substr(ident.find('.') + 1);
    }
    skip();
    size_t op_start = i;
    while (i < text.size() && (text[i] == '=' || text[i] == '!' || text[i] == '<' || text[i] == '>')) ++i;
    std::string op = text.substr(op_start, i - op_start);
    if (op.empty()) {
      while (i < text.size() && isalpha(static_cast<unsigned char>(text[i]))) ++i;
      op = text.substr(op_start, i - op_start);
      for (auto& c : op) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
    }
    skip();
    std::variant<int64_t, std::string> value;
    if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
      char q = text[i++];
      std::string v;
      while (i < text.size() && text[i] != q) v += text[i++];
      if (i == text.size()) return bad("unterminated string");
      ++i;
      value = v;
    } else {
      size_t s = i;
      while (i < text.size() && (isdigit(static_cast<unsigned char>(text[i])) || text[i] == '-')) ++i;
      if (s == i) return bad("expected a quoted string or a number");
      value = std::stoll(text.substr(s, i - s));
    }
    std::string column;
    bool numeric = false;
    if (!tag_key.empty()) {
      column = "(SELECT value FROM experiment_tags g WHERE g.experiment_id = e.experiment_id AND g.key = ?)";
      out.params.emplace_back(tag_key);
    } else if (ident == "name") {
      column = "e.name";
    } else if (ident == "creation_time" || ident == "last_update_time") {
      column = "e." + ident;
      numeric = true;
    } else {
      return bad("unknown field '" + ident + "'; use name, tags.<key>, creation_time or last_update_time");
    }
    static const char* kOps[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE"};
    if (std::find(std::begin(kOps), std::end(kOps), op) == std::end(kOps))
      return bad("unsupported comparator '" + op + "'");
    if (numeric != std::holds_alternative<int64_t>(value))
      return bad(numeric ? "expected a number" : "expected a quoted string");
    if (op == "ILIKE") out.sql += " AND lower(" + column + ") LIKE lower(?)";
    else out.sql += " AND " + column + " " + op + " ?";
    out.params.push_back(value);
    skip();
    if (i == text.size()) break;
    size_t and_start = i;
    while (i < text.size() && isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string kw = text.substr(and_start, i - and_start);
    for (auto& c : kw) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
    if (kw != "AND") return bad("expected AND");
  }
  return out;
}

}  // namespace

Result<model::Experiment> SqliteTraceStore::LoadExperiment(Db& db, Stmt& s) {
  model::Experiment e;
  e.experiment_id = std::to_string(s.Int(0));
  e.name = std::string(s.Text(1));
  e.artifact_location = std::string(s.Text(2));
  e.lifecycle_stage = s.Text(3) == "deleted" ? model::LifecycleStage::kDeleted
                                             : model::LifecycleStage::kActive;
  e.creation_time_ms = s.Int(4);
  e.last_update_time_ms = s.Int(5);
  ASSIGN_OR_RETURN(Stmt* t, db.Cached("SELECT key, value FROM experiment_tags WHERE experiment_id = ?"));
  t->Bind(1, s.Int(0));
  while (t->Next())
    e.tags[std::string(t->Text(0))] = std::string(t->Text(1));
  return e;
}

Result<std::string> SqliteTraceStore::CreateExperiment(
    const std::string& name, const std::string& artifact_location,
    const std::map<std::string, std::string>& tags) {
  if (name.empty()) return InvalidArgumentError("Invalid experiment name: ''. Names must be non-empty.");
  if (name.size() > 500) return InvalidArgumentError("Experiment name is longer than 500 characters");
  return WithWriteTxn([&](Db& db) -> Result<std::string> {
    ASSIGN_OR_RETURN(Stmt* exists, db.Cached("SELECT 1 FROM experiments WHERE name = ?"));
    exists->Bind(1, name);
    bool row = false;
    RETURN_IF_ERROR(exists->Step(&row));
    exists->Reset();
    if (row) return AlreadyExistsError("Experiment '" + name + "' already exists.");
    const int64_t now = NowMs();
    ASSIGN_OR_RETURN(Stmt* ins, db.Cached(
        "INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, "
        "creation_time, last_update_time) VALUES((SELECT coalesce(max(experiment_id), 0) + 1 FROM "
        "experiments), ?, '', 'active', ?, ?)"));
    ins->Bind(1, name).Bind(2, now).Bind(3, now);
    RETURN_IF_ERROR(ins->Run());
    int64_t id = sqlite3_last_insert_rowid(db.raw());
    ASSIGN_OR_RETURN(Stmt* loc, db.Cached("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?"));
    loc->Bind(1, artifact_location.empty() ? "mlflow-artifacts:/" + std::to_string(id) : artifact_location)
        .Bind(2, id);
    RETURN_IF_ERROR(loc->Run());
    ASSIGN_OR_RETURN(Stmt* tag, db.Cached("INSERT OR REPLACE INTO experiment_tags VALUES(?,?,?)"));
    for (const auto& [k, v] : tags) {
      tag->Bind(1, id).Bind(2, k).Bind(3, v);
      RETURN_IF_ERROR(tag->Run());
    }
    return std::to_string(id);
  });
}

Result<model::Experiment> SqliteTraceStore::GetExperiment(const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ExperimentNumber(experiment_id));
  return WithReader([&](Db& db) -> Result<model::Experiment> {
    static const std::string sql = std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE experiment_id = ?";
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    s.Bind(1, id);
    bool row = false;
    RETURN_IF_ERROR(s.Step(&row));
    if (!row) return NotFoundError("No Experiment with id=" + experiment_id + " exists");
    return LoadExperiment(db, s);
  });
}

Result<model::Experiment> SqliteTraceStore::GetExperimentByName(const std::string& name) {
  return WithReader([&](Db& db) -> Result<model::Experiment> {
    static const std::string sql = std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE name = ?";
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    s.Bind(1, name);
    bool row = false;
    RETURN_IF_ERROR(s.Step(&row));
    if (!row) return NotFoundError("Could not find experiment with name '" + name + "'");
    return LoadExperiment(db, s);
  });
}

Result<ExperimentPage> SqliteTraceStore::SearchExperiments(const SearchExperimentsRequest& req) {
  if (req.max_results < 1 || req.max_results > 50000)
    return InvalidArgumentError("max_results must be between 1 and 50000");
  ASSIGN_OR_RETURN(ExpFilter filter, ParseExperimentFilter(req.filter));
  int64_t offset = 0;
  if (!req.page_token.empty()) {
    if (req.page_token.size() > 12 || req.page_token.find_first_not_of("0123456789") != std::string::npos)
      return InvalidArgumentError("Invalid page_token");
    offset = std::stoll(req.page_token);
  }
  std::string order;
  for (const auto& clause : req.order_by) {
    std::string c = clause;
    std::string dir = "ASC";
    auto sp = c.find(' ');
    if (sp != std::string::npos) {
      dir = c.substr(sp + 1);
      c = c.substr(0, sp);
      for (auto& ch : dir) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
      dir.erase(std::remove(dir.begin(), dir.end(), ' '), dir.end());
    }
    if (c.rfind("attributes.", 0) == 0) c = c.substr(11);
    if ((c != "name" && c != "creation_time" && c != "last_update_time" && c != "experiment_id") ||
        (dir != "ASC" && dir != "DESC"))
      return InvalidArgumentError("Invalid order_by clause '" + clause + "'");
    order += (order.empty() ? "" : ", ") + ("e." + c) + " " + dir;
  }
  if (order.empty()) order = "e.last_update_time DESC";
  order += ", e.experiment_id ASC";
  std::string stage = req.view_type == SearchExperimentsRequest::ViewType::kAll ? "1"
                      : req.view_type == SearchExperimentsRequest::ViewType::kDeletedOnly
                          ? "e.lifecycle_stage = 'deleted'"
                          : "e.lifecycle_stage = 'active'";
  std::string sql = std::string("SELECT ") + kExperimentColumns + " FROM experiments e WHERE " +
                    stage + filter.sql + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return WithReader([&](Db& db) -> Result<ExperimentPage> {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    int i = 1;
    for (const auto& p : filter.params) {
      if (const auto* v = std::get_if<int64_t>(&p)) s.Bind(i++, *v);
      else s.Bind(i++, std::get<std::string>(p));
    }
    s.Bind(i, static_cast<int64_t>(req.max_results) + 1);
    s.Bind(i + 1, offset);
    ExperimentPage page;
    while (s.Next()) {
      if (page.experiments.size() == static_cast<size_t>(req.max_results)) {
        page.next_page_token = std::to_string(offset + req.max_results);
        break;
      }
      ASSIGN_OR_RETURN(auto e, LoadExperiment(db, s));
      page.experiments.push_back(std::move(e));
    }
    return page;
  });
}

namespace {
Status UpdateExperimentRow(Db& db, int64_t id, const std::string& sql_set, const std::string* text) {
  ASSIGN_OR_RETURN(Stmt s, db.Prepare("UPDATE experiments SET " + sql_set +
                                      ", last_update_time = ? WHERE experiment_id = ?"));
  int i = 1;
  if (text) s.Bind(i++, *text);
  s.Bind(i, NowMs());
  s.Bind(i + 1, id);
  RETURN_IF_ERROR(s.Run());
  if (db.Changes() == 0) return NotFoundError("No Experiment with id=" + std::to_string(id) + " exists");
  return OkStatus();
}
}  // namespace

Status SqliteTraceStore::RenameExperiment(const std::string& experiment_id, const std::string& new_name) {
  ASSIGN_OR_RETURN(int64_t id, ExperimentNumber(experiment_id));
  if (new_name.empty()) return InvalidArgumentError("new_name must not be empty");
  return WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT experiment_id FROM experiments WHERE name = ?"));
    s.Bind(1, new_name);
    bool row = false;
    RETURN_IF_ERROR(s.Step(&row));
    if (row && s.Int(0) != id) return AlreadyExistsError("Experiment '" + new_name + "' already exists.");
    return UpdateExperimentRow(db, id, "name = ?", &new_name);
  });
}

Status SqliteTraceStore::DeleteExperiment(const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ExperimentNumber(experiment_id));
  if (id == 0) return InvalidArgumentError("Cannot delete the default experiment '0'.");
  return WithWriteTxn([&](Db& db) { return UpdateExperimentRow(db, id, "lifecycle_stage = 'deleted'", nullptr); });
}

Status SqliteTraceStore::RestoreExperiment(const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ExperimentNumber(experiment_id));
  return WithWriteTxn([&](Db& db) { return UpdateExperimentRow(db, id, "lifecycle_stage = 'active'", nullptr); });
}

Status SqliteTraceStore::SetExperimentTag(const std::string& experiment_id, const std::string& key,
                                          const std::string& value) {
  ASSIGN_OR_RETURN(int64_t id, ExperimentNumber(experiment_id));
  if (key.empty()) return InvalidArgumentError("Tag key must not be empty");
  return WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(CheckExperimentActive(db, experiment_id));
    ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT OR REPLACE INTO experiment_tags VALUES(?,?,?)"));
    return s.Bind(1, id).Bind(2, key).Bind(3, value).Run();
  });
}

Status SqliteTraceStore::DeleteExperimentTag(const std::string& experiment_id, const std::string& key) {
  ASSIGN_OR_RETURN(int64_t id, ExperimentNumber(experiment_id));
  return WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(CheckExperimentActive(db, experiment_id));
    ASSIGN_OR_RETURN(Stmt s, db.Prepare("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?"));
    RETURN_IF_ERROR(s.Bind(1, id).Bind(2, key).Run());
    if (db.Changes() == 0) return NotFoundError("No tag with name: " + key + " in experiment " + experiment_id);
    return OkStatus();
  });
}

// --- assessments ------------------------------------------------------------------------

namespace {
constexpr const char* kAssessmentColumns =
    "assessment_id, span_id, name, source_type, source_id, create_time, last_update_time, kind, "
    "value_json, error_json, rationale, metadata_json, overrides, valid, extra_json";

std::string NewAssessmentId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "a-";
  for (int i = 0; i < 16; ++i) {
    auto b = static_cast<uint8_t>(rng());
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string MetadataJson(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j.dump();
}

std::string ErrorJson(const std::optional<model::AssessmentError>& e) {
  if (!e) return "";
  return Json{{"error_code", e->error_code}, {"error_message", e->error_message},
              {"stack_trace", e->stack_trace}}.dump();
}
}  // namespace

Result<std::vector<model::Assessment>> SqliteTraceStore::LoadAssessments(
    Db& db, int64_t trace_key, const std::string* assessment_id) {
  std::string sql = std::string("SELECT ") + kAssessmentColumns +
                    ", (SELECT trace_id FROM traces WHERE trace_key = a.trace_key) FROM assessments a "
                    "WHERE a.trace_key = ?" + (assessment_id ? " AND a.assessment_id = ?" : "") +
                    " ORDER BY a.create_time, a.assessment_id";
  ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
  s.Bind(1, trace_key);
  if (assessment_id) s.Bind(2, *assessment_id);
  std::vector<model::Assessment> out;
  while (s.Next()) {
    model::Assessment a;
    a.assessment_id = std::string(s.Text(0));
    a.span_id = std::string(s.Text(1));
    a.assessment_name = std::string(s.Text(2));
    a.source.source_type = static_cast<model::AssessmentSourceType>(s.Int(3) & 3);
    a.source.source_id = std::string(s.Text(4));
    a.create_time_ms = s.Int(5);
    a.last_update_time_ms = s.Int(6);
    if (s.Int(7) == 1) {
      model::Feedback f;
      f.value_json = std::string(s.Text(8));
      if (!s.IsNull(9) && !s.Text(9).empty()) {
        Json e = Json::parse(s.Text(9), nullptr, false);
        if (e.is_object()) {
          model::AssessmentError err;
          err.error_code = e.value("error_code", "");
          err.error_message = e.value("error_message", "");
          err.stack_trace = e.value("stack_trace", "");
          f.error = err;
        }
      }
      a.feedback = std::move(f);
    } else {
      model::Expectation x;
      x.value_json = std::string(s.Text(8));
      Json extra = Json::parse(s.Text(14), nullptr, false);
      if (extra.is_object()) {
        x.serialization_format = extra.value("serialization_format", "");
        x.serialized_value = extra.value("serialized_value", "");
      }
      a.expectation = std::move(x);
    }
    a.rationale = std::string(s.Text(10));
    Json md = Json::parse(s.Text(11), nullptr, false);
    if (md.is_object())
      for (auto& [k, v] : md.items()) a.metadata[k] = v.is_string() ? v.get<std::string>() : v.dump();
    a.overrides = std::string(s.Text(12));
    a.valid = s.Int(13) != 0;
    if (auto id = TraceId::FromBytes(s.Blob(15))) a.trace_id = MlflowTraceId(*id);
    out.push_back(std::move(a));
  }
  return out;
}

Result<model::Assessment> SqliteTraceStore::CreateAssessment(const model::Assessment& in) {
  auto trace_id = ParseMlflowTraceId(in.trace_id);
  if (!trace_id) return InvalidArgumentError("Invalid trace_id '" + in.trace_id.substr(0, 80) + "'");
  if (in.assessment_name.empty()) return InvalidArgumentError("assessment_name must not be empty");
  if (in.feedback.has_value() == in.expectation.has_value())
    return InvalidArgumentError("An assessment needs exactly one of feedback or expectation");
  if (!in.span_id.empty() && !SpanId::FromHex(in.span_id))
    return InvalidArgumentError("span_id must be 16 hex digits");
  model::Assessment a = in;
  if (a.assessment_id.empty()) a.assessment_id = NewAssessmentId();
  const int64_t now = NowMs();
  if (a.create_time_ms == 0) a.create_time_ms = now;
  a.last_update_time_ms = now;
  a.trace_id = MlflowTraceId(*trace_id);
  int64_t trace_key = 0;
  RETURN_IF_ERROR(WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(trace_key, TraceKey(db, *trace_id));
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string("INSERT INTO assessments(trace_key, ") + kAssessmentColumns +
                                        ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    Json extra = Json::object();
    if (a.expectation && !a.expectation->serialized_value.empty()) {
      extra["serialization_format"] = a.expectation->serialization_format;
      extra["serialized_value"] = a.expectation->serialized_value;
    }
    s.Bind(1, trace_key).Bind(2, a.assessment_id).Bind(3, a.span_id).Bind(4, a.assessment_name)
        .Bind(5, static_cast<int64_t>(a.source.source_type)).Bind(6, a.source.source_id)
        .Bind(7, a.create_time_ms).Bind(8, a.last_update_time_ms)
        .Bind(9, int64_t{a.feedback ? 1 : 2})
        .Bind(10, a.feedback ? a.feedback->value_json : a.expectation->value_json)
        .Bind(11, a.feedback ? ErrorJson(a.feedback->error) : std::string())
        .Bind(12, a.rationale).Bind(13, MetadataJson(a.metadata)).Bind(14, a.overrides)
        .Bind(15, int64_t{a.valid ? 1 : 0}).Bind(16, extra.dump());
    Status st = s.Run();
    if (!st.ok() && st.message().find("UNIQUE") != std::string::npos)
      return AlreadyExistsError("Assessment '" + a.assessment_id + "' already exists");
    RETURN_IF_ERROR(st);
    if (!a.overrides.empty()) {
      ASSIGN_OR_RETURN(Stmt o, db.Prepare("UPDATE assessments SET valid = 0 WHERE assessment_id = ? AND trace_key = ?"));
      RETURN_IF_ERROR(o.Bind(1, a.overrides).Bind(2, trace_key).Run());
      if (db.Changes() == 0)
        return NotFoundError("Assessment to override '" + a.overrides + "' not found on this trace");
    }
    return OkStatus();
  }));
  return GetAssessment(*trace_id, a.assessment_id);
}

Result<model::Assessment> SqliteTraceStore::GetAssessment(const TraceId& trace, const std::string& assessment_id) {
  return WithReader([&](Db& db) -> Result<model::Assessment> {
    ASSIGN_OR_RETURN(int64_t key, TraceKey(db, trace));
    ASSIGN_OR_RETURN(auto list, LoadAssessments(db, key, &assessment_id));
    if (list.empty())
      return NotFoundError("Assessment with ID '" + assessment_id + "' not found for trace " + MlflowTraceId(trace));
    return std::move(list.front());
  });
}

Result<model::Assessment> SqliteTraceStore::UpdateAssessment(const TraceId& trace, const std::string& assessment_id,
                                                             const AssessmentUpdate& u) {
  ASSIGN_OR_RETURN(model::Assessment current, GetAssessment(trace, assessment_id));
  if (u.feedback && current.expectation) return InvalidArgumentError("Cannot set feedback on an expectation");
  if (u.expectation && current.feedback) return InvalidArgumentError("Cannot set expectation on a feedback");
  if (u.assessment_name && u.assessment_name->empty()) return InvalidArgumentError("assessment_name must not be empty");
  RETURN_IF_ERROR(WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t key, TraceKey(db, trace));
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(
        "UPDATE assessments SET name = coalesce(?, name), value_json = coalesce(?, value_json), "
        "error_json = coalesce(?, error_json), rationale = coalesce(?, rationale), "
        "metadata_json = coalesce(?, metadata_json), valid = coalesce(?, valid), last_update_time = ? "
        "WHERE assessment_id = ? AND trace_key = ?"));
    if (u.assessment_name) s.Bind(1, *u.assessment_name); else s.BindNull(1);
    if (u.feedback) s.Bind(2, u.feedback->value_json).Bind(3, ErrorJson(u.feedback->error));
    else if (u.expectation) s.Bind(2, u.expectation->value_json).BindNull(3);
    else s.BindNull(2).BindNull(3);
    if (u.rationale) s.Bind(4, *u.rationale); else s.BindNull(4);
    if (u.metadata) s.Bind(5, MetadataJson(*u.metadata)); else s.BindNull(5);
    if (u.valid) s.Bind(6, int64_t{*u.valid ? 1 : 0}); else s.BindNull(6);
    s.Bind(7, std::max(NowMs(), current.last_update_time_ms + 1)).Bind(8, assessment_id).Bind(9, key);
    return s.Run();
  }));
  return GetAssessment(trace, assessment_id);
}

Status SqliteTraceStore::DeleteAssessment(const TraceId& trace, const std::string& assessment_id) {
  return WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t key, TraceKey(db, trace));
    ASSIGN_OR_RETURN(Stmt s, db.Prepare("DELETE FROM assessments WHERE assessment_id = ? AND trace_key = ?"));
    RETURN_IF_ERROR(s.Bind(1, assessment_id).Bind(2, key).Run());
    if (db.Changes() == 0)
      return NotFoundError("Assessment with ID '" + assessment_id + "' not found for trace " + MlflowTraceId(trace));
    return OkStatus();
  });
}

}  // namespace tracelake::storage::sqlite
