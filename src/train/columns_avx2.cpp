// The column-sum kernel for 256-bit vectors with fused multiply-add, compiled for AVX2 and FMA whatever the build
// flags; columns.cpp calls it only when the CPU reports both. This file must stay free of standard-library includes
// after the pragma (src/train/columns_kernel.hpp explains why).
#include "train/columns.hpp"

#if SUBQ_X86_SIMD
#pragma GCC target("avx2,fma")
#include "train/columns_kernel.hpp"

namespace subq::train::columns::detail {
void add_avx2_fma(float *acc, const float *const *s, const float *a, int c, std::int64_t len) noexcept {
    add_kernel<float>(acc, s, a, c, len);
}
void add_avx2_fma(double *acc, const double *const *s, const double *a, int c, std::int64_t len) noexcept {
    add_kernel<double>(acc, s, a, c, len);
}
}  // namespace subq::train::columns::detail
#endif
