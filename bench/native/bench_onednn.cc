// oneDNN (Debian's libdnnl, 2.x API, OpenMP runtime) as a C++ peer: vanilla_rnn, gru
// (reset-before), lbr_gru (reset-after) and lstm primitives, forward inference, forward
// training + backward, and a single streaming step with the state carried between calls.
// Stacks of layers with different input widths are chained primitives, one per layer.
// Weights are handed to oneDNN in its preferred (format `any`) layout, reordered once at
// setup as a framework would cache them; diff weights are zeroed before each backward
// because oneDNN accumulates into them.
#include <omp.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "bench_common.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using Args = std::unordered_map<int, memory>;

namespace {

struct Env {
  engine eng{engine::kind::cpu, 0};
  stream strm{eng};
};

struct Shapes {
  memory::dim T, N, C, H, G, biasGates;
};

memory::desc plain(const memory::dims& dims, tag t) { return memory::desc(dims, dt::f32, t); }

memory filled(Env& env, const memory::desc& md, float bound, uint32_t seed) {
  memory m(md, env.eng);
  bench::fillUniform(static_cast<float*>(m.get_data_handle()), md.get_size() / sizeof(float), bound, seed);
  return m;
}

// A user buffer in a plain layout copied into the layout a primitive asked for.
memory reordered(Env& env, const memory& user, const memory::desc& wanted) {
  if (user.get_desc() == wanted) return user;
  memory m(wanted, env.eng);
  reorder(user, m).execute(env.strm, const_cast<memory&>(user), m);
  env.strm.wait();
  return m;
}

// Descriptors of one layer for every cell, in the argument order each oneDNN desc wants.
struct LayerDescs {
  memory::desc srcLayer, srcIter, srcIterC, weightsLayer, weightsIter, bias, dstLayer, dstIter, dstIterC;
};

template <class Fwd, class Bwd>
struct CellOps;

template <>
struct CellOps<vanilla_rnn_forward, vanilla_rnn_backward> {
  static vanilla_rnn_forward::desc fwd(prop_kind pk, const LayerDescs& d) {
    return {pk,
            algorithm::eltwise_tanh,
            rnn_direction::unidirectional_left2right,
            d.srcLayer,
            d.srcIter,
            d.weightsLayer,
            d.weightsIter,
            d.bias,
            d.dstLayer,
            d.dstIter};
  }
  static vanilla_rnn_backward::desc bwd(const LayerDescs& d, const LayerDescs& g) {
    return {prop_kind::backward,
            algorithm::eltwise_tanh,
            rnn_direction::unidirectional_left2right,
            d.srcLayer,
            d.srcIter,
            d.weightsLayer,
            d.weightsIter,
            d.bias,
            d.dstLayer,
            d.dstIter,
            g.srcLayer,
            g.srcIter,
            g.weightsLayer,
            g.weightsIter,
            g.bias,
            g.dstLayer,
            g.dstIter};
  }
};

template <class Fwd, class Bwd>
struct GruOps {
  static typename Fwd::desc fwd(prop_kind pk, const LayerDescs& d) {
    return {pk,
            rnn_direction::unidirectional_left2right,
            d.srcLayer,
            d.srcIter,
            d.weightsLayer,
            d.weightsIter,
            d.bias,
            d.dstLayer,
            d.dstIter};
  }
  static typename Bwd::desc bwd(const LayerDescs& d, const LayerDescs& g) {
    return {prop_kind::backward,
            rnn_direction::unidirectional_left2right,
            d.srcLayer,
            d.srcIter,
            d.weightsLayer,
            d.weightsIter,
            d.bias,
            d.dstLayer,
            d.dstIter,
            g.srcLayer,
            g.srcIter,
            g.weightsLayer,
            g.weightsIter,
            g.bias,
            g.dstLayer,
            g.dstIter};
  }
};
template <>
struct CellOps<gru_forward, gru_backward> : GruOps<gru_forward, gru_backward> {};
template <>
struct CellOps<lbr_gru_forward, lbr_gru_backward> : GruOps<lbr_gru_forward, lbr_gru_backward> {};

template <>
struct CellOps<lstm_forward, lstm_backward> {
  static lstm_forward::desc fwd(prop_kind pk, const LayerDescs& d) {
    return {pk,
            rnn_direction::unidirectional_left2right,
            d.srcLayer,
            d.srcIter,
            d.srcIterC,
            d.weightsLayer,
            d.weightsIter,
            d.bias,
            d.dstLayer,
            d.dstIter,
            d.dstIterC};
  }
  static lstm_backward::desc bwd(const LayerDescs& d, const LayerDescs& g) {
    return {prop_kind::backward,
            rnn_direction::unidirectional_left2right,
            d.srcLayer,
            d.srcIter,
            d.srcIterC,
            d.weightsLayer,
            d.weightsIter,
            d.bias,
            d.dstLayer,
            d.dstIter,
            d.dstIterC,
            g.srcLayer,
            g.srcIter,
            g.srcIterC,
            g.weightsLayer,
            g.weightsIter,
            g.bias,
            g.dstLayer,
            g.dstIter,
            g.dstIterC};
  }
};

// One layer's primitives and bound arguments.
struct Layer {
  primitive fwd, bwd;
  Args fwdArgs, bwdArgs;
  memory srcLayer, dstLayer, diffSrcLayer, diffDstLayer;
  std::vector<memory> diffWeights;  // zeroed before each backward
};

LayerDescs userDescs(const Shapes& s, bool withState, bool lstm) {
  LayerDescs d;
  d.srcLayer = plain({s.T, s.N, s.C}, tag::tnc);
  d.dstLayer = plain({s.T, s.N, s.H}, tag::tnc);
  d.weightsLayer = plain({1, 1, s.C, s.G, s.H}, tag::any);
  d.weightsIter = plain({1, 1, s.H, s.G, s.H}, tag::any);
  d.bias = plain({1, 1, s.biasGates, s.H}, tag::ldgo);
  if (withState) {
    d.srcIter = d.dstIter = plain({1, 1, s.N, s.H}, tag::ldnc);
    if (lstm) d.srcIterC = d.dstIterC = plain({1, 1, s.N, s.H}, tag::ldnc);
  }
  return d;
}

// Builds the layer: forward (inference or training) and, for training, backward. srcLayer is
// the previous layer's output memory, or null for the first layer.
template <class Fwd, class Bwd>
Layer buildLayer(Env& env, const Shapes& s, bool training, bool withState, bool lstm, const memory* srcLayer,
                 uint32_t seed) {
  using Ops = CellOps<Fwd, Bwd>;
  Layer L;
  LayerDescs d = userDescs(s, withState, lstm);
  prop_kind pk = training ? prop_kind::forward_training : prop_kind::forward_inference;
  typename Fwd::primitive_desc fpd(Ops::fwd(pk, d), env.eng);
  float bound = 1.0f / std::sqrt(static_cast<float>(s.H));
  memory wl = filled(env, plain({1, 1, s.C, s.G, s.H}, tag::ldigo), bound, seed);
  memory wi = filled(env, plain({1, 1, s.H, s.G, s.H}, tag::ldigo), bound, seed + 1);
  memory bias = filled(env, d.bias, bound, seed + 2);
  L.srcLayer = srcLayer ? *srcLayer : filled(env, d.srcLayer, 1.0f, seed + 3);
  L.dstLayer = memory(fpd.dst_layer_desc(), env.eng);
  memory wlFwd = reordered(env, wl, fpd.weights_layer_desc());
  memory wiFwd = reordered(env, wi, fpd.weights_iter_desc());
  L.fwdArgs = {{DNNL_ARG_SRC_LAYER, L.srcLayer},
               {DNNL_ARG_WEIGHTS_LAYER, wlFwd},
               {DNNL_ARG_WEIGHTS_ITER, wiFwd},
               {DNNL_ARG_BIAS, bias},
               {DNNL_ARG_DST_LAYER, L.dstLayer}};
  if (withState) {
    L.fwdArgs[DNNL_ARG_SRC_ITER] = memory(d.srcIter, env.eng);
    L.fwdArgs[DNNL_ARG_DST_ITER] = memory(d.dstIter, env.eng);
    std::memset(L.fwdArgs[DNNL_ARG_SRC_ITER].get_data_handle(), 0, d.srcIter.get_size());
    if (lstm) {
      L.fwdArgs[DNNL_ARG_SRC_ITER_C] = memory(d.srcIterC, env.eng);
      L.fwdArgs[DNNL_ARG_DST_ITER_C] = memory(d.dstIterC, env.eng);
      std::memset(L.fwdArgs[DNNL_ARG_SRC_ITER_C].get_data_handle(), 0, d.srcIterC.get_size());
    }
  }
  L.fwd = Fwd(fpd);
  if (!training) return L;

  memory workspace(fpd.workspace_desc(), env.eng);
  L.fwdArgs[DNNL_ARG_WORKSPACE] = workspace;
  LayerDescs g = d;  // gradients: same shapes, weights again in the layout oneDNN prefers
  typename Bwd::primitive_desc bpd(Ops::bwd(d, g), env.eng, fpd);
  L.diffSrcLayer = memory(bpd.diff_src_layer_desc(), env.eng);
  L.diffDstLayer = filled(env, bpd.diff_dst_layer_desc(), 1.0f, seed + 4);
  memory diffWl(bpd.diff_weights_layer_desc(), env.eng), diffWi(bpd.diff_weights_iter_desc(), env.eng);
  memory diffBias(bpd.diff_bias_desc(), env.eng);
  L.diffWeights = {diffWl, diffWi, diffBias};
  L.bwdArgs = {{DNNL_ARG_SRC_LAYER, L.srcLayer},
               {DNNL_ARG_WEIGHTS_LAYER, reordered(env, wl, bpd.weights_layer_desc())},
               {DNNL_ARG_WEIGHTS_ITER, reordered(env, wi, bpd.weights_iter_desc())},
               {DNNL_ARG_BIAS, bias},
               {DNNL_ARG_DST_LAYER, L.dstLayer},
               {DNNL_ARG_WORKSPACE, workspace},
               {DNNL_ARG_DIFF_SRC_LAYER, L.diffSrcLayer},
               {DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWl},
               {DNNL_ARG_DIFF_WEIGHTS_ITER, diffWi},
               {DNNL_ARG_DIFF_BIAS, diffBias},
               {DNNL_ARG_DIFF_DST_LAYER, L.diffDstLayer}};
  L.bwd = Bwd(bpd);
  return L;
}

template <class Fwd, class Bwd>
std::vector<Layer> buildStack(Env& env, const bench::Case& c, bool training, bool withState, bool lstm, int biasGates) {
  std::vector<Layer> layers;
  for (int k = 0; k < c.layers; ++k) {
    Shapes s{c.steps, c.batch, k == 0 ? c.inputSize : c.hiddenSize, c.hiddenSize, c.gates(), biasGates};
    const memory* below = k == 0 ? nullptr : &layers.back().dstLayer;
    layers.push_back(buildLayer<Fwd, Bwd>(env, s, training, withState, lstm, below, 1000u * (k + 1)));
  }
  // Each layer's input gradient is the gradient of the layer below's output.
  for (int k = c.layers - 1; k > 0; --k) {
    if (training) layers[k - 1].bwdArgs[DNNL_ARG_DIFF_DST_LAYER] = layers[k].diffSrcLayer;
  }
  return layers;
}

std::vector<Layer> build(Env& env, const bench::Case& c, bool training, bool withState) {
  if (c.cell == "rnn_tanh")
    return buildStack<vanilla_rnn_forward, vanilla_rnn_backward>(env, c, training, withState, false, 1);
  if (c.cell == "lstm") return buildStack<lstm_forward, lstm_backward>(env, c, training, withState, true, 4);
  if (c.cell == "gru" && c.resetAfter)
    return buildStack<lbr_gru_forward, lbr_gru_backward>(env, c, training, withState, false, 4);
  if (c.cell == "gru") return buildStack<gru_forward, gru_backward>(env, c, training, withState, false, 3);
  throw std::invalid_argument("unknown --cell " + c.cell);
}

}  // namespace

