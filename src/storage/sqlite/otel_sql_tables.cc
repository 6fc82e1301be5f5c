#include "storage/sqlite/otel_sql_tables.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lake/otel_tables.h"
#include "storage/span_chunk.h"
#include "storage/span_codec.h"
#include "storage/sql/trace_schema.h"

namespace tracelake::storage::sqlite {
namespace {

using lake::Field;
using lake::FieldType;
using lake::Row;
using lake::Value;

// SQLite's JSON subtype ('J'): json_object() and friends embed such text as JSON, not a string.
constexpr unsigned int kJsonSubtype = 74;

struct Finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, Finalizer>;

std::string_view ColumnBlob(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, col))};
}
std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* p = sqlite3_column_text(s, col);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p),
                                    static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

// ---- Values as SQLite values ----

// Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day number.
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

std::string DateText(int64_t days) {
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string TimestampText(int64_t micros) {
  constexpr int64_t kPerDay = int64_t{86400} * 1000000;
  const int32_t days = lake::DaysSinceEpoch(micros);
  const int64_t in_day = micros - int64_t{days} * kPerDay;
  const int64_t secs = in_day / 1000000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%06dZ", DateText(days).c_str(),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), static_cast<int>(in_day % 1000000));
  return buf;
}

void AppendJsonDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out += buf;
}

// model::AppendJsonString goes byte by byte; most attribute keys and values are plain ASCII,
// which is copied in one piece (a full scan spends a fifth of its time here otherwise).
void AppendJsonText(std::string& out, const std::string& s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
      model::AppendJsonString(out, s);
      return;
    }
  }
  out += '"';
  out += s;
  out += '"';
}

void AppendJson(std::string& out, const Value& v, const Field& f) {
  const Value::Variant& x = v.get();
  if (v.is_null()) {
    out += "null";
  } else if (const auto* b = std::get_if<bool>(&x)) {
    out += *b ? "true" : "false";
  } else if (const auto* i = std::get_if<int32_t>(&x)) {
    out += f.type == FieldType::kDate ? "\"" + DateText(*i) + "\"" : std::to_string(*i);
  } else if (const auto* l = std::get_if<int64_t>(&x)) {
    out += f.type == FieldType::kTimestampMicros ? "\"" + TimestampText(*l) + "\""
                                                 : std::to_string(*l);
  } else if (const auto* d = std::get_if<double>(&x)) {
    AppendJsonDouble(out, *d);
  } else if (const auto* s = std::get_if<std::string>(&x)) {
    AppendJsonText(out, *s);
  } else if (const auto* list = std::get_if<lake::ListValue>(&x)) {
    out += '[';
    for (size_t k = 0; k < list->items.size(); ++k) {
      if (k != 0) out += ',';
      AppendJson(out, list->items[k], f.children[0]);
    }
    out += ']';
  } else if (const auto* st = std::get_if<lake::StructValue>(&x)) {
    out += '{';
    for (size_t k = 0; k < st->fields.size() && k < f.children.size(); ++k) {
      if (k != 0) out += ',';
      AppendJsonText(out, f.children[k].name);
      out += ':';
      AppendJson(out, st->fields[k], f.children[k]);
    }
    out += '}';
  } else if (const auto* map = std::get_if<lake::MapValue>(&x)) {
    out += '{';
    for (size_t k = 0; k < map->entries.size(); ++k) {
      if (k != 0) out += ',';
      AppendJsonText(out, map->entries[k].first);
      out += ':';
      AppendJson(out, map->entries[k].second, f.children[0]);
    }
    out += '}';
  }
}

