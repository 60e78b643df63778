# CTest check of the SIGILL rule (internal.h): the objects compiled with AVX2/AVX-512 flags may
# define exactly one external symbol, their table getter. Any other external definition (an
# inline function or template instantiation with external linkage) could be the copy the linker
# keeps for baseline code as well.
# Usage: cmake -DNM=<nm> -DOBJECTS=<obj1;obj2;...> -P check_isa_symbols.cmake
set(checked 0)
foreach(object ${OBJECTS})
  if(NOT object MATCHES "table_(avx2|avx512)\\.cc\\.o(bj)?$")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  execute_process(COMMAND ${NM} -g -C --defined-only ${object}
    OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  string(REGEX REPLACE "\n$" "" symbols "${symbols}")
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line ${lines})
    # DW.ref.__gxx_personality_v0 is a data pointer emitted for exception tables, not code.
    if(line MATCHES " V DW\\.ref\\.__gxx_personality_v0$")
      continue()
    endif()
    if(NOT line MATCHES " T rnnad::(avx2|avx512)KernelTable\\(\\)$")
      message(FATAL_ERROR "${object} exports a symbol besides its table getter:\n  ${line}\n"
        "Give it internal linkage (anonymous namespace) or move it to baseline code.")
    endif()
  endforeach()
endforeach()
message(STATUS "checked ${checked} ISA objects")
