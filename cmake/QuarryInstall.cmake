# Install rules: `cmake --install BUILD [--prefix P]` puts
#   P/include/quarry/...                 the public C++ headers (<quarry/quarry.hpp>)
#   P/include/quarry.h                   the C API (with QUARRY_BUILD_C_API)
#   P/lib/libquarry_*.a                  the layer libraries; libquarry_c.so (C API)
#   P/lib/cmake/Quarry/                  the CMake package: find_package(Quarry CONFIG) gives
#                                        Quarry::quarry (C++) and Quarry::quarry_c (C)
#   P/lib/pkgconfig/quarry.pc            for builds without CMake (and quarry-c.pc for the C API)
#   P/bin/quarry                         the command (with QUARRY_BUILD_TOOLS)
#   P/lib/python3/dist-packages/quarry   the Python module (with QUARRY_BUILD_PYTHON)
# (lib is CMAKE_INSTALL_LIBDIR: lib/x86_64-linux-gnu when the prefix is /usr on Debian.)
include(CMakePackageConfigHelpers)

set(QUARRY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Quarry)
set(quarry_layers quarry_codec quarry_storage quarry_index quarry_tx quarry_query quarry_api)

install(DIRECTORY api/include/quarry codec/include/quarry storage/include/quarry index/include/quarry
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(TARGETS ${quarry_layers} quarry_library EXPORT QuarryTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET quarry_c)
  install(FILES capi/include/quarry.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(TARGETS quarry_c EXPORT QuarryTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET quarry)
  install(TARGETS quarry RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT QuarryTargets NAMESPACE Quarry:: DESTINATION ${QUARRY_CMAKE_DIR})
configure_package_config_file(cmake/QuarryConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/QuarryConfig.cmake
                              INSTALL_DESTINATION ${QUARRY_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/QuarryConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/QuarryConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/QuarryConfigVersion.cmake
              cmake/QuarryDependencies.cmake
        DESTINATION ${QUARRY_CMAKE_DIR})

# pkg-config: the layer libraries in link order, then what they need. The prefix is found from the
# .pc file's own place (${pcfiledir}), so `cmake --install --prefix P` and a moved tree both work.
file(RELATIVE_PATH QUARRY_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(QUARRY_PC_LIBS "")
foreach(layer quarry_api quarry_tx quarry_query quarry_index quarry_storage quarry_codec)
  string(APPEND QUARRY_PC_LIBS " -l${layer}")
endforeach()
set(QUARRY_PC_LIBS_PRIVATE "-lrocksdb -lre2 -pthread")
configure_file(cmake/quarry.pc.in ${CMAKE_CURRENT_BINARY_DIR}/quarry.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/quarry.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(TARGET quarry_c)
  configure_file(cmake/quarry-c.pc.in ${CMAKE_CURRENT_BINARY_DIR}/quarry-c.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/quarry-c.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
