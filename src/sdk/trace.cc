// Trace-level metadata and the helpers behind TRACELAKE_TRACE and Traced().
#include "tracelake/trace.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "sdk/span_record.h"
#include "sdk/tracer.h"

namespace tracelake {
namespace {

void Upsert(std::vector<std::pair<std::string, std::string>>& kvs, std::string_view key,
            std::string_view value) {
  for (auto& [k, v] : kvs) {
    if (k == key) {
      v.assign(value);
      return;
    }
  }
  kvs.emplace_back(std::string(key), std::string(value));
}

enum class TraceField { kMetadata, kTag };

void UpdateTrace(TraceField field, std::string_view key, std::string_view value) noexcept {
  sdk::SpanRecord* root = sdk::CurrentThreadContext().trace_root;
  if (root == nullptr || key.empty()) return;
  MutexLock lock(root->trace_mu);
  if (root->trace_sealed) return;
  Upsert(field == TraceField::kMetadata ? root->trace_metadata : root->trace_tags, key, value);
}

}  // namespace

void SetTraceUser(std::string_view user) noexcept {
  UpdateTrace(TraceField::kMetadata, "mlflow.trace.user", user);
}
void SetTraceSession(std::string_view session) noexcept {
  UpdateTrace(TraceField::kMetadata, "mlflow.trace.session", session);
}
void SetTraceMetadata(std::string_view key, std::string_view value) noexcept {
  UpdateTrace(TraceField::kMetadata, key, value);
}
void SetTraceTag(std::string_view key, std::string_view value) noexcept {
  UpdateTrace(TraceField::kTag, key, value);
}

namespace internal {

std::string TypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  if (status == 0 && demangled != nullptr) return demangled.get();
  return type.name();
}

void RecordCurrentException(SpanRef span) noexcept {
  if (!span.IsRecording()) return;
  try {
    throw;
  } catch (const std::exception& e) {
    span.RecordException(TypeName(typeid(e)), e.what());
  } catch (...) {
    span.RecordException("unknown", "an exception of a type not derived from std::exception");
  }
}

std::vector<std::string_view> SplitArgNames(std::string_view names) {
  std::vector<std::string_view> out;
  while (!names.empty()) {
    const size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    out.push_back(name);
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace internal
}  // namespace tracelake
