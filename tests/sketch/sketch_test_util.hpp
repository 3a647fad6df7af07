// Helpers shared by the sketch tests: building sketches, applying them to row-major data, explicit matrices.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "core/matrix.hpp"
#include "sketch/sketch.hpp"

namespace subq::sketch::test {

using Mat = std::vector<double>;  // row-major

inline Params params(Type t, index_t d, index_t m, std::uint64_t seed = 1) {
    Params p;
    p.type = static_cast<int>(t);
    p.input_dim = d;
    p.output_dim = m;
    p.seed = seed;
    return p;
}

inline std::unique_ptr<Sketch> make(Type t, index_t d, index_t m, std::uint64_t seed = 1) {
    return Sketch::create(params(t, d, m, seed));
}

// Z (n×m, row-major) = sketch of the n rows of X (n×d, row-major).
inline Mat apply(const Sketch &s, const Mat &x, index_t n) {
    const index_t d = s.input_dim(), m = s.output_dim();
    Mat z(static_cast<std::size_t>(n * m), -7.0);
    s.apply(DenseView<const double>{x.data(), n, d, d, SUBQ_ROW_MAJOR},
            DenseView<double>{z.data(), n, m, m, SUBQ_ROW_MAJOR});
    return z;
}

inline std::vector<float> apply_f32(const Sketch &s, const std::vector<float> &x, index_t n) {
    const index_t d = s.input_dim(), m = s.output_dim();
    std::vector<float> z(static_cast<std::size_t>(n * m), -7.0f);
    s.apply(DenseView<const float>{x.data(), n, d, d, SUBQ_ROW_MAJOR},
            DenseView<float>{z.data(), n, m, m, SUBQ_ROW_MAJOR});
    return z;
}

inline Mat apply_pair(const Sketch &s, const Mat &a, const Mat &b, index_t n) {
    const index_t d1 = s.input_dim(), d2 = s.input_dim2(), m = s.output_dim();
    Mat z(static_cast<std::size_t>(n * m), -7.0);
    s.apply_pair(DenseView<const double>{a.data(), n, d1, d1, SUBQ_ROW_MAJOR},
                 DenseView<const double>{b.data(), n, d2, d2, SUBQ_ROW_MAJOR},
                 DenseView<double>{z.data(), n, m, m, SUBQ_ROW_MAJOR});
    return z;
}

inline Mat gaussian_matrix(index_t rows, index_t cols, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> nd;
    Mat x(static_cast<std::size_t>(rows * cols));
    for (auto &v : x) v = nd(gen);
    return x;
}

inline Mat identity(index_t d) {
    Mat x(static_cast<std::size_t>(d * d), 0.0);
    for (index_t i = 0; i < d; ++i) x[static_cast<std::size_t>(i * d + i)] = 1.0;
    return x;
}

// The explicit m×d matrix of a linear sketch, by applying it to the identity rows (S[r][j] = (S e_j)_r).
inline Mat explicit_by_identity(const Sketch &s) {
    const index_t d = s.input_dim(), m = s.output_dim();
    const Mat z = apply(s, identity(d), d);
    Mat S(static_cast<std::size_t>(m * d));
    for (index_t j = 0; j < d; ++j)
        for (index_t r = 0; r < m; ++r) S[static_cast<std::size_t>(r * d + j)] = z[static_cast<std::size_t>(j * m + r)];
    return S;
}

// y = S x for an explicit rows×cols matrix.
inline std::vector<double> matvec(const Mat &S, index_t rows, index_t cols, const double *x) {
    std::vector<double> y(static_cast<std::size_t>(rows), 0.0);
    for (index_t r = 0; r < rows; ++r)
        for (index_t j = 0; j < cols; ++j)
            y[static_cast<std::size_t>(r)] += S[static_cast<std::size_t>(r * cols + j)] * x[j];
    return y;
}

// The unnormalised Walsh–Hadamard matrix H_P by Sylvester's recursion.
inline Mat hadamard(index_t P) {
    Mat H(static_cast<std::size_t>(P * P));
    H[0] = 1.0;
    for (index_t n = 1; n < P; n *= 2)
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < n; ++j) {
                const double h = H[static_cast<std::size_t>(i * P + j)];
                H[static_cast<std::size_t>(i * P + j + n)] = h;
                H[static_cast<std::size_t>((i + n) * P + j)] = h;
                H[static_cast<std::size_t>((i + n) * P + j + n)] = -h;
            }
    return H;
}

inline double dot(const double *a, const double *b, index_t n) {
    double s = 0;
    for (index_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

struct Moments {
    double mean = 0, var = 0, se = 0;
};
inline Moments moments(const std::vector<double> &v) {
    Moments m;
    for (double x : v) m.mean += x;
    m.mean /= static_cast<double>(v.size());
    for (double x : v) m.var += (x - m.mean) * (x - m.mean);
    m.var /= static_cast<double>(v.size() - 1);
    m.se = std::sqrt(m.var / static_cast<double>(v.size()));
    return m;
}

}  // namespace subq::sketch::test
