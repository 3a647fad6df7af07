// The vectorised FWHT kernel, written once with GCC vector extensions and compiled once per instruction set.
//
// Included ONLY by src/core/fwht_<isa>.cpp, after its own includes and after its `#pragma GCC target(...)`, with
// SUBQ_FWHT_VBYTES defined to the vector width in bytes (16 or 32). Everything here has internal linkage (an
// unnamed namespace), so the AVX2 instantiations can never be merged with, or picked instead of, SSE2 ones by the
// linker. It includes no headers, so no standard-library inline function is compiled under the wider target.
//
// Bit-identity with the scalar reference (src/core/fwht.cpp): the transform is the radix-2 butterfly network with
// levels of stride 1, 2, ..., n/2 applied in increasing order, each butterfly (a, b) -> (a + b, a - b) on the
// same operands as the scalar loop. The vector code only changes the schedule: it fuses 3 consecutive levels per
// pass over registers (radix 8), does the levels with stride < vector width inside a register (shuffle, flip the
// sign of the upper lanes, add: a + b and (-b) + a == a - b exactly), and does all levels within an L1 block, then
// within an L2 block, before the levels across blocks. Each level still reads the complete output of the previous
// level, so every element is computed by the same sequence of additions as in the scalar code.
#pragma once

#ifndef SUBQ_FWHT_VBYTES
#error "fwht_kernel.hpp: define SUBQ_FWHT_VBYTES (16 or 32) before including it"
#endif

namespace subq::fwht::detail {
namespace {

using i64 = long long;

template <class T>
struct Simd;

#if SUBQ_FWHT_VBYTES == 16
template <>
struct Simd<double> {
    typedef double V __attribute__((vector_size(16)));
    typedef long long I __attribute__((vector_size(16)));
    static constexpr i64 W = 2;
    static constexpr long long S = -0x7fffffffffffffffLL - 1;  // the sign bit
    __attribute__((always_inline)) static V flip_add(V v, I perm, I sign) {
        return reinterpret_cast<V>(reinterpret_cast<I>(v) ^ sign) + __builtin_shuffle(v, perm);
    }
    __attribute__((always_inline)) static V intra(V v) {
        return flip_add(v, I{1, 0}, I{0, S});
    }
};
template <>
struct Simd<float> {
    typedef float V __attribute__((vector_size(16)));
    typedef int I __attribute__((vector_size(16)));
    static constexpr i64 W = 4;
    static constexpr int S = -0x7fffffff - 1;
    __attribute__((always_inline)) static V flip_add(V v, I perm, I sign) {
        return reinterpret_cast<V>(reinterpret_cast<I>(v) ^ sign) + __builtin_shuffle(v, perm);
    }
    __attribute__((always_inline)) static V intra(V v) {
        v = flip_add(v, I{1, 0, 3, 2}, I{0, S, 0, S});
        return flip_add(v, I{2, 3, 0, 1}, I{0, 0, S, S});
    }
};
#elif SUBQ_FWHT_VBYTES == 32
template <>
struct Simd<double> {
    typedef double V __attribute__((vector_size(32)));
    typedef long long I __attribute__((vector_size(32)));
    static constexpr i64 W = 4;
    static constexpr long long S = -0x7fffffffffffffffLL - 1;
    __attribute__((always_inline)) static V flip_add(V v, I perm, I sign) {
        return reinterpret_cast<V>(reinterpret_cast<I>(v) ^ sign) + __builtin_shuffle(v, perm);
    }
    __attribute__((always_inline)) static V intra(V v) {
        v = flip_add(v, I{1, 0, 3, 2}, I{0, S, 0, S});
        return flip_add(v, I{2, 3, 0, 1}, I{0, 0, S, S});
    }
};
template <>
struct Simd<float> {
    typedef float V __attribute__((vector_size(32)));
    typedef int I __attribute__((vector_size(32)));
    static constexpr i64 W = 8;
    static constexpr int S = -0x7fffffff - 1;
    __attribute__((always_inline)) static V flip_add(V v, I perm, I sign) {
        return reinterpret_cast<V>(reinterpret_cast<I>(v) ^ sign) + __builtin_shuffle(v, perm);
    }
    __attribute__((always_inline)) static V intra(V v) {
        v = flip_add(v, I{1, 0, 3, 2, 5, 4, 7, 6}, I{0, S, 0, S, 0, S, 0, S});
        v = flip_add(v, I{2, 3, 0, 1, 6, 7, 4, 5}, I{0, 0, S, S, 0, 0, S, S});
        return flip_add(v, I{4, 5, 6, 7, 0, 1, 2, 3}, I{0, 0, 0, 0, S, S, S, S});
    }
};
#else
#error "SUBQ_FWHT_VBYTES must be 16 or 32"
#endif

// Cache blocking: all levels inside an L1-sized block, then (for long vectors) the levels across L1 blocks inside
// an L2-sized block, then the levels across L2 blocks. Sizes in bytes. 16 KiB: an L1 block takes exactly three
// passes (first pass + 2 radix-8) for both dtypes and stays in any L1d >= 32 KiB. 512 KiB: measured on the dev
// machine (AMD EPYC, 512 KiB L2/core) against 256 KiB and 8 MiB; 2^16 doubles ran 20% faster than with 256 KiB.
constexpr i64 kL1BlockBytes = 16 * 1024;
constexpr i64 kL2BlockBytes = 512 * 1024;

template <class T>
struct Kernel {
    using S = Simd<T>;
    using V = typename S::V;
    static constexpr i64 W = S::W;

