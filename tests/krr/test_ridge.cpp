// Kernel ridge regression on features (src/krr/ridge.hpp, design/algorithms.md §5; S15, S16) against dense
// references: normal equations solved by a plain Cholesky (no LAPACK; tests/krr/dense_reference.hpp), explicit hat
// matrices, explicit Nyström features, and eigendecompositions of the n × n kernel matrix.
#include <cblas.h>
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../kernel/kernel_test_util.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "dense_reference.hpp"
#include "kernel/comparators.hpp"
#include "kernel/exact.hpp"
#include "kernel/featuremap.hpp"
#include "krr/ridge.hpp"

using namespace subq;
using namespace subq::krr;
using subq::kernel::test::expect_error;
using subq::kernel::test::gaussian;
using subq::kernel::test::polynomial;
using namespace subq_krr_test;

namespace {

// n × d row-major Gaussian rows rescaled to norms uniform in [lo, hi].
Mat random_rows(index_t n, index_t d, std::uint64_t seed, double lo = 0.2, double hi = 1.5) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> scale(lo, hi);
    Mat x(at(n * d));
    for (index_t i = 0; i < n; ++i) {
        double s2 = 0;
        for (index_t j = 0; j < d; ++j) {
            const double v = normal(gen);
            x[at(i * d + j)] = v;
            s2 += v * v;
        }
        const double f = scale(gen) / std::sqrt(s2);
        for (index_t j = 0; j < d; ++j) x[at(i * d + j)] *= f;
    }
    return x;
}

// n × d row-major i.i.d. N(0, sigma²).
Mat normal_matrix(index_t n, index_t d, std::uint64_t seed, double sigma = 1.0) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal(0.0, sigma);
    Mat x(at(n * d));
    for (double &v : x) v = normal(gen);
    return x;
}

DenseView<const double> view(const Mat &x, index_t n, index_t d) {
    return {x.data(), n, d, d, SUBQ_ROW_MAJOR};
}
DenseView<double> out_view(Mat &x, index_t n, index_t d) {
    return {x.data(), n, d, d, SUBQ_ROW_MAJOR};
}

// Φ = vec(x ⊗ x) row by row: Φ[i, a·d + b] = x_ia·x_ib, so ⟨φ(x), φ(y)⟩ = (x·y)² (polynomial kernel, γ = 1, c = 0,
// degree 2). Columns ab and ba are equal: ΦᵀΦ has rank d(d+1)/2 < d², a singular Gram for the λI to regularize.
Mat outer_features(const Mat &x, index_t n, index_t d) {
    Mat phi(at(n * d * d));
    for (index_t i = 0; i < n; ++i)
        for (index_t a = 0; a < d; ++a)
            for (index_t b = 0; b < d; ++b) phi[at(i * d * d + a * d + b)] = x[at(i * d + a)] * x[at(i * d + b)];
    return phi;
}

// W = (ΦᵀΦ + λ·(R or I))⁻¹ΦᵀY over the rows i with use(i) (Φ n × D, Y n × k row-major).
template <class Use>
Mat ridge_reference(const Mat &phi, const Mat &y, index_t n, index_t D, index_t k, double lambda, const Mat *r,
                    Use use) {
    Mat a(at(D * D), 0.0), b(at(D * k), 0.0);
    for (index_t i = 0; i < n; ++i) {
        if (!use(i)) continue;
        for (index_t p = 0; p < D; ++p) {
            const double v = phi[at(i * D + p)];
            for (index_t q = 0; q < D; ++q) a[at(p * D + q)] += v * phi[at(i * D + q)];
            for (index_t c = 0; c < k; ++c) b[at(p * k + c)] += v * y[at(i * k + c)];
        }
    }
    for (index_t p = 0; p < D; ++p)
        for (index_t q = 0; q < D; ++q) a[at(p * D + q)] += lambda * (r ? (*r)[at(p * D + q)] : (p == q ? 1.0 : 0.0));
    return spd_solve(a, b, D, k);
}
Mat ridge_reference(const Mat &phi, const Mat &y, index_t n, index_t D, index_t k, double lambda,
                    const Mat *r = nullptr) {
    return ridge_reference(phi, y, n, D, k, lambda, r, [](index_t) { return true; });
}

double norm(const Mat &a) {
    double s = 0;
    for (double v : a) s += v * v;
    return std::sqrt(s);
}

// ‖a − b‖_F / ‖b‖_F.
double rel_diff(const Mat &a, const Mat &b) {
    EXPECT_EQ(a.size(), b.size());
    Mat d(b.size());
    for (std::size_t i = 0; i < b.size(); ++i) d[i] = a[i] - b[i];
    return norm(d) / norm(b);
}

// Eigenvalues (ascending) of the symmetric n × n a; a becomes the eigenvectors (column j of the row-major a).
Mat eigen(Mat &a, index_t n) {
    Mat w(at(n));
    const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', static_cast<lapack_int>(n), a.data(),
                                           static_cast<lapack_int>(n), w.data());
    EXPECT_EQ(info, 0);
    return w;
}

Mat kernel_matrix(const kernel::KernelParams &p, const Mat &x, index_t n, const Mat &z, index_t m, index_t d) {
    Mat k(at(n * m));
    kernel::gram(p, view(x, n, d), view(z, m, d), out_view(k, n, m));
    return k;
}

// Targets: k smooth functions of the rows plus Gaussian noise.
Mat targets(const Mat &x, index_t n, index_t d, index_t k, std::uint64_t seed, double noise) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> normal(0.0, noise);
    Mat y(at(n * k));
    for (index_t i = 0; i < n; ++i)
        for (index_t c = 0; c < k; ++c) {
            double s = 0;
            for (index_t j = 0; j < d; ++j) s += std::sin(static_cast<double>(c + 1) * x[at(i * d + j)] + 0.3 * j);
            y[at(i * k + c)] = s + normal(gen);
        }
    return y;
}

// Y = Φ·W* + noise (Φ n × D, W* D × k ~ N(0, w_sigma²)).
Mat linear_targets(const Mat &phi, index_t n, index_t D, index_t k, std::uint64_t seed, double w_sigma, double noise) {
    const Mat w = normal_matrix(D, k, seed, w_sigma);
    Mat y = matmul(phi, w, n, D, k);
    const Mat e = normal_matrix(n, k, seed + 1, noise);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] += e[i];
    return y;
}

template <class T>
std::unique_ptr<Ridge> fit(const FeatureSource &s, const std::vector<T> &x, index_t n, const Mat &y, index_t k,
                           const Options &o) {
    const index_t d = s.input_dim();
    return Ridge::fit<T>(s, DenseView<const T>{x.data(), n, d, d, SUBQ_ROW_MAJOR}, view(y, n, k), o);
}

template <class T>
Mat predict(const Ridge &model, const std::vector<T> &x, index_t n) {
    const index_t d = model.input_dim(), k = model.outputs();
    Mat out(at(n * k), -7.0);
    model.predict<T>(DenseView<const T>{x.data(), n, d, d, SUBQ_ROW_MAJOR}, out_view(out, n, k));
    return out;
}

Mat predict(const ExactRidge &model, const Mat &x, index_t n) {
    Mat out(at(n * model.outputs()), -7.0);
    model.predict(view(x, n, model.input_dim()), out_view(out, n, model.outputs()));
    return out;
}

Options fixed(double lambda, index_t block_rows = 0) {
    Options o;
    o.lambda = lambda;
    o.block_rows = block_rows;
    return o;
}

// Mean squared row norm: the λ scale s of explicit features (tr(ΦᵀΦ)/n).
double mean_sq_norm(const Mat &phi, index_t n) {
    double s = 0;
    for (double v : phi) s += v * v;
    return s / static_cast<double>(n);
}

// The hold-out split of ridge.cpp: row i is held out iff uniform(seed, {6, 0, 0, 0, kUniform}, i) < fraction.
std::vector<char> holdout_split(std::uint64_t seed, index_t n, double fraction) {
    const rng::Stream s = rng::stream({6, 0, 0, 0, rng::kUniform});
    std::vector<char> held(at(n));
    for (index_t i = 0; i < n; ++i) held[at(i)] = rng::uniform(seed, s, static_cast<std::uint64_t>(i)) < fraction;
    return held;
}

// The explicit Nyström features of the ridge source: Z = K(x, L)·L_R⁻ᵀ with R = K(L, L) + δI = L_R L_Rᵀ, δ =
// kNystromJitter·max_j K(L, L)_jj (ZZᵀ = K(x, L) R⁻¹ K(L, x); Z is R^{−1/2} whitening up to a rotation, which ridge
// regression is invariant to).
struct NystromReference {
    Mat r, lr;  // R and its Cholesky factor
    index_t m = 0;
    NystromReference(const kernel::Nystrom &ny, index_t d) : m(ny.output_dim()) {
        const Mat &l = ny.landmarks();
        r = kernel_matrix(ny.kernel(), l, m, l, m, d);
        double top = 0;
        for (index_t j = 0; j < m; ++j) top = std::max(top, r[at(j * m + j)]);
        for (index_t j = 0; j < m; ++j) r[at(j * m + j)] += kNystromJitter * top;
        lr = cholesky(r, m);
    }
    Mat centres(const kernel::Nystrom &ny, const Mat &x, index_t n, index_t d) const {  // C = K(x, L)
        return kernel_matrix(ny.kernel(), x, n, ny.landmarks(), m, d);
    }
    Mat features(const kernel::Nystrom &ny, const Mat &x, index_t n, index_t d) const {  // Z = C·L_R⁻ᵀ
        const Mat c = centres(ny, x, n, d);
        return transpose(forward_substitute(lr, transpose(c, n, m), m, n), m, n);
    }
};

