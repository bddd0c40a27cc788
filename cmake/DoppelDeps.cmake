# Third-party libraries, all from Debian packages (scripts/install-deps.sh).
# Each is used by one layer only; see docs/architecture.md.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# kernels
find_package(hwy CONFIG REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

# core
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
find_package(tomlplusplus CONFIG QUIET)
if(NOT TARGET tomlplusplus::tomlplusplus)
  pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
  add_library(tomlplusplus::tomlplusplus ALIAS PkgConfig::TOMLPP)
endif()
find_library(PHONENUMBER_LIB phonenumber REQUIRED)
find_path(PHONENUMBER_INCLUDE phonenumbers/phonenumberutil.h REQUIRED)
add_library(doppel_phonenumber INTERFACE)
# The offline geocoder (fixed-line regions, for call-list time zones) needs
# its own library and ICU.
find_library(GEOCODING_LIB geocoding REQUIRED)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc icu-i18n)
target_link_libraries(doppel_phonenumber INTERFACE ${GEOCODING_LIB} ${PHONENUMBER_LIB} PkgConfig::ICU)
target_include_directories(doppel_phonenumber SYSTEM INTERFACE ${PHONENUMBER_INCLUDE})

# storage
find_package(RocksDB CONFIG REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)  # audit hashes, later encryption at rest

# service
find_package(cppzmq CONFIG REQUIRED)
find_path(MSGPACK_INCLUDE msgpack.hpp REQUIRED)  # header-only; used without Boost

# the command line
find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  find_path(CLI11_INCLUDE CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE})
endif()

# The programs' allocator (doppel, doppeld, the benches; not the libraries or
# the tests). Normalizing a record makes a few dozen small strings, and
# jemalloc's thread caches serve them faster than glibc's malloc: read and
# normalize 9-10% faster at 1M records on one thread, 23% on two, for 2-7%
# more peak RSS (docs/performance.md). The sanitizers bring their own malloc.
add_library(doppel_allocator INTERFACE)
set(DOPPEL_ALLOCATOR_USED system)
if(NOT DOPPEL_ALLOCATOR STREQUAL "system" AND NOT (DOPPEL_SANITIZE OR DOPPEL_TSAN OR DOPPEL_FUZZ))
  pkg_check_modules(JEMALLOC QUIET IMPORTED_TARGET jemalloc)
  if(JEMALLOC_FOUND)
    target_link_libraries(doppel_allocator INTERFACE PkgConfig::JEMALLOC)
    set(DOPPEL_ALLOCATOR_USED "jemalloc ${JEMALLOC_VERSION}")
  elseif(DOPPEL_ALLOCATOR STREQUAL "jemalloc")
    message(FATAL_ERROR "DOPPEL_ALLOCATOR=jemalloc, but jemalloc was not found (apt install libjemalloc-dev)")
  endif()
elseif(DOPPEL_ALLOCATOR STREQUAL "jemalloc")
  message(FATAL_ERROR "DOPPEL_ALLOCATOR=jemalloc cannot be combined with the sanitizers")
endif()
target_compile_definitions(doppel_allocator INTERFACE DOPPEL_ALLOCATOR_NAME="${DOPPEL_ALLOCATOR_USED}")

# tests and benches
if(DOPPEL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(DOPPEL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