void ResultText(sqlite3_context* ctx, std::string text) {
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void ResultValue(sqlite3_context* ctx, const Value& v, const Field& f) {
  const Value::Variant& x = v.get();
  if (v.is_null()) {
    sqlite3_result_null(ctx);
  } else if (!lake::IsLeafType(f.type)) {
    std::string json;
    AppendJson(json, v, f);
    ResultText(ctx, std::move(json));
    sqlite3_result_subtype(ctx, kJsonSubtype);
  } else if (const auto* b = std::get_if<bool>(&x)) {
    sqlite3_result_int(ctx, *b ? 1 : 0);
  } else if (const auto* i = std::get_if<int32_t>(&x)) {
    if (f.type == FieldType::kDate) {
      ResultText(ctx, DateText(*i));
    } else {
      sqlite3_result_int(ctx, *i);
    }
  } else if (const auto* l = std::get_if<int64_t>(&x)) {
    if (f.type == FieldType::kTimestampMicros) {
      ResultText(ctx, TimestampText(*l));
    } else {
      sqlite3_result_int64(ctx, *l);
    }
  } else if (const auto* d = std::get_if<double>(&x)) {
    sqlite3_result_double(ctx, *d);
  } else if (const auto* s = std::get_if<std::string>(&x)) {
    sqlite3_result_text64(ctx, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  } else {
    sqlite3_result_null(ctx);
  }
}

std::string DeclaredType(FieldType t) {
  switch (t) {
    case FieldType::kBoolean:
    case FieldType::kInt32:
    case FieldType::kInt64:
      return "INTEGER";
    case FieldType::kDouble:
      return "REAL";
    case FieldType::kBinary:
      return "BLOB";
    default:
      return "TEXT";
  }
}

// ---- The virtual tables ----

enum class TableKind { kSpans, kLogs, kAnnotations };

struct TableDef {
  TableKind kind;
  const std::vector<Field>* fields;
  int id_column;  // the column whose equality is pushed down to one trace
};

struct OtelVtab : sqlite3_vtab {
  TableDef def;
  sqlite3* db = nullptr;
  // Resources are shared by many spans (and traces): decode each once per query.
  std::unordered_map<uint64_t, std::shared_ptr<const model::Resource>> resources;
  // The per-trace statements, prepared once per query rather than once per trace (keyed by
  // the SQL literal's address).
  std::unordered_map<const char*, StmtPtr> statements;
};

struct OtelCursor : sqlite3_vtab_cursor {
  StmtPtr outer;  // traces (spans, annotations) or span_logs (logs)
  // The current trace's spans (otel_spans; each column is made only when SQLite asks for it,
  // lake::SpanColumn) or rows (otel_logs, otel_annotations).
  std::vector<model::Span> spans;
  std::vector<Row> rows;
  size_t pos = 0;  // into spans or rows
  int64_t rowid = 0;
  bool eof = true;
  bool needs_body = true;  // otel_spans: a used column comes from the span's stored body
};

OtelVtab& VtabOf(sqlite3_vtab_cursor* c) { return *static_cast<OtelVtab*>(c->pVtab); }

int SetError(sqlite3_vtab* vtab, int rc, const std::string& message) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", message.c_str());
  return rc;
}

// rc of a failed step on the inner statements: SQLITE_INTERRUPT (the engine's time limit) is
// passed on as is so the caller sees the interruption.
int StepError(OtelVtab& vt, int rc) {
  if (rc == SQLITE_INTERRUPT) return rc;
  return SetError(&vt, rc, std::string("reading the store: ") + sqlite3_errmsg(vt.db));
}

int Prepare(OtelVtab& vt, const char* sql, StmtPtr& out) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v2(vt.db, sql, -1, &s, nullptr);
  out.reset(s);
  if (rc != SQLITE_OK) return StepError(vt, rc);
  return SQLITE_OK;
}

// A cached statement, reset and unbound. Each use steps it to the end (or fails) before
// another use of the same SQL, so two cursors of one table never share a running statement.
int Cached(OtelVtab& vt, const char* sql, sqlite3_stmt*& out) {
  StmtPtr& slot = vt.statements[sql];
  if (slot) {
    sqlite3_reset(slot.get());
    sqlite3_clear_bindings(slot.get());
  } else if (int rc = Prepare(vt, sql, slot); rc != SQLITE_OK) {
    return rc;
  }
  out = slot.get();
  return SQLITE_OK;
}

