// One asynchronous kernel call (sharp style): arguments were parsed and checked on the main
// thread into plain values captured by `work`; `work` runs on a libuv worker and touches no N-API
// object; the typed arrays and the receiver stay referenced until the promise settles, so
// garbage collection cannot free memory the kernels are using.
#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "js_errors.h"

namespace rnnad_binding {

// Marks an object as running a job; sync and async calls on a busy object are refused.
struct BusyFlag {
  bool busy = false;
  void enter(Napi::Env env, const char* what);
  void leave() { busy = false; }
};

class AsyncJob : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  // Queues the job and returns its promise. `keepAlive` holds the receiver and every array.
  static Napi::Promise start(Napi::Env env, const char* name, BusyFlag* busy, const std::vector<Napi::Value>& keepAlive,
                             Work work, Result result);

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  AsyncJob(Napi::Env env, const char* name, BusyFlag* busy, Work work, Result result);
  void release();

  std::string name_;
  BusyFlag* busy_;
  Work work_;
  Result result_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::Reference<Napi::Value>> refs_;
  struct Failure {
    ErrorKind kind = ErrorKind::Native;
    const char* code = "ERR_NATIVE";
  };
  Failure failure_;  // set by Execute before SetError
};

}  // namespace rnnad_binding
