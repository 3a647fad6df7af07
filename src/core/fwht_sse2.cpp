// FWHT kernel for 128-bit vectors (SSE2, the x86-64 baseline). See src/core/fwht_kernel.hpp.
#include "core/fwht.hpp"

#if SUBQ_FWHT_X86
#define SUBQ_FWHT_VBYTES 16
#include "core/fwht_kernel.hpp"

namespace subq::fwht::detail {
void transform_sse2(double *x, std::int64_t n) noexcept { Kernel<double>::transform(x, n); }
void transform_sse2(float *x, std::int64_t n) noexcept { Kernel<float>::transform(x, n); }
}  // namespace subq::fwht::detail
#endif
