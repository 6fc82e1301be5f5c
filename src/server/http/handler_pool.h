// HandlerPool: httplib's task queue for the HTTP server, a fixed pool of handler threads that
// each serve one connection at a time (httplib reads, dispatches and keeps a connection alive on
// the thread that took it). It also tells handlers when connections are waiting for a thread:
// then a handler's answer says "Connection: close", so that its thread moves on instead of
// idling on the connection for the keep-alive timeout. So 1,000 exporters connecting at once are
// answered in turn by the same few threads, one request each, rather than 32 at a time every
// keep-alive timeout.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace tracelake::server {

class HandlerPool final : public httplib::TaskQueue {
 public:
  explicit HandlerPool(int threads);
  ~HandlerPool() override;  // REQUIRES: shutdown() was called (httplib calls it)

  void enqueue(std::function<void()> fn) override TL_EXCLUDES(mu_);
  void shutdown() override TL_EXCLUDES(mu_);

  // Whether accepted connections are waiting for a free thread.
  bool ConnectionsWaiting() const { return waiting_.load(std::memory_order_relaxed) > 0; }

 private:
  void Work() TL_EXCLUDES(mu_);

  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> jobs_ TL_GUARDED_BY(mu_);
  bool shutdown_ TL_GUARDED_BY(mu_) = false;
  std::atomic<size_t> waiting_{0};  // jobs_.size(), readable without mu_
  std::vector<std::thread> threads_;
};

}  // namespace tracelake::server
