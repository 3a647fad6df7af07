// Kernel ridge regression and low-rank kernel approximation through the C API (include/subq/krr.h), against
// references computed from first principles with small dense solves (tests/krr/dense_reference.hpp):
//  - explicit features (fm NULL, Taylor, RFF): ridge (ZᵀZ + λI)W = ZᵀY on the features of
//    subq_featuremap_transform_f64();
//  - Nyström: the subset-of-regressors system (CᵀC + λR)W = CᵀY, C = K(X, L), R = K(L, L) + δI, which is ridge on
//    the features C·R^{−1/2}; and, with every training row a landmark, exact KRR;
//  - SUBQ_KRR_EXACT: (K + λI)α = Y with K from subq_kernel_gram_f64();
//  - λ selection: the grid, the argmin (ties → larger λ), the GCV formula n·RSS/(n − df)²;
//  - subq_low_rank_*: the optimal rank-r error (Eckart–Young) from a Jacobi eigendecomposition;
//  - the progress callback, layouts, statistics and every documented error with its message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../krr/dense_reference.hpp"
#include "capi_test_util.hpp"
#include "subq/subq.h"

namespace {

using namespace subq_capi_test;
using namespace subq_krr_test;
using ConfigPtr = ConfigOf<SUBQ_KIND_KRR>;

struct KrrPtr {
    subq_krr *p = nullptr;
    KrrPtr() = default;
    KrrPtr(const KrrPtr &) = delete;
    KrrPtr &operator=(const KrrPtr &) = delete;
    ~KrrPtr() { subq_krr_destroy(p); }
};

// n×d standard normal entries (Box–Muller on an LCG), row-major.
Mat randn(int64_t n, int64_t d, unsigned seed, double scale = 1.0) {
    Mat x(at(n * d));
    std::uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 11;
    const auto uniform = [&] {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return (static_cast<double>(s >> 11) + 0.5) / 9007199254740992.0;
    };
    for (auto &e : x) e = scale * std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform());
    return x;
}

// n unit rows of R^d, times `radius`.
Mat unit_rows(int64_t n, int64_t d, unsigned seed, double radius = 1.0) {
    Mat x = randn(n, d, seed);
    for (int64_t i = 0; i < n; ++i) {
        double ss = 0;
        for (int64_t j = 0; j < d; ++j) ss += x[at(i * d + j)] * x[at(i * d + j)];
        for (int64_t j = 0; j < d; ++j) x[at(i * d + j)] *= radius / std::sqrt(ss);
    }
    return x;
}

// Eigenvalues of the symmetric a (n×n), descending (cyclic Jacobi: high relative accuracy).
std::vector<double> eigenvalues(Mat a, int64_t n) {
    double total = 0;
    for (double v : a) total += v * v;
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (int64_t p = 0; p < n; ++p)
            for (int64_t q = p + 1; q < n; ++q) off += a[at(p * n + q)] * a[at(p * n + q)];
        if (off <= 1e-32 * total) break;
        for (int64_t p = 0; p < n; ++p)
            for (int64_t q = p + 1; q < n; ++q) {
                const double apq = a[at(p * n + q)];
                if (apq == 0) continue;
                const double theta = (a[at(q * n + q)] - a[at(p * n + p)]) / (2 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (int64_t k = 0; k < n; ++k) {  // columns p, q
                    const double akp = a[at(k * n + p)], akq = a[at(k * n + q)];
                    a[at(k * n + p)] = c * akp - s * akq;
                    a[at(k * n + q)] = s * akp + c * akq;
                }
                for (int64_t k = 0; k < n; ++k) {  // rows p, q
                    const double apk = a[at(p * n + k)], aqk = a[at(q * n + k)];
                    a[at(p * n + k)] = c * apk - s * aqk;
                    a[at(q * n + k)] = s * apk + c * aqk;
                }
            }
    }
    std::vector<double> ev(at(n));
    for (int64_t i = 0; i < n; ++i) ev[at(i)] = a[at(i * n + i)];
    std::sort(ev.begin(), ev.end(), std::greater<>());
    return ev;
}

double max_abs(const Mat &a) {
    double m = 0;
    for (double v : a) m = std::max(m, std::fabs(v));
    return m;
}

double max_abs_diff(const Mat &a, const Mat &b) {
    EXPECT_EQ(a.size(), b.size());
    double m = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

// Ridge with regularizer R (identity if empty): W = (CᵀC + λR)⁻¹CᵀY; returns the predictions Ct·W.
Mat ridge_predict(const Mat &c, const Mat &y, int64_t n, int64_t D, int64_t k, double lambda, const Mat &ct, int64_t m,
                  const Mat &r = {}) {
    Mat a = tmatmul(c, c, n, D, D);
    for (int64_t i = 0; i < D; ++i)
        for (int64_t j = 0; j < D; ++j)
            a[at(i * D + j)] += lambda * (r.empty() ? (i == j ? 1.0 : 0.0) : r[at(i * D + j)]);
    const Mat w = spd_solve(a, tmatmul(c, y, n, D, k), D, k);
    return matmul(ct, w, m, D, k);
}

Mat transform(const subq_featuremap *f, const Mat &x, int64_t n, int64_t d) {
    const int64_t D = out_dim(f);
    Mat z(at(n * D), std::nan(""));
    EXPECT_EQ(subq_featuremap_transform_f64(f, SUBQ_ROW_MAJOR, n, d, x.data(), d, z.data(), D), SUBQ_OK)
        << subq_last_error_message();
    return z;
}

// K(x, y) (n×m) under the kernel keys of the feature-map config c.
Mat gram(const ConfigPtr &c, const Mat &x, int64_t n, const Mat &y, int64_t m, int64_t d) {
    Mat k(at(n * m));
    EXPECT_EQ(subq_kernel_gram_f64(c.p, SUBQ_ROW_MAJOR, n, m, d, x.data(), d, y.data(), d, k.data(), m), SUBQ_OK)
        << subq_last_error_message();
    return k;
}

// Fits (row-major f64) and returns the model; fails the test on error.
void fit(const ConfigPtr &cfg, const subq_featuremap *fm, const Mat &x, int64_t n, int64_t d, const Mat &y, int64_t k,
         KrrPtr &out, subq_krr_progress_fn progress = nullptr, void *user = nullptr) {
    ASSERT_EQ(subq_krr_fit_f64(cfg.p, fm, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k, progress, user, &out.p),
              SUBQ_OK)
        << subq_last_error_message();
    ASSERT_NE(out.p, nullptr);
}

Mat predict(const KrrPtr &m, const Mat &x, int64_t n, int64_t d, int64_t k) {
    Mat out(at(n * k), std::nan(""));
    EXPECT_EQ(subq_krr_predict_f64(m.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, out.data(), k), SUBQ_OK)
        << subq_last_error_message();
    return out;
}

int64_t get_int(const KrrPtr &m, subq_krr_stat key) {
    int64_t v = -999;
    EXPECT_EQ(subq_krr_get_int(m.p, key, &v), SUBQ_OK) << subq_last_error_message();
    return v;
}

double get_double(const KrrPtr &m, subq_krr_stat key) {
    double v = std::nan("");
    EXPECT_EQ(subq_krr_get_double(m.p, key, &v), SUBQ_OK) << subq_last_error_message();
    return v;
}

// Noisy smooth targets: y_ic = sin(⟨x_i, a_c⟩) + 0.1·noise, n×k.
Mat targets(const Mat &x, int64_t n, int64_t d, int64_t k, unsigned seed) {
    const Mat a = randn(d, k, seed), noise = randn(n, k, seed + 100, 0.1);
    Mat y = matmul(x, a, n, d, k);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(y[i]) + noise[i];
    return y;
}

// Mean squared norm of the rows of z (n×D): s for explicit features.
double mean_sq_norm(const Mat &z, int64_t n) {
    double s = 0;
    for (double v : z) s += v * v;
    return s / static_cast<double>(n);
}

// The grid's λ values and scores.
void read_grid(const KrrPtr &m, std::vector<double> &lambda, std::vector<double> &score) {
    const int64_t points = get_int(m, SUBQ_KRR_GRID_POINTS);
    lambda.assign(at(points), 0);
    score.assign(at(points), 0);
    for (int64_t i = 0; i < points; ++i)
        ASSERT_EQ(subq_krr_grid(m.p, i, &lambda[at(i)], &score[at(i)]), SUBQ_OK) << subq_last_error_message();
}

// The index of the smallest score, ties going to the larger λ (the later grid point).
std::size_t argmin_ties_larger(const std::vector<double> &score) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < score.size(); ++j)
        if (score[j] <= score[best]) best = j;
    return best;
}

}  // namespace

TEST(KrrCApi, PinnedValues) {
    EXPECT_EQ(SUBQ_KIND_KRR, 4);
    EXPECT_EQ(SUBQ_LAMBDA_HOLDOUT, 1);
    EXPECT_EQ(SUBQ_LAMBDA_GCV, 2);
    EXPECT_EQ(SUBQ_SCORE_SQUARED_ERROR, 1);
    EXPECT_EQ(SUBQ_SCORE_ACCURACY, 2);
    EXPECT_EQ(SUBQ_KRR_AUTO, 0);
    EXPECT_EQ(SUBQ_KRR_CHOLESKY, 1);
    EXPECT_EQ(SUBQ_KRR_EXACT, 2);
    EXPECT_EQ(SUBQ_KRR_LAMBDA, 1);
    EXPECT_EQ(SUBQ_KRR_SCALE, 2);
    EXPECT_EQ(SUBQ_KRR_SECONDS_FEATURES, 3);
    EXPECT_EQ(SUBQ_KRR_SECONDS_GRAM, 4);
    EXPECT_EQ(SUBQ_KRR_SECONDS_SOLVE, 5);
    EXPECT_EQ(SUBQ_KRR_ROWS, 100);
    EXPECT_EQ(SUBQ_KRR_HOLDOUT_ROWS, 101);
    EXPECT_EQ(SUBQ_KRR_RETRIES, 102);
    EXPECT_EQ(SUBQ_KRR_OUTPUTS, 103);
    EXPECT_EQ(SUBQ_KRR_WIDTH, 104);
    EXPECT_EQ(SUBQ_KRR_GRID_POINTS, 105);
    EXPECT_EQ(SUBQ_KRR_SOLVER_USED, 106);
    EXPECT_EQ(SUBQ_KRR_ITERATIONS, 107);
    EXPECT_EQ(SUBQ_KRR_PCG, 3);
    EXPECT_EQ(SUBQ_P_KRR_SKETCH_ROWS, 308);
    EXPECT_EQ(SUBQ_P_KRR_TOLERANCE, 309);
    EXPECT_EQ(SUBQ_P_KRR_MAX_ITERATIONS, 310);
    EXPECT_EQ(SUBQ_P_LAMBDA, 300);
    EXPECT_EQ(SUBQ_P_HOLDOUT_SCORE, 307);
}

