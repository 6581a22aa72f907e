# Instruments every target of this build for libFuzzer (`fuzzer-no-link`: coverage counters,
# without libFuzzer's main) and checks it with ASan and UBSan; fuzz/ links the fuzz targets with
# libFuzzer itself. UBSan findings abort, so that the fuzzer reports them as crashes.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "BOA_FUZZ needs clang (libFuzzer is part of it): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++, in a build dir of its own")
endif()
set(BOA_FUZZ_SANITIZERS "-fsanitize=address,undefined")
add_compile_options(-fsanitize=fuzzer-no-link ${BOA_FUZZ_SANITIZERS}
                    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_link_options(${BOA_FUZZ_SANITIZERS})
