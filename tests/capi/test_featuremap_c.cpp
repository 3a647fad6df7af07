// Kernel feature maps and exact kernel matrices through the C API (include/subq/featuremap.h): creation for every
// kernel and method from a SUBQ_KIND_FEATUREMAP config, dimensions, the Taylor truncation against the closed-form
// series, agreement of the dense/CSR/f32/layout entry points, convergence of ZZᵀ to subq_kernel_gram_f64 as D
// grows, Nyström reproducing the Gram matrix, and the error paths with their messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "capi_test_util.hpp"
#include "subq/subq.h"

namespace {

using namespace subq_capi_test;
using ConfigPtr = ConfigOf<SUBQ_KIND_FEATUREMAP>;

// Deterministic values in [-1, 1], multiples of 2^-10 (exact in float), some of them zero.
std::vector<double> grid_values(std::size_t n, unsigned seed) {
    std::vector<double> v(n);
    std::uint64_t s = seed * 2654435761u + 1;
    for (auto &e : v) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        e = static_cast<double>(static_cast<std::int64_t>(s >> 33) % 2049 - 1024) / 1024.0;
        if ((s >> 20) % 5 == 0) e = 0;
    }
    return v;
}

// n rows of d Gaussian coordinates scaled to unit norm (Box–Muller on an LCG).
std::vector<double> unit_rows(int64_t n, int64_t d, unsigned seed) {
    std::vector<double> x(static_cast<std::size_t>(n * d));
    std::uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 7;
    const auto uniform = [&] {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return (static_cast<double>(s >> 11) + 0.5) / 9007199254740992.0;
    };
    for (auto &e : x) e = std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform());
    for (int64_t i = 0; i < n; ++i) {
        double ss = 0;
        for (int64_t j = 0; j < d; ++j) ss += x[static_cast<std::size_t>(i * d + j)] * x[static_cast<std::size_t>(i * d + j)];
        for (int64_t j = 0; j < d; ++j) x[static_cast<std::size_t>(i * d + j)] /= std::sqrt(ss);
    }
    return x;
}

struct Csr {
    std::vector<subq_index> indptr{0}, indices;
    std::vector<double> values;
};
Csr to_csr(const std::vector<double> &x, int64_t n, int64_t d) {
    Csr c;
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < d; ++j) {
            const double v = x[static_cast<std::size_t>(i * d + j)];
            if (v != 0) {
                c.indices.push_back(j);
                c.values.push_back(v);
            }
        }
        c.indptr.push_back(static_cast<subq_index>(c.indices.size()));
    }
    return c;
}

// The exact Gram matrix of the rows of x (n×d row-major) under the kernel keys of cfg.
std::vector<double> gram(const ConfigPtr &cfg, const std::vector<double> &x, int64_t n, int64_t d) {
    std::vector<double> k(static_cast<std::size_t>(n * n));
    EXPECT_EQ(subq_kernel_gram_f64(cfg.p, SUBQ_ROW_MAJOR, n, n, d, x.data(), d, x.data(), d, k.data(), n), SUBQ_OK)
        << subq_last_error_message();
    return k;
}

// ‖ZZᵀ − K‖_F / ‖K‖_F for z n×D row-major.
double relative_error(const std::vector<double> &z, int64_t n, int64_t D, const std::vector<double> &k) {
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (int64_t c = 0; c < D; ++c) s += z[static_cast<std::size_t>(i * D + c)] * z[static_cast<std::size_t>(j * D + c)];
            const double kv = k[static_cast<std::size_t>(i * n + j)];
            num += (s - kv) * (s - kv);
            den += kv * kv;
        }
    return std::sqrt(num / den);
}

std::vector<double> transform(const subq_featuremap *f, const std::vector<double> &x, int64_t n, int64_t d) {
    const int64_t D = out_dim(f);
    std::vector<double> z(static_cast<std::size_t>(n * D), std::nan(""));
    EXPECT_EQ(subq_featuremap_transform_f64(f, SUBQ_ROW_MAJOR, n, d, x.data(), d, z.data(), D), SUBQ_OK)
        << subq_last_error_message();
    return z;
}