TEST(KrrCApi, ConfigDefaultsAndRanges) {
    ConfigPtr c;
    double v = -1;
    int64_t i = -1;
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_LAMBDA, &v), SUBQ_OK);
    EXPECT_EQ(v, 0.0);
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_HOLDOUT_FRACTION, &v), SUBQ_OK);
    EXPECT_EQ(v, 0.2);
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_LAMBDA_GRID_MIN, &v), SUBQ_OK);
    EXPECT_EQ(v, 1e-6);
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_LAMBDA_GRID_MAX, &v), SUBQ_OK);
    EXPECT_EQ(v, 1.0);
    ASSERT_EQ(subq_config_get_int(c.p, SUBQ_P_LAMBDA_GRID_POINTS, &i), SUBQ_OK);
    EXPECT_EQ(i, 7);
    ASSERT_EQ(subq_config_get_int(c.p, SUBQ_P_LAMBDA_SELECT, &i), SUBQ_OK);
    EXPECT_EQ(i, SUBQ_LAMBDA_HOLDOUT);
    ASSERT_EQ(subq_config_get_int(c.p, SUBQ_P_HOLDOUT_SCORE, &i), SUBQ_OK);
    EXPECT_EQ(i, SUBQ_SCORE_SQUARED_ERROR);
    ASSERT_EQ(subq_config_get_int(c.p, SUBQ_P_KRR_SOLVER, &i), SUBQ_OK);
    EXPECT_EQ(i, SUBQ_KRR_AUTO);
    ASSERT_EQ(subq_config_get_int(c.p, SUBQ_P_KRR_SKETCH_ROWS, &i), SUBQ_OK);
    EXPECT_EQ(i, 0);
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_KRR_TOLERANCE, &v), SUBQ_OK);
    EXPECT_EQ(v, 1e-8);
    ASSERT_EQ(subq_config_get_int(c.p, SUBQ_P_KRR_MAX_ITERATIONS, &i), SUBQ_OK);
    EXPECT_EQ(i, 500);
    // Keys out of range are refused when set, naming the key.
    expect_error(subq_config_set_double(c.p, SUBQ_P_LAMBDA, -1.0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_LAMBDA");
    expect_error(subq_config_set_double(c.p, SUBQ_P_LAMBDA, std::nan("")), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_LAMBDA");
    expect_error(subq_config_set_double(c.p, SUBQ_P_HOLDOUT_FRACTION, 0.0), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_HOLDOUT_FRACTION");
    expect_error(subq_config_set_double(c.p, SUBQ_P_HOLDOUT_FRACTION, 1.0), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_HOLDOUT_FRACTION");
    expect_error(subq_config_set_int(c.p, SUBQ_P_LAMBDA_GRID_POINTS, 0), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_LAMBDA_GRID_POINTS");
    expect_error(subq_config_set_double(c.p, SUBQ_P_LAMBDA_GRID_MIN, 0.0), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_LAMBDA_GRID_MIN");
    expect_error(subq_config_set_int(c.p, SUBQ_P_LAMBDA_SELECT, 3), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_LAMBDA_SELECT");
    expect_error(subq_config_set_int(c.p, SUBQ_P_HOLDOUT_SCORE, 0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_HOLDOUT_SCORE");
    expect_error(subq_config_set_int(c.p, SUBQ_P_KRR_SOLVER, -1), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KRR_SOLVER");
    expect_error(subq_config_set_int(c.p, SUBQ_P_KRR_SOLVER, 4), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KRR_SOLVER");
    EXPECT_EQ(subq_config_set_int(c.p, SUBQ_P_KRR_SOLVER, SUBQ_KRR_PCG), SUBQ_OK);
    expect_error(subq_config_set_int(c.p, SUBQ_P_KRR_SKETCH_ROWS, -1), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KRR_SKETCH_ROWS");
    expect_error(subq_config_set_double(c.p, SUBQ_P_KRR_TOLERANCE, 0.0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KRR_TOLERANCE");
    expect_error(subq_config_set_int(c.p, SUBQ_P_KRR_MAX_ITERATIONS, 0), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_KRR_MAX_ITERATIONS");
    // Wrong type and foreign keys.
    expect_error(subq_config_set_int(c.p, SUBQ_P_LAMBDA, 1), SUBQ_ERR_PARAM_TYPE, "SUBQ_P_LAMBDA");
    EXPECT_EQ(subq_config_set_int(c.p, SUBQ_P_KERNEL, SUBQ_KERNEL_GAUSSIAN), SUBQ_ERR_UNKNOWN_PARAM);
    // The refused values left the defaults in place.
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_LAMBDA, &v), SUBQ_OK);
    EXPECT_EQ(v, 0.0);
}

// (a) fm NULL: x holds the features; against the normal equations solved here.
TEST(KrrCApi, IdentityFeaturesMatchDenseRidge) {
    const int64_t n = 40, m = 12, d = 5, k = 3;
    const double lambda = 0.3;
    const Mat x = randn(n, d, 1), xt = randn(m, d, 2), y = targets(x, n, d, k, 3);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, lambda);
    KrrPtr model;
    fit(cfg, nullptr, x, n, d, y, k, model);
    const Mat ref = ridge_predict(x, y, n, d, k, lambda, xt, m);
    const Mat got = predict(model, xt, m, d, k);
    // Both are backward stable solves of a system with condition number about 5 (XᵀX of 40 Gaussian rows in R^5):
    // the predictions agree to a few ulps of their size; 1e-9 leaves a wide margin.
    EXPECT_LE(max_abs_diff(got, ref), 1e-9 * std::max(1.0, max_abs(ref)));
    // On the training rows too.
    EXPECT_LE(max_abs_diff(predict(model, x, n, d, k), ridge_predict(x, y, n, d, k, lambda, x, n)), 1e-9 * max_abs(y));
    EXPECT_EQ(get_int(model, SUBQ_KRR_ROWS), n);
    EXPECT_EQ(get_int(model, SUBQ_KRR_WIDTH), d);
    EXPECT_EQ(get_int(model, SUBQ_KRR_OUTPUTS), k);
    EXPECT_EQ(get_int(model, SUBQ_KRR_GRID_POINTS), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_HOLDOUT_ROWS), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_RETRIES), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_CHOLESKY);  // AUTO is Cholesky
    EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lambda);
    EXPECT_NEAR(get_double(model, SUBQ_KRR_SCALE), mean_sq_norm(x, n), 1e-12 * mean_sq_norm(x, n));
    // A fixed λ has no grid.
    double l = 0, s = 0;
    expect_error(subq_krr_grid(model.p, 0, &l, &s), SUBQ_ERR_DIMENSION, "outside the grid");
    // n = 0 predictions are a no-op, even with NULL pointers.
    EXPECT_EQ(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, 0, d, nullptr, d, nullptr, k), SUBQ_OK);
}

TEST(KrrCApi, IdentityFeaturesFloat32) {
    const int64_t n = 40, m = 12, d = 5, k = 2;
    const double lambda = 0.3;
    Mat x = randn(n, d, 4), xt = randn(m, d, 5);
    std::vector<float> xf(x.begin(), x.end()), xtf(xt.begin(), xt.end());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = xf[i];  // the same values in both precisions
    for (std::size_t i = 0; i < xt.size(); ++i) xt[i] = xtf[i];
    const Mat y = targets(x, n, d, k, 6);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, lambda);
    KrrPtr model;
    ASSERT_EQ(subq_krr_fit_f32(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, xf.data(), d, k, y.data(), k, nullptr, nullptr,
                               &model.p),
              SUBQ_OK)
        << subq_last_error_message();
    Mat got(at(m * k));
    ASSERT_EQ(subq_krr_predict_f32(model.p, SUBQ_ROW_MAJOR, m, d, xtf.data(), d, got.data(), k), SUBQ_OK)
        << subq_last_error_message();
    const Mat ref = ridge_predict(x, y, n, d, k, lambda, xt, m);
    // float32 products (ssyrk/sgemm; targets rounded to float): each Gram entry sums 40 products with relative
    // rounding of at most 40·6e-8 = 2.4e-6; with a condition number of about 5 and a float GEMM for the
    // predictions, the predictions are off by about 1e-5 of their size at worst. 1e-4 is ten times that, while a
    // wrong scaling or a dropped block is off by O(1).
    EXPECT_LE(max_abs_diff(got, ref), 1e-4 * max_abs(ref));
    // The f64 prediction entry point of a model fitted in float agrees as well.
    EXPECT_LE(max_abs_diff(predict(model, xt, m, d, k), ref), 1e-4 * max_abs(ref));
}

// (b) Taylor and random Fourier features: ridge on the features of subq_featuremap_transform_f64().
TEST(KrrCApi, ExplicitFeatureMapsMatchRidgeOnTheirFeatures) {
    const int64_t n = 60, m = 15, d = 4, k = 2, D = 128;
    const double lambda = 0.05;
    const Mat x = unit_rows(n, d, 7, 0.9), xt = unit_rows(m, d, 8, 0.9), y = targets(x, n, d, k, 9);
    struct Case {
        subq_kernel kernel;
        subq_feature_method method;
    };
    for (const Case cs :
         {Case{SUBQ_KERNEL_GAUSSIAN, SUBQ_FEATURES_TAYLOR}, Case{SUBQ_KERNEL_NTK, SUBQ_FEATURES_TAYLOR},
          Case{SUBQ_KERNEL_ARCCOS1, SUBQ_FEATURES_TAYLOR}, Case{SUBQ_KERNEL_GAUSSIAN, SUBQ_FEATURES_RFF}}) {
        SCOPED_TRACE("kernel " + std::to_string(cs.kernel) + " method " + std::to_string(cs.method));
        ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
        fm_config(fc, cs.kernel, d, D, cs.method, 3);
        MapPtr fm;
        ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK) << subq_last_error_message();
        const Mat z = transform(fm.p, x, n, d), zt = transform(fm.p, xt, m, d);
        ConfigPtr cfg;
        cfg.setd(SUBQ_P_LAMBDA, lambda);
        KrrPtr model;
        fit(cfg, fm.p, x, n, d, y, k, model);
        const Mat ref = ridge_predict(z, y, n, D, k, lambda, zt, m);
        // The same features, the same normal equations (condition number below 1e4 here: ‖Z‖² ≈ n·k(x,x) ≈ 60
        // over λ = 0.05): the two solves differ by rounding only, far below 1e-8 of the predictions' size.
        EXPECT_LE(max_abs_diff(predict(model, xt, m, d, k), ref), 1e-8 * std::max(1.0, max_abs(ref)));
        EXPECT_EQ(get_int(model, SUBQ_KRR_WIDTH), D);
        EXPECT_NEAR(get_double(model, SUBQ_KRR_SCALE), mean_sq_norm(z, n), 1e-12 * mean_sq_norm(z, n));
    }
}

// (b) Nyström: the subset-of-regressors system (CᵀC + λR)W = CᵀY, i.e. ridge on the features C·R^{−1/2}.
TEST(KrrCApi, NystromIsRidgeOnWhitenedCentres) {
    const int64_t nl = 10, n = 50, m = 15, d = 4, k = 2;
    const double lambda = 0.1;
    const Mat xl = unit_rows(nl, d, 10), x = unit_rows(n, d, 11), xt = unit_rows(m, d, 12), y = targets(x, n, d, k, 13);
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, 32, SUBQ_FEATURES_NYSTROM);
    fc.setd(SUBQ_P_GAMMA, 2.0);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    // Fitted on 10 rows < 32: every row of xl is a landmark (in some order; the SoR predictor does not depend on it).
    ASSERT_EQ(subq_featuremap_fit_f64(fm.p, SUBQ_ROW_MAJOR, nl, d, xl.data(), d), SUBQ_OK) << subq_last_error_message();
    ASSERT_EQ(out_dim(fm.p), nl);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, lambda);
    KrrPtr model;
    fit(cfg, fm.p, x, n, d, y, k, model);
    const Mat got = predict(model, xt, m, d, k);

    const Mat c = gram(fc, x, n, xl, nl, d), ct = gram(fc, xt, m, xl, nl, d);
    Mat r = gram(fc, xl, nl, xl, nl, d);
    double top = 0;
    for (int64_t i = 0; i < nl; ++i) top = std::max(top, r[at(i * nl + i)]);
    const double delta = 1e-8 * top;
    const std::vector<double> mu = eigenvalues(r, nl);
    for (int64_t i = 0; i < nl; ++i) r[at(i * nl + i)] += delta;
    const Mat ref = ridge_predict(c, y, n, nl, k, lambda, ct, m, r);
    // The same system, solved twice: the condition number of CᵀC + λR is below 1e4 (K(L, L) of 10 unit rows at
    // γ = 2 has eigenvalues in [mu_min, 3] with mu_min printed below, λ = 0.1), so rounding stays below 1e-11.
    EXPECT_LE(max_abs_diff(got, ref), 1e-8 * std::max(1.0, max_abs(ref)))
        << "smallest eigenvalue of K_LL " << mu.back();
    EXPECT_EQ(get_int(model, SUBQ_KRR_WIDTH), nl);
    EXPECT_NEAR(get_double(model, SUBQ_KRR_SCALE), 1.0, 1e-12);  // the Gaussian's diagonal

    // Ridge on the map's own features φ(x) = K(x, L)UΛ^{−1/2}: the same model except that those features drop
    // tiny eigenvalues instead of adding δ. With every eigenvalue kept (mu_min ≫ δ), whitening with (Λ + δ)^{−1/2}
    // instead of Λ^{−1/2} changes each feature direction by a relative δ/(2μ) <= δ/(2·mu_min), so the predictions
    // differ by about δ/mu_min of their size; the bound is ten times that.
    ASSERT_GT(mu.back(), 1e3 * delta);
    const Mat z = transform(fm.p, x, n, d), zt = transform(fm.p, xt, m, d);
    const Mat ref_features = ridge_predict(z, y, n, nl, k, lambda, zt, m);
    EXPECT_LE(max_abs_diff(got, ref_features), (10 * delta / mu.back() + 1e-10) * std::max(1.0, max_abs(ref)));
}

// (b) Nyström with every training row a landmark is exact KRR up to the jitter δ.
TEST(KrrCApi, NystromOnAllTrainingRowsEqualsExact) {
    const int64_t n = 25, m = 10, d = 6, k = 3;
    const double lambda = 0.05;
    const Mat x = unit_rows(n, d, 14), xt = unit_rows(m, d, 15), y = targets(x, n, d, k, 16);
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, 64, SUBQ_FEATURES_NYSTROM);
    fc.setd(SUBQ_P_GAMMA, 2.0);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_fit_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d), SUBQ_OK);
    ASSERT_EQ(out_dim(fm.p), n);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, lambda);
    KrrPtr nys;
    fit(cfg, fm.p, x, n, d, y, k, nys);
    cfg.set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_EXACT);
    KrrPtr exact;
    fit(cfg, fm.p, x, n, d, y, k, exact);
    EXPECT_EQ(get_int(exact, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_EXACT);
    // With L = X, (K² + λK + λδI)W = KY against (K + λI)α = Y: W = α − λδ(K(K + λI) + λδI)⁻¹α, a relative change of
    // at most λδ/(mu_min(mu_min + λ)) ≈ 1e-9 here (unit rows in R^6 at γ = 2: K is near the identity, mu_min > 0.1).
    const std::vector<double> mu = eigenvalues(gram(fc, x, n, x, n, d), n);
    ASSERT_GT(mu.back(), 0.1);
    const Mat pn = predict(nys, xt, m, d, k), pe = predict(exact, xt, m, d, k);
    EXPECT_LE(max_abs_diff(pn, pe), 1e-8 * std::max(1.0, max_abs(pe)));
}

