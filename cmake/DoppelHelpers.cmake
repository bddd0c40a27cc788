# doppel_add_library(NAME layer SOURCES ... DEPS ...): one library per layer,
# include/ public, src/ private.
function(doppel_add_layer name)
  cmake_parse_arguments(A "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  add_library(doppel::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${A_PUBLIC_DEPS} PRIVATE doppel_warnings ${A_PRIVATE_DEPS})
endfunction()

# doppel_add_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary
# registered with ctest. Tests find shared data through DOPPEL_SHARED_DATA and
# the built CLI through DOPPEL_CLI.
function(doppel_add_test name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest_main GTest::gmock doppel_warnings)
  target_compile_definitions(${name} PRIVATE
    DOPPEL_SHARED_DATA="${DOPPEL_SHARED_DATA}"
    DOPPEL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "DOPPEL_CLI=$<TARGET_FILE:doppel>"
    TIMEOUT 900)
  if(A_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${A_LABELS}")
  endif()
endfunction()

# doppel_add_bench(NAME SOURCES ... DEPS ...): a Google Benchmark binary.
function(doppel_add_bench name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} benchmark::benchmark doppel_allocator doppel_warnings)
endfunction()
