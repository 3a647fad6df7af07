/**
 * @file krr.h
 * @brief Kernel ridge regression on kernel features, exact KRR, and low-rank kernel approximation.
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * A model is fitted on the rows of x (n×d) with targets y (n×k, k outputs; one-hot rows for classification)
 * through a feature map (featuremap.h), and predicts y ≈ f(x) = c(x)·W:
 *  - Taylor or random Fourier features z(x): ridge (ZᵀZ + λI)W = ZᵀY, the primal of the dual KRR
 *    (K + λI)α = Y with K ≈ ZZᵀ;
 *  - Nyström (the map must be fitted, or have landmarks): the subset-of-regressors problem
 *    (K_nLᵀK_nL + λ(K_LL + δI))W = K_nLᵀY, c(x) = K(x, L), δ = 1e−8·max K_LL — ridge on the Nyström features without
 *    their O(D³) eigendecomposition;
 *  - no map (fm NULL): the columns of x are the features;
 *  - SUBQ_KRR_EXACT: the exact kernel of the map's kernel parameters, (K(X, X) + λI)α = Y (n² memory; the
 *    reference for small n).
 * λ is in the units of the dual problem (K + λI)α = Y.
 *
 * Streaming: rows are featurised SUBQ_P_BLOCK_ROWS at a time (0: about 2^25 feature entries per block) and only
 * CᵀC and CᵀY are accumulated, so the n×D feature matrix is never formed: peak memory about 3·D² doubles plus one
 * block (plus the held-out rows' features with hold-out selection) (D = the map's output dimension). float32 input is featurised in float32 and multiplied with ssyrk/sgemm;
 * every block's products are added into double sums.
 *
 * Solvers (SUBQ_P_KRR_SOLVER):
 *  - SUBQ_KRR_CHOLESKY: Cholesky of CᵀC + λR (LAPACK dpotrf); if it fails, λ is multiplied by 10 and retried up to
 *    3 times (SUBQ_KRR_RETRIES), then SUBQ_ERR_NUMERICAL. Cost: n·D² (SYRK) + D³/3 per λ tried. The only solver that
 *    selects λ (one Gram serves the whole grid).
 *  - SUBQ_KRR_PCG (fixed λ): the features of all rows are stored (n·D values); conjugate gradients on
 *    (CᵀC + λR)W = CᵀY, preconditioned by the Cholesky factor of (SC)ᵀ(SC) + λR with S an OSNAP sketch of the rows
 *    (SUBQ_P_KRR_SKETCH_ROWS rows, default 2·D; 4 nonzeros per row of C), to the relative residual
 *    SUBQ_P_KRR_TOLERANCE (default 1e−8) per output within SUBQ_P_KRR_MAX_ITERATIONS (default 500; then
 *    SUBQ_ERR_NOT_CONVERGED). Cost: s·D² + D³/3 once, then 4·n·D·k per iteration.
 *  - SUBQ_KRR_AUTO: SUBQ_KRR_PCG when λ is fixed, the stored features fit in 4 GiB and its estimated cost (30
 *    iterations) is under half of Cholesky's (roughly D > 240·k and n well above 2·D); else SUBQ_KRR_CHOLESKY.
 *
 * λ selection (SUBQ_P_LAMBDA = 0, the default) over SUBQ_P_LAMBDA_GRID_POINTS values spaced evenly in log scale from
 * SUBQ_P_LAMBDA_GRID_MIN·s to SUBQ_P_LAMBDA_GRID_MAX·s, s = the mean of k(x_i, x_i) over the rows:
 *  - SUBQ_LAMBDA_HOLDOUT (default): a seeded fraction SUBQ_P_HOLDOUT_FRACTION of the rows is held out (their
 *    features are kept: fraction·n·D values); each λ is scored on them by the model fitted on the other rows —
 *    mean squared error, or with SUBQ_SCORE_ACCURACY the error rate of the argmax (for classification; robust to
 *    the few rows a weakly regularized model extrapolates wildly) — and the best λ (ties: the larger) is refitted
 *    on all rows;
 *  - SUBQ_LAMBDA_GCV: generalized cross-validation n·RSS/(n − df)² from one eigendecomposition of the D×D Gram
 *    (O(D³); for D up to a few thousand).
 *
 * Determinism: for a fixed BLAS library and thread count and SUBQ_P_BLOCK_ROWS, results are bit-identical for any
 * SUBQ_P_NUM_THREADS. Accuracy and speed on Fashion-MNIST: benchmarks/RESULTS.md ("Kernel ridge regression").
 */
