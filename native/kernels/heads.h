// Output heads beyond the plain forecast: the multi-step head needs no kernel of its own (a
// dense head of steps * targets outputs, [steps][targets] per row, trained by MSE over all of
// them: denseForward / mseLoss), the Gaussian head does.
//
// Gaussian head: a dense head of 2 * count outputs per row, the means [count] then the
// log-variances [count] (count = steps * targets). Per element, with v = exp(logVar) + floor:
//     nll = 0.5 * (log(v) + (y - mean)^2 / v) + 0.5 * log(2 pi)
// The loss is the mean of nll over rows * count; an observation's anomaly score is the sum of
// its elements' nll (the negative log-likelihood of a Gaussian with diagonal covariance), each
// element's nll being its per-feature contribution.
#pragma once
#include <cstddef>

namespace rnnad {

// out [rows][2 * count] (means, then log-variances), target [rows][count]. Returns the mean
// nll. dOut [rows][2 * count] (may be null) receives d(mean nll)/d(out); perElement
// [rows][count] (may be null) each element's nll. floor >= 0; floor = 0 needs finite logVar.
double gaussianNll(const float* out, const float* target, int rows, int count, float floor, float* dOut,
                   float* perElement);

}  // namespace rnnad
