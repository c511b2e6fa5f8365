# Precompiled headers for the GCC build: core/precompiled.h (the standard
# library's common headers, nlohmann/json, spdlog) is compiled once, by
# flywheel_pch, and every C++ target of the build reuses it; the test
# executables reuse flywheel_test_pch, which adds Catch2. Parsing those
# headers was about a third of a typical unit's compile time (DEVELOPERS.md,
# "Build time").
#
# REUSE_FROM hands one .gch to targets whose flags must match it: the same
# compile options (global here) and the JSON and spdlog definitions, which
# flywheel_use_precompiled links into each target. The clang fuzzing build
# does not use them (clang refuses a header built with other definitions).

add_library(flywheel_pch OBJECT ${CMAKE_SOURCE_DIR}/core/precompiled.cpp)
target_link_libraries(flywheel_pch PUBLIC nlohmann_json::nlohmann_json spdlog::spdlog)
target_precompile_headers(flywheel_pch PRIVATE ${CMAKE_SOURCE_DIR}/core/precompiled.h)

function(flywheel_targets_below dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    flywheel_targets_below(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Every library and executable with C++ sources reuses a precompiled header,
# except those named in `skip` (which define Catch2's configuration macros
# before including it, or are the header's own targets).
function(flywheel_use_precompiled)
  set(skip flywheel_pch flywheel_test_pch flywheel_test_main)
  if(TARGET flywheel_test_main)
    add_library(flywheel_test_pch OBJECT ${CMAKE_SOURCE_DIR}/tests/precompiled.cpp)
    target_include_directories(flywheel_test_pch PRIVATE ${CMAKE_SOURCE_DIR})
    target_link_libraries(flywheel_test_pch PUBLIC nlohmann_json::nlohmann_json spdlog::spdlog flywheel_test_main)
    target_precompile_headers(flywheel_test_pch PRIVATE ${CMAKE_SOURCE_DIR}/tests/precompiled.h)
  endif()
  flywheel_targets_below(${CMAKE_SOURCE_DIR} targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$" OR target IN_LIST skip)
      continue()
    endif()
    get_target_property(sources ${target} SOURCES)
    list(FILTER sources INCLUDE REGEX "\\.cpp$")
    if(NOT sources)
      continue()
    endif()
    get_target_property(links ${target} LINK_LIBRARIES)
    if(TARGET flywheel_test_pch AND ("flywheel_test_main" IN_LIST links))
      target_precompile_headers(${target} REUSE_FROM flywheel_test_pch)
    else()
      target_precompile_headers(${target} REUSE_FROM flywheel_pch)
    endif()
    target_link_libraries(${target} PRIVATE nlohmann_json::nlohmann_json spdlog::spdlog)
  endforeach()
endfunction()
