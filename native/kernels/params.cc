// Stack configuration checks and the flat PyTorch parameter layout described in api.h.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "api.h"

namespace rnnad {
namespace {

// Every kernel index is an int, so a gate block row count and each weight matrix must stay
// inside int; the flat buffer must stay inside size_t.
constexpr uint64_t kIntMax = static_cast<uint64_t>(std::numeric_limits<int>::max());

uint64_t checkedMul(uint64_t a, uint64_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    throw KernelError(std::string("stack config: ") + what + " overflows 64 bits");
  }
  return a * b;
}

void validate(const StackConfig& c) {
  const int cell = static_cast<int>(c.cell);
  if (cell < 0 || cell > 3) {
    throw KernelError("stack config: cell must be 0 (rnn tanh), 1 (rnn relu), 2 (gru) or 3 (lstm), got " +
                      std::to_string(cell));
  }
  if (c.inputSize < 1) throw KernelError("stack config: inputSize must be >= 1, got " + std::to_string(c.inputSize));
  if (c.hiddenSize < 1) throw KernelError("stack config: hiddenSize must be >= 1, got " + std::to_string(c.hiddenSize));
  if (c.layers < 1) throw KernelError("stack config: layers must be >= 1, got " + std::to_string(c.layers));
  // The widest per-row buffer is 4 gate blocks of H (lstm gates, gru saved rows).
  const uint64_t rows = checkedMul(4, static_cast<uint64_t>(c.hiddenSize), "4 * hiddenSize");
  const uint64_t in = static_cast<uint64_t>(c.inputSize > c.hiddenSize ? c.inputSize : c.hiddenSize);
  if (rows > kIntMax || checkedMul(rows, in, "weight_ih size") > kIntMax) {
    throw KernelError("stack config: hiddenSize " + std::to_string(c.hiddenSize) + " with inputSize " +
                      std::to_string(c.inputSize) + " makes a weight matrix of more than 2^31 - 1 floats");
  }
}

struct LayerShape {
  uint64_t gateRows, in, hidden;
};

LayerShape layerShape(const StackConfig& c, int layer) {
  return {static_cast<uint64_t>(gatesOf(c.cell)) * static_cast<uint64_t>(c.hiddenSize),
          static_cast<uint64_t>(layer == 0 ? c.inputSize : c.hiddenSize), static_cast<uint64_t>(c.hiddenSize)};
}

}  // namespace

int gatesOf(Cell cell) {
  switch (cell) {
    case Cell::RnnTanh:
    case Cell::RnnRelu:
      return 1;
    case Cell::Gru:
      return 3;
    case Cell::Lstm:
      return 4;
  }
  throw KernelError("cell must be 0 (rnn tanh), 1 (rnn relu), 2 (gru) or 3 (lstm), got " +
                    std::to_string(static_cast<int>(cell)));
}

size_t stackParamCount(const StackConfig& c) {
  validate(c);
  uint64_t total = 0;
  for (int k = 0; k < c.layers; ++k) {
    const LayerShape s = layerShape(c, k);
    const uint64_t layer = s.gateRows * (s.in + s.hidden + 2);  // bounded by validate()
    if (total > std::numeric_limits<size_t>::max() - layer) {
      throw KernelError("stack config: " + std::to_string(c.layers) + " layers overflow the parameter count");
    }
    total += layer;
  }
  return static_cast<size_t>(total);
}

std::vector<ParamSlot> stackParamSlots(const StackConfig& c) {
  const size_t total = stackParamCount(c);
  std::vector<ParamSlot> slots;
  slots.reserve(static_cast<size_t>(c.layers) * 4);
  size_t offset = 0;
  auto add = [&](const std::string& name, uint64_t rows, uint64_t cols) {
    const size_t length = static_cast<size_t>(rows * cols);
    slots.push_back({name, offset, length, static_cast<int>(rows), static_cast<int>(cols)});
    offset += length;
  };
  for (int k = 0; k < c.layers; ++k) {
    const LayerShape s = layerShape(c, k);
    const std::string l = std::to_string(k);
    add("weight_ih_l" + l, s.gateRows, s.in);
    add("weight_hh_l" + l, s.gateRows, s.hidden);
    add("bias_ih_l" + l, s.gateRows, 1);
    add("bias_hh_l" + l, s.gateRows, 1);
  }
  if (offset != total) throw KernelError("stackParamSlots: internal layout mismatch");
  return slots;
}

}  // namespace rnnad