#ifndef SUBQ_KRR_H
#define SUBQ_KRR_H

#include "subq/core.h"
#include "subq/featuremap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct subq_krr_s subq_krr;

/** How λ is chosen when SUBQ_P_LAMBDA is 0: the values of SUBQ_P_LAMBDA_SELECT. Pinned. */
typedef SUBQ_ENUM(subq_lambda_select) {
    SUBQ_LAMBDA_HOLDOUT = 1, /**< held-out squared error (default) */
    SUBQ_LAMBDA_GCV = 2      /**< generalized cross-validation */
} subq_lambda_select;

/** How held-out rows score a λ: the values of SUBQ_P_HOLDOUT_SCORE. Pinned. */
typedef SUBQ_ENUM(subq_holdout_score) {
    SUBQ_SCORE_SQUARED_ERROR = 1, /**< mean squared error per held-out row (default) */
    SUBQ_SCORE_ACCURACY = 2       /**< classification: error rate of the argmax over the k outputs */
} subq_holdout_score;

/** Solvers: the values of SUBQ_P_KRR_SOLVER. Pinned. */
typedef SUBQ_ENUM(subq_krr_solver) {
    SUBQ_KRR_AUTO = 0,     /**< the default: SUBQ_KRR_PCG or SUBQ_KRR_CHOLESKY by cost (see the file comment) */
    SUBQ_KRR_CHOLESKY = 1, /**< normal equations on the features, SYRK + Cholesky */
    SUBQ_KRR_EXACT = 2,    /**< exact kernel (K + λI)α = Y; needs a map (for its kernel) and SUBQ_P_LAMBDA > 0 */
    SUBQ_KRR_PCG = 3       /**< sketch-preconditioned conjugate gradients on stored features; fixed λ only */
} subq_krr_solver;

/** What subq_krr_get_int() and subq_krr_get_double() report. Pinned. */
typedef SUBQ_ENUM(subq_krr_stat) {
    SUBQ_KRR_LAMBDA = 1,           /**< double: the λ of the final fit */
    SUBQ_KRR_SCALE = 2,            /**< double: s, the mean of k(x_i, x_i) (0 for SUBQ_KRR_EXACT) */
    SUBQ_KRR_SECONDS_FEATURES = 3, /**< double: time spent computing features */
    SUBQ_KRR_SECONDS_GRAM = 4,     /**< double: time spent accumulating CᵀC and CᵀY */
    SUBQ_KRR_SECONDS_SOLVE = 5,    /**< double: time spent choosing λ and solving */
    SUBQ_KRR_ROWS = 100,           /**< int: rows fitted */
    SUBQ_KRR_HOLDOUT_ROWS = 101,   /**< int: rows held out for λ selection (0 without hold-out) */
    SUBQ_KRR_RETRIES = 102,        /**< int: tenfold λ increases of the final factorization */
    SUBQ_KRR_OUTPUTS = 103,        /**< int: k */
    SUBQ_KRR_WIDTH = 104,          /**< int: D, the feature width (n for SUBQ_KRR_EXACT) */
    SUBQ_KRR_GRID_POINTS = 105,    /**< int: λ values scored (0 with a fixed λ) */
    SUBQ_KRR_SOLVER_USED = 106,    /**< int: the ::subq_krr_solver that ran */
    SUBQ_KRR_ITERATIONS = 107      /**< int: conjugate-gradient iterations (SUBQ_KRR_PCG; else 0) */
} subq_krr_stat;