// More landmarks than the kernel's rank: the degree-2 polynomial kernel on R^4 has rank 10, so K(L, L) of 20
// landmarks is singular and only δI regularizes its null space, where CᵀC vanishes too (the rows of C = K(X, L) lie
// in the range of K(L, L)). In float64 the system stays positive definite and the fit reproduces a degree-2 target.
namespace {
void rank_deficient_nystrom(bool use_f32) {
    const int64_t n = 150, d = 4, k = 1;
    const Mat x = randn(n, d, 60);
    Mat y(at(n));
    for (int64_t i = 0; i < n; ++i) y[at(i)] = x[at(i * d)] * x[at(i * d + 1)];
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_POLYNOMIAL, d, 20, SUBQ_FEATURES_NYSTROM);
    fc.set(SUBQ_P_DEGREE, 2);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_fit_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d), SUBQ_OK);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, 0.01);
    KrrPtr model;
    if (use_f32) {
        const std::vector<float> xf(x.begin(), x.end());
        ASSERT_EQ(subq_krr_fit_f32(cfg.p, fm.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, k, y.data(), k, nullptr, nullptr,
                                   &model.p),
                  SUBQ_OK)
            << subq_last_error_message();
    } else {
        fit(cfg, fm.p, x, n, d, y, k, model);
    }
    const Mat p = predict(model, x, n, d, k);
    double se = 0;
    for (int64_t i = 0; i < n; ++i) se += (p[at(i)] - y[at(i)]) * (p[at(i)] - y[at(i)]);
    // y is in the span of the kernel's features: only the ridge shrinkage (λ = 0.01 against eigenvalues of order
    // 100) remains; measured 3e-5 in float64.
    EXPECT_LT(std::sqrt(se / static_cast<double>(n)), 1e-2);
}
}  // namespace

TEST(KrrCApi, NystromWithMoreLandmarksThanTheKernelRank) {
    rank_deficient_nystrom(false);
}

// In float32 the Gram CᵀC is accumulated with ssyrk, whose rounding (about 1e-7 of ‖CᵀC‖) is not positive
// semidefinite in the null space of K(L, L), where λ(K(L, L) + δI) only adds λδ = 1e-10; without the float rounding
// floor of ridge.hpp the fit failed with SUBQ_ERR_NUMERICAL ("singular") for every λ up to 10.
TEST(KrrCApi, NystromWithMoreLandmarksThanTheKernelRankFloat32) {
    rank_deficient_nystrom(true);
}

// (c) SUBQ_KRR_EXACT against (K + λI)⁻¹Y from subq_kernel_gram_f64().
TEST(KrrCApi, ExactMatchesDirectSolve) {
    const int64_t n = 30, m = 12, d = 5, k = 2;
    const double lambda = 0.2;
    const Mat x = randn(n, d, 17), xt = randn(m, d, 18), y = targets(x, n, d, k, 19);
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_ARCCOS1, d, 64, SUBQ_FEATURES_TAYLOR);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, lambda).set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_EXACT);
    int calls = 0;
    const subq_krr_progress_fn count = [](void *u, int64_t, int64_t) {
        ++*static_cast<int *>(u);
        return 0;
    };
    KrrPtr model;
    fit(cfg, fm.p, x, n, d, y, k, model, count, &calls);
    EXPECT_EQ(calls, 0);  // exact KRR does not report progress
    Mat kk = gram(fc, x, n, x, n, d);
    for (int64_t i = 0; i < n; ++i) kk[at(i * n + i)] += lambda;
    const Mat alpha = spd_solve(kk, y, n, k);
    const Mat ref = matmul(gram(fc, xt, m, x, n, d), alpha, m, n, k);
    // K + λI has eigenvalues in [0.2, about 40]: condition number about 200; 1e-9 is far above rounding.
    EXPECT_LE(max_abs_diff(predict(model, xt, m, d, k), ref), 1e-9 * std::max(1.0, max_abs(ref)));
    EXPECT_EQ(get_int(model, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_EXACT);
    EXPECT_EQ(get_int(model, SUBQ_KRR_WIDTH), n);
    EXPECT_EQ(get_int(model, SUBQ_KRR_ROWS), n);
    EXPECT_EQ(get_int(model, SUBQ_KRR_OUTPUTS), k);
    EXPECT_EQ(get_int(model, SUBQ_KRR_GRID_POINTS), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_HOLDOUT_ROWS), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_RETRIES), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_ITERATIONS), 0);
    EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lambda);
    EXPECT_EQ(get_double(model, SUBQ_KRR_SCALE), 0.0);
    expect_error(subq_krr_grid(model.p, 0, nullptr, nullptr), SUBQ_ERR_DIMENSION, "outside the grid");

    // float32 input: converted to float64, so the same values give the same model.
    std::vector<float> xf(x.begin(), x.end()), xtf(xt.begin(), xt.end());
    Mat xr(xf.begin(), xf.end()), xtr(xtf.begin(), xtf.end());
    KrrPtr m32, m64;
    ASSERT_EQ(
        subq_krr_fit_f32(cfg.p, fm.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, k, y.data(), k, nullptr, nullptr, &m32.p),
        SUBQ_OK)
        << subq_last_error_message();
    fit(cfg, fm.p, xr, n, d, y, k, m64);
    Mat p32(at(m * k));
    ASSERT_EQ(subq_krr_predict_f32(m32.p, SUBQ_ROW_MAJOR, m, d, xtf.data(), d, p32.data(), k), SUBQ_OK);
    EXPECT_LE(max_abs_diff(p32, predict(m64, xtr, m, d, k)), 1e-12 * max_abs(p32));
}

