// Thread-safety annotations that clang's -Wthread-safety checks at compile time; no-ops on GCC.
//
// They turn the locking contract of a class into something the compiler verifies:
//
//   class Queue {
//    public:
//     void Push(int v) TL_EXCLUDES(mu_);       // takes mu_ itself
//    private:
//     void PushLocked(int v) TL_REQUIRES(mu_);  // caller holds mu_
//     Mutex mu_;
//     std::vector<int> items_ TL_GUARDED_BY(mu_);
//   };
//
// Only annotated lock types take part: use tracelake::Mutex / MutexLock / CondVar
// (common/mutex.h), not std::mutex, whose libstdc++ declaration carries no annotations.
// The names carry a TL_ prefix because Abseil (reached through gRPC's headers) still defines
// the unprefixed GUARDED_BY & co. with other spellings.
// Reference: https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
#pragma once

#if defined(__clang__)
#define TL_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define TL_THREAD_ANNOTATION(x)
#endif

// On a class: objects of it are a capability (a lock) named `x` in diagnostics.
#define TL_CAPABILITY(x) TL_THREAD_ANNOTATION(capability(x))

// On a RAII class that acquires in its constructor and releases in its destructor.
#define TL_SCOPED_CAPABILITY TL_THREAD_ANNOTATION(scoped_lockable)

// On a data member: reads and writes need the capability `x` held.
#define TL_GUARDED_BY(x) TL_THREAD_ANNOTATION(guarded_by(x))

// On a pointer member: the pointee (not the pointer) needs `x` held.
#define TL_PT_GUARDED_BY(x) TL_THREAD_ANNOTATION(pt_guarded_by(x))

// On a function: the caller must hold the capabilities (exclusively / shared).
#define TL_REQUIRES(...) TL_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define TL_REQUIRES_SHARED(...) TL_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))

// On a function: it acquires / releases the capabilities (no argument: `this`).
#define TL_ACQUIRE(...) TL_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define TL_RELEASE(...) TL_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TL_TRY_ACQUIRE(...) TL_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))

// On a function: the caller must NOT hold the capabilities (the function takes them).
#define TL_EXCLUDES(...) TL_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// On a function: checks at run time that the capability is held; the analysis believes it.
#define TL_ASSERT_CAPABILITY(x) TL_THREAD_ANNOTATION(assert_capability(x))

// On a function returning a reference to a capability.
#define TL_RETURN_CAPABILITY(x) TL_THREAD_ANNOTATION(lock_returned(x))

// On a function the analysis cannot follow. Each use says why in a comment.
#define TL_NO_THREAD_SAFETY_ANALYSIS TL_THREAD_ANNOTATION(no_thread_safety_analysis)
