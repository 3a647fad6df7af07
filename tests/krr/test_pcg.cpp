// The sketch-preconditioned CG solver of krr::Ridge (Solver::kPcg) against the Cholesky solver, and the automatic
// choice between them.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "../kernel/kernel_test_util.hpp"
#include "core/error.hpp"
#include "kernel/comparators.hpp"
#include "krr/ridge.hpp"

using namespace subq;
using namespace subq::krr;
using subq::kernel::test::expect_error;

namespace {

struct Problem {
    index_t n, d, k;
    std::vector<double> x, y;
};

// n rows of d features with a decaying column scale (condition number of CᵀC about 1e4) and k noisy linear targets.
Problem make_problem(index_t n, index_t d, index_t k, unsigned seed) {
    Problem p{n, d, k, std::vector<double>(static_cast<std::size_t>(n * d)),
              std::vector<double>(static_cast<std::size_t>(n * k))};
    std::mt19937_64 g(seed);
    std::normal_distribution<double> z;
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < d; ++j)
            p.x[static_cast<std::size_t>(i * d + j)] =
                z(g) * std::pow(100.0, -static_cast<double>(j) / static_cast<double>(d));
    for (index_t i = 0; i < n; ++i)
        for (index_t c = 0; c < k; ++c) {
            double s = 0;
            for (index_t j = 0; j < d; ++j)
                s += p.x[static_cast<std::size_t>(i * d + j)] * std::cos(static_cast<double>(j + c));
            p.y[static_cast<std::size_t>(i * k + c)] = s + 0.1 * z(g);
        }
    return p;
}

DenseView<const double> xview(const Problem &p) {
    return {p.x.data(), p.n, p.d, p.d, SUBQ_ROW_MAJOR};
}
DenseView<const double> yview(const Problem &p) {
    return {p.y.data(), p.n, p.k, p.k, SUBQ_ROW_MAJOR};
}

double rel_diff(const std::vector<double> &a, const std::vector<double> &b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return std::sqrt(num / den);
}

}  // namespace

// PCG solves the same normal equations: with relative residual 1e−10 the weights agree with Cholesky's to about
// κ·1e−10 (κ(CᵀC + λI) <= 1e4 here), so 1e−6 leaves ample room; the preconditioner keeps the iterations low.
TEST(RidgePcg, MatchesCholeskyOnExplicitFeatures) {
    const Problem p = make_problem(4000, 40, 3, 1);
    const auto src = identity_features(p.d);
    Options o;
    o.lambda = 0.5;
    o.solver = Solver::kCholesky;
    const auto chol = Ridge::fit(*src, xview(p), yview(p), o);
    o.solver = Solver::kPcg;
    o.pcg_tolerance = 1e-10;
    const auto pcg = Ridge::fit(*src, xview(p), yview(p), o);
    EXPECT_EQ(pcg->report().solver, Solver::kPcg);
    EXPECT_EQ(chol->report().solver, Solver::kCholesky);
    EXPECT_LT(rel_diff(pcg->weights(), chol->weights()), 1e-6);
    EXPECT_GT(pcg->report().iterations, 0);
    EXPECT_LE(pcg->report().iterations, 40) << "an OSNAP sketch with s = 2D rows preconditions CᵀC well";
}

// The sketch matters: with s = 2D rows the preconditioned system is well conditioned, so PCG needs far fewer
// iterations than the column scaling alone would allow plain CG (κ ≈ 1e4 → hundreds of iterations).
TEST(RidgePcg, MoreSketchRowsNeverNeedMoreIterationsThanTheLimit) {
    const Problem p = make_problem(3000, 32, 2, 2);
    const auto src = identity_features(p.d);
    Options o;
    o.lambda = 1e-3;
    o.solver = Solver::kPcg;
    o.pcg_tolerance = 1e-10;
    o.sketch_rows = 8 * p.d;
    const auto wide = Ridge::fit(*src, xview(p), yview(p), o);
    o.sketch_rows = 2 * p.d;
    const auto narrow = Ridge::fit(*src, xview(p), yview(p), o);
    EXPECT_LE(wide->report().iterations, narrow->report().iterations + 2);
    EXPECT_LE(narrow->report().iterations, 60);
    EXPECT_LT(rel_diff(wide->weights(), narrow->weights()), 1e-6);
}