// SUBQ_KRR_PCG: conjugate gradients to the relative residual ε solve the same normal equations as Cholesky, so
// ‖W − W*‖ <= ε·cond(A)·‖W*‖ (A = CᵀC + λR).
TEST(KrrCApi, PcgSolvesTheSameSystem) {
    const int64_t n = 400, m = 20, D = 24, k = 2;
    const double lambda = 2.0;
    const Mat x = randn(n, D, 50), xt = randn(m, D, 51), y = targets(x, n, D, k, 52);
    const Mat ref = ridge_predict(x, y, n, D, k, lambda, xt, m);
    // XᵀX of 400 Gaussian rows in R^24: eigenvalues within 400·(1 ± √(24/400))² ≈ [230, 600]; cond(A) < 3.
    for (double tol : {1e-12, 1e-8}) {
        SCOPED_TRACE("tolerance " + std::to_string(tol));
        ConfigPtr cfg;
        cfg.setd(SUBQ_P_LAMBDA, lambda).set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_PCG).setd(SUBQ_P_KRR_TOLERANCE, tol);
        cfg.set(SUBQ_P_BLOCK_ROWS, 64);
        std::vector<int64_t> done;
        const subq_krr_progress_fn record = [](void *u, int64_t rows, int64_t) {
            static_cast<std::vector<int64_t> *>(u)->push_back(rows);
            return 0;
        };
        KrrPtr model;
        fit(cfg, nullptr, x, n, D, y, k, model, record, &done);
        EXPECT_EQ(done, (std::vector<int64_t>{64, 128, 192, 256, 320, 384, 400}));
        EXPECT_EQ(get_int(model, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_PCG);
        const int64_t iterations = get_int(model, SUBQ_KRR_ITERATIONS);
        EXPECT_GE(iterations, 1);
        EXPECT_LE(iterations, 100);
        EXPECT_EQ(get_int(model, SUBQ_KRR_GRID_POINTS), 0);
        EXPECT_EQ(get_int(model, SUBQ_KRR_RETRIES), 0);
        EXPECT_EQ(get_int(model, SUBQ_KRR_ROWS), n);
        EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lambda);
        EXPECT_NEAR(get_double(model, SUBQ_KRR_SCALE), mean_sq_norm(x, n), 1e-12 * mean_sq_norm(x, n));
        // cond(A) < 3 and the test rows are like the training rows: 10·ε of the predictions' size bounds the
        // error with margin (plus 1e-12 for rounding when ε = 1e-12).
        EXPECT_LE(max_abs_diff(predict(model, xt, m, D, k), ref), (10 * tol + 1e-12) * max_abs(ref));
    }
    // A poor preconditioner (8 sketch rows for 24 columns: (SC)ᵀ(SC) + λI is rank 8 plus λI) costs iterations, not
    // accuracy.
    ConfigPtr poor;
    poor.setd(SUBQ_P_LAMBDA, lambda).set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_PCG).set(SUBQ_P_KRR_SKETCH_ROWS, 5);
    poor.setd(SUBQ_P_KRR_TOLERANCE, 1e-12);
    KrrPtr pm;
    fit(poor, nullptr, x, n, D, y, k, pm);
    EXPECT_LE(max_abs_diff(predict(pm, xt, m, D, k), ref), 1e-11 * max_abs(ref));
    // The iteration limit: one iteration cannot reach 1e-15.
    ConfigPtr limited;
    limited.setd(SUBQ_P_LAMBDA, lambda).set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_PCG).setd(SUBQ_P_KRR_TOLERANCE, 1e-15);
    limited.set(SUBQ_P_KRR_MAX_ITERATIONS, 1);
    subq_krr *out = reinterpret_cast<subq_krr *>(&limited);
    expect_error(
        subq_krr_fit_f64(limited.p, nullptr, SUBQ_ROW_MAJOR, n, D, x.data(), D, k, y.data(), k, nullptr, nullptr, &out),
        SUBQ_ERR_NOT_CONVERGED, "1 iterations");
    EXPECT_EQ(out, nullptr);
    // PCG needs a fixed λ.
    ConfigPtr selecting;
    selecting.set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_PCG);
    out = reinterpret_cast<subq_krr *>(&selecting);
    expect_error(subq_krr_fit_f64(selecting.p, nullptr, SUBQ_ROW_MAJOR, n, D, x.data(), D, k, y.data(), k, nullptr,
                                  nullptr, &out),
                 SUBQ_ERR_INVALID_ARG, "fixed λ");
    EXPECT_EQ(out, nullptr);
}

// PCG with Nyström centres: the regularizer R = K(L, L) + δI enters the operator and the preconditioner.
TEST(KrrCApi, PcgWithNystromCentres) {
    const int64_t nl = 10, n = 200, m = 15, d = 4, k = 2;
    const double lambda = 0.1;
    const Mat xl = unit_rows(nl, d, 53), x = unit_rows(n, d, 54), xt = unit_rows(m, d, 55), y = targets(x, n, d, k, 56);
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, 32, SUBQ_FEATURES_NYSTROM);
    fc.setd(SUBQ_P_GAMMA, 2.0);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_fit_f64(fm.p, SUBQ_ROW_MAJOR, nl, d, xl.data(), d), SUBQ_OK);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, lambda).set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_PCG).setd(SUBQ_P_KRR_TOLERANCE, 1e-12);
    KrrPtr model;
    fit(cfg, fm.p, x, n, d, y, k, model);
    EXPECT_EQ(get_int(model, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_PCG);
    const Mat c = gram(fc, x, n, xl, nl, d), ct = gram(fc, xt, m, xl, nl, d);
    Mat r = gram(fc, xl, nl, xl, nl, d);
    for (int64_t i = 0; i < nl; ++i) r[at(i * nl + i)] += 1e-8;
    const Mat ref = ridge_predict(c, y, n, nl, k, lambda, ct, m, r);
    // cond(CᵀC + λR) is below 1e4 here (CᵀC ≈ 200·K_LL-ish, λR >= 0.1·mu_min): 1e-12·1e4 = 1e-8; bound 1e-7.
    EXPECT_LE(max_abs_diff(predict(model, xt, m, d, k), ref), 1e-7 * std::max(1.0, max_abs(ref)));
}

// SUBQ_KRR_AUTO picks PCG when λ is fixed and its cost estimate is under half of Cholesky's (D > 240·k, n ≫ 2·D):
// here D = 300, k = 1, n = 7000; with λ selected it stays with Cholesky.
TEST(KrrCApi, AutoChoosesPcgForWideFeatures) {
    const int64_t n = 7000, D = 300, k = 1;
    const Mat x = randn(n, D, 57), y = targets(x, n, D, k, 58);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, 10.0);
    KrrPtr aut;
    fit(cfg, nullptr, x, n, D, y, k, aut);
    EXPECT_EQ(get_int(aut, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_PCG);
    EXPECT_GE(get_int(aut, SUBQ_KRR_ITERATIONS), 1);
    cfg.set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_CHOLESKY);
    KrrPtr chol;
    fit(cfg, nullptr, x, n, D, y, k, chol);
    EXPECT_EQ(get_int(chol, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_CHOLESKY);
    EXPECT_EQ(get_int(chol, SUBQ_KRR_ITERATIONS), 0);
    // XᵀX of 7000 Gaussian rows in R^300: cond(A) < (1 + √(300/7000))²/(1 − √(300/7000))² ≈ 2.3; tolerance 1e-8.
    const Mat pa = predict(aut, x, 50, D, k), pc = predict(chol, x, 50, D, k);
    EXPECT_LE(max_abs_diff(pa, pc), 1e-7 * max_abs(pc));
}

// (d) hold-out selection: the grid, the argmin with ties to the larger λ, the refit on all rows.
TEST(KrrCApi, HoldoutSelectionSquaredError) {
    const int64_t n = 200, d = 6, k = 2;
    const Mat x = randn(n, d, 20), y = targets(x, n, d, k, 21);
    ConfigPtr cfg;
    cfg.set(SUBQ_P_LAMBDA_GRID_POINTS, 5).setd(SUBQ_P_LAMBDA_GRID_MIN, 1e-4).setd(SUBQ_P_LAMBDA_GRID_MAX, 10.0);
    cfg.set(SUBQ_P_SEED, 3);
    KrrPtr model;
    fit(cfg, nullptr, x, n, d, y, k, model);
    const double s = mean_sq_norm(x, n);
    EXPECT_NEAR(get_double(model, SUBQ_KRR_SCALE), s, 1e-12 * s);
    std::vector<double> lam, score;
    read_grid(model, lam, score);
    ASSERT_EQ(lam.size(), 5u);
    for (std::size_t j = 0; j < lam.size(); ++j) {
        EXPECT_NEAR(lam[j], s * std::pow(10.0, -4.0 + 5.0 * static_cast<double>(j) / 4.0), 1e-12 * lam[j]) << j;
        EXPECT_TRUE(std::isfinite(score[j]) && score[j] >= 0) << j;
    }
    const std::size_t best = argmin_ties_larger(score);
    EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lam[best]);
    EXPECT_EQ(get_int(model, SUBQ_KRR_RETRIES), 0);
    const int64_t held = get_int(model, SUBQ_KRR_HOLDOUT_ROWS);
    // Binomial(200, 0.2): mean 40, standard deviation 5.7; [15, 65] is more than 4 deviations either side.
    EXPECT_GE(held, 15);
    EXPECT_LE(held, 65);
    EXPECT_EQ(get_int(model, SUBQ_KRR_ROWS), n);
    // The chosen λ is refitted on all n rows.
    const Mat ref = ridge_predict(x, y, n, d, k, lam[best], x, n);
    EXPECT_LE(max_abs_diff(predict(model, x, n, d, k), ref), 1e-9 * max_abs(ref));
    // A larger hold-out fraction holds out more rows; the defaults give the 7-point grid from 1e-6·s to s.
    ConfigPtr defaults;
    defaults.setd(SUBQ_P_HOLDOUT_FRACTION, 0.5).set(SUBQ_P_SEED, 3);
    KrrPtr dm;
    fit(defaults, nullptr, x, n, d, y, k, dm);
    read_grid(dm, lam, score);
    ASSERT_EQ(lam.size(), 7u);
    for (std::size_t j = 0; j < lam.size(); ++j)
        EXPECT_NEAR(lam[j], s * std::pow(10.0, -6.0 + static_cast<double>(j)), 1e-12 * lam[j]) << j;
    EXPECT_EQ(get_double(dm, SUBQ_KRR_LAMBDA), lam[argmin_ties_larger(score)]);
    EXPECT_GT(get_int(dm, SUBQ_KRR_HOLDOUT_ROWS), held);
    EXPECT_LT(get_int(dm, SUBQ_KRR_HOLDOUT_ROWS), n);
    // One grid point: grid_min alone.
    ConfigPtr one;
    one.set(SUBQ_P_LAMBDA_GRID_POINTS, 1).setd(SUBQ_P_LAMBDA_GRID_MIN, 0.01).setd(SUBQ_P_LAMBDA_GRID_MAX, 0.01);
    KrrPtr om;
    fit(one, nullptr, x, n, d, y, k, om);
    read_grid(om, lam, score);
    ASSERT_EQ(lam.size(), 1u);
    EXPECT_NEAR(lam[0], 0.01 * s, 1e-12 * s);
    EXPECT_EQ(get_double(om, SUBQ_KRR_LAMBDA), lam[0]);
}