int main(int argc, char** argv) {
  return bench::runMain(argc, argv, [](const bench::Args& args) {
    bench::Case c(args);
    bench::Plan plan(args);
    omp_set_num_threads(c.threads);
    Env env;
    const dnnl_version_t* v = dnnl_version();
    std::string label =
        "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);

    if (c.mode == "step") {
      // One timestep for one sequence; the output state becomes the next call's input state.
      std::vector<Layer> layers = build(env, c, false, true);
      Layer& L = layers.at(0);
      Args swapped = L.fwdArgs;
      std::swap(swapped[DNNL_ARG_SRC_ITER], swapped[DNNL_ARG_DST_ITER]);
      if (c.cell == "lstm") std::swap(swapped[DNNL_ARG_SRC_ITER_C], swapped[DNNL_ARG_DST_ITER_C]);
      bool flip = false;
      bench::printResult(
          c, plan,
          [&] {
            L.fwd.execute(env.strm, flip ? swapped : L.fwdArgs);
            env.strm.wait();
            flip = !flip;
          },
          label);
    } else if (c.mode == "infer") {
      std::vector<Layer> layers = build(env, c, false, false);
      bench::printResult(
          c, plan,
          [&] {
            for (Layer& L : layers) L.fwd.execute(env.strm, L.fwdArgs);
            env.strm.wait();
          },
          label);
    } else if (c.mode == "fwdbwd") {
      std::vector<Layer> layers = build(env, c, true, false);
      bench::printResult(
          c, plan,
          [&] {
            for (Layer& L : layers) L.fwd.execute(env.strm, L.fwdArgs);
            for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
              for (memory& m : it->diffWeights) std::memset(m.get_data_handle(), 0, m.get_desc().get_size());
              it->bwd.execute(env.strm, it->bwdArgs);
            }
            env.strm.wait();
          },
          label);
    } else {
      throw std::invalid_argument("oneDNN has no " + c.mode + " step (no dense head or optimizer)");
    }
  });
}
