# One warning list for every greenlight target; never through CMAKE_CXX_FLAGS.
# -Wnull-dereference is left out: at -O2 it fires inside inlined Boost.Asio and libstdc++ code
# (false positives we cannot fix), burying real warnings in the build log.
set(GREENLIGHT_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough)

# greenlight_target_defaults(TARGET): standard, warnings and sanitizers for one of our targets.
function(greenlight_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_23)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${GREENLIGHT_WARNINGS}>)
  if(GREENLIGHT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(GREENLIGHT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
