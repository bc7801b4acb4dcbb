// Internal to api/: the file-wide tempid table of an import (ImportTempids): tempid -> entity id
// for every distinct tempid of the file, so it is the one structure of an import that grows with
// the file (1.33M entries for the 10M-datom benchmark file).
//
// Layout: the keys' bytes in one arena (a tag byte, then a string's length as a varint and its
// bytes, or a negative long's 8 bytes), and an open-addressing table of 16-byte slots — the
// arena offset with 24 bits of the key's hash above it, and the id — at most 70% full (linear
// probing; capacity a power of two). About 16 / 0.7 x (1 to 2) + 2 + length bytes an entry: 35 to
// 60 for "p1234567", where std::unordered_map<Value, EntityId> took about 120 (a 112-byte node
// and a bucket pointer). Keys are compared byte for byte, so the table answers exactly what the
// map did: the string "-5" and the long -5 are different tempids.
//
// Not thread-safe; find() may run concurrently with other find()s only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <quarry/quarry.hpp>

namespace quarry::import_detail {

class TempidTable {
 public:
  // Whether `tempid` can be a key: a string, or a negative long.
  [[nodiscard]] static bool keyable(const Value& tempid) noexcept;

  // The id recorded for `tempid`; nullopt when there is none (or it is not keyable).
  [[nodiscard]] std::optional<EntityId> find(const Value& tempid) const;
  // Records `tempid` -> `id` unless `tempid` is recorded already (the first id stays); false then.
  // REQUIRES: keyable(tempid).
  bool insert(const Value& tempid, EntityId id);
  // The same for a string tempid given as its text (the CSV and JSON Lines tempid check).
  [[nodiscard]] std::optional<EntityId> find(std::string_view tempid) const;
  bool insert(std::string_view tempid, EntityId id);

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  // Bytes held by the arena and the slots (their capacity).
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

 private:
  struct Slot {
    std::uint64_t where = 0;  // 0: empty; else hash's top 24 bits << 40 | (arena offset + 1)
    std::uint64_t id = 0;
  };
  // A key: its tag ('s' string, 'l' long) and its bytes (a long's 8, big-endian).
  struct Key {
    char tag = 0;
    std::string_view bytes;
  };
  // `tempid` as a key; a long's bytes are written to `buffer`, which the key then views.
  static Key key_of(const Value& tempid, char (&buffer)[8]);
  static std::uint64_t hash_of(const Key& key) noexcept;
  // The key stored at `offset` of the arena (its bytes point into the arena).
  [[nodiscard]] Key stored_key(std::uint64_t offset) const noexcept;
  [[nodiscard]] std::optional<EntityId> find(const Key& key) const;
  bool insert(const Key& key, EntityId id);
  // The slot holding `key`, or the empty slot where it would go.
  [[nodiscard]] std::size_t probe(const Key& key, std::uint64_t hash) const noexcept;
  void grow();

  std::string arena_;
  std::vector<Slot> slots_;  // empty, or a power of two
  std::size_t size_ = 0;
};

}  // namespace quarry::import_detail
