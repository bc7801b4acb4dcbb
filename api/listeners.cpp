// Database::listen: a notifier thread per Database that delivers transaction reports to callbacks.
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "api/listeners.hpp"

namespace quarry {

void Listener::Registry::start() {
  std::lock_guard lock(mutex);
  if (thread.joinable() || stopping) return;
  thread = std::thread([this] { run(); });
}

void Listener::Registry::publish(const TxReport& report) {
  {
    std::lock_guard lock(mutex);
    if (callbacks.empty() || stopping) return;
    queue.push_back(report);
  }
  changed.notify_all();
}

std::uint64_t Listener::Registry::add(std::function<void(const TxReport&)> callback) {
  std::lock_guard lock(mutex);
  std::uint64_t id = ++last_id;
  callbacks.emplace(id, std::make_shared<std::function<void(const TxReport&)>>(std::move(callback)));
  return id;
}

void Listener::Registry::remove(std::uint64_t id) {
  std::unique_lock lock(mutex);
  callbacks.erase(id);
  if (std::this_thread::get_id() == thread.get_id()) return;  // from inside a callback
  changed.wait(lock, [&] { return running != id; });
}

void Listener::Registry::stop() {
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  changed.notify_all();
  if (thread.joinable() && std::this_thread::get_id() != thread.get_id()) thread.join();
}

void Listener::Registry::run() {
  std::unique_lock lock(mutex);
  for (;;) {
    changed.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty()) return;  // stopping, and everything delivered
    TxReport report = std::move(queue.front());
    queue.pop_front();
    // Callbacks registered now, in registration order; each looked up again before its call, so
    // one removed meanwhile is skipped.
    std::vector<std::uint64_t> ids;
    for (const auto& [id, callback] : callbacks) ids.push_back(id);
    for (std::uint64_t id : ids) {
      auto it = callbacks.find(id);
      if (it == callbacks.end()) continue;
      auto callback = it->second;
      running = id;
      lock.unlock();
      try {
        (*callback)(report);
      } catch (...) {
        // A listener's failure is its own: the writer and the other listeners go on.
      }
      lock.lock();
      running = 0;
      changed.notify_all();
    }
  }
}

Listener::Listener(Listener&& other) noexcept : registry_(std::move(other.registry_)), id_(other.id_) {
  other.id_ = 0;
}

Listener& Listener::operator=(Listener&& other) noexcept {
  if (this != &other) {
    remove();
    registry_ = std::move(other.registry_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

Listener::~Listener() { remove(); }

void Listener::remove() noexcept {
  if (id_ == 0) return;
  if (auto registry = registry_.lock()) registry->remove(id_);
  id_ = 0;
  registry_.reset();
}

}  // namespace quarry
