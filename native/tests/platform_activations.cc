// sigmoid and tanh of every supported ISA against double precision over the whole float range:
// every 997th float bit pattern (all exponents, both signs, NaNs and infinities included), a
// dense grid of [-20, 20], and the special values. The bounds are the ones simd_math.h states.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "internal.h"
#include "platform_check.h"

using namespace rnnad;

namespace {

rnnad_test::Checker checker("platform_activations");

constexpr double kSigmoidAbs = 1.0e-7;  // absolute, everywhere
constexpr double kSigmoidRel = 2.0e-7;  // relative, where the exact result is >= FLT_MIN
constexpr double kTanhRel = 2.0e-7;     // relative, everywhere

float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

double exactSigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct Worst {
  double error = 0;
  float at = 0;
  void note(double e, float x) {
    if (e > error) error = e, at = x;
  }
};

struct PathResult {
  Worst sigmoidAbs, sigmoidRel, tanhRel;
  long wrong = 0;  // special-value or range violations
};

// The exact values of a batch, computed once for all paths.
struct Exact {
  std::vector<double> sigmoid, tanh;
  explicit Exact(const std::vector<float>& x) : sigmoid(x.size()), tanh(x.size()) {
    for (size_t i = 0; i < x.size(); ++i) {
      sigmoid[i] = exactSigmoid(x[i]);
      tanh[i] = std::tanh(static_cast<double>(x[i]));
    }
  }
};

void checkBatch(const KernelTable& kt, const std::vector<float>& x, const Exact& exact, PathResult& r) {
  const size_t n = x.size();
  std::vector<float> s(n), t(n);
  kt.sigmoidArray(x.data(), s.data(), n);
  kt.tanhArray(x.data(), t.data(), n);
  for (size_t i = 0; i < n; ++i) {
    const float xi = x[i];
    if (std::isnan(xi)) {
      if (!std::isnan(s[i]) || !std::isnan(t[i])) {
        if (r.wrong++ < 5) checker.check(false, "%s: NaN input gave sigmoid %g tanh %g", isaName(kt.isa), s[i], t[i]);
      }
      continue;
    }
    const double es = exact.sigmoid[i], et = exact.tanh[i];
    const double sAbs = std::fabs(s[i] - es);
    r.sigmoidAbs.note(sAbs, xi);
    if (es >= FLT_MIN) r.sigmoidRel.note(sAbs / es, xi);
    if (et != 0) {
      r.tanhRel.note(std::fabs(t[i] - et) / std::fabs(et), xi);
    } else if (t[i] != 0 || std::signbit(t[i]) != std::signbit(xi)) {
      if (r.wrong++ < 5)
        checker.check(false, "%s: tanh(%g) = %g, expected a zero of the same sign", isaName(kt.isa), xi, t[i]);
    }
    const bool inRange = s[i] >= 0.f && s[i] <= 1.f && t[i] >= -1.f && t[i] <= 1.f;
    if (!inRange && r.wrong++ < 5)
      checker.check(false, "%s: x = %.9g gave sigmoid %.9g tanh %.9g, outside the range", isaName(kt.isa), xi, s[i],
                    t[i]);
  }
}

void checkSpecialValues(const KernelTable& kt) {
  const char* isa = isaName(kt.isa);
  const float inf = std::numeric_limits<float>::infinity();
  const float in[] = {inf, -inf, 0.f, -0.f, std::nanf(""), -std::nanf(""), FLT_MAX, -FLT_MAX};
  float s[8], t[8];
  kt.sigmoidArray(in, s, 8);
  kt.tanhArray(in, t, 8);
  checker.check(s[0] == 1.f && s[1] == 0.f, "%s: sigmoid(+-inf) = %g, %g, expected 1, 0", isa, s[0], s[1]);
  checker.check(t[0] == 1.f && t[1] == -1.f, "%s: tanh(+-inf) = %g, %g, expected 1, -1", isa, t[0], t[1]);
  checker.check(s[2] == 0.5f && s[3] == 0.5f, "%s: sigmoid(+-0) = %g, %g, expected 0.5", isa, s[2], s[3]);
  checker.check(t[2] == 0.f && !std::signbit(t[2]) && t[3] == 0.f && std::signbit(t[3]),
                "%s: tanh(+0), tanh(-0) must be +0, -0", isa);
  checker.check(std::isnan(s[4]) && std::isnan(s[5]) && std::isnan(t[4]) && std::isnan(t[5]), "%s: NaN must propagate",
                isa);
  checker.check(s[6] == 1.f && s[7] == 0.f && t[6] == 1.f && t[7] == -1.f, "%s: +-FLT_MAX must saturate", isa);

  // Denormal inputs (no flushing in this program): tanh(x) = x, sigmoid(x) = 0.5.
  const float denormals[] = {fromBits(1), fromBits(0x80000001u), fromBits(0x007fffffu), fromBits(0x80400000u)};
  float ds[4], dt[4];
  kt.sigmoidArray(denormals, ds, 4);
  kt.tanhArray(denormals, dt, 4);
  for (int i = 0; i < 4; ++i) {
    checker.check(ds[i] == 0.5f, "%s: sigmoid(%g) = %.9g, expected 0.5", isa, denormals[i], ds[i]);
    checker.check(dt[i] == denormals[i], "%s: tanh(%g) = %g, expected the input", isa, denormals[i], dt[i]);
  }
}

// Every length 0..40 (whole vectors plus each tail), in place, and nothing written past n.
void checkLengthsAndAliasing(const KernelTable& kt) {
  const char* isa = isaName(kt.isa);
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<float> x(n + 8), y(n + 8, -5.f), inPlace(n + 8);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.37f * static_cast<float>(i) - 3.f;
    inPlace = x;
    kt.sigmoidArray(x.data(), y.data(), n);
    kt.sigmoidArray(inPlace.data(), inPlace.data(), n);
    bool ok = true;
    for (size_t i = 0; i < n; ++i) ok = ok && y[i] == inPlace[i] && std::fabs(y[i] - exactSigmoid(x[i])) <= kSigmoidAbs;
    for (size_t i = n; i < y.size(); ++i) ok = ok && y[i] == -5.f && inPlace[i] == x[i];
    checker.check(ok, "%s: sigmoidArray of length %zu (out of place and in place)", isa, n);

    std::fill(y.begin(), y.end(), -5.f);
    inPlace = x;
    kt.tanhArray(x.data(), y.data(), n);
    kt.tanhArray(inPlace.data(), inPlace.data(), n);
    ok = true;
    for (size_t i = 0; i < n; ++i)
      ok = ok && y[i] == inPlace[i] && std::fabs(y[i] - std::tanh(static_cast<double>(x[i]))) <= kTanhRel;
    for (size_t i = n; i < y.size(); ++i) ok = ok && y[i] == -5.f && inPlace[i] == x[i];
    checker.check(ok, "%s: tanhArray of length %zu (out of place and in place)", isa, n);
  }
}

}  // namespace

