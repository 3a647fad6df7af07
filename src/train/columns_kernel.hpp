// The column-sum kernel of src/train/columns.hpp, written once and compiled once per instruction set.
//
// Included ONLY by src/train/columns.cpp (the build's target), src/train/columns_avx2.cpp and
// src/train/columns_avx512.cpp (after their `#pragma GCC target`). Everything here has internal linkage (an unnamed
// namespace), so the vector instantiations can never be merged with, or picked instead of, the portable ones by the
// linker. It includes no headers, so no standard-library inline function is compiled under a wider target.
//
// Bit-identity: each element is computed by the same sequence of fused multiply-adds as the sequential loop
// v = acc[r]; v = fma(a[k], s[k][r], v) for k = 0..c-1; acc[r] = v. A fused multiply-add is rounded once, exactly
// as IEEE 754 specifies, so a vector FMA instruction, a scalar one and the C library's fma() give the same bits,
// and vectorising over r does not change them (the elements are independent).
#pragma once

namespace subq::train::columns::detail {
namespace {

inline float fused(float a, float b, float c) {
    return __builtin_fmaf(a, b, c);
}
inline double fused(double a, double b, double c) {
    return __builtin_fma(a, b, c);
}

template <class T, int C>
inline void add_fixed(T *__restrict acc, const T *const *s, const T *a, long long len) {
    const T *__restrict p[C];
    T w[C];
    for (int k = 0; k < C; ++k) p[k] = s[k], w[k] = a[k];
    for (long long r = 0; r < len; ++r) {
        T v = acc[r];
        for (int k = 0; k < C; ++k) v = fused(w[k], p[k][r], v);
        acc[r] = v;
    }
}

template <class T>
inline void add_kernel(T *acc, const T *const *s, const T *a, int c, long long len) {
    switch (c) {
        case 1:
            add_fixed<T, 1>(acc, s, a, len);
            break;
        case 2:
            add_fixed<T, 2>(acc, s, a, len);
            break;
        case 3:
            add_fixed<T, 3>(acc, s, a, len);
            break;
        case 4:
            add_fixed<T, 4>(acc, s, a, len);
            break;
        case 5:
            add_fixed<T, 5>(acc, s, a, len);
            break;
        case 6:
            add_fixed<T, 6>(acc, s, a, len);
            break;
        case 7:
            add_fixed<T, 7>(acc, s, a, len);
            break;
        default:
            add_fixed<T, 8>(acc, s, a, len);
            break;
    }
}

}  // namespace
}  // namespace subq::train::columns::detail
