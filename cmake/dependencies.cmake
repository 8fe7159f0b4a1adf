# Every external dependency is found here, once. All come from Debian 12 packages
# (scripts/deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG)
find_package(spdlog REQUIRED CONFIG)
find_package(nlohmann_json 3.11 REQUIRED CONFIG)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
# CRC-32 of the completion journal's entries (controller/src/journal.cpp).
find_package(ZLIB REQUIRED)

find_package(CLI11 REQUIRED CONFIG)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
# libzip via pkg-config: Debian's libzip CMake config names tools that libzip-dev does not ship.
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
# fwd's allocator (fwd/CMakeLists.txt says why).
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
if(FW_BUILD_TESTS)
    find_package(GTest REQUIRED CONFIG)
endif()
