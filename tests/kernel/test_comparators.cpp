// The comparators (src/kernel/comparators.hpp): random Fourier features for the Gaussian kernel and Nyström
// features for every kernel, measured against the exact Gram matrix of kernel/exact.hpp.
#include <cblas.h>
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernel/comparators.hpp"
#include "kernel/exact.hpp"
#include "kernel_test_util.hpp"

using namespace subq;
using namespace subq::kernel;
using namespace subq::kernel::test;

namespace {

using Mat = std::vector<double>;

// n × d row-major Gaussian rows rescaled to norms uniform in [lo, hi].
Mat random_rows(index_t n, index_t d, std::uint64_t seed, double lo = 0.2, double hi = 3.0) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> scale(lo, hi);
    Mat x(static_cast<std::size_t>(n * d));
    for (index_t i = 0; i < n; ++i) {
        double s2 = 0;
        for (index_t j = 0; j < d; ++j) {
            const double v = normal(gen);
            x[static_cast<std::size_t>(i * d + j)] = v;
            s2 += v * v;
        }
        const double f = scale(gen) / std::sqrt(s2);
        for (index_t j = 0; j < d; ++j) x[static_cast<std::size_t>(i * d + j)] *= f;
    }
    return x;
}

DenseView<const double> view(const Mat &x, index_t n, index_t d) {
    return {x.data(), n, d, d, SUBQ_ROW_MAJOR};
}

template <class Map>
Mat features(const Map &f, const Mat &x, index_t n) {
    Mat z(static_cast<std::size_t>(n * f.output_dim()), -7.0);
    f.apply(view(x, n, f.input_dim()), DenseView<double>{z.data(), n, f.output_dim(), f.output_dim(), SUBQ_ROW_MAJOR});
    return z;
}

// ZZᵀ (n × n) of row-major n × D features.
Mat outer(const Mat &z, index_t n, index_t D) {
    Mat g(static_cast<std::size_t>(n * n));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(n), static_cast<int>(D),
                1.0, z.data(), static_cast<int>(D), z.data(), static_cast<int>(D), 0.0, g.data(), static_cast<int>(n));
    return g;
}

Mat exact(const KernelParams &p, const Mat &x, index_t n, index_t d) {
    Mat k(static_cast<std::size_t>(n * n));
    gram(p, view(x, n, d), view(x, n, d), DenseView<double>{k.data(), n, n, n, SUBQ_ROW_MAJOR});
    return k;
}

double frobenius(const Mat &a) {
    double s = 0;
    for (double v : a) s += v * v;
    return std::sqrt(s);
}

double rel_error(const Mat &approx, const Mat &k) {
    Mat diff(k.size());
    for (std::size_t i = 0; i < k.size(); ++i) diff[i] = approx[i] - k[i];
    return frobenius(diff) / frobenius(k);
}

// Eigenvalues (ascending) of a symmetric n × n matrix.
Mat eigenvalues(Mat a, index_t n) {
    Mat w(static_cast<std::size_t>(n));
    const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', static_cast<lapack_int>(n), a.data(),
                                           static_cast<lapack_int>(n), w.data());
    EXPECT_EQ(info, 0);
    return w;
}

