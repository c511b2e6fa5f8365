# What makes a cold build of flywheel take minutes rather than a quarter of an
# hour on two cores (DEVELOPERS.md, "Build time" has the measurements):
#
# - Unity builds (FLYWHEEL_UNITY, on by default): each target compiles its
#   sources in batches of FLYWHEEL_UNITY_BATCH files, so the headers and the
#   template code they share are compiled once per batch instead of once per
#   file. Turn it off while editing one file over and over.
# - Precompiled headers (FLYWHEEL_PCH, GCC only): core/precompiled.h (the
#   standard library's common headers, nlohmann/json, spdlog) is compiled once,
#   by flywheel_pch, and every C++ target reuses it; the test executables reuse
#   flywheel_test_pch, which adds Catch2. REUSE_FROM hands one .gch to targets
#   whose flags must match it: the same compile options (global here) and the
#   JSON and spdlog definitions, which flywheel_speed_up_targets links into
#   each target. The clang fuzzing build does not use them (clang refuses a
#   header built with other definitions).

option(FLYWHEEL_UNITY "Compile each target's sources in batches (unity build)" ON)
set(FLYWHEEL_UNITY_BATCH 6 CACHE STRING "Source files per unity batch")
option(FLYWHEEL_PCH "Compile the common headers once for every target (GCC)" ON)
set(FLYWHEEL_USE_PCH OFF)
if(FLYWHEEL_PCH AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(FLYWHEEL_USE_PCH ON)
  add_library(flywheel_pch OBJECT ${CMAKE_SOURCE_DIR}/core/precompiled.cpp)
  target_link_libraries(flywheel_pch PUBLIC nlohmann_json::nlohmann_json spdlog::spdlog)
  target_precompile_headers(flywheel_pch PRIVATE ${CMAKE_SOURCE_DIR}/core/precompiled.h)
endif()

function(flywheel_targets_below dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    flywheel_targets_below(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Called once every target exists. Every library and executable with C++
# sources is batched and reuses a precompiled header, except those named in
# `skip` (the shared test main defines Catch2's configuration macros before
# including it; the others are the headers' own targets).
function(flywheel_speed_up_targets)
  set(skip flywheel_pch flywheel_test_pch flywheel_test_main)
  if(FLYWHEEL_USE_PCH AND TARGET flywheel_test_main)
    add_library(flywheel_test_pch OBJECT ${CMAKE_SOURCE_DIR}/tests/precompiled.cpp)
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
    if(FLYWHEEL_UNITY)
      set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${FLYWHEEL_UNITY_BATCH})
    endif()
    if(NOT FLYWHEEL_USE_PCH)
      continue()
    endif()
    get_target_property(links ${target} LINK_LIBRARIES)
    if(TARGET flywheel_test_pch AND "flywheel_test_main" IN_LIST links)
      target_precompile_headers(${target} REUSE_FROM flywheel_test_pch)
    else()
      target_precompile_headers(${target} REUSE_FROM flywheel_pch)
    endif()
    target_link_libraries(${target} PRIVATE nlohmann_json::nlohmann_json spdlog::spdlog)
  endforeach()
endfunction()
