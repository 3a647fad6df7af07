// Column sums of the sparse forward pass: the portable path and the run-time dispatch (src/train/columns.hpp).
#include "train/columns.hpp"

#include <string>

#include "core/error.hpp"
#include "train/columns_kernel.hpp"

namespace subq::train::columns {
namespace {

template <class T>
void add_with(Path p, T *acc, const T *const *s, const T *a, int c, std::int64_t len) {
    if (c < 1 || c > kMaxColumns)
        fail(SUBQ_ERR_INVALID_ARG,
             "columns::add: " + std::to_string(c) + " columns, expected 1 to " + std::to_string(kMaxColumns));
    if (p == Path::kAuto) p = best_path();
    switch (p) {
        case Path::kPortable:
            detail::add_kernel<T>(acc, s, a, c, len);
            return;
#if SUBQ_X86_SIMD
        case Path::kAvx2Fma:
            if (!cpu_has_avx2_fma()) break;
            detail::add_avx2_fma(acc, s, a, c, len);
            return;
        case Path::kAvx512:
            if (!cpu_has_avx512f()) break;
            detail::add_avx512(acc, s, a, c, len);
            return;
#endif
        default:
            break;
    }
    fail(SUBQ_ERR_INVALID_ARG, "columns::add: code path " + std::to_string(static_cast<int>(p)) + " is not available");
}

}  // namespace

Path best_path() noexcept {
    return cpu_has_avx512f() ? Path::kAvx512 : cpu_has_avx2_fma() ? Path::kAvx2Fma : Path::kPortable;
}

bool path_supported(Path p) noexcept {
    switch (p) {
        case Path::kAuto:
        case Path::kPortable:
            return true;
        case Path::kAvx2Fma:
            return cpu_has_avx2_fma();
        case Path::kAvx512:
            return cpu_has_avx512f();
    }
    return false;
}

void add(Path p, float *acc, const float *const *s, const float *a, int c, std::int64_t len) {
    add_with(p, acc, s, a, c, len);
}
void add(Path p, double *acc, const double *const *s, const double *a, int c, std::int64_t len) {
    add_with(p, acc, s, a, c, len);
}

}  // namespace subq::train::columns