// ===================================================== S15 =====================================================

// Φ = vec(x⊗x), d = 5, n = 60, k = 3 outputs, λ = 1e−3·s fixed. Conditioning: ‖ΦᵀΦ‖₂ <= tr(ΦᵀΦ) = n·s, so
// cond(ΦᵀΦ + λI) <= (n·s + λ)/λ ≈ 6e4 (checked below), and two backward-stable solves of the same system agree to
// about cond·D·u ≈ 6e4·25·1.1e−16 ≈ 2e−10 in the worst case (measured: ~1e−13), hence 1e−10 against the plain
// Cholesky of the normal equations. Against exact dual KRR (K + λI)α = Y on the 60 × 60 Gram, primal = dual is an
// identity (W = Φᵀα, predictions K(x, X)α) and the same conditioning bounds the difference (measured ~1e−12):
// 1e−8 as S15 asks.
TEST(Ridge, S15ExplicitQuadraticFeaturesEqualExactPolynomialKrr) {
    const index_t n = 60, nt = 25, d = 5, D = d * d, k = 3;
    const Mat x = random_rows(n, d, 1), xt = random_rows(nt, d, 2);
    const Mat phi = outer_features(x, n, d), phit = outer_features(xt, nt, d);
    const Mat y = targets(x, n, d, k, 3, 0.1);
    const double s = mean_sq_norm(phi, n), lambda = 1e-3 * s;
    ASSERT_LT((static_cast<double>(n) * s + lambda) / lambda, 1e5);

    // y given column-major: "any layout"
    const Mat ycm = transpose(y, n, k);
    const auto src = identity_features(D);
    EXPECT_EQ(src->width(), D);
    EXPECT_EQ(src->input_dim(), D);
    EXPECT_EQ(src->regularizer(), nullptr);
    const auto model = Ridge::fit<double>(*src, view(phi, n, D),
                                          DenseView<const double>{ycm.data(), n, k, n, SUBQ_COL_MAJOR}, fixed(lambda));
    EXPECT_EQ(model->width(), D);
    EXPECT_EQ(model->outputs(), k);
    EXPECT_EQ(model->input_dim(), D);
    const Report &rep = model->report();
    EXPECT_EQ(rep.lambda, lambda);
    EXPECT_EQ(rep.retries, 0);
    EXPECT_EQ(rep.solver, Solver::kCholesky);  // kAuto: PCG only pays for D >> 30·k (ridge.hpp)
    EXPECT_EQ(rep.iterations, 0);
    EXPECT_EQ(rep.rows, n);
    EXPECT_EQ(rep.holdout_rows, 0);
    EXPECT_TRUE(rep.grid.empty());
    EXPECT_TRUE(rep.grid_score.empty());
    EXPECT_NEAR(rep.scale, s, 1e-13 * s);

    // the direct dense solve of the normal equations
    const Mat w_ref = ridge_reference(phi, y, n, D, k, lambda);
    ASSERT_EQ(model->weights().size(), w_ref.size());
    EXPECT_LT(rel_diff(model->weights(), w_ref), 1e-10);
    EXPECT_LT(rel_diff(predict(*model, phit, nt), matmul(phit, w_ref, nt, D, k)), 1e-10);

    // exact KRR with the polynomial kernel (x·y)²: primal weights = Φᵀα, predictions equal
    const auto exact = ExactRidge::fit(polynomial(2, 1.0, 0.0), view(x, n, d), view(y, n, k), lambda);
    EXPECT_EQ(exact->input_dim(), d);
    EXPECT_EQ(exact->outputs(), k);
    ASSERT_EQ(exact->dual_weights().size(), at(n * k));
    EXPECT_LT(rel_diff(model->weights(), matmul(transpose(phi, n, D), exact->dual_weights(), D, n, k)), 1e-8);
    EXPECT_LT(rel_diff(predict(*model, phit, nt), predict(*exact, xt, nt)), 1e-8);
    EXPECT_LT(rel_diff(predict(*model, phi, n), predict(*exact, x, n)), 1e-8);
    // the exact dual solve itself: (K + λI)α = Y by the plain Cholesky
    Mat kxx = kernel_matrix(polynomial(2, 1.0, 0.0), x, n, x, n, d);
    for (index_t i = 0; i < n; ++i) kxx[at(i * n + i)] += lambda;
    EXPECT_LT(rel_diff(exact->dual_weights(), spd_solve(kxx, y, n, k)), 1e-10);

    // predict() takes any layout of x: the column-major copy gives the same bits
    const Mat phit_cm = transpose(phit, nt, D);
    Mat out(at(nt * k));
    model->predict<double>(DenseView<const double>{phit_cm.data(), nt, D, nt, SUBQ_COL_MAJOR}, out_view(out, nt, k));
    EXPECT_EQ(out, predict(*model, phit, nt));
}

// ============================================== blocks and precision ==============================================

// block_rows only changes the order of the double sums in CᵀC, CᵀY and s (dsyrk/dgemm with β = 1 per block): a
// relative perturbation of at most n·u ≈ 2e−14 of the Gram entries, amplified by cond(CᵀC + λI) <= 10 (Gaussian Φ
// with n = 100 >> D = 10; checked) to ~1e−13 in W: 1e−12. The hold-out split must not depend on the blocks either
// (it is a function of the global row number), so the hold-out grid scores agree to the same accuracy, and GCV too.
TEST(Ridge, BlockRowsDoNotChangeTheFit) {
    const index_t n = 100, D = 10, k = 2;
    const Mat phi = normal_matrix(n, D, 10);
    const Mat y = linear_targets(phi, n, D, k, 11, 0.3, 0.5);
    const double s = mean_sq_norm(phi, n);
    Mat g = matmul(transpose(phi, n, D), phi, D, n, D);
    const Mat ev = eigen(g, D);
    ASSERT_LT((ev.back() + 1e-2 * s) / (ev.front() + 1e-2 * s), 10.0);
    const auto src = identity_features(D);
    for (int mode = 0; mode < 3; ++mode) {
        Options o = fixed(mode == 0 ? 1e-2 * s : 0.0);
        o.select = mode == 2 ? Select::kGcv : Select::kHoldout;
        o.seed = 5;
        o.grid_min = 1e-3;
        o.grid_max = 10;
        o.block_rows = 0;  // automatic: all 100 rows in one block
        const auto ref = fit(*src, phi, n, y, k, o);
        for (const index_t block : {index_t{1}, index_t{7}, index_t{100}, index_t{1000}}) {
            o.block_rows = block;
            const auto m = fit(*src, phi, n, y, k, o);
            SCOPED_TRACE("mode " + std::to_string(mode) + ", block_rows " + std::to_string(block));
            EXPECT_LT(rel_diff(m->weights(), ref->weights()), 1e-12);
            // s is summed block by block, so the grid (and a fixed λ is not affected) may move by an ulp
            EXPECT_NEAR(m->report().lambda, ref->report().lambda, 1e-14 * ref->report().lambda);
            EXPECT_EQ(m->report().holdout_rows, ref->report().holdout_rows);
            EXPECT_NEAR(m->report().scale, ref->report().scale, 1e-13 * s);
            ASSERT_EQ(m->report().grid_score.size(), ref->report().grid_score.size());
            EXPECT_EQ(m->report().grid_score.size(), mode == 0 ? 0u : 7u);
            for (std::size_t j = 0; j < m->report().grid_score.size(); ++j)
                EXPECT_NEAR(m->report().grid_score[j], ref->report().grid_score[j],
                            1e-12 * ref->report().grid_score[j]);
            // predict() blocks by the fit's block_rows: the same predictions whatever they are
            EXPECT_LT(rel_diff(predict(*m, phi, n), predict(*ref, phi, n)), 1e-12);
        }
        EXPECT_LT(rel_diff(ref->weights(), ridge_reference(phi, y, n, D, k, ref->report().lambda)), 1e-12);
    }
}