const subq_kernel kKernels[] = {SUBQ_KERNEL_POLYNOMIAL, SUBQ_KERNEL_GAUSSIAN, SUBQ_KERNEL_ARCCOS0,
                                SUBQ_KERNEL_ARCCOS1, SUBQ_KERNEL_NTK};

}  // namespace

TEST(FeatureMapCApi, PinnedValues) {
    EXPECT_EQ(SUBQ_KIND_FEATUREMAP, 3);
    EXPECT_EQ(SUBQ_P_KERNEL, 200);
    EXPECT_EQ(SUBQ_P_RADIUS, 210);
    EXPECT_EQ(SUBQ_KERNEL_POLYNOMIAL, 1);
    EXPECT_EQ(SUBQ_KERNEL_NTK, 5);
    EXPECT_EQ(SUBQ_NTK_FIRST_LAYER, 1);
    EXPECT_EQ(SUBQ_NTK_BOTH_LAYERS, 2);
    EXPECT_EQ(SUBQ_FEATURES_TAYLOR, 1);
    EXPECT_EQ(SUBQ_FEATURES_RFF, 2);
    EXPECT_EQ(SUBQ_FEATURES_NYSTROM, 3);
    EXPECT_EQ(SUBQ_ALLOC_DETERMINISTIC, 1);
}

TEST(FeatureMapCApi, CreateEveryKernelAndMethod) {
    const subq_feature_method methods[] = {SUBQ_FEATURES_TAYLOR, SUBQ_FEATURES_RFF, SUBQ_FEATURES_NYSTROM};
    for (subq_kernel kernel : kKernels) {
        for (subq_feature_method method : methods) {
            SCOPED_TRACE("kernel " + std::to_string(kernel) + " method " + std::to_string(method));
            ConfigPtr c;
            fm_config(c, kernel, 7, 300, method);
            MapPtr f;
            const subq_status st = subq_featuremap_create(c.p, &f.p);
            if (method == SUBQ_FEATURES_RFF && kernel != SUBQ_KERNEL_GAUSSIAN) {
                expect_error(st, SUBQ_ERR_UNSUPPORTED, "Gaussian kernel only");
                EXPECT_EQ(f.p, nullptr);
                continue;
            }
            ASSERT_EQ(st, SUBQ_OK) << subq_last_error_message();
            subq_index d = -1;
            ASSERT_EQ(subq_featuremap_input_dim(f.p, &d), SUBQ_OK);
            EXPECT_EQ(d, 7);
            EXPECT_EQ(out_dim(f.p), 300);  // Nyström before a fit: SUBQ_P_OUTPUT_DIM
            // Every map transforms (Nyström once fitted): finite features of the right shape.
            const std::vector<double> x = grid_values(20 * 7, 3);
            if (method == SUBQ_FEATURES_NYSTROM) {
                ASSERT_EQ(subq_featuremap_fit_f64(f.p, SUBQ_ROW_MAJOR, 20, 7, x.data(), 7), SUBQ_OK)
                    << subq_last_error_message();
                EXPECT_EQ(out_dim(f.p), 20);  // n < D: every row is a landmark
            } else {
                // Oblivious maps: a fit only checks the dimensions.
                EXPECT_EQ(subq_featuremap_fit_f64(f.p, SUBQ_ROW_MAJOR, 20, 7, x.data(), 7), SUBQ_OK);
                EXPECT_EQ(out_dim(f.p), 300);
            }
            const std::vector<double> z = transform(f.p, x, 20, 7);
            for (double v : z) ASSERT_TRUE(std::isfinite(v));
        }
    }
}

