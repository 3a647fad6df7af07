// Kernel ridge regression on features (design/algorithms.md §5): multi-output ridge
//
//     W = argmin ‖C·W − Y‖²_F + λ·tr(Wᵀ R W)        i.e.  (CᵀC + λR) W = CᵀY,
//
// where the rows of C are c(x_i) ∈ R^D from a FeatureSource (below) and R is its regularizer:
//   * explicit features z(x) (Taylor sketches, random Fourier features, caller-given features): c = z, R = I — the
//     primal of the dual KRR (ZZᵀ + λI)α = Y, since ZZᵀ ≈ K;
//   * Nyström centres L (subset of regressors): c(x) = K(x, L), R = K(L, L) + δI with δ = kNystromJitter·max_j
//     K(L, L)_jj. This is ridge on the Nyström features K(x, L)·R^{−1/2}, solved without the O(D³)
//     eigendecomposition those features need (kernel/comparators.hpp); the jitter δ replaces the features'
//     pseudo-inverse cut-off.
// λ is in the units of the dual problem (K + λI)α = Y. Targets Y are n×k (k outputs; one-hot rows for
// classification).
//
// Streaming: rows are featurised block by block (block_rows at a time) and only CᵀC, CᵀY (and the hold-out split's
// own copies) are accumulated, so the n×D feature matrix never exists: peak memory O(D² + block·D) (plus the held-out
// rows' features with hold-out selection). Blocks are featurised in the input's precision; float blocks go through
// ssyrk/sgemm (float products, float sums within a block) and every block's result is added into double accumulators —
// the float rounding error of a block is about 1e−7 of its Gram, far below any λ a ridge fit on explicit features
// selects (Nyström centres: see "Float input with Nyström centres" below).
//
// Float input with Nyström centres: the float Gram's rounding (about 1e−7·‖CᵀC‖, not positive semidefinite) is
// dominated by λI for explicit features but not by λR when R = K(L, L) + δI is ill-conditioned, where it made
// CᵀC + λR indefinite or the fit inaccurate; so sources with a regularizer widen each float block to double before
// the SYRK (dsyrk: twice the time of ssyrk), and only explicit features use the float ssyrk.
//
// Solver (Options::solver):
//   * kCholesky: Cholesky of CᵀC + λR (LAPACKE dpotrf/dpotrs), n·D² for the SYRK + D³/3 per λ tried. If the
//     factorization fails, λ is multiplied by 10 and retried, at most kMaxRetries times (Report::retries; then
//     SUBQ_ERR_NUMERICAL). The only solver that selects λ: one Gram serves every λ of the grid.
//   * kPcg (fixed λ only): the features of all rows are stored (n·D values), S is an OSNAP sketch of the rows
//     (s rows, kPcgSparsity nonzeros ±1/2 per row of C), and conjugate gradients on (CᵀC + λR)W = CᵀY, started at
//     the sketched solution, are preconditioned by the Cholesky factor of (SC)ᵀ(SC) + λR: s·D² + D³/3 once, then
//     4·n·D·k per iteration (two GEMMs), to a relative residual of pcg_tolerance per output.
//   * kAuto: kPcg when λ is fixed, the stored features take at most kPcgMaxFeatureBytes and the flop estimate
//     (kPcgAssumedIterations iterations) is under half of Cholesky's — roughly D > 240·k and n well above the
//     sketch's 2D rows; else kCholesky. With λ selection always kCholesky.
//
// λ selection when Options::lambda is 0, over the grid λ_j = s·10^{e_j}, e_j evenly spaced from
// log10(grid_min) to log10(grid_max) (grid_points values), with s = Σ_i k(x_i, x_i)/n (the mean of the kernel's
// diagonal: tr(CᵀC)/n for explicit features, the exact diagonal for Nyström centres):
//   * kHoldout (default): a seeded fraction of the rows (row i when uniform(seed, i) < holdout_fraction; a pure
//     function of the seed and the row number) is held out and their features kept (holdout_fraction·n·D values);
//     for each λ the model fitted on the other rows is scored on them — mean squared error per row, or, for
//     classification (Score::kAccuracy), the error rate of the argmax over the outputs, which is robust to the few
//     rows a weakly regularized fit extrapolates wildly (seen with Nyström centres on Fashion-MNIST) — and the best
//     λ (ties: the larger) is refitted on all rows;
//   * kGcv: generalized cross-validation n·RSS(λ)/(n − df(λ))² from one eigendecomposition of the whitened
//     R^{−1/2}CᵀCR^{−1/2} (dsyevd, O(D³): meant for D up to a few thousand).
//
// Determinism: for a fixed BLAS (library and thread count) and block_rows, results are bit-identical for any
// num_threads. Thread safety: a fitted Ridge is immutable; predict() is const and reentrant.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "kernel/coefficients.hpp"
#include "kernel/comparators.hpp"
#include "kernel/featuremap.hpp"

