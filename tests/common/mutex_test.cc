#include "common/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace tracelake {
namespace {

// A one-shot flag handed between threads, written as the header's example says.
class Flag {
 public:
  void Set() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    set_ = true;
    cv_.SignalAll();
  }
  void Wait() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (!set_) cv_.Wait(mu_);
  }
  // False when the deadline passed first.
  bool WaitFor(std::chrono::milliseconds timeout) TL_EXCLUDES(mu_) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mu_);
    while (!set_) {
      if (!cv_.WaitUntil(mu_, deadline)) return set_;
    }
    return true;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  bool set_ TL_GUARDED_BY(mu_) = false;
};

TEST(MutexTest, CondVarWakesAWaiterOnAnotherThread) {
  Flag ready;
  Flag done;
  std::thread t([&] {
    ready.Wait();
    done.Set();
  });
  ready.Set();
  done.Wait();
  t.join();
}

TEST(MutexTest, WaitUntilReturnsFalseAtTheDeadline) {
  Flag never;
  EXPECT_FALSE(never.WaitFor(std::chrono::milliseconds(1)));
  Flag set;
  set.Set();
  EXPECT_TRUE(set.WaitFor(std::chrono::milliseconds(0)));
}

TEST(MutexTest, TryLockFailsWhileAnotherThreadHoldsTheLock) {
  Mutex mu;
  MutexLock lock(mu);
  mu.AssertHeld();
  bool acquired = true;
  std::thread t([&] {
    acquired = false;
    if (mu.TryLock()) {
      acquired = true;
      mu.Unlock();
    }
  });
  t.join();
  EXPECT_FALSE(acquired);
}

}  // namespace
}  // namespace tracelake