// The Gaussian Taylor series at ρ = 2γR² (γ = R = 1): c_ℓρ^ℓ = 2^ℓ/ℓ!, total e², tail T(q) = e² − Σ_{ℓ<=q} 2^ℓ/ℓ!.
TEST(FeatureMapCApi, TruncationMatchesTheClosedFormSeries) {
    const auto gaussian_tail = [](int64_t q) {
        double partial = 0, term = 1;
        for (int64_t l = 0; l <= q; ++l) {
            partial += term;
            term *= 2.0 / static_cast<double>(l + 1);
        }
        return std::exp(2.0) - partial;
    };
    ConfigPtr c;
    fm_config(c, SUBQ_KERNEL_GAUSSIAN, 5, 1000, SUBQ_FEATURES_TAYLOR);
    MapPtr f;
    ASSERT_EQ(subq_featuremap_create(c.p, &f.p), SUBQ_OK) << subq_last_error_message();
    int64_t q = -1;
    double tail = -1;
    int binds = -1;
    ASSERT_EQ(subq_featuremap_truncation(f.p, &q, &tail, &binds), SUBQ_OK);
    // q_max is the smallest degree whose tail is at most τ·k(1) = 1e-3·e² (q = 8: T = 0.00175 <= 0.00739 < T(7)).
    const double budget = 1e-3 * std::exp(2.0);
    EXPECT_EQ(q, 8);
    EXPECT_LE(gaussian_tail(q), budget);
    EXPECT_GT(gaussian_tail(q - 1), budget);
    // The tail is a difference of O(1) sums: 1e-12 absolute is far below its 1.75e-3 and far above rounding.
    EXPECT_NEAR(tail, gaussian_tail(q), 1e-12);
    EXPECT_EQ(binds, 0);
    // Every output pointer may be NULL.
    EXPECT_EQ(subq_featuremap_truncation(f.p, nullptr, nullptr, nullptr), SUBQ_OK);

    // A cap below the tolerance's degree binds: q = 5 and its (larger) tail.
    ConfigPtr capped;
    fm_config(capped, SUBQ_KERNEL_GAUSSIAN, 5, 1000, SUBQ_FEATURES_TAYLOR);
    capped.set(SUBQ_P_MAX_DEGREE, 5);
    MapPtr fc;
    ASSERT_EQ(subq_featuremap_create(capped.p, &fc.p), SUBQ_OK) << subq_last_error_message();
    ASSERT_EQ(subq_featuremap_truncation(fc.p, &q, &tail, &binds), SUBQ_OK);
    EXPECT_EQ(q, 5);
    EXPECT_NEAR(tail, gaussian_tail(5), 1e-12);
    EXPECT_EQ(binds, 1);

    // arc-cos 0: coefficients decay like ℓ^{-3/2}; τ = 1e-3 is not met below the default cap 1024.
    ConfigPtr a0;
    fm_config(a0, SUBQ_KERNEL_ARCCOS0, 5, 1000, SUBQ_FEATURES_TAYLOR);
    MapPtr f0;
    ASSERT_EQ(subq_featuremap_create(a0.p, &f0.p), SUBQ_OK) << subq_last_error_message();
    ASSERT_EQ(subq_featuremap_truncation(f0.p, &q, &tail, &binds), SUBQ_OK);
    EXPECT_EQ(q, 1024);
    EXPECT_EQ(binds, 1);
    EXPECT_GT(tail, 1e-3 * 1.0);  // k(1) = κ₀(1) = 1
    EXPECT_LT(tail, 0.05);

    // The polynomial kernel is its own (finite) series: (p, 0, 0).
    ConfigPtr p;
    fm_config(p, SUBQ_KERNEL_POLYNOMIAL, 5, 64, SUBQ_FEATURES_TAYLOR);
    p.set(SUBQ_P_DEGREE, 3);
    MapPtr fp;
    ASSERT_EQ(subq_featuremap_create(p.p, &fp.p), SUBQ_OK) << subq_last_error_message();
    ASSERT_EQ(subq_featuremap_truncation(fp.p, &q, &tail, &binds), SUBQ_OK);
    EXPECT_EQ(q, 3);
    EXPECT_EQ(tail, 0.0);
    EXPECT_EQ(binds, 0);

    // RFF and Nyström truncate nothing.
    for (subq_feature_method m : {SUBQ_FEATURES_RFF, SUBQ_FEATURES_NYSTROM}) {
        ConfigPtr o;
        fm_config(o, SUBQ_KERNEL_GAUSSIAN, 5, 64, m);
        MapPtr fo;
        ASSERT_EQ(subq_featuremap_create(o.p, &fo.p), SUBQ_OK) << subq_last_error_message();
        expect_error(subq_featuremap_truncation(fo.p, &q, &tail, &binds), SUBQ_ERR_UNSUPPORTED, "Taylor");
    }
    expect_error(subq_featuremap_truncation(nullptr, &q, &tail, &binds), SUBQ_ERR_NULL_POINTER, "fm");
}

