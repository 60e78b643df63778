// The allocator of buffers.h (baseline ISA: allocation stays out of the ISA tables, internal.h).
#include "buffers.h"

#include <atomic>

#if defined(__SANITIZE_ADDRESS__)
#define RNNAD_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RNNAD_UNDER_ASAN 1
#endif
#endif

#if defined(__linux__) && !defined(RNNAD_UNDER_ASAN)
#define RNNAD_MAPPED_BUFFERS 1
#include <sys/mman.h>
#endif

namespace rnnad {
namespace {

constexpr std::align_val_t kAlignment{kBufferAlignment};
std::atomic<uint64_t> mappedBlocks{0};

}  // namespace

void* allocateBuffer(size_t bytes) {
  if (bytes == 0) return nullptr;
#if defined(RNNAD_MAPPED_BUFFERS)
  if (bytes >= kMappedBufferBytes) {
    // Page-aligned, so more than kBufferAlignment-aligned.
    void* block = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) throw std::bad_alloc();
    mappedBlocks.fetch_add(1, std::memory_order_relaxed);
    return block;
  }
#endif
  // The nothrow form: under AddressSanitizer the throwing one aborts the process when memory runs
  // out, where the kernels must throw bad_alloc (ERR_OUT_OF_MEMORY) as they do without it.
  void* block = ::operator new(bytes, kAlignment, std::nothrow);
  if (block == nullptr) throw std::bad_alloc();
  return block;
}

void freeBuffer(void* block, size_t bytes) noexcept {
  if (block == nullptr) return;
#if defined(RNNAD_MAPPED_BUFFERS)
  if (bytes >= kMappedBufferBytes) {
    munmap(block, bytes);
    return;
  }
#endif
  ::operator delete(block, kAlignment, std::nothrow);
}

bool buffersReturnToSystem() noexcept {
#if defined(RNNAD_MAPPED_BUFFERS)
  return true;
#else
  return false;
#endif
}

uint64_t mappedBufferCount() noexcept { return mappedBlocks.load(std::memory_order_relaxed); }

}  // namespace rnnad
