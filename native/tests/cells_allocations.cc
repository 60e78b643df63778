// The streaming paths allocate nothing once warmed up: RecurrentStack::step (serial and parallel
// batches, shared input rows), AnomalyModel::streamPush (forecast and reconstruct, all streams
// and subsets) and an inference forward() of a shape seen before. Counted by replacing the
// global operator new, which every allocation of the kernels goes through except the large
// buffers that buffers.h maps from the OS (counted by mappedBufferCount).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "api.h"
#include "buffers.h"
#include "cells_test_support.h"

namespace {
std::atomic<long> allocations{0};

void* counted(size_t n, size_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const size_t size = n == 0 ? 1 : n;
  void* p = align <= alignof(std::max_align_t) ? std::malloc(size)
                                               : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t n) { return counted(n, 0); }
void* operator new[](size_t n) { return counted(n, 0); }
void* operator new(size_t n, std::align_val_t a) { return counted(n, static_cast<size_t>(a)); }
void* operator new[](size_t n, std::align_val_t a) { return counted(n, static_cast<size_t>(a)); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

using namespace rnnad;
using cells_test::Report;

namespace {

template <class F>
long allocationsDuring(F&& fn) {
  const long before = allocations.load() + static_cast<long>(mappedBufferCount());
  fn();
  return allocations.load() + static_cast<long>(mappedBufferCount()) - before;
}

StackConfig config(Cell cell, bool resetAfter) {
  StackConfig c;
  c.cell = cell;
  c.resetAfter = resetAfter;
  c.inputSize = 3;
  c.hiddenSize = 20;
  c.layers = 2;
  return c;
}

void stackPaths(Report& r, Cell cell, bool resetAfter, const std::string& name) {
  RecurrentStack s(config(cell, resetAfter));
  cells_test::Rng rng(5);
  std::vector<float> p = rng.vec(s.paramCount(), -0.3f, 0.3f);
  s.setParams(p.data(), p.size());
  struct Shape {
    int batch, rowsPerInput;
  };
  for (Shape sh : {Shape{1, 1}, Shape{5, 1}, Shape{12, 3}, Shape{96, 1}}) {
    std::vector<float> x = rng.vec(static_cast<size_t>(sh.batch / sh.rowsPerInput) * 3, -1.f, 1.f);
    std::vector<float> h(static_cast<size_t>(2) * sh.batch * 20), c(h.size()), y(static_cast<size_t>(sh.batch) * 20);
    float* cp = cell == Cell::Lstm ? c.data() : nullptr;
    s.step(x.data(), sh.batch, sh.rowsPerInput, h.data(), cp, y.data());
    const long n = allocationsDuring([&] {
      for (int i = 0; i < 50; ++i) s.step(x.data(), sh.batch, sh.rowsPerInput, h.data(), cp, y.data());
    });
    r.expect(n == 0, name + ": step(batch " + std::to_string(sh.batch) + ", rowsPerInput " +
                         std::to_string(sh.rowsPerInput) + ") allocates nothing after the first call (" +
                         std::to_string(n) + ")");
  }
  // Multi-slice inference on one thread (with several, a pool thread that ran no task in the
  // warm-up would grow its scratch later), then a single slice, which runs on the caller.
  const int saved = threads();
  for (int B : {37, 16}) {
    if (B == 37) setThreads(1);
    const int T = 9;
    std::vector<float> x = rng.vec(static_cast<size_t>(B) * T * 3, -1.f, 1.f), y(static_cast<size_t>(B) * T * 20);
    std::vector<float> hN(static_cast<size_t>(2) * B * 20);
    s.forward(x.data(), B, T, nullptr, nullptr, y.data(), hN.data(), nullptr, nullptr);
    const long n = allocationsDuring([&] {
      for (int i = 0; i < 5; ++i) s.forward(x.data(), B, T, nullptr, nullptr, y.data(), hN.data(), nullptr, nullptr);
    });
    r.expect(n == 0, name + ": inference forward (batch " + std::to_string(B) +
                         ") of a shape seen before allocates nothing (" + std::to_string(n) + ")");
    setThreads(saved);
  }
}

void modelStreams(Report& r, ModelMode mode) {
  ModelConfig mc;
  mc.stack = config(Cell::Gru, true);
  mc.mode = mode;
  mc.outputSize = 3;
  AnomalyModel m(mc);
  cells_test::Rng rng(9);
  std::vector<float> p = rng.vec(m.paramCount(), -0.3f, 0.3f);
  m.setParams(p.data(), p.size());
  const int streams = 4, W = 6;
  const size_t outLen = mode == ModelMode::Forecast ? 3 : static_cast<size_t>(W) * 3;
  auto st = m.makeStream(streams, W);
  std::vector<float> x = rng.vec(static_cast<size_t>(streams) * 3, -1.f, 1.f), out(streams * outLen);
  std::vector<uint8_t> ready(streams);
  const int32_t subset[2] = {3, 1};
  for (int i = 0; i < W + 1; ++i) {
    m.streamPush(*st, x.data(), nullptr, streams, out.data(), ready.data());
    m.streamPush(*st, x.data(), subset, 2, out.data(), ready.data());
  }
  const long n = allocationsDuring([&] {
    for (int i = 0; i < 20; ++i) {
      m.streamPush(*st, x.data(), nullptr, streams, out.data(), ready.data());
      m.streamPush(*st, x.data(), subset, 2, out.data(), ready.data());
    }
  });
  r.expect(n == 0, std::string(mode == ModelMode::Forecast ? "forecast" : "reconstruct") +
                       " streamPush allocates nothing once warmed up (" + std::to_string(n) + ")");
}

}  // namespace

int main() {
  Report r;
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    const std::string tag = std::string(" [") + isaName(isa) + "]";
    stackPaths(r, Cell::RnnTanh, true, "rnn_tanh" + tag);
    stackPaths(r, Cell::Gru, true, "gru" + tag);
    stackPaths(r, Cell::Gru, false, "gru_reset_before" + tag);
    stackPaths(r, Cell::Lstm, true, "lstm" + tag);
    modelStreams(r, ModelMode::Forecast);
    modelStreams(r, ModelMode::Reconstruct);
  }
  return r.finish("cells_allocations");
}
