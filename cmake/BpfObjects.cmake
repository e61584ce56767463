# Compiling BPF C sources with clang -target bpf: the one set of flags for tests, examples
# and the benchmark programs.
# BPF objects are portable, so even a cross build uses the host's clang and headers:
# <linux/bpf.h> and <asm/...> come from the host's multiarch include directory.
execute_process(COMMAND gcc -dumpmachine OUTPUT_VARIABLE _ebpfjit_host_triple
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _ebpfjit_triple_status)
if(NOT _ebpfjit_triple_status EQUAL 0 OR NOT _ebpfjit_host_triple)
  set(_ebpfjit_host_triple ${CMAKE_LIBRARY_ARCHITECTURE})
endif()
set(EBPFJIT_BPF_CFLAGS -O2 -g -target bpf -Wall -Werror
    -idirafter /usr/include -idirafter /usr/include/${_ebpfjit_host_triple})

# ebpfjit_add_bpf_objects(<target> <output dir> <sources...>): one <stem>.o per source in
# <output dir>, built by the custom target <target>.
function(ebpfjit_add_bpf_objects target output_dir)
  set(objects)
  foreach(src ${ARGN})
    get_filename_component(stem ${src} NAME_WE)
    set(obj ${output_dir}/${stem}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${output_dir}
      COMMAND ${EBPFJIT_BPF_CLANG} ${EBPFJIT_BPF_CFLAGS} -c ${src} -o ${obj}
      DEPENDS ${src}
      COMMENT "BPF object ${stem}.o"
      VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  add_custom_target(${target} DEPENDS ${objects})
endfunction()
