#include "codec/error.hpp"

#include "codec/edn_string.hpp"

namespace quarry {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::EdnSyntax: return "edn/syntax";
    case ErrorCode::EdnDepth: return "edn/depth";
    case ErrorCode::EdnUnsupported: return "edn/unsupported";
    case ErrorCode::CodecInvalid: return "codec/invalid";
    case ErrorCode::CodecUnstorable: return "codec/unstorable";
    case ErrorCode::StorageIo: return "storage/io";
    case ErrorCode::StorageCorruption: return "storage/corruption";
    case ErrorCode::StorageLocked: return "storage/locked";
    case ErrorCode::StorageVersion: return "storage/version";
    case ErrorCode::StorageUnknownSpace: return "storage/unknown-space";
    case ErrorCode::StorageInvalid: return "storage/invalid";
    case ErrorCode::StorageReadOnly: return "storage/read-only";
    case ErrorCode::StorageForeign: return "storage/foreign";
    case ErrorCode::StorageDamaged: return "storage/damaged";
    case ErrorCode::InvalidArgument: return "quarry/invalid-argument";
    case ErrorCode::Internal: return "quarry/internal";
    case ErrorCode::OutOfMemory: return "quarry/out-of-memory";
    case ErrorCode::TxSyntax: return "tx/syntax";
    case ErrorCode::TxType: return "tx/type";
    case ErrorCode::TxUnique: return "tx/unique";
    case ErrorCode::TxUpsert: return "tx/upsert";
    case ErrorCode::TxCas: return "tx/cas";
    case ErrorCode::TxUnknownAttribute: return "tx/unknown-attribute";
    case ErrorCode::TxLookupRef: return "tx/lookup-ref";
    case ErrorCode::TxSchema: return "tx/schema";
    case ErrorCode::TxEntityId: return "tx/entity-id";
    case ErrorCode::TxTempid: return "tx/tempid";
    case ErrorCode::TxConflict: return "tx/conflict";
    case ErrorCode::TxInstant: return "tx/instant";
    case ErrorCode::TxFunction: return "tx/function";
    case ErrorCode::TxTuple: return "tx/tuple";
    case ErrorCode::TxAttrPred: return "tx/attr-pred";
    case ErrorCode::TxEntityAttrs: return "tx/entity-attrs";
    case ErrorCode::TxEntityPred: return "tx/entity-pred";
    case ErrorCode::QuerySyntax: return "query/syntax";
    case ErrorCode::QueryInvalid: return "query/invalid";
    case ErrorCode::QueryInput: return "query/input";
    case ErrorCode::QueryFunction: return "query/function";
    case ErrorCode::QueryCancelled: return "query/cancelled";
    case ErrorCode::QueryTimeout: return "query/timeout";
    case ErrorCode::QueryLimit: return "query/limit";
    case ErrorCode::PullSyntax: return "pull/syntax";
    case ErrorCode::ReplUnknownForm: return "repl/unknown-form";
    case ErrorCode::ReplUnsupported: return "repl/unsupported";
  }
  return "quarry/unknown";
}

std::string Error::to_edn() const {
  std::string out = "#error {:code :";
  out += error_code_name(code);
  out += " :message ";
  append_edn_string(out, message);
  out += '}';
  return out;
}

}  // namespace quarry