namespace subq::krr {

inline constexpr int kMaxRetries = 3;
inline constexpr double kNystromJitter = 1e-8;
inline constexpr index_t kPcgSparsity = 4;             // nonzeros per row of C in the PCG sketch
inline constexpr double kPcgAssumedIterations = 30;    // for the automatic choice
inline constexpr double kPcgMaxFeatureBytes = 0x1p32;  // the automatic choice stores at most 4 GiB of features

// What a ridge model is fitted on: a row map x ↦ c(x) ∈ R^width and the regularizer R (see the file comment).
// Implementations must be const-reentrant. Non-owning wrappers: the wrapped map must outlive the source.
class FeatureSource {
public:
    virtual ~FeatureSource() = default;
    virtual index_t input_dim() const = 0;
    virtual index_t width() const = 0;
    // c (rows × width) = c(x) of the rows of x (rows × input_dim); c is row-major with ld = width.
    virtual void rows(const DenseView<const double> &x, double *c) const = 0;
    virtual void rows(const DenseView<const float> &x, float *c) const = 0;
    // Σ_i k(x_i, x_i) over the rows of x, for the λ scale; explicit features return Σ‖c(x_i)‖² (c given).
    virtual double diagonal_sum(const DenseView<const double> &x, const double *c) const;
    virtual double diagonal_sum(const DenseView<const float> &x, const float *c) const;
    // R = regularizer() + jitter()·I (width × width row-major), or the identity if regularizer() is nullptr.
    virtual const std::vector<double> *regularizer() const { return nullptr; }
    virtual double jitter() const { return 0; }
    virtual std::string name() const = 0;
};

// Sources for each feature method. The features of `identity_features` are the input rows themselves.
std::unique_ptr<FeatureSource> taylor_features(const kernel::FeatureMap &map);
std::unique_ptr<FeatureSource> fourier_features(const kernel::RandomFourier &map);
// Needs a fitted Nystrom (SUBQ_ERR_STATE otherwise); uses its landmarks and K(L, L), never its eigendecomposition,
// and computes the kernel blocks K(x, L) with the map's num_threads().
std::unique_ptr<FeatureSource> nystrom_centres(const kernel::Nystrom &map);
std::unique_ptr<FeatureSource> identity_features(index_t dim);

enum class Select : int { kHoldout = 1, kGcv = 2 };
enum class Solver : int { kAuto = 0, kCholesky = 1, kPcg = 2 };
enum class Score : int { kSquaredError = 1, kAccuracy = 2 };

struct Options {
    double lambda = 0;  // > 0: fixed λ; 0: selected by `select`
    Select select = Select::kHoldout;
    double holdout_fraction = 0.2;           // in (0, 1)
    Score score = Score::kSquaredError;      // hold-out: what the held-out rows score
    double grid_min = 1e-6, grid_max = 1.0;  // relative to s (file comment); 0 < grid_min <= grid_max
    index_t grid_points = 7;                 // >= 1 (1: grid_min only)
    Solver solver = Solver::kAuto;           // see "Solver" in the file comment
    index_t sketch_rows = 0;                 // PCG: rows s of the sketch; 0 = 2·D (rounded up to kPcgSparsity)
    double pcg_tolerance = 1e-8;             // PCG: relative residual ‖b − Aw‖/‖b‖ per output, in (0, 1)
    index_t pcg_max_iterations = 500;        // PCG: >= 1; beyond it SUBQ_ERR_NOT_CONVERGED
    index_t block_rows = 0;                  // rows featurised at once; 0 = automatic (2^25 entries, 256..8192)
    std::uint64_t seed = 0;                  // of the hold-out split
    // Called after each block of rows with (rows done, rows in total); returning false cancels the fit
    // (SUBQ_ERR_CANCELLED). May be empty.
    std::function<bool(index_t, index_t)> progress;
};
// Throws SUBQ_ERR_PARAM_RANGE naming the field.
void validate(const Options &options);

struct Report {
    double lambda = 0;                  // the λ of the final fit (after any retries)
    double scale = 0;                   // s: the mean of the kernel's diagonal over the fitted rows
    int retries = 0;                    // factorizations retried with 10λ (final fit)
    Solver solver = Solver::kCholesky;  // the solver that ran
    index_t iterations = 0;             // PCG iterations (0 for Cholesky)
    index_t rows = 0, holdout_rows = 0;
    std::vector<double> grid, grid_score;  // λ_j and the hold-out squared error (per held-out row) or GCV score
    double seconds_features = 0, seconds_gram = 0, seconds_solve = 0;
};

class Ridge {
public:
    // Fits on the rows of x (n × source.input_dim()) with targets y (n × k, any layout, double). Throws
    // SUBQ_ERR_DIMENSION (x's columns ≠ input_dim, y's rows ≠ n, k < 1, n < 1 — hold-out needs at least one row on
    // each side, else SUBQ_ERR_INVALID_ARG), SUBQ_ERR_NUMERICAL (NaN/Inf in x or y, naming the row; the
    // factorization failing after kMaxRetries retries), SUBQ_ERR_PARAM_RANGE (validate), SUBQ_ERR_CANCELLED (the
    // progress callback). The source must outlive the Ridge.
    template <class T>
    static std::unique_ptr<Ridge> fit(const FeatureSource &source, const DenseView<const T> &x,
                                      const DenseView<const double> &y, const Options &options);

