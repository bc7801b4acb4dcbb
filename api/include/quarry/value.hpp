// The basic types of Quarry's public API: Value (every EDN datum), Error/Result, the strong id
// types, Datom, and EDN text <-> Value.
//
// These are plain data types defined at the bottom of the library (codec/, index/datom.hpp) and
// re-exported here unchanged, so an application and Quarry's layers share them without copies.
// Applications include <quarry/quarry.hpp> (or this header) and never a folder header directly.
#pragma once

#include "codec/edn_printer.hpp"  // std::string to_edn(const Value&)
#include "codec/edn_reader.hpp"   // Result<Value> read_edn(std::string_view), read_edn_all
#include "codec/error.hpp"        // Error, ErrorCode, error_code_name, Result<T>
#include "codec/ids.hpp"          // EntityId, AttrId, TxId, kTx0
#include "codec/value.hpp"        // Value, Keyword, Symbol, Instant, Uuid, Vector, Map, Set, ...
#include "index/datom.hpp"        // Datom [e a v tx added], IndexOrder