// (d) SUBQ_SCORE_ACCURACY: error rates (multiples of 1/held-out rows); ties go to the larger λ.
TEST(KrrCApi, HoldoutSelectionAccuracy) {
    const int64_t n = 150, d = 5, k = 3;
    // Three well-separated classes: one-hot targets minus 0.1, as the CLI does.
    Mat x = randn(n, d, 22, 0.3), y(at(n * k), -0.1);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t c = i % k;
        x[at(i * d + c)] += 3.0;
        y[at(i * k + c)] = 0.9;
    }
    ConfigPtr cfg;
    cfg.set(SUBQ_P_HOLDOUT_SCORE, SUBQ_SCORE_ACCURACY).set(SUBQ_P_LAMBDA_GRID_POINTS, 6);
    cfg.setd(SUBQ_P_LAMBDA_GRID_MIN, 1e-5).setd(SUBQ_P_LAMBDA_GRID_MAX, 1e-2);
    KrrPtr model;
    fit(cfg, nullptr, x, n, d, y, k, model);
    std::vector<double> lam, score;
    read_grid(model, lam, score);
    ASSERT_EQ(lam.size(), 6u);
    const int64_t held = get_int(model, SUBQ_KRR_HOLDOUT_ROWS);
    ASSERT_GT(held, 0);
    for (double sc : score) {
        EXPECT_GE(sc, 0.0);
        EXPECT_LE(sc, 1.0);
        const double errors = sc * static_cast<double>(held);
        EXPECT_NEAR(errors, std::round(errors), 1e-9);
    }
    // Separable classes: every small λ classifies the held-out rows perfectly, so all scores tie at 0 and the
    // largest λ of the grid wins.
    for (double sc : score) EXPECT_EQ(sc, 0.0);
    EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lam.back());
    EXPECT_EQ(lam[argmin_ties_larger(score)], lam.back());
    // The same split with squared-error scores: positive, not error rates; the split does not depend on the score.
    ConfigPtr se;
    se.set(SUBQ_P_LAMBDA_GRID_POINTS, 6).setd(SUBQ_P_LAMBDA_GRID_MIN, 1e-5).setd(SUBQ_P_LAMBDA_GRID_MAX, 1e-2);
    KrrPtr sm;
    fit(se, nullptr, x, n, d, y, k, sm);
    EXPECT_EQ(get_int(sm, SUBQ_KRR_HOLDOUT_ROWS), held);
    std::vector<double> lam2, score2;
    read_grid(sm, lam2, score2);
    EXPECT_EQ(lam2, lam);
    for (double sc : score2) EXPECT_GT(sc, 0.0);
    EXPECT_EQ(get_double(sm, SUBQ_KRR_LAMBDA), lam2[argmin_ties_larger(score2)]);
}

// (d) GCV: n·RSS/(n − df)² with RSS and df = tr((CᵀC + λR)⁻¹CᵀC) computed here for every grid λ.
TEST(KrrCApi, GcvMatchesItsFormula) {
    const auto gcv = [](const Mat &c, const Mat &y, int64_t n, int64_t D, int64_t k, double lambda, const Mat &r) {
        const Mat g = tmatmul(c, c, n, D, D);
        Mat a = g;
        for (int64_t i = 0; i < D; ++i)
            for (int64_t j = 0; j < D; ++j)
                a[at(i * D + j)] += lambda * (r.empty() ? (i == j ? 1.0 : 0.0) : r[at(i * D + j)]);
        const Mat w = spd_solve(a, tmatmul(c, y, n, D, k), D, k), p = matmul(c, w, n, D, k);
        double rss = 0;
        for (std::size_t i = 0; i < p.size(); ++i) rss += (p[i] - y[i]) * (p[i] - y[i]);
        const Mat h = spd_solve(a, g, D, D);
        double df = 0;
        for (int64_t i = 0; i < D; ++i) df += h[at(i * D + i)];
        const double nn = static_cast<double>(n);
        return nn * rss / ((nn - df) * (nn - df));
    };
    const int64_t n = 60, d = 6, k = 2;
    const Mat x = randn(n, d, 23), y = targets(x, n, d, k, 24);
    {
        SCOPED_TRACE("explicit features");
        ConfigPtr cfg;
        cfg.set(SUBQ_P_LAMBDA_SELECT, SUBQ_LAMBDA_GCV).set(SUBQ_P_LAMBDA_GRID_POINTS, 6);
        cfg.setd(SUBQ_P_LAMBDA_GRID_MIN, 1e-4).setd(SUBQ_P_LAMBDA_GRID_MAX, 10.0);
        KrrPtr model;
        fit(cfg, nullptr, x, n, d, y, k, model);
        EXPECT_EQ(get_int(model, SUBQ_KRR_HOLDOUT_ROWS), 0);
        std::vector<double> lam, score;
        read_grid(model, lam, score);
        ASSERT_EQ(lam.size(), 6u);
        // The library's RSS is ‖Y‖² − 2bᵀW + WᵀAW from one eigendecomposition: cancellation costs about
        // ‖Y‖²/RSS ≈ 10 ulps-times; 1e-7 relative is far above that and far below the differences between grid
        // points (a factor of 10 in λ changes the score by percents).
        for (std::size_t j = 0; j < lam.size(); ++j)
            EXPECT_NEAR(score[j], gcv(x, y, n, d, k, lam[j], {}), 1e-7 * score[j]) << j;
        EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lam[argmin_ties_larger(score)]);
        const Mat ref = ridge_predict(x, y, n, d, k, get_double(model, SUBQ_KRR_LAMBDA), x, n);
        EXPECT_LE(max_abs_diff(predict(model, x, n, d, k), ref), 1e-9 * max_abs(ref));
    }
    {
        SCOPED_TRACE("Nystrom centres (whitened)");
        const int64_t nl = 8;
        const Mat xl = randn(nl, d, 25);
        ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
        fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, 100, SUBQ_FEATURES_NYSTROM);
        fc.setd(SUBQ_P_GAMMA, 0.1);
        MapPtr fm;
        ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
        ASSERT_EQ(subq_featuremap_fit_f64(fm.p, SUBQ_ROW_MAJOR, nl, d, xl.data(), d), SUBQ_OK);
        ConfigPtr cfg;
        cfg.set(SUBQ_P_LAMBDA_SELECT, SUBQ_LAMBDA_GCV).set(SUBQ_P_LAMBDA_GRID_POINTS, 4);
        cfg.setd(SUBQ_P_LAMBDA_GRID_MIN, 1e-3).setd(SUBQ_P_LAMBDA_GRID_MAX, 1.0);
        KrrPtr model;
        fit(cfg, fm.p, x, n, d, y, k, model);
        const Mat c = gram(fc, x, n, xl, nl, d);
        Mat r = gram(fc, xl, nl, xl, nl, d);
        for (int64_t i = 0; i < nl; ++i) r[at(i * nl + i)] += 1e-8;  // δ = 1e-8·max K_LL = 1e-8 (Gaussian)
        std::vector<double> lam, score;
        read_grid(model, lam, score);
        ASSERT_EQ(lam.size(), 4u);
        for (std::size_t j = 0; j < lam.size(); ++j) {
            EXPECT_NEAR(lam[j], std::pow(10.0, -3.0 + static_cast<double>(j)), 1e-12 * lam[j]) << j;  // s = 1
            // Whitening by the Cholesky factor of R (condition number below 1e3 here) adds rounding: 1e-6.
            EXPECT_NEAR(score[j], gcv(c, y, n, nl, k, lam[j], r), 1e-6 * score[j]) << j;
        }
        EXPECT_EQ(get_double(model, SUBQ_KRR_LAMBDA), lam[argmin_ties_larger(score)]);
    }
}

// (e) progress: after every block, increasing, ending at n; a nonzero return cancels.
TEST(KrrCApi, ProgressAndCancel) {
    const int64_t n = 30, d = 4, k = 1;
    const Mat x = randn(n, d, 26), y = targets(x, n, d, k, 27);
    struct Log {
        std::vector<int64_t> done, total;
        std::size_t cancel_at = 0;  // 0: never
    };
    const subq_krr_progress_fn record = [](void *u, int64_t done, int64_t total) {
        auto *log = static_cast<Log *>(u);
        log->done.push_back(done);
        log->total.push_back(total);
        return log->cancel_at != 0 && log->done.size() >= log->cancel_at ? 1 : 0;
    };
    for (double lambda : {0.5, 0.0}) {  // fixed λ, and hold-out selection
        SCOPED_TRACE("lambda " + std::to_string(lambda));
        ConfigPtr cfg;
        cfg.setd(SUBQ_P_LAMBDA, lambda).set(SUBQ_P_BLOCK_ROWS, 7);
        Log log;
        KrrPtr model;
        fit(cfg, nullptr, x, n, d, y, k, model, record, &log);
        EXPECT_EQ(log.done, (std::vector<int64_t>{7, 14, 21, 28, 30}));
        EXPECT_EQ(log.total, std::vector<int64_t>(5, n));
        // Block rows do not change the model beyond rounding.
        ConfigPtr big;
        big.setd(SUBQ_P_LAMBDA, lambda);
        KrrPtr bm;
        Log one;
        fit(big, nullptr, x, n, d, y, k, bm, record, &one);
        EXPECT_EQ(one.done, std::vector<int64_t>{n});
        const Mat pb = predict(bm, x, n, d, k);
        EXPECT_LE(max_abs_diff(predict(model, x, n, d, k), pb), 1e-12 * max_abs(pb));
        // Cancelling at the second block.
        Log stop;
        stop.cancel_at = 2;
        subq_krr *cancelled = reinterpret_cast<subq_krr *>(&stop);  // must be reset to NULL
        expect_error(subq_krr_fit_f64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k, record, &stop,
                                      &cancelled),
                     SUBQ_ERR_CANCELLED, "cancel");
        EXPECT_EQ(cancelled, nullptr);
        EXPECT_EQ(stop.done, (std::vector<int64_t>{7, 14}));
        // On the last call too.
        Log last;
        last.cancel_at = 5;
        KrrPtr lm;
        EXPECT_EQ(
            subq_krr_fit_f64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k, record, &last, &lm.p),
            SUBQ_ERR_CANCELLED);
        EXPECT_EQ(lm.p, nullptr);
    }
}

