// The column-sum kernel for 512-bit vectors (AVX-512F, whose fused multiply-add is part of the base set), compiled
// for AVX-512F whatever the build flags and told to prefer 512-bit vectors (GCC's default tuning would otherwise use
// 256-bit ones); columns.cpp calls it only when the CPU reports AVX-512F. This file must stay free of
// standard-library includes after the pragma (src/train/columns_kernel.hpp explains why).
#include "train/columns.hpp"

#if SUBQ_X86_SIMD
#pragma GCC target("avx512f,prefer-vector-width=512")
#include "train/columns_kernel.hpp"

namespace subq::train::columns::detail {
void add_avx512(float *acc, const float *const *s, const float *a, int c, std::int64_t len) noexcept {
    add_kernel<float>(acc, s, a, c, len);
}
void add_avx512(double *acc, const double *const *s, const double *a, int c, std::int64_t len) noexcept {
    add_kernel<double>(acc, s, a, c, len);
}
}  // namespace subq::train::columns::detail
#endif