TEST(RidgePcg, MatchesCholeskyOnNystromCentres) {
    const Problem p = make_problem(1500, 6, 2, 3);
    kernel::KernelParams kp;
    kp.kernel = kernel::Kernel::kGaussian;
    kp.gamma = 0.2;
    auto ny = kernel::Nystrom::create(kp, p.d, 50, 7);
    ny->fit(xview(p));
    const auto src = nystrom_centres(*ny);
    Options o;
    o.lambda = 0.1;
    o.solver = Solver::kCholesky;
    const auto chol = Ridge::fit(*src, xview(p), yview(p), o);
    o.solver = Solver::kPcg;
    o.pcg_tolerance = 1e-12;
    const auto pcg = Ridge::fit(*src, xview(p), yview(p), o);
    std::vector<double> a(static_cast<std::size_t>(p.n * p.k)), b(a.size());
    chol->predict(xview(p), DenseView<double>{a.data(), p.n, p.k, p.k, SUBQ_ROW_MAJOR});
    pcg->predict(xview(p), DenseView<double>{b.data(), p.n, p.k, p.k, SUBQ_ROW_MAJOR});
    EXPECT_LT(rel_diff(b, a), 1e-6);  // predictions: the weights themselves are ill-determined where K(L, L) ≈ 0
}

// The estimate: Cholesky n·D² + D³/3, PCG 2D·D² + D³/3 + 30·4·n·D·k; PCG needs D well above 240·k and n well above
// the sketch's 2D rows.
TEST(RidgePcg, AutomaticChoice) {
    const auto src = identity_features(512);
    Options o;
    o.lambda = 1;
    const Problem many = make_problem(8000, 512, 1, 4);  // PCG 8.1e8 flops against Cholesky 2.1e9
    EXPECT_EQ(Ridge::fit(*src, xview(many), yview(many), o)->report().solver, Solver::kPcg);
    const Problem few = make_problem(600, 512, 1, 5);  // PCG 3.5e8 against Cholesky 2.0e8
    EXPECT_EQ(Ridge::fit(*src, xview(few), yview(few), o)->report().solver, Solver::kCholesky);
    const auto narrow = identity_features(8);  // D = 8 < 240·k: Cholesky whatever n
    const Problem thin = make_problem(20000, 8, 1, 6);
    EXPECT_EQ(Ridge::fit(*narrow, xview(thin), yview(thin), o)->report().solver, Solver::kCholesky);
    o.lambda = 0;  // λ selection always uses Cholesky (one Gram for the whole grid)
    EXPECT_EQ(Ridge::fit(*src, xview(many), yview(many), o)->report().solver, Solver::kCholesky);
}

TEST(RidgePcg, Errors) {
    const Problem p = make_problem(500, 10, 1, 6);
    const auto src = identity_features(p.d);
    Options o;
    o.solver = Solver::kPcg;
    expect_error([&] { Ridge::fit(*src, xview(p), yview(p), o); }, SUBQ_ERR_INVALID_ARG, "fixed λ");
    o.lambda = 1e-6;
    o.pcg_tolerance = 1e-14;
    o.pcg_max_iterations = 1;
    expect_error([&] { Ridge::fit(*src, xview(p), yview(p), o); }, SUBQ_ERR_NOT_CONVERGED, "1 iterations");
    o.pcg_max_iterations = 0;
    expect_error([&] { Ridge::fit(*src, xview(p), yview(p), o); }, SUBQ_ERR_PARAM_RANGE, "PCG iterations");
    o.pcg_max_iterations = 10;
    o.pcg_tolerance = 0;
    expect_error([&] { Ridge::fit(*src, xview(p), yview(p), o); }, SUBQ_ERR_PARAM_RANGE, "PCG tolerance");
}
