// ISA dispatch: supportedIsas() agrees with the compiler runtime's own CPU detection, every
// supported table is reachable and says which ISA it is, unsupported ones are KernelErrors,
// forceIsa() switches kernels(), and RNN_ANOMALY_ISA (any case) is honoured at first use or, when
// unknown or unsupported, replaced by the best path with a note saying why. CTest runs this program
// once without the variable and once per value (see CMakeLists.txt).
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "internal.h"
#include "platform_check.h"

using namespace rnnad;

namespace {

rnnad_test::Checker checker("platform_isa");

const Isa kAll[] = {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon};

// What this CPU can run according to GCC's runtime (libgcc's cpuid + xgetbv checks), an
// implementation independent of isa_dispatch.cc.
std::vector<Isa> expectedIsas() {
  std::vector<Isa> isas{Isa::Scalar};
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) isas.push_back(Isa::Avx2);
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    isas.push_back(Isa::Avx512);
  }
#elif defined(__aarch64__)
  isas.push_back(Isa::Neon);
#endif
  return isas;
}

bool contains(const std::vector<Isa>& isas, Isa isa) {
  for (Isa i : isas)
    if (i == isa) return true;
  return false;
}

}  // namespace

int main() {
  // First use: must reflect RNN_ANOMALY_ISA, so nothing may touch the dispatch before this.
  const Isa initial = activeIsa();
  const std::string note = isaSelectionNote();
  const std::vector<Isa> expected = expectedIsas();
  const Isa best = expected.back();
  const char* env = std::getenv("RNN_ANOMALY_ISA");
  const std::string requested = env != nullptr ? env : "";
  std::string lowered = requested;  // the variable is case-insensitive
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  Isa wanted = best;
  bool honoured = requested.empty();
  for (Isa isa : kAll) {
    if (lowered == isaName(isa) && contains(expected, isa)) wanted = isa, honoured = true;
  }
  checker.check(initial == wanted, "RNN_ANOMALY_ISA='%s': active ISA %s, expected %s", requested.c_str(),
                isaName(initial), isaName(wanted));
  if (honoured) {
    checker.check(note.empty(), "RNN_ANOMALY_ISA='%s' was honoured but the note says '%s'", requested.c_str(),
                  note.c_str());
  } else {
    checker.check(note.find("RNN_ANOMALY_ISA=" + requested) != std::string::npos &&
                      note.find(std::string("using ") + isaName(best)) != std::string::npos,
                  "RNN_ANOMALY_ISA='%s' must be explained by the note, got '%s'", requested.c_str(), note.c_str());
  }
  std::printf("RNN_ANOMALY_ISA='%s' -> %s%s%s\n", requested.c_str(), isaName(initial), note.empty() ? "" : ": ",
              note.c_str());

  checker.check(supportedIsas() == expected, "supportedIsas() disagrees with the compiler runtime's CPU detection");
  checker.check(!supportedIsas().empty() && supportedIsas().front() == Isa::Scalar, "scalar must come first");

  checker.check(std::strcmp(isaName(Isa::Scalar), "scalar") == 0 && std::strcmp(isaName(Isa::Avx2), "avx2") == 0 &&
                    std::strcmp(isaName(Isa::Avx512), "avx512") == 0 && std::strcmp(isaName(Isa::Neon), "neon") == 0,
                "isaName spellings");

  for (Isa isa : kAll) {
    if (contains(expected, isa)) {
      checker.check(kernelsFor(isa).isa == isa, "kernelsFor(%s) returned the %s table", isaName(isa),
                    isaName(kernelsFor(isa).isa));
      forceIsa(isa);
      checker.check(activeIsa() == isa && kernels().isa == isa, "forceIsa(%s) did not switch kernels()", isaName(isa));
      const KernelTable& kt = kernels();
      checker.check(kt.packNT && kt.packNN && kt.gemmPacked && kt.gemmTN && kt.sigmoidArray && kt.tanhArray && kt.cells,
                    "the %s table has empty entries", isaName(isa));
    } else {
      const Isa before = activeIsa();
      bool threw = false;
      try {
        kernelsFor(isa);
      } catch (const KernelError& e) {
        threw = std::strstr(e.what(), isaName(isa)) != nullptr;
      }
      checker.check(threw, "kernelsFor(%s) on a CPU without it must throw a KernelError naming it", isaName(isa));
      threw = false;
      try {
        forceIsa(isa);
      } catch (const KernelError&) {
        threw = true;
      }
      checker.check(threw && activeIsa() == before, "forceIsa(%s) must throw and leave the active ISA", isaName(isa));
    }
  }
  return checker.finish();
}
