// Internal to api/: the registry and notifier thread behind Database::listen.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "quarry/quarry.hpp"

namespace quarry {

// Owned (shared) by Database::Impl; Listener handles hold weak references. Thread safety: every
// member function may be called from any thread; `mutex` guards the data members.
struct Listener::Registry {
  // Starts the notifier thread (once; the first listen()).
  void start();
  // Queues a copy of `report` for the callbacks, if there are any.
  void publish(const TxReport& report);
  [[nodiscard]] std::uint64_t add(std::function<void(const TxReport&)> callback);
  // Unregisters `id`, waiting for a call of it in progress unless called from the notifier thread.
  void remove(std::uint64_t id);
  // Delivers what is queued, then stops the thread. REQUIRES: no publish() after it.
  void stop();

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::uint64_t, std::shared_ptr<std::function<void(const TxReport&)>>> callbacks;
  std::deque<TxReport> queue;
  std::uint64_t last_id = 0;
  std::uint64_t running = 0;  // the callback being called, 0 when none
  bool stopping = false;
  std::thread thread;

 private:
  void run();
};

}  // namespace quarry