// Float input: Φ is rounded to float first, so the double fit sees exactly the same numbers and only the float
// arithmetic differs. Each Gram entry of the float path is a float sum of n = 200 products (one block): error at
// most n·u_f ≈ 200·6e−8 ≈ 1.2e−5 of Σ|c_ip c_iq| (typically √n·u_f ≈ 1e−6); CᵀY likewise, with Y rounded to float
// (6e−8). The relative error of W is at most cond(CᵀC + λI)·(that), with cond <= 3 here (Gaussian Φ, n = 200, D = 8;
// checked): <= ~4e−5 in the worst case, so 1e−4. Predictions in float (sgemm with W rounded to float) add ~D·u_f.
TEST(Ridge, FloatInputMatchesDouble) {
    const index_t n = 200, D = 8, k = 3;
    Mat phi = normal_matrix(n, D, 20);
    for (double &v : phi) v = static_cast<double>(static_cast<float>(v));
    const std::vector<float> phif(phi.begin(), phi.end());
    const Mat y = linear_targets(phi, n, D, k, 21, 0.5, 0.3);
    const double s = mean_sq_norm(phi, n);
    Mat g = matmul(transpose(phi, n, D), phi, D, n, D);
    const Mat ev = eigen(g, D);
    ASSERT_LT(ev.back() / ev.front(), 3.0);
    const auto src = identity_features(D);
    for (const index_t block : {index_t{0}, index_t{13}}) {
        const auto md = fit(*src, phi, n, y, k, fixed(1e-3 * s, block));
        const auto mf = fit(*src, phif, n, y, k, fixed(1e-3 * s, block));
        const double e = rel_diff(mf->weights(), md->weights());
        EXPECT_LT(e, 1e-4);
        EXPECT_NEAR(mf->report().scale, s, 1e-6 * s);
        EXPECT_LT(rel_diff(predict(*mf, phif, n), predict(*md, phi, n)), 1e-4);
        // float and double inputs to the same (double-input) model
        EXPECT_LT(rel_diff(predict(*md, phif, n), predict(*md, phi, n)), 1e-5);
    }
    // hold-out selection in float: the grid scores within the same relative accuracy
    Options o;
    o.seed = 3;
    const auto md = fit(*src, phi, n, y, k, o), mf = fit(*src, phif, n, y, k, o);
    ASSERT_EQ(mf->report().grid_score.size(), md->report().grid_score.size());
    for (std::size_t j = 0; j < md->report().grid_score.size(); ++j)
        EXPECT_NEAR(mf->report().grid_score[j], md->report().grid_score[j], 1e-4 * md->report().grid_score[j]);
    EXPECT_EQ(mf->report().holdout_rows, md->report().holdout_rows);
}

// ================================================== λ selection ==================================================

// Hold-out: the split is reproduced from the documented stream, every grid score is recomputed by fitting the
// fit-side rows with the plain Cholesky and summing the squared errors of the held-out rows (divided by their
// number), and the chosen λ must be the argmin. Tolerance 1e−8: the two W agree to ~cond·u (cond(CᵀC + λI) < 1e4
// over the grid), and the held-out error does not cancel badly (‖Y_h‖²/error < 100, checked): ~1e−12.
TEST(Ridge, HoldoutPicksTheGridLambdaWithMinimalHeldOutError) {
    const index_t n = 120, D = 12, k = 2;
    const Mat phi = normal_matrix(n, D, 30);
    const Mat y = linear_targets(phi, n, D, k, 31, 0.3, 1.5);
    const double s = mean_sq_norm(phi, n);
    const auto src = identity_features(D);
    Options o;
    o.holdout_fraction = 0.3;
    o.grid_min = 1e-3;
    o.grid_max = 1e3;
    o.grid_points = 13;
    o.block_rows = 16;  // the split crosses blocks
    o.seed = 42;

    auto check = [&](const Ridge &m, std::uint64_t seed) {
        const std::vector<char> held = holdout_split(seed, n, o.holdout_fraction);
        const index_t nh = std::count(held.begin(), held.end(), 1);
        const Report &rep = m.report();
        EXPECT_EQ(rep.rows, n);
        EXPECT_EQ(rep.holdout_rows, nh);
        EXPECT_NEAR(rep.scale, s, 1e-13 * s);
        EXPECT_EQ(rep.retries, 0);
        EXPECT_GT(nh, 20);
        EXPECT_LT(nh, 55);
        ASSERT_EQ(rep.grid.size(), 13u);
        ASSERT_EQ(rep.grid_score.size(), 13u);
        double yh = 0;
        for (index_t i = 0; i < n; ++i)
            if (held[at(i)])
                for (index_t c = 0; c < k; ++c) yh += y[at(i * k + c)] * y[at(i * k + c)];
        std::vector<double> score(13);
        for (std::size_t j = 0; j < 13; ++j) {
            const double lam = s * std::pow(10.0, -3.0 + 0.5 * static_cast<double>(j));
            EXPECT_NEAR(rep.grid[j], lam, 1e-12 * lam);
            const Mat w =
                ridge_reference(phi, y, n, D, k, rep.grid[j], nullptr, [&](index_t i) { return !held[at(i)]; });
            const Mat p = matmul(phi, w, n, D, k);
            double err = 0;
            for (index_t i = 0; i < n; ++i)
                if (held[at(i)])
                    for (index_t c = 0; c < k; ++c)
                        err += (p[at(i * k + c)] - y[at(i * k + c)]) * (p[at(i * k + c)] - y[at(i * k + c)]);
            EXPECT_LT(yh / err, 100.0);
            score[j] = err / static_cast<double>(nh);
            EXPECT_NEAR(rep.grid_score[j], score[j], 1e-8 * score[j]) << "grid point " << j;
        }
        const std::size_t best = static_cast<std::size_t>(std::min_element(score.begin(), score.end()) - score.begin());
        // the minimum is interior and clearly separated, so the argmin is a real test of the selection
        EXPECT_GT(best, 0u);
        EXPECT_LT(best, 12u);
        for (std::size_t j = 0; j < 13; ++j)
            if (j != best) {
                EXPECT_GT(score[j], score[best] * (1 + 1e-6)) << j;
            }
        EXPECT_EQ(rep.lambda, rep.grid[best]);
        // the final fit is on all rows with the chosen λ
        EXPECT_LT(rel_diff(m.weights(), ridge_reference(phi, y, n, D, k, rep.grid[best])), 1e-10);
    };
    const auto m42 = fit(*src, phi, n, y, k, o);
    check(*m42, 42);
    const std::vector<char> held42 = holdout_split(42, n, o.holdout_fraction);

    // deterministic: the same seed gives the same bits
    const auto again = fit(*src, phi, n, y, k, o);
    EXPECT_EQ(again->weights(), m42->weights());
    EXPECT_EQ(again->report().grid_score, m42->report().grid_score);

    // another seed: another split, still the documented one
    o.seed = 43;
    const auto m43 = fit(*src, phi, n, y, k, o);
    check(*m43, 43);
    const std::vector<char> held43 = holdout_split(43, n, o.holdout_fraction);
    index_t differ = 0;
    for (index_t i = 0; i < n; ++i) differ += held42[at(i)] != held43[at(i)];
    EXPECT_GT(differ, 10);
    EXPECT_NE(m43->report().grid_score, m42->report().grid_score);
}

// Solver::kPcg stops at a relative residual ‖b − Aw‖/‖b‖ <= pcg_tolerance per output, so its weights are within
// cond(A)·tolerance of the exact solution: cond <= 3 for the Gaussian features here (checked) → 1e−7 at the default
// tolerance 1e−8. For Nyström centres the relevant condition number is that of CᵀC + λR itself (measured below, <
// 1e5, checked): pcg_tolerance = 1e−10 and 10·cond·1e−10.
TEST(Ridge, PcgSolverMatchesTheDirectSolution) {
    const index_t n = 400, D = 20, k = 2;
    const Mat phi = normal_matrix(n, D, 160);
    const Mat y = linear_targets(phi, n, D, k, 161, 0.5, 0.3);
    const double s = mean_sq_norm(phi, n), lambda = 1e-2 * s;
    Mat g = matmul(transpose(phi, n, D), phi, D, n, D);
    const Mat ev = eigen(g, D);
    ASSERT_LT((ev.back() + lambda) / (ev.front() + lambda), 3.0);
    const auto src = identity_features(D);
    Options o = fixed(lambda);
    o.solver = Solver::kPcg;
    o.seed = 4;
    const auto m = fit(*src, phi, n, y, k, o);
    EXPECT_EQ(m->report().solver, Solver::kPcg);
    EXPECT_GE(m->report().iterations, 1);
    EXPECT_EQ(m->report().lambda, lambda);
    EXPECT_NEAR(m->report().scale, s, 1e-12 * s);
    const Mat w_ref = ridge_reference(phi, y, n, D, k, lambda);
    EXPECT_LT(rel_diff(m->weights(), w_ref), 1e-7);
    // same seed: the same bits
    EXPECT_EQ(fit(*src, phi, n, y, k, o)->weights(), m->weights());

    // Nyström centres (R = K(L, L) + δI)
    const index_t nx = 300, d = 5, mm = 30;
    const Mat x = random_rows(nx, d, 162, 0.5, 2.0);
    const Mat yx = targets(x, nx, d, k, 163, 0.1);
    const auto ny = kernel::Nystrom::create(gaussian(0.5), d, mm, 11);
    ny->fit(view(x, nx, d));
    const NystromReference nref(*ny, d);
    const auto nsrc = nystrom_centres(*ny);
    const Mat c = nref.centres(*ny, x, nx, d);
    Mat a = matmul(transpose(c, nx, mm), c, mm, nx, mm);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += 0.1 * nref.r[i];
    const Mat aev = eigen(a, mm);
    const double cond = aev.back() / aev.front();
    ASSERT_LT(cond, 1e5);
    Options on = fixed(0.1);
    on.solver = Solver::kPcg;
    on.pcg_tolerance = 1e-10;
    const auto mn = fit(*nsrc, x, nx, yx, k, on);
    EXPECT_EQ(mn->report().solver, Solver::kPcg);
    EXPECT_LT(rel_diff(mn->weights(), ridge_reference(c, yx, nx, mm, k, 0.1, &nref.r)), 10 * cond * 1e-10);

    // one iteration at a tolerance it cannot reach
    on.pcg_tolerance = 1e-14;
    on.pcg_max_iterations = 1;
    expect_error([&] { fit(*nsrc, x, nx, yx, k, on); }, SUBQ_ERR_NOT_CONVERGED, "did not reach");
    // options
    on = fixed(0.1);
    on.solver = Solver::kPcg;
    on.lambda = 0;
    expect_error([&] { fit(*src, phi, n, y, k, on); }, SUBQ_ERR_INVALID_ARG, "fixed");
    on.lambda = 0.1;
    on.pcg_tolerance = 1;
    expect_error([&] { fit(*src, phi, n, y, k, on); }, SUBQ_ERR_PARAM_RANGE, "PCG tolerance");
    on.pcg_tolerance = 1e-8;
    on.pcg_max_iterations = 0;
    expect_error([&] { fit(*src, phi, n, y, k, on); }, SUBQ_ERR_PARAM_RANGE, "PCG iterations");
    on.pcg_max_iterations = 10;
    on.sketch_rows = -1;
    expect_error([&] { fit(*src, phi, n, y, k, on); }, SUBQ_ERR_PARAM_RANGE, "sketch rows");
}

