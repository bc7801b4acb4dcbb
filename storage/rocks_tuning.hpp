// RocksStore's RocksDB settings, for programs that drive RocksDB directly and must compare like with
// like (bench/store_bench.cpp's "raw RocksDB" rows). Application code uses RocksStore instead.
//
// This header names RocksDB types without including RocksDB: only rocks_store.cpp includes
// <rocksdb/...>, and a caller of this function includes them itself.
#pragma once

#include "codec/error.hpp"
#include "storage/rocks_store.hpp"

namespace rocksdb {
struct DBOptions;
struct ColumnFamilyOptions;
}  // namespace rocksdb

namespace quarry {

// Sets in db and cf every option RocksStore::open sets from `options` (block cache, bloom filter,
// compression, WAL recovery mode, info log, ...). With options.info_log it creates the directory
// and opens DIR/LOG, so it can fail with StorageIo.
[[nodiscard]] Result<void> tune_rocksdb(const RocksOptions& options, rocksdb::DBOptions& db,
                                        rocksdb::ColumnFamilyOptions& cf);

}  // namespace quarry
