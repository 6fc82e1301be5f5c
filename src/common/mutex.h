// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with the annotations
// clang's -Wthread-safety needs (common/thread_annotations.h). libstdc++'s own types carry none,
// so a member guarded by a std::mutex cannot be checked.
//
//   Mutex mu_;
//   bool ready_ TL_GUARDED_BY(mu_) = false;
//   CondVar ready_cv_;
//
//   void SetReady() TL_EXCLUDES(mu_) {
//     MutexLock lock(mu_);
//     ready_ = true;
//     ready_cv_.SignalAll();
//   }
//   void AwaitReady() TL_EXCLUDES(mu_) {
//     MutexLock lock(mu_);
//     while (!ready_) ready_cv_.Wait(mu_);  // the condition is read with mu_ held: checked
//   }
//
// Waits take no predicate: a lambda is analyzed as a function of its own that does not hold the
// lock, so the condition loop is written out at the call site, as above.
#pragma once

#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/thread_annotations.h"

namespace tracelake {

// A non-recursive exclusive lock. Safe for concurrent use.
class TL_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() TL_ACQUIRE() {
    mu_.lock();
    SetOwner();
  }
  void Unlock() TL_RELEASE() {
    ClearOwner();
    mu_.unlock();
  }
  bool TryLock() TL_TRY_ACQUIRE(true) {
    if (!mu_.try_lock()) return false;
    SetOwner();
    return true;
  }

  // Tells the analysis that the calling thread holds the lock (for code it cannot follow, such
  // as a callback run under the lock). Checked at run time in builds without NDEBUG.
  void AssertHeld() const TL_ASSERT_CAPABILITY(this) {
#ifndef NDEBUG
    assert(owner_.load(std::memory_order_relaxed) == std::this_thread::get_id());
#endif
  }

 private:
  friend class CondVar;

  void SetOwner() {
#ifndef NDEBUG
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
#endif
  }
  void ClearOwner() {
#ifndef NDEBUG
    owner_.store(std::thread::id(), std::memory_order_relaxed);
#endif
  }

  std::mutex mu_;
#ifndef NDEBUG
  std::atomic<std::thread::id> owner_{};
#endif
};

// Holds a Mutex for its scope.
class TL_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) TL_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() TL_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable bound at each wait to the Mutex the caller holds. Spurious wake-ups
// happen: always wait in a loop that re-checks the condition. Safe for concurrent use.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases mu while blocked; holds it again on return.
  void Wait(Mutex& mu) TL_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    mu.ClearOwner();
    cv_.wait(lock);
    mu.SetOwner();
    lock.release();  // mu stays locked, owned by the caller again
  }

  // As Wait, but returns false when `deadline` passed before a wake-up.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      TL_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    mu.ClearOwner();
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    mu.SetOwner();
    lock.release();
    return woken;
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace tracelake