Result<std::shared_ptr<const model::Resource>> LoadResource(OtelVtab& vt, uint64_t hash) {
  auto [it, fresh] = vt.resources.try_emplace(hash);
  if (!fresh) return it->second;
  sqlite3_stmt* s = nullptr;
  if (Cached(vt, "SELECT body FROM main.resources WHERE resource_hash = ?", s) != SQLITE_OK) {
    return InternalError("cannot read resources");
  }
  sqlite3_bind_int64(s, 1, static_cast<int64_t>(hash));
  auto resource = std::make_shared<model::Resource>();
  if (sqlite3_step(s) == SQLITE_ROW) {
    RETURN_IF_ERROR(DecodeResource(ColumnBlob(s, 0), *resource));
  }
  it->second = std::move(resource);
  return it->second;
}

// The spans of one trace, as SqliteTraceStore::LoadSpans reads them (without normalization:
// the rows hold the sender's attributes).
// Without needs_body only the columns of the `spans` rows are filled (ids, name, times, status
// code): the chunks are not read or decompressed, which makes counts and latencies cheap.
int LoadSpans(OtelVtab& vt, int64_t trace_key, const TraceId& id, bool needs_body,
              std::vector<model::Span>& spans) {
  std::deque<SpanChunk> chunks;  // deque: bodies point into each chunk, which must not move
  std::unordered_map<int64_t, std::pair<SpanChunk*, size_t>> by_seq;
  sqlite3_stmt* c = nullptr;
  if (int rc = Cached(vt,
                      "SELECT chunk_id, body FROM main.span_chunks "
                      "WHERE chunk_id BETWEEN ? AND ?",
                      c);
      rc != SQLITE_OK) {
    return rc;
  }
  sqlite3_bind_int64(c, 1, trace_key * sql::kChunksPerTrace);
  sqlite3_bind_int64(c, 2, trace_key * sql::kChunksPerTrace + sql::kChunksPerTrace - 1);
  int rc = SQLITE_OK;
  while (needs_body && (rc = sqlite3_step(c)) == SQLITE_ROW) {
    chunks.emplace_back();
    if (!chunks.back().Parse(ColumnBlob(c, 1)).ok()) {
      return SetError(&vt, SQLITE_CORRUPT, "a stored span chunk is corrupt");
    }
    by_seq[sqlite3_column_int64(c, 0) - trace_key * sql::kChunksPerTrace] = {&chunks.back(), 0};
  }
  if (needs_body && rc != SQLITE_DONE) return StepError(vt, rc);

  sqlite3_stmt* s = nullptr;
  if (rc = Cached(vt,
                  "SELECT span_id, parent_id, start_ns, duration_ns, status, name, chunk "
                  "FROM main.spans WHERE trace_key = ? ORDER BY span_id",
                  s);
      rc != SQLITE_OK) {
    return rc;
  }
  sqlite3_bind_int64(s, 1, trace_key);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    model::Span span;
    span.trace_id = id;
    span.span_id = SpanIdFromInt(sqlite3_column_int64(s, 0));
    span.parent_span_id = SpanIdFromInt(sqlite3_column_int64(s, 1));
    const int64_t start = sqlite3_column_int64(s, 2);
    span.start_time_unix_nano = static_cast<uint64_t>(start);
    span.end_time_unix_nano = static_cast<uint64_t>(start + sqlite3_column_int64(s, 3));
    span.status_code = static_cast<model::SpanStatusCode>(sqlite3_column_int64(s, 4) & 3);
    span.name = ColumnText(s, 5);
    if (!needs_body) {
      spans.push_back(std::move(span));
      continue;
    }
    auto it = by_seq.find(sqlite3_column_int64(s, 6));
    if (it == by_seq.end() || it->second.second >= it->second.first->spans().size()) {
      return SetError(&vt, SQLITE_CORRUPT, "a stored span has no body");
    }
    const ChunkSpan& body = it->second.first->spans()[it->second.second++];
    if (!DecodeSpanBody(body.body, span).ok()) {
      return SetError(&vt, SQLITE_CORRUPT, "a stored span body is corrupt");
    }
    if (body.resource_hash != 0) {
      auto resource = LoadResource(vt, body.resource_hash);
      if (!resource.ok()) return SetError(&vt, SQLITE_CORRUPT, resource.status().message());
      span.resource = *resource;
    }
    spans.push_back(std::move(span));
  }
  if (rc != SQLITE_DONE) return StepError(vt, rc);
  std::sort(spans.begin(), spans.end(), [](const model::Span& a, const model::Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano) {
      return a.start_time_unix_nano < b.start_time_unix_nano;
    }
    return a.span_id < b.span_id;
  });
  return SQLITE_OK;
}

