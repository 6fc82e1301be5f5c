#include "server/http/handler_pool.h"

#include <utility>

namespace tracelake::server {

HandlerPool::HandlerPool(int threads) {
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

HandlerPool::~HandlerPool() = default;

void HandlerPool::enqueue(std::function<void()> fn) {
  {
    MutexLock lock(mu_);
    jobs_.push_back(std::move(fn));
    waiting_.store(jobs_.size(), std::memory_order_relaxed);
  }
  cv_.Signal();
}

void HandlerPool::shutdown() {
  {
    MutexLock lock(mu_);
    shutdown_ = true;
  }
  cv_.SignalAll();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void HandlerPool::Work() {
  for (;;) {
    std::function<void()> fn;
    {
      MutexLock lock(mu_);
      while (jobs_.empty() && !shutdown_) cv_.Wait(mu_);
      if (jobs_.empty()) return;  // shut down, and every accepted connection served
      fn = std::move(jobs_.front());
      jobs_.pop_front();
      waiting_.store(jobs_.size(), std::memory_order_relaxed);
    }
    fn();
  }
}

}  // namespace tracelake::server
