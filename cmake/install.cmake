# `make install` / `cmake --install build [--prefix DIR]`: the `parley` binary, the C++ client SDK
# (its static libraries and the public headers under include/parley), a CMake package
# (`find_package(Parley)`, target parley::client) and a pkg-config file (`parley-client`).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PARLEY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Parley)
# The SDK is static: everything it links goes with it. protocol and net never appear in a
# public header; they are installed only because a static library's dependencies must be.
set(PARLEY_SDK_TARGETS parley_client parley_lifecycle parley_token parley_protocol parley_net)
foreach(target ${PARLEY_SDK_TARGETS})
    string(REPLACE "parley_" "" export_name ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
endforeach()

install(TARGETS parley RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${PARLEY_SDK_TARGETS} EXPORT ParleyTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/parley DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ParleyTargets NAMESPACE parley:: DESTINATION ${PARLEY_CMAKE_DIR})

configure_package_config_file(cmake/ParleyConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/ParleyConfig.cmake INSTALL_DESTINATION ${PARLEY_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ParleyConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ParleyConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/ParleyConfigVersion.cmake DESTINATION ${PARLEY_CMAKE_DIR})

# Relocatable: the prefix is found from the .pc file's own place, so `--prefix` at install time
# works as well as CMAKE_INSTALL_PREFIX at configure time.
file(RELATIVE_PATH PARLEY_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(cmake/parley-client.pc.in ${CMAKE_CURRENT_BINARY_DIR}/parley-client.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/parley-client.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