int LoadAnnotationRows(OtelVtab& vt, int64_t trace_key, const TraceId& id, int64_t request_ns,
                       std::vector<Row>& rows) {
  model::TraceInfo info;
  info.trace_id = id;
  info.request_time_ns = request_ns;
  sqlite3_stmt* a = nullptr;
  int rc = Cached(vt,
                  "SELECT assessment_id, span_id, name, kind, source_type, source_id, "
                  "create_time, last_update_time, value_json, rationale, metadata_json "
                  "FROM main.assessments WHERE trace_key = ? "
                  "ORDER BY create_time, assessment_id",
                  a);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(a, 1, trace_key);
  while ((rc = sqlite3_step(a)) == SQLITE_ROW) {
    model::Assessment x;
    x.assessment_id = ColumnText(a, 0);
    x.span_id = ColumnText(a, 1);
    x.assessment_name = ColumnText(a, 2);
    x.source.source_type = static_cast<model::AssessmentSourceType>(sqlite3_column_int64(a, 4) & 3);
    x.source.source_id = ColumnText(a, 5);
    x.create_time_ms = sqlite3_column_int64(a, 6);
    x.last_update_time_ms = sqlite3_column_int64(a, 7);
    if (sqlite3_column_int64(a, 3) == 1) {
      x.feedback = model::Feedback{ColumnText(a, 8), std::nullopt};
    } else {
      x.expectation = model::Expectation{ColumnText(a, 8), "", ""};
    }
    x.rationale = ColumnText(a, 9);
    const auto md = nlohmann::json::parse(ColumnText(a, 10), nullptr, false);
    if (md.is_object()) {
      for (const auto& [k, v] : md.items()) {
        x.metadata[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
    }
    info.assessments.push_back(std::move(x));
  }
  if (rc != SQLITE_DONE) return StepError(vt, rc);
  for (auto [sql, out] :
       {std::pair{"SELECT key, value FROM main.trace_tags WHERE trace_key = ?", &info.tags},
        std::pair{"SELECT key, value FROM main.trace_metadata "
                  "WHERE trace_key = ?",
                  &info.trace_metadata}}) {
    sqlite3_stmt* s = nullptr;
    if (rc = Cached(vt, sql, s); rc != SQLITE_OK) return rc;
    sqlite3_bind_int64(s, 1, trace_key);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      (*out)[ColumnText(s, 0)] = ColumnText(s, 1);
    }
    if (rc != SQLITE_DONE) return StepError(vt, rc);
  }
  for (Row& row : lake::AnnotationRows(info)) rows.push_back(std::move(row));
  return SQLITE_OK;
}

// Fills cursor.rows from the next trace (or log record) of the outer statement; sets eof when
// there is none. Traces without rows (no annotations) are skipped.
int LoadNext(OtelCursor& cur) {
  OtelVtab& vt = VtabOf(&cur);
  cur.rows.clear();
  cur.spans.clear();
  cur.pos = 0;
  while (cur.rows.empty() && cur.spans.empty()) {
    const int rc = sqlite3_step(cur.outer.get());
    if (rc == SQLITE_DONE) {
      cur.eof = true;
      return SQLITE_OK;
    }
    if (rc != SQLITE_ROW) return StepError(vt, rc);
    sqlite3_stmt* o = cur.outer.get();
    if (vt.def.kind == TableKind::kLogs) {
      model::LogRecord log;
      if (!DecodeLogRecord(ColumnBlob(o, 3), log).ok()) continue;  // as the trace reads do
      if (auto id = TraceId::FromBytes(ColumnBlob(o, 1))) log.trace_id = *id;
      log.span_id = SpanIdFromInt(sqlite3_column_int64(o, 2));
      std::string record_id = log.trace_id.Hex() + ":" + log.span_id.Hex() + ":" +
                              std::to_string(sqlite3_column_int64(o, 0));
      cur.rows.push_back(lake::LogRow(log, std::move(record_id)));
      continue;
    }
    const int64_t trace_key = sqlite3_column_int64(o, 0);
    TraceId id;
    if (auto parsed = TraceId::FromBytes(ColumnBlob(o, 1))) id = *parsed;
    const int load_rc =
        vt.def.kind == TableKind::kSpans
            ? LoadSpans(vt, trace_key, id, cur.needs_body, cur.spans)
            : LoadAnnotationRows(vt, trace_key, id, sqlite3_column_int64(o, 2), cur.rows);
    if (load_rc != SQLITE_OK) return load_rc;
  }
  cur.eof = false;
  return SQLITE_OK;
}

const TableDef* DefOf(void* aux) { return static_cast<const TableDef*>(aux); }

int Connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
  const TableDef& def = *DefOf(aux);
  std::string ddl = "CREATE TABLE x(";
  for (size_t i = 0; i < def.fields->size(); ++i) {
    if (i != 0) ddl += ", ";
    ddl += (*def.fields)[i].name + " " + DeclaredType((*def.fields)[i].type);
  }
  ddl += ")";
  if (int rc = sqlite3_declare_vtab(db, ddl.c_str()); rc != SQLITE_OK) {
    *err = sqlite3_mprintf("cannot declare %s", ddl.c_str());
    return rc;
  }
  auto vt = std::make_unique<OtelVtab>();
  std::memset(static_cast<sqlite3_vtab*>(vt.get()), 0, sizeof(sqlite3_vtab));
  vt->def = def;
  vt->db = db;
  *out = vt.release();
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* vtab) {
  delete static_cast<OtelVtab*>(vtab);  // NOLINT(cppcoreguidelines-owning-memory): SQLite's C API
  return SQLITE_OK;
}

