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

# Quarry::rocksdb_for_build: what the build's own targets link for RocksDB. With
# QUARRY_ROCKSDB_STATIC (set by CMakeLists.txt; never in an installed package, which always names
# the shared Quarry::rocksdb), executables link Debian's static librocksdb.a and shared
# libraries keep the shared one. Why (bench/README.md, "Read path"): through the shared library
# every access to RocksDB's thread-local state (perf and I/O contexts, touched on every Seek and
# Next) goes through __tls_get_addr, and every call between RocksDB's own files through the PLT;
# linked into an executable, the thread-local accesses become plain offsets from the thread
# pointer. A shared library (libquarry_c, which Python loads with dlopen) cannot take the archive:
# its objects are built for executables (PIE, initial-exec TLS).
if(QUARRY_ROCKSDB_STATIC AND NOT TARGET Quarry::rocksdb_static)
  find_library(QUARRY_ROCKSDB_STATIC_LIBRARY NAMES librocksdb.a)
  set(quarry_rocksdb_static_deps)
  # librocksdb.a's own dependencies (Debian's librocksdb-dev depends on their -dev packages).
  foreach(dep snappy lz4 zstd bz2 z)
    find_library(QUARRY_${dep}_LIBRARY ${dep})
    if(QUARRY_${dep}_LIBRARY)
      list(APPEND quarry_rocksdb_static_deps ${QUARRY_${dep}_LIBRARY})
    else()
      set(QUARRY_ROCKSDB_STATIC_LIBRARY QUARRY_ROCKSDB_STATIC_LIBRARY-NOTFOUND)
    endif()
  endforeach()
  if(QUARRY_ROCKSDB_STATIC_LIBRARY)
    add_library(Quarry::rocksdb_static INTERFACE IMPORTED)
    set_target_properties(Quarry::rocksdb_static PROPERTIES
      INTERFACE_LINK_LIBRARIES "${QUARRY_ROCKSDB_STATIC_LIBRARY};${quarry_rocksdb_static_deps};Threads::Threads;${CMAKE_DL_LIBS}"
      INTERFACE_INCLUDE_DIRECTORIES "${QUARRY_ROCKSDB_INCLUDE_DIR}")
  else()
    message(STATUS "QUARRY_ROCKSDB_STATIC: librocksdb.a or one of its dependencies not found; linking the shared library")
  endif()
endif()
if(NOT TARGET Quarry::rocksdb_for_build AND TARGET Quarry::rocksdb)
  add_library(Quarry::rocksdb_for_build INTERFACE IMPORTED)
  if(TARGET Quarry::rocksdb_static)
    set_target_properties(Quarry::rocksdb_for_build PROPERTIES INTERFACE_LINK_LIBRARIES
      "$<IF:$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>,Quarry::rocksdb_static,Quarry::rocksdb>")
  else()
    set_target_properties(Quarry::rocksdb_for_build PROPERTIES INTERFACE_LINK_LIBRARIES Quarry::rocksdb)
  endif()
endif()
