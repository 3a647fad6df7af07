// The column-sum kernel of src/train/columns.hpp, written once and compiled once per instruction set.
//
// Included ONLY by src/train/columns.cpp (the build's target) and src/train/columns_avx2.cpp (after its
// `#pragma GCC target("avx2")`). Everything here has internal linkage (an unnamed namespace), so the AVX2
// instantiations can never be merged with, or picked instead of, the portable ones by the linker. It includes no
// headers, so no standard-library inline function is compiled under the wider target.
//
// Bit-identity: each element is computed by the same sequence of IEEE operations as the sequential loop
// v = acc[r]; v = v + a[k] * s[k][r] for k = 0..c-1; acc[r] = v. Vectorising over r does not change it (the
// elements are independent), and the compiler may not contract a * s + v into a fused multiply-add: the build
// passes -ffp-contract=off (CMakeLists.txt; it matters with SUBQ_NATIVE), and the AVX2 target does not enable FMA.
#pragma once

namespace subq::train::columns::detail {
namespace {

template <class T, int C>
inline void add_fixed(T *__restrict acc, const T *const *s, const T *a, long long len) {
    const T *__restrict p[C];
    T w[C];
    for (int k = 0; k < C; ++k) p[k] = s[k], w[k] = a[k];
    for (long long r = 0; r < len; ++r) {
        T v = acc[r];
        for (int k = 0; k < C; ++k) v = v + w[k] * p[k][r];
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
