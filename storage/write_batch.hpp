// WriteBatch: an ordered list of puts and deletes across key spaces, applied atomically by
// Store::write. Operations take effect in the order they were added: a later operation on a key
// overrides an earlier one, and a put after a delete_range covering its key survives.
//
// The batch owns copies of every key and value (in one arena), so the caller's buffers may be
// reused as soon as an add call returns. Not thread-safe; a built batch may be read concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.hpp"

namespace quarry {

class WriteBatch {
 public:
  enum class Kind : std::uint8_t { Put, Delete, DeleteRange };

  // One operation, viewing bytes owned by the batch: valid until the batch is modified or destroyed.
  struct Op {
    Kind kind;
    SpaceId space;
    std::string_view key;    // DeleteRange: the first key removed (inclusive)
    std::string_view value;  // Put: the value; DeleteRange: the end key (exclusive); Delete: empty
  };

  void put(SpaceId space, std::string_view key, std::string_view value);
  void del(SpaceId space, std::string_view key);
  // Deletes every key k with begin <= k < end. Nothing if end <= begin.
  void delete_range(SpaceId space, std::string_view begin, std::string_view end);

  void clear() noexcept;
  // Preallocates for about `ops` operations carrying `bytes` bytes of keys and values.
  void reserve(std::size_t ops, std::size_t bytes);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  // Total bytes of keys and values held.
  [[nodiscard]] std::size_t byte_size() const noexcept { return arena_.size(); }
  // REQUIRES: i < size().
  [[nodiscard]] Op operator[](std::size_t i) const noexcept;

 private:
  struct Entry {
    Kind kind;
    SpaceId space;
    std::uint32_t key_size;
    std::uint32_t value_size;
    std::size_t offset;  // of the key in arena_; the value follows it
  };
  void add(Kind kind, SpaceId space, std::string_view key, std::string_view value);

  std::string arena_;
  std::vector<Entry> entries_;
};

}  // namespace quarry
