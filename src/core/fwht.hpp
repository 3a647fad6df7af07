// Fast Walsh–Hadamard transform (design/algorithms.md §1): the kernel under SRHT, TensorSRHT and the tree sketches.
//
// Convention: unnormalised, H_1 = [1], H_2k = [[H_k, H_k], [H_k, -H_k]], so H_n H_n = n I and a transform costs
// n log2 n additions. The result is computed by the fixed radix-2 butterfly network (levels with stride 1, 2, 4,
// ..., n/2 in that order; each butterfly writes (a + b, a - b)). Every code path (scalar, SSE2, AVX2) evaluates
// exactly that network, only scheduled differently, so results are bit-identical across paths, machines and
// batching (for non-NaN inputs; a NaN input gives NaN outputs, whose payload/sign bits are not pinned).
//
// Performance: vectorised (SSE2 baseline, AVX2 picked at run time) and cache-blocked; see benchmarks/RESULTS.md.
// x needs only the alignment of its element type, but 32-byte-aligned vectors (64 is best) run about 10-30%
// faster than ones offset by 8 or 16 bytes from that (std::vector's storage is typically 16-byte aligned).
//
// Thread safety: all functions are reentrant; distinct vectors may be transformed concurrently.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"

namespace subq::fwht {

// In-place unnormalised Walsh–Hadamard transform of x[0..n): x <- H_n x.
// n must be a power of two >= 1 (throws subq::Error SUBQ_ERR_DIMENSION otherwise). Costs n log2 n adds.
// x == NULL throws SUBQ_ERR_NULL_POINTER (transform_many allows NULL when count == 0).
void transform(double *x, std::int64_t n);
void transform(float *x, std::int64_t n);

// Transforms `count` vectors of length n stored at x + i*stride, i in [0, count) (stride >= n, count >= 0; throws
// SUBQ_ERR_DIMENSION otherwise). Bit-identical to calling transform() on each vector. Single-threaded: callers
// parallelise over blocks of vectors.
void transform_many(double *x, std::int64_t n, std::int64_t count, std::int64_t stride);
void transform_many(float *x, std::int64_t n, std::int64_t count, std::int64_t stride);

// True iff n is a power of two (1, 2, 4, ...); false for n <= 0.
bool is_power_of_two(std::int64_t n);

// The smallest power of two >= n, for n >= 1. Throws SUBQ_ERR_DIMENSION for n < 1 or if it exceeds 2^62
// (the largest power of two an int64 holds).
std::int64_t next_power_of_two(std::int64_t n);

// ---- internal: code paths, for tests and benchmarks ---------------------------------------------------------
namespace detail {

enum class Path : int {
    kAuto = 0,    // the best path this CPU supports (what transform() uses)
    kScalar = 1,  // portable reference: plain radix-2 loops
    kSse2 = 2,    // 128-bit vectors (x86-64 baseline)
    kAvx2 = 3,    // 256-bit vectors, compiled with target("avx2"), used only if the CPU reports AVX2
};

const char *path_name(Path p) noexcept;
bool path_supported(Path p) noexcept;  // compiled in and supported by this CPU
Path best_path() noexcept;             // what kAuto resolves to

// transform()/transform_many() forced onto one path (no argument checks beyond those of the public functions).
// Throws SUBQ_ERR_INVALID_ARG if the path is not supported.
void transform_with(Path p, double *x, std::int64_t n);
void transform_with(Path p, float *x, std::int64_t n);
void transform_many_with(Path p, double *x, std::int64_t n, std::int64_t count, std::int64_t stride);
void transform_many_with(Path p, float *x, std::int64_t n, std::int64_t count, std::int64_t stride);

// The per-path kernels (n must be a power of two >= 1; no checks). The SIMD ones exist on x86-64 with GCC only
// (src/core/fwht_sse2.cpp, src/core/fwht_avx2.cpp); call the AVX2 ones only if path_supported(Path::kAvx2).
#define SUBQ_FWHT_X86 SUBQ_X86_SIMD
#if SUBQ_FWHT_X86
void transform_sse2(double *x, std::int64_t n) noexcept;
void transform_sse2(float *x, std::int64_t n) noexcept;
void transform_avx2(double *x, std::int64_t n) noexcept;
void transform_avx2(float *x, std::int64_t n) noexcept;
#endif

}  // namespace detail
}  // namespace subq::fwht
