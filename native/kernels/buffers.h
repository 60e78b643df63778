// One allocator for the kernels' per-object buffers: packed weights, parameters, gradients and
// optimizer moments, carried stream and stepper state.
//
// Why not plain new/std::vector: glibc keeps freed blocks in its arenas, and the 64-byte aligned
// blocks of many objects created and disposed in turn fragment them, so RSS climbed past 2 GB
// over 20,000 create/dispose cycles although every object was freed. Here a block of
// kMappedBufferBytes or more is mapped from the OS on its own and unmapped when freed, so
// disposing an object returns its memory at once. Smaller blocks come from the aligned
// operator new. Under AddressSanitizer every block goes through operator new, so ASan still
// tracks it (overflows, use after free, leaks).
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace rnnad {

constexpr size_t kBufferAlignment = 64;
constexpr size_t kMappedBufferBytes = 16 * 1024;

// A block of `bytes` bytes, kBufferAlignment-aligned, contents unspecified; nullptr for 0 bytes.
// Throws std::bad_alloc when the memory is not available.
void* allocateBuffer(size_t bytes);
// Frees a block of allocateBuffer; `bytes` must be the size it was allocated with. nullptr is a
// no-op.
void freeBuffer(void* block, size_t bytes) noexcept;
// Whether blocks of kMappedBufferBytes or more are unmapped on free (Linux, not under ASan).
bool buffersReturnToSystem() noexcept;
// Blocks mapped from the OS so far (they bypass operator new, which the allocation-count tests
// replace to count the rest).
uint64_t mappedBufferCount() noexcept;

template <class T>
struct BufferAllocator {
  using value_type = T;
  BufferAllocator() noexcept = default;
  template <class U>
  BufferAllocator(const BufferAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(allocateBuffer(n * sizeof(T)));
  }
  void deallocate(T* block, size_t n) noexcept { freeBuffer(block, n * sizeof(T)); }
};

template <class T, class U>
bool operator==(const BufferAllocator<T>&, const BufferAllocator<U>&) noexcept {
  return true;
}
template <class T, class U>
bool operator!=(const BufferAllocator<T>&, const BufferAllocator<U>&) noexcept {
  return false;
}

// A std::vector whose storage comes from allocateBuffer.
template <class T>
using Buffer = std::vector<T, BufferAllocator<T>>;

}  // namespace rnnad
