// ThreadSanitizer annotations for calls into RocksDB (doc/reliability.md, "Sanitizers"). Empty
// unless the build is instrumented with -fsanitize=thread (QUARRY_SANITIZE=tsan).
//
// Debian's librocksdb is not instrumented: TSan sees its memory accesses only where it calls an
// intercepted function (memcpy, memcmp, new[]) and none of its std::atomic operations. A write
// copies the batch into the memtable's arena with memcpy — which TSan records as a write by the
// writing thread — and publishes each entry with a release store into the skip list, which TSan
// does not see. A reader on another thread that meets the entry after RocksDB's acquire load (an
// iterator's key comparison, or Quarry copying the value out) is then reported as racing with that
// memcpy, though RocksDB ordered the two. RocksWriteAccessesIgnored makes TSan record no memory
// access while RocksDB runs a write on this thread (synchronisation through pthread is still seen);
// what it leaves unrecorded are accesses RocksDB makes to its own memory, its reads of the batch
// Quarry handed it, and those of the one callback RocksDB may make into Quarry during a write, the
// logger (storage/rocks_store.cpp's FileLogger, which works under its own mutex).
#pragma once

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace quarry {

class RocksWriteAccessesIgnored {
 public:
#if defined(__SANITIZE_THREAD__)
  RocksWriteAccessesIgnored() {
    __tsan_ignore_thread_begin();
  }
  ~RocksWriteAccessesIgnored() {
    __tsan_ignore_thread_end();
  }
#else
  RocksWriteAccessesIgnored() = default;
#endif
  RocksWriteAccessesIgnored(const RocksWriteAccessesIgnored&) = delete;
  RocksWriteAccessesIgnored& operator=(const RocksWriteAccessesIgnored&) = delete;
};

}  // namespace quarry
