// Taylor feature maps (src/kernel/featuremap.hpp; design/algorithms.md §4.4–§4.5, test S13).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "kernel/exact.hpp"
#include "kernel/featuremap.hpp"

namespace subq::kernel {
namespace {

using Mat = std::vector<double>;

Mat random_rows(index_t n, index_t d, std::uint64_t seed, double scale = 1.0) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> nd;
    Mat x(static_cast<std::size_t>(n * d));
    for (auto &v : x) v = nd(gen) * scale;
    return x;
}

double dot(const double *a, const double *b, index_t n) {
    double s = 0;
    for (index_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

Mat features(const FeatureMap &f, const Mat &x, index_t n) {
    Mat z(static_cast<std::size_t>(n * f.output_dim()), -7.0);
    f.apply(DenseView<const double>{x.data(), n, f.input_dim(), f.input_dim(), SUBQ_ROW_MAJOR},
            DenseView<double>{z.data(), n, f.output_dim(), f.output_dim(), SUBQ_ROW_MAJOR});
    return z;
}

FeatureMapParams fm_params(Kernel k, index_t d, index_t D, std::uint64_t seed) {
    FeatureMapParams p;
    p.kernel.kernel = k;
    p.input_dim = d;
    p.output_dim = D;
    p.seed = seed;
    return p;
}

// The truncated kernel k_q(x, y) from the coefficients: what the sampled map is unbiased for.
double truncated_kernel(const FeatureMapParams &p, std::int64_t q, const double *x, const double *y, index_t d) {
    const std::vector<double> c = coefficients(p.kernel, q);
    const double nx = std::sqrt(dot(x, x, d)), ny = std::sqrt(dot(y, y, d));
    double s, pre;
    if (p.kernel.kernel == Kernel::kGaussian) {
        s = 2 * p.kernel.gamma * dot(x, y, d);
        pre = std::exp(-p.kernel.gamma * (nx * nx + ny * ny));
    } else {
        s = dot(x, y, d) / (nx * ny);
        pre = std::pow(nx * ny, homogeneity(p.kernel.kernel).value_or(0));
    }
    double sum = 0;
    for (std::int64_t l = q; l >= 0; --l) sum = sum * s + c[static_cast<std::size_t>(l)];
    return pre * sum;
}

// S13: with degree sampling, E⟨φ(x), φ(y)⟩ = k_{q_max}(x, y) over seeds (the block counts are random too), Σ k_ℓ = B,
// and the mean k_ℓ/B approaches p_ℓ. q_max = 16 (tolerance 0: the cap binds), D = 1 + 15·64.
TEST(FeatureMap, DegreeSamplingUnbiasedS13) {
    const index_t d = 6, g = 64, B = 15, D = 1 + B * g;
    Mat xy = random_rows(2, d, 3);
    for (index_t j = 0; j < d; ++j)
        xy[static_cast<std::size_t>(d + j)] =
            0.6 * xy[static_cast<std::size_t>(j)] + 0.5 * xy[static_cast<std::size_t>(d + j)];
    struct Case {
        Kernel k;
        int depth;
    };
    for (const Case kc : {Case{Kernel::kArcCos1, 1}, Case{Kernel::kNtk, 2}, Case{Kernel::kArcCos0, 1}}) {
        FeatureMapParams p = fm_params(kc.k, d, D, 0);
        p.kernel.depth = kc.depth;
        p.granularity = g;
        p.tolerance = 0;
        p.max_degree = 16;
        const double exact = truncated_kernel(p, 16, xy.data(), xy.data() + d, d);
        const std::vector<double> c = coefficients(p.kernel, 16);
        double csum = 0;
        for (int l = 1; l <= 16; ++l) csum += c[static_cast<std::size_t>(l)];
        const int R = 2000;
        std::vector<double> ip(R);
        std::vector<double> mean_blocks(17, 0.0);
        for (int r = 0; r < R; ++r) {
            p.seed = 100 + static_cast<std::uint64_t>(r);
            const auto f = FeatureMap::create(p);
            ASSERT_EQ(f->truncation().degree, 16);
            index_t total = 0;
            for (int l = 1; l <= 16; ++l) {
                total += f->degree_columns(l);
                mean_blocks[static_cast<std::size_t>(l)] += static_cast<double>(f->degree_columns(l) / g) / R;
            }
            ASSERT_EQ(total, B * g);  // Σ k_ℓ = B
            const Mat z = features(*f, xy, 2);
            ip[static_cast<std::size_t>(r)] = dot(z.data(), z.data() + D, D);
        }
        double mean = 0, var = 0;
        for (double v : ip) mean += v / R;
        for (double v : ip) var += (v - mean) * (v - mean) / (R - 1);
        EXPECT_NEAR(mean, exact, 4 * std::sqrt(var / R) + 1e-12) << kernel_name(kc.k);
        // block counts: E k_ℓ/B = p_ℓ = c_ℓ/Σc (ρ = 1); the systematic draw gives k_ℓ ∈ {⌊Bp_ℓ⌋, ⌈Bp_ℓ⌉}, so the mean
        // over R draws is within 1/√R of B·p_ℓ in units of blocks
        for (int l = 1; l <= 16; ++l)
            EXPECT_NEAR(mean_blocks[static_cast<std::size_t>(l)], B * c[static_cast<std::size_t>(l)] / csum, 0.1)
                << kernel_name(kc.k) << " degree " << l;
    }
}

TEST(FeatureMap, GaussianUnbiasedWithNormPrefactors) {
    const index_t d = 5, D = 1 + 12 * 32;
    Mat xy = random_rows(2, d, 9, 0.3);
    FeatureMapParams p = fm_params(Kernel::kGaussian, d, D, 0);
    p.kernel.gamma = 0.8;
    p.granularity = 32;
    p.tolerance = 0;
    p.max_degree = 12;
    const double exact = truncated_kernel(p, 12, xy.data(), xy.data() + d, d);
    const int R = 2000;
    std::vector<double> ip(R);
    for (int r = 0; r < R; ++r) {
        p.seed = 7 + static_cast<std::uint64_t>(r);
        const auto f = FeatureMap::create(p);
        const Mat z = features(*f, xy, 2);
        ip[static_cast<std::size_t>(r)] = dot(z.data(), z.data() + D, D);
    }
    double mean = 0, var = 0;
    for (double v : ip) mean += v / R;
    for (double v : ip) var += (v - mean) * (v - mean) / (R - 1);
    EXPECT_NEAR(mean, exact, 4 * std::sqrt(var / R));
    // the truncated series is within its reported tail of the RBF kernel itself
    double dist2 = 0;
    for (index_t j = 0; j < d; ++j)
        dist2 += std::pow(xy[static_cast<std::size_t>(j)] - xy[static_cast<std::size_t>(d + j)], 2);
    EXPECT_NEAR(exact, std::exp(-0.8 * dist2), 1e-6);
}

// Features converge to the exact kernel as D grows (relative Frobenius error over 200 points).
TEST(FeatureMap, ConvergesToExactKernelAsDGrows) {
    const index_t n = 200, d = 16;
    Mat x = random_rows(n, d, 21);
    for (index_t i = 0; i < n; ++i)  // a shared direction, as in real data: cosines away from 0
        for (index_t j = 0; j < d; ++j) x[static_cast<std::size_t>(i * d + j)] += 1.5;
    for (Kernel k : {Kernel::kArcCos1, Kernel::kNtk, Kernel::kGaussian}) {
        KernelParams kp;
        kp.kernel = k;
        kp.depth = 2;
        kp.gamma = 0.02;
        Mat K(static_cast<std::size_t>(n * n));
        gram(kp, DenseView<const double>{x.data(), n, d, d, SUBQ_ROW_MAJOR},
             DenseView<const double>{x.data(), n, d, d, SUBQ_ROW_MAJOR},
             DenseView<double>{K.data(), n, n, n, SUBQ_ROW_MAJOR});
        std::vector<double> errs;
        for (index_t D : {index_t{513}, index_t{4097}}) {
            FeatureMapParams p = fm_params(k, d, D, 5);
            p.kernel = kp;
            p.granularity = 64;
            for (index_t i = 0; i < n; ++i)  // the Gaussian's degree choice needs ‖x‖ <= R
                p.radius = std::max(p.radius, std::sqrt(dot(x.data() + i * d, x.data() + i * d, d)));
            const auto f = FeatureMap::create(p);
            const Mat z = features(*f, x, n);
            double e = 0, kn = 0;
            for (index_t i = 0; i < n; ++i)
                for (index_t j = 0; j < n; ++j) {
                    const double v =
                        dot(z.data() + i * D, z.data() + j * D, D) - K[static_cast<std::size_t>(i * n + j)];
                    e += v * v;
                    kn += K[static_cast<std::size_t>(i * n + j)] * K[static_cast<std::size_t>(i * n + j)];
                }
            errs.push_back(std::sqrt(e / kn));
        }
        // 8x the columns: the sampling error shrinks by about √8 ≈ 2.8 or more (measured: arc-cos 1 0.088 -> 0.008,
        // NTK 0.097 -> 0.020, Gaussian 0.354 -> 0.054); ask for 1.8x, and a small final error
        EXPECT_LT(errs[1], errs[0] / 1.8) << kernel_name(k) << " " << errs[0] << " -> " << errs[1];
        EXPECT_LT(errs[1], 0.08) << kernel_name(k) << " " << errs[1];
    }
}

TEST(FeatureMap, PolynomialIsTheExactTreeAndZeroRowsKeepDegreeZero) {
    const index_t d = 7, D = 64;
    const Mat x = random_rows(4, d, 2);
    FeatureMapParams p = fm_params(Kernel::kPolynomial, d, D, 11);
    p.kernel.degree = 3;
    p.kernel.gamma = 0.5;
    p.kernel.coef0 = 2;
    const auto f = FeatureMap::create(p);
    sketch::TreeParams tp;
    tp.input_dim = d;
    tp.output_dim = D;
    tp.degree = 3;
    tp.gamma = 0.5;
    tp.coef0 = 2;
    tp.seed = 11;
    const auto t = sketch::TreeSketch::create(tp);
    Mat zt(static_cast<std::size_t>(4 * D));
    t->apply(DenseView<const double>{x.data(), 4, d, d, SUBQ_ROW_MAJOR},
             DenseView<double>{zt.data(), 4, D, D, SUBQ_ROW_MAJOR});
    EXPECT_EQ(features(*f, x, 4), zt);
    EXPECT_EQ(f->truncation().tail, 0.0);

    // arc-cos 0 (h = 0): a zero row keeps its degree-0 coordinate √c₀ = √½; arc-cos 1 (h = 1): all zero
    for (Kernel k : {Kernel::kArcCos0, Kernel::kArcCos1}) {
        const auto fm = FeatureMap::create(fm_params(k, d, 257, 1));
        Mat zero(static_cast<std::size_t>(d), 0.0);
        const Mat z = features(*fm, zero, 1);
        EXPECT_DOUBLE_EQ(z[0], k == Kernel::kArcCos0 ? std::sqrt(0.5) : 0.0);
        for (index_t c = 1; c < 257; ++c) EXPECT_EQ(z[static_cast<std::size_t>(c)], 0.0);
    }
}

TEST(FeatureMap, DeterministicCsrAndFloat32) {
    const index_t n = 50, d = 30, D = 300;
    Mat x = random_rows(n, d, 4);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = k % 4 != 0 ? 0.0 : static_cast<double>(static_cast<float>(x[k]));
    std::vector<index_t> indptr{0}, indices;
    std::vector<double> values;
    for (index_t i = 0; i < n; ++i) {
        for (index_t j = 0; j < d; ++j)
            if (x[static_cast<std::size_t>(i * d + j)] != 0) {
                indices.push_back(j);
                values.push_back(x[static_cast<std::size_t>(i * d + j)]);
            }
        indptr.push_back(static_cast<index_t>(indices.size()));
    }
    for (Kernel k : {Kernel::kNtk, Kernel::kGaussian, Kernel::kArcCos0}) {
        Mat ref;
        for (std::int64_t threads : {1, 2}) {
            FeatureMapParams p = fm_params(k, d, D, 3);
            p.kernel.gamma = 0.1;
            p.granularity = 32;
            p.num_threads = threads;
            p.block_rows = threads == 1 ? 7 : 0;
            const auto f = FeatureMap::create(p);
            const Mat z = features(*f, x, n);
            if (ref.empty()) ref = z;
            EXPECT_EQ(z, ref) << kernel_name(k);
            Mat zc(z.size());
            f->apply_csr(CsrView<double>{n, d, indptr.data(), indices.data(), values.data()},
                         DenseView<double>{zc.data(), n, D, D, SUBQ_ROW_MAJOR});
            EXPECT_EQ(zc, z) << kernel_name(k);
            std::vector<float> xf(x.begin(), x.end()), zf(z.size());
            f->apply(DenseView<const float>{xf.data(), n, d, d, SUBQ_ROW_MAJOR},
                     DenseView<float>{zf.data(), n, D, D, SUBQ_ROW_MAJOR});
            for (std::size_t i = 0; i < z.size(); ++i) ASSERT_EQ(zf[i], static_cast<float>(z[i]));
        }
    }
}

TEST(FeatureMap, Errors) {
    const auto status_of = [](FeatureMapParams p) {
        try {
            FeatureMap::create(p);
        } catch (const Error &e) {
            return e.status();
        }
        return SUBQ_OK;
    };
    const FeatureMapParams ok = fm_params(Kernel::kArcCos1, 10, 100, 1);
    EXPECT_EQ(status_of(ok), SUBQ_OK);
    FeatureMapParams p = ok;
    p.output_dim = 1;
    EXPECT_EQ(status_of(p), SUBQ_ERR_DIMENSION);
    p = ok;
    p.kernel.kernel = static_cast<Kernel>(9);
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.kernel.kernel = Kernel::kNtk;
    p.kernel.depth = 0;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.tolerance = -1;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.max_degree = 2000;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.radius = 0;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.kernel.kernel = Kernel::kGaussian;
    p.kernel.gamma = -1;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    // NaN/Inf input: SUBQ_ERR_NUMERICAL naming the row, and z untouched (dense and CSR, a series kernel and the
    // polynomial)
    for (Kernel k : {Kernel::kArcCos1, Kernel::kPolynomial}) {
        FeatureMapParams q = ok;
        q.kernel.kernel = k;
        const auto fm = FeatureMap::create(q);
        Mat bad(30, 0.5), out(300, -7.0);
        bad[25] = std::nan("");
        try {
            fm->apply(DenseView<const double>{bad.data(), 3, 10, 10, SUBQ_ROW_MAJOR},
                      DenseView<double>{out.data(), 3, 100, 100, SUBQ_ROW_MAJOR});
            ADD_FAILURE() << "no error";
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_NUMERICAL);
            EXPECT_NE(std::string(e.what()).find("row 2"), std::string::npos) << e.what();
        }
        for (double v : out) ASSERT_EQ(v, -7.0);
        const std::vector<index_t> indptr{0, 1, 2}, indices{0, 3};
        const std::vector<double> values{1.0, HUGE_VAL};
        EXPECT_THROW(fm->apply_csr(CsrView<double>{2, 10, indptr.data(), indices.data(), values.data()},
                                   DenseView<double>{out.data(), 2, 100, 100, SUBQ_ROW_MAJOR}),
                     Error);
    }
    const auto f = FeatureMap::create(ok);
    Mat x(20), z(200);
    EXPECT_THROW(f->apply(DenseView<const double>{x.data(), 2, 9, 9, SUBQ_ROW_MAJOR},
                          DenseView<double>{z.data(), 2, 100, 100, SUBQ_ROW_MAJOR}),
                 Error);
}

}  // namespace
}  // namespace subq::kernel
