// Command-line parsing, timing and JSON output shared by the C++ benches. The TypeScript
// driver (bench/native-benches.ts) passes every shape and timing setting on the command line,
// so the workloads stay defined once, in bench/workloads.ts.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct Args {
  std::map<std::string, std::string> values;

  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string key = argv[i];
      if (key.rfind("--", 0) != 0 || i + 1 >= argc) {
        throw std::invalid_argument("expected --name value pairs, got '" + key + "'");
      }
      values[key.substr(2)] = argv[++i];
    }
  }
  std::string str(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    if (it != values.end()) return it->second;
    if (fallback.empty()) throw std::invalid_argument("missing --" + name);
    return fallback;
  }
  int integer(const std::string& name, int fallback = -1) const {
    auto it = values.find(name);
    if (it == values.end()) {
      if (fallback < 0) throw std::invalid_argument("missing --" + name);
      return fallback;
    }
    return std::atoi(it->second.c_str());
  }
};

// The case being measured, as bench/workloads.ts defines it.
struct Case {
  std::string cell;  // gru, lstm, rnn_tanh
  bool resetAfter = true;
  int inputSize = 0, hiddenSize = 0, layers = 0, steps = 0, batch = 0, threads = 1;
  std::string mode;  // step, infer, fwdbwd, train

  explicit Case(const Args& a)
      : cell(a.str("cell")),
        resetAfter(a.integer("reset-after", 1) != 0),
        inputSize(a.integer("input")),
        hiddenSize(a.integer("hidden")),
        layers(a.integer("layers")),
        steps(a.integer("steps")),
        batch(a.integer("batch")),
        threads(a.integer("threads", 1)),
        mode(a.str("mode")) {}

  int gates() const { return cell == "gru" ? 3 : cell == "lstm" ? 4 : 1; }
};

struct Plan {
  double warmupMs, repMs;
  int reps, latencyCalls, latencyBlock;
  explicit Plan(const Args& a)
      : warmupMs(a.integer("warmup-ms", 500)),
        repMs(a.integer("rep-ms", 1000)),
        reps(a.integer("reps", 5)),
        latencyCalls(a.integer("calls", 10000)),
        latencyBlock(a.integer("block", 100)) {}
};

struct Stat {
  double median = 0, min = 0, max = 0;
  int reps = 0;
};

inline Stat summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stat s;
  s.reps = static_cast<int>(v.size());
  s.min = v.front();
  s.max = v.back();
  size_t mid = v.size() / 2;
  s.median = v.size() % 2 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
  return s;
}

using Clock = std::chrono::steady_clock;
inline double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Calls per second; each repetition calls fn back to back for at least repMs.
inline Stat measureThroughput(const std::function<void()>& fn, const Plan& p, long* callsPerRep) {
  auto runFor = [&](double ms, long* calls) {
    auto t0 = Clock::now();
    long n = 0;
    double elapsed = 0;
    do {
      fn();
      ++n;
      elapsed = msSince(t0);
    } while (elapsed < ms);
    *calls = n;
    return n / (elapsed / 1000.0);
  };
  long calls = 0;
  runFor(p.warmupMs, &calls);
  std::vector<double> rates;
  long total = 0;
  for (int r = 0; r < p.reps; ++r) {
    rates.push_back(runFor(p.repMs, &calls));
    total += calls;
  }
  *callsPerRep = total / p.reps;
  return summarize(rates);
}

// Microseconds per call: blocks of calls timed together, median over the blocks of a
// repetition, then median/min/max over repetitions (as bench/measure.ts does).
inline Stat measureLatency(const std::function<void()>& fn, const Plan& p, long* callsPerRep) {
  auto t0 = Clock::now();
  while (msSince(t0) < p.warmupMs) fn();
  int block = std::max(1, std::min(p.latencyBlock, p.latencyCalls));
  int blocks = std::max(1, p.latencyCalls / block);
  std::vector<double> repMedians;
  for (int r = 0; r < p.reps; ++r) {
    std::vector<double> perCall;
    for (int b = 0; b < blocks; ++b) {
      auto s = Clock::now();
      for (int i = 0; i < block; ++i) fn();
      perCall.push_back(msSince(s) * 1000.0 / block);
    }
    repMedians.push_back(summarize(perCall).median);
  }
  *callsPerRep = static_cast<long>(blocks) * block;
  return summarize(repMedians);
}

inline std::string statJson(const Stat& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"median\":%.9g,\"min\":%.9g,\"max\":%.9g,\"reps\":%d}", s.median, s.min, s.max,
                s.reps);
  return buf;
}

// Step mode reports us/call, the others calls/s; the driver converts to the row's units.
inline void printResult(const Case& c, const Plan& p, const std::function<void()>& fn, const std::string& label,
                        const std::string& note = "") {
  long callsPerRep = 0;
  bool latency = c.mode == "step";
  Stat s = latency ? measureLatency(fn, p, &callsPerRep) : measureThroughput(fn, p, &callsPerRep);
  std::printf("{\"label\":\"%s\",\"unit\":\"%s\",\"value\":%s,\"callsPerRep\":%ld,\"note\":\"%s\"}\n", label.c_str(),
              latency ? "us/call" : "calls/s", statJson(s).c_str(), callsPerRep, note.c_str());
}

// Deterministic values in [-bound, bound] (xorshift32), so runs are repeatable.
inline void fillUniform(float* v, size_t n, float bound, uint32_t seed) {
  uint32_t s = seed ? seed : 1u;
  for (size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    v[i] = bound * (static_cast<float>(s) / 4294967296.0f * 2.0f - 1.0f);
  }
}

inline int runMain(int argc, char** argv, const std::function<void(const Args&)>& body) {
  try {
    body(Args(argc, argv));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}

}  // namespace bench
