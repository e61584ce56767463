# The library's rooms (DEVELOPERS.md "Layout"), one static library per folder, and the
# compiler as the guard of who may include whom.
#
# Every source file includes our headers by their path from the project root
# ("jit/lowering.hpp"). A room is not given the project root as an include directory: it
# gets its own folder under ${CMAKE_BINARY_DIR}/layers/<room>/ holding one symbolic link per
# folder it may see (its own and every folder of the rooms it links, transitively):
#
#   build/layers/helpers/
#       isa        -> <source>/isa
#       engine_abi -> <source>/engine_abi
#       runtime/maps -> <source>/runtime/maps    (runtime/ itself is NOT visible)
#       helpers    -> <source>/helpers
#
# so `#include "jit/..."` in helpers/ is "No such file or directory": a forbidden include,
# and with it a cycle, fails to build. Linking follows the same order, so a function
# defined above a room and declared by hand inside it fails to link.
#
# White-box consumers of the whole library (tests, bench) link the umbrella `ebpfjit`, which
# adds the project root and include/. The tools link `ebpfjit_public` and see include/, the
# packet library's packet/include/ and their own view (ebpfjit_view): an embedder's view.

set(EBPFJIT_LAYERS_DIR "${CMAKE_BINARY_DIR}/layers")

# ebpfjit_layer(<room> FOLDER <dir> [LINKS <rooms...>] [EXCLUDE <dirs...>])
# Target ebpfjit_<room> from every .cpp under <dir> except under the EXCLUDEd folders
# (nested rooms: runtime/ excludes runtime/maps). Sees <dir> and what its LINKS see.
function(ebpfjit_layer room)
  cmake_parse_arguments(PARSE_ARGV 1 L "" "FOLDER" "LINKS;EXCLUDE")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${L_FOLDER}/*.cpp)
  foreach(excluded IN LISTS L_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "^${CMAKE_SOURCE_DIR}/${excluded}/")
  endforeach()

  set(visible ${L_FOLDER})
  set(link_targets "")
  foreach(lower IN LISTS L_LINKS)
    get_property(lower_visible GLOBAL PROPERTY EBPFJIT_LAYER_FOLDERS_${lower})
    if(NOT lower_visible)
      message(FATAL_ERROR "ebpfjit_layer(${room}): room '${lower}' is not defined yet (define rooms bottom-up)")
    endif()
    list(APPEND visible ${lower_visible})
    list(APPEND link_targets ebpfjit_${lower})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  list(SORT visible) # "runtime" before "runtime/maps": a whole folder wins over its part
  set_property(GLOBAL PROPERTY EBPFJIT_LAYER_FOLDERS_${room} "${visible}")

  ebpfjit_stage_view(${room} "${visible}")
  set(stage ${EBPFJIT_LAYERS_DIR}/${room})

  add_library(ebpfjit_${room} STATIC ${sources})
  target_include_directories(ebpfjit_${room} PRIVATE ${stage} ${CMAKE_SOURCE_DIR}/include)
  target_compile_options(ebpfjit_${room} PRIVATE ${EBPFJIT_WARNINGS})
  target_link_libraries(ebpfjit_${room} PUBLIC ${link_targets})
  set_target_properties(ebpfjit_${room} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(EBPFJIT_PCH)
    # One library PCH (standard, fmt, spdlog headers), built by the lowest room.
    if(room STREQUAL "isa")
      target_precompile_headers(ebpfjit_isa PRIVATE
        "$<$<COMPILE_LANGUAGE:CXX>:${CMAKE_SOURCE_DIR}/cmake/pch/library.hpp>")
    else()
      target_precompile_headers(ebpfjit_${room} REUSE_FROM ebpfjit_isa)
    endif()
  endif()
endfunction()

# ebpfjit_stage_view(<name> <folders>): ${EBPFJIT_LAYERS_DIR}/<name>/ with one symbolic
# link per folder (a folder's part, like runtime/maps, as a link inside a real folder).
function(ebpfjit_stage_view name visible)
  # The view of the source tree; links from an earlier configure are dropped first
  # (only the links: file(REMOVE) on a link never touches what it points to).
  set(stage ${EBPFJIT_LAYERS_DIR}/${name})
  file(GLOB old_links LIST_DIRECTORIES true ${stage}/* ${stage}/*/*)
  foreach(entry IN LISTS old_links)
    if(IS_SYMLINK ${entry})
      file(REMOVE ${entry})
    endif()
  endforeach()
  foreach(entry IN LISTS old_links)
    if(IS_DIRECTORY ${entry} AND NOT IS_SYMLINK ${entry})
      file(REMOVE_RECURSE ${entry}) # a parent made for a nested folder; its links are gone
    endif()
  endforeach()
  set(linked "")
  foreach(folder IN LISTS visible)
    string(REGEX MATCH "^[^/]+" top ${folder})
    if(top IN_LIST linked)
      continue() # runtime/maps inside an already visible runtime/
    endif()
    get_filename_component(parent ${stage}/${folder} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${folder} ${stage}/${folder} SYMBOLIC)
    if(folder STREQUAL top)
      list(APPEND linked ${folder})
    endif()
  endforeach()
endfunction()

# ebpfjit_view(<name> FOLDERS <dirs...>): the include view of a consumer outside the rooms
# (tools/): exactly these folders of the source tree, nothing else of the project root.
function(ebpfjit_view name)
  cmake_parse_arguments(PARSE_ARGV 1 V "" "" "FOLDERS")
  set(visible ${V_FOLDERS})
  list(SORT visible)
  ebpfjit_stage_view(${name} "${visible}")
endfunction()
