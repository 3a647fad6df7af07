// The inner loop of the sparse forward pass (Network::gather_forward): a short sum of scaled columns added into
// an accumulator, acc[r] <- (((acc[r] + a[0] s[0][r]) + a[1] s[1][r]) + ...) for c = 1..8 columns, each
// multiplication and addition rounded on its own, in that order (no fused multiply-add), so that every code path
// gives the same bits as the plain sequential loop.
//
// Paths: portable (SSE2 on x86-64, whatever the compiler vectorises elsewhere) and AVX2 (compiled with
// `#pragma GCC target("avx2")`, which does not enable FMA, and used only when cpu_has_avx2()). The AVX2 path halves
// the instructions per element (benchmarks/RESULTS.md, "Training: one sparse iteration against the dense baseline").
//
// Thread safety: reentrant; distinct accumulators may be updated concurrently.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"

namespace subq::train::columns {

enum class Path : int {
    kAuto = 0,      // the best path this CPU supports (what gather_forward uses)
    kPortable = 1,  // plain loops, compiled for the build's target
    kAvx2 = 2,      // 256-bit vectors, only if the CPU reports AVX2
};

bool path_supported(Path p) noexcept;

// acc[0..len) as above; s[0..c) point to columns of at least len entries, none overlapping acc. An unsupported path
// or c outside [1, kMaxColumns] throws SUBQ_ERR_INVALID_ARG.
void add(Path p, float *acc, const float *const *s, const float *a, int c, std::int64_t len);
void add(Path p, double *acc, const double *const *s, const double *a, int c, std::int64_t len);

// The most columns one call adds (a sweep over the accumulator).
inline constexpr int kMaxColumns = 8;

namespace detail {
#if SUBQ_X86_SIMD
// src/train/columns_avx2.cpp; call only if cpu_has_avx2().
void add_avx2(float *acc, const float *const *s, const float *a, int c, std::int64_t len) noexcept;
void add_avx2(double *acc, const double *const *s, const double *a, int c, std::int64_t len) noexcept;
#endif
}  // namespace detail

}  // namespace subq::train::columns