// Score::kAccuracy: the grid score is the held-out error rate of the argmax over the outputs (one-hot targets, 3
// classes), recomputed here from the plain-Cholesky fits; scores tie (error counts are integers), and ties go to
// the larger λ. The comparison of argmaxes is well defined: the top two outputs of every held-out prediction differ
// by far more than the ~1e−12 the two solves can disagree by (checked).
TEST(Ridge, HoldoutAccuracyScoreIsTheArgmaxErrorRateAndTiesGoToTheLargerLambda) {
    const index_t n = 150, D = 6, k = 3;
    const Mat phi = normal_matrix(n, D, 140);
    const Mat wstar = normal_matrix(D, k, 141);
    Mat logits = matmul(phi, wstar, n, D, k);
    const Mat noise = normal_matrix(n, k, 142, 1.0);
    Mat y(at(n * k), 0.0);
    for (index_t i = 0; i < n; ++i) {
        index_t best = 0;
        for (index_t c = 1; c < k; ++c)
            if (logits[at(i * k + c)] + noise[at(i * k + c)] > logits[at(i * k + best)] + noise[at(i * k + best)])
                best = c;
        y[at(i * k + best)] = 1.0;
    }
    const auto src = identity_features(D);
    Options o;
    o.score = Score::kAccuracy;
    o.holdout_fraction = 0.4;
    o.grid_min = 1e-6;
    o.grid_max = 1e3;
    o.grid_points = 10;
    o.seed = 8;
    const auto m = fit(*src, phi, n, y, k, o);
    const Report &rep = m->report();
    const std::vector<char> held = holdout_split(8, n, 0.4);
    const index_t nh = std::count(held.begin(), held.end(), 1);
    EXPECT_EQ(rep.holdout_rows, nh);
    ASSERT_EQ(rep.grid_score.size(), 10u);
    std::vector<double> rate;
    for (std::size_t j = 0; j < 10; ++j) {
        const Mat w = ridge_reference(phi, y, n, D, k, rep.grid[j], nullptr, [&](index_t i) { return !held[at(i)]; });
        const Mat p = matmul(phi, w, n, D, k);
        index_t wrong = 0;
        double margin = std::numeric_limits<double>::infinity();
        for (index_t i = 0; i < n; ++i) {
            if (!held[at(i)]) continue;
            const double *pi = p.data() + i * k, *yi = y.data() + i * k;
            const index_t top = std::max_element(pi, pi + k) - pi;
            wrong += top != std::max_element(yi, yi + k) - yi;
            for (index_t c = 0; c < k; ++c)
                if (c != top) margin = std::min(margin, pi[top] - pi[c]);
        }
        EXPECT_GT(margin, 1e-9) << "grid point " << j;
        rate.push_back(static_cast<double>(wrong) / static_cast<double>(nh));
        EXPECT_EQ(rep.grid_score[j], rate[j]) << "grid point " << j;
    }
    const double lowest = *std::min_element(rate.begin(), rate.end());
    std::size_t last = 0, ties = 0;
    for (std::size_t j = 0; j < 10; ++j)
        if (rate[j] == lowest) {
            last = j;
            ++ties;
        }
    EXPECT_GE(ties, 2u) << "no tie: the tie rule is not exercised";
    EXPECT_LT(lowest, rate.back()) << "the largest λ must not win trivially";
    EXPECT_EQ(rep.lambda, rep.grid[last]);
    EXPECT_LT(rel_diff(m->weights(), ridge_reference(phi, y, n, D, k, rep.grid[last])), 1e-10);
}

// The progress callback sees (rows done, rows in total) after every block, and returning false cancels the fit.
TEST(Ridge, ProgressCallbackReportsEveryBlockAndCancels) {
    const index_t n = 30, D = 3, k = 1;
    const Mat phi = normal_matrix(n, D, 150);
    const Mat y = linear_targets(phi, n, D, k, 151, 1.0, 0.1);
    const auto src = identity_features(D);
    for (const Select sel : {Select::kHoldout, Select::kGcv}) {
        std::vector<std::pair<index_t, index_t>> calls;
        Options o;
        o.select = sel;
        o.block_rows = 7;
        o.progress = [&](index_t done, index_t total) {
            calls.emplace_back(done, total);
            return true;
        };
        const auto m = fit(*src, phi, n, y, k, o);
        const std::vector<std::pair<index_t, index_t>> expected{{7, 30}, {14, 30}, {21, 30}, {28, 30}, {30, 30}};
        EXPECT_EQ(calls, expected);
        calls.clear();
        o.progress = [&](index_t done, index_t total) {
            calls.emplace_back(done, total);
            return done < 14;
        };
        expect_error([&] { fit(*src, phi, n, y, k, o); }, SUBQ_ERR_CANCELLED, "cancelled");
        EXPECT_EQ(calls.size(), 2u);
    }
}

// GCV(λ) = n·RSS/(n − tr H)² with the explicit hat matrix H = Φ(ΦᵀΦ + λR)⁻¹Φᵀ (n × n) and RSS = ‖(I − H)Y‖²_F over
// all k outputs. The library gets it from one eigendecomposition; both are backward stable for the well-conditioned
// systems here (cond < 1e5), and RSS does not cancel badly (RSS > 1e−2·‖Y‖², checked): 1e−8.
void check_gcv(const Ridge &m, const Mat &c, const Mat &y, index_t n, index_t D, index_t k, const Mat *r) {
    const Report &rep = m.report();
    ASSERT_FALSE(rep.grid.empty());
    ASSERT_EQ(rep.grid_score.size(), rep.grid.size());
    EXPECT_EQ(rep.holdout_rows, 0);
    std::vector<double> score;
    for (std::size_t j = 0; j < rep.grid.size(); ++j) {
        Mat a = matmul(transpose(c, n, D), c, D, n, D);
        for (index_t p = 0; p < D; ++p)
            for (index_t q = 0; q < D; ++q)
                a[at(p * D + q)] += rep.grid[j] * (r ? (*r)[at(p * D + q)] : (p == q ? 1.0 : 0.0));
        const Mat h = matmul(c, spd_solve(a, transpose(c, n, D), D, n), n, D, n);  // H = C(CᵀC + λR)⁻¹Cᵀ
        double df = 0, rss = 0, yy = 0;
        for (index_t i = 0; i < n; ++i) df += h[at(i * n + i)];
        const Mat hy = matmul(h, y, n, n, k);
        for (std::size_t i = 0; i < y.size(); ++i) {
            rss += (y[i] - hy[i]) * (y[i] - hy[i]);
            yy += y[i] * y[i];
        }
        EXPECT_GT(rss, 1e-2 * yy);
        const double nn = static_cast<double>(n);
        score.push_back(nn * rss / ((nn - df) * (nn - df)));
        EXPECT_NEAR(rep.grid_score[j], score[j], 1e-8 * score[j]) << "grid point " << j;
    }
    const std::size_t best = static_cast<std::size_t>(std::min_element(score.begin(), score.end()) - score.begin());
    EXPECT_GT(best, 0u);
    EXPECT_LT(best, score.size() - 1);
    EXPECT_EQ(rep.lambda, rep.grid[best]);
    EXPECT_LT(rel_diff(m.weights(), ridge_reference(c, y, n, D, k, rep.grid[best], r)), 1e-10);
}

