# `boasim check` from the command line, as the soak calls it: an empty record passes (exit 0), a
# started job with no archived end fails naming it (exit 1), a malformed started list is an input
# error naming its line (exit 2).
set(dir ${CMAKE_CURRENT_BINARY_DIR}/boasim_check_files)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${dir}/none "")
file(WRITE ${dir}/lost "lost-1\n")
file(WRITE ${dir}/malformed "ok-1 timeout\nok-2 sometimes\n")

function(expect started rc pattern)
  execute_process(COMMAND ${BOASIM} check --started ${dir}/${started} --archive ${dir}/none
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE got)
  if(NOT got EQUAL ${rc} OR NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "boasim check --started ${started}: exit ${got}, wanted ${rc} and "
                        "'${pattern}':\n${out}${err}")
  endif()
endfunction()

expect(none 0 "PASS")
expect(lost 1 "violation: job lost-1 never ended \\(lost\\)")
expect(malformed 2 "line 2: unknown word 'sometimes'")
message(STATUS "boasim check: pass, lost job and malformed list told apart")
