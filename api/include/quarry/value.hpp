// The basic types of Quarry's public API: Value (every EDN datum), Error/Result, the strong id
// types, Datom, and EDN text <-> Value.
//
// They are plain data types defined at the bottom of the library (codec/include/quarry/types/ and
// index/include/quarry/types/ in the source tree) and used unchanged by every layer, so an
// application and Quarry share them without copies. Every header under <quarry/> includes only
// other <quarry/> headers and the standard library. Applications include <quarry/quarry.hpp> (or
// this header).
#pragma once

#include "quarry/types/datom.hpp"        // Datom [e a v tx added], IndexOrder
#include "quarry/types/edn_printer.hpp"  // std::string to_edn(const Value&)
#include "quarry/types/edn_reader.hpp"   // read_edn, read_edn_all, EdnStreamReader
#include "quarry/types/error.hpp"        // Error, ErrorCode, error_code_name, Result<T>
#include "quarry/types/ids.hpp"          // EntityId, AttrId, TxId, kTx0
#include "quarry/types/value.hpp"        // Value, Keyword, Symbol, Instant, Uuid, Vector, Map, Set, ...
