// What @mlflow.trace gives a Python function: one line marks a function as a span, and its
// return statement records the answer.
//
//   std::string Answer(const std::string& question, int max_rows) {
//     TRACELAKE_TRACE(tracelake::SpanType::kAgent, question, max_rows);
//     // inputs {"question": ..., "max_rows": ...}, function name "Answer"
//     std::string answer = ...;
//     return tracelake_span.Return(std::move(answer));   // outputs "...", returned unchanged
//   }
//
// A C++ scope cannot see the value its function returns, so the return statement hands it to
// the span: Return(value) records value as the outputs (like SetOutputs) and returns it, moved
// when it is an rvalue. A returned Result<T> or Status that is not ok sets status ERROR. An
// exception leaving the function sets status ERROR and an "exception" event, and propagates
// unchanged.
//
// Or wrap any callable; the wrapper records the return value by itself, and exceptions with
// their type and what() (status ERROR plus an "exception" event; rethrown unchanged):
//
//   auto lookup = tracelake::Traced("lookup", tracelake::SpanType::kTool,
//                                   [](const std::string& sku) { return db.Find(sku); },
//                                   {"sku"});
//   auto row = lookup("A-100");                           // outputs: the row
//
// Trace-level metadata and tags (MLflow's trace_metadata and tags) can be set from anywhere
// inside a trace, on any thread that carries its Context.
#pragma once

#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "tracelake/span.h"

namespace tracelake {

// MLflow trace metadata mlflow.trace.user / mlflow.trace.session (sent as the OTel attributes
// user.id / session.id on the trace's root span).
void SetTraceUser(std::string_view user) noexcept;
void SetTraceSession(std::string_view session) noexcept;
// Free-form trace metadata and tags (for example "version"). Sent with the root span; a value
// set after the root span ended is dropped.
void SetTraceMetadata(std::string_view key, std::string_view value) noexcept;
void SetTraceTag(std::string_view key, std::string_view value) noexcept;

namespace internal {
// The demangled name of a type ("std::runtime_error").
std::string TypeName(const std::type_info& type);
void RecordCurrentException(SpanRef span) noexcept;

// Splits "a, b , c" (the macro's stringified argument list) into names.
std::vector<std::string_view> SplitArgNames(std::string_view names);

template <typename... Args>
void SetNamedInputs(SpanRef span, const std::vector<std::string_view>& names,
                    const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    return;
  } else {
    if (!span.IsRecording()) return;
    std::string out;
    {
      JsonObject obj(out);
      size_t i = 0;
      auto add = [&](const auto& arg) {
        if (i < names.size() && !names[i].empty()) {
          obj.Add(names[i], arg);
        } else {
          obj.Add("arg" + std::to_string(i), arg);
        }
        ++i;
      };
      (add(args), ...);
    }
    span.SetInputsJson(out);
  }
}

// The TRACELAKE_TRACE form: names come stringified ("question, max_rows") and are split
// only when the span records.
template <typename... Args>
void SetMacroInputs(SpanRef span, std::string_view names_csv, const Args&... args) {
  if (!span.IsRecording() || sizeof...(Args) == 0) return;
  SetNamedInputs(span, SplitArgNames(names_csv), args...);
}
}  // namespace internal

// A Span that also notices an exception leaving its scope (status ERROR and an "exception"
// event; the type and message are only known to Traced(), which catches and rethrows).
class TracedScope : public Span {
 public:
  TracedScope(std::string_view function_name, SpanType type) noexcept
      : Span(function_name, type), exceptions_(std::uncaught_exceptions()) {
    SetFunctionName(function_name);
  }
  ~TracedScope() {
    if (IsRecording() && std::uncaught_exceptions() > exceptions_) {
      RecordException("exception", "an exception left the traced scope");
    }
  }

 private:
  int exceptions_;
};

// Returns a callable that runs fn inside a span named name of the given type. arg_names name
// the inputs ({"question": ...}); unnamed arguments become "arg0", "arg1", ... The result is
// recorded as the outputs as SpanRef::Return records it (a Result<T> or Status that is not ok
// sets status ERROR). Arguments and the result must be convertible by tracelake::ToJson.
template <typename F>
auto Traced(std::string name, SpanType type, F fn, std::vector<std::string> arg_names = {}) {
  return [name = std::move(name), type, fn = std::move(fn),
          arg_names = std::move(arg_names)](auto&&... args) mutable -> decltype(auto) {
    Span span(name, type);
    span.SetFunctionName(name);
    if (span.IsRecording()) {
      std::vector<std::string_view> names(arg_names.begin(), arg_names.end());
      internal::SetNamedInputs(span, names, args...);
    }
    using R = std::invoke_result_t<F&, decltype(args)...>;
    try {
      if constexpr (std::is_void_v<R>) {
        std::invoke(fn, std::forward<decltype(args)>(args)...);
      } else {
        R result = std::invoke(fn, std::forward<decltype(args)>(args)...);
        internal::RecordReturnValue(span, std::as_const(result));  // noexcept
        return result;
      }
    } catch (...) {
      internal::RecordCurrentException(span);
      throw;
    }
  };
}

}  // namespace tracelake

// Marks the enclosing function as a span named after it (__func__), of the given type, with
// the listed arguments as inputs. The span is the local variable `tracelake_span`; return
// through it to record the outputs: `return tracelake_span.Return(answer);`.
#define TRACELAKE_TRACE(type, ...)                                  \
  ::tracelake::TracedScope tracelake_span(__func__, (type));        \
  ::tracelake::internal::SetMacroInputs(tracelake_span, #__VA_ARGS__ __VA_OPT__(, ) __VA_ARGS__)
