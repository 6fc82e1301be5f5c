# Install rules of the C++ SDK (component "sdk"): headers, libtracelake.so, the CMake package
# (find_package(tracelake) -> tracelake::tracelake) and tracelake.pc.
#   cmake --install <build> --component sdk --prefix /usr/local
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS tracelake_sdk EXPORT tracelakeTargets COMPONENT sdk
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tracelake
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk
        FILES_MATCHING PATTERN "*.h")
install(EXPORT tracelakeTargets NAMESPACE tracelake::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tracelake COMPONENT sdk)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tracelakeConfig.cmake.in
  ${CMAKE_BINARY_DIR}/sdk-package/tracelakeConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tracelake)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sdk-package/tracelakeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/sdk-package/tracelakeConfig.cmake
              ${CMAKE_BINARY_DIR}/sdk-package/tracelakeConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tracelake COMPONENT sdk)

# pkg-config: prefix-relative paths (from the .pc file's own folder), so the prefix given to
# `cmake --install --prefix` and moving the tree later both work.
file(RELATIVE_PATH TRACELAKE_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${PROJECT_SOURCE_DIR}/cmake/tracelake.pc.in
               ${CMAKE_BINARY_DIR}/sdk-package/tracelake.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/sdk-package/tracelake.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sdk)
