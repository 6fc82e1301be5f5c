// Must NOT compile under clang -Wthread-safety -Werror: a guarded member written without its
// lock. tests/common/CMakeLists.txt checks that the diagnostic names it, which proves the
// annotations in common/mutex.h are seen by the analysis (not compiled into any target).
#include "common/mutex.h"

namespace tracelake {

class Counter {
 public:
  void Increment() { ++count_; }

 private:
  Mutex mu_;
  int count_ TL_GUARDED_BY(mu_) = 0;
};

}  // namespace tracelake
