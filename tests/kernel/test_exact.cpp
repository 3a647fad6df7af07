// Exact Gram matrices (kernel/exact.hpp) against per-entry formulas written here independently: direct ‖x−y‖²
// for the Gaussian, angle forms (Cho–Saul) for the arc-cosine kernels and the NTK recursion. Also: positive
// semi-definiteness (LAPACKE_dsyevd), layouts, blocking, the float variant, zero rows and error statuses.
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "kernel/exact.hpp"
#include "kernel_test_util.hpp"

using namespace subq;
using namespace subq::kernel;
using namespace subq::kernel::test;

namespace {

constexpr double kPi = std::numbers::pi;

// A dense matrix in a chosen layout, with a leading dimension larger than needed (padding catches ld mistakes).
template <class T>
struct Matrix {
    index_t rows, cols, ld;
    subq_layout layout;
    std::vector<T> data;

    Matrix(index_t r, index_t c, subq_layout l, T fill = T(0))
        : rows(r),
          cols(c),
          ld((l == SUBQ_ROW_MAJOR ? c : r) + 3),
          layout(l),
          data(static_cast<std::size_t>(ld * (l == SUBQ_ROW_MAJOR ? r : c) + 3), fill) {}
    T &at(index_t i, index_t j) { return layout == SUBQ_ROW_MAJOR ? data[i * ld + j] : data[j * ld + i]; }
    T at(index_t i, index_t j) const { return layout == SUBQ_ROW_MAJOR ? data[i * ld + j] : data[j * ld + i]; }
    DenseView<const T> view() const { return {data.data(), rows, cols, ld, layout}; }
    DenseView<T> out() { return {data.data(), rows, cols, ld, layout}; }
};

// Gaussian rows with norms spread over [0.2, 3] (non-unit norms), optionally with one zero row.
std::vector<double> random_rows(index_t n, index_t d, unsigned seed, index_t zero_row = -1) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> scale(0.2, 3.0);
    std::vector<double> x(static_cast<std::size_t>(n * d));
    for (index_t i = 0; i < n; ++i) {
        double s2 = 0;
        for (index_t j = 0; j < d; ++j) {
            const double v = normal(gen);
            x[i * d + j] = v;
            s2 += v * v;
        }
        const double f = i == zero_row ? 0.0 : scale(gen) / std::sqrt(s2);
        for (index_t j = 0; j < d; ++j) x[i * d + j] *= f;
    }
    return x;
}

template <class T>
Matrix<T> to_matrix(const std::vector<double> &rows, index_t n, index_t d, subq_layout layout) {
    Matrix<T> m(n, d, layout, T(-99));
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < d; ++j) m.at(i, j) = static_cast<T>(rows[i * d + j]);
    return m;
}

double arccos0_angle(double t) {
    return (kPi - std::acos(t)) / kPi;
}
double arccos1_angle(double t) {
    const double th = std::acos(t);
    return (std::sin(th) + (kPi - th) * std::cos(th)) / kPi;
}

// k(x, y) straight from the definitions.
double reference(const KernelParams &p, const double *x, const double *y, index_t d) {
    double dot = 0, xx = 0, yy = 0, dist2 = 0;
    for (index_t j = 0; j < d; ++j) {
        dot += x[j] * y[j];
        xx += x[j] * x[j];
        yy += y[j] * y[j];
        dist2 += (x[j] - y[j]) * (x[j] - y[j]);
    }
    if (p.kernel == Kernel::kPolynomial) return std::pow(p.gamma * dot + p.coef0, static_cast<double>(p.degree));
    if (p.kernel == Kernel::kGaussian) return std::exp(-p.gamma * dist2);
    const double t = (xx == 0 || yy == 0) ? 0.0 : std::clamp(dot / std::sqrt(xx * yy), -1.0, 1.0);
    const double scale = std::sqrt(xx) * std::sqrt(yy);
    if (p.kernel == Kernel::kArcCos0) return arccos0_angle(t);
    if (p.kernel == Kernel::kArcCos1) return scale * arccos1_angle(t);
    double sigma = t, k = t, product = 1;  // NTK
    for (int h = 1; h <= p.depth; ++h) {
        const double k0 = arccos0_angle(sigma);
        sigma = arccos1_angle(sigma);
        k = sigma + k * k0;
        product *= k0;
    }
    return scale * (p.convention == NtkConvention::kBothLayers ? k : 0.5 * t * product);
}

