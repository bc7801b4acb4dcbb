// The API's boundary for allocation failure (STYLE.md: exceptions are caught at the boundary that
// owns them). A public entry point runs its body through guard_allocation: a std::bad_alloc
// thrown anywhere below — a query's intermediate result, a huge transaction, a pull — becomes
// :quarry/out-of-memory instead of ending the process. What was allocated is released by the
// unwinding. A transaction that fails this way has written nothing, unless the failure came after
// its batch reached the store; then the writer refuses further commits until the database is
// reopened (index/writer.cpp), as for any error at that point.
#pragma once

#include <new>
#include <string>
#include <type_traits>

#include "codec/error.hpp"

namespace quarry {

template <class Body>
[[nodiscard]] auto guard_allocation(std::string_view what, Body&& body) -> std::invoke_result_t<Body> {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::OutOfMemory,
                "out of memory while " + std::string(what));
  }
}

}  // namespace quarry
