// ISA dispatch: which kernel table runs. Chosen once from what the CPU and the OS support
// (cpuid + xgetbv on x86-64, NEON always on ARM64), overridable by RNN_ANOMALY_ISA at first use
// and by forceIsa() at any time.
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define RNNAD_X86_64 1
#endif

namespace rnnad {
namespace {

#ifdef RNNAD_X86_64
struct CpuSupport {
  bool avx2 = false;    // AVX2 + FMA + F16C, ymm state enabled by the OS
  bool avx512 = false;  // avx2 and AVX-512 F/BW/DQ/VL, zmm and opmask state enabled by the OS
};

uint64_t readXcr0() {
  uint32_t eax = 0, edx = 0;
  // xgetbv is only executed after cpuid reported OSXSAVE, as the ISA requires.
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuSupport detectCpu() {
  CpuSupport s;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return s;
  const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
  if (!osxsave || !avx) return s;
  const uint64_t xcr0 = readXcr0();
  // The instructions fault unless the OS saves the registers on context switches: XMM|YMM
  // (bits 1-2) for AVX, plus opmask|ZMM_Hi256|Hi16_ZMM (bits 5-7) for AVX-512.
  const bool ymmState = (xcr0 & 0x06) == 0x06;
  const bool zmmState = (xcr0 & 0xE6) == 0xE6;
  if (__get_cpuid_max(0, nullptr) < 7) return s;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
             avx512vl = b & (1u << 31);
  // table_avx2.cc is compiled with -mavx2 -mfma -mf16c and table_avx512.cc with those too.
  s.avx2 = ymmState && avx2 && fma && f16c;
  s.avx512 = s.avx2 && zmmState && avx512f && avx512dq && avx512bw && avx512vl;
  return s;
}

const CpuSupport& cpu() {
  static const CpuSupport support = detectCpu();
  return support;
}
#endif

bool isSupported(Isa isa) {
  switch (isa) {
    case Isa::Scalar:
      return true;
#ifdef RNNAD_X86_64
    case Isa::Avx2:
      return cpu().avx2;
    case Isa::Avx512:
      return cpu().avx512;
#endif
#if defined(__aarch64__)
    case Isa::Neon:
      return true;
#endif
    default:
      return false;
  }
}

std::string supportedList() {
  std::string list;
  for (Isa isa : supportedIsas()) list += (list.empty() ? "" : ", ") + std::string(isaName(isa));
  return list;
}

// Only called for supported ISAs.
const KernelTable& tableOf(Isa isa) {
  switch (isa) {
#ifdef RNNAD_X86_64
    case Isa::Avx2:
      return avx2KernelTable();
    case Isa::Avx512:
      return avx512KernelTable();
#endif
#if defined(__aarch64__)
    case Isa::Neon:
      return neonKernelTable();
#endif
    default:
      return scalarKernelTable();
  }
}

const KernelTable& requireSupported(const char* fn, Isa isa) {
  if (!isSupported(isa)) {
    throw KernelError(std::string(fn) + ": the " + isaName(isa) +
                      " path is not supported by this CPU or build (supported: " + supportedList() + ")");
  }
  return tableOf(isa);
}

struct Selection {
  Isa isa;
  std::string note;
};

std::string lowercase(const char* s) {
  std::string out;
  for (; *s != '\0'; ++s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(*s)));
  return out;
}

Selection selectAtStartup() {
  const Isa best = supportedIsas().back();
  const char* requested = std::getenv("RNN_ANOMALY_ISA");
  if (requested == nullptr || *requested == '\0') return {best, ""};
  const std::string name = lowercase(requested);
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (name != isaName(isa)) continue;
    if (isSupported(isa)) return {isa, ""};
    return {best, std::string("RNN_ANOMALY_ISA=") + requested + " is not supported by this CPU or build (supported: " +
                      supportedList() + "); using " + isaName(best)};
  }
  return {best, std::string("RNN_ANOMALY_ISA=") + requested + " is not one of scalar, avx2, avx512, neon; using " +
                    isaName(best)};
}

const Selection& startupSelection() {
  static const Selection selection = selectAtStartup();
  return selection;
}

// The active table; null until the first kernels()/activeIsa()/forceIsa().
std::atomic<const KernelTable*> activeTable{nullptr};

}  // namespace

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Scalar:
      return "scalar";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
    case Isa::Neon:
      return "neon";
  }
  return "unknown";
}

std::vector<Isa> supportedIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (isSupported(isa)) isas.push_back(isa);
  }
  return isas;
}

const KernelTable& kernelsFor(Isa isa) { return requireSupported("kernelsFor", isa); }

const KernelTable& kernels() {
  const KernelTable* table = activeTable.load(std::memory_order_acquire);
  if (table != nullptr) return *table;
  const KernelTable* initial = &tableOf(startupSelection().isa);
  // A concurrent forceIsa() may have won the race; its choice stands.
  activeTable.compare_exchange_strong(table, initial, std::memory_order_acq_rel);
  return *activeTable.load(std::memory_order_acquire);
}

Isa activeIsa() { return kernels().isa; }

void forceIsa(Isa isa) { activeTable.store(&requireSupported("forceIsa", isa), std::memory_order_release); }

std::string isaSelectionNote() { return startupSelection().note; }

}  // namespace rnnad
