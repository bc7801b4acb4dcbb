#include <cstdlib>
#include <cstring>

#include "capi/handles.hpp"

namespace quarry::capi {

quarry_code code_of(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::EdnSyntax: return QUARRY_EDN_SYNTAX;
    case ErrorCode::EdnDepth: return QUARRY_EDN_DEPTH;
    case ErrorCode::EdnUnsupported: return QUARRY_EDN_UNSUPPORTED;
    case ErrorCode::CodecInvalid: return QUARRY_CODEC_INVALID;
    case ErrorCode::CodecUnstorable: return QUARRY_CODEC_UNSTORABLE;
    case ErrorCode::StorageIo: return QUARRY_STORAGE_IO;
    case ErrorCode::StorageCorruption: return QUARRY_STORAGE_CORRUPTION;
    case ErrorCode::StorageLocked: return QUARRY_STORAGE_LOCKED;
    case ErrorCode::StorageVersion: return QUARRY_STORAGE_VERSION;
    case ErrorCode::StorageUnknownSpace: return QUARRY_STORAGE_UNKNOWN_SPACE;
    case ErrorCode::StorageInvalid: return QUARRY_STORAGE_INVALID;
    case ErrorCode::StorageReadOnly: return QUARRY_STORAGE_READ_ONLY;
    case ErrorCode::StorageForeign: return QUARRY_STORAGE_FOREIGN;
    case ErrorCode::StorageDamaged: return QUARRY_STORAGE_DAMAGED;
    case ErrorCode::InvalidArgument: return QUARRY_INVALID_ARGUMENT;
    case ErrorCode::Internal: return QUARRY_INTERNAL;
    case ErrorCode::OutOfMemory: return QUARRY_OUT_OF_MEMORY;
    case ErrorCode::TxSyntax: return QUARRY_TX_SYNTAX;
    case ErrorCode::TxType: return QUARRY_TX_TYPE;
    case ErrorCode::TxUnique: return QUARRY_TX_UNIQUE;
    case ErrorCode::TxUpsert: return QUARRY_TX_UPSERT;
    case ErrorCode::TxCas: return QUARRY_TX_CAS;
    case ErrorCode::TxUnknownAttribute: return QUARRY_TX_UNKNOWN_ATTRIBUTE;
    case ErrorCode::TxLookupRef: return QUARRY_TX_LOOKUP_REF;
    case ErrorCode::TxSchema: return QUARRY_TX_SCHEMA;
    case ErrorCode::TxEntityId: return QUARRY_TX_ENTITY_ID;
    case ErrorCode::TxTempid: return QUARRY_TX_TEMPID;
    case ErrorCode::TxConflict: return QUARRY_TX_CONFLICT;
    case ErrorCode::TxInstant: return QUARRY_TX_INSTANT;
    case ErrorCode::TxFunction: return QUARRY_TX_FUNCTION;
    case ErrorCode::TxTuple: return QUARRY_TX_TUPLE;
    case ErrorCode::TxAttrPred: return QUARRY_TX_ATTR_PRED;
    case ErrorCode::TxEntityAttrs: return QUARRY_TX_ENTITY_ATTRS;
    case ErrorCode::TxEntityPred: return QUARRY_TX_ENTITY_PRED;
    case ErrorCode::QuerySyntax: return QUARRY_QUERY_SYNTAX;
    case ErrorCode::QueryInvalid: return QUARRY_QUERY_INVALID;
    case ErrorCode::QueryInput: return QUARRY_QUERY_INPUT;
    case ErrorCode::QueryFunction: return QUARRY_QUERY_FUNCTION;
    case ErrorCode::QueryCancelled: return QUARRY_QUERY_CANCELLED;
    case ErrorCode::QueryTimeout: return QUARRY_QUERY_TIMEOUT;
    case ErrorCode::QueryLimit: return QUARRY_QUERY_LIMIT;
    case ErrorCode::PullSyntax: return QUARRY_PULL_SYNTAX;
    case ErrorCode::ReplUnknownForm: return QUARRY_REPL_UNKNOWN_FORM;
    case ErrorCode::ReplUnsupported: return QUARRY_REPL_UNSUPPORTED;
  }
  return QUARRY_INTERNAL;
}

quarry_code report(const Error& error, quarry_error** err) noexcept {
  quarry_code code = code_of(error.code);
  if (!err) return code;
  *err = nullptr;
  try {
    *err = new quarry_error{code, std::string(error_code_name(error.code)), error.message};
  } catch (...) {
    // No room for the error itself: the caller still has the code.
  }
  return code;
}

char* give(const std::string& text) noexcept {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy) std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

}  // namespace quarry::capi

extern "C" {

const char* quarry_code_name(quarry_code code) {
  if (code == QUARRY_OK) return "ok";
  // Every ErrorCode, in declaration order, is tried: the one whose C number is `code` names it.
  for (unsigned i = 0; i <= static_cast<unsigned>(quarry::ErrorCode::ReplUnsupported); ++i) {
    auto candidate = static_cast<quarry::ErrorCode>(i);
    if (quarry::capi::code_of(candidate) == code) return quarry::error_code_name(candidate).data();
  }
  return "unknown";
}

quarry_code quarry_error_code(const quarry_error* err) { return err ? err->code : QUARRY_OK; }
const char* quarry_error_name(const quarry_error* err) { return err ? err->name.c_str() : "ok"; }
const char* quarry_error_message(const quarry_error* err) { return err ? err->message.c_str() : ""; }
void quarry_error_free(quarry_error* err) { delete err; }
void quarry_free(char* text) { std::free(text); }

}  // extern "C"
