// What the CPU running the library supports, for the kernels that pick an instruction set at run time (the FWHT,
// the training forward's column sums).
//
// Thread safety: reentrant; the answer is computed once.
#pragma once

// x86-64 with GCC: the kernels compiled with `#pragma GCC target(...)` exist (and are used only when the matching
// query below is true). Other compilers and architectures use the portable code only.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SUBQ_X86_SIMD 1
#else
#define SUBQ_X86_SIMD 0
#endif

namespace subq {

// True iff the CPU reports AVX2 and the OS saves the YMM state (libgcc's cpuinfo tests XGETBV); false when
// SUBQ_X86_SIMD is 0.
bool cpu_has_avx2() noexcept;
// AVX2 and FMA (the FMA3 instructions), both; false when SUBQ_X86_SIMD is 0.
bool cpu_has_avx2_fma() noexcept;
// AVX-512 Foundation, with the OS saving the ZMM state; false when SUBQ_X86_SIMD is 0.
bool cpu_has_avx512f() noexcept;

}  // namespace subq