std::vector<KernelParams> all_kernels() {
    return {polynomial(3, 0.7, 1.2),
            polynomial(2, 1.5, 0.0),
            gaussian(0.3),
            of(Kernel::kArcCos0),
            of(Kernel::kArcCos1),
            ntk(1),
            ntk(2),
            ntk(3),
            ntk(1, NtkConvention::kFirstLayer),
            ntk(3, NtkConvention::kFirstLayer)};
}

std::string describe(const KernelParams &p) {
    return std::string(kernel_name(p.kernel)) +
           (p.kernel == Kernel::kNtk
                ? " L=" + std::to_string(p.depth) + (p.convention == NtkConvention::kFirstLayer ? " first" : " both")
                : "");
}

// Smallest and largest eigenvalue of a symmetric n×n row-major matrix (lower triangle used).
std::pair<double, double> eigen_range(std::vector<double> a, index_t n) {
    std::vector<double> w(static_cast<std::size_t>(n));
    const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'L', static_cast<lapack_int>(n), a.data(),
                                           static_cast<lapack_int>(n), w.data());
    EXPECT_EQ(info, 0);
    return {w.front(), w.back()};
}

}  // namespace

TEST(KernelExact, MatchesDirectFormulas) {
    // n ≠ m, non-unit norms, a zero row in each set, every layout combination, and a block (4) smaller than n and m
    // as well as one larger. Random directions in d = 7 keep |t| well away from 1, where arccos is well conditioned,
    // so BLAS vs loop rounding (~1e−16) stays below 1e−12 relative (NTK: a few layers of well-conditioned maps).
    const index_t n = 13, m = 9, d = 7;
    const std::vector<double> xr = random_rows(n, d, 1, 5), yr = random_rows(m, d, 2, 0);
    for (const KernelParams &p : all_kernels())
        for (subq_layout lx : {SUBQ_ROW_MAJOR, SUBQ_COL_MAJOR})
            for (subq_layout ly : {SUBQ_ROW_MAJOR, SUBQ_COL_MAJOR})
                for (subq_layout lk : {SUBQ_ROW_MAJOR, SUBQ_COL_MAJOR})
                    for (index_t block : {4, 0}) {
                        const Matrix<double> x = to_matrix<double>(xr, n, d, lx), y = to_matrix<double>(yr, m, d, ly);
                        Matrix<double> k(n, m, lk, -7.0);
                        gram(p, x.view(), y.view(), k.out(), {block, 2});
                        for (index_t i = 0; i < n; ++i)
                            for (index_t j = 0; j < m; ++j) {
                                const double expected = reference(p, &xr[i * d], &yr[j * d], d);
                                ASSERT_NEAR(k.at(i, j), expected, 1e-12 * std::max(1.0, std::abs(expected)))
                                    << describe(p) << " at (" << i << ", " << j << "), layouts " << lx << "/" << ly
                                    << "/" << lk << ", block " << block;
                            }
                        // Padding beyond the ld-th entries is untouched.
                        EXPECT_EQ(k.data.back(), -7.0);
                    }
}

TEST(KernelExact, ZeroRowsUseCosineZero) {
    // A zero row has direction 0, so t = 0: arc-cos 0 gives ½, the h = 1 kernels give 0 (their limit).
    const index_t d = 4;
    const std::vector<double> x = random_rows(2, d, 3, 0), y = random_rows(3, d, 4);
    const Matrix<double> xm = to_matrix<double>(x, 2, d, SUBQ_ROW_MAJOR),
                         ym = to_matrix<double>(y, 3, d, SUBQ_ROW_MAJOR);
    Matrix<double> k(2, 3, SUBQ_ROW_MAJOR);
    gram(of(Kernel::kArcCos0), xm.view(), ym.view(), k.out());
    for (index_t j = 0; j < 3; ++j) EXPECT_EQ(k.at(0, j), 0.5);
    for (const KernelParams &p : {of(Kernel::kArcCos1), ntk(2), ntk(2, NtkConvention::kFirstLayer)}) {
        gram(p, xm.view(), ym.view(), k.out());
        for (index_t j = 0; j < 3; ++j) EXPECT_EQ(k.at(0, j), 0.0) << describe(p);
    }
    // d = 0: every row is zero.
    Matrix<double> e0(2, 0, SUBQ_ROW_MAJOR), e1(3, 0, SUBQ_ROW_MAJOR);
    gram(polynomial(2, 1.0, 3.0), e0.view(), e1.view(), k.out());
    for (index_t j = 0; j < 3; ++j) EXPECT_EQ(k.at(1, j), 9.0);
    gram(gaussian(1.0), e0.view(), e1.view(), k.out());
    EXPECT_EQ(k.at(1, 2), 1.0);
}