// otel_spans columns read from the `spans` rows alone (record_id, time, date, trace_id,
// span_id, parent_span_id, name, start and end times).
constexpr sqlite3_uint64 kSpanColumnsWithoutBody = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 4) |
                                                   (1u << 5) | (1u << 6) | (1u << 9) | (1u << 11) |
                                                   (1u << 12);
// idxNum bits: the trace id is pushed down; otel_spans needs the span bodies; bounds on the
// span start are pushed down (idxStr lists them).
constexpr int kIdxTraceId = 1;
constexpr int kIdxNeedsBody = 2;
constexpr int kIdxStartBounds = 4;

// otel_spans columns that bound the span's start: time, date (ISO text) and
// start_time_unix_nano (integer ns).
constexpr int kColTime = 1;
constexpr int kColDate = 2;
constexpr int kColStartNanos = 11;

char OpCode(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
      return '=';
    case SQLITE_INDEX_CONSTRAINT_GT:
      return '>';
    case SQLITE_INDEX_CONSTRAINT_GE:
      return 'g';
    case SQLITE_INDEX_CONSTRAINT_LT:
      return '<';
    case SQLITE_INDEX_CONSTRAINT_LE:
      return 'l';
    default:
      return 0;
  }
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const OtelVtab& vt = *static_cast<OtelVtab*>(vtab);
  const bool needs_body =
      vt.def.kind != TableKind::kSpans || (info->colUsed & ~kSpanColumnsWithoutBody) != 0;
  const int body_bit = needs_body ? kIdxNeedsBody : 0;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.usable && c.iColumn == vt.def.id_column && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      info->aConstraintUsage[i].argvIndex = 1;
      // Exact: xFilter returns only rows whose id equals the value.
      info->aConstraintUsage[i].omit = 1;
      info->idxNum = kIdxTraceId | body_bit;
      info->estimatedCost = 20;
      info->estimatedRows = 20;
      return SQLITE_OK;
    }
  }
  info->idxNum = body_bit;
  info->estimatedCost = 1e9;
  info->estimatedRows = 1000000;
  if (vt.def.kind != TableKind::kSpans) return SQLITE_OK;
  // Bounds on the start: xFilter reads only the traces with a span in range. Not omitted:
  // SQLite still checks each row, so the bounds need only hold every matching row (a
  // superset), which keeps the text comparisons of `time` and `date` exact.
  std::string bounds;  // per argument: column letter, op code
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    const char op = OpCode(c.op);
    if (!c.usable || op == 0) continue;
    char column = 0;
    if (c.iColumn == kColTime || c.iColumn == kColDate) column = 'd';
    if (c.iColumn == kColStartNanos) column = 'n';
    if (column == 0) continue;
    bounds += column;
    bounds += op;
    info->aConstraintUsage[i].argvIndex = static_cast<int>(bounds.size() / 2);
  }
  if (bounds.empty()) return SQLITE_OK;
  info->idxNum |= kIdxStartBounds;
  info->idxStr = sqlite3_mprintf("%s", bounds.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedCost = 1e8;
  info->estimatedRows = 100000;
  return SQLITE_OK;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The UTC day a `time` or `date` text starts with ("YYYY-MM-DD..."), when it does. Row texts
// are "YYYY-MM-DD" or "YYYY-MM-DDT..."; if row >= value as text then the row's day >= this
// day, and if row <= value then the row's day <= this day, whatever follows the date.
std::optional<int64_t> LeadingDay(sqlite3_value* v) {
  if (sqlite3_value_type(v) != SQLITE_TEXT || sqlite3_value_bytes(v) < 10) return std::nullopt;
  const auto* t = reinterpret_cast<const char*>(sqlite3_value_text(v));
  auto digits = [t](int from, int n) -> std::optional<int64_t> {
    int64_t out = 0;
    for (int i = from; i < from + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      out = out * 10 + (t[i] - '0');
    }
    return out;
  };
  const auto y = digits(0, 4);
  const auto m = digits(5, 2);
  const auto d = digits(8, 2);
  if (!y || !m || !d || t[4] != '-' || t[7] != '-' || *m < 1 || *m > 12 || *d < 1 || *d > 31) {
    return std::nullopt;
  }
  return DaysFromCivil(*y, *m, *d);
}

// [lo, hi] in ns that holds the start of every span the pushed-down bounds let through.
void ApplyBound(char column, char op, sqlite3_value* v, int64_t& lo, int64_t& hi) {
  constexpr int64_t kNanosPerDay = int64_t{86400} * 1000000000;
  int64_t low = std::numeric_limits<int64_t>::min();
  int64_t high = std::numeric_limits<int64_t>::max();
  if (column == 'd') {
    const std::optional<int64_t> day = LeadingDay(v);
    // Days past year 2262 or before 1677 do not fit in ns: no bound.
    if (!day || *day < -106000 || *day > 106000) return;
    low = *day * kNanosPerDay;
    high = (*day + 1) * kNanosPerDay - 1;
  } else {
    const int type = sqlite3_value_type(v);
    if (type == SQLITE_INTEGER) {
      low = high = sqlite3_value_int64(v);
    } else if (type == SQLITE_FLOAT) {
      const double d = sqlite3_value_double(v);
      if (!(d > -9.2e18 && d < 9.2e18)) return;
      low = static_cast<int64_t>(std::floor(d));
      high = static_cast<int64_t>(std::ceil(d));
    } else {
      return;  // text or blob against an integer column: left to SQLite
    }
  }
  switch (op) {
    case '=':
      lo = std::max(lo, low);
      hi = std::min(hi, high);
      break;
    case '>':
    case 'g':
      lo = std::max(lo, low);
      break;
    case '<':
    case 'l':
      hi = std::min(hi, high);
      break;
    default:
      break;
  }
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto cur = std::make_unique<OtelCursor>();
  std::memset(static_cast<sqlite3_vtab_cursor*>(cur.get()), 0, sizeof(sqlite3_vtab_cursor));
  *out = cur.release();
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cur) {
  delete static_cast<OtelCursor*>(cur);  // NOLINT(cppcoreguidelines-owning-memory): SQLite's C API
  return SQLITE_OK;
}

// The id pushed down, when it can match a stored row: 32 lowercase hex digits, as the column
// holds them (an uppercase id equals no row, as it would in a scan).
std::optional<TraceId> PushedId(sqlite3_value* v) {
  if (sqlite3_value_type(v) != SQLITE_TEXT || sqlite3_value_bytes(v) != 32) return std::nullopt;
  std::string_view hex(reinterpret_cast<const char*>(sqlite3_value_text(v)), 32);
  for (char ch : hex) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return std::nullopt;
  }
  return TraceId::FromHex(hex);
}

