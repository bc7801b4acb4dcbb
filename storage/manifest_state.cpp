#include "storage/manifest_state.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace quarry {
namespace {

constexpr std::size_t kBlockSize = 32768;
constexpr std::size_t kHeaderSize = 7;             // crc (4), length (2), type (1)
constexpr std::size_t kRecyclableHeaderSize = 11;  // the same and a 4-byte log number

// Record types (db/log_format.h). 0 is the padding of a preallocated file.
enum RecordType : std::uint8_t { kZero = 0, kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };

// VersionEdit tags (db/version_edit.h, RocksDB 7.8). Do not renumber: RocksDB's on-disk format.
enum Tag : std::uint32_t {
  kComparator = 1,
  kLogNumber = 2,
  kNextFileNumber = 3,
  kLastSequence = 4,
  kCompactCursor = 5,
  kDeletedFile = 6,
  kNewFile = 7,
  kPrevLogNumber = 9,
  kMinLogNumberToKeep = 10,
  kNewFile2 = 100,
  kNewFile3 = 102,
  kNewFile4 = 103,
  kColumnFamily = 200,
  kColumnFamilyAdd = 201,
  kColumnFamilyDrop = 202,
  kMaxColumnFamily = 203,
  kInAtomicGroup = 300,
  kTagSafeIgnoreMask = 1u << 13,  // a field from a later version, length-prefixed, skippable
};
constexpr std::uint32_t kNewFile4Terminate = 1;

std::uint32_t crc32c(std::string_view bytes) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char ch : bytes) crc = table[(crc ^ static_cast<std::uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// RocksDB stores CRCs masked (util/crc32c.h: Mask), so that a CRC of data holding CRCs differs.
std::uint32_t masked(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::uint32_t fixed32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

// One VersionEdit's payload, consumed field by field; every reader returns nullopt past the end.
class EditInput {
 public:
  explicit EditInput(std::string_view bytes) : rest_(bytes) {}
  bool empty() const { return rest_.empty(); }

  std::optional<std::uint64_t> varint(int max_bits) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < max_bits && !rest_.empty(); shift += 7) {
      auto byte = static_cast<std::uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    return std::nullopt;
  }
  std::optional<std::uint64_t> v32() { return varint(35); }
  std::optional<std::uint64_t> v64() { return varint(70); }

  std::optional<std::string_view> slice() {
    auto n = v32();
    if (!n || *n > rest_.size()) return std::nullopt;
    std::string_view out = rest_.substr(0, *n);
    rest_.remove_prefix(*n);
    return out;
  }

  // Skips fields laid out as `shape`: '4' a varint32, '8' a varint64, 's' a slice.
  bool skip(std::string_view shape) {
    for (char f : shape) {
      bool ok = f == '4' ? v32().has_value() : f == '8' ? v64().has_value() : slice().has_value();
      if (!ok) return false;
    }
    return true;
  }

 private:
  std::string_view rest_;
};

struct Family {
  std::string name;
  std::uint64_t log_number = 0;
  std::set<std::uint64_t> table_files;
};

std::unexpected<Error> undecodable(const std::string& file, std::size_t edit,
                                   const std::string& why) {
  return fail(ErrorCode::StorageDamaged,
              "cannot read " + file + ": edit " + std::to_string(edit) + " " + why);
}

// Applies one edit to `families` (by id) and `min_log_to_keep`.
Result<void> apply_edit(std::string_view bytes, std::map<std::uint32_t, Family>& families,
                        std::uint64_t& min_log_to_keep, const std::string& file,
                        std::size_t index) {
  EditInput in(bytes);
  std::uint32_t family = 0;  // an edit without kColumnFamily is for the default family
  std::optional<std::uint64_t> log_number;
  std::optional<std::string> added;
  bool dropped = false;
  std::vector<std::uint64_t> new_files, deleted_files;
  // A file added: the level, then the file number, then the rest of `shape`.
  auto new_file = [&](std::string_view shape) {
    auto level = in.v32();
    auto number = in.v64();
    if (!level || !number) return false;
    new_files.push_back(*number);
    return in.skip(shape);
  };
  while (!in.empty()) {
    auto tag = in.v32();
    if (!tag) return undecodable(file, index, "is cut off");
    bool ok = true;
    switch (*tag) {
      case kLogNumber:
        log_number = in.v64();
        ok = log_number.has_value();
        break;
      case kMinLogNumberToKeep: {
        auto v = in.v64();
        ok = v.has_value();
        if (ok) min_log_to_keep = *v;
        break;
      }
      case kColumnFamily: {
        auto v = in.v32();
        ok = v.has_value();
        if (ok) family = static_cast<std::uint32_t>(*v);
        break;
      }
      case kColumnFamilyAdd: {
        auto name = in.slice();
        ok = name.has_value();
        if (ok) added = std::string(*name);
        break;
      }
      case kColumnFamilyDrop:
        dropped = true;
        break;
      case kComparator:
        ok = in.skip("s");
        break;
      case kNextFileNumber:
      case kLastSequence:
      case kPrevLogNumber:
        ok = in.skip("8");
        break;
      case kCompactCursor:
        ok = in.skip("4s");
        break;
      case kDeletedFile: {
        auto level = in.v32();
        auto number = in.v64();
        ok = level && number;
        if (ok) deleted_files.push_back(*number);
        break;
      }
      case kNewFile:
        ok = new_file("8ss");
        break;
      case kNewFile2:
        ok = new_file("8ss88");
        break;
      case kNewFile3:
        ok = new_file("48ss88");
        break;
      case kNewFile4: {
        ok = new_file("8ss88");
        while (ok) {  // custom fields, each a tag and a slice, up to kTerminate
          auto custom = in.v32();
          if (!custom)
            ok = false;
          else if (*custom == kNewFile4Terminate)
            break;
          else
            ok = in.skip("s");
        }
        break;
      }
      case kMaxColumnFamily:
      case kInAtomicGroup:
        ok = in.skip("4");
        break;
      default:
        if (!(*tag & kTagSafeIgnoreMask))
          return undecodable(
              file, index,
              "has a field (tag " + std::to_string(*tag) + ") this build of Quarry does not know");
        ok = in.skip("s");
    }
    if (!ok)
      return undecodable(file, index, "is cut off in a field (tag " + std::to_string(*tag) + ")");
  }
  if (added) families[family] = Family{*added, 0, {}};
  if (dropped) families.erase(family);
  auto at = families.find(family);
  if (at == families.end()) return {};
  if (log_number) at->second.log_number = *log_number;
  for (std::uint64_t number : deleted_files) at->second.table_files.erase(number);
  for (std::uint64_t number : new_files) at->second.table_files.insert(number);
  return {};
}

}  // namespace

std::uint64_t ManifestFlushState::flushed_below(const std::string& family) const {
  auto at = log_numbers.find(family);
  return std::max(at == log_numbers.end() ? 0 : at->second, min_log_to_keep);
}

Result<ManifestFlushState> read_manifest_flush_state(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::StorageIo, "cannot read " + file);
  std::string data(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) return fail(ErrorCode::StorageIo, "cannot read " + file);

  std::map<std::uint32_t, Family> families{{0, Family{"default", 0, {}}}};
  std::uint64_t min_log_to_keep = 0;
  std::string record;
  bool in_fragmented = false;
  std::size_t edits = 0;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t left_in_block = kBlockSize - pos % kBlockSize;
    if (left_in_block < kHeaderSize) {  // a block's trailer: zero padding
      pos += left_in_block;
      continue;
    }
    if (data.size() - pos < kHeaderSize) break;  // a torn header at the end
    const char* header = data.data() + pos;
    std::size_t length = static_cast<std::uint8_t>(header[4]) |
                         (static_cast<std::size_t>(static_cast<std::uint8_t>(header[5])) << 8);
    auto type = static_cast<std::uint8_t>(header[6]);
    if (type == kZero && length == 0) break;  // preallocated space: no more records
    std::size_t header_size = type >= 5 && type <= 8 ? kRecyclableHeaderSize : kHeaderSize;
    if (header_size + length > left_in_block) {
      return fail(ErrorCode::StorageDamaged, "cannot read " + file + ": a record at byte " +
                                                 std::to_string(pos) + " crosses its block");
    }
    if (data.size() - pos < header_size + length) break;  // a torn last record
    std::string_view checked(header + 6, 1 + (header_size - kHeaderSize) + length);
    if (masked(crc32c(checked)) != fixed32(header)) {
      return fail(ErrorCode::StorageDamaged, "cannot read " + file + ": the record at byte " +
                                                 std::to_string(pos) + " fails its checksum");
    }
    std::string_view payload(header + header_size, length);
    pos += header_size + length;
    std::uint8_t kind = type >= 5 ? static_cast<std::uint8_t>(type - 4) : type;
    if (kind == kFull) {
      record.assign(payload);
    } else if (kind == kFirst) {
      record.assign(payload);
      in_fragmented = true;
      continue;
    } else if (kind == kMiddle && in_fragmented) {
      record.append(payload);
      continue;
    } else if (kind == kLast && in_fragmented) {
      record.append(payload);
      in_fragmented = false;
    } else {
      return fail(ErrorCode::StorageDamaged, "cannot read " + file + ": a record of type " +
                                                 std::to_string(type) + " at byte " +
                                                 std::to_string(pos - header_size - length));
    }
    if (auto ok = apply_edit(record, families, min_log_to_keep, file, edits++); !ok) {
      return std::unexpected(ok.error());
    }
  }
  ManifestFlushState state;
  state.min_log_to_keep = min_log_to_keep;
  for (const auto& entry : families) {
    state.log_numbers[entry.second.name] = entry.second.log_number;
    state.table_files[entry.second.name] = entry.second.table_files.size();
  }
  return state;
}

}  // namespace quarry