TEST(Ridge, GcvScoreEqualsExplicitHatMatrixFormula) {
    const index_t n = 40, D = 10, k = 2;
    const Mat phi = normal_matrix(n, D, 40);
    const Mat y = linear_targets(phi, n, D, k, 41, 0.3, 1.0);
    const auto src = identity_features(D);
    Options o;
    o.select = Select::kGcv;
    o.grid_min = 1e-3;
    o.grid_max = 1e3;
    o.grid_points = 9;
    o.holdout_fraction = 0.5;  // ignored by GCV
    const auto m = fit(*src, phi, n, y, k, o);
    const double s = mean_sq_norm(phi, n);
    EXPECT_NEAR(m->report().scale, s, 1e-13 * s);
    for (std::size_t j = 0; j < 9; ++j) {
        const double lam = s * std::pow(10.0, -3.0 + 0.75 * static_cast<double>(j));
        EXPECT_NEAR(m->report().grid[j], lam, 1e-12 * lam);
    }
    check_gcv(*m, phi, y, n, D, k, nullptr);

    // grid_points = 1: the grid is grid_min·s alone, and it is used
    o.grid_points = 1;
    const auto one = fit(*src, phi, n, y, k, o);
    ASSERT_EQ(one->report().grid.size(), 1u);
    EXPECT_NEAR(one->report().grid[0], 1e-3 * s, 1e-15 * s);
    EXPECT_EQ(one->report().lambda, one->report().grid[0]);
}

// GCV on Nyström centres: H = C(CᵀC + λR)⁻¹Cᵀ, R = K(L, L) + δI (the library whitens by R^{−1/2} first).
TEST(Ridge, GcvOnNystromCentresEqualsExplicitHatMatrixFormula) {
    const index_t n = 60, d = 5, m = 15, k = 2;
    const Mat x = random_rows(n, d, 50, 0.5, 2.0);
    const Mat y = targets(x, n, d, k, 51, 0.5);
    const auto ny = kernel::Nystrom::create(gaussian(0.5), d, m, 7);
    ny->fit(view(x, n, d));
    const NystromReference ref(*ny, d);
    const auto src = nystrom_centres(*ny);
    Options o;
    o.select = Select::kGcv;
    o.grid_min = 1e-6;
    o.grid_max = 1e1;
    o.grid_points = 8;
    const auto model = fit(*src, x, n, y, k, o);
    EXPECT_NEAR(model->report().scale, 1.0, 1e-14);  // Gaussian: k(x, x) = 1
    check_gcv(*model, ref.centres(*ny, x, n, d), y, n, m, k, &ref.r);
}

// ==================================================== Nyström ====================================================

// Subset-of-regressors ridge on the centres = ridge on the explicit features Z = K(x, L)·L_R⁻ᵀ (identity, see
// NystromReference). γ = 0.5 with 20 landmarks in d = 5 keeps K(L, L) well conditioned (λ_min > 1e−3, checked), so
// whitening and both solves lose at most ~1e4·u: 1e−8. Also against the Nyström map's own features (pseudo-inverse,
// no jitter): the jitter δ = 1e−8 changes R⁻¹ by a relative δ/λ_min(K(L, L)) < 1e−5, hence that tolerance.
TEST(Ridge, NystromCentresEqualRidgeOnExplicitNystromFeatures) {
    const index_t n = 80, nt = 30, d = 5, m = 20, k = 2;
    const Mat x = random_rows(n, d, 60, 0.5, 2.0), xt = random_rows(nt, d, 61, 0.5, 2.0);
    const Mat y = targets(x, n, d, k, 62, 0.1);
    const auto ny = kernel::Nystrom::create(gaussian(0.5), d, m, 8);
    ny->fit(view(x, n, d));
    const NystromReference ref(*ny, d);
    const auto src = nystrom_centres(*ny);
    EXPECT_EQ(src->width(), m);
    EXPECT_EQ(src->input_dim(), d);
    // R = K(L, L) + δI is regularizer() + jitter()·I
    ASSERT_NE(src->regularizer(), nullptr);
    EXPECT_EQ(*src->regularizer(), ny->landmark_gram());
    double top = 0;
    for (index_t j = 0; j < m; ++j) top = std::max(top, ny->landmark_gram()[at(j * m + j)]);
    EXPECT_EQ(src->jitter(), kNystromJitter * top);
    Mat r = *src->regularizer();
    for (index_t j = 0; j < m; ++j) r[at(j * m + j)] += src->jitter();
    EXPECT_LT(rel_diff(r, ref.r), 1e-15);
    EXPECT_EQ(identity_features(3)->jitter(), 0.0);
    Mat kll = kernel_matrix(ny->kernel(), ny->landmarks(), m, ny->landmarks(), m, d);
    const double lmin = eigen(kll, m).front();
    ASSERT_GT(lmin, 1e-3);

    const double lambda = 1e-2;
    const Mat z = ref.features(*ny, x, n, d), zt = ref.features(*ny, xt, nt, d);
    const Mat v = ridge_reference(z, y, n, m, k, lambda);
    for (const index_t block : {index_t{0}, index_t{9}}) {
        const auto model = fit(*src, x, n, y, k, fixed(lambda, block));
        EXPECT_EQ(model->report().lambda, lambda);
        EXPECT_NEAR(model->report().scale, 1.0, 1e-14);
        EXPECT_LT(rel_diff(predict(*model, xt, nt), matmul(zt, v, nt, m, k)), 1e-8);
        EXPECT_LT(rel_diff(predict(*model, x, n), matmul(z, v, n, m, k)), 1e-8);
        // the weights are on the centres: W = L_R⁻ᵀ V
        EXPECT_LT(rel_diff(model->weights(), back_substitute(ref.lr, v, m, k)), 1e-8);
    }
    const auto model = fit(*src, x, n, y, k, fixed(lambda));

    // the map's own features (no jitter): the same model up to δ/λ_min
    ASSERT_EQ(ny->rank(), m);
    Mat phi(at(n * m)), phit(at(nt * m));
    ny->apply(view(x, n, d), out_view(phi, n, m));
    ny->apply(view(xt, nt, d), out_view(phit, nt, m));
    const Mat w = ridge_reference(phi, y, n, m, k, lambda);
    EXPECT_LT(rel_diff(predict(*model, xt, nt), matmul(phit, w, nt, m, k)), 1e-5);

    // float input (x exactly representable): K(x, L) rounded to float and a float Gram of n = 80 rows (relative error
    // ~√n·u_f ≈ 5e−7 of ‖CᵀC‖ ≈ 180). Whitening amplifies it by 1/λ_min(R) ≈ 24, against λ_min(ZᵀZ) + λ ≈ 0.37 at
    // λ = 0.1 (cond(ZᵀZ + λI) < 100, checked): a worst-direction bound of ~6e−3 on W, far from sharp for predictions
    // (C_t is small along R's small directions; measured 3.7e−5). 2e−4 leaves a 5× margin over the measurement; see
    // Ridge.FloatNystromCentresWithIllConditionedLandmarkGram for where this amplification breaks the fit.
    Mat xr = x, xtr = xt;
    for (double &v : xr) v = static_cast<double>(static_cast<float>(v));
    for (double &v : xtr) v = static_cast<double>(static_cast<float>(v));
    const std::vector<float> xf(xr.begin(), xr.end()), xtf(xtr.begin(), xtr.end());
    const double lf = 0.1;
    Mat zz = matmul(transpose(z, n, m), z, m, n, m);
    const Mat zev = eigen(zz, m);
    ASSERT_LT((zev.back() + lf) / (zev.front() + lf), 100.0);
    const auto md = fit(*src, xr, n, y, k, fixed(lf)), mf = fit(*src, xf, n, y, k, fixed(lf));
    EXPECT_LT(rel_diff(predict(*mf, xtf, nt), predict(*md, xtr, nt)), 2e-4);
}

