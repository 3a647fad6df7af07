// CPU feature detection for the run-time dispatched kernels.
#include "core/cpu.hpp"

namespace subq {

bool cpu_has_avx2() noexcept {
#if SUBQ_X86_SIMD
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
#else
    return false;
#endif
}

}  // namespace subq
