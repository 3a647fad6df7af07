# Fails unless README.md quotes examples/readme_example.c verbatim (so the README's code is the compiled code).
# Usage: cmake -DREADME=README.md -DEXAMPLE=examples/readme_example.c -P check_readme.cmake
cmake_minimum_required(VERSION 3.25)
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "```c\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not quote ${EXAMPLE} verbatim in a ```c block; update one from the other")
endif()
message(STATUS "README.md quotes ${EXAMPLE} verbatim")
