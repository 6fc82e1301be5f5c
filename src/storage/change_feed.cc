#include "storage/change_feed.h"

#include <algorithm>

namespace tracelake::storage {

void CommitNotifier::Add(CommitListener* listener) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::find(listeners_.begin(), listeners_.end(), listener) == listeners_.end())
    listeners_.push_back(listener);
}

void CommitNotifier::Remove(CommitListener* listener) {
  std::unique_lock<std::mutex> lock(mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
  // Notifications from here on copy the list without it; wait out those that copied it before.
  const uint64_t removed_at = next_ticket_;
  done_cv_.wait(lock, [&] {
    return std::none_of(running_.begin(), running_.end(),
                        [&](uint64_t t) { return t < removed_at; });
  });
}

void CommitNotifier::Notify(int64_t max_seq) noexcept {
  std::vector<CommitListener*> listeners;
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (listeners_.empty()) return;
    listeners = listeners_;
    ticket = next_ticket_++;
    running_.push_back(ticket);
  }
  for (CommitListener* l : listeners) l->OnCommitted(max_seq);
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(std::find(running_.begin(), running_.end(), ticket));
  }
  done_cv_.notify_all();
}

void FeedWaiter::OnCommitted(int64_t max_seq) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (max_seq <= latest_) return;
    latest_ = max_seq;
  }
  cv_.notify_all();
}

bool FeedWaiter::WaitBeyond(int64_t seq, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return stopped_ || latest_ > seq; });
  return !stopped_ && latest_ > seq;
}

void FeedWaiter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

int64_t FeedWaiter::latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

}  // namespace tracelake::storage