// (f) row-major and column-major inputs (with padded leading dimensions) give the same model and predictions.
TEST(KrrCApi, LayoutsAgree) {
    const int64_t n = 35, m = 9, d = 4, k = 3, D = 64;
    const Mat x = unit_rows(n, d, 28, 0.8), xt = unit_rows(m, d, 29, 0.8), y = targets(x, n, d, k, 30);
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, D, SUBQ_FEATURES_TAYLOR);
    MapPtr taylor;
    ASSERT_EQ(subq_featuremap_create(fc.p, &taylor.p), SUBQ_OK);
    // Column-major copies with leading dimension rows + 3.
    const auto col_major = [](const Mat &a, int64_t rows, int64_t cols) {
        Mat c(at((rows + 3) * cols), std::nan(""));
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) c[at(j * (rows + 3) + i)] = a[at(i * cols + j)];
        return c;
    };
    const Mat xc = col_major(x, n, d), yc = col_major(y, n, k), xtc = col_major(xt, m, d);
    for (const subq_featuremap *fm :
         {static_cast<const subq_featuremap *>(nullptr), static_cast<const subq_featuremap *>(taylor.p)}) {
        for (double lambda : {0.1, 0.0}) {
            SCOPED_TRACE(std::string(fm ? "taylor" : "identity") + " lambda " + std::to_string(lambda));
            ConfigPtr cfg;
            cfg.setd(SUBQ_P_LAMBDA, lambda);
            KrrPtr rm, cm;
            fit(cfg, fm, x, n, d, y, k, rm);
            ASSERT_EQ(subq_krr_fit_f64(cfg.p, fm, SUBQ_COL_MAJOR, n, d, xc.data(), n + 3, k, yc.data(), n + 3, nullptr,
                                       nullptr, &cm.p),
                      SUBQ_OK)
                << subq_last_error_message();
            EXPECT_EQ(get_double(rm, SUBQ_KRR_LAMBDA), get_double(cm, SUBQ_KRR_LAMBDA));
            const Mat pr = predict(rm, xt, m, d, k);
            // Column-major predictions of the column-major model, into a padded output.
            Mat pc(at((m + 3) * k), 7.0);
            ASSERT_EQ(subq_krr_predict_f64(cm.p, SUBQ_COL_MAJOR, m, d, xtc.data(), m + 3, pc.data(), m + 3), SUBQ_OK)
                << subq_last_error_message();
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < k; ++j) {
                    EXPECT_EQ(pc[at(j * (m + 3) + i)], pr[at(i * k + j)]) << i << "," << j;
                    EXPECT_EQ(pc[at(j * (m + 3) + m)], 7.0);  // padding untouched
                }
            // Row-major with a padded leading dimension.
            Mat xp(at(m * (d + 2)), 0.0);
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < d; ++j) xp[at(i * (d + 2) + j)] = xt[at(i * d + j)];
            Mat pp(at(m * (k + 1)), 0.0);
            ASSERT_EQ(subq_krr_predict_f64(rm.p, SUBQ_ROW_MAJOR, m, d, xp.data(), d + 2, pp.data(), k + 1), SUBQ_OK);
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < k; ++j) EXPECT_EQ(pp[at(i * (k + 1) + j)], pr[at(i * k + j)]);
        }
    }
}

// Determinism: results are bit-identical for any SUBQ_P_NUM_THREADS.
TEST(KrrCApi, ThreadCountDoesNotChangeTheModel) {
    const int64_t n = 80, d = 5, k = 2;
    const Mat x = unit_rows(n, d, 31), y = targets(x, n, d, k, 32);
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_NTK, d, 200, SUBQ_FEATURES_TAYLOR);
    fc.set(SUBQ_P_NTK_DEPTH, 2);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    Mat first;
    for (int64_t threads : {1, 2}) {
        ConfigPtr cfg;
        cfg.set(SUBQ_P_NUM_THREADS, threads);
        KrrPtr model;
        fit(cfg, fm.p, x, n, d, y, k, model);
        const Mat p = predict(model, x, n, d, k);
        if (first.empty())
            first = p;
        else
            EXPECT_EQ(p, first);
    }
}

// (g) every statistic key, and the wrong-type, unknown-key and NULL paths.
TEST(KrrCApi, StatisticsKeys) {
    const int64_t n = 50, d = 3, k = 2;
    const Mat x = randn(n, d, 33), y = targets(x, n, d, k, 34);
    ConfigPtr cfg;
    cfg.set(SUBQ_P_LAMBDA_GRID_POINTS, 3);
    KrrPtr model;
    fit(cfg, nullptr, x, n, d, y, k, model);
    const subq_krr_stat int_keys[] = {SUBQ_KRR_ROWS,  SUBQ_KRR_HOLDOUT_ROWS, SUBQ_KRR_RETRIES,     SUBQ_KRR_OUTPUTS,
                                      SUBQ_KRR_WIDTH, SUBQ_KRR_GRID_POINTS,  SUBQ_KRR_SOLVER_USED, SUBQ_KRR_ITERATIONS};
    const subq_krr_stat double_keys[] = {SUBQ_KRR_LAMBDA, SUBQ_KRR_SCALE, SUBQ_KRR_SECONDS_FEATURES,
                                         SUBQ_KRR_SECONDS_GRAM, SUBQ_KRR_SECONDS_SOLVE};
    for (subq_krr_stat key : int_keys) {
        SCOPED_TRACE("int key " + std::to_string(key));
        int64_t v = -1;
        EXPECT_EQ(subq_krr_get_int(model.p, key, &v), SUBQ_OK) << subq_last_error_message();
        EXPECT_GE(v, 0);
        double dv = 0;
        expect_error(subq_krr_get_double(model.p, key, &dv), SUBQ_ERR_INVALID_ARG, "not a double statistic");
        expect_error(subq_krr_get_int(model.p, key, nullptr), SUBQ_ERR_NULL_POINTER, "value");
        expect_error(subq_krr_get_int(nullptr, key, &v), SUBQ_ERR_NULL_POINTER, "model");
    }
    for (subq_krr_stat key : double_keys) {
        SCOPED_TRACE("double key " + std::to_string(key));
        double v = -1;
        EXPECT_EQ(subq_krr_get_double(model.p, key, &v), SUBQ_OK) << subq_last_error_message();
        EXPECT_TRUE(std::isfinite(v) && v >= 0);
        int64_t iv = 0;
        expect_error(subq_krr_get_int(model.p, key, &iv), SUBQ_ERR_INVALID_ARG, "not an int statistic");
        expect_error(subq_krr_get_double(model.p, key, nullptr), SUBQ_ERR_NULL_POINTER, "value");
        expect_error(subq_krr_get_double(nullptr, key, &v), SUBQ_ERR_NULL_POINTER, "model");
    }
    int64_t iv = 0;
    double dv = 0;
    expect_error(subq_krr_get_int(model.p, static_cast<subq_krr_stat>(999), &iv), SUBQ_ERR_INVALID_ARG, "999");
    expect_error(subq_krr_get_double(model.p, static_cast<subq_krr_stat>(0), &dv), SUBQ_ERR_INVALID_ARG, "key 0");
    EXPECT_EQ(get_int(model, SUBQ_KRR_ROWS), n);
    EXPECT_EQ(get_int(model, SUBQ_KRR_OUTPUTS), k);
    EXPECT_EQ(get_int(model, SUBQ_KRR_WIDTH), d);
    EXPECT_EQ(get_int(model, SUBQ_KRR_GRID_POINTS), 3);
    EXPECT_GT(get_int(model, SUBQ_KRR_HOLDOUT_ROWS), 0);
    EXPECT_EQ(get_int(model, SUBQ_KRR_SOLVER_USED), SUBQ_KRR_CHOLESKY);
    EXPECT_EQ(get_int(model, SUBQ_KRR_ITERATIONS), 0);
    EXPECT_GT(get_double(model, SUBQ_KRR_LAMBDA), 0);
    // subq_krr_grid: the range, NULL outputs allowed, NULL model refused.
    double l = 0, s = 0;
    EXPECT_EQ(subq_krr_grid(model.p, 2, &l, &s), SUBQ_OK);
    EXPECT_EQ(subq_krr_grid(model.p, 0, nullptr, nullptr), SUBQ_OK);
    EXPECT_EQ(subq_krr_grid(model.p, 1, &l, nullptr), SUBQ_OK);
    EXPECT_EQ(subq_krr_grid(model.p, 1, nullptr, &s), SUBQ_OK);
    expect_error(subq_krr_grid(model.p, 3, &l, &s), SUBQ_ERR_DIMENSION, "i = 3");
    expect_error(subq_krr_grid(model.p, -1, &l, &s), SUBQ_ERR_DIMENSION, "i = -1");
    expect_error(subq_krr_grid(nullptr, 0, &l, &s), SUBQ_ERR_NULL_POINTER, "model");
    subq_krr_destroy(nullptr);  // no-op
}

// The tenfold λ retries: XᵀX = [[4, 4], [4, 4]] exactly (duplicated ±1 columns) is singular; λ below half an ulp of 4
// leaves the pivot 4 + λ − 4 exactly 0, and the first λ that survives the rounding is the retried one.
TEST(KrrCApi, RetriesAndSingularSystems) {
    const int64_t n = 4, d = 2, k = 1;
    const Mat x = {1, 1, -1, -1, 1, 1, 1, 1}, y = {1, 0.5, -1, 2};
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, 1e-16);  // 4 + 1e-16 rounds to 4; 4 + 1e-15 rounds to 4 + 2^-50
    KrrPtr model;
    fit(cfg, nullptr, x, n, d, y, k, model);
    EXPECT_EQ(get_int(model, SUBQ_KRR_RETRIES), 1);
    EXPECT_NEAR(get_double(model, SUBQ_KRR_LAMBDA), 1e-15, 1e-30);
    for (double v : predict(model, x, n, d, k)) EXPECT_TRUE(std::isfinite(v));
    // Three tenfold increases of 1e-20 stay below the rounding: singular.
    ConfigPtr tiny;
    tiny.setd(SUBQ_P_LAMBDA, 1e-20);
    subq_krr *bad = reinterpret_cast<subq_krr *>(&tiny);  // must be reset to NULL
    expect_error(
        subq_krr_fit_f64(tiny.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k, nullptr, nullptr, &bad),
        SUBQ_ERR_NUMERICAL, "singular");
    EXPECT_EQ(bad, nullptr);
}