int Filter(sqlite3_vtab_cursor* cursor, int idx_num, const char* idx_str, int argc,
           sqlite3_value** argv) {
  auto& cur = *static_cast<OtelCursor*>(cursor);
  OtelVtab& vt = VtabOf(cursor);
  cur.rows.clear();
  cur.spans.clear();
  cur.pos = 0;
  cur.rowid = 0;
  cur.eof = true;
  cur.needs_body = (idx_num & kIdxNeedsBody) != 0;
  std::optional<TraceId> id;
  if ((idx_num & kIdxTraceId) != 0 && argc == 1) {
    id = PushedId(argv[0]);
    if (!id) return SQLITE_OK;  // no stored row can match
  }
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  const bool bounded = (idx_num & kIdxStartBounds) != 0 && idx_str != nullptr;
  if (bounded) {
    const size_t n = std::strlen(idx_str) / 2;
    for (size_t i = 0; i < n && static_cast<int>(i) < argc; ++i) {
      ApplyBound(idx_str[2 * i], idx_str[2 * i + 1], argv[i], lo, hi);
    }
    if (lo > hi) return SQLITE_OK;  // no span starts in an empty range
  }
  const bool logs = vt.def.kind == TableKind::kLogs;
  if (bounded && !logs) {
    // Traces with a span starting in [lo, hi]: the spans rows are read through their primary
    // key, and min_start skips traces that start after hi without reading them.
    if (int rc = Prepare(vt,
                         "SELECT t.trace_key, t.trace_id, t.request_time FROM main.traces t "
                         "WHERE t.min_start <= ?2 AND EXISTS (SELECT 1 FROM main.spans s "
                         "WHERE s.trace_key = t.trace_key AND s.start_ns BETWEEN ?1 AND ?2) "
                         "ORDER BY t.trace_key",
                         cur.outer);
        rc != SQLITE_OK) {
      return rc;
    }
    sqlite3_bind_int64(cur.outer.get(), 1, lo);
    sqlite3_bind_int64(cur.outer.get(), 2, hi);
    return LoadNext(cur);
  }
  const char* sql =
      logs ? (id ? "SELECT log_id, trace_id, span_id, body FROM main.span_logs "
                   "WHERE trace_id = ? ORDER BY log_id"
                 : "SELECT log_id, trace_id, span_id, body FROM main.span_logs ORDER BY log_id")
           : (id ? "SELECT trace_key, trace_id, request_time FROM main.traces WHERE trace_id = ?"
                 : "SELECT trace_key, trace_id, request_time FROM main.traces ORDER BY trace_key");
  if (int rc = Prepare(vt, sql, cur.outer); rc != SQLITE_OK) return rc;
  if (id) {
    sqlite3_bind_blob(cur.outer.get(), 1, id->bytes.data(), static_cast<int>(id->bytes.size()),
                      SQLITE_TRANSIENT);
  }
  return LoadNext(cur);
}

