// Upper bounds the binding accepts. They are far above any useful recurrent model and keep every
// size product inside 64 bits and every kernel index inside int.
#pragma once

namespace rnnad_binding {
constexpr int kMaxFeatures = 1 << 20;
constexpr int kMaxHidden = 1 << 14;
constexpr int kMaxLayers = 64;
constexpr int kMaxBatch = 1 << 24;
constexpr int kMaxSteps = 1 << 24;
constexpr int kMaxStreams = 1 << 20;
}  // namespace rnnad_binding