// Dense row-major = column-major (bit-identical), CSR = dense, float32 = float64 up to float rounding, for every
// method.
TEST(FeatureMapCApi, EntryPointsAgree) {
    const int64_t n = 13, d = 9, D = 257;
    const std::vector<double> x = grid_values(static_cast<std::size_t>(n * d), 5);
    struct Case {
        subq_kernel kernel;
        subq_feature_method method;
    };
    const Case cases[] = {{SUBQ_KERNEL_ARCCOS1, SUBQ_FEATURES_TAYLOR},
                          {SUBQ_KERNEL_GAUSSIAN, SUBQ_FEATURES_TAYLOR},
                          {SUBQ_KERNEL_NTK, SUBQ_FEATURES_TAYLOR},
                          {SUBQ_KERNEL_GAUSSIAN, SUBQ_FEATURES_RFF},
                          {SUBQ_KERNEL_ARCCOS0, SUBQ_FEATURES_NYSTROM}};
    for (const Case &cs : cases) {
        SCOPED_TRACE("kernel " + std::to_string(cs.kernel) + " method " + std::to_string(cs.method));
        ConfigPtr c;
        fm_config(c, cs.kernel, d, D, cs.method, 11);
        c.setd(SUBQ_P_GAMMA, 0.5);
        MapPtr f;
        ASSERT_EQ(subq_featuremap_create(c.p, &f.p), SUBQ_OK) << subq_last_error_message();
        if (cs.method == SUBQ_FEATURES_NYSTROM) {
            ASSERT_EQ(subq_featuremap_fit_f64(f.p, SUBQ_ROW_MAJOR, n, d, x.data(), d), SUBQ_OK);
        }
        const int64_t m = out_dim(f.p);
        const std::vector<double> z = transform(f.p, x, n, d);

        // Column-major input and output (ld larger than needed).
        const int64_t ldx = n + 3, ldz = n + 2;
        std::vector<double> xc(static_cast<std::size_t>(ldx * d), 0.0), zc(static_cast<std::size_t>(ldz * m));
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < d; ++j) xc[static_cast<std::size_t>(j * ldx + i)] = x[static_cast<std::size_t>(i * d + j)];
        ASSERT_EQ(subq_featuremap_transform_f64(f.p, SUBQ_COL_MAJOR, n, d, xc.data(), ldx, zc.data(), ldz), SUBQ_OK)
            << subq_last_error_message();
        // The Taylor path is bit-identical; the RFF and Nyström paths multiply with BLAS, whose blocking may
        // depend on the layout: agreement to a few ulps of the O(1) entries.
        const double tol = cs.method == SUBQ_FEATURES_TAYLOR ? 0.0 : 1e-13;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < m; ++j)
                ASSERT_NEAR(zc[static_cast<std::size_t>(j * ldz + i)], z[static_cast<std::size_t>(i * m + j)], tol);

        // CSR (sorted unique columns) = dense.
        const Csr csr = to_csr(x, n, d);
        std::vector<double> zs(static_cast<std::size_t>(n * m));
        ASSERT_EQ(subq_featuremap_transform_csr_f64(f.p, n, d, csr.indptr.data(), csr.indices.data(),
                                                    csr.values.data(), SUBQ_ROW_MAJOR, zs.data(), m),
                  SUBQ_OK)
            << subq_last_error_message();
        for (std::size_t k = 0; k < zs.size(); ++k) ASSERT_NEAR(zs[k], z[k], tol);
        std::vector<float> vf(csr.values.begin(), csr.values.end()), zsf(static_cast<std::size_t>(n * m));
        ASSERT_EQ(subq_featuremap_transform_csr_f32(f.p, n, d, csr.indptr.data(), csr.indices.data(), vf.data(),
                                                    SUBQ_ROW_MAJOR, zsf.data(), m),
                  SUBQ_OK)
            << subq_last_error_message();

        // float32: the same (exactly representable) input, float64 arithmetic, one rounding of each output:
        // |Δ| <= 2^-24·|z| plus BLAS-path differences; 1e-6·(1 + |z|) bounds both.
        std::vector<float> xf(x.begin(), x.end()), zf(static_cast<std::size_t>(n * m));
        ASSERT_EQ(subq_featuremap_transform_f32(f.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, zf.data(), m), SUBQ_OK)
            << subq_last_error_message();
        for (std::size_t k = 0; k < zf.size(); ++k) {
            ASSERT_NEAR(zf[k], z[k], 1e-6 * (1 + std::abs(z[k])));
            ASSERT_NEAR(zsf[k], z[k], 1e-6 * (1 + std::abs(z[k])));
        }
        // n = 0 is a no-op.
        EXPECT_EQ(subq_featuremap_transform_f64(f.p, SUBQ_ROW_MAJOR, 0, d, x.data(), d, zs.data(), m), SUBQ_OK);
    }
}