// Landmarks = all n training rows: C = K, R = K + δI, and the SoR solution W = (K² + λK + λδI)⁻¹KY differs from
// exact KRR's α = (K + λI)⁻¹Y only through λδ: in K's eigenbasis each coefficient changes by the factor
// 1 − λδ/(μ_i(μ_i + λ) + λδ). So ‖P − P_exact‖_F <= ‖K(x_t, X)‖_F·‖α‖_F·ε with ε = max_i λδ/(μ_i(μ_i + λ) + λδ),
// computed from K's eigenvalues below (ε ~ 1e−7 here), plus rounding (cond(K² + λK) ~ 1e7 → ~1e−9 of P).
TEST(Ridge, NystromWithAllTrainingRowsIsExactKrr) {
    const index_t n = 50, nt = 20, d = 5, k = 2;
    const Mat x = random_rows(n, d, 70, 0.5, 2.0), xt = random_rows(nt, d, 71, 0.5, 2.0);
    const Mat y = targets(x, n, d, k, 72, 0.1);
    const kernel::KernelParams kp = gaussian(1.0);
    const auto ny = kernel::Nystrom::create(kp, d, n, 9);
    ny->set_landmarks(view(x, n, d));
    ASSERT_EQ(ny->output_dim(), n);
    const auto src = nystrom_centres(*ny);
    const double lambda = 1e-2;
    const auto model = fit(*src, x, n, y, k, fixed(lambda));
    const auto exact = ExactRidge::fit(kp, view(x, n, d), view(y, n, k), lambda);
    Mat kxx = kernel_matrix(kp, x, n, x, n, d);
    const Mat mu = eigen(kxx, n);
    const double delta = kNystromJitter;  // max diag of a Gaussian K is 1
    double eps = 0;
    for (double v : mu)
        eps = std::max(eps, lambda * delta / (std::max(v, 0.0) * (std::max(v, 0.0) + lambda) + lambda * delta));
    EXPECT_LT(eps, 1e-4) << "the comparison would be vacuous";
    const Mat kt = kernel_matrix(kp, xt, nt, x, n, d);
    const Mat pe = predict(*exact, xt, nt);
    const double bound = norm(kt) * norm(exact->dual_weights()) * eps + 1e-8 * norm(pe);
    Mat diff = predict(*model, xt, nt);
    for (std::size_t i = 0; i < diff.size(); ++i) diff[i] -= pe[i];
    EXPECT_LE(norm(diff), bound) << "eps " << eps;
    EXPECT_LT(norm(diff) / norm(pe), 1e-5);
}

// =================================================== low rank ===================================================

// S16: with Φ = vec(x⊗x) explicit, F = C·V_r (top-r eigenvectors of ΦᵀΦ) is U_rΣ_r, so ‖K − FFᵀ‖_F is the optimal
// rank-r error (Σ_{i>r} μ_i²)^{1/2} of K = ΦΦᵀ, and FᵀF = diag(μ_1..μ_r). Rounding: entries of FFᵀ carry ~D·u·‖K‖
// absolute error, and the optimal errors for r < 15 (the rank) are > 1e−5·‖K‖_F (checked), so 1e−8 relative holds
// with a wide margin; for r >= 15 the optimal error is 0 and ‖K − FFᵀ‖_F <= 1e−12·‖K‖_F.
TEST(LowRank, ExplicitFeaturesGiveTheOptimalRankRErrorS16) {
    const index_t n = 60, d = 5, D = d * d;
    const Mat x = random_rows(n, d, 80);
    const Mat phi = outer_features(x, n, d);
    const Mat kxx = matmul(phi, transpose(phi, n, D), n, D, n);
    Mat vec = kxx;
    const Mat mu = eigen(vec, n);  // ascending
    const auto src = identity_features(D);
    for (const index_t r : {index_t{1}, index_t{3}, index_t{8}, index_t{14}, index_t{15}, index_t{20}, index_t{25}}) {
        SCOPED_TRACE("rank " + std::to_string(r));
        Mat f(at(n * r), -7.0);
        low_rank<double>(*src, view(phi, n, D), r, out_view(f, n, r));
        const Mat ffT = matmul(f, transpose(f, n, r), n, r, n);
        Mat diff = kxx;
        for (std::size_t i = 0; i < diff.size(); ++i) diff[i] -= ffT[i];
        double opt2 = 0;
        for (index_t i = 0; i < n - r; ++i) opt2 += mu[at(i)] * mu[at(i)];
        const double opt = std::sqrt(opt2), err = norm(diff);
        if (r < 15) {
            EXPECT_GT(opt, 1e-5 * norm(kxx));
            EXPECT_NEAR(err, opt, 1e-8 * opt);
        } else {
            EXPECT_LT(err, 1e-12 * norm(kxx));
        }
        // FᵀF = diag(μ_1, …, μ_r), largest first
        const Mat ftf = matmul(transpose(f, n, r), f, r, n, r);
        for (index_t a = 0; a < r; ++a)
            for (index_t b = 0; b < r; ++b)
                EXPECT_NEAR(ftf[at(a * r + b)], a == b ? std::max(mu[at(n - 1 - a)], 0.0) : 0.0, 1e-12 * mu.back());
        // blocks: FFᵀ is basis-independent (F's column signs are not), so compare FFᵀ
        Mat f1(at(n * r));
        low_rank<double>(*src, view(phi, n, D), r, out_view(f1, n, r), 1);
        EXPECT_LT(rel_diff(matmul(f1, transpose(f1, n, r), n, r, n), ffT), 1e-12);
    }
    // float input, rank 3: a float Gram (a sum of n = 60 float products per entry: relative error <= n·u_f ≈ 3.6e−6)
    // moves the top-3 eigenspace by at most ~3.6e−6·μ_1/gap with gap = μ_3 − μ_4 > 0.05·μ_1 (checked): <= ~7e−5,
    // hence 1e−4 on FFᵀ (measured ~1e−7)
    ASSERT_GT(mu[at(n - 3)] - mu[at(n - 4)], 0.05 * mu.back());
    Mat phir = phi;
    for (double &v : phir) v = static_cast<double>(static_cast<float>(v));
    const std::vector<float> phif(phir.begin(), phir.end());
    Mat fd(at(n * 3)), ff(at(n * 3));
    low_rank<double>(*src, view(phir, n, D), 3, out_view(fd, n, 3));
    low_rank<float>(*src, DenseView<const float>{phif.data(), n, D, D, SUBQ_ROW_MAJOR}, 3, out_view(ff, n, 3));
    EXPECT_LT(rel_diff(matmul(ff, transpose(ff, n, 3), n, 3, n), matmul(fd, transpose(fd, n, 3), n, 3, n)), 1e-4);
}

// With Nyström centres low_rank whitens by R: FFᵀ must be the best rank-r approximation Σ_{i<=r} μ_i u_i u_iᵀ of
// the Nyström kernel approximation K̃ = K(X, L) R⁻¹ K(L, X) (R with the jitter). Unique when μ_r > μ_{r+1} (gap >
// 1e−4·μ_1, checked); the perturbation from rounding (~cond(R)·u·‖K̃‖, cond(R) < 1e3) over the gap is < 1e−9.
TEST(LowRank, NystromCentresGiveTheBestRankRApproximationOfTheNystromKernel) {
    const index_t n = 60, d = 5, m = 20;
    const Mat x = random_rows(n, d, 90, 0.5, 2.0);
    const auto ny = kernel::Nystrom::create(gaussian(0.5), d, m, 10);
    ny->fit(view(x, n, d));
    const NystromReference ref(*ny, d);
    const Mat z = ref.features(*ny, x, n, d);
    const Mat kt = matmul(z, transpose(z, n, m), n, m, n);
    Mat u = kt;
    const Mat mu = eigen(u, n);
    const auto src = nystrom_centres(*ny);
    for (const index_t r : {index_t{1}, index_t{4}, index_t{10}, index_t{19}, index_t{20}}) {
        SCOPED_TRACE("rank " + std::to_string(r));
        if (r < m) {
            ASSERT_GT(mu[at(n - r)] - mu[at(n - r - 1)], 1e-4 * mu.back());
        }
        Mat best(at(n * n), 0.0);
        for (index_t e = n - r; e < n; ++e)
            for (index_t i = 0; i < n; ++i)
                for (index_t j = 0; j < n; ++j) best[at(i * n + j)] += mu[at(e)] * u[at(i * n + e)] * u[at(j * n + e)];
        Mat f(at(n * r), -7.0);
        low_rank<double>(*src, view(x, n, d), r, out_view(f, n, r));
        Mat diff = matmul(f, transpose(f, n, r), n, r, n);
        for (std::size_t i = 0; i < diff.size(); ++i) diff[i] -= best[i];
        EXPECT_LT(norm(diff), 1e-8 * norm(kt));
    }
}

// ================================================== bad input ==================================================

