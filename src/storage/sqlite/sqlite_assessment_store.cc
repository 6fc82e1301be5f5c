// SqliteAssessmentStore: feedback and expectations on traces (MLflow 3 semantics).
#include "storage/sqlite/sqlite_assessment_store.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/store_util.h"
#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

using Json = nlohmann::json;

// "a-" + 32 hex digits, as MLflow generates them.
std::string NewAssessmentId() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "a-";
  std::lock_guard<std::mutex> lock(mu);
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int j = 0; j < 16; ++j, v >>= 4) out += kHex[v & 15];
  }
  return out;
}

std::string MetadataJson(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ErrorJson(const std::optional<model::AssessmentError>& e) {
  if (!e) return "";
  return Json{{"error_code", e->error_code},
              {"error_message", e->error_message},
              {"stack_trace", e->stack_trace}}
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ExtraJson(const model::Assessment& a) {
  Json extra = Json::object();
  if (a.expectation && !a.expectation->serialized_value.empty()) {
    extra["serialization_format"] = a.expectation->serialization_format;
    extra["serialized_value"] = a.expectation->serialized_value;
  }
  return extra.dump(-1, ' ', false, Json::error_handler_t::replace);
}

constexpr const char* kColumns =
    "a.assessment_id, a.span_id, a.name, a.kind, a.source_type, a.source_id, a.create_time, "
    "a.last_update_time, a.value_json, a.error_json, a.rationale, a.metadata_json, a.overrides, "
    "a.valid, a.extra_json, t.trace_id";

model::Assessment FromRow(const Stmt& s) {
  model::Assessment a;
  a.assessment_id = std::string(s.Text(0));
  a.span_id = std::string(s.Text(1));
  a.assessment_name = std::string(s.Text(2));
  a.source.source_type = static_cast<model::AssessmentSourceType>(s.Int(4) & 3);
  a.source.source_id = std::string(s.Text(5));
  a.create_time_ms = s.Int(6);
  a.last_update_time_ms = s.Int(7);
  if (s.Int(3) == 1) {
    model::Feedback f;
    f.value_json = std::string(s.Text(8));
    if (!s.Text(9).empty()) {
      Json e = Json::parse(s.Text(9), nullptr, false);
      if (e.is_object()) {
        model::AssessmentError err;
        err.error_code = e.value("error_code", "");
        err.error_message = e.value("error_message", "");
        err.stack_trace = e.value("stack_trace", "");
        f.error = std::move(err);
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
  return a;
}

Status AssessmentNotFound(const std::string& id, const TraceId& trace) {
  return NotFoundError("Assessment with ID '" + id + "' not found for trace " +
                       MlflowTraceId(trace));
}

}  // namespace

Result<std::vector<model::Assessment>> LoadAssessments(Db& db, int64_t trace_key,
                                                       const std::string* assessment_id) {
  static const std::string kAll = std::string("SELECT ") + kColumns +
                                  " FROM assessments a JOIN traces t ON t.trace_key = a.trace_key "
                                  "WHERE a.trace_key = ? ORDER BY a.create_time, a.assessment_id";
  static const std::string kOne = std::string("SELECT ") + kColumns +
                                  " FROM assessments a JOIN traces t ON t.trace_key = a.trace_key "
                                  "WHERE a.trace_key = ? AND a.assessment_id = ?";
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(assessment_id ? kOne.c_str() : kAll.c_str()));
  s->Bind(1, trace_key);
  if (assessment_id) s->Bind(2, *assessment_id);
  std::vector<model::Assessment> out;
  while (s->Next()) out.push_back(FromRow(*s));
  RETURN_IF_ERROR(s->error());
  s->Reset();
  return out;
}

namespace {

// Checks an assessment to create and fills in its id, times and canonical trace id.
Result<model::Assessment> PrepareNew(const model::Assessment& in, int64_t now) {
  const auto trace_id = ParseMlflowTraceId(in.trace_id);
  if (!trace_id)
    return InvalidArgumentError("Invalid trace_id '" + in.trace_id.substr(0, 80) + "'");
  if (in.assessment_name.empty()) return InvalidArgumentError("assessment_name must not be empty");
  if (in.feedback.has_value() == in.expectation.has_value())
    return InvalidArgumentError("An assessment needs exactly one of feedback or expectation");
  if (!in.span_id.empty() && !SpanId::FromHex(in.span_id))
    return InvalidArgumentError("span_id must be 16 hex digits");
  model::Assessment a = in;
  if (a.assessment_id.empty()) a.assessment_id = NewAssessmentId();
  if (a.create_time_ms == 0) a.create_time_ms = now;
  a.last_update_time_ms = std::max(now, a.create_time_ms);
  a.trace_id = MlflowTraceId(*trace_id);
  return a;
}

// Inserts one prepared assessment inside the caller's write transaction.
Status InsertAssessment(Db& db, const model::Assessment& a, int64_t now, int64_t change_seq) {
  const TraceId trace_id = *ParseMlflowTraceId(a.trace_id);
  ASSIGN_OR_RETURN(int64_t trace_key, FindTraceKey(db, trace_id));
  if (!a.overrides.empty()) {
    // The overridden assessment stays, marked invalid (MLflow keeps the history).
    ASSIGN_OR_RETURN(Stmt * o, db.Cached("UPDATE assessments SET valid = 0, last_update_time = ? "
                                         "WHERE assessment_id = ? AND trace_key = ?"));
    RETURN_IF_ERROR(o->Bind(1, now).Bind(2, a.overrides).Bind(3, trace_key).Run());
    if (db.Changes() == 0) return AssessmentNotFound(a.overrides, trace_id);
  }
  ASSIGN_OR_RETURN(
      Stmt * s,
      db.Cached("INSERT OR IGNORE INTO assessments(assessment_id, trace_key, span_id, name, kind, "
                "source_type, source_id, create_time, last_update_time, value_json, error_json, "
                "rationale, metadata_json, overrides, valid, extra_json) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->Bind(1, a.assessment_id)
      .Bind(2, trace_key)
      .Bind(3, a.span_id)
      .Bind(4, a.assessment_name)
      .Bind(5, int64_t{a.feedback ? 1 : 2})
      .Bind(6, static_cast<int64_t>(a.source.source_type))
      .Bind(7, a.source.source_id)
      .Bind(8, a.create_time_ms)
      .Bind(9, a.last_update_time_ms)
      .Bind(10, a.feedback ? a.feedback->value_json : a.expectation->value_json)
      .Bind(11, a.feedback ? ErrorJson(a.feedback->error) : std::string())
      .Bind(12, a.rationale)
      .Bind(13, MetadataJson(a.metadata))
      .Bind(14, a.overrides)
      .Bind(15, int64_t{a.valid ? 1 : 0})
      .Bind(16, ExtraJson(a));
  RETURN_IF_ERROR(s->Run());
  if (db.Changes() == 0)
    return AlreadyExistsError("Assessment '" + a.assessment_id + "' already exists");
  return TouchTraceRow(db, trace_key, change_seq);
}

}  // namespace

Result<model::Assessment> SqliteAssessmentStore::CreateAssessment(const model::Assessment& in) {
  ASSIGN_OR_RETURN(std::vector<model::Assessment> created, CreateAssessments({in}));
  return std::move(created.front());
}

Result<std::vector<model::Assessment>> SqliteAssessmentStore::CreateAssessments(
    const std::vector<model::Assessment>& list) {
  const int64_t now = NowMs();
  std::vector<model::Assessment> prepared;
  prepared.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    Result<model::Assessment> a = PrepareNew(list[i], now);
    if (!a.ok() && list.size() > 1)
      return Status(a.status().code(),
                    "assessment " + std::to_string(i) + ": " + a.status().message());
    if (!a.ok()) return a.status();
    prepared.push_back(std::move(*a));
  }
  if (prepared.empty()) return prepared;
  RETURN_IF_ERROR(db_.WithWriteTxn([&](Db& db) -> Status {
    for (const model::Assessment& a : prepared)
      RETURN_IF_ERROR(InsertAssessment(db, a, now, db_.NextChangeSeq()));
    return OkStatus();
  }));
  std::vector<model::Assessment> out;
  out.reserve(prepared.size());
  for (const model::Assessment& a : prepared) {
    ASSIGN_OR_RETURN(model::Assessment stored,
                     GetAssessment(*ParseMlflowTraceId(a.trace_id), a.assessment_id));
    out.push_back(std::move(stored));
  }
  return out;
}

Result<std::vector<model::Assessment>> SqliteAssessmentStore::ListRunAssessments(
    const std::string& run_id) {
  return db_.WithReader([&](Db& db) -> Result<std::vector<model::Assessment>> {
    // The run's feedback by the assessments_by_source_run index (schema 7), then its traces.
    static const std::string kByRun =
        std::string("SELECT ") + kColumns +
        " FROM (SELECT * FROM assessments WHERE kind = 1 AND valid = 1 AND " +
        std::string(kAssessmentSourceRunSql) +
        " = ?) a JOIN traces t ON t.trace_key = a.trace_key "
        "ORDER BY a.create_time, a.assessment_id";
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(kByRun.c_str()));
    s->Bind(1, run_id);
    std::vector<model::Assessment> out;
    while (s->Next()) out.push_back(FromRow(*s));
    RETURN_IF_ERROR(s->error());
    s->Reset();
    return out;
  });
}

Result<model::Assessment> SqliteAssessmentStore::GetAssessment(const TraceId& trace,
                                                               const std::string& assessment_id) {
  return db_.WithReader([&](Db& db) -> Result<model::Assessment> {
    ASSIGN_OR_RETURN(int64_t key, FindTraceKey(db, trace));
    ASSIGN_OR_RETURN(auto list, LoadAssessments(db, key, &assessment_id));
    if (list.empty()) return AssessmentNotFound(assessment_id, trace);
    return std::move(list.front());
  });
}

Result<model::Assessment> SqliteAssessmentStore::UpdateAssessment(const TraceId& trace,
                                                                  const std::string& assessment_id,
                                                                  const AssessmentUpdate& u) {
  if (u.assessment_name && u.assessment_name->empty())
    return InvalidArgumentError("assessment_name must not be empty");
  RETURN_IF_ERROR(db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t key, FindTraceKey(db, trace));
    ASSIGN_OR_RETURN(auto current, LoadAssessments(db, key, &assessment_id));
    if (current.empty()) return AssessmentNotFound(assessment_id, trace);
    const model::Assessment& a = current.front();
    if (u.feedback && a.expectation)
      return InvalidArgumentError("Cannot update an expectation with a feedback value");
    if (u.expectation && a.feedback)
      return InvalidArgumentError("Cannot update a feedback with an expectation value");
    model::Assessment next = a;
    if (u.assessment_name) next.assessment_name = *u.assessment_name;
    if (u.feedback) next.feedback = *u.feedback;
    if (u.expectation) next.expectation = *u.expectation;
    if (u.rationale) next.rationale = *u.rationale;
    if (u.metadata)  // merged into the existing metadata, as MLflow does
      for (const auto& [k, v] : *u.metadata) next.metadata[k] = v;
    if (u.valid) next.valid = *u.valid;
    // Strictly later than before, so clients can order updates even within one millisecond.
    next.last_update_time_ms = std::max(NowMs(), a.last_update_time_ms + 1);
    ASSIGN_OR_RETURN(
        Stmt * s,
        db.Cached("UPDATE assessments SET name = ?, value_json = ?, error_json = ?, rationale = ?, "
                  "metadata_json = ?, valid = ?, extra_json = ?, last_update_time = ? "
                  "WHERE assessment_id = ? AND trace_key = ?"));
    s->Bind(1, next.assessment_name)
        .Bind(2, next.feedback ? next.feedback->value_json : next.expectation->value_json)
        .Bind(3, next.feedback ? ErrorJson(next.feedback->error) : std::string())
        .Bind(4, next.rationale)
        .Bind(5, MetadataJson(next.metadata))
        .Bind(6, int64_t{next.valid ? 1 : 0})
        .Bind(7, ExtraJson(next))
        .Bind(8, next.last_update_time_ms)
        .Bind(9, assessment_id)
        .Bind(10, key);
    RETURN_IF_ERROR(s->Run());
    return TouchTraceRow(db, key, db_.NextChangeSeq());
  }));
  return GetAssessment(trace, assessment_id);
}

Status SqliteAssessmentStore::DeleteAssessment(const TraceId& trace,
                                               const std::string& assessment_id) {
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t key, FindTraceKey(db, trace));
    ASSIGN_OR_RETURN(auto current, LoadAssessments(db, key, &assessment_id));
    if (current.empty()) return AssessmentNotFound(assessment_id, trace);
    ASSIGN_OR_RETURN(
        Stmt * s, db.Cached("DELETE FROM assessments WHERE assessment_id = ? AND trace_key = ?"));
    RETURN_IF_ERROR(s->Bind(1, assessment_id).Bind(2, key).Run());
    // Deleting an override makes the assessment it replaced valid again (MLflow).
    if (const std::string& overridden = current.front().overrides; !overridden.empty()) {
      ASSIGN_OR_RETURN(Stmt * o, db.Cached("UPDATE assessments SET valid = 1, last_update_time = ? "
                                           "WHERE assessment_id = ? AND trace_key = ?"));
      RETURN_IF_ERROR(o->Bind(1, NowMs()).Bind(2, overridden).Bind(3, key).Run());
    }
    return TouchTraceRow(db, key, db_.NextChangeSeq());
  });
}

}  // namespace tracelake::storage::sqlite