TEST(KernelExact, ParallelRowsNearTheEndpoints) {
    // y = 2x and y = −3x: t = ±1 up to rounding. arccos near ±1 is accurate to ~√ε ≈ 1e−8, hence 1e−7 here.
    const index_t d = 6;
    std::vector<double> x = random_rows(1, d, 5), y(2 * d);
    for (index_t j = 0; j < d; ++j) {
        y[j] = 2 * x[j];
        y[d + j] = -3 * x[j];
    }
    double xx = 0;
    for (double v : x) xx += v * v;
    const Matrix<double> xm = to_matrix<double>(x, 1, d, SUBQ_ROW_MAJOR),
                         ym = to_matrix<double>(y, 2, d, SUBQ_ROW_MAJOR);
    Matrix<double> k(1, 2, SUBQ_ROW_MAJOR);
    gram(of(Kernel::kArcCos1), xm.view(), ym.view(), k.out());
    EXPECT_NEAR(k.at(0, 0), 2 * xx, 1e-7 * 2 * xx);
    EXPECT_NEAR(k.at(0, 1), 0.0, 1e-7 * 3 * xx);
    for (int L : {1, 3}) {
        gram(ntk(L), xm.view(), ym.view(), k.out());
        EXPECT_NEAR(k.at(0, 0), 2 * xx * (L + 1), 1e-7 * 2 * xx * (L + 1));
        EXPECT_TRUE(std::isfinite(k.at(0, 1)));
    }
    gram(of(Kernel::kArcCos0), xm.view(), ym.view(), k.out());
    EXPECT_NEAR(k.at(0, 0), 1.0, 1e-7);
    EXPECT_NEAR(k.at(0, 1), 0.0, 1e-7);
}

TEST(KernelExact, GaussianSymmetricUnitDiagonal) {
    // K(X, X): the diagonal's ‖x‖² − ⟨x,x⟩ is a rounding difference (~1e−16·‖x‖²), clamped at 0, so e^{−γ·it} is 1
    // within 1e−14; symmetry holds to the same rounding.
    const index_t n = 40, d = 9;
    const Matrix<double> x = to_matrix<double>(random_rows(n, d, 6), n, d, SUBQ_COL_MAJOR);
    Matrix<double> k(n, n, SUBQ_ROW_MAJOR);
    gram(gaussian(0.5), x.view(), x.view(), k.out(), {7, 0});
    for (index_t i = 0; i < n; ++i) {
        EXPECT_NEAR(k.at(i, i), 1.0, 1e-14);
        for (index_t j = 0; j < n; ++j) {
            EXPECT_NEAR(k.at(i, j), k.at(j, i), 1e-14);
            EXPECT_LE(k.at(i, j), 1.0);  // the clamped distance: never e^{+rounding}
            EXPECT_GT(k.at(i, j), 0.0);
        }
    }
}