TEST(Ridge, BadInputIsRejectedWithStatusAndMessage) {
    const index_t n = 30, D = 4, k = 2;
    const Mat phi = normal_matrix(n, D, 100);
    const Mat y = linear_targets(phi, n, D, k, 101, 1.0, 0.1);
    const auto src = identity_features(D);
    const Options ok = fixed(0.1);
    auto fit_with = [&](const Options &o) { fit(*src, phi, n, y, k, o); };

    // non-finite values name their row
    for (const double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        Mat xb = phi;
        xb[at(17 * D + 2)] = bad;
        expect_error([&] { fit(*src, xb, n, y, k, ok); }, SUBQ_ERR_NUMERICAL, "row 17");
        Mat yb = y;
        yb[at(23 * k + 1)] = -bad;
        expect_error([&] { fit(*src, phi, n, yb, k, ok); }, SUBQ_ERR_NUMERICAL, "row 23");
        expect_error([&] { fit(*src, phi, n, yb, k, ok); }, SUBQ_ERR_NUMERICAL, "y: non-finite value at row");
        const std::vector<float> xf(xb.begin(), xb.end());
        expect_error([&] { fit(*src, xf, n, y, k, ok); }, SUBQ_ERR_NUMERICAL, "row 17");
    }
    // shapes
    expect_error([&] { Ridge::fit<double>(*src, view(phi, n, D), view(y, n - 1, k), ok); }, SUBQ_ERR_DIMENSION, "rows");
    expect_error([&] { Ridge::fit<double>(*src, view(phi, n, D), view(y, n, 0), ok); }, SUBQ_ERR_DIMENSION, "k must");
    expect_error([&] { Ridge::fit<double>(*src, view(phi, n, D - 1), view(y, n, k), ok); }, SUBQ_ERR_DIMENSION,
                 "columns");
    expect_error([&] { Ridge::fit<double>(*src, view(phi, 0, D), view(y, 0, k), ok); }, SUBQ_ERR_DIMENSION, "no rows");
    // options
    auto with = [&](auto set) {
        Options o = ok;
        set(o);
        return o;
    };
    for (const double lam : {-1e-3, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
        expect_error([&] { fit_with(with([&](Options &o) { o.lambda = lam; })); }, SUBQ_ERR_PARAM_RANGE, "lambda");
    for (const double frac : {0.0, 1.0, -0.1, std::numeric_limits<double>::quiet_NaN()})
        expect_error([&] { fit_with(with([&](Options &o) { o.holdout_fraction = frac; })); }, SUBQ_ERR_PARAM_RANGE,
                     "holdout fraction");
    for (const double gmin : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()})
        expect_error([&] { fit_with(with([&](Options &o) { o.grid_min = gmin; })); }, SUBQ_ERR_PARAM_RANGE, "grid");
    expect_error([&] { fit_with(with([](Options &o) { o.grid_max = 1e-9; })); }, SUBQ_ERR_PARAM_RANGE, "min <= max");
    expect_error([&] { fit_with(with([](Options &o) { o.grid_max = std::numeric_limits<double>::infinity(); })); },
                 SUBQ_ERR_PARAM_RANGE, "grid");
    expect_error([&] { fit_with(with([](Options &o) { o.grid_points = 0; })); }, SUBQ_ERR_PARAM_RANGE, "grid points");
    expect_error([&] { fit_with(with([](Options &o) { o.grid_points = 1001; })); }, SUBQ_ERR_PARAM_RANGE,
                 "grid points");
    expect_error([&] { fit_with(with([](Options &o) { o.select = static_cast<Select>(3); })); }, SUBQ_ERR_PARAM_RANGE,
                 "selection");
    expect_error([&] { fit_with(with([](Options &o) { o.solver = static_cast<Solver>(7); })); }, SUBQ_ERR_PARAM_RANGE,
                 "solver");
    expect_error([&] { fit_with(with([](Options &o) { o.score = static_cast<Score>(0); })); }, SUBQ_ERR_PARAM_RANGE,
                 "hold-out score");
    expect_error([&] { fit_with(with([](Options &o) { o.block_rows = -1; })); }, SUBQ_ERR_PARAM_RANGE, "block rows");
    EXPECT_NO_THROW(validate(ok));
    EXPECT_NO_THROW(validate(Options{}));

    // hold-out with one row: one side of the split is empty, whatever the seed
    for (const std::uint64_t seed : {0u, 1u, 2u, 3u}) {
        Options o;
        o.seed = seed;
        expect_error([&] { fit(*src, phi, 1, y, k, o); }, SUBQ_ERR_INVALID_ARG, "hold-out");
    }
    // ... while a fixed λ or GCV fit one row
    EXPECT_NO_THROW(fit(*src, phi, 1, y, k, ok));

    // predict shapes and values
    const auto model = fit(*src, phi, n, y, k, ok);
    Mat out(at(n * k));
    expect_error([&] { model->predict<double>(view(phi, n, D - 1), out_view(out, n, D - 1)); }, SUBQ_ERR_DIMENSION,
                 "columns");
    expect_error([&] { model->predict<double>(view(phi, n, D), out_view(out, n - 1, k)); }, SUBQ_ERR_DIMENSION,
                 "out is");
    expect_error([&] { model->predict<double>(view(phi, n - 1, D), out_view(out, n, k)); }, SUBQ_ERR_DIMENSION,
                 "out is");
    expect_error(
        [&] {
            model->predict<double>(view(phi, n, D), DenseView<double>{out.data(), n, 1, 1, SUBQ_ROW_MAJOR});
        },
        SUBQ_ERR_DIMENSION, "expected 30 x 2");
    Mat xb = phi;
    xb[at(5 * D)] = std::numeric_limits<double>::quiet_NaN();
    expect_error([&] { model->predict<double>(view(xb, n, D), out_view(out, n, k)); }, SUBQ_ERR_NUMERICAL, "row 5");

    // sources
    expect_error([] { identity_features(0); }, SUBQ_ERR_DIMENSION, "feature dimension");
    const auto ny = kernel::Nystrom::create(gaussian(1.0), D, 5, 1);
    expect_error([&] { nystrom_centres(*ny); }, SUBQ_ERR_STATE, "landmarks");

    // low_rank
    Mat f(at(n * 2));
    expect_error([&] { low_rank<double>(*src, view(phi, n, D), 0, out_view(f, n, 0)); }, SUBQ_ERR_DIMENSION, "rank 0");
    Mat f5(at(n * 5));
    expect_error([&] { low_rank<double>(*src, view(phi, n, D), 5, out_view(f5, n, 5)); }, SUBQ_ERR_DIMENSION, "rank 5");
    expect_error([&] { low_rank<double>(*src, view(phi, n, D), 2, out_view(f, n - 1, 2)); }, SUBQ_ERR_DIMENSION,
                 "f is");
    expect_error([&] { low_rank<double>(*src, view(phi, n, D - 1), 2, out_view(f, n, 2)); }, SUBQ_ERR_DIMENSION,
                 "columns");
    expect_error([&] { low_rank<double>(*src, view(phi, n, D), 2, out_view(f, n, 2), -1); }, SUBQ_ERR_PARAM_RANGE,
                 "block rows");
    expect_error([&] { low_rank<double>(*src, view(xb, n, D), 2, out_view(f, n, 2)); }, SUBQ_ERR_NUMERICAL, "row 5");
}

TEST(ExactRidge, BadInputIsRejectedWithStatusAndMessage) {
    const index_t n = 20, d = 3, k = 2;
    const Mat x = random_rows(n, d, 110);
    const Mat y = targets(x, n, d, k, 111, 0.1);
    const kernel::KernelParams kp = gaussian(1.0);
    for (const double lam :
         {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
        expect_error([&] { ExactRidge::fit(kp, view(x, n, d), view(y, n, k), lam); }, SUBQ_ERR_PARAM_RANGE, "lambda");
    expect_error([&] { ExactRidge::fit(gaussian(-1.0), view(x, n, d), view(y, n, k), 0.1); }, SUBQ_ERR_PARAM_RANGE, "");
    expect_error([&] { ExactRidge::fit(kp, view(x, n, d), view(y, n - 1, k), 0.1); }, SUBQ_ERR_DIMENSION, "rows");
    expect_error([&] { ExactRidge::fit(kp, view(x, n, d), view(y, n, 0), 0.1); }, SUBQ_ERR_DIMENSION, "k must");
    expect_error([&] { ExactRidge::fit(kp, view(x, 0, d), view(y, 0, k), 0.1); }, SUBQ_ERR_DIMENSION, "no rows");
    Mat xb = x, yb = y;
    xb[at(7 * d + 1)] = std::numeric_limits<double>::infinity();
    yb[at(11 * k)] = std::numeric_limits<double>::quiet_NaN();
    expect_error([&] { ExactRidge::fit(kp, view(xb, n, d), view(y, n, k), 0.1); }, SUBQ_ERR_NUMERICAL, "row 7");
    expect_error([&] { ExactRidge::fit(kp, view(x, n, d), view(yb, n, k), 0.1); }, SUBQ_ERR_NUMERICAL, "row 11");
    // K + λI not positive definite: an indefinite "kernel" cannot happen with valid params, but a λ lost in
    // rounding on duplicate rows can: K = 4·J (all rows equal, polynomial (x·y)² with ‖x‖² = 2), λ = 1e−300.
    Mat dup(at(n * d), 0.0);
    for (index_t i = 0; i < n; ++i) dup[at(i * d)] = dup[at(i * d + 1)] = 1.0;
    expect_error([&] { ExactRidge::fit(polynomial(2, 1.0, 0.0), view(dup, n, d), view(y, n, k), 1e-300); },
                 SUBQ_ERR_NUMERICAL, "not numerically positive definite");

    const auto model = ExactRidge::fit(kp, view(x, n, d), view(y, n, k), 0.1);
    EXPECT_EQ(model->rows(), n);
    EXPECT_EQ(model->lambda(), 0.1);
    Mat out(at(n * k));
    expect_error([&] { model->predict(view(x, n, d - 1), out_view(out, n, k)); }, SUBQ_ERR_DIMENSION, "columns");
    expect_error([&] { model->predict(view(x, n, d), out_view(out, n, k - 1)); }, SUBQ_ERR_DIMENSION, "out is");
    expect_error([&] { model->predict(view(xb, n, d), out_view(out, n, k)); }, SUBQ_ERR_NUMERICAL, "row 7");
}

// Duplicate features: every row of Φ is t_i·(1, 1, 1, 1) with t_i = ±1, so CᵀC = n·J exactly (J all ones) and the
// Cholesky of n·J + λI has pivots ≈ 2λ, λ·4/3, … that vanish when n + λ rounds to n (λ < n·u/2). With λ₀ = 1e−17:
// 1e−17, 1e−16 and 1e−15 are all lost in 16 + λ (half an ulp of 16 is 1.8e−15), so the factorization fails three
// times; 1e−14 survives and gives positive pivots (~2e−14 against rounding of a few 1e−15). With λ₀ = 1e−300 every
// retry is lost: SUBQ_ERR_NUMERICAL.
TEST(Ridge, SingularSystemIsRetriedWithLargerLambdaThenRejected) {
    const index_t n = 16, D = 4, k = 1;
    Mat phi(at(n * D)), y(at(n));
    for (index_t i = 0; i < n; ++i) {
        const double t = i % 3 == 0 ? -1.0 : 1.0;
        for (index_t j = 0; j < D; ++j) phi[at(i * D + j)] = t;
        y[at(i)] = 2 * t;
    }
    const auto src = identity_features(D);
    const auto model = fit(*src, phi, n, y, k, fixed(1e-17));
    const Report &rep = model->report();
    EXPECT_EQ(rep.retries, 3);
    EXPECT_EQ(rep.lambda, 1e-17 * 10 * 10 * 10);
    for (double w : model->weights()) EXPECT_TRUE(std::isfinite(w));
    expect_error([&] { fit(*src, phi, n, y, k, fixed(1e-300)); }, SUBQ_ERR_NUMERICAL, "singular");
    // a selected λ on the same features: every grid point is far above the rounding level, no retries
    Options o;
    o.select = Select::kGcv;
    const auto sel = fit(*src, phi, n, y, k, o);
    EXPECT_EQ(sel->report().retries, 0);
    // y = 2t = Φ·(½, ½, ½, ½): the fit reproduces it up to the regularization λ/(n·D + λ) <= 1e−1·4/(64 + 0.4)
    const Mat p = predict(*sel, phi, n);
    EXPECT_LT(rel_diff(p, y), 1e-2);
}

// =================================================== determinism ===================================================

// The same seed gives bit-identical models for 1 and 2 threads (of the feature maps, which the sources use, and of
// the exact Gram), for every source kind. block_rows is fixed: BLAS may round differently for other block shapes.
TEST(Ridge, DeterministicAcrossThreadCounts) {
    const index_t n = 300, d = 6, k = 3;
    const Mat x = random_rows(n, d, 120, 0.3, 1.0);
    const Mat y = targets(x, n, d, k, 121, 0.2);
    const std::vector<float> xf(x.begin(), x.end());
    std::vector<Mat> ref(8);
    for (const std::int64_t threads : {1, 2}) {
        const auto rff = kernel::RandomFourier::create(gaussian(0.5), d, 64, 3, threads);
        kernel::FeatureMapParams fp;
        fp.kernel = gaussian(0.5);
        fp.input_dim = d;
        fp.output_dim = 128;
        fp.seed = 4;
        fp.num_threads = threads;
        const auto fm = kernel::FeatureMap::create(fp);
        const auto ny = kernel::Nystrom::create(gaussian(0.5), d, 40, 5, threads);
        ny->fit(view(x, n, d));
        const std::unique_ptr<FeatureSource> sources[] = {fourier_features(*rff), taylor_features(*fm),
                                                          nystrom_centres(*ny)};
        EXPECT_EQ(sources[0]->name(), "rff");
        EXPECT_EQ(sources[1]->name(), "taylor");
        EXPECT_EQ(sources[2]->name(), "nystrom");
        std::size_t slot = 0;
        for (const auto &src : sources) {
            Options o;
            o.block_rows = 64;
            o.seed = 9;
            for (const Select sel : {Select::kHoldout, Select::kGcv}) {
                o.select = sel;
                const auto m = fit(*src, x, n, y, k, o);
                Mat got = m->weights();
                const Mat p = predict(*m, x, n);
                got.insert(got.end(), p.begin(), p.end());
                got.insert(got.end(), m->report().grid_score.begin(), m->report().grid_score.end());
                if (threads == 1)
                    ref[slot] = got;
                else
                    EXPECT_EQ(got, ref[slot]) << src->name() << " select " << static_cast<int>(sel);
                ++slot;
            }
        }
        const auto mf = fit(*sources[2], xf, n, y, k, fixed(1e-3, 64));
        if (threads == 1)
            ref[6] = mf->weights();
        else
            EXPECT_EQ(mf->weights(), ref[6]);
        const auto exact = ExactRidge::fit(gaussian(0.5), view(x, n, d), view(y, n, k), 1e-2, threads);
        Mat got = exact->dual_weights();
        const Mat p = predict(*exact, x, n);
        got.insert(got.end(), p.begin(), p.end());
        if (threads == 1)
            ref[7] = got;
        else
            EXPECT_EQ(got, ref[7]);
    }
}

// Map sources featurise block by block what the map's apply() gives for all rows at once: ridge on a map source =
// ridge on its explicit features (identity source). RFF phases may round differently per block shape (documented,
// ~1e−16·|w·x|), so 1e−10 (cond(CᵀC + λI) < 1e4 at λ = 1e−2·s).
TEST(Ridge, MapSourcesEqualRidgeOnTheirExplicitFeatures) {
    const index_t n = 150, d = 4, k = 2, D = 48;
    const Mat x = random_rows(n, d, 130, 0.3, 1.0);
    const Mat y = targets(x, n, d, k, 131, 0.1);
    const auto rff = kernel::RandomFourier::create(gaussian(0.7), d, D, 3);
    kernel::FeatureMapParams fp;
    fp.kernel = gaussian(0.7);
    fp.input_dim = d;
    fp.output_dim = D;
    fp.seed = 4;
    const auto fm = kernel::FeatureMap::create(fp);
    for (int which = 0; which < 2; ++which) {
        const std::unique_ptr<FeatureSource> src = which == 0 ? fourier_features(*rff) : taylor_features(*fm);
        const index_t w = src->width();
        ASSERT_EQ(w, which == 0 ? rff->output_dim() : fm->output_dim());
        Mat phi(at(n * w));
        if (which == 0)
            rff->apply(view(x, n, d), out_view(phi, n, w));
        else
            fm->apply(view(x, n, d), out_view(phi, n, w));
        const double s = mean_sq_norm(phi, n), lambda = 1e-2 * s;
        const auto m = fit(*src, x, n, y, k, fixed(lambda, 32));
        EXPECT_NEAR(m->report().scale, s, 1e-12 * s) << src->name();
        EXPECT_LT(rel_diff(m->weights(), ridge_reference(phi, y, n, w, k, lambda)), 1e-10) << src->name();
        EXPECT_LT(rel_diff(predict(*m, x, n), matmul(phi, ridge_reference(phi, y, n, w, k, lambda), n, w, k)), 1e-10)
            << src->name();
    }
}

// Float input with Nyström centres whose K(L, L) is ill-conditioned (γ = 0.1, 40 landmarks in d = 5: λ_min(K(L, L))
// ~ 4e−5). The float Gram's rounding (~1e−7·‖CᵀC‖, not positive semi-definite) is not dominated by λR when R has
// eigenvalues near δ, so CᵀC + λR becomes indefinite: SUBQ_ERR_NUMERICAL after the retries at λ = 1e−3, and at
// λ = 0.1 two silent retries (λ → 10) with predictions 27% away from the double fit (measured with the float SYRK).
// ridge.cpp therefore accumulates float blocks of regularized sources in double; the double fit and this one then
// differ only by K(x, L) rounded to float.
TEST(Ridge, FloatNystromCentresWithIllConditionedLandmarkGram) {
    const index_t n = 300, d = 5, m = 40, k = 2;
    Mat x = random_rows(n, d, 60, 0.5, 2.0);
    for (double &v : x) v = static_cast<double>(static_cast<float>(v));
    const std::vector<float> xf(x.begin(), x.end());
    const Mat y = targets(x, n, d, k, 62, 0.1);
    const auto ny = kernel::Nystrom::create(gaussian(0.1), d, m, 8);
    ny->fit(view(x, n, d));
    EXPECT_LT(ny->eigenvalues().back(), 1e-4);
    const auto src = nystrom_centres(*ny);
    for (const double lambda : {1e-3, 1e-1}) {
        const auto md = fit(*src, x, n, y, k, fixed(lambda));
        EXPECT_EQ(md->report().retries, 0);
        std::unique_ptr<Ridge> mf;
        ASSERT_NO_THROW(mf = fit(*src, xf, n, y, k, fixed(lambda))) << lambda;
        EXPECT_EQ(mf->report().retries, 0) << lambda;
        // measured with the change: 5.6e−5 (λ = 1e−3) and 9.3e−6 (λ = 0.1)
        EXPECT_LT(rel_diff(predict(*mf, xf, n), predict(*md, x, n)), 1e-3) << lambda;
    }
}

}  // namespace
