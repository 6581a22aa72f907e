# Every dependency comes from a Debian package (tools/install-deps). CAF and Proton ship no CMake
# config (and Proton's .pc file is broken on Debian), so they become imported targets here.
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json unit_test_framework)
find_package(RocksDB CONFIG REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
# libpq (libpq-dev), the C client, for the PostgreSQL archive: libpqxx is not used because the
# machines boa builds on need not have it, and the little SQL the archive runs needs no more.
find_package(PostgreSQL REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)

function(boa_import_library target header library)
  find_path(${target}_INCLUDE_DIR ${header} REQUIRED)
  find_library(${target}_LIBRARY ${library} REQUIRED)
  add_library(${target} UNKNOWN IMPORTED)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${${target}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${target}_INCLUDE_DIR}")
endfunction()

boa_import_library(caf::core caf/all.hpp caf_core)
boa_import_library(caf::io caf/io/all.hpp caf_io)
boa_import_library(proton::cpp proton/container.hpp qpid-proton-cpp)
set_property(TARGET caf::core PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