int main() {
  const std::vector<Isa> isas = supportedIsas();
  std::vector<PathResult> results(isas.size());
  std::vector<float> batch;
  batch.reserve(1 << 16);
  auto flush = [&] {
    const Exact exact(batch);
    for (size_t p = 0; p < isas.size(); ++p) {
      checkBatch(kernelsFor(isas[p]), batch, exact, results[p]);
    }
    batch.clear();
  };
  auto add = [&](float x) {
    batch.push_back(x);
    if (batch.size() == batch.capacity()) flush();
  };
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 997) add(fromBits(static_cast<uint32_t>(bits)));
  for (int i = -2000000; i <= 2000000; ++i) add(static_cast<float>(i * 1e-5));
  flush();

  for (size_t p = 0; p < isas.size(); ++p) {
    const PathResult& r = results[p];
    const char* isa = isaName(isas[p]);
    std::printf("%-7s sigmoid: max abs %.3g (x=%.9g), max rel %.3g (x=%.9g); tanh: max rel %.3g (x=%.9g)\n", isa,
                r.sigmoidAbs.error, r.sigmoidAbs.at, r.sigmoidRel.error, r.sigmoidRel.at, r.tanhRel.error,
                r.tanhRel.at);
    checker.check(r.sigmoidAbs.error <= kSigmoidAbs, "%s: sigmoid absolute error %.3g at %.9g exceeds %.3g", isa,
                  r.sigmoidAbs.error, r.sigmoidAbs.at, kSigmoidAbs);
    checker.check(r.sigmoidRel.error <= kSigmoidRel, "%s: sigmoid relative error %.3g at %.9g exceeds %.3g", isa,
                  r.sigmoidRel.error, r.sigmoidRel.at, kSigmoidRel);
    checker.check(r.tanhRel.error <= kTanhRel, "%s: tanh relative error %.3g at %.9g exceeds %.3g", isa,
                  r.tanhRel.error, r.tanhRel.at, kTanhRel);
    checker.check(r.wrong == 0, "%s: %ld special-value or range violations", isa, r.wrong);
    checkSpecialValues(kernelsFor(isas[p]));
    checkLengthsAndAliasing(kernelsFor(isas[p]));
  }
  return checker.finish();
}
