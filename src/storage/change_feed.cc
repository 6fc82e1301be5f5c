#include "storage/change_feed.h"

#include <algorithm>

namespace tracelake::storage {

void CommitNotifier::Add(CommitListener* listener) {
  MutexLock lock(mu_);
  if (std::find(listeners_.begin(), listeners_.end(), listener) == listeners_.end())
    listeners_.push_back(listener);
}

void CommitNotifier::Remove(CommitListener* listener) {
  MutexLock lock(mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
  // Notifications from here on copy the list without it; wait out those that copied it before.
  const uint64_t removed_at = next_ticket_;
  auto started_before = [removed_at](uint64_t t) { return t < removed_at; };
  while (std::any_of(running_.begin(), running_.end(), started_before)) done_cv_.Wait(mu_);
}

void CommitNotifier::Notify(int64_t max_seq) noexcept {
  std::vector<CommitListener*> listeners;
  uint64_t ticket;
  {
    MutexLock lock(mu_);
    if (listeners_.empty()) return;
    listeners = listeners_;
    ticket = next_ticket_++;
    running_.push_back(ticket);
  }
  for (CommitListener* l : listeners) l->OnCommitted(max_seq);
  {
    MutexLock lock(mu_);
    running_.erase(std::find(running_.begin(), running_.end(), ticket));
  }
  done_cv_.SignalAll();
}

void FeedWaiter::OnCommitted(int64_t max_seq) noexcept {
  {
    MutexLock lock(mu_);
    if (max_seq <= latest_) return;
    latest_ = max_seq;
  }
  cv_.SignalAll();
}

bool FeedWaiter::WaitBeyond(int64_t seq, std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(mu_);
  while (!stopped_ && latest_ <= seq) {
    if (!cv_.WaitUntil(mu_, deadline)) break;
  }
  return !stopped_ && latest_ > seq;
}

void FeedWaiter::Stop() {
  {
    MutexLock lock(mu_);
    stopped_ = true;
  }
  cv_.SignalAll();
}

int64_t FeedWaiter::latest() const {
  MutexLock lock(mu_);
  return latest_;
}

}  // namespace tracelake::storage