// (h) subq_low_rank_*: for explicit features F = U_rΣ_r of Z, so ‖ZZᵀ − FFᵀ‖_F is the optimal rank-r error
// (Eckart–Young: the root sum of squares of the eigenvalues of ZᵀZ beyond the r-th) and FᵀF = diag(λ_1..λ_r).
TEST(KrrCApi, LowRankIsOptimalForExplicitFeatures) {
    const int64_t n = 30, D = 8;
    Mat z = randn(n, D, 35);
    for (int64_t i = 0; i < n; ++i)  // distinct, decaying column scales: a well separated spectrum
        for (int64_t j = 0; j < D; ++j) z[at(i * D + j)] *= std::pow(0.7, static_cast<double>(j));
    const Mat kk = matmul(
        z,
        [&] {
            Mat t(at(D * n));
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = 0; j < D; ++j) t[at(j * n + i)] = z[at(i * D + j)];
            return t;
        }(),
        n, D, n);
    double knorm = 0;
    for (double v : kk) knorm += v * v;
    knorm = std::sqrt(knorm);
    const std::vector<double> ev = eigenvalues(tmatmul(z, z, n, D, D), D);
    for (int64_t r = 1; r <= D; ++r) {
        SCOPED_TRACE("rank " + std::to_string(r));
        Mat f(at(n * r), std::nan(""));
        ASSERT_EQ(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, D, z.data(), D, r, f.data(), r), SUBQ_OK)
            << subq_last_error_message();
        double err = 0, opt = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) {
                double s = 0;
                for (int64_t c = 0; c < r; ++c) s += f[at(i * r + c)] * f[at(j * r + c)];
                err += (kk[at(i * n + j)] - s) * (kk[at(i * n + j)] - s);
            }
        for (int64_t i = r; i < D; ++i) opt += ev[at(i)] * ev[at(i)];
        EXPECT_NEAR(std::sqrt(err), std::sqrt(opt), 1e-8 * knorm);
        const Mat ftf = tmatmul(f, f, n, r, r);
        for (int64_t a = 0; a < r; ++a)
            for (int64_t b = 0; b < r; ++b)
                EXPECT_NEAR(ftf[at(a * r + b)], a == b ? ev[at(a)] : 0.0, 1e-9 * ev[0]) << a << "," << b;
    }
    // Column-major input and output give the same factor up to rounding (column signs are fixed by the same
    // eigenvectors; compare FFᵀ, which has no sign ambiguity).
    const int64_t r = 3;
    Mat zc(at(n * D)), fr(at(n * r)), fc(at((n + 1) * r));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < D; ++j) zc[at(j * n + i)] = z[at(i * D + j)];
    ASSERT_EQ(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, D, z.data(), D, r, fr.data(), r), SUBQ_OK);
    ASSERT_EQ(subq_low_rank_f64(nullptr, SUBQ_COL_MAJOR, n, D, zc.data(), n, r, fc.data(), n + 1), SUBQ_OK)
        << subq_last_error_message();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double a = 0, b = 0;
            for (int64_t c = 0; c < r; ++c) {
                a += fr[at(i * r + c)] * fr[at(j * r + c)];
                b += fc[at(c * (n + 1) + i)] * fc[at(c * (n + 1) + j)];
            }
            EXPECT_NEAR(a, b, 1e-10 * knorm);
        }
    // float32 input (features multiplied in float32): FFᵀ agrees to float accuracy.
    std::vector<float> zf(z.begin(), z.end());
    Mat f32(at(n * r));
    ASSERT_EQ(subq_low_rank_f32(nullptr, SUBQ_ROW_MAJOR, n, D, zf.data(), D, r, f32.data(), r), SUBQ_OK)
        << subq_last_error_message();
    double diff = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double a = 0, b = 0;
            for (int64_t c = 0; c < r; ++c) {
                a += fr[at(i * r + c)] * fr[at(j * r + c)];
                b += f32[at(i * r + c)] * f32[at(j * r + c)];
            }
            diff = std::max(diff, std::fabs(a - b));
        }
    // float rounding of Z (6e-8) and of its Gram (30 products): about 1e-6 of ‖K‖; the rank-3 spectrum has gaps of
    // 30% so the subspace is stable. 1e-4 of ‖K‖ leaves a wide margin.
    EXPECT_LE(diff, 1e-4 * knorm);
    // n = 0: nothing to write.
    EXPECT_EQ(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, 0, D, nullptr, D, r, nullptr, r), SUBQ_OK)
        << subq_last_error_message();
}

// (h) with feature maps: Taylor (against its transform) and Nyström (against K_nys = C R⁻¹ Cᵀ).
TEST(KrrCApi, LowRankWithFeatureMaps) {
    const int64_t n = 25, d = 4, r = 4;
    const Mat x = unit_rows(n, d, 36, 0.9);
    const auto check = [&](const Mat &kk, int64_t nn, const Mat &f, int64_t rank, const std::vector<double> &ev) {
        double err = 0, opt = 0, knorm = 0;
        for (int64_t i = 0; i < nn; ++i)
            for (int64_t j = 0; j < nn; ++j) {
                double s = 0;
                for (int64_t c = 0; c < rank; ++c) s += f[at(i * rank + c)] * f[at(j * rank + c)];
                err += (kk[at(i * nn + j)] - s) * (kk[at(i * nn + j)] - s);
                knorm += kk[at(i * nn + j)] * kk[at(i * nn + j)];
            }
        for (std::size_t i = at(rank); i < ev.size(); ++i) opt += ev[i] * ev[i];
        EXPECT_NEAR(std::sqrt(err), std::sqrt(opt), 1e-8 * std::sqrt(knorm));
    };
    {
        SCOPED_TRACE("taylor");
        const int64_t D = 40;
        ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
        fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, D, SUBQ_FEATURES_TAYLOR);
        MapPtr fm;
        ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
        const Mat z = transform(fm.p, x, n, d);
        Mat kk(at(n * n), 0.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                for (int64_t c = 0; c < D; ++c) kk[at(i * n + j)] += z[at(i * D + c)] * z[at(j * D + c)];
        Mat f(at(n * r));
        ASSERT_EQ(subq_low_rank_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, f.data(), r), SUBQ_OK)
            << subq_last_error_message();
        check(kk, n, f, r, eigenvalues(tmatmul(z, z, n, D, D), D));
        expect_error(subq_low_rank_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, D + 1, f.data(), D + 1),
                     SUBQ_ERR_DIMENSION, "rank");
    }
    {
        SCOPED_TRACE("nystrom");
        const int64_t nl = 8;
        const Mat xl = unit_rows(nl, d, 37);
        ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
        fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d, 50, SUBQ_FEATURES_NYSTROM);
        fc.setd(SUBQ_P_GAMMA, 2.0);
        MapPtr fm;
        ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
        Mat f(at(n * r));
        expect_error(subq_low_rank_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, f.data(), r), SUBQ_ERR_STATE,
                     "landmarks");
        ASSERT_EQ(subq_featuremap_fit_f64(fm.p, SUBQ_ROW_MAJOR, nl, d, xl.data(), d), SUBQ_OK);
        ASSERT_EQ(subq_low_rank_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, f.data(), r), SUBQ_OK)
            << subq_last_error_message();
        // K_nys = C R⁻¹ Cᵀ = G Gᵀ with G = C L⁻ᵀ (R = LLᵀ, R = K_LL + δI); its nonzero eigenvalues are those of GᵀG.
        const Mat c = gram(fc, x, n, xl, nl, d);
        Mat rr = gram(fc, xl, nl, xl, nl, d);
        for (int64_t i = 0; i < nl; ++i) rr[at(i * nl + i)] += 1e-8;
        const Mat l = cholesky(rr, nl);
        Mat g = c;  // rows g_i = L⁻¹c_i
        for (int64_t i = 0; i < n; ++i)
            for (int64_t a = 0; a < nl; ++a) {
                double t = g[at(i * nl + a)];
                for (int64_t b = 0; b < a; ++b) t -= l[at(a * nl + b)] * g[at(i * nl + b)];
                g[at(i * nl + a)] = t / l[at(a * nl + a)];
            }
        Mat kn(at(n * n), 0.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                for (int64_t a = 0; a < nl; ++a) kn[at(i * n + j)] += g[at(i * nl + a)] * g[at(j * nl + a)];
        check(kn, n, f, r, eigenvalues(tmatmul(g, g, n, nl, nl), nl));
    }
}

