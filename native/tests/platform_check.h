// Minimal checking for the platform test programs: each is a plain executable that prints what
// failed and exits non-zero (CTest's convention), with no test framework to build.
#pragma once
#include <cstdarg>
#include <cstdio>

namespace rnnad_test {

class Checker {
 public:
  explicit Checker(const char* program) : program_(program) {}

  // Records a failure when !ok; prints the first few messages in full.
  bool check(bool ok, const char* format, ...) __attribute__((format(printf, 3, 4))) {
    ++checks_;
    if (ok) return true;
    if (++failures_ <= kPrintedFailures) {
      std::va_list args;
      va_start(args, format);
      std::fprintf(stderr, "FAIL: ");
      std::vfprintf(stderr, format, args);
      std::fprintf(stderr, "\n");
      va_end(args);
    }
    return false;
  }

  int failures() const { return failures_; }

  // The process exit code: 0 only if every check passed.
  int finish() const {
    std::printf("%s: %ld checks, %d failed\n", program_, checks_, failures_);
    return failures_ == 0 ? 0 : 1;
  }

 private:
  static constexpr int kPrintedFailures = 25;
  const char* program_;
  long checks_ = 0;
  int failures_ = 0;
};

}  // namespace rnnad_test
