// Internal to capi/: what the opaque handles of quarry.h hold, and the one boundary every C
// function goes through (no C++ exception leaves it).
#pragma once

#include <new>
#include <optional>
#include <quarry/quarry.hpp>
#include <string>
#include <utility>

#include "quarry.h"

struct quarry_db {
  quarry::Database database;
};

struct quarry_snapshot {
  quarry::Db db;
};

struct quarry_error {
  quarry_code code;
  std::string name;
  std::string message;
};

namespace quarry::capi {

// The C number of a C++ error code (quarry.h: the numbers never change).
[[nodiscard]] quarry_code code_of(ErrorCode code) noexcept;

// Reports `error` through `err` (when not null) and returns its code. Never throws: when the error
// itself cannot be allocated, *err is left null and the code is still returned.
quarry_code report(const Error& error, quarry_error** err) noexcept;

// A string the caller frees with quarry_free (malloc'ed); null when memory runs out.
[[nodiscard]] char* give(const std::string& text) noexcept;

// Runs `body` (returning Result<std::string>) and hands its text to *out; every exception becomes
// an error (std::bad_alloc: :quarry/out-of-memory; anything else: :quarry/internal).
template <class Body>
quarry_code run(char** out, quarry_error** err, Body&& body) noexcept {
  try {
    Result<std::string> text = body();
    if (!text) return report(text.error(), err);
    if (out) {
      char* copy = give(*text);
      if (!copy) return report(Error{ErrorCode::OutOfMemory, "out of memory copying a result"}, err);
      *out = copy;
    }
    return QUARRY_OK;
  } catch (const std::bad_alloc&) {
    return report(Error{ErrorCode::OutOfMemory, "out of memory"}, err);
  } catch (const std::exception& e) {
    return report(Error{ErrorCode::Internal, std::string("unexpected exception: ") + e.what()}, err);
  } catch (...) {
    return report(Error{ErrorCode::Internal, "unexpected exception"}, err);
  }
}

// The query inputs `inputs_edn` names (quarry.h, quarry_q), with $ bound to `db`.
[[nodiscard]] Result<std::vector<QueryInput>> read_inputs(const Db& db, const char* inputs_edn);

}  // namespace quarry::capi