double dot(const double *a, const double *b, index_t n) {
    double s = 0;
    for (index_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

// ===================================================== RFF =====================================================

// E⟨φ(x), φ(y)⟩ = e^{−γ‖x−y‖²} over 2,000 seeds, within 4 standard errors, for kernel values 0.2, 0.5, 0.9 and an
// even and an odd D (the odd one has the random-phase column). D is small (16/15) so that one seed's estimate has a
// standard deviation of ~0.2 and the standard error (~0.005) resolves a wrong bandwidth: W ~ N(0, γ) instead of
// N(0, 2γ) would move the 0.5 case to 0.71. The even-D map has ‖φ(x)‖² = 1 exactly (cos² + sin²).
TEST(RandomFourier, UnbiasedOverSeeds) {
    const index_t d = 4;
    const double gamma = 0.7;
    const Mat base = random_rows(1, d, 11, 1.0, 1.0);
    const Mat dir = random_rows(1, d, 12, 1.0, 1.0);
    for (const double target : {0.2, 0.5, 0.9}) {
        const double dist = std::sqrt(-std::log(target) / gamma);
        Mat xy(static_cast<std::size_t>(2 * d));
        for (index_t j = 0; j < d; ++j) {
            xy[static_cast<std::size_t>(j)] = base[static_cast<std::size_t>(j)];
            xy[static_cast<std::size_t>(d + j)] = base[static_cast<std::size_t>(j)] + dist * dir[static_cast<std::size_t>(j)];
        }
        for (const index_t D : {index_t{16}, index_t{15}}) {
            const int R = 2000;
            std::vector<double> ip(R);
            for (int r = 0; r < R; ++r) {
                const auto f = RandomFourier::create(gaussian(gamma), d, D, 1000 + static_cast<std::uint64_t>(r), 1);
                const Mat z = features(*f, xy, 2);
                ip[static_cast<std::size_t>(r)] = dot(z.data(), z.data() + D, D);
                if (D % 2 == 0) {
                    ASSERT_NEAR(dot(z.data(), z.data(), D), 1.0, 1e-14);
                }
            }
            double mean = 0, var = 0;
            for (double v : ip) mean += v / R;
            for (double v : ip) var += (v - mean) * (v - mean) / (R - 1);
            EXPECT_NEAR(mean, target, 4 * std::sqrt(var / R)) << "k = " << target << ", D = " << D;
            if (D % 2 == 0) {  // the paired variance (1 − k²)²/D, within the ±10% sampling error of a variance
                const double expected = std::pow(1 - target * target, 2) / static_cast<double>(D);
                EXPECT_NEAR(var, expected, 0.1 * expected) << "k = " << target;
            }
        }
    }
}

// 200 points: the relative Frobenius error of ZZᵀ falls like 1/√D from D = 1024 to 16384 (ratio 4), and each error
// matches its prediction √(Σ_{i≠j} (1 − k_ij²)²/D)/‖K‖_F (the paired variance summed over entries). The error is
// the root mean square over 4 seeds: one seed's ratio to the prediction spreads with sd ≈ 0.07 (measured over 12
// seeds: 0.86 … 1.17, the entries are correlated), so the 4-seed value has sd ≈ 0.035 and ±0.12 is ~3.5 sd; the
// ratio of the two errors (sd ≈ 0.05·4) is held to [3.3, 4.8].
TEST(RandomFourier, ErrorFallsAsInverseSqrtD) {
    const index_t n = 200, d = 10;
    const double gamma = 0.5;
    const Mat x = random_rows(n, d, 21, 0.5, 1.5);
    const Mat k = exact(gaussian(gamma), x, n, d);
    double off = 0;
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < n; ++j)
            if (i != j) off += std::pow(1 - std::pow(k[static_cast<std::size_t>(i * n + j)], 2), 2);
    double err[2];
    int slot = 0;
    for (const index_t D : {index_t{1024}, index_t{16384}}) {
        const int seeds = 4;
        double mean_square = 0;
        for (int s = 0; s < seeds; ++s) {
            const auto f = RandomFourier::create(gaussian(gamma), d, D, 5 + static_cast<std::uint64_t>(s));
            mean_square += std::pow(rel_error(outer(features(*f, x, n), n, D), k), 2) / seeds;
        }
        err[slot] = std::sqrt(mean_square);
        const double predicted = std::sqrt(off / static_cast<double>(D)) / frobenius(k);
        EXPECT_NEAR(err[slot] / predicted, 1.0, 0.12) << "D = " << D << ": error " << err[slot];
        ++slot;
    }
    EXPECT_GT(err[0] / err[1], 3.3);
    EXPECT_LT(err[0] / err[1], 4.8);
}

// Dense (both layouts, padded leading dimensions) = CSR; float = double rounded; any thread count and row block
// gives the same bits; the seed decides W.
TEST(RandomFourier, LayoutsCsrFloatThreadsSeeds) {
    const index_t n = 37, d = 12;
    Mat x = random_rows(n, d, 31);
    for (std::size_t i = 0; i < x.size(); i += 3) x[i] = 0;  // sparse enough to make CSR meaningful
    // float-rounded copy, so that the double run sees the float run's input
    std::vector<float> xf(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        xf[i] = static_cast<float>(x[i]);
        x[i] = static_cast<double>(xf[i]);
    }
    std::vector<index_t> indptr{0}, indices;
    std::vector<double> values;
    std::vector<float> values_f;
    for (index_t i = 0; i < n; ++i) {
        for (index_t j = 0; j < d; ++j)
            if (x[static_cast<std::size_t>(i * d + j)] != 0) {
                indices.push_back(j);
                values.push_back(x[static_cast<std::size_t>(i * d + j)]);
                values_f.push_back(xf[static_cast<std::size_t>(i * d + j)]);
            }
        indptr.push_back(static_cast<index_t>(indices.size()));
    }
    for (const index_t D : {index_t{64}, index_t{65}}) {
        const auto f = RandomFourier::create(gaussian(0.3), d, D, 77, 1);
        EXPECT_EQ(f->frequencies(), (D + 1) / 2);
        const Mat z = features(*f, x, n);
        // column-major input and output with padding
        const index_t ldx = n + 2, ldz = n + 5;
        Mat xc(static_cast<std::size_t>(ldx * d), 0.0), zc(static_cast<std::size_t>(ldz * D), 0.0);
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < d; ++j) xc[static_cast<std::size_t>(j * ldx + i)] = x[static_cast<std::size_t>(i * d + j)];
        f->apply(DenseView<const double>{xc.data(), n, d, ldx, SUBQ_COL_MAJOR},
                 DenseView<double>{zc.data(), n, D, ldz, SUBQ_COL_MAJOR});
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < D; ++j)
                ASSERT_NEAR(zc[static_cast<std::size_t>(j * ldz + i)], z[static_cast<std::size_t>(i * D + j)], 1e-13);
        // CSR: phases summed over the nonzeros instead of BLAS; same up to rounding
        Mat zs(z.size());
        f->apply_csr(CsrView<double>{n, d, indptr.data(), indices.data(), values.data()},
                     DenseView<double>{zs.data(), n, D, D, SUBQ_ROW_MAJOR});
        for (std::size_t i = 0; i < z.size(); ++i) ASSERT_NEAR(zs[i], z[i], 1e-13);
        // float: computed in double from the same inputs, so only the stored value is rounded (half an ulp)
        std::vector<float> zf(z.size()), zsf(z.size());
        f->apply(DenseView<const float>{xf.data(), n, d, d, SUBQ_ROW_MAJOR},
                 DenseView<float>{zf.data(), n, D, D, SUBQ_ROW_MAJOR});
        f->apply_csr(CsrView<float>{n, d, indptr.data(), indices.data(), values_f.data()},
                     DenseView<float>{zsf.data(), n, D, D, SUBQ_ROW_MAJOR});
        for (std::size_t i = 0; i < z.size(); ++i) {
            ASSERT_NEAR(zf[i], z[i], 0x1.0p-24 * std::abs(z[i]) + 1e-300);
            ASSERT_NEAR(zsf[i], zs[i], 0x1.0p-24 * std::abs(zs[i]) + 1e-300);
        }
        // thread counts: the same bits (dense and CSR); row blocks: the same up to the BLAS's rounding (its kernels
        // for a 5-row remainder may order operations differently; phases ~1, so 1e−14 is ~50 ulps)
        for (const std::int64_t threads : {2, 3}) {
            for (const std::int64_t block : {0, 5}) {
                const auto g = RandomFourier::create(gaussian(0.3), d, D, 77, threads, block);
                const Mat zg = features(*g, x, n);
                if (block == 0) {
                    EXPECT_EQ(zg, z) << threads << " threads";
                } else {
                    for (std::size_t i = 0; i < z.size(); ++i) ASSERT_NEAR(zg[i], z[i], 1e-14) << "block " << block;
                }
                Mat gs(z.size());
                g->apply_csr(CsrView<double>{n, d, indptr.data(), indices.data(), values.data()},
                             DenseView<double>{gs.data(), n, D, D, SUBQ_ROW_MAJOR});
                EXPECT_EQ(gs, zs);
            }
        }
        // another seed, other frequencies
        EXPECT_NE(features(*RandomFourier::create(gaussian(0.3), d, D, 78, 1), x, n), z);
        // empty input
        f->apply(DenseView<const double>{x.data(), 0, d, d, SUBQ_ROW_MAJOR},
                 DenseView<double>{zs.data(), 0, D, D, SUBQ_ROW_MAJOR});
    }
    // D = 1: the single random-phase column √2·cos(w·x + b)
    const auto one = RandomFourier::create(gaussian(0.3), d, 1, 3);
    const Mat z1 = features(*one, x, n);
    for (double v : z1) EXPECT_LE(std::abs(v), std::sqrt(2.0) + 1e-15);
}

