// The buffer allocator of buffers.h: alignment, zero size, Buffer<T> as a vector, and that a
// large block goes back to the OS when freed (the property the create/dispose soak relies on).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "buffers.h"
#include "platform_check.h"

using namespace rnnad;

namespace {

rnnad_test::Checker checker("platform_buffers");

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % kBufferAlignment == 0; }

// Whether the page holding p is mapped: mincore fails with ENOMEM on an unmapped range.
bool pageMapped(const void* p) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  void* start = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(p) / page * page);
  unsigned char resident = 0;
  if (mincore(start, page, &resident) == 0) return true;
  return errno != ENOMEM;
}

// Resident set size in bytes, from /proc/self/statm.
long residentBytes() {
  long pages = 0, resident = 0;
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (!statm) return -1;
  const int read = std::fscanf(statm, "%ld %ld", &pages, &resident);
  std::fclose(statm);
  return read == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

void checkSizes() {
  checker.check(allocateBuffer(0) == nullptr, "a 0-byte buffer is nullptr");
  freeBuffer(nullptr, 0);  // must be a no-op
  freeBuffer(nullptr, 1 << 20);
  for (size_t bytes : {size_t{1}, size_t{63}, size_t{64}, size_t{4096}, kMappedBufferBytes - 1, kMappedBufferBytes,
                       kMappedBufferBytes + 1, size_t{3} << 20}) {
    auto* block = static_cast<unsigned char*>(allocateBuffer(bytes));
    checker.check(block != nullptr, "%zu bytes: allocated", bytes);
    checker.check(aligned(block), "%zu bytes: %zu-byte aligned", bytes, kBufferAlignment);
    // Every byte is writable and keeps its value.
    std::memset(block, 0xA5, bytes);
    checker.check(block[0] == 0xA5 && block[bytes - 1] == 0xA5, "%zu bytes: first and last byte kept", bytes);
    freeBuffer(block, bytes);
  }
}

void checkVector() {
  Buffer<float> values(10000, 1.5f);
  checker.check(aligned(values.data()), "Buffer<float> storage is aligned");
  values.resize(100000, 2.f);  // moves to a larger (mapped) block
  checker.check(aligned(values.data()), "Buffer<float> storage stays aligned after growth");
  checker.check(values[9999] == 1.5f && values[10000] == 2.f && values[99999] == 2.f,
                "Buffer<float> keeps its values across growth");
  Buffer<float> copy = values;
  checker.check(copy == values, "a copied Buffer compares equal");
}

void checkReturnedToSystem() {
  if (!buffersReturnToSystem()) {
    std::printf(
        "platform_buffers: this build keeps large blocks in the C++ heap (AddressSanitizer or not "
        "Linux); the returned-to-the-OS checks do not apply\n");
    return;
  }
  const uint64_t mappedBefore = mappedBufferCount();
  const size_t bytes = size_t{64} << 20;
  const long before = residentBytes();
  auto* block = static_cast<unsigned char*>(allocateBuffer(bytes));
  std::memset(block, 1, bytes);  // make every page resident
  const long touched = residentBytes();
  checker.check(mappedBufferCount() == mappedBefore + 1, "a 64 MB block is mapped on its own");
  checker.check(pageMapped(block) && pageMapped(block + bytes - 1), "the block is mapped while in use");
  freeBuffer(block, bytes);
  const long after = residentBytes();
  checker.check(!pageMapped(block) && !pageMapped(block + bytes - 1), "the block is unmapped once freed");
  checker.check(touched - before > static_cast<long>(bytes) / 2 && touched - after > static_cast<long>(bytes) / 2,
                "RSS rose by the block and fell back when it was freed (before %ld, in use %ld, after %ld bytes)",
                before, touched, after);

  // Many mid-sized blocks (the size of packed weights and parameters), freed in an interleaved
  // order while others stay live, cycle after cycle: RSS must come back each time.
  std::vector<std::pair<unsigned char*, size_t>> live;
  const long start = residentBytes();
  long worst = 0;
  for (int cycle = 0; cycle < 50; ++cycle) {
    for (int k = 0; k < 64; ++k) {
      const size_t size = kMappedBufferBytes + static_cast<size_t>((k * 7919 + cycle * 104729) % 200) * 4096;
      auto* p = static_cast<unsigned char*>(allocateBuffer(size));
      std::memset(p, k, size);
      live.emplace_back(p, size);
    }
    for (size_t k = 0; k < live.size(); k += 2) freeBuffer(live[k].first, live[k].second);
    for (size_t k = 1; k < live.size(); k += 2) freeBuffer(live[k].first, live[k].second);
    live.clear();
    const long now = residentBytes();
    if (now - start > worst) worst = now - start;
  }
  checker.check(worst < (8L << 20), "RSS stays within 8 MB of its start over 50 cycles of 64 blocks (grew %ld bytes)",
                worst);
}

}  // namespace

int main() {
  checkSizes();
  checkVector();
  checkReturnedToSystem();
  return checker.finish();
}