// ZZᵀ → K as D grows, against the exact subq_kernel_gram_f64 on 200 unit rows of R^10, mean of 3 seeds.
//
// Measured (this data, mean of seeds 1-3; in parentheses single seeds 1-5 at D = 257 / 4097 on similar data through
// the Python binding):
//   gaussian γ = 1:   D = 513: 0.365, D = 8193: 0.044   (257: 0.44-0.85, 4097: 0.056-0.073)
//   arccos1:          D = 513: 0.163, D = 8193: 0.014   (257: 0.17-0.48, 4097: 0.016-0.033)
//   ntk L = 2 (both): D = 513: 0.127, D = 8193: 0.034   (257: 0.31-0.52, 4097: 0.036-0.062)
// The error falls roughly like 1/√D (16× more columns: about 4× smaller). The checks: at D = 8193 the mean error is
// below large_bound (about twice the measured value: a wrong scale, degree or missing norm factor gives errors of
// order 1), and it is at most kShrink times the mean at D = 513 (measured ratios 0.12, 0.08, 0.26; 1/√16 = 0.25 is
// the expected rate, 0.5 leaves room for the noise of 3 seeds while still failing if D had no effect).
TEST(FeatureMapCApi, TaylorFeaturesConvergeToTheExactKernel) {
    const int64_t n = 200, d = 10;
    const std::vector<double> x = unit_rows(n, d, 42);
    struct Case {
        subq_kernel kernel;
        int64_t depth;
        double large_bound;
    };
    const Case cases[] = {{SUBQ_KERNEL_GAUSSIAN, 1, 0.08}, {SUBQ_KERNEL_ARCCOS1, 1, 0.04}, {SUBQ_KERNEL_NTK, 2, 0.07}};
    constexpr double kShrink = 0.5;
    for (const Case &cs : cases) {
        SCOPED_TRACE("kernel " + std::to_string(cs.kernel));
        ConfigPtr kc;
        kc.set(SUBQ_P_KERNEL, cs.kernel).set(SUBQ_P_NTK_DEPTH, cs.depth);
        const std::vector<double> k = gram(kc, x, n, d);
        double mean[2] = {0, 0};
        const int64_t dims[2] = {513, 8193};
        for (int t = 0; t < 2; ++t) {
            for (int64_t seed = 1; seed <= 3; ++seed) {
                ConfigPtr c;
                fm_config(c, cs.kernel, d, dims[t], SUBQ_FEATURES_TAYLOR, seed);
                c.set(SUBQ_P_NTK_DEPTH, cs.depth);
                MapPtr f;
                ASSERT_EQ(subq_featuremap_create(c.p, &f.p), SUBQ_OK) << subq_last_error_message();
                mean[t] += relative_error(transform(f.p, x, n, d), n, dims[t], k) / 3;
            }
        }
        std::printf("kernel %d: mean relative error %.4f at D = 513, %.4f at D = 8193\n", static_cast<int>(cs.kernel),
                    mean[0], mean[1]);
        EXPECT_LT(mean[1], cs.large_bound);
        EXPECT_LT(mean[1], kShrink * mean[0]);
    }
}

