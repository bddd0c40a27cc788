# Warnings and sanitizers for every Doppel target (not for third-party code).
add_library(doppel_warnings INTERFACE)
target_compile_options(doppel_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)

if(DOPPEL_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=address,undefined)
endif()

if(DOPPEL_TSAN)
  if(DOPPEL_SANITIZE)
    message(FATAL_ERROR "DOPPEL_TSAN and DOPPEL_SANITIZE cannot be combined")
  endif()
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=thread> $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=thread)
endif()

# libFuzzer targets (tests/fuzz): every Doppel object gets coverage
# instrumentation and ASan+UBSan; only the fuzz executables link libFuzzer.
if(DOPPEL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DOPPEL_FUZZ needs clang: cmake -DCMAKE_CXX_COMPILER=clang++ ...")
  endif()
  if(DOPPEL_SANITIZE OR DOPPEL_TSAN)
    message(FATAL_ERROR "DOPPEL_FUZZ brings its own sanitizers; drop DOPPEL_SANITIZE/DOPPEL_TSAN")
  endif()
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=address,undefined)
endif()
