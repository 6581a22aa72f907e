# Sourced by tools/fuzz and tools/sanitize: the clang builds they share.

# clang_links FLAGS...: whether clang++ is installed and links a trivial program with FLAGS, i.e.
# whether the sanitizer or libFuzzer runtime those flags need is there (Debian package
# libclang-rt-14-dev; clang alone does not bring it).
clang_links() {
  command -v clang++ >/dev/null || return 1
  local probe_dir status
  probe_dir=$(mktemp -d "${TMPDIR:-/tmp}/boa-clang-probe.XXXXXX")
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }
#ifndef BOA_PROBE_FUZZER
int main() { return 0; }
#endif' >"$probe_dir/probe.cpp"
  status=0
  clang++ "$@" "$probe_dir/probe.cpp" -o "$probe_dir/probe" >"$probe_dir/log" 2>&1 || status=1
  rm -rf "$probe_dir"
  return "$status"
}

# configure_fuzz_build DIR: the clang build with libFuzzer coverage, ASan and UBSan on every
# target (BOA_FUZZ, cmake/fuzzing.cmake). tools/fuzz builds its targets there and
# `tools/sanitize address` the test suites, so one instrumented build serves both.
configure_fuzz_build() {
  local dir=$1 launcher=()
  [ -f "$dir/CMakeCache.txt" ] && return 0
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DBOA_FUZZ=ON "${launcher[@]}" >/dev/null
}

# The sanitizer runtimes' options: every report that is not suppressed stops the process (UBSan
# is compiled recoverable so that its suppressions can apply at all), with a stack trace.
export_sanitizer_options() {
  local supp=$PWD/tools/sanitizers
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
}