/**
 * @brief Progress of a fit: called after each block of rows has been featurised and accumulated, from the calling
 *        thread. Return 0 to continue, anything else to cancel (the fit then returns SUBQ_ERR_CANCELLED).
 */
typedef int (*subq_krr_progress_fn)(void *user_data, int64_t rows_done, int64_t rows_total);

/**
 * @brief Fit a ridge model on n rows.
 *
 * Keys read from cfg (kind SUBQ_KIND_KRR): SUBQ_P_LAMBDA (double >= 0, default 0 = select), SUBQ_P_LAMBDA_SELECT,
 * SUBQ_P_HOLDOUT_FRACTION (default 0.2), SUBQ_P_HOLDOUT_SCORE, SUBQ_P_LAMBDA_GRID_MIN / MAX / POINTS (default 1e−6, 1, 7: the decades of design/algorithms.md §5),
 * SUBQ_P_KRR_SOLVER, SUBQ_P_KRR_SKETCH_ROWS, SUBQ_P_KRR_TOLERANCE, SUBQ_P_KRR_MAX_ITERATIONS, SUBQ_P_SEED (the
 * hold-out split and the PCG sketch), SUBQ_P_NUM_THREADS (threads of SUBQ_KRR_EXACT's kernel matrix; features,
 * Nyström kernel blocks included, are computed with the feature map's own SUBQ_P_NUM_THREADS), SUBQ_P_BLOCK_ROWS.
 * @param cfg    Config of kind SUBQ_KIND_KRR; read-only, not retained.
 * @param fm     Feature map, borrowed: it must outlive the model and must not be refitted while the model exists
 *               (NULL: x holds the features themselves). Nyström maps must have landmarks.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for x and y.
 * @param n      Rows, n >= 1 (hold-out selection needs rows on both sides of the split).
 * @param d      Columns of x: the map's input dimension.
 * @param x      n×d, caller-owned, read-only, not retained; finite.
 * @param ldx    Leading dimension of x.
 * @param k      Outputs, k >= 1.
 * @param y      n×k targets (double), caller-owned, read-only; finite.
 * @param ldy    Leading dimension of y.
 * @param progress  Optional (NULL: none); see ::subq_krr_progress_fn. Not called by SUBQ_KRR_EXACT.
 * @param user_data Passed to progress unchanged.
 * @param out    Out: the model, owned by the caller (subq_krr_destroy()); NULL on failure.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_INVALID_ARG (cfg of another kind; SUBQ_KRR_EXACT without a map
 *         or with λ = 0; SUBQ_KRR_PCG with λ = 0; too few rows for the hold-out split); SUBQ_ERR_PARAM_RANGE (a key out of range, grid
 *         min > max); SUBQ_ERR_DIMENSION (d, k, n); SUBQ_ERR_LAYOUT (layout, leading dimensions); SUBQ_ERR_STATE (Nyström
 *         map without landmarks); SUBQ_ERR_NUMERICAL (NaN/Inf in x or y, naming the row; the system singular even
 *         after the retries); SUBQ_ERR_NOT_CONVERGED (PCG); SUBQ_ERR_CANCELLED; SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe (the map is only read). Since: 0.1
 */
SUBQ_API subq_status subq_krr_fit_f64(const subq_config *cfg, const subq_featuremap *fm, subq_layout layout,
                                      subq_index n, subq_index d, const double *x, subq_index ldx, subq_index k,
                                      const double *y, subq_index ldy, subq_krr_progress_fn progress,
                                      void *user_data, subq_krr **out) SUBQ_WARN_UNUSED;
/** @brief As subq_krr_fit_f64() for float32 x (features and products in float32, sums in float64; exact KRR
 *         converts to float64). Since: 0.1 */
SUBQ_API subq_status subq_krr_fit_f32(const subq_config *cfg, const subq_featuremap *fm, subq_layout layout,
                                      subq_index n, subq_index d, const float *x, subq_index ldx, subq_index k,
                                      const double *y, subq_index ldy, subq_krr_progress_fn progress,
                                      void *user_data, subq_krr **out) SUBQ_WARN_UNUSED;

