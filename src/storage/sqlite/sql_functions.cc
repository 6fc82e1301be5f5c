#include "storage/sqlite/sql_functions.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "model/any_value.h"
#include "model/normalize.h"
#include "storage/regex.h"
#include "storage/span_chunk.h"
#include "storage/span_codec.h"
#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {
namespace {

using Json = nlohmann::json;

// JSON string escaping shared with the model (model/any_value.h).
using model::AppendJsonString;

// MLflow writes its attributes as JSON text ("\"LLM\""): compare the string inside.
std::string UnquoteJsonString(const std::string& s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    Json j = Json::parse(s, nullptr, false);
    if (!j.is_discarded() && j.is_string()) return j.get<std::string>();
  }
  return s;
}

void AppendValue(std::string& out, const model::AnyValue& v) {
  if (v.is_int()) {
    out += std::to_string(v.as_int());
  } else if (v.is_double() && std::isfinite(v.as_double())) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v.as_double());
    out += buf;
  } else if (v.is_bool()) {
    out += v.as_bool() ? "\"true\"" : "\"false\"";
  } else if (v.is_string()) {
    AppendJsonString(out, UnquoteJsonString(v.as_string()));
  } else {
    AppendJsonString(out, v.ToDisplayString());
  }
}

bool ParseChunk(sqlite3_value* arg, SpanChunk& chunk) {
  const auto* p = static_cast<const char*>(sqlite3_value_blob(arg));
  const int n = sqlite3_value_bytes(arg);
  if (p == nullptr || n <= 0) return false;
  return chunk.Parse(std::string_view(p, static_cast<size_t>(n))).ok();
}

void ResultText(sqlite3_context* ctx, const std::string& s) {
  sqlite3_result_text64(ctx, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void ChunkAttrFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* key_text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  SpanChunk chunk;
  if (key_text == nullptr || !ParseChunk(argv[0], chunk)) return sqlite3_result_null(ctx);
  const std::string_view key(key_text, static_cast<size_t>(sqlite3_value_bytes(argv[1])));
  const bool derivable = key.starts_with("mlflow.");
  std::string out = "[";
  bool any = false;
  for (const ChunkSpan& entry : chunk.spans()) {
    model::Span span;
    if (!DecodeSpanBody(entry.body, span).ok()) continue;
    const model::AnyValue* v = model::FindAttribute(span.attributes, key);
    if (v == nullptr && derivable) {
      model::NormalizeSpan(span);
      v = model::FindAttribute(span.attributes, key);
    }
    if (v == nullptr) continue;
    if (any) out += ',';
    AppendValue(out, *v);
    any = true;
  }
  if (!any) return sqlite3_result_null(ctx);
  out += ']';
  ResultText(ctx, out);
}

void AppendText(std::string& text, const model::Attributes& attrs) {
  for (const auto& kv : attrs) {
    if (kv.value.empty()) continue;
    if (!text.empty()) text += '\n';
    text += kv.value.is_string() ? kv.value.as_string() : kv.value.ToDisplayString();
  }
}

void ChunkTextFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  SpanChunk chunk;
  if (!ParseChunk(argv[0], chunk)) return sqlite3_result_null(ctx);
  std::string out = "[";
  std::string text;
  for (const ChunkSpan& entry : chunk.spans()) {
    model::Span span;
    if (!DecodeSpanBody(entry.body, span).ok()) continue;
    text.clear();
    AppendText(text, span.attributes);
    for (const auto& e : span.events) AppendText(text, e.attributes);
    if (out.size() > 1) out += ',';
    AppendJsonString(out, text);
  }
  out += ']';
  ResultText(ctx, out);
}

bool ParseJsonArg(sqlite3_value* arg, Json& j, std::string& raw) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(arg));
  if (p == nullptr) return false;
  raw.assign(p, static_cast<size_t>(sqlite3_value_bytes(arg)));
  j = Json::parse(raw, nullptr, false);
  return true;
}

void JsonTextFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Json j;
  std::string raw;
  if (!ParseJsonArg(argv[0], j, raw)) return sqlite3_result_null(ctx);
  if (j.is_discarded()) return ResultText(ctx, raw);
  if (j.is_null()) return sqlite3_result_null(ctx);
  if (j.is_string()) return ResultText(ctx, j.get<std::string>());
  if (j.is_boolean()) return ResultText(ctx, j.get<bool>() ? "true" : "false");
  ResultText(ctx, j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void JsonNumberFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  Json j;
  std::string raw;
  if (!ParseJsonArg(argv[0], j, raw) || j.is_discarded()) return sqlite3_result_null(ctx);
  if (j.is_number()) return sqlite3_result_double(ctx, j.get<double>());
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d))
      return sqlite3_result_double(ctx, d);
  }
  sqlite3_result_null(ctx);
}

// tl_regexp(pattern, text): the compiled pattern is cached on the statement for its lifetime.
void RegexpFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* re = static_cast<Regex*>(sqlite3_get_auxdata(ctx, 0));
  if (re == nullptr) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    if (p == nullptr) return sqlite3_result_null(ctx);
    auto compiled = Regex::Compile(
        std::string_view(p, static_cast<size_t>(sqlite3_value_bytes(argv[0]))));
    if (!compiled.ok()) return sqlite3_result_error(ctx, compiled.status().message().c_str(), -1);
    re = new Regex(std::move(*compiled));  // owned by SQLite's auxdata from here on
    sqlite3_set_auxdata(ctx, 0, re, [](void* r) { delete static_cast<Regex*>(r); });
    re = static_cast<Regex*>(sqlite3_get_auxdata(ctx, 0));
    if (re == nullptr) return sqlite3_result_error_nomem(ctx);
  }
  const auto* t = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (t == nullptr) return sqlite3_result_null(ctx);
  sqlite3_result_int(
      ctx, re->Search(std::string_view(t, static_cast<size_t>(sqlite3_value_bytes(argv[1])))) ? 1 : 0);
}

}  // namespace

Status RegisterSqlFunctions(sqlite3* db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  struct Fn {
    const char* name;
    int args;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  static constexpr Fn kFns[] = {{"tl_chunk_attr", 2, ChunkAttrFn},
                                {"tl_chunk_text", 1, ChunkTextFn},
                                {"tl_json_text", 1, JsonTextFn},
                                {"tl_json_number", 1, JsonNumberFn},
                                {"tl_regexp", 2, RegexpFn}};
  for (const Fn& f : kFns) {
    const int rc = sqlite3_create_function_v2(db, f.name, f.args, flags, nullptr, f.fn, nullptr,
                                              nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, std::string("register ") + f.name);
  }
  return OkStatus();
}

}  // namespace tracelake::storage::sqlite