TEST(RandomFourier, Errors) {
    expect_error([] { RandomFourier::create(of(Kernel::kArcCos1), 3, 8, 0); }, SUBQ_ERR_UNSUPPORTED, "arccos1");
    expect_error([] { RandomFourier::create(polynomial(2, 1, 1), 3, 8, 0); }, SUBQ_ERR_UNSUPPORTED, "Gaussian");
    expect_error([] { RandomFourier::create(gaussian(0.0), 3, 8, 0); }, SUBQ_ERR_PARAM_RANGE, "");
    expect_error([] { RandomFourier::create(gaussian(std::nan("")), 3, 8, 0); }, SUBQ_ERR_PARAM_RANGE, "");
    expect_error([] { RandomFourier::create(gaussian(1), 0, 8, 0); }, SUBQ_ERR_DIMENSION, "INPUT_DIM");
    expect_error([] { RandomFourier::create(gaussian(1), 3, 0, 0); }, SUBQ_ERR_DIMENSION, "OUTPUT_DIM");
    expect_error([] { RandomFourier::create(gaussian(1), 3, 8, 0, -1); }, SUBQ_ERR_PARAM_RANGE, "num_threads");
    expect_error([] { RandomFourier::create(gaussian(1), 3, 8, 0, 0, -2); }, SUBQ_ERR_PARAM_RANGE, "block_rows");
    const auto f = RandomFourier::create(gaussian(1), 3, 8, 0);
    Mat x(12, 0.5), z(4 * 8);
    expect_error([&] { f->apply(view(x, 3, 4), DenseView<double>{z.data(), 3, 8, 8, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_DIMENSION, "input dimension 3");
    expect_error([&] { f->apply(view(x, 4, 3), DenseView<double>{z.data(), 4, 7, 8, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_DIMENSION, "expected 4 x 8");
    const index_t indptr[2] = {0, 1}, indices[1] = {0};
    const double values[1] = {1.0};
    expect_error([&] { f->apply_csr(CsrView<double>{1, 5, indptr, indices, values}, DenseView<double>{z.data(), 1, 8, 8, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_DIMENSION, "input dimension 3");
}

// =================================================== Nyström ===================================================

struct NamedKernel {
    const char *name;
    KernelParams params;
};

std::vector<NamedKernel> all_kernels() {
    return {{"polynomial p=3", polynomial(3, 0.5, 1.0)},
            {"polynomial p=2 c=0 (rank 36)", polynomial(2, 1.0, 0.0)},
            {"gaussian", gaussian(0.5)},
            {"arccos0", of(Kernel::kArcCos0)},
            {"arccos1", of(Kernel::kArcCos1)},
            {"ntk L=2 both", ntk(2)},
            {"ntk L=3 first", ntk(3, NtkConvention::kFirstLayer)}};
}

// Landmarks = all n points: ΦΦᵀ = K·K^+·K = K up to the dropped eigenvalues (<= 1e−12·λ_1 each) and rounding.
// 1e−8 relative leaves room for the ~1e−9 noise of arc-cos diagonal entries (exact.hpp) and is far below any
// real approximation error (a missing landmark costs > 1e−3 here). The configured k = 64 > n = 40 shrinks to n.
TEST(Nystrom, AllPointsAsLandmarksReproduceK) {
    const index_t n = 40, d = 8;
    const Mat x = random_rows(n, d, 41);
    for (const auto &kc : all_kernels()) {
        const auto f = Nystrom::create(kc.params, d, 64, 9);
        EXPECT_FALSE(f->fitted());
        EXPECT_EQ(f->output_dim(), 64);
        f->fit(view(x, n, d));
        ASSERT_TRUE(f->fitted());
        ASSERT_EQ(f->output_dim(), n) << kc.name;
        std::vector<index_t> idx = f->landmark_indices();
        std::sort(idx.begin(), idx.end());
        for (index_t i = 0; i < n; ++i) ASSERT_EQ(idx[static_cast<std::size_t>(i)], i);  // a permutation
        const Mat z = features(*f, x, n);
        const Mat k = exact(kc.params, x, n, d);
        EXPECT_LT(rel_error(outer(z, n, n), k), 1e-8) << kc.name;
        // eigenvalues decreasing; columns beyond the rank are zero
        const auto &w = f->eigenvalues();
        ASSERT_EQ(static_cast<index_t>(w.size()), n);
        for (std::size_t j = 1; j < w.size(); ++j) ASSERT_GE(w[j - 1], w[j]);
        for (index_t i = 0; i < n; ++i)
            for (index_t c = f->rank(); c < n; ++c) ASSERT_EQ(z[static_cast<std::size_t>(i * n + c)], 0.0);
        if (kc.params.kernel == Kernel::kPolynomial && kc.params.coef0 == 0) {
            EXPECT_LE(f->rank(), d * (d + 1) / 2) << "degree-2 homogeneous features span d(d+1)/2 dimensions";
        } else {
            EXPECT_EQ(f->rank(), n) << kc.name;
        }
    }
}

// k < n: ΦΦᵀ ⪯ K (K − ΦΦᵀ is a Schur complement, PSD), checked as λ_min(K − ΦΦᵀ) >= −1e−9·λ_max(K) (rounding
// and the ~1e−8 arc-cos entry noise are ~1e−10 of λ_max at this size); the landmark sets are nested (same seed), so
// the error cannot grow with k; here it strictly falls.
TEST(Nystrom, FewerLandmarksUnderestimateAndImproveWithK) {
    const index_t n = 150, d = 6;
    const Mat x = random_rows(n, d, 51);
    for (const auto &kc : all_kernels()) {
        const Mat k = exact(kc.params, x, n, d);
        const double top = eigenvalues(k, n).back();
        double previous = std::numeric_limits<double>::infinity();
        std::vector<index_t> previous_idx;
        for (const index_t m : {index_t{5}, index_t{20}, index_t{80}}) {
            const auto f = Nystrom::create(kc.params, d, m, 3);
            f->fit(view(x, n, d));
            ASSERT_EQ(f->output_dim(), m);
            const auto &idx = f->landmark_indices();
            ASSERT_TRUE(std::equal(previous_idx.begin(), previous_idx.end(), idx.begin())) << "nested draws";
            previous_idx = idx;
            const Mat g = outer(features(*f, x, n), n, m);
            Mat residual(k.size());
            for (std::size_t i = 0; i < k.size(); ++i) residual[i] = k[i] - g[i];
            EXPECT_GE(eigenvalues(residual, n).front(), -1e-9 * top) << kc.name << ", k = " << m;
            const double err = rel_error(g, k);
            EXPECT_LT(err, previous) << kc.name << ", k = " << m;
            previous = err;
        }
    }
}

// Caller-given landmarks: output_dim becomes their count; fit(x) = set_landmarks(the drawn rows) bit for bit;
// at the landmarks themselves ΦΦᵀ = K(L, L); a duplicated landmark reduces the rank and leaves a zero column.
TEST(Nystrom, SetLandmarks) {
    const index_t n = 60, d = 5;
    const Mat x = random_rows(n, d, 61);
    const KernelParams p = ntk(2);
    const auto a = Nystrom::create(p, d, 12, 4);
    a->fit(view(x, n, d));
    Mat rows;
    for (index_t i : a->landmark_indices())
        rows.insert(rows.end(), x.begin() + i * d, x.begin() + (i + 1) * d);
    const auto b = Nystrom::create(p, d, 99, 123);
    b->set_landmarks(view(rows, 12, d));
    EXPECT_EQ(b->output_dim(), 12);
    EXPECT_TRUE(b->landmark_indices().empty());
    EXPECT_EQ(b->landmarks(), rows);
    EXPECT_EQ(features(*b, x, n), features(*a, x, n));

    // three landmarks on a k = 10 configuration, the third a copy of the first
    Mat l(x.begin(), x.begin() + 3 * d);
    std::copy(x.begin(), x.begin() + d, l.begin() + 2 * d);
    const auto c = Nystrom::create(gaussian(0.4), d, 10, 0);
    c->set_landmarks(view(l, 3, d));
    ASSERT_EQ(c->output_dim(), 3);
    EXPECT_EQ(c->rank(), 2);
    const Mat zl = features(*c, l, 3);
    const Mat kl = exact(gaussian(0.4), l, 3, d);
    const Mat gl = outer(zl, 3, 3);
    for (std::size_t i = 0; i < kl.size(); ++i) EXPECT_NEAR(gl[i], kl[i], 1e-12);
    for (index_t i = 0; i < 3; ++i) EXPECT_EQ(zl[static_cast<std::size_t>(i * 3 + 2)], 0.0);

    // a later fit() draws the configured k again; n < k uses all rows
    c->fit(view(x, 4, d));
    EXPECT_EQ(c->output_dim(), 4);
    c->fit(view(x, n, d));
    EXPECT_EQ(c->output_dim(), 10);
    EXPECT_FALSE(c->landmark_indices().empty());
}

// Seeds decide the landmarks; thread counts do not change a bit; layouts, CSR and float agree.
TEST(Nystrom, DeterminismLayoutsCsrFloat) {
    const index_t n = 90, d = 7, k = 25;
    Mat x = random_rows(n, d, 71);
    for (std::size_t i = 1; i < x.size(); i += 4) x[i] = 0;
    std::vector<float> xf(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        xf[i] = static_cast<float>(x[i]);
        x[i] = static_cast<double>(xf[i]);
    }
    const KernelParams p = of(Kernel::kArcCos1);
    const auto f = Nystrom::create(p, d, k, 17, 1);
    f->fit(view(x, n, d));
    const Mat z = features(*f, x, n);
    for (const std::int64_t threads : {0, 2, 3}) {
        const auto g = Nystrom::create(p, d, k, 17, threads);
        g->fit(view(x, n, d));
        EXPECT_EQ(g->landmark_indices(), f->landmark_indices());
        EXPECT_EQ(features(*g, x, n), z) << threads << " threads";
    }
    const auto other = Nystrom::create(p, d, k, 18, 1);
    other->fit(view(x, n, d));
    EXPECT_NE(other->landmark_indices(), f->landmark_indices());

    // column-major, padded
    const index_t ldx = n + 3, ldz = n + 1;
    Mat xc(static_cast<std::size_t>(ldx * d), 0.0), zc(static_cast<std::size_t>(ldz * k), 0.0);
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < d; ++j) xc[static_cast<std::size_t>(j * ldx + i)] = x[static_cast<std::size_t>(i * d + j)];
    f->apply(DenseView<const double>{xc.data(), n, d, ldx, SUBQ_COL_MAJOR},
             DenseView<double>{zc.data(), n, k, ldz, SUBQ_COL_MAJOR});
    double scale = 0;
    for (double v : z) scale = std::max(scale, std::abs(v));
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < k; ++j)
            ASSERT_NEAR(zc[static_cast<std::size_t>(j * ldz + i)], z[static_cast<std::size_t>(i * k + j)], 1e-12 * scale);
    // CSR (densified internally: the same kernel values)
    std::vector<index_t> indptr{0}, indices;
    std::vector<double> values;
    std::vector<float> values_f;
    for (index_t i = 0; i < n; ++i) {
        for (index_t j = 0; j < d; ++j)
            if (x[static_cast<std::size_t>(i * d + j)] != 0) {
                indices.push_back(j);
                values.push_back(x[static_cast<std::size_t>(i * d + j)]);
                values_f.push_back(xf[static_cast<std::size_t>(i * d + j)]);
            }
        indptr.push_back(static_cast<index_t>(indices.size()));
    }
    Mat zs(z.size());
    f->apply_csr(CsrView<double>{n, d, indptr.data(), indices.data(), values.data()},
                 DenseView<double>{zs.data(), n, k, k, SUBQ_ROW_MAJOR});
    for (std::size_t i = 0; i < z.size(); ++i) ASSERT_NEAR(zs[i], z[i], 1e-12 * scale);
    // float: fit and apply in double from the same (float) values; only the stored features are rounded
    const auto h = Nystrom::create(p, d, k, 17, 1);
    h->fit(DenseView<const float>{xf.data(), n, d, d, SUBQ_ROW_MAJOR});
    EXPECT_EQ(h->landmarks(), f->landmarks());
    EXPECT_EQ(h->eigenvalues(), f->eigenvalues());
    std::vector<float> zf(z.size()), zsf(z.size());
    h->apply(DenseView<const float>{xf.data(), n, d, d, SUBQ_ROW_MAJOR}, DenseView<float>{zf.data(), n, k, k, SUBQ_ROW_MAJOR});
    h->apply_csr(CsrView<float>{n, d, indptr.data(), indices.data(), values_f.data()},
                 DenseView<float>{zsf.data(), n, k, k, SUBQ_ROW_MAJOR});
    for (std::size_t i = 0; i < z.size(); ++i) {
        ASSERT_NEAR(zf[i], z[i], 0x1.0p-24 * std::abs(z[i]) + 1e-300);
        ASSERT_NEAR(zsf[i], zs[i], 0x1.0p-24 * std::abs(zs[i]) + 1e-300);
    }
}

TEST(Nystrom, Errors) {
    expect_error([] { Nystrom::create(gaussian(-1), 3, 8, 0); }, SUBQ_ERR_PARAM_RANGE, "");
    expect_error([] { Nystrom::create(ntk(0), 3, 8, 0); }, SUBQ_ERR_PARAM_RANGE, "");
    expect_error([] { Nystrom::create(gaussian(1), 0, 8, 0); }, SUBQ_ERR_DIMENSION, "INPUT_DIM");
    expect_error([] { Nystrom::create(gaussian(1), 3, 0, 0); }, SUBQ_ERR_DIMENSION, "OUTPUT_DIM");
    expect_error([] { Nystrom::create(gaussian(1), 3, 8, 0, -1); }, SUBQ_ERR_PARAM_RANGE, "num_threads");

    const index_t d = 3;
    const auto f = Nystrom::create(of(Kernel::kArcCos0), d, 4, 0);
    Mat x = random_rows(10, d, 81), z(10 * 4);
    expect_error([&] { f->apply(view(x, 10, d), DenseView<double>{z.data(), 10, 4, 4, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_STATE, "fit()");
    const index_t indptr[2] = {0, 0};
    expect_error([&] { f->apply_csr(CsrView<double>{1, d, indptr, nullptr, nullptr}, DenseView<double>{z.data(), 1, 4, 4, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_STATE, "fit()");
    expect_error([&] { f->fit(view(x, 5, 2)); }, SUBQ_ERR_DIMENSION, "input dimension 3");
    expect_error([&] { f->fit(view(x, 0, d)); }, SUBQ_ERR_DIMENSION, "no rows");
    expect_error([&] { f->set_landmarks(view(x, 0, d)); }, SUBQ_ERR_DIMENSION, "no landmarks");
    expect_error([&] { f->set_landmarks(view(x, 2, 4)); }, SUBQ_ERR_DIMENSION, "input dimension 3");
    Mat bad = x;
    bad[static_cast<std::size_t>(7 * d + 2)] = std::numeric_limits<double>::infinity();
    expect_error([&] { f->fit(view(bad, 10, d)); }, SUBQ_ERR_NUMERICAL, "row 7, column 2");
    bad[static_cast<std::size_t>(1 * d + 0)] = std::nan("");
    expect_error([&] { f->set_landmarks(view(bad, 3, d)); }, SUBQ_ERR_NUMERICAL, "row 1, column 0");
    EXPECT_FALSE(f->fitted());

    f->fit(view(x, 10, d));
    const Mat before = features(*f, x, 10);
    // a failed fit changes nothing
    expect_error([&] { f->fit(view(bad, 10, d)); }, SUBQ_ERR_NUMERICAL, "non-finite");
    EXPECT_TRUE(f->fitted());
    EXPECT_EQ(features(*f, x, 10), before);
    // shapes and non-finite input of apply (absolute row numbers)
    expect_error([&] { f->apply(view(x, 10, d), DenseView<double>{z.data(), 10, 3, 4, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_DIMENSION, "expected 10 x 4");
    expect_error([&] { f->apply(view(x, 5, 2), DenseView<double>{z.data(), 5, 4, 4, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_DIMENSION, "input dimension 3");
    expect_error([&] { f->apply(view(bad, 10, d), DenseView<double>{z.data(), 10, 4, 4, SUBQ_ROW_MAJOR}); },
                 SUBQ_ERR_NUMERICAL, "row 1, column 0");
    // landmark kernel values that overflow: (⟨x,y⟩)^1024 with ‖x‖ = 10
    const auto g = Nystrom::create(polynomial(1024, 1.0, 0.0), d, 3, 0);
    Mat big = random_rows(3, d, 82, 10.0, 10.0);
    expect_error([&] { g->set_landmarks(view(big, 3, d)); }, SUBQ_ERR_NUMERICAL, "not finite");
    EXPECT_FALSE(g->fitted());
}

}  // namespace
