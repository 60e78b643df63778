// DenormalGuard: flushes denormal operands and results while alive, restores the thread's
// previous floating-point mode exactly (other control bits, such as the rounding mode,
// included), and nests.
#include <cfenv>
#include <cstdio>
#include <stdexcept>

#include "api.h"
#include "platform_check.h"

using namespace rnnad;

namespace {

rnnad_test::Checker checker("platform_denormal");

// A denormal result of normal operands: flushed to 0 under FTZ.
bool resultsFlushed() {
  volatile float a = 1e-30f, b = 1e-10f;
  return a * b == 0.f;
}

// A denormal operand: read as 0 under DAZ (x86) / FZ (ARM64).
bool operandsFlushed() {
  volatile float tiny = 1e-40f, big = 1e30f;
  return tiny * big == 0.f;
}

}  // namespace

int main() {
  checker.check(!resultsFlushed() && !operandsFlushed(), "denormals must work normally before any guard");
  {
    const DenormalGuard guard;
    checker.check(resultsFlushed(), "denormal results must be flushed under the guard");
    checker.check(operandsFlushed(), "denormal operands must be read as zero under the guard");
    {
      const DenormalGuard nested;
      checker.check(resultsFlushed() && operandsFlushed(), "a nested guard keeps flushing");
    }
    checker.check(resultsFlushed() && operandsFlushed(), "leaving a nested guard must keep the outer guard's mode");
  }
  checker.check(!resultsFlushed() && !operandsFlushed(), "the mode must be restored after the guard");

  // The rest of the control register survives: a non-default rounding mode set before the
  // guard is still there after it.
  checker.check(std::fesetround(FE_TOWARDZERO) == 0, "fesetround(FE_TOWARDZERO)");
  {
    const DenormalGuard guard;
    checker.check(std::fegetround() == FE_TOWARDZERO, "the guard must not change the rounding mode");
  }
  checker.check(std::fegetround() == FE_TOWARDZERO, "the rounding mode must survive the guard");
  std::fesetround(FE_TONEAREST);

  // Restored on the way out of an exception too (RAII).
  try {
    const DenormalGuard guard;
    throw std::runtime_error("unwind");
  } catch (const std::runtime_error&) {
  }
  checker.check(!resultsFlushed(), "the mode must be restored when an exception leaves the guard's scope");
  return checker.finish();
}
