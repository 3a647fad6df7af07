// Fast Walsh–Hadamard transform: argument checks, the scalar reference path and runtime dispatch.
#include "core/fwht.hpp"

#include <string>

#include "core/cpu.hpp"
#include "core/error.hpp"

namespace subq::fwht {
namespace {

// The reference butterfly network: levels h = 1, 2, ..., n/2; x[i], x[i+h] <- x[i] + x[i+h], x[i] - x[i+h].
template <class T>
void scalar_transform(T *x, std::int64_t n) noexcept {
    for (std::int64_t h = 1; h < n; h *= 2) {
        for (std::int64_t b = 0; b < n; b += 2 * h) {
            T *lo = x + b;
            T *hi = lo + h;
            for (std::int64_t i = 0; i < h; ++i) {
                const T a = lo[i];
                const T c = hi[i];
                lo[i] = a + c;
                hi[i] = a - c;
            }
        }
    }
}

void check_n(std::int64_t n, const char *fn) {
    if (!is_power_of_two(n))
        fail(SUBQ_ERR_DIMENSION, std::string(fn) + ": length " + std::to_string(n) + " is not a power of two >= 1");
}

void check_pointer(const void *x, const char *fn) {
    if (x == nullptr) fail(SUBQ_ERR_NULL_POINTER, std::string(fn) + ": x is NULL");
}

void check_many(const void *x, std::int64_t n, std::int64_t count, std::int64_t stride, const char *fn) {
    check_n(n, fn);
    if (count < 0) fail(SUBQ_ERR_DIMENSION, std::string(fn) + ": negative count " + std::to_string(count));
    if (stride < n)
        fail(SUBQ_ERR_DIMENSION, std::string(fn) + ": stride " + std::to_string(stride) + " is less than length " +
                                     std::to_string(n));
    if (count > 0) {
        checked_add(checked_mul(count - 1, stride, fn), n, fn);  // the span must be addressable
        check_pointer(x, fn);
    }
}

template <class T>
using KernelFn = void (*)(T *, std::int64_t) noexcept;

template <class T>
KernelFn<T> kernel_for(detail::Path p) {
    switch (p) {
        case detail::Path::kAuto: return kernel_for<T>(detail::best_path());
        case detail::Path::kScalar: return &scalar_transform<T>;
#if SUBQ_FWHT_X86
        case detail::Path::kSse2: return static_cast<KernelFn<T>>(&detail::transform_sse2);
        case detail::Path::kAvx2:
            if (detail::path_supported(detail::Path::kAvx2)) return static_cast<KernelFn<T>>(&detail::transform_avx2);
            break;
#endif
        default: break;
    }
    fail(SUBQ_ERR_INVALID_ARG, std::string("fwht: code path ") + detail::path_name(p) + " is not available");
}

template <class T>
void run_many(KernelFn<T> k, T *x, std::int64_t n, std::int64_t count, std::int64_t stride) {
    for (std::int64_t i = 0; i < count; ++i) k(x + i * stride, n);
}

}  // namespace

bool is_power_of_two(std::int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

std::int64_t next_power_of_two(std::int64_t n) {
    if (n < 1) fail(SUBQ_ERR_DIMENSION, "next_power_of_two: n = " + std::to_string(n) + " is less than 1");
    if (n > (std::int64_t{1} << 62))
        fail(SUBQ_ERR_DIMENSION, "next_power_of_two: n = " + std::to_string(n) + " exceeds 2^62");
    std::int64_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

void transform(double *x, std::int64_t n) { detail::transform_with(detail::Path::kAuto, x, n); }
void transform(float *x, std::int64_t n) { detail::transform_with(detail::Path::kAuto, x, n); }
void transform_many(double *x, std::int64_t n, std::int64_t count, std::int64_t stride) {
    detail::transform_many_with(detail::Path::kAuto, x, n, count, stride);
}
void transform_many(float *x, std::int64_t n, std::int64_t count, std::int64_t stride) {
    detail::transform_many_with(detail::Path::kAuto, x, n, count, stride);
}

namespace detail {

const char *path_name(Path p) noexcept {
    switch (p) {
        case Path::kAuto: return "auto";
        case Path::kScalar: return "scalar";
        case Path::kSse2: return "sse2";
        case Path::kAvx2: return "avx2";
    }
    return "unknown";
}

bool path_supported(Path p) noexcept {
    switch (p) {
        case Path::kAuto:
        case Path::kScalar: return true;
        case Path::kSse2: return SUBQ_FWHT_X86 != 0;
        case Path::kAvx2: return cpu_has_avx2();
    }
    return false;
}

Path best_path() noexcept {
    if (cpu_has_avx2()) return Path::kAvx2;
    if (path_supported(Path::kSse2)) return Path::kSse2;
    return Path::kScalar;
}

void transform_with(Path p, double *x, std::int64_t n) {
    check_n(n, "fwht::transform");
    check_pointer(x, "fwht::transform");
    kernel_for<double>(p)(x, n);
}
void transform_with(Path p, float *x, std::int64_t n) {
    check_n(n, "fwht::transform");
    check_pointer(x, "fwht::transform");
    kernel_for<float>(p)(x, n);
}
void transform_many_with(Path p, double *x, std::int64_t n, std::int64_t count, std::int64_t stride) {
    check_many(x, n, count, stride, "fwht::transform_many");
    run_many(kernel_for<double>(p), x, n, count, stride);
}
void transform_many_with(Path p, float *x, std::int64_t n, std::int64_t count, std::int64_t stride) {
    check_many(x, n, count, stride, "fwht::transform_many");
    run_many(kernel_for<float>(p), x, n, count, stride);
}

}  // namespace detail
}  // namespace subq::fwht
