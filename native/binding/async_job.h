// One asynchronous kernel call (sharp style). On the JS thread, before the job is queued, the
// arguments are parsed and checked, the inputs are copied into the job and job-owned output
// buffers are allocated; `work` runs on a libuv worker and touches only those copies and native
// objects it holds shares of (shared_ptr), never an N-API object or a JS-owned buffer. When the
// work is done the outputs are copied into their typed arrays, each first checked to still have
// its length (a caller may have detached, transferred or resized it meanwhile: the promise then
// rejects with an InvalidArgumentError and the array is not touched).
// If the environment is being torn down (worker.terminate()) when the work completes, nothing
// is settled and nothing throws: the job only releases what it holds.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "js_errors.h"

namespace rnnad_binding {

// Marks an object as running a job; sync and async calls on a busy object are refused. Shared
// by an object and the streams or steppers made from it.
struct BusyFlag {
  bool busy = false;
  void enter(Napi::Env env, const char* what);
  void check(Napi::Env env, const char* what) const;
  void leave() { busy = false; }
};

class AsyncJob : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  // Marks `busy` and holds `receiver` (the wrapped object, kept alive for `result`).
  AsyncJob(Napi::Env env, const char* name, std::shared_ptr<BusyFlag> busy, Napi::Value receiver);
  // A copy of `array` owned by the job (null for an absent array).
  const float* input(const F32& array);
  // A job-owned buffer of array.length floats, copied into `array` on success (null for an
  // absent array). The kernels overwrite outputs completely.
  float* output(const F32& array, const char* name);
  // Queues the job and returns its promise; `result` builds the resolution value on the JS thread.
  Napi::Promise start(Work work, Result result);

 protected:
  void Execute() override;
  void OnWorkComplete(Napi::Env env, napi_status status) override;

 private:
  struct Output {
    Napi::Reference<Napi::Value> array;
    const char* name;
    std::unique_ptr<float[]> data;
    size_t length;
  };
  void settle(Napi::Env env);

  std::string name_;
  std::shared_ptr<BusyFlag> busy_;
  Napi::Reference<Napi::Value> receiver_;
  std::vector<std::unique_ptr<float[]>> inputs_;
  std::vector<Output> outputs_;
  Work work_;
  Result result_;
  Napi::Promise::Deferred deferred_;
  struct Failure {
    ErrorKind kind = ErrorKind::Native;
    const char* code = nullptr;  // set by Execute when the work threw
    std::string message;
  };
  Failure failure_;
};

}  // namespace rnnad_binding
