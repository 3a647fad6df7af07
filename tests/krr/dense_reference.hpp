// Dense reference linear algebra for the kernel ridge regression tests (tests/krr/test_ridge.cpp and the C API's
// tests/capi/test_krr_c.cpp): row-major matrices, plain loops, no BLAS or LAPACK, so that the library's results are
// checked against code that shares nothing with it.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace subq_krr_test {

using Mat = std::vector<double>;  // row-major

inline std::size_t at(std::int64_t i) {
    return static_cast<std::size_t>(i);
}

// a (m × p) · b (p × q).
inline Mat matmul(const Mat &a, const Mat &b, std::int64_t m, std::int64_t p, std::int64_t q) {
    Mat c(at(m * q), 0.0);
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t l = 0; l < p; ++l) {
            const double v = a[at(i * p + l)];
            for (std::int64_t j = 0; j < q; ++j) c[at(i * q + j)] += v * b[at(l * q + j)];
        }
    return c;
}

// aᵀ · b for a n × m and b n × p (the result is m × p).
inline Mat tmatmul(const Mat &a, const Mat &b, std::int64_t n, std::int64_t m, std::int64_t p) {
    Mat c(at(m * p), 0.0);
    for (std::int64_t l = 0; l < n; ++l)
        for (std::int64_t i = 0; i < m; ++i) {
            const double v = a[at(l * m + i)];
            for (std::int64_t j = 0; j < p; ++j) c[at(i * p + j)] += v * b[at(l * p + j)];
        }
    return c;
}

// The p × m transpose of a (m × p).
inline Mat transpose(const Mat &a, std::int64_t m, std::int64_t p) {
    Mat t(at(m * p));
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < p; ++j) t[at(j * m + i)] = a[at(i * p + j)];
    return t;
}

// Lower Cholesky factor of the symmetric positive definite n × n matrix a; a non-positive pivot fails the test.
inline Mat cholesky(const Mat &a, std::int64_t n) {
    Mat l(at(n * n), 0.0);
    for (std::int64_t j = 0; j < n; ++j) {
        double s = a[at(j * n + j)];
        for (std::int64_t p = 0; p < j; ++p) s -= l[at(j * n + p)] * l[at(j * n + p)];
        EXPECT_GT(s, 0.0) << "reference Cholesky: pivot " << j << " of a system that should be positive definite";
        l[at(j * n + j)] = std::sqrt(s);
        for (std::int64_t i = j + 1; i < n; ++i) {
            double t = a[at(i * n + j)];
            for (std::int64_t p = 0; p < j; ++p) t -= l[at(i * n + p)] * l[at(j * n + p)];
            l[at(i * n + j)] = t / l[at(j * n + j)];
        }
    }
    return l;
}

// L⁻¹B (forward substitution), L lower n × n, B n × k.
inline Mat forward_substitute(const Mat &l, Mat b, std::int64_t n, std::int64_t k) {
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t c = 0; c < k; ++c) {
            double s = b[at(i * k + c)];
            for (std::int64_t p = 0; p < i; ++p) s -= l[at(i * n + p)] * b[at(p * k + c)];
            b[at(i * k + c)] = s / l[at(i * n + i)];
        }
    return b;
}

// L⁻ᵀB (back substitution with the transpose of the lower L).
inline Mat back_substitute(const Mat &l, Mat b, std::int64_t n, std::int64_t k) {
    for (std::int64_t i = n - 1; i >= 0; --i)
        for (std::int64_t c = 0; c < k; ++c) {
            double s = b[at(i * k + c)];
            for (std::int64_t p = i + 1; p < n; ++p) s -= l[at(p * n + i)] * b[at(p * k + c)];
            b[at(i * k + c)] = s / l[at(i * n + i)];
        }
    return b;
}

// A⁻¹B for the symmetric positive definite n × n A and B n × k.
inline Mat spd_solve(const Mat &a, const Mat &b, std::int64_t n, std::int64_t k) {
    const Mat l = cholesky(a, n);
    return back_substitute(l, forward_substitute(l, b, n, k), n, k);
}

}  // namespace subq_krr_test