    index_t input_dim() const noexcept { return source_->input_dim(); }
    index_t width() const noexcept { return width_; }
    index_t outputs() const noexcept { return k_; }
    const Report &report() const noexcept { return report_; }
    const std::vector<double> &weights() const noexcept { return w_; }  // width × k row-major

    // out (n × k) = c(x)·W for the rows of x. Throws SUBQ_ERR_DIMENSION (shapes), SUBQ_ERR_NUMERICAL (NaN/Inf in x).
    template <class T>
    void predict(const DenseView<const T> &x, const DenseView<double> &out) const;

private:
    Ridge() = default;
    const FeatureSource *source_ = nullptr;
    Options options_;
    index_t width_ = 0, k_ = 0;
    std::vector<double> w_;
    Report report_;
};

// Exact kernel ridge regression (the reference): α = (K(X, X) + λI)^{−1}Y by dpotrf/dpotrs on the n×n Gram, and
// predictions K(x, X)·α. O(n²) memory (n ≤ a few 10⁴). Throws SUBQ_ERR_PARAM_RANGE (λ ≤ 0 or not finite, the kernel),
// SUBQ_ERR_DIMENSION, SUBQ_ERR_NUMERICAL (NaN/Inf; K + λI not positive definite: no retry, the caller's λ is kept).
class ExactRidge {
public:
    static std::unique_ptr<ExactRidge> fit(const kernel::KernelParams &kernel, const DenseView<const double> &x,
                                           const DenseView<const double> &y, double lambda,
                                           std::int64_t num_threads = 0);
    index_t input_dim() const noexcept { return d_; }
    index_t rows() const noexcept { return n_; }
    index_t outputs() const noexcept { return k_; }
    double lambda() const noexcept { return lambda_; }
    const std::vector<double> &dual_weights() const noexcept { return alpha_; }  // n × k row-major
    void predict(const DenseView<const double> &x, const DenseView<double> &out) const;

private:
    ExactRidge() = default;
    kernel::KernelParams kernel_;
    index_t n_ = 0, d_ = 0, k_ = 0;
    double lambda_ = 0;
    std::int64_t num_threads_ = 0;
    std::vector<double> x_, alpha_;  // training rows (n × d row-major) and α
};

// Rank-r approximation K ≈ FFᵀ from features (design/algorithms.md §5, "low-rank"): with CᵀC = VΛVᵀ (the top r
// eigenpairs, dsyevd on the width×width Gram accumulated in blocks as in Ridge), F = C·V_r, i.e. the best rank-r
// approximation of CCᵀ (= the thin SVD's U_rΣ_r). Two passes over x; memory O(D² + block·D), F is the caller's.
// Sources with a regularizer (Nyström centres) are whitened first: F = C·R^{−1/2}V_r with the eigenpairs of
// R^{−1/2}CᵀCR^{−1/2}. Throws SUBQ_ERR_DIMENSION (r < 1 or r > width, shapes), SUBQ_ERR_NUMERICAL (NaN/Inf; dsyevd).
template <class T>
void low_rank(const FeatureSource &source, const DenseView<const T> &x, index_t rank, const DenseView<double> &f,
              index_t block_rows = 0);

}  // namespace subq::krr