// (i) every documented error of the fit, with its message; *out is NULL after each.
TEST(KrrCApi, FitErrors) {
    const int64_t n = 20, d = 3, k = 2;
    const Mat x = randn(n, d, 38), y = targets(x, n, d, k, 39);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, 0.1);
    int sentinel = 0;
    subq_krr *out = nullptr;
    const auto fit64 = [&](const subq_config *c, const subq_featuremap *fm, subq_layout layout, int64_t nn, int64_t dd,
                           const double *xx, int64_t ldx, int64_t kk, const double *yy, int64_t ldy) {
        out = reinterpret_cast<subq_krr *>(&sentinel);
        const subq_status st = subq_krr_fit_f64(c, fm, layout, nn, dd, xx, ldx, kk, yy, ldy, nullptr, nullptr, &out);
        if (st == SUBQ_OK) {
            EXPECT_NE(out, nullptr);
            subq_krr_destroy(out);
        } else {
            EXPECT_EQ(out, nullptr) << "status " << st;
        }
        return st;
    };
    const std::string fn = "subq_krr_fit_f64";
    // NULL pointers.
    expect_error(
        subq_krr_fit_f64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k, nullptr, nullptr, nullptr),
        SUBQ_ERR_NULL_POINTER, "out is NULL");
    expect_error(fit64(nullptr, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_NULL_POINTER,
                 "cfg is NULL");
    EXPECT_EQ(std::string(subq_last_error_message()).rfind(fn, 0), 0u) << "messages start with the function name";
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, nullptr, d, k, y.data(), k), SUBQ_ERR_NULL_POINTER,
                 "x is NULL");
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, nullptr, k), SUBQ_ERR_NULL_POINTER,
                 "y is NULL");
    // Wrong kind.
    ConfigPtr other(SUBQ_KIND_FEATUREMAP);
    expect_error(fit64(other.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_INVALID_ARG,
                 "SUBQ_KIND_KRR");
    // Dimensions: d against the map, n, k.
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d + 1, 32, SUBQ_FEATURES_TAYLOR);
    MapPtr taylor;
    ASSERT_EQ(subq_featuremap_create(fc.p, &taylor.p), SUBQ_OK);
    expect_error(fit64(cfg.p, taylor.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_DIMENSION,
                 "input dimension");
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, 0, d, x.data(), d, k, y.data(), k), SUBQ_ERR_DIMENSION, "n = 0");
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, -1, d, x.data(), d, k, y.data(), k), SUBQ_ERR_DIMENSION,
                 "n = -1");
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, 0, y.data(), 1), SUBQ_ERR_DIMENSION, "k = 0");
    EXPECT_EQ(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, 0, x.data(), 1, k, y.data(), k), SUBQ_ERR_DIMENSION);
    // Layout and leading dimensions.
    expect_error(fit64(cfg.p, nullptr, static_cast<subq_layout>(7), n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_LAYOUT,
                 "layout");
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d - 1, k, y.data(), k), SUBQ_ERR_LAYOUT,
                 "leading dimension");
    expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k - 1), SUBQ_ERR_LAYOUT,
                 "leading dimension");
    expect_error(fit64(cfg.p, nullptr, SUBQ_COL_MAJOR, n, d, x.data(), n - 1, k, y.data(), n), SUBQ_ERR_LAYOUT,
                 "leading dimension");
    // Non-finite values, named by row.
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
        Mat xb = x, yb = y;
        xb[at(7 * d + 1)] = bad;
        expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, xb.data(), d, k, y.data(), k), SUBQ_ERR_NUMERICAL,
                     "row 7");
        yb[at(11 * k + 0)] = -bad;
        expect_error(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, yb.data(), k), SUBQ_ERR_NUMERICAL,
                     "row 11");
        expect_error(
            fit64(cfg.p, taylor.p, SUBQ_ROW_MAJOR, n, d + 1, Mat(at(n * (d + 1)), bad).data(), d + 1, k, y.data(), k),
            SUBQ_ERR_NUMERICAL, "row 0");
        std::vector<float> xf(x.begin(), x.end());
        xf[at(3 * d)] = static_cast<float>(bad);
        subq_krr *o = reinterpret_cast<subq_krr *>(&sentinel);
        expect_error(
            subq_krr_fit_f32(cfg.p, nullptr, SUBQ_ROW_MAJOR, n, d, xf.data(), d, k, y.data(), k, nullptr, nullptr, &o),
            SUBQ_ERR_NUMERICAL, "row 3");
        EXPECT_EQ(o, nullptr);
    }
    // SUBQ_KRR_EXACT needs a map and a fixed λ.
    ConfigPtr ex;
    ex.set(SUBQ_P_KRR_SOLVER, SUBQ_KRR_EXACT);
    ConfigPtr gfc(SUBQ_KIND_FEATUREMAP);
    fm_config(gfc, SUBQ_KERNEL_GAUSSIAN, d, 32, SUBQ_FEATURES_TAYLOR);
    MapPtr gauss;
    ASSERT_EQ(subq_featuremap_create(gfc.p, &gauss.p), SUBQ_OK);
    expect_error(fit64(ex.p, gauss.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_INVALID_ARG,
                 "SUBQ_P_LAMBDA");
    ex.setd(SUBQ_P_LAMBDA, 0.1);
    expect_error(fit64(ex.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_INVALID_ARG,
                 "feature map");
    {
        Mat xb = x;
        xb[at(5 * d)] = std::nan("");
        expect_error(fit64(ex.p, gauss.p, SUBQ_ROW_MAJOR, n, d, xb.data(), d, k, y.data(), k), SUBQ_ERR_NUMERICAL,
                     "row 5");
    }
    // A Nyström map without landmarks.
    ConfigPtr nfc(SUBQ_KIND_FEATUREMAP);
    fm_config(nfc, SUBQ_KERNEL_GAUSSIAN, d, 8, SUBQ_FEATURES_NYSTROM);
    MapPtr nys;
    ASSERT_EQ(subq_featuremap_create(nfc.p, &nys.p), SUBQ_OK);
    expect_error(fit64(cfg.p, nys.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_STATE, "landmarks");
    // Hold-out selection with a single row: nothing on one side of the split.
    ConfigPtr sel;
    expect_error(fit64(sel.p, nullptr, SUBQ_ROW_MAJOR, 1, d, x.data(), d, k, y.data(), k), SUBQ_ERR_INVALID_ARG,
                 "hold-out");
    // ... while a fixed λ or GCV fits one row.
    EXPECT_EQ(fit64(cfg.p, nullptr, SUBQ_ROW_MAJOR, 1, d, x.data(), d, k, y.data(), k), SUBQ_OK)
        << subq_last_error_message();
    // The grid, checked at fit time: min > max.
    ConfigPtr grid;
    grid.setd(SUBQ_P_LAMBDA_GRID_MIN, 2.0).setd(SUBQ_P_LAMBDA_GRID_MAX, 1.0);
    expect_error(fit64(grid.p, nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, k, y.data(), k), SUBQ_ERR_PARAM_RANGE,
                 "grid");
    // destroy(NULL) is a no-op.
    subq_krr_destroy(nullptr);
}

TEST(KrrCApi, PredictAndLowRankErrors) {
    const int64_t n = 20, d = 3, k = 2;
    const Mat x = randn(n, d, 40), y = targets(x, n, d, k, 41);
    ConfigPtr cfg;
    cfg.setd(SUBQ_P_LAMBDA, 0.1);
    KrrPtr model;
    fit(cfg, nullptr, x, n, d, y, k, model);
    Mat out(at(n * k));
    expect_error(subq_krr_predict_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, out.data(), k), SUBQ_ERR_NULL_POINTER,
                 "model");
    expect_error(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, n, d, nullptr, d, out.data(), k), SUBQ_ERR_NULL_POINTER,
                 "x is NULL");
    expect_error(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, nullptr, k), SUBQ_ERR_NULL_POINTER,
                 "out is NULL");
    expect_error(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, n, d - 1, x.data(), d, out.data(), k),
                 SUBQ_ERR_DIMENSION, "input dimension");
    expect_error(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, -1, d, x.data(), d, out.data(), k), SUBQ_ERR_DIMENSION,
                 "negative");
    expect_error(subq_krr_predict_f64(model.p, static_cast<subq_layout>(0), n, d, x.data(), d, out.data(), k),
                 SUBQ_ERR_LAYOUT, "layout");
    expect_error(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, out.data(), k - 1), SUBQ_ERR_LAYOUT,
                 "out");
    Mat xb = x;
    xb[at(4 * d + 2)] = std::numeric_limits<double>::infinity();
    expect_error(subq_krr_predict_f64(model.p, SUBQ_ROW_MAJOR, n, d, xb.data(), d, out.data(), k), SUBQ_ERR_NUMERICAL,
                 "row 4");
    std::vector<float> xf(x.begin(), x.end());
    xf[at(2 * d)] = std::nanf("");
    expect_error(subq_krr_predict_f32(model.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, out.data(), k), SUBQ_ERR_NUMERICAL,
                 "row 2");

    // subq_low_rank_*.
    const int64_t r = 2;
    Mat f(at(n * r));
    EXPECT_EQ(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, f.data(), r), SUBQ_OK);
    expect_error(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, 0, f.data(), r), SUBQ_ERR_DIMENSION,
                 "rank");
    expect_error(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, d + 1, f.data(), d + 1),
                 SUBQ_ERR_DIMENSION, "rank");
    expect_error(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, nullptr, d, r, f.data(), r), SUBQ_ERR_NULL_POINTER,
                 "x is NULL");
    expect_error(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, nullptr, r), SUBQ_ERR_NULL_POINTER,
                 "f is NULL");
    expect_error(subq_low_rank_f64(nullptr, static_cast<subq_layout>(5), n, d, x.data(), d, r, f.data(), r),
                 SUBQ_ERR_LAYOUT, "layout");
    expect_error(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, f.data(), r - 1), SUBQ_ERR_LAYOUT,
                 "leading dimension");
    expect_error(subq_low_rank_f64(nullptr, SUBQ_ROW_MAJOR, n, d, xb.data(), d, r, f.data(), r), SUBQ_ERR_NUMERICAL,
                 "row 4");
    expect_error(subq_low_rank_f32(nullptr, SUBQ_ROW_MAJOR, n, d, xf.data(), d, r, f.data(), r), SUBQ_ERR_NUMERICAL,
                 "row 2");
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_GAUSSIAN, d + 2, 32, SUBQ_FEATURES_TAYLOR);
    MapPtr fm;
    ASSERT_EQ(subq_featuremap_create(fc.p, &fm.p), SUBQ_OK);
    expect_error(subq_low_rank_f64(fm.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, r, f.data(), r), SUBQ_ERR_DIMENSION,
                 "input dimension");
}

// subq_featuremap_fit_f32 chooses the same landmarks as subq_featuremap_fit_f64 on the same values.
TEST(KrrCApi, FeatureMapFitF32MatchesF64) {
    const int64_t n = 40, d = 5, D = 12;
    Mat x = randn(n, d, 42);
    std::vector<float> xf(x.begin(), x.end());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = xf[i];
    ConfigPtr fc(SUBQ_KIND_FEATUREMAP);
    fm_config(fc, SUBQ_KERNEL_ARCCOS1, d, D, SUBQ_FEATURES_NYSTROM, 9);
    MapPtr a, b;
    ASSERT_EQ(subq_featuremap_create(fc.p, &a.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_create(fc.p, &b.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_fit_f64(a.p, SUBQ_ROW_MAJOR, n, d, x.data(), d), SUBQ_OK) << subq_last_error_message();
    ASSERT_EQ(subq_featuremap_fit_f32(b.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d), SUBQ_OK) << subq_last_error_message();
    EXPECT_EQ(out_dim(a.p), D);
    EXPECT_EQ(out_dim(b.p), D);
    EXPECT_EQ(transform(a.p, x, n, d), transform(b.p, x, n, d));
    // Column-major float input with padding: the same landmarks again.
    std::vector<float> xc(at((n + 2) * d), 0.0f);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j) xc[at(j * (n + 2) + i)] = xf[at(i * d + j)];
    MapPtr c;
    ASSERT_EQ(subq_featuremap_create(fc.p, &c.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_fit_f32(c.p, SUBQ_COL_MAJOR, n, d, xc.data(), n + 2), SUBQ_OK)
        << subq_last_error_message();
    EXPECT_EQ(transform(c.p, x, n, d), transform(a.p, x, n, d));
    // Errors of fit_f32: dimension, NULL, non-finite values; fewer rows than D: every row a landmark.
    expect_error(subq_featuremap_fit_f32(c.p, SUBQ_ROW_MAJOR, n, d - 1, xf.data(), d), SUBQ_ERR_DIMENSION, "");
    expect_error(subq_featuremap_fit_f32(c.p, SUBQ_ROW_MAJOR, n, d, nullptr, d), SUBQ_ERR_NULL_POINTER, "");
    expect_error(subq_featuremap_fit_f32(nullptr, SUBQ_ROW_MAJOR, n, d, xf.data(), d), SUBQ_ERR_NULL_POINTER, "");
    std::vector<float> bad = xf;
    bad[at(6 * d + 1)] = std::numeric_limits<float>::infinity();
    expect_error(subq_featuremap_fit_f32(c.p, SUBQ_ROW_MAJOR, n, d, bad.data(), d), SUBQ_ERR_NUMERICAL, "row 6");
    MapPtr small;
    ASSERT_EQ(subq_featuremap_create(fc.p, &small.p), SUBQ_OK);
    ASSERT_EQ(subq_featuremap_fit_f32(small.p, SUBQ_ROW_MAJOR, 7, d, xf.data(), d), SUBQ_OK);
    EXPECT_EQ(out_dim(small.p), 7);
    // Oblivious maps: fit_f32 only checks the dimensions.
    ConfigPtr tc(SUBQ_KIND_FEATUREMAP);
    fm_config(tc, SUBQ_KERNEL_GAUSSIAN, d, 32, SUBQ_FEATURES_TAYLOR);
    MapPtr t;
    ASSERT_EQ(subq_featuremap_create(tc.p, &t.p), SUBQ_OK);
    EXPECT_EQ(subq_featuremap_fit_f32(t.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d), SUBQ_OK);
    EXPECT_EQ(out_dim(t.p), 32);
    EXPECT_EQ(subq_featuremap_fit_f32(t.p, SUBQ_ROW_MAJOR, n, d + 1, xf.data(), d + 1), SUBQ_ERR_DIMENSION);
}
