// The text forms inside the built-in tagged literals #inst, #uuid and #bytes, shared by the reader
// and the printer so the two cannot drift apart. Internal to codec/.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "codec/value.hpp"

namespace quarry::edn_literals {

// RFC 3339 timestamps as Clojure reads them: YYYY[-MM[-DD[THH[:MM[:SS[.fraction]]]]]] followed by
// Z, an offset ±HH:MM, or nothing (UTC). T and Z may be lower case. Fields are range-checked
// (day against its month, leap years included; second 60 only in minute 59, as Clojure allows).
// The fraction is truncated to milliseconds. Besides the four-digit year, an ISO 8601 expanded
// year (a sign then at least four digits) is accepted, so that every Instant round-trips.
[[nodiscard]] std::expected<Instant, std::string> parse_inst(std::string_view text);

// Appends YYYY-MM-DDTHH:MM:SS.sssZ (UTC, always milliseconds). Years outside 0000..9999 use the
// expanded form (-0001, +10000).
void append_inst(std::string& out, Instant instant);

// 8-4-4-4-12 hex digits, either case.
[[nodiscard]] std::expected<Uuid, std::string> parse_uuid(std::string_view text);

// Appends the 8-4-4-4-12 form in lower case.
void append_uuid(std::string& out, const Uuid& uuid);

// Standard base64 (RFC 4648 §4: A-Z a-z 0-9 + /) with '=' padding to a multiple of four; no
// whitespace.
[[nodiscard]] std::expected<std::string, std::string> decode_base64(std::string_view text);

void append_base64(std::string& out, std::string_view bytes);

}  // namespace quarry::edn_literals
