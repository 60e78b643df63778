// A naive float64 implementation of the recurrent stacks and anomaly models, written from the
// textbook equations (golden/README.md), with none of the kernels' layouts or fusions. The native
// tests take central finite differences of its loss as the independent gradient reference.
#pragma once
#include <cmath>
#include <vector>

#include "api.h"

namespace cells_ref {

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct StackRef {
  rnnad::StackConfig cfg;
  std::vector<double> p;  // flat PyTorch layout, same as RecurrentStack::params()

  int G() const { return rnnad::gatesOf(cfg.cell); }
  int in(int layer) const { return layer == 0 ? cfg.inputSize : cfg.hiddenSize; }
  size_t layerSize(int layer) const {
    const size_t gh = static_cast<size_t>(G()) * cfg.hiddenSize;
    return gh * (in(layer) + cfg.hiddenSize + 2);
  }

  // x [B][T][D]; h0, c0 [L][B][H] or empty for zeros. y [B][T][H]; hN, cN [L][B][H].
  void forward(const double* x, int B, int T, const double* h0, const double* c0, std::vector<double>& y,
               std::vector<double>& hN, std::vector<double>& cN) const {
    const int H = cfg.hiddenSize, L = cfg.layers, G = this->G();
    const bool lstm = cfg.cell == rnnad::Cell::Lstm;
    std::vector<double> seq(x, x + static_cast<size_t>(B) * T * cfg.inputSize), next(static_cast<size_t>(B) * T * H);
    hN.assign(static_cast<size_t>(L) * B * H, 0.0);
    cN.assign(lstm ? hN.size() : 0, 0.0);
    size_t off = 0;
    for (int l = 0; l < L; ++l) {
      const int D = in(l);
      const double* wih = p.data() + off;
      const double* whh = wih + static_cast<size_t>(G) * H * D;
      const double* bih = whh + static_cast<size_t>(G) * H * H;
      const double* bhh = bih + G * H;
      for (int b = 0; b < B; ++b) {
        std::vector<double> h(H, 0.0), c(H, 0.0), gi(G * H), gh(G * H), hNew(H);
        if (h0)
          for (int j = 0; j < H; ++j) h[j] = h0[(static_cast<size_t>(l) * B + b) * H + j];
        if (c0 && lstm)
          for (int j = 0; j < H; ++j) c[j] = c0[(static_cast<size_t>(l) * B + b) * H + j];
        for (int t = 0; t < T; ++t) {
          const double* xt = seq.data() + (static_cast<size_t>(b) * T + t) * D;
          for (int g = 0; g < G * H; ++g) {
            double si = bih[g], sh = bhh[g];
            for (int k = 0; k < D; ++k) si += wih[static_cast<size_t>(g) * D + k] * xt[k];
            for (int k = 0; k < H; ++k) sh += whh[static_cast<size_t>(g) * H + k] * h[k];
            gi[g] = si;
            gh[g] = sh;
          }
          switch (cfg.cell) {
            case rnnad::Cell::RnnTanh:
              for (int j = 0; j < H; ++j) hNew[j] = std::tanh(gi[j] + gh[j]);
              break;
            case rnnad::Cell::RnnRelu:
              for (int j = 0; j < H; ++j) hNew[j] = std::fmax(0.0, gi[j] + gh[j]);
              break;
            case rnnad::Cell::Gru: {
              std::vector<double> r(H);
              for (int j = 0; j < H; ++j) r[j] = sigmoid(gi[j] + gh[j]);
              for (int j = 0; j < H; ++j) {
                const double z = sigmoid(gi[H + j] + gh[H + j]);
                double n;
                if (cfg.resetAfter) {
                  n = std::tanh(gi[2 * H + j] + r[j] * gh[2 * H + j]);
                } else {
                  double s = bhh[2 * H + j];  // W_hn (r * h) + b_hn
                  for (int k = 0; k < H; ++k) s += whh[static_cast<size_t>(2 * H + j) * H + k] * (r[k] * h[k]);
                  n = std::tanh(gi[2 * H + j] + s);
                }
                hNew[j] = (1.0 - z) * n + z * h[j];
              }
              break;
            }
            case rnnad::Cell::Lstm:
              for (int j = 0; j < H; ++j) {
                const double i = sigmoid(gi[j] + gh[j]);
                const double f = sigmoid(gi[H + j] + gh[H + j]);
                const double g = std::tanh(gi[2 * H + j] + gh[2 * H + j]);
                const double o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
                c[j] = f * c[j] + i * g;
                hNew[j] = o * std::tanh(c[j]);
              }
              break;
          }
          h = hNew;
          for (int j = 0; j < H; ++j) next[(static_cast<size_t>(b) * T + t) * H + j] = h[j];
        }
        for (int j = 0; j < H; ++j) {
          hN[(static_cast<size_t>(l) * B + b) * H + j] = h[j];
          if (lstm) cN[(static_cast<size_t>(l) * B + b) * H + j] = c[j];
        }
      }
      seq = next;
      off += layerSize(l);
    }
    y = seq;
  }
};

// Forecast: head on the last top-layer output; reconstruct: encoder, final top state repeated
// as the decoder's input at every step, decoder from zero state, head per step. MSE loss.
struct ModelRef {
  rnnad::ModelConfig cfg;
  std::vector<double> p;  // encoder, decoder (reconstruct), head.weight [O][H], head.bias [O]