// Nyström with every point a landmark: φ(x_i) = K(x_i, L)·U·Λ^{-1/2} with L = X gives ZZᵀ = K·K⁺·K = K exactly
// when no eigenvalue is dropped. 40 unit rows of R^10 are well spread, so K is well conditioned and only rounding
// remains: 1e-8 (the brief's target) is a loose bound for entries of size <= 1 computed in double.
TEST(FeatureMapCApi, NystromWithAllPointsReproducesTheGram) {
    const int64_t n = 40, d = 10;
    const std::vector<double> x = unit_rows(n, d, 9);
    for (subq_kernel kernel : {SUBQ_KERNEL_GAUSSIAN, SUBQ_KERNEL_ARCCOS1}) {
        SCOPED_TRACE("kernel " + std::to_string(kernel));
        ConfigPtr c;
        fm_config(c, kernel, d, 100, SUBQ_FEATURES_NYSTROM);  // D > n: every row becomes a landmark
        const std::vector<double> k = gram(c, x, n, d);
        MapPtr f;
        ASSERT_EQ(subq_featuremap_create(c.p, &f.p), SUBQ_OK) << subq_last_error_message();
        std::vector<double> z(static_cast<std::size_t>(n * n));
        expect_error(subq_featuremap_transform_f64(f.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, z.data(), 100),
                     SUBQ_ERR_STATE, "fit");
        ASSERT_EQ(subq_featuremap_fit_f64(f.p, SUBQ_ROW_MAJOR, n, d, x.data(), d), SUBQ_OK)
            << subq_last_error_message();
        ASSERT_EQ(out_dim(f.p), n);
        const std::vector<double> zf = transform(f.p, x, n, d);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) {
                double s = 0;
                for (int64_t a = 0; a < n; ++a) s += zf[static_cast<std::size_t>(i * n + a)] * zf[static_cast<std::size_t>(j * n + a)];
                ASSERT_NEAR(s, k[static_cast<std::size_t>(i * n + j)], 1e-8) << i << "," << j;
            }
        // The caller's landmarks: the first 25 rows; ZZᵀ is exact on them.
        MapPtr g;
        ASSERT_EQ(subq_featuremap_create(c.p, &g.p), SUBQ_OK);
        ASSERT_EQ(subq_featuremap_set_landmarks_f64(g.p, SUBQ_ROW_MAJOR, 25, d, x.data(), d), SUBQ_OK)
            << subq_last_error_message();
        ASSERT_EQ(out_dim(g.p), 25);
        const std::vector<double> zg = transform(g.p, x, 25, d);
        for (int64_t i = 0; i < 25; ++i)
            for (int64_t j = 0; j < 25; ++j) {
                double s = 0;
                for (int64_t a = 0; a < 25; ++a) s += zg[static_cast<std::size_t>(i * 25 + a)] * zg[static_cast<std::size_t>(j * 25 + a)];
                ASSERT_NEAR(s, k[static_cast<std::size_t>(i * n + j)], 1e-8);
            }
    }
}

