# One warning list for every greenlight target; never through CMAKE_CXX_FLAGS.
# -Wnull-dereference is left out: at -O2 it fires inside inlined Boost.Asio and libstdc++ code
# (false positives we cannot fix), burying real warnings in the build log.
set(GREENLIGHT_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough)

# clang 16 implements the C++20 concepts that libstdc++ 12's <expected> needs but still reports
# __cpp_concepts as 201907L, which hides std::expected; clang 17 reports 202002L.
set(GREENLIGHT_CLANG16_COMPAT)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 17)
  set(GREENLIGHT_CLANG16_COMPAT -D__cpp_concepts=202002L -Wno-macro-redefined)
endif()

# GREENLIGHT_FUZZ instruments every greenlight library for libFuzzer (coverage, no main) with
# ASan+UBSan; the fuzz targets in tests/fuzz add -fsanitize=fuzzer.
if(GREENLIGHT_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GREENLIGHT_FUZZ needs clang (e.g. CC=clang-16 CXX=clang++-16)")
endif()

# greenlight_target_defaults(TARGET): standard, warnings and sanitizers for one of our targets.
function(greenlight_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_23)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${GREENLIGHT_WARNINGS}>)
  target_compile_options(${target} PUBLIC $<$<COMPILE_LANGUAGE:CXX>:${GREENLIGHT_CLANG16_COMPAT}>)
  if(GREENLIGHT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(GREENLIGHT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(GREENLIGHT_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
