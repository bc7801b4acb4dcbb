// Printing Values as EDN text.
//
// Guarantees:
//  - Deterministic: maps and sets print in their stored order, which is sorted (value.hpp), so
//    equal values print identically. Output is one line: strings escape their newlines.
//  - Round trip: read_edn(to_edn(v)) == v for every Value read_edn can produce. Doubles print in
//    the shortest form that reads back to the same bits and always with a '.' or an exponent
//    (1.0, not 1); non-finite ones as ##Inf, ##-Inf, ##NaN.
//
// Forms: Long 42; Double 1.5; BigInt 42N; BigDec 1.50M; Instant
// #inst "1985-04-12T23:20:50.520Z" (UTC, milliseconds); Uuid #uuid "f81d4fae-..."; Char \a,
// \newline, \space, \tab, \return, \formfeed, \backspace, \uXXXX for anything not printable
// ASCII; Bytes #bytes "base64"; Tagged #tag value; maps as {k v, k v} (Clojure's style); lists,
// vectors, sets as (a b), [a b], #{a b}.
//
// Not round-trippable, because EDN has no form for them or they were not built by the reader
// (the printer prints them anyway, it never fails):
//  - Ref (an EntityId) prints as its plain number, which reads back as a Long.
//  - A Char above U+FFFF prints as \ufffd (EDN character literals are UTF-16 code units).
//  - Strings that are not valid UTF-8, and keywords, symbols or tags whose names are not valid
//    EDN names (e.g. containing spaces), print as text the reader rejects or reads differently.
//
// Depth-safe: printing walks nested values with an explicit stack, so any nesting depth prints
// (compare() and hash_value() still recurse once per level).
#pragma once

#include <string>

#include "quarry/types/value.hpp"

namespace quarry {

[[nodiscard]] std::string to_edn(const Value& value);

// Appends the EDN text of `value` to `out`.
void append_edn(std::string& out, const Value& value);

}  // namespace quarry