// Exact kernels against their formulas on a few points (t = cosine, κ₀, κ₁ as in featuremap.h).
TEST(FeatureMapCApi, GramMatchesTheFormulas) {
    const int64_t n = 4, m = 3, d = 5;
    const std::vector<double> x = grid_values(static_cast<std::size_t>(n * d), 21);
    const std::vector<double> y = grid_values(static_cast<std::size_t>(m * d), 22);
    const auto row = [d](const std::vector<double> &v, int64_t i) { return v.data() + i * d; };
    const auto dot = [d](const double *a, const double *b) {
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += a[j] * b[j];
        return s;
    };
    const auto k0 = [](double t) { return 1 - std::acos(t) / M_PI; };
    const auto k1 = [](double t) { return (std::sqrt(1 - t * t) + t * (M_PI - std::acos(t))) / M_PI; };
    for (subq_kernel kernel : kKernels) {
        SCOPED_TRACE("kernel " + std::to_string(kernel));
        ConfigPtr c;
        c.set(SUBQ_P_KERNEL, kernel).set(SUBQ_P_DEGREE, 3).setd(SUBQ_P_GAMMA, 0.7).setd(SUBQ_P_COEF0, 0.5);
        std::vector<double> k(static_cast<std::size_t>(n * m));
        ASSERT_EQ(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, n, m, d, x.data(), d, y.data(), d, k.data(), m), SUBQ_OK)
            << subq_last_error_message();
        std::vector<float> xf(x.begin(), x.end()), yf(y.begin(), y.end()), kf(static_cast<std::size_t>(n * m));
        ASSERT_EQ(subq_kernel_gram_f32(c.p, SUBQ_ROW_MAJOR, n, m, d, xf.data(), d, yf.data(), d, kf.data(), m),
                  SUBQ_OK);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < m; ++j) {
                const double *a = row(x, i), *b = row(y, j);
                const double na = std::sqrt(dot(a, a)), nb = std::sqrt(dot(b, b)), t = dot(a, b) / (na * nb);
                double want = 0;
                switch (kernel) {
                    case SUBQ_KERNEL_POLYNOMIAL: want = std::pow(0.7 * dot(a, b) + 0.5, 3); break;
                    case SUBQ_KERNEL_GAUSSIAN: want = std::exp(-0.7 * (dot(a, a) + dot(b, b) - 2 * dot(a, b))); break;
                    case SUBQ_KERNEL_ARCCOS0: want = k0(t); break;
                    case SUBQ_KERNEL_ARCCOS1: want = na * nb * k1(t); break;
                    case SUBQ_KERNEL_NTK: want = na * nb * (t * k0(t) + k1(t)); break;  // L = 1, both layers
                }
                // Entries are O(1-10) computed in a different order: 1e-12 relative is a few hundred ulps.
                EXPECT_NEAR(k[static_cast<std::size_t>(i * m + j)], want, 1e-12 * (1 + std::abs(want)));
                EXPECT_NEAR(kf[static_cast<std::size_t>(i * m + j)], want, 1e-6 * (1 + std::abs(want)));
            }
    }
}

