// Shared helpers of the cells_*.cc native tests: failure bookkeeping, norm-wise comparison, a
// seeded generator, and a minimal JSON reader for the PyTorch golden file.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace cells_test {

struct Report {
  int failures = 0;
  int checks = 0;
  void expect(bool ok, const std::string& what) {
    ++checks;
    if (!ok) {
      ++failures;
      std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    }
  }
  int finish(const char* name) const {
    std::printf("%s: %d checks, %d failures\n", name, checks, failures);
    return failures == 0 ? 0 : 1;
  }
};

// max |got - want| / max(1, max |want|); NaN anywhere makes it NaN (so `< tol` fails).
template <class A, class B>
double normwise(const A* got, const B* want, size_t n) {
  double diff = 0, scale = 1;
  for (size_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    if (std::isnan(g) || std::isnan(w)) return NAN;
    diff = std::fmax(diff, std::fabs(g - w));
    scale = std::fmax(scale, std::fabs(w));
  }
  return diff / scale;
}

template <class A, class B>
double maxAbsDiff(const A* got, const B* want, size_t n) {
  double diff = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    if (std::isnan(d)) return NAN;
    diff = std::fmax(diff, d);
  }
  return diff;
}

inline bool bitwiseEqual(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    uint32_t x, y;
    std::memcpy(&x, &a[i], 4);
    std::memcpy(&y, &b[i], 4);
    if (x != y) return false;
  }
  return true;
}

// xorshift64*: deterministic across platforms; uniform floats exactly representable.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  float uniform(float lo, float hi) {
    const float u = static_cast<float>(next() >> 40) / 16777216.f;  // 24 bits: exact in float
    return lo + (hi - lo) * u;
  }
  std::vector<float> vec(size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (float& x : v) x = uniform(lo, hi);
    return v;
  }
};

inline std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// ---- minimal JSON (numbers, strings without escapes beyond \" \\ \/, arrays, objects) ----

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  double number = 0;
  std::string text;
  std::vector<Json> items;
  std::vector<double> numbers;  // arrays holding only numbers land here, items stays empty
  std::vector<std::pair<std::string, Json>> fields;

  const Json* find(const std::string& key) const {
    for (const auto& f : fields) {
      if (f.first == key) return &f.second;
    }
    return nullptr;
  }
  const Json& at(const std::string& key) const {
    const Json* j = find(key);
    if (!j) {
      std::fprintf(stderr, "golden: missing field '%s'\n", key.c_str());
      std::exit(2);
    }
    return *j;
  }
  int integer(const std::string& key) const { return static_cast<int>(at(key).number); }
  std::vector<float> floats(const std::string& key) const {
    const Json& j = at(key);
    return std::vector<float>(j.numbers.begin(), j.numbers.end());
  }
  const std::vector<double>& doubles(const std::string& key) const { return at(key).numbers; }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}
  Json parse() {
    Json j = value();
    ws();
    if (i_ != s_.size()) fail("trailing characters");
    return j;
  }

 private:
  const std::string& s_;
  size_t i_ = 0;

  [[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "golden JSON: %s at offset %zu\n", what, i_);
    std::exit(2);
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  std::string str() {
    std::string out;
    ++i_;  // opening quote
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') {
        ++i_;
        if (i_ >= s_.size()) fail("bad escape");
        const char e = s_[i_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += s_[i_];
      }
      ++i_;
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;
    return out;
  }
  Json value() {
    ws();
    if (i_ >= s_.size()) fail("unexpected end");
    Json j;
    const char c = s_[i_];
    if (c == '{') {
      j.kind = Json::Object;
      ++i_;
      ws();
      if (s_[i_] == '}') {
        ++i_;
        return j;
      }
      for (;;) {
        ws();
        if (s_[i_] != '"') fail("expected key");
        std::string key = str();
        ws();
        if (s_[i_] != ':') fail("expected ':'");
        ++i_;
        j.fields.emplace_back(std::move(key), value());
        ws();
        if (s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (s_[i_] == '}') {
          ++i_;
          return j;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      j.kind = Json::Array;
      ++i_;
      ws();
      if (s_[i_] == ']') {
        ++i_;
        return j;
      }
      for (;;) {
        Json item = value();
        if (item.kind == Json::Number && j.items.empty())
          j.numbers.push_back(item.number);
        else {
          for (double d : j.numbers) {
            Json n;
            n.kind = Json::Number;
            n.number = d;
            j.items.push_back(n);
          }
          j.numbers.clear();
          j.items.push_back(std::move(item));
        }
        ws();
        if (s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (s_[i_] == ']') {
          ++i_;
          return j;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      j.kind = Json::String;
      j.text = str();
      return j;
    }
    if (s_.compare(i_, 4, "true") == 0 || s_.compare(i_, 5, "false") == 0) {
      j.kind = Json::Bool;
      j.number = s_[i_] == 't';
      i_ += s_[i_] == 't' ? 4 : 5;
      return j;
    }
    if (s_.compare(i_, 4, "null") == 0) {
      i_ += 4;
      return j;
    }
    if (s_.compare(i_, 3, "NaN") == 0) {
      j.kind = Json::Number;
      j.number = NAN;
      i_ += 3;
      return j;
    }
    char* end = nullptr;
    j.kind = Json::Number;
    j.number = std::strtod(s_.c_str() + i_, &end);
    if (end == s_.c_str() + i_) fail("bad number");
    i_ = static_cast<size_t>(end - s_.c_str());
    return j;
  }
};

// The golden file is a test fixture (test/fixtures/golden from the repo root); this source file
// is native/tests/ inside the repo. RNNAD_GOLDEN overrides the path.
inline std::string goldenPath() {
  if (const char* env = std::getenv("RNNAD_GOLDEN")) return env;
  std::string here = __FILE__;
  const size_t cut = here.rfind("/native/tests/");
  const std::string repo = cut == std::string::npos ? std::string(".") : here.substr(0, cut);
  return repo + "/test/fixtures/golden/pytorch_rnn_reference.json.gz";
}

inline Json loadGolden() {
  const std::string path = goldenPath();
  if (FILE* probe = std::fopen(path.c_str(), "rb")) {
    std::fclose(probe);
  } else {
    std::fprintf(stderr, "golden file not found: %s (set RNNAD_GOLDEN)\n", path.c_str());
    std::exit(2);
  }
  const std::string cmd = "gzip -dc '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    std::fprintf(stderr, "cannot run: %s\n", cmd.c_str());
    std::exit(2);
  }
  std::string text;
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, got);
  if (pclose(p) != 0 || text.empty()) {
    std::fprintf(stderr, "failed to decompress %s\n", path.c_str());
    std::exit(2);
  }
  return JsonParser(text).parse();
}

}  // namespace cells_test
