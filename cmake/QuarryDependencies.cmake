# The system libraries Quarry links, as imported targets. Used by the build (CMakeLists.txt) and by
# the installed package (QuarryConfig.cmake), so a program that links Quarry::quarry gets them too.
#   Quarry::rocksdb  RocksDB (Debian: librocksdb-dev)  — storage/rocks_store.cpp
#   Quarry::re2      RE2 (Debian: libre2-dev)          — query/builtins/builtins_regex.cpp
# Debian's RocksDB also ships a CMake package, but it requires gflags, Snappy, LZ4 and zstd
# packages at find time; the library found directly links the same way with none of that.
include_guard(GLOBAL)

function(quarry_import_library target library header)
  if(TARGET ${target})
    return()
  endif()
  string(TOUPPER "${library}" upper)
  find_library(QUARRY_${upper}_LIBRARY ${library})
  find_path(QUARRY_${upper}_INCLUDE_DIR ${header})
  if(NOT QUARRY_${upper}_LIBRARY OR NOT QUARRY_${upper}_INCLUDE_DIR)
    set(QUARRY_DEPENDENCY_MISSING "${library} (${header})" PARENT_SCOPE)
    return()
  endif()
  add_library(${target} UNKNOWN IMPORTED)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${QUARRY_${upper}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${QUARRY_${upper}_INCLUDE_DIR}")
endfunction()

quarry_import_library(Quarry::rocksdb rocksdb rocksdb/db.h)
quarry_import_library(Quarry::re2 re2 re2/re2.h)
