// The inner loop of the sparse forward pass (Network::gather_forward): a short sum of scaled columns added into
// an accumulator, acc[r] <- fma(a[c-1], s[c-1][r], ... fma(a[1], s[1][r], fma(a[0], s[0][r], acc[r]))) for c = 1..8
// columns: one fused multiply-add per column, in that order. An FMA is rounded once, as IEEE 754 specifies, so every
// code path gives the same bits as the plain sequential loop with std::fma.
//
// Paths: portable (the compiler's code for the build's target; on x86-64 without -march each fma is a call to the C
// library's, so this path is slow there and serves as the reference), AVX2 + FMA (256-bit vectors) and AVX-512F
// (512-bit vectors), each compiled with `#pragma GCC target` and used only when the CPU reports its instruction sets.
// Fusing halves the arithmetic instructions per element against a separate multiply and add, and 512-bit vectors
// halve them again (benchmarks/RESULTS.md, "Training: one sparse iteration against the dense baseline").
//
// Thread safety: reentrant; distinct accumulators may be updated concurrently.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"

namespace subq::train::columns {

enum class Path : int {
    kAuto = 0,      // the widest path this CPU supports (what gather_forward uses)
    kPortable = 1,  // plain loops, compiled for the build's target
    kAvx2Fma = 2,   // 256-bit vectors, only if the CPU reports AVX2 and FMA
    kAvx512 = 3,    // 512-bit vectors, only if the CPU reports AVX-512F
};

bool path_supported(Path p) noexcept;
Path best_path() noexcept;  // what kAuto resolves to: kAvx512, else kAvx2Fma, else kPortable

// acc[0..len) as above; s[0..c) point to columns of at least len entries, none overlapping acc. An unsupported path
// or c outside [1, kMaxColumns] throws SUBQ_ERR_INVALID_ARG.
void add(Path p, float *acc, const float *const *s, const float *a, int c, std::int64_t len);
void add(Path p, double *acc, const double *const *s, const double *a, int c, std::int64_t len);

// The most columns one call adds (a sweep over the accumulator).
inline constexpr int kMaxColumns = 8;

namespace detail {
#if SUBQ_X86_SIMD
// src/train/columns_avx2.cpp; call only if cpu_has_avx2_fma().
void add_avx2_fma(float *acc, const float *const *s, const float *a, int c, std::int64_t len) noexcept;
void add_avx2_fma(double *acc, const double *const *s, const double *a, int c, std::int64_t len) noexcept;
// src/train/columns_avx512.cpp; call only if cpu_has_avx512f().
void add_avx512(float *acc, const float *const *s, const float *a, int c, std::int64_t len) noexcept;
void add_avx512(double *acc, const double *const *s, const double *a, int c, std::int64_t len) noexcept;
#endif
}  // namespace detail

}  // namespace subq::train::columns
