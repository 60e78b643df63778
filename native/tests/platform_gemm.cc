// GEMM kernels of every supported ISA against a naive double-precision product:
// packNT / packNN + gemmPacked and gemmTN, odd sizes, M from 1 to 300, accumulate on and off,
// row strides larger than the rows, untouched memory around C; plus the determinism contract
// (a row of C is bitwise the same whatever M, its position or the split of the work), and
// gemmPackedDescending bitwise equal to gemmPacked.
//
// Error bound: a float sum of n products carries at most gamma(n) * sum |a_i b_i| of error,
// gamma(n) = n u / (1 - n u), u = 2^-24 (Higham, Accuracy and Stability, 3.1); with the
// accumulated C as one more term, n = depth + 1. That holds for fused and unfused chains alike.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "internal.h"
#include "platform_check.h"

using namespace rnnad;

namespace {

rnnad_test::Checker checker("platform_gemm");

constexpr float kSentinel = -777.25f;  // marks memory the kernels must not touch

double gamma(int n) {
  const double u = std::ldexp(1.0, -24);
  return n * u / (1.0 - n * u);
}

std::vector<float> randomFloats(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// C is rows x cols inside a buffer of rows + 1 rows of ldc floats: everything outside the
// rows x cols block holds kSentinel, the block holds C0 (random, used when accumulating).
struct Output {
  std::vector<float> buffer;
  std::vector<float> initial;
  int rows, cols, ldc;

  Output(std::mt19937& rng, int rows_, int cols_, int ldc_)
      : buffer(static_cast<size_t>(rows_ + 1) * ldc_, kSentinel), rows(rows_), cols(cols_), ldc(ldc_) {
    initial = randomFloats(rng, static_cast<size_t>(rows) * cols);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j)
        buffer[static_cast<size_t>(i) * ldc + j] = initial[static_cast<size_t>(i) * cols + j];
  }
  float* data() { return buffer.data(); }
  float at(int i, int j) const { return buffer[static_cast<size_t>(i) * ldc + j]; }
};

// got(i, j) against sum_d a(i, d) * b(d, j) (+ C0(i, j)), and the sentinel everywhere else.
template <class AFn, class BFn>
void verify(const std::string& what, const Output& c, int depth, bool accumulate, AFn a, BFn b) {
  int reported = 0;
  for (int i = 0; i < c.rows; ++i) {
    for (int j = 0; j < c.cols; ++j) {
      double exact = accumulate ? c.initial[static_cast<size_t>(i) * c.cols + j] : 0.0;
      double magnitude = std::fabs(exact);
      for (int d = 0; d < depth; ++d) {
        const double p = static_cast<double>(a(i, d)) * b(d, j);
        exact += p;
        magnitude += std::fabs(p);
      }
      const double err = std::fabs(c.at(i, j) - exact);
      const bool ok = err <= gamma(depth + 1) * magnitude;
      if (!ok && reported++ < 3) {
        checker.check(false, "%s: C[%d][%d] = %.9g, expected %.9g (error %.3g > bound %.3g)", what.c_str(), i, j,
                      c.at(i, j), exact, err, gamma(depth + 1) * magnitude);
      } else {
        checker.check(ok, "%s", what.c_str());
      }
    }
  }
  int touched = 0;
  for (size_t k = 0; k < c.buffer.size(); ++k) {
    const int i = static_cast<int>(k / c.ldc), j = static_cast<int>(k % c.ldc);
    if ((i >= c.rows || j >= c.cols) && std::memcmp(&c.buffer[k], &kSentinel, sizeof(float)) != 0) ++touched;
  }
  checker.check(touched == 0, "%s: %d floats outside C were written", what.c_str(), touched);
}

std::string describe(const KernelTable& kt, const char* op, int M, int N, int K, bool acc) {
  return std::string(isaName(kt.isa)) + " " + op + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
         " K=" + std::to_string(K) + (acc ? " accumulate" : "");
}

// C[M][N] (+)= A[M][K] * W^T with W [N][K]; lda, ldc, ldw padded past the rows.
void checkPackedNT(const KernelTable& kt, std::mt19937& rng, int M, int N, int K, bool acc) {
  const int lda = K + 3, ldw = K + 2, ldc = N + 5;
  const auto A = randomFloats(rng, static_cast<size_t>(M) * lda);
  const auto W = randomFloats(rng, static_cast<size_t>(N) * ldw);
  Output c(rng, M, N, ldc);
  PackedWeightsPtr packed(kt.packNT(W.data(), N, K, ldw));
  kt.gemmPacked(M, A.data(), lda, packed.get(), c.data(), ldc, acc);
  verify(
      describe(kt, "packNT", M, N, K, acc), c, K, acc,
      [&](int i, int d) { return A[static_cast<size_t>(i) * lda + d]; },
      [&](int d, int j) { return W[static_cast<size_t>(j) * ldw + d]; });
}

// C[M][K] (+)= A[M][N] * W with W [N][K].
void checkPackedNN(const KernelTable& kt, std::mt19937& rng, int M, int N, int K, bool acc) {
  const int lda = N + 1, ldw = K + 4, ldc = K + 3;
  const auto A = randomFloats(rng, static_cast<size_t>(M) * lda);
  const auto W = randomFloats(rng, static_cast<size_t>(N) * ldw);
  Output c(rng, M, K, ldc);
  PackedWeightsPtr packed(kt.packNN(W.data(), N, K, ldw));
  kt.gemmPacked(M, A.data(), lda, packed.get(), c.data(), ldc, acc);
  verify(
      describe(kt, "packNN", M, N, K, acc), c, N, acc,
      [&](int i, int d) { return A[static_cast<size_t>(i) * lda + d]; },
      [&](int d, int j) { return W[static_cast<size_t>(d) * ldw + j]; });
}

// C[N][K] (+)= A^T B with A [M][N], B [M][K].
void checkTN(const KernelTable& kt, std::mt19937& rng, int M, int N, int K, bool acc) {
  const int lda = N + 2, ldb = K + 1, ldc = K + 6;
  const auto A = randomFloats(rng, static_cast<size_t>(M) * lda);
  const auto B = randomFloats(rng, static_cast<size_t>(M) * ldb);
  Output c(rng, N, K, ldc);
  kt.gemmTN(M, N, K, A.data(), lda, B.data(), ldb, c.data(), ldc, acc);
  verify(
      describe(kt, "gemmTN", M, N, K, acc), c, M, acc,
      [&](int n, int m) { return A[static_cast<size_t>(m) * lda + n]; },
      [&](int m, int k) { return B[static_cast<size_t>(m) * ldb + k]; });
}

void checkAgainstReference(const KernelTable& kt) {
  std::mt19937 rng(1234 + static_cast<int>(kt.isa));
  // Every M from 1 to 300 (all row-block tails and panel groupings) at odd N and K.
  for (int M = 1; M <= 300; ++M) {
    checkPackedNT(kt, rng, M, 37, 19, M % 2 == 1);
    checkPackedNN(kt, rng, M, 19, 37, M % 2 == 0);
    checkTN(kt, rng, M, 13, 21, M % 2 == 1);
  }
  // Column counts around every panel width (4, 8, 16, 32) and depths across every depth block
  // (1024, 512, 256, 128 floats for those widths).
  const int cols[] = {1, 3, 8, 15, 16, 17, 31, 32, 33, 47, 64, 100, 192};
  const int depths[] = {1, 2, 7, 9, 31, 64, 129, 520};
  const int rowCounts[] = {1, 3, 8, 13, 29};
  for (int N : cols) {
    for (int K : depths) {
      for (int M : rowCounts) {
        const bool acc = (N + K + M) % 2 == 0;
        checkPackedNT(kt, rng, M, N, K, acc);
        checkPackedNN(kt, rng, M, K, N, !acc);
        checkTN(kt, rng, M * 7, N, K > 64 ? K / 4 : K, acc);
      }
    }
  }
  checkPackedNT(kt, rng, 5, 9, 1100, true);  // the scalar table's depth block is 1024
  checkTN(kt, rng, 1100, 9, 5, false);       // and so is its row block
}

// Degenerate shapes: empty depth zeroes C (or leaves it when accumulating), empty outputs
// touch nothing, bad shapes are KernelErrors.
void checkEdges(const KernelTable& kt) {
  const std::string isa = isaName(kt.isa);
  std::vector<float> W(12, 1.f), A(12, 1.f);
  {
    PackedWeightsPtr packed(kt.packNT(W.data(), 3, 0, 0));
    std::vector<float> C(6, 5.f);
    kt.gemmPacked(2, A.data(), 1, packed.get(), C.data(), 3, true);
    checker.check(C == std::vector<float>(6, 5.f), "%s: depth 0 with accumulate must leave C", isa.c_str());
    kt.gemmPacked(2, A.data(), 1, packed.get(), C.data(), 3, false);
    checker.check(C == std::vector<float>(6, 0.f), "%s: depth 0 without accumulate must zero C", isa.c_str());
  }
  {
    PackedWeightsPtr packed(kt.packNT(W.data(), 0, 4, 4));
    std::vector<float> C(4, 5.f);
    kt.gemmPacked(4, A.data(), 1, packed.get(), C.data(), 1, false);
    checker.check(C == std::vector<float>(4, 5.f), "%s: zero columns must not touch C", isa.c_str());
  }
  {
    std::vector<float> C(6, 5.f);
    kt.gemmTN(0, 2, 3, A.data(), 2, W.data(), 3, C.data(), 3, false);
    checker.check(C == std::vector<float>(6, 0.f), "%s: gemmTN over 0 rows must zero C", isa.c_str());
  }
  auto throwsKernelError = [](auto fn) {
    try {
      fn();
    } catch (const KernelError&) {
      return true;
    }
    return false;
  };
  checker.check(throwsKernelError([&] { PackedWeightsPtr p(kt.packNT(W.data(), -1, 2, 2)); }),
                "%s: packNT with N < 0 must throw KernelError", isa.c_str());
  checker.check(throwsKernelError([&] { PackedWeightsPtr p(kt.packNN(W.data(), 2, 4, 3)); }),
                "%s: packNN with ldw < K must throw KernelError", isa.c_str());
  checker.check(throwsKernelError([&] { PackedWeightsPtr p(kt.packNT(nullptr, 2, 2, 2)); }),
                "%s: packNT of null W must throw KernelError", isa.c_str());
}

bool sameBits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// The determinism contract: rows computed alone, in odd slices, or from other row positions are
// bitwise the rows of the full product; gemmTN split by rows of C likewise.
void checkDeterminism(const KernelTable& kt) {
  const std::string isa = isaName(kt.isa);
  std::mt19937 rng(99);
  const int M = 300, N = 100, K = 300;  // K spans several depth blocks on every path
  const auto A = randomFloats(rng, static_cast<size_t>(M) * K);
  const auto W = randomFloats(rng, static_cast<size_t>(N) * K);
  for (const bool nt : {true, false}) {
    // NT: C[M][N] = A W^T with W [N][K]. NN: C[M][N] = A W' with the same floats read as
    // W' [K][N].
    PackedWeightsPtr packed(nt ? kt.packNT(W.data(), N, K, K) : kt.packNN(W.data(), K, N, N));
    const char* name = nt ? "packNT" : "packNN";
    std::vector<float> full(static_cast<size_t>(M) * N);
    kt.gemmPacked(M, A.data(), K, packed.get(), full.data(), N, false);

    std::vector<float> part(static_cast<size_t>(M) * N, kSentinel);
    for (int i = 0; i < M; ++i)
      kt.gemmPacked(1, A.data() + static_cast<size_t>(i) * K, K, packed.get(), part.data() + static_cast<size_t>(i) * N,
                    N, false);
    checker.check(sameBits(full.data(), part.data(), full.size()),
                  "%s %s: rows computed one at a time differ from the full product", isa.c_str(), name);

    std::fill(part.begin(), part.end(), kSentinel);
    for (int i = 0, size = 1; i < M; i += size, size = size % 17 + 1) {
      const int rows = size < M - i ? size : M - i;
      kt.gemmPacked(rows, A.data() + static_cast<size_t>(i) * K, K, packed.get(),
                    part.data() + static_cast<size_t>(i) * N, N, false);
    }
    checker.check(sameBits(full.data(), part.data(), full.size()),
                  "%s %s: rows computed in slices of 1..17 differ from the full product", isa.c_str(), name);

    // Row 0's data placed at every position of a block of kBlock rows (full row blocks and
    // every tail length of the 6- and 8-row kernels) must give row 0's result.
    constexpr int kBlock = 17;
    const size_t rowLen = static_cast<size_t>(K);
    std::vector<float> block(A.begin() + 40 * rowLen, A.begin() + (40 + kBlock) * rowLen);
    std::vector<float> out(static_cast<size_t>(kBlock) * N);
    for (int pos = 0; pos < kBlock; ++pos) {
      std::copy(A.begin(), A.begin() + rowLen, block.begin() + pos * rowLen);
      kt.gemmPacked(kBlock, block.data(), K, packed.get(), out.data(), N, false);
      checker.check(sameBits(out.data() + static_cast<size_t>(pos) * N, full.data(), N),
                    "%s %s: row 0 placed at row %d of %d changes its result", isa.c_str(), name, pos, kBlock);
      std::copy(A.begin() + (40 + pos) * rowLen, A.begin() + (41 + pos) * rowLen, block.begin() + pos * rowLen);
    }
  }

  // gemmTN split over rows of C, as the cells parallelise it.
  const int TM = 700, TN = 45, TK = 77;
  const auto TA = randomFloats(rng, static_cast<size_t>(TM) * TN);
  const auto TB = randomFloats(rng, static_cast<size_t>(TM) * TK);
  std::vector<float> full(static_cast<size_t>(TN) * TK), part(full.size(), kSentinel);
  kt.gemmTN(TM, TN, TK, TA.data(), TN, TB.data(), TK, full.data(), TK, false);
  for (int n0 = 0, size = 1; n0 < TN; n0 += size, size = size % 9 + 1) {
    const int rows = size < TN - n0 ? size : TN - n0;
    kt.gemmTN(TM, rows, TK, TA.data() + n0, TN, TB.data(), TK, part.data() + static_cast<size_t>(n0) * TK, TK, false);
  }
  checker.check(sameBits(full.data(), part.data(), full.size()),
                "%s gemmTN: rows of C computed in ranges of 1..9 differ from the full product", isa.c_str());
}

// gemmPackedDescending only walks the panels in the other order: the whole of C's buffer,
// padding included, must come out bitwise as gemmPacked leaves it, for every tail-row count,
// panel count and remainder group, several depth blocks, with and without accumulation.
void checkDescendingOrder(const KernelTable& kt) {
  const std::string isa = isaName(kt.isa);
  std::mt19937 rng(17);
  for (const bool nt : {true, false}) {
    for (const int K : {1, 8, 64, 300}) {
      for (const int N : {1, 5, 31, 33, 100, 192, 200, 290}) {
        const auto W = randomFloats(rng, static_cast<size_t>(N) * K);
        PackedWeightsPtr packed(nt ? kt.packNT(W.data(), N, K, K) : kt.packNN(W.data(), K, N, N));
        for (const int M : {1, 2, 3, 5, 8, 9, 17}) {
          const int ldc = N + 3;
          const auto A = randomFloats(rng, static_cast<size_t>(M) * K);
          for (const bool acc : {false, true}) {
            std::vector<float> ascending = randomFloats(rng, static_cast<size_t>(M) * ldc);
            std::vector<float> descending = ascending;
            kt.gemmPacked(M, A.data(), K, packed.get(), ascending.data(), ldc, acc);
            kt.gemmPackedDescending(M, A.data(), K, packed.get(), descending.data(), ldc, acc);
            checker.check(sameBits(ascending.data(), descending.data(), ascending.size()),
                          "%s: gemmPackedDescending differs from gemmPacked (%s M=%d N=%d K=%d%s)", isa.c_str(),
                          nt ? "packNT" : "packNN", M, N, K, acc ? " accumulate" : "");
          }
        }
      }
    }
  }
}

// A NaN in one row of A reaches that row of C only (padding and grouping never mix rows).
void checkNanStaysInItsRow(const KernelTable& kt) {
  const std::string isa = isaName(kt.isa);
  std::mt19937 rng(5);
  const int M = 11, N = 45, K = 13;
  auto A = randomFloats(rng, static_cast<size_t>(M) * K);
  const auto W = randomFloats(rng, static_cast<size_t>(N) * K);
  A[static_cast<size_t>(6) * K + 3] = std::nanf("");
  PackedWeightsPtr packed(kt.packNT(W.data(), N, K, K));
  std::vector<float> C(static_cast<size_t>(M) * N);
  kt.gemmPacked(M, A.data(), K, packed.get(), C.data(), N, false);
  for (int i = 0; i < M; ++i) {
    int nans = 0;
    for (int j = 0; j < N; ++j) nans += std::isnan(C[static_cast<size_t>(i) * N + j]) ? 1 : 0;
    checker.check(nans == (i == 6 ? N : 0), "%s: row %d of C has %d NaNs (NaN only in row 6 of A)", isa.c_str(), i,
                  nans);
  }
}

}  // namespace

int main() {
  for (Isa isa : supportedIsas()) {
    const KernelTable& kt = kernelsFor(isa);
    checkAgainstReference(kt);
    checkEdges(kt);
    checkDeterminism(kt);
    checkDescendingOrder(kt);
    checkNanStaysInItsRow(kt);
  }
  return checker.finish();
}
