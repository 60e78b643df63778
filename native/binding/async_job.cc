#include "async_job.h"

#include <new>
#include <stdexcept>

#include "api.h"
#include "js_errors.h"

namespace rnnad_binding {

void BusyFlag::enter(Napi::Env env, const char* what) {
  if (busy) {
    throwNativeError(env,
                     std::string(what) +
                         " was called while an asynchronous call on the same object is still "
                         "running; await it first (calls on one network are not concurrent)",
                     "ERR_BUSY");
  }
  busy = true;
}

AsyncJob::AsyncJob(Napi::Env env, const char* name, BusyFlag* busy, Work work, Result result)
    : Napi::AsyncWorker(env, name),
      name_(name),
      busy_(busy),
      work_(std::move(work)),
      result_(std::move(result)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

Napi::Promise AsyncJob::start(Napi::Env env, const char* name, BusyFlag* busy,
                              const std::vector<Napi::Value>& keepAlive, Work work, Result result) {
  if (busy) busy->enter(env, name);
  auto* job = new AsyncJob(env, name, busy, std::move(work), std::move(result));
  job->refs_.reserve(keepAlive.size());
  for (const Napi::Value& v : keepAlive) {
    if (!v.IsEmpty() && !v.IsUndefined() && !v.IsNull()) job->refs_.push_back(Napi::Persistent(v));
  }
  Napi::Promise promise = job->deferred_.Promise();
  job->Queue();
  return promise;
}

void AsyncJob::Execute() {
  try {
    rnnad::DenormalGuard ftz;
    work_();
  } catch (const rnnad::KernelError& e) {
    failure_ = {ErrorKind::OutOfRange, "ERR_OUT_OF_RANGE"};
    SetError(e.what());
  } catch (const std::bad_alloc&) {
    failure_ = {ErrorKind::Native, "ERR_OUT_OF_MEMORY"};
    SetError("not enough memory");
  } catch (const std::exception& e) {
    failure_ = {ErrorKind::Native, "ERR_NATIVE"};
    SetError(e.what());
  }
}

void AsyncJob::release() {
  if (busy_) busy_->leave();
  refs_.clear();
}

void AsyncJob::OnOK() {
  Napi::Env env = Env();
  release();
  try {
    deferred_.Resolve(result_ ? result_(env) : env.Undefined());
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void AsyncJob::OnError(const Napi::Error& e) {
  Napi::Env env = Env();
  release();
  deferred_.Reject(makeError(env, failure_.kind, name_ + ": " + e.Message(), failure_.code).Value());
}

}  // namespace rnnad_binding