TEST(FeatureMapCApi, Errors) {
    const int64_t d = 4;
    const std::vector<double> x = grid_values(8 * d, 1);
    std::vector<double> z(8 * 64), k(64);
    MapPtr f;

    // Kernel unset; another kind of config.
    {
        ConfigPtr c;
        c.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_OUTPUT_DIM, 64);
        expect_error(subq_featuremap_create(c.p, &f.p), SUBQ_ERR_INVALID_ARG, "SUBQ_P_KERNEL is not set");
        EXPECT_EQ(f.p, nullptr);
        expect_error(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, 2, 2, d, x.data(), d, x.data(), d, k.data(), 2),
                     SUBQ_ERR_INVALID_ARG, "SUBQ_P_KERNEL is not set");
        ConfigPtr s(SUBQ_KIND_SKETCH);
        expect_error(subq_featuremap_create(s.p, &f.p), SUBQ_ERR_INVALID_ARG, "SUBQ_KIND_FEATUREMAP");
    }
    // Depth 0 and 65, a negative γ: refused by the config with the bounds; γ = 0 (inside the key's bounds) by
    // create and the Gram with the condition.
    {
        ConfigPtr c;
        expect_error(subq_config_set_int(c.p, SUBQ_P_NTK_DEPTH, 0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NTK_DEPTH = 0");
        expect_error(subq_config_set_int(c.p, SUBQ_P_NTK_DEPTH, 65), SUBQ_ERR_PARAM_RANGE, "[1, 64]");
        expect_error(subq_config_set_double(c.p, SUBQ_P_GAMMA, -1.0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
        fm_config(c, SUBQ_KERNEL_GAUSSIAN, d, 64, SUBQ_FEATURES_TAYLOR);
        c.setd(SUBQ_P_GAMMA, 0.0);
        expect_error(subq_featuremap_create(c.p, &f.p), SUBQ_ERR_PARAM_RANGE, "must be finite and > 0");
        expect_error(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, 2, 2, d, x.data(), d, x.data(), d, k.data(), 2),
                     SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
        c.setd(SUBQ_P_GAMMA, 1.0).setd(SUBQ_P_RADIUS, 0.0);
        expect_error(subq_featuremap_create(c.p, &f.p), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_RADIUS");
        c.setd(SUBQ_P_RADIUS, 1.0).set(SUBQ_P_OUTPUT_DIM, 1);
        expect_error(subq_featuremap_create(c.p, &f.p), SUBQ_ERR_DIMENSION, "must be >= 2");
    }
    // RFF of a kernel other than the Gaussian.
    {
        ConfigPtr c;
        fm_config(c, SUBQ_KERNEL_NTK, d, 64, SUBQ_FEATURES_RFF);
        expect_error(subq_featuremap_create(c.p, &f.p), SUBQ_ERR_UNSUPPORTED, "ntk");
    }
    // NaN input to the exact kernel, named by row; and Inf in y.
    {
        ConfigPtr c;
        c.set(SUBQ_P_KERNEL, SUBQ_KERNEL_GAUSSIAN);
        std::vector<double> bad = x;
        bad[2 * d + 1] = std::numeric_limits<double>::quiet_NaN();
        expect_error(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, 4, 4, d, bad.data(), d, x.data(), d, k.data(), 4),
                     SUBQ_ERR_NUMERICAL, "row 2");
        bad[2 * d + 1] = std::numeric_limits<double>::infinity();
        expect_error(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, 4, 4, d, x.data(), d, bad.data(), d, k.data(), 4),
                     SUBQ_ERR_NUMERICAL, "non-finite");
        // Mismatched output and leading dimension.
        EXPECT_EQ(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, 4, 4, d, x.data(), d - 1, x.data(), d, k.data(), 4),
                  SUBQ_ERR_LAYOUT);
    }
    // NULL pointers.
    {
        ConfigPtr c;
        fm_config(c, SUBQ_KERNEL_ARCCOS1, d, 64, SUBQ_FEATURES_TAYLOR);
        expect_error(subq_featuremap_create(nullptr, &f.p), SUBQ_ERR_NULL_POINTER, "cfg");
        expect_error(subq_featuremap_create(c.p, nullptr), SUBQ_ERR_NULL_POINTER, "out");
        ASSERT_EQ(subq_featuremap_create(c.p, &f.p), SUBQ_OK);
        subq_index v = 0;
        expect_error(subq_featuremap_input_dim(nullptr, &v), SUBQ_ERR_NULL_POINTER, "fm");
        expect_error(subq_featuremap_output_dim(f.p, nullptr), SUBQ_ERR_NULL_POINTER, "m");
        expect_error(subq_featuremap_transform_f64(f.p, SUBQ_ROW_MAJOR, 8, d, nullptr, d, z.data(), 64),
                     SUBQ_ERR_NULL_POINTER, "x");
        expect_error(subq_featuremap_transform_f64(f.p, SUBQ_ROW_MAJOR, 8, d, x.data(), d, nullptr, 64),
                     SUBQ_ERR_NULL_POINTER, "z");
        expect_error(subq_featuremap_transform_f64(nullptr, SUBQ_ROW_MAJOR, 8, d, x.data(), d, z.data(), 64),
                     SUBQ_ERR_NULL_POINTER, "fm");
        expect_error(subq_featuremap_fit_f64(nullptr, SUBQ_ROW_MAJOR, 8, d, x.data(), d), SUBQ_ERR_NULL_POINTER, "fm");
        expect_error(subq_featuremap_transform_csr_f64(f.p, 8, d, nullptr, nullptr, nullptr, SUBQ_ROW_MAJOR, z.data(),
                                                       64),
                     SUBQ_ERR_NULL_POINTER, "indptr");
        expect_error(subq_kernel_gram_f64(nullptr, SUBQ_ROW_MAJOR, 2, 2, d, x.data(), d, x.data(), d, k.data(), 2),
                     SUBQ_ERR_NULL_POINTER, "cfg");
        expect_error(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, 2, 2, d, x.data(), d, x.data(), d, nullptr, 2),
                     SUBQ_ERR_NULL_POINTER, "k");
        // Dimension mismatch; set_landmarks on a Taylor map.
        expect_error(subq_featuremap_transform_f64(f.p, SUBQ_ROW_MAJOR, 8, d - 1, x.data(), d, z.data(), 64),
                     SUBQ_ERR_DIMENSION, "input dimension");
        expect_error(subq_featuremap_set_landmarks_f64(f.p, SUBQ_ROW_MAJOR, 2, d, x.data(), d), SUBQ_ERR_UNSUPPORTED,
                     "Nyström");
        subq_featuremap_destroy(nullptr);  // a no-op
    }
}
