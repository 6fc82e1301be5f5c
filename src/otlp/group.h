// Grouping of spans / log records by their shared Resource and Scope, for the encoders.
// Internal to src/otlp.
#pragma once

#include <unordered_map>
#include <vector>

#include "model/span.h"

namespace tracelake::otlp::internal {

template <typename T>
struct ScopeGroup {
  const model::Scope* scope = nullptr;  // null: no scope
  std::vector<const T*> items;
};

template <typename T>
struct ResourceGroup {
  const model::Resource* resource = nullptr;  // null: no resource
  std::vector<ScopeGroup<T>> scopes;
};

// Groups items (spans or log records) by resource pointer, then scope pointer, keeping the
// order in which each resource, scope and item first appears. Identity, not equality: decoders
// and the SDK share one Resource/Scope object per group, so pointers are the grouping key.
template <typename T>
std::vector<ResourceGroup<T>> GroupByResourceAndScope(const std::vector<T>& items) {
  std::vector<ResourceGroup<T>> groups;
  std::unordered_map<const model::Resource*, size_t> resource_index;
  std::vector<std::unordered_map<const model::Scope*, size_t>> scope_index;
  for (const T& item : items) {
    auto [rit, new_resource] = resource_index.emplace(item.resource.get(), groups.size());
    if (new_resource) {
      groups.push_back(ResourceGroup<T>{item.resource.get(), {}});
      scope_index.emplace_back();
    }
    ResourceGroup<T>& group = groups[rit->second];
    auto& scopes = scope_index[rit->second];
    auto [sit, new_scope] = scopes.emplace(item.scope.get(), group.scopes.size());
    if (new_scope) group.scopes.push_back(ScopeGroup<T>{item.scope.get(), {}});
    group.scopes[sit->second].items.push_back(&item);
  }
  return groups;
}

}  // namespace tracelake::otlp::internal