int Next(sqlite3_vtab_cursor* cursor) {
  auto& cur = *static_cast<OtelCursor*>(cursor);
  ++cur.rowid;
  if (++cur.pos < std::max(cur.rows.size(), cur.spans.size())) return SQLITE_OK;
  return LoadNext(cur);
}

int Eof(sqlite3_vtab_cursor* cursor) { return static_cast<OtelCursor*>(cursor)->eof ? 1 : 0; }

int Column(sqlite3_vtab_cursor* cursor, sqlite3_context* ctx, int col) {
  auto& cur = *static_cast<OtelCursor*>(cursor);
  const auto& fields = *VtabOf(cursor).def.fields;
  if (col < 0 || static_cast<size_t>(col) >= fields.size()) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  const auto c = static_cast<size_t>(col);
  if (cur.pos < cur.spans.size()) {
    ResultValue(ctx, lake::SpanColumn(cur.spans[cur.pos], c), fields[c]);
  } else if (cur.pos < cur.rows.size()) {
    ResultValue(ctx, cur.rows[cur.pos][c], fields[c]);
  } else {
    sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cursor, sqlite3_int64* rowid) {
  *rowid = static_cast<OtelCursor*>(cursor)->rowid;
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.iVersion = 0;
  m.xCreate = nullptr;  // eponymous-only: usable by name, never created or written
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = Disconnect;
  m.xDestroy = Disconnect;
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = Column;
  m.xRowid = Rowid;
  return m;  // xUpdate stays null: the tables are read-only
}

// One row per trace, from the store's traces table and metadata (docs/sql.md). Times as ISO
// text and ms, like MLflow's TraceInfo; state as MLflow's names.
constexpr const char* kTracesView = R"sql(
CREATE TEMP VIEW traces AS SELECT
  lower(hex(t.trace_id)) AS trace_id,
  'tr-' || lower(hex(t.trace_id)) AS request_id,
  CAST(t.experiment_id AS TEXT) AS experiment_id,
  strftime('%Y-%m-%dT%H:%M:%fZ', t.request_time / 1000000000.0, 'unixepoch') AS request_time,
  t.request_time / 1000000 AS request_time_ms,
  t.duration / 1000000 AS execution_duration_ms,
  CASE t.state & 3 WHEN 1 THEN 'OK' WHEN 2 THEN 'ERROR' WHEN 3 THEN 'IN_PROGRESS'
    ELSE 'STATE_UNSPECIFIED' END AS state,
  t.root_name AS name,
  t.span_count AS span_count,
  t.input_tokens AS input_tokens,
  t.output_tokens AS output_tokens,
  t.total_tokens AS total_tokens,
  t.input_cost AS input_cost,
  t.output_cost AS output_cost,
  t.total_cost AS cost,
  (SELECT m.value FROM main.trace_metadata m
    WHERE m.trace_key = t.trace_key AND m.key = 'mlflow.trace.session') AS session,
  (SELECT m.value FROM main.trace_metadata m
    WHERE m.trace_key = t.trace_key AND m.key = 'mlflow.trace.user') AS user,
  t.client_request_id AS client_request_id,
  (p.request_preview) AS request_preview,
  (p.response_preview) AS response_preview
FROM main.traces t LEFT JOIN main.trace_previews p ON p.trace_key = t.trace_key
)sql";

}  // namespace

Status RegisterOtelSqlTables(sqlite3* db) {
  static const TableDef kSpans{TableKind::kSpans, &lake::OtelSpanColumns(), 4};
  static const TableDef kLogs{TableKind::kLogs, &lake::OtelLogColumns(), 5};
  static const TableDef kAnnotations{TableKind::kAnnotations, &lake::OtelAnnotationColumns(), 3};
  static const sqlite3_module kModule = MakeModule();
  for (auto [name, def] : {std::pair{"otel_spans", &kSpans}, std::pair{"otel_logs", &kLogs},
                           std::pair{"otel_annotations", &kAnnotations}}) {
    const int rc = sqlite3_create_module_v2(db, name, &kModule, const_cast<TableDef*>(def),
                                            nullptr);  // NOLINT
    if (rc != SQLITE_OK) {
      return InternalError(std::string("cannot register ") + name + ": " + sqlite3_errmsg(db));
    }
  }
  char* err = nullptr;
  if (sqlite3_exec(db, kTracesView, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : "";
    sqlite3_free(err);
    return InternalError("cannot create the traces view: " + message);
  }
  return OkStatus();
}

}  // namespace tracelake::storage::sqlite
