#include "async_job.h"

#include <cstring>
#include <new>
#include <stdexcept>

#include "api.h"

namespace rnnad_binding {

void BusyFlag::check(Napi::Env env, const char* what) const {
  if (busy) {
    throwNativeError(env,
                     std::string(what) +
                         " was called while an asynchronous call on the same object is still "
                         "running; await it first (calls on one network are not concurrent)",
                     "ERR_BUSY");
  }
}

void BusyFlag::enter(Napi::Env env, const char* what) {
  check(env, what);
  busy = true;
}

AsyncJob::AsyncJob(Napi::Env env, const char* name, std::shared_ptr<BusyFlag> busy, Napi::Value receiver)
    : Napi::AsyncWorker(env, name), name_(name), busy_(std::move(busy)), deferred_(Napi::Promise::Deferred::New(env)) {
  receiver_ = Napi::Persistent(receiver);
}

const float* AsyncJob::input(const F32& array) {
  if (!array.data) return nullptr;
  inputs_.emplace_back(new float[array.length]);
  std::memcpy(inputs_.back().get(), array.data, array.length * sizeof(float));
  return inputs_.back().get();
}

float* AsyncJob::output(const F32& array, const char* name) {
  if (!array.data) return nullptr;
  outputs_.push_back(
      Output{Napi::Persistent(array.handle), name, std::unique_ptr<float[]>(new float[array.length]), array.length});
  return outputs_.back().data.get();
}

Napi::Promise AsyncJob::start(Work work, Result result) {
  Napi::Env env = Env();
  if (busy_) busy_->enter(env, name_.c_str());
  work_ = std::move(work);
  result_ = std::move(result);
  Napi::Promise promise = deferred_.Promise();
  Queue();
  return promise;
}

void AsyncJob::Execute() {
  try {
    rnnad::DenormalGuard ftz;
    work_();
  } catch (const rnnad::KernelError& e) {
    failure_ = {ErrorKind::OutOfRange, "ERR_OUT_OF_RANGE", e.what()};
  } catch (const std::bad_alloc&) {
    failure_ = {ErrorKind::Native, "ERR_OUT_OF_MEMORY", "not enough memory"};
  } catch (const std::exception& e) {
    failure_ = {ErrorKind::Native, "ERR_NATIVE", e.what()};
  }
}

void AsyncJob::settle(Napi::Env env) {
  if (failure_.code) {
    deferred_.Reject(makeError(env, failure_.kind, name_ + ": " + failure_.message, failure_.code).Value());
    return;
  }
  for (Output& out : outputs_) {
    size_t length = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env, out.array.Value(), nullptr, &length, &data, nullptr, nullptr);
    if (length != out.length || !data) {
      deferred_.Reject(makeError(env, ErrorKind::InvalidArgument,
                                 name_ + ": " + out.name +
                                     " was detached or resized while the call ran; keep output arrays unchanged "
                                     "until the promise settles",
                                 "ERR_INVALID_ARGUMENT")
                           .Value());
      return;
    }
  }
  for (Output& out : outputs_) {
    void* data = nullptr;
    napi_get_typedarray_info(env, out.array.Value(), nullptr, nullptr, &data, nullptr, nullptr);
    std::memcpy(data, out.data.get(), out.length * sizeof(float));
  }
  try {
    deferred_.Resolve(result_ ? result_(env) : env.Undefined());
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void AsyncJob::OnWorkComplete(Napi::Env env, napi_status status) {
  if (busy_) busy_->leave();
  if (status != napi_cancelled) {
    try {
      Napi::HandleScope scope(env);
      settle(env);
    } catch (const Napi::Error&) {
      // The environment can no longer run JavaScript (it is being torn down): there is no one
      // left to settle the promise for, and an exception must not escape this libuv callback.
    }
  }
  Destroy();
}

}  // namespace rnnad_binding
