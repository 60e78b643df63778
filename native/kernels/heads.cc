// Gaussian negative log-likelihood of the mean / log-variance head (heads.h).
#include "heads.h"

#include <cmath>
#include <string>

#include "api.h"

namespace rnnad {

double gaussianNll(const float* out, const float* target, int rows, int count, float floor, float* dOut,
                   float* perElement) {
  if (rows < 1 || count < 1)
    throw KernelError("gaussianNll: rows and count must be >= 1, got " + std::to_string(rows) + " and " +
                      std::to_string(count));
  if (!out || !target) throw KernelError("gaussianNll: out and target must not be null");
  if (!(floor >= 0.f) || !std::isfinite(floor))
    throw KernelError("gaussianNll: floor must be finite and >= 0, got " + std::to_string(floor));
  const double halfLog2Pi = 0.5 * std::log(2.0 * M_PI);
  const double n = static_cast<double>(rows) * count;
  // Four interleaved accumulators in a fixed order, as mseLoss.
  double acc[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (int r = 0; r < rows; ++r) {
    const float* mean = out + static_cast<size_t>(r) * 2 * count;
    const float* logVar = mean + count;
    const float* y = target + static_cast<size_t>(r) * count;
    for (int j = 0; j < count; ++j, ++i) {
      const double var = std::exp(static_cast<double>(logVar[j]));
      const double v = var + floor;
      const double d = static_cast<double>(y[j]) - mean[j];
      const double z2 = d * d / v;
      const double nll = 0.5 * (std::log(v) + z2) + halfLog2Pi;
      acc[i & 3] += nll;
      if (perElement) perElement[i] = static_cast<float>(nll);
      if (dOut) {
        float* g = dOut + static_cast<size_t>(r) * 2 * count;
        g[j] = static_cast<float>(-d / v / n);
        // d nll / d logVar = 0.5 * (1 - z2) * var / v
        g[count + j] = static_cast<float>(0.5 * (1.0 - z2) * (var / v) / n);
      }
    }
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) / n;
}

}  // namespace rnnad