  double loss(const double* x, const double* target, int B, int T) const {
    const int H = cfg.stack.hiddenSize, L = cfg.stack.layers, D = cfg.stack.inputSize, O = cfg.outputSize;
    StackRef enc{cfg.stack, {}};
    const size_t encCount = rnnad::stackParamCount(cfg.stack);
    enc.p.assign(p.begin(), p.begin() + encCount);
    std::vector<double> y, hN, cN;
    enc.forward(x, B, T, nullptr, nullptr, y, hN, cN);
    const double* top = hN.data() + static_cast<size_t>(L - 1) * B * H;
    auto head = [&](const double* hrow, int o, size_t headAt) {
      const double* W = p.data() + headAt;
      double s = W[static_cast<size_t>(O) * H + o];
      for (int k = 0; k < H; ++k) s += W[static_cast<size_t>(o) * H + k] * hrow[k];
      return s;
    };
    double sum = 0;
    if (cfg.mode == rnnad::ModelMode::Forecast) {
      for (int b = 0; b < B; ++b) {
        for (int o = 0; o < O; ++o) {
          const double d = head(top + static_cast<size_t>(b) * H, o, encCount) - target[static_cast<size_t>(b) * O + o];
          sum += d * d;
        }
      }
      return sum / (static_cast<double>(B) * O);
    }
    rnnad::StackConfig dc = cfg.stack;
    dc.inputSize = H;
    StackRef dec{dc, {}};
    const size_t decCount = rnnad::stackParamCount(dc);
    dec.p.assign(p.begin() + encCount, p.begin() + encCount + decCount);
    std::vector<double> rep(static_cast<size_t>(B) * T * H), yd, hd, cd;
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < T; ++t)
        for (int j = 0; j < H; ++j) rep[(static_cast<size_t>(b) * T + t) * H + j] = top[static_cast<size_t>(b) * H + j];
    dec.forward(rep.data(), B, T, nullptr, nullptr, yd, hd, cd);
    for (int b = 0; b < B; ++b) {
      for (int t = 0; t < T; ++t) {
        for (int o = 0; o < D; ++o) {
          const size_t row = static_cast<size_t>(b) * T + t;
          const double d = head(yd.data() + row * H, o, encCount + decCount) - x[row * D + o];
          sum += d * d;
        }
      }
    }
    return sum / (static_cast<double>(B) * T * D);
  }
};

}  // namespace cells_ref
