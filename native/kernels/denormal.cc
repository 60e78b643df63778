// DenormalGuard: flush denormal floats to zero on this thread while the guard lives. Denormal
// operands make x86 FMA/multiply instructions take a microcode assist (~100x slower), and
// recurrent states decaying towards 0 produce them; flushing costs accuracy only below 1.2e-38.
#include "api.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace rnnad {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
// MXCSR: FTZ (bit 15) flushes denormal results, DAZ (bit 6) treats denormal inputs as zero.
constexpr unsigned kFlushBits = (1u << 15) | (1u << 6);
unsigned readMode() { return _mm_getcsr(); }
void writeMode(unsigned mode) { _mm_setcsr(mode); }
#elif defined(__aarch64__)
// FPCR.FZ (bit 24) flushes denormal inputs and results of single/double arithmetic. The other
// FPCR bits (rounding mode, exception traps) are preserved; bits 32-63 are reserved (zero).
constexpr unsigned kFlushBits = 1u << 24;
unsigned readMode() {
  unsigned long fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return static_cast<unsigned>(fpcr);
}
void writeMode(unsigned mode) {
  const unsigned long fpcr = mode;
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}
#else
// No control over denormals on other targets: the guard does nothing.
constexpr unsigned kFlushBits = 0;
unsigned readMode() { return 0; }
void writeMode(unsigned) {}
#endif

}  // namespace

DenormalGuard::DenormalGuard() : saved_(readMode()) {
  if ((saved_ & kFlushBits) != kFlushBits) writeMode(saved_ | kFlushBits);
}

DenormalGuard::~DenormalGuard() {
  if ((saved_ & kFlushBits) != kFlushBits) writeMode(saved_);
}

}  // namespace rnnad
