# Instruments every target of this build for libFuzzer (`fuzzer-no-link`: coverage counters,
# without libFuzzer's main) and checks it with ASan and UBSan; fuzz/ links the fuzz targets with
# libFuzzer itself. The same build runs the test suites under ASan+UBSan (tools/sanitize
# address), so UBSan stays recoverable: a non-recoverable check dies even on a suppressed report.
# tools/fuzz and tools/sanitize set UBSAN_OPTIONS=halt_on_error=1, so every report that is not
# suppressed still stops the run (and the fuzzer counts it as a crash).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "BOA_FUZZ needs clang (libFuzzer is part of it): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++, in a build dir of its own")
endif()
set(BOA_FUZZ_SANITIZERS "-fsanitize=address,undefined")
add_compile_options(-fsanitize=fuzzer-no-link ${BOA_FUZZ_SANITIZERS} -fno-omit-frame-pointer)
add_link_options(${BOA_FUZZ_SANITIZERS})