    __attribute__((always_inline)) static V load(const T *p) {
        V v;
        __builtin_memcpy(&v, p, sizeof v);
        return v;
    }
    __attribute__((always_inline)) static void store(T *p, V v) { __builtin_memcpy(p, &v, sizeof v); }

    // Levels with strides s, 2s, ..., (R/2)s held in registers v[0..R): butterflies (v[k], v[k+s]).
    template <int R>
    __attribute__((always_inline)) static void butterflies(V (&v)[R]) {
#pragma GCC unroll 8
        for (int s = 1; s < R; s *= 2) {
#pragma GCC unroll 8
            for (int k = 0; k < R; ++k) {
                if (k & s) continue;
                const V a = v[k];
                const V b = v[k + s];
                v[k] = a + b;
                v[k + s] = a - b;
            }
        }
    }

    // First pass over x[0..n): R consecutive vectors at a time; the in-register levels (strides 1..W/2) of each,
    // then the levels with strides W, ..., (R/2)W. n is a multiple of R*W.
    template <int R>
    static void first_pass(T *__restrict x, i64 n) {
        for (i64 i = 0; i < n; i += R * W) {
            V v[R];
#pragma GCC unroll 8
            for (int k = 0; k < R; ++k) v[k] = S::intra(load(x + i + k * W));
            butterflies<R>(v);
#pragma GCC unroll 8
            for (int k = 0; k < R; ++k) store(x + i + k * W, v[k]);
        }
    }

    // Levels with strides h, 2h, ..., (R/2)h over x[0..n); h is a multiple of W and n of R*h.
    template <int R>
    static void radix_pass(T *__restrict x, i64 n, i64 h) {
        for (i64 base = 0; base < n; base += R * h) {
            T *p = x + base;
            for (i64 j = 0; j < h; j += W) {
                V v[R];
#pragma GCC unroll 8
                for (int k = 0; k < R; ++k) v[k] = load(p + j + k * h);
                butterflies<R>(v);
#pragma GCC unroll 8
                for (int k = 0; k < R; ++k) store(p + j + k * h, v[k]);
            }
        }
    }

    // Levels with strides h, 2h, ..., n/2 (h a multiple of W), three at a time.
    static void levels_from(T *x, i64 n, i64 h) {
        while (h < n) {
            const i64 r = n / h;
            if (r >= 8) {
                radix_pass<8>(x, n, h);
                h *= 8;
            } else if (r == 4) {
                radix_pass<4>(x, n, h);
                h *= 4;
            } else {
                radix_pass<2>(x, n, h);
                h *= 2;
            }
        }
    }

    // The whole transform of a block that fits in L1. n is a power of two >= W.
    static void in_cache(T *x, i64 n) {
        i64 h;
        if (n >= 8 * W) {
            first_pass<8>(x, n);
            h = 8 * W;
        } else if (n == 4 * W) {
            first_pass<4>(x, n);
            h = 4 * W;
        } else if (n == 2 * W) {
            first_pass<2>(x, n);
            h = 2 * W;
        } else {
            first_pass<1>(x, n);
            h = W;
        }
        levels_from(x, n, h);
    }

    static void blocked(T *x, i64 n) {
        constexpr i64 b1 = kL1BlockBytes / static_cast<i64>(sizeof(T));
        constexpr i64 b2 = kL2BlockBytes / static_cast<i64>(sizeof(T));
        if (n <= b1) {
            in_cache(x, n);
            return;
        }
        const i64 child = n <= b2 ? b1 : b2;
        for (i64 b = 0; b < n; b += child) blocked(x + b, child);
        levels_from(x, n, child);
    }

    // Vectors shorter than one register: the plain radix-2 network.
    static void tiny(T *x, i64 n) {
        for (i64 h = 1; h < n; h *= 2)
            for (i64 b = 0; b < n; b += 2 * h)
                for (i64 i = b; i < b + h; ++i) {
                    const T a = x[i];
                    const T c = x[i + h];
                    x[i] = a + c;
                    x[i + h] = a - c;
                }
    }

    static void transform(T *x, i64 n) {
        if (n < W)
            tiny(x, n);
        else
            blocked(x, n);
    }
};

}  // namespace
}  // namespace subq::fwht::detail