TEST(KernelExact, PositiveSemiDefinite) {
    // Every kernel gives a PSD K(X, X): λ_min >= −1e−10·λ_max (eigenvalue rounding is ~n·ε·λ_max ≈ 1e−14·λ_max;
    // the ~1e−8 diagonal error of the arc-cos kernels is far below their λ_min on this data).
    const index_t n = 60, d = 5;
    const std::vector<double> xr = random_rows(n, d, 7);
    const Matrix<double> x = to_matrix<double>(xr, n, d, SUBQ_ROW_MAJOR);
    for (const KernelParams &p : all_kernels()) {
        Matrix<double> k(n, n, SUBQ_ROW_MAJOR);
        gram(p, x.view(), x.view(), k.out(), {16, 0});
        std::vector<double> a(static_cast<std::size_t>(n * n));
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < n; ++j) a[i * n + j] = k.at(i, j);
        const auto [lo, hi] = eigen_range(a, n);
        EXPECT_GT(hi, 0) << describe(p);
        EXPECT_GE(lo, -1e-10 * hi) << describe(p);
    }
    // Control: the check fails for a non-PSD matrix of the same data (θ/π has zero trace and is not zero).
    std::vector<double> angles(static_cast<std::size_t>(n * n));
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < n; ++j)
            angles[i * n + j] = 1 - reference(of(Kernel::kArcCos0), &xr[i * d], &xr[j * d], d);
    EXPECT_LT(eigen_range(angles, n).first, -1e-3);
}

TEST(KernelExact, FloatVariantRoundsOnlyTheResult) {
    // Float inputs are converted to double; inner products, norms and the map run in double, so the float result
    // equals the double Gram of the same (float-representable) data up to the final rounding: 2 float ulps.
    const index_t n = 11, m = 17, d = 8;
    std::vector<double> xr = random_rows(n, d, 8), yr = random_rows(m, d, 9);
    for (double &v : xr) v = static_cast<float>(v);
    for (double &v : yr) v = static_cast<float>(v);
    for (const KernelParams &p : all_kernels()) {
        const Matrix<float> xf = to_matrix<float>(xr, n, d, SUBQ_COL_MAJOR),
                            yf = to_matrix<float>(yr, m, d, SUBQ_ROW_MAJOR);
        Matrix<float> kf(n, m, SUBQ_COL_MAJOR);
        gram(p, xf.view(), yf.view(), kf.out(), {5, 0});
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < m; ++j) {
                const double expected = reference(p, &xr[i * d], &yr[j * d], d);
                ASSERT_NEAR(kf.at(i, j), expected, 2.5e-7 * std::max(1e-3, std::abs(expected)))
                    << describe(p) << " at (" << i << ", " << j << ")";
            }
    }
}

TEST(KernelExact, BlockSizeDoesNotChangeTheResult) {
    // Each entry's inner product is one dgemm dot product over d; block boundaries only regroup entries. Allow BLAS
    // kernel-dependent rounding (1e−14 relative).
    const index_t n = 50, m = 23, d = 12;
    const Matrix<double> x = to_matrix<double>(random_rows(n, d, 10), n, d, SUBQ_ROW_MAJOR);
    const Matrix<double> y = to_matrix<double>(random_rows(m, d, 11), m, d, SUBQ_COL_MAJOR);
    Matrix<double> base(n, m, SUBQ_ROW_MAJOR);
    gram(ntk(2), x.view(), y.view(), base.out());
    for (index_t block : {1, 3, 16, 100000}) {
        Matrix<double> k(n, m, SUBQ_ROW_MAJOR);
        gram(ntk(2), x.view(), y.view(), k.out(), {block, 1});
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < m; ++j)
                ASSERT_NEAR(k.at(i, j), base.at(i, j), 1e-14 * std::max(1.0, std::abs(base.at(i, j))));
    }
}

TEST(KernelExact, ThreadCountDoesNotChangeTheResult) {
    // The elementwise stage is per entry, so any thread count gives bit-identical output (design/api-style.md §9).
    // 150 x 100 entries per block is above the size at which the stage goes parallel.
    const index_t n = 150, m = 100, d = 10;
    const Matrix<double> x = to_matrix<double>(random_rows(n, d, 14), n, d, SUBQ_ROW_MAJOR);
    const Matrix<double> y = to_matrix<double>(random_rows(m, d, 15), m, d, SUBQ_ROW_MAJOR);
    for (const KernelParams &p : {gaussian(0.2), ntk(2)}) {
        Matrix<double> one(n, m, SUBQ_COL_MAJOR);
        gram(p, x.view(), y.view(), one.out(), {0, 1});
        for (std::int64_t threads : {2, 3}) {
            Matrix<double> k(n, m, SUBQ_COL_MAJOR);
            gram(p, x.view(), y.view(), k.out(), {0, threads});
            EXPECT_EQ(k.data, one.data) << describe(p) << ", " << threads << " threads";
        }
    }
}

