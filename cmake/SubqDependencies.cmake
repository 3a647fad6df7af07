# Finds subq's dependencies from Debian packages and bundles them in the interface target `subq_deps`.
# Every failure names the Debian package that provides the missing piece.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "subq: pkg-config not found. Install it with: apt-get install pkg-config")
endif()

function(subq_require_pkg target module debian_package)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "subq: pkg-config module '${module}' not found. "
                        "Install the Debian package: apt-get install ${debian_package}")
  endif()
endfunction()

subq_require_pkg(SUBQ_OPENBLAS openblas libopenblas-dev)
subq_require_pkg(SUBQ_LAPACKE lapacke liblapacke-dev)
subq_require_pkg(SUBQ_FFTW3 fftw3 libfftw3-dev)
subq_require_pkg(SUBQ_FFTW3F fftw3f libfftw3-dev)

find_package(OpenMP QUIET COMPONENTS CXX)
if(NOT OpenMP_CXX_FOUND)
  message(FATAL_ERROR "subq: OpenMP for C++ not found. Install the Debian package: apt-get install libgomp1 "
                      "(it comes with g++; for clang: apt-get install libomp-dev)")
endif()
find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  message(FATAL_ERROR "subq: zlib not found. Install the Debian package: apt-get install zlib1g-dev")
endif()
find_package(Threads REQUIRED)

add_library(subq_deps INTERFACE)
target_link_libraries(subq_deps INTERFACE PkgConfig::SUBQ_OPENBLAS PkgConfig::SUBQ_LAPACKE
  PkgConfig::SUBQ_FFTW3 PkgConfig::SUBQ_FFTW3F OpenMP::OpenMP_CXX ZLIB::ZLIB Threads::Threads m)