/** @brief Destroy a model; NULL is a no-op. Thread safety: exclusive use. Since: 0.1 */
SUBQ_API void subq_krr_destroy(subq_krr *model);

/**
 * @brief Predictions out = f(x) (n×k) for n rows.
 * @param model  Fitted model; not modified.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for x and out.
 * @param n      Rows, n >= 0 (0 is a no-op).
 * @param d      Must equal the model's input dimension.
 * @param x      n×d, caller-owned, read-only; finite.
 * @param ldx    Leading dimension of x.
 * @param out    n×k output (double), every entry overwritten.
 * @param ldout  Leading dimension of out.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_DIMENSION; SUBQ_ERR_LAYOUT; SUBQ_ERR_NUMERICAL (NaN/Inf in x);
 *         SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: reentrant; concurrent predictions on one model are allowed. Since: 0.1
 */
SUBQ_API subq_status subq_krr_predict_f64(const subq_krr *model, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, double *out,
                                          subq_index ldout) SUBQ_WARN_UNUSED;
/** @brief As subq_krr_predict_f64() for float32 x. Since: 0.1 */
SUBQ_API subq_status subq_krr_predict_f32(const subq_krr *model, subq_layout layout, subq_index n, subq_index d,
                                          const float *x, subq_index ldx, double *out,
                                          subq_index ldout) SUBQ_WARN_UNUSED;

/**
 * @brief A fact about a fitted model (see ::subq_krr_stat; ints through _get_int, doubles through _get_double).
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_INVALID_ARG (unknown key, or a key of the other type).
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_krr_get_int(const subq_krr *model, subq_krr_stat key, int64_t *value) SUBQ_WARN_UNUSED;
/** @copydoc subq_krr_get_int */
SUBQ_API subq_status subq_krr_get_double(const subq_krr *model, subq_krr_stat key, double *value) SUBQ_WARN_UNUSED;

/**
 * @brief The i-th λ of the selection grid and its score, lower is better (held-out mean squared error or error
 *        rate, or the GCV score; +inf where the factorization failed).
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER (model NULL); SUBQ_ERR_DIMENSION (i outside [0, SUBQ_KRR_GRID_POINTS)).
 *         lambda and score may be NULL. Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_krr_grid(const subq_krr *model, int64_t i, double *lambda, double *score) SUBQ_WARN_UNUSED;

/**
 * @brief Rank-r approximation K ≈ FFᵀ of the kernel matrix of the n rows of x, from a feature map: with the top r
 *        eigenvectors V_r of CᵀC (streamed in blocks), F = C·V_r, the best rank-r approximation of the features'
 *        kernel CCᵀ; for Nyström maps F = K(X, L)·R^{−1/2}·V_r with R = K_LL + δI. Two passes over x; memory about
 *        2·D² doubles plus one block; O(D³) eigendecomposition.
 * @param fm     Feature map (Nyström: with landmarks); not modified. NULL: the columns of x are the features.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for x and f.
 * @param n, d   Rows (>= 0) and columns of x.
 * @param x, ldx n×d data and its leading dimension; finite.
 * @param rank   r, 1 <= r <= D.
 * @param f, ldf n×r output and its leading dimension; every entry overwritten.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_DIMENSION (d, r); SUBQ_ERR_LAYOUT; SUBQ_ERR_STATE (Nyström without
 *         landmarks); SUBQ_ERR_NUMERICAL (NaN/Inf in x; eigendecomposition failure); SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_low_rank_f64(const subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                       const double *x, subq_index ldx, subq_index rank, double *f,
                                       subq_index ldf) SUBQ_WARN_UNUSED;
/** @brief As subq_low_rank_f64() for float32 x. Since: 0.1 */
SUBQ_API subq_status subq_low_rank_f32(const subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                       const float *x, subq_index ldx, subq_index rank, double *f,
                                       subq_index ldf) SUBQ_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* SUBQ_KRR_H */
