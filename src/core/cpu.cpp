// CPU feature detection for the run-time dispatched kernels.
#include "core/cpu.hpp"

namespace subq {

// __builtin_cpu_supports reads libgcc's CPU model, which __builtin_cpu_init fills; it also tests XGETBV, so a
// feature whose register state the OS does not save reads as absent. Its argument must be a string literal.
#if SUBQ_X86_SIMD
#define SUBQ_CPU_SUPPORTS(feature) (__builtin_cpu_init(), __builtin_cpu_supports(feature) != 0)
#else
#define SUBQ_CPU_SUPPORTS(feature) false
#endif

bool cpu_has_avx2() noexcept {
    static const bool has = SUBQ_CPU_SUPPORTS("avx2");
    return has;
}

bool cpu_has_avx2_fma() noexcept {
    static const bool has = SUBQ_CPU_SUPPORTS("avx2") && SUBQ_CPU_SUPPORTS("fma");
    return has;
}

bool cpu_has_avx512f() noexcept {
    static const bool has = SUBQ_CPU_SUPPORTS("avx512f");
    return has;
}

#undef SUBQ_CPU_SUPPORTS

}  // namespace subq
