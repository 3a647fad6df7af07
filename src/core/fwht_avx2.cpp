// FWHT kernel for 256-bit vectors, compiled for AVX2 whatever the build flags; fwht.cpp calls it only when the
// CPU reports AVX2 (__builtin_cpu_supports). This file must stay free of standard-library includes after the
// pragma (src/core/fwht_kernel.hpp explains why). See src/core/fwht_kernel.hpp.
#include "core/fwht.hpp"

#if SUBQ_FWHT_X86
#pragma GCC target("avx2")
#define SUBQ_FWHT_VBYTES 32
#include "core/fwht_kernel.hpp"

namespace subq::fwht::detail {
void transform_avx2(double *x, std::int64_t n) noexcept { Kernel<double>::transform(x, n); }
void transform_avx2(float *x, std::int64_t n) noexcept { Kernel<float>::transform(x, n); }
}  // namespace subq::fwht::detail
#endif