TEST(KernelExact, EmptyInputs) {
    const Matrix<double> x(0, 3, SUBQ_ROW_MAJOR), y(4, 3, SUBQ_ROW_MAJOR);
    Matrix<double> k(0, 4, SUBQ_ROW_MAJOR, -1.0);
    EXPECT_NO_THROW(gram(of(Kernel::kArcCos1), x.view(), y.view(), k.out()));
    Matrix<double> k2(4, 0, SUBQ_ROW_MAJOR, -1.0);
    EXPECT_NO_THROW(gram(of(Kernel::kArcCos1), y.view(), x.view(), k2.out()));
}

TEST(KernelExact, ErrorStatuses) {
    const index_t n = 4, m = 3, d = 5;
    std::vector<double> xr = random_rows(n, d, 12), yr = random_rows(m, d, 13);
    Matrix<double> x = to_matrix<double>(xr, n, d, SUBQ_ROW_MAJOR), y = to_matrix<double>(yr, m, d, SUBQ_COL_MAJOR);
    Matrix<double> k(n, m, SUBQ_ROW_MAJOR, -5.0);
    const auto run = [&](const KernelParams &p) { gram(p, x.view(), y.view(), k.out()); };
    const KernelParams ok = of(Kernel::kArcCos1);

    // Parameters out of range.
    expect_error([&] { run(gaussian(0.0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
    expect_error([&] { run(polynomial(-1, 1.0, 0.0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE");
    expect_error([&] { run(ntk(0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NTK_DEPTH");
    expect_error([&] { run(of(static_cast<Kernel>(9))); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KERNEL");
    expect_error([&] { gram(ok, x.view(), y.view(), k.out(), {-1, 0}); }, SUBQ_ERR_PARAM_RANGE, "block_rows");

    // Dimensions.
    const Matrix<double> y_wide(m, d + 1, SUBQ_ROW_MAJOR);
    expect_error([&] { gram(ok, x.view(), y_wide.view(), k.out()); }, SUBQ_ERR_DIMENSION, "columns");
    Matrix<double> k_wrong(n, m + 1, SUBQ_ROW_MAJOR);
    expect_error([&] { gram(ok, x.view(), y.view(), k_wrong.out()); }, SUBQ_ERR_DIMENSION, "expected 4 x 3");
    Matrix<double> k_transposed(m, n, SUBQ_ROW_MAJOR);
    expect_error([&] { gram(ok, x.view(), y.view(), k_transposed.out()); }, SUBQ_ERR_DIMENSION, "expected");

    // NaN / Inf entries name the row (and column); a finite row whose squared norm overflows is named too.
    x.at(2, 3) = NAN;
    expect_error([&] { run(ok); }, SUBQ_ERR_NUMERICAL, "x: non-finite value at row 2, column 3");
    x.at(2, 3) = xr[2 * d + 3];
    y.at(1, 0) = -INFINITY;
    expect_error([&] { run(gaussian(1.0)); }, SUBQ_ERR_NUMERICAL, "y: non-finite value at row 1, column 0");
    y.at(1, 0) = yr[d];
    x.at(3, 1) = 1e200;
    expect_error([&] { run(ok); }, SUBQ_ERR_NUMERICAL, "x: the squared norm of row 3 overflows");
    x.at(3, 1) = xr[3 * d + 1];

    // Nothing was written by the failing calls.
    for (double v : k.data) ASSERT_EQ(v, -5.0);
    EXPECT_NO_THROW(run(ok));

    // Float inputs: the same checks.
    Matrix<float> xf = to_matrix<float>(xr, n, d, SUBQ_ROW_MAJOR), yf = to_matrix<float>(yr, m, d, SUBQ_ROW_MAJOR);
    Matrix<float> kf(n, m, SUBQ_ROW_MAJOR);
    yf.at(2, 4) = NAN;
    expect_error([&] { gram(ok, xf.view(), yf.view(), kf.out()); }, SUBQ_ERR_NUMERICAL,
                 "y: non-finite value at row 2, column 4");
}
