// Quarry's one error type. Every fallible operation returns Result<T> (std::expected<T, Error>);
// exceptions never cross a layer's public functions.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace quarry {

// Stable error codes. The REPL prints them as keywords (see error_code_name); scripts and tests
// match on those keywords, so a code's name never changes once released. Append new codes at the
// end of their group.
enum class ErrorCode : std::uint16_t {
  // EDN text
  EdnSyntax,        // :edn/syntax — malformed input; message names line and column
  EdnDepth,         // :edn/depth — nesting deeper than the reader allows
  EdnUnsupported,   // :edn/unsupported — well-formed EDN Quarry cannot represent
  // binary encoding
  CodecInvalid,     // :codec/invalid — bytes that are not a valid encoding
  CodecUnstorable,  // :codec/unstorable — a value kind that cannot be part of an index key
  // storage
  StorageIo,           // :storage/io — the operating system or RocksDB reported an I/O failure
  StorageCorruption,   // :storage/corruption — stored bytes fail a checksum or do not decode
  StorageLocked,       // :storage/locked — another process holds the database directory
  StorageVersion,      // :storage/version — on-disk format missing, older or newer than supported
  StorageUnknownSpace, // :storage/unknown-space — a key space name the store does not have
  StorageInvalid,      // :storage/invalid — misuse of the storage protocol (e.g. closed store)
  StorageReadOnly,     // :storage/read-only — a write to a database opened read-only
  StorageForeign,      // :storage/foreign — the directory holds files that are not a Quarry database
  StorageDamaged,      // :storage/damaged — a Quarry database missing files it needs (CURRENT, MANIFEST, WAL)
  // general
  InvalidArgument,  // :quarry/invalid-argument
  Internal,         // :quarry/internal — a bug in Quarry; the message says where
  OutOfMemory,      // :quarry/out-of-memory — an allocation failed; the operation changed nothing
  // transactions (tx/); every message names the offending form or datom, printed as EDN
  TxSyntax,            // :tx/syntax — a tx form of the wrong shape (unknown op, missing part, bad map)
  TxType,              // :tx/type — a value that does not match its attribute's :db/valueType
  TxUnique,            // :tx/unique — a :db/unique value already held by another entity
  TxUpsert,            // :tx/upsert — upserts of one entity resolving to different entities
  TxCas,               // :tx/cas — :db/cas found a value other than the expected old one
  TxUnknownAttribute,  // :tx/unknown-attribute — an undeclared attribute in strict mode, or a bad reverse attribute
  TxLookupRef,         // :tx/lookup-ref — a lookup ref on a non-unique attribute, or resolving to nothing
  TxSchema,            // :tx/schema — an invalid or unsafe schema change (e.g. unique with duplicates)
  TxEntityId,          // :tx/entity-id — an entity id out of its partition, an unknown ident, a tx id misused
  TxTempid,            // :tx/tempid — a tempid used only as a value, or where only :db/add allows one
  TxConflict,          // :tx/conflict — one transaction asserting two values of a card-one attribute of
                       //   one entity, or one unique value for two entities
  TxInstant,           // :tx/instant — an explicit :db/txInstant earlier than the previous transaction's
  TxFunction,          // :tx/function — an unknown transaction function, or one that returned no tx-data
  TxTuple,             // :tx/tuple — a composite tuple asserted or retracted directly, or a tuple value of
                       //   the wrong shape for :db/tupleTypes / :db/tupleType
  TxAttrPred,          // :tx/attr-pred — an asserted value fails one of its attribute's :db.attr/preds
  TxEntityAttrs,       // :tx/entity-attrs — an entity lacks an attribute its :db/ensure spec requires
  TxEntityPred,        // :tx/entity-pred — an entity fails a :db.entity/preds predicate of its spec
  // queries and pull (query/); messages name the offending clause or variable, printed as EDN
  QuerySyntax,     // :query/syntax — a query, rule or :in binding of the wrong shape
  QueryInvalid,    // :query/invalid — well-formed but meaningless: unbound variable, or-branches
                   //   binding different variables, unknown function or rule, wrong arity
  QueryInput,      // :query/input — inputs that do not match :in (count or shape)
  QueryFunction,   // :query/function — a built-in function or aggregate failed (e.g. wrong types)
  QueryCancelled,  // :query/cancelled — the caller cancelled the query
  QueryTimeout,    // :query/timeout — the query ran past its deadline
  QueryLimit,      // :query/limit — an intermediate result grew past the row limit
  PullSyntax,      // :pull/syntax — a pull pattern of the wrong shape
  // the `quarry` command (repl/)
  ReplUnknownForm,     // :repl/unknown-form — a form or meta command the command does not know
  ReplUnsupported,     // :repl/unsupported — a known form whose engine is not built yet
};

// The keyword name of a code without the leading colon, e.g. "edn/syntax".
[[nodiscard]] std::string_view error_code_name(ErrorCode code) noexcept;

struct Error {
  ErrorCode code;
  std::string message;

  // "#error {:code :edn/syntax :message \"...\"}" — the REPL's printed form.
  [[nodiscard]] std::string to_edn() const;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for `return fail(ErrorCode::X, "...")` inside functions returning Result<T>.
[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace quarry
