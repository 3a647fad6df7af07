/**
 * @file net.h
 * @brief Wide ReLU networks trained with per-iteration cost below m² in the width m.
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * Model (design/algorithms.md §6.2). Inputs x_i ∈ R^d are scaled to unit norm inside the network (a zero row
 * stays zero and is a dead point). L weight matrices W_1 (m×d) and W_2..W_L (m×m), all trained; the shifted ReLU
 * σ_b(z) = max(z − b, 0); a fixed output layer A ∈ {±1}^{k×m}:
 *
 *     u_0 = x/‖x‖;  g_l = W_l u_{l−1};  S_l = {r : g_l,r > b};  h_l = σ_b(g_l);
 *     u_l = h_l/‖h_l‖  (SUBQ_NET_NORMALIZED, default)   or   u_l = h_l  (SUBQ_NET_PAPER);
 *     f = A u_L  (normalised)   or   f = A h_L / √(m c_b)  (paper), c_b = E σ_b(z)² for z ~ N(0,1).
 *
 * Initialisation: every entry of every W_l ~ N(0,1) (normalised variant; then every pre-activation is exactly
 * N(0,1) at init, so the fired fraction is Q(b) at every layer); the paper variant draws W_l ~ N(0, 1/(m c_b)) for
 * l ≥ 2, which is unstable past two layers (design §6.2: per-point variance fluctuations grow about 3× per layer
 * and points die). Threshold b = √(0.4 ln m) by default (SUBQ_P_NET_THRESHOLD or SUBQ_P_NET_ACTIVE_FRACTION
 * override it). Loss: ½ Σ_i ‖f_i − y_i‖².
 *
 * Sparse mode (default): the fired sets S_{i,l} are recomputed exactly in every forward pass; g = W u reads only
 * the columns of W in supp(u) (m·#supp(u) multiply-adds); the backward pass touches only W[S_l, S_{l−1}] blocks;
 * the update is an eager scatter-add into those blocks (default) or the lazy low-rank buffer W = B + PQᵀ rebuilt
 * by one GEMM when its rank exceeds SUBQ_P_NET_MAX_RANK. Dense mode is the baseline: the same model with dense
 * BLAS-3 products and no sparsity exploited.
 *
 * Storage: weights are float32 (default) or float64 (SUBQ_P_DTYPE), column-major; activations, norms, dot
 * products, outputs and losses are accumulated in float64. The forward gather accumulates in the storage type.
 *
 * Determinism: for a seed, results are bit-identical for any SUBQ_P_NUM_THREADS. The sparse forward, backward and
 * eager update never call BLAS (the first layer gathers columns of W_1 even for dense inputs), so they are also
 * independent of the BLAS thread count, and of the vector instruction set the CPU offers (the forward's column sums
 * use one fused multiply-add per term on every code path); the dense baseline, the lazy rebuild and the Gauss–Newton
 * solve use BLAS/LAPACK: bit-identical for a fixed BLAS thread count.
 */
#ifndef SUBQ_NET_H
#define SUBQ_NET_H

#include "subq/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct subq_net_s subq_net;

/** Values of SUBQ_P_NET_VARIANT. Pinned. */
typedef SUBQ_ENUM(subq_net_variant) { SUBQ_NET_NORMALIZED = 0, SUBQ_NET_PAPER = 1 } subq_net_variant;
/** Values of SUBQ_P_NET_UPDATE. Pinned. SUBQ_NET_UPDATE_AUTO is the eager sparse update (design §6.7: its cost
 *  n·s² per layer is far below a rank-n GEMM, and the lazy buffer gains nothing asymptotically with BLAS). */
typedef SUBQ_ENUM(subq_net_update) {
    SUBQ_NET_UPDATE_AUTO = 0, SUBQ_NET_UPDATE_EAGER = 1, SUBQ_NET_UPDATE_LAZY = 2
} subq_net_update;
/** Values of SUBQ_P_NET_MODE. Pinned. */
typedef SUBQ_ENUM(subq_net_mode) { SUBQ_NET_SPARSE = 0, SUBQ_NET_DENSE = 1 } subq_net_mode;

/** Values of SUBQ_P_NET_GN_SOLVER. Pinned. SUBQ_NET_GN_AUTO uses Cholesky when n·k <= 1024 (n³/3 flops are then
 *  cheaper than sketching) and the sketched preconditioned CG above. */
typedef SUBQ_ENUM(subq_net_gn_solver) {
    SUBQ_NET_GN_AUTO = 0, SUBQ_NET_GN_CHOLESKY = 1, SUBQ_NET_GN_SKETCHED_CG = 2
} subq_net_gn_solver;

/** Values of SUBQ_P_NET_SOLVER. Pinned. */
typedef SUBQ_ENUM(subq_net_solver) { SUBQ_NET_SOLVER_GN = 1, SUBQ_NET_SOLVER_GD = 2 } subq_net_solver;

/**
 * Progress callback of subq_net_fit_f32/_f64(), called after every iteration. Return 0 to continue, anything
 * else to stop (the fit then returns SUBQ_ERR_CANCELLED; the weights keep the completed iterations).
 * @param user_data  The pointer given to the fit, passed through.
 * @param iteration  1-based iteration number.
 * @param loss       ½ Σ‖f_i − y_i‖² of the iteration's batch before its step.
 * @param fired_fraction Mean fired fraction #S/m over points and layers.
 * @param rank       Largest lazy-buffer rank over the layers after the step (0 for eager and dense updates).
 * @param seconds    Wall time of the iteration.
 */
typedef int (*subq_net_progress_fn)(void *user_data, int64_t iteration, double loss, double fired_fraction,
                                    double rank, double seconds);

/** Facts about the last training step (subq_net_step_info()). Pinned. */
typedef SUBQ_ENUM(subq_net_step_key) {
    SUBQ_NET_STEP_LOSS_BEFORE = 1,    /**< ½ Σ‖f_i − y_i‖² before the step */
    SUBQ_NET_STEP_LOSS_AFTER = 2,     /**< the loss after a Gauss–Newton step (GD steps: NaN, not evaluated) */
    SUBQ_NET_STEP_DAMPING = 3,        /**< Gauss–Newton: mu of the last solve */
    SUBQ_NET_STEP_SOLVER = 4,         /**< Gauss–Newton: the ::subq_net_gn_solver used (never AUTO) */
    SUBQ_NET_STEP_CG_ITERATIONS = 5,  /**< Gauss–Newton with the sketched solver: CG iterations of the last solve */
    SUBQ_NET_STEP_CG_RESIDUAL = 6,    /**< ... and its relative residual */
    SUBQ_NET_STEP_RETRIES = 7,        /**< Gauss–Newton: solves rejected because they would raise the loss */
    SUBQ_NET_STEP_ACCEPTED = 8,       /**< 1 if the weights changed, 0 if every retry was rejected */
    SUBQ_NET_STEP_LEARNING_RATE = 9   /**< GD: the step size used */
} subq_net_step_key;

/** Per-layer statistics of the last training step (subq_net_layer_stat()). Pinned. */
typedef SUBQ_ENUM(subq_net_stat) {
    SUBQ_NET_STAT_FIRED_MEAN = 1,  /**< mean #S_{i,l} over the batch */
    SUBQ_NET_STAT_FIRED_MIN = 2,   /**< min #S_{i,l} */
    SUBQ_NET_STAT_FIRED_MAX = 3,   /**< max #S_{i,l} */
    SUBQ_NET_STAT_DEAD_POINTS = 4, /**< points with no fired neuron in the layer */
    SUBQ_NET_STAT_DRIFT = 5,       /**< mean over points of #(S_prev Δ S)/#S_prev, against the previous step
                                        when it trained the same batch (bit-identical inputs); −1 otherwise */
    SUBQ_NET_STAT_COVERAGE = 6,    /**< #(∪_i S_{i,l}) / m: the share of neurons some point fired */
    SUBQ_NET_STAT_RANK = 7         /**< rank of the lazy buffer after the step (0 for eager and dense) */
} subq_net_stat;

/** Phases of a training step whose work is counted (subq_net_counter()). Pinned. */
typedef SUBQ_ENUM(subq_net_phase) {
    SUBQ_PHASE_TOTAL = 0,    /**< sum of the phases below */
    SUBQ_PHASE_FORWARD = 1,  /**< g = W u for every layer */
    SUBQ_PHASE_BACKWARD = 2, /**< W[S_l, S_{l−1}]ᵀ v for l ≥ 2 */
    SUBQ_PHASE_UPDATE = 3,   /**< the weight update (eager scatter-add, lazy append, or dense GEMM) */
    SUBQ_PHASE_REBUILD = 4,  /**< lazy buffer rebuilds B ← B + PQᵀ */
    SUBQ_PHASE_GRAM = 5,     /**< the Jacobian Gram (automatic GD step size; Gauss–Newton) */
    SUBQ_PHASE_SOLVE = 6     /**< Gauss–Newton linear solves: Cholesky, or sketch + QR + conjugate gradient */
} subq_net_phase;

/** What a counter counts. Pinned. */
typedef SUBQ_ENUM(subq_net_counter_kind) {
    SUBQ_COUNTER_MULADDS = 1, /**< multiply-adds */
    SUBQ_COUNTER_BYTES = 2    /**< bytes of weight storage read or written (a GEMM counts each weight once) */
} subq_net_counter_kind;

/**
 * @brief Create a network from a config of kind SUBQ_KIND_NET and draw its weights (the only Θ(m²) phase).
 *
 * Keys: SUBQ_P_INPUT_DIM (d, required), SUBQ_P_NET_WIDTH (m, required), SUBQ_P_NET_DEPTH, SUBQ_P_NET_OUTPUTS,
 * SUBQ_P_NET_THRESHOLD or SUBQ_P_NET_ACTIVE_FRACTION (not both), SUBQ_P_NET_VARIANT, SUBQ_P_NET_UPDATE,
 * SUBQ_P_NET_MAX_RANK, SUBQ_P_NET_MODE, SUBQ_P_DTYPE, SUBQ_P_LEARNING_RATE, SUBQ_P_NET_GN_SOLVER,
 * SUBQ_P_NET_GN_DAMPING, SUBQ_P_NET_SKETCH_ROWS, SUBQ_P_NET_CG_TOLERANCE, SUBQ_P_NET_CG_MAX_ITERATIONS,
 * SUBQ_P_SEED, SUBQ_P_NUM_THREADS.
 * @param cfg Config of kind SUBQ_KIND_NET; not retained.
 * @param out Out: the network, owned by the caller (subq_net_destroy()); NULL on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (wrong config kind; threshold and active fraction
 *         both set), SUBQ_ERR_DIMENSION (input dim or width unset; weight storage overflowing), SUBQ_ERR_PARAM_RANGE,
 *         SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_net_create(const subq_config *cfg, subq_net **out) SUBQ_WARN_UNUSED;

/** @brief Destroy a network; NULL is a no-op. Thread safety: needs exclusive use of the handle. */
SUBQ_API void subq_net_destroy(subq_net *net);

/**
 * @brief Resolved integer parameters of a network: SUBQ_P_INPUT_DIM, SUBQ_P_NET_WIDTH, SUBQ_P_NET_DEPTH,
 *        SUBQ_P_NET_OUTPUTS, SUBQ_P_NET_VARIANT, SUBQ_P_NET_UPDATE (never AUTO), SUBQ_P_NET_MODE, SUBQ_P_DTYPE,
 *        SUBQ_P_SEED, SUBQ_P_NUM_THREADS, SUBQ_P_NET_MAX_RANK.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_UNKNOWN_PARAM. Thread safety: concurrent reads allowed.
 */
SUBQ_API subq_status subq_net_get_int(const subq_net *net, subq_param key, int64_t *value) SUBQ_WARN_UNUSED;

/**
 * @brief Resolved double parameters: SUBQ_P_NET_THRESHOLD (the b in use) and SUBQ_P_LEARNING_RATE (the step
 *        size of the last GD step; the configured value before the first step, 0 meaning automatic).
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_UNKNOWN_PARAM. Thread safety: concurrent reads allowed.
 */
SUBQ_API subq_status subq_net_get_double(const subq_net *net, subq_param key, double *value) SUBQ_WARN_UNUSED;

/**
 * @brief Outputs f = network(x) for n inputs.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for both x and f.
 * @param n      Number of inputs, >= 0 (0 is a no-op).
 * @param d      Must equal SUBQ_P_INPUT_DIM.
 * @param x      n×d, caller-owned, read-only; finite values.
 * @param ldx    Leading dimension of x.
 * @param f      n×k output (k = SUBQ_P_NET_OUTPUTS), caller-owned.
 * @param ldf    Leading dimension of f.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_DIMENSION, SUBQ_ERR_LAYOUT, SUBQ_ERR_NUMERICAL (NaN/Inf in x),
 *         SUBQ_ERR_INVALID_ARG (the _f32/_f64 suffix differs from SUBQ_P_DTYPE), SUBQ_ERR_OUT_OF_MEMORY.
 * Not counted in the counters.
 * Thread safety: reentrant; concurrent predictions on one handle are allowed, but not during a step.
 */
SUBQ_API subq_status subq_net_predict_f64(const subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, double *f,
                                          subq_index ldf) SUBQ_WARN_UNUSED;
/** @brief As subq_net_predict_f64() for a float32 network. */
SUBQ_API subq_status subq_net_predict_f32(const subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const float *x, subq_index ldx, float *f,
                                          subq_index ldf) SUBQ_WARN_UNUSED;

/**
 * @brief One gradient-descent step on the batch: W_l ← W_l − η Σ_i v_{i,l} u_{i,l−1}ᵀ, the exact gradient of
 *        ½ Σ_i ‖f_i − y_i‖². η = SUBQ_P_LEARNING_RATE, or, when it is 0, 1/λ_max(G) of the first step's batch, with
 *        G = J Jᵀ the Jacobian Gram computed through G = Σ_l (U_{l−1}ᵀU_{l−1}) ∘ (V_lᵀV_l).
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for both x and y.
 * @param n      Batch size, >= 1.
 * @param d      Must equal SUBQ_P_INPUT_DIM.
 * @param x      n×d inputs, caller-owned, read-only, finite.
 * @param ldx    Leading dimension of x.
 * @param y      n×k targets, caller-owned, read-only, finite (one-hot rows for classification).
 * @param ldy    Leading dimension of y.
 * @param loss   Out (may be NULL): the loss ½ Σ‖f_i − y_i‖² before the step.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_DIMENSION, SUBQ_ERR_LAYOUT, SUBQ_ERR_NUMERICAL (NaN/Inf in x or
 *         y; a zero Gram for the automatic step), SUBQ_ERR_INVALID_ARG (dtype suffix), SUBQ_ERR_OUT_OF_MEMORY.
 *         On failure the weights are unchanged.
 * Thread safety: needs exclusive use of the handle.
 */
SUBQ_API subq_status subq_net_step_gd_f64(subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, const double *y, subq_index ldy,
                                          double *loss) SUBQ_WARN_UNUSED;
/** @brief As subq_net_step_gd_f64() for a float32 network. */
SUBQ_API subq_status subq_net_step_gd_f32(subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const float *x, subq_index ldx, const float *y, subq_index ldy,
                                          double *loss) SUBQ_WARN_UNUSED;

/**
 * @brief One Gauss–Newton step on the batch (design/algorithms.md §6.6): with r = f − y and the Jacobian Gram
 *        G = J Jᵀ (through G = Σ_l (U_{l−1}ᵀU_{l−1}) ∘ (V_lᵀV_l), never forming J), solve (G + μI) c = r and set
 *        W_l ← W_l − Σ_i c_i v_{i,l} u_{i,l−1}ᵀ (rank ≤ n·k per layer, applied by the configured update rule).
 *
 * Solver (SUBQ_P_NET_GN_SOLVER): Cholesky, or conjugate gradient preconditioned by the QR factor of
 * [S_1 J_1ᵀ; …; S_L J_Lᵀ; √μ I], where each S_l is a fresh TensorSRHT (SUBQ_P_NET_SKETCH_ROWS rows) applied to
 * the columns u_{i,l−1} ⊗ v_{i,l} from their two factors. Damping μ = SUBQ_P_NET_GN_DAMPING · tr(G)/(n k) plus a
 * Levenberg–Marquardt term: a step that would raise the loss is undone, the damping raised tenfold and the solve
 * retried (at most 8 times); the damping decays by 3 after accepted steps. The loss therefore never increases.
 * The forward pass of the new weights is kept and reused by the next step if it trains the same batch.
 * A CG that reaches SUBQ_P_NET_CG_MAX_ITERATIONS still gives its iterate (read SUBQ_NET_STEP_CG_RESIDUAL).
 * @param layout, n, d, x, ldx, y, ldy, loss  As subq_net_step_gd_f64().
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_DIMENSION, SUBQ_ERR_LAYOUT, SUBQ_ERR_NUMERICAL (NaN/Inf in x or
 *         y; every point dead; a Gram not positive definite even with damping), SUBQ_ERR_INVALID_ARG (dtype
 *         suffix), SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: needs exclusive use of the handle.
 */
SUBQ_API subq_status subq_net_step_gn_f64(subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, const double *y, subq_index ldy,
                                          double *loss) SUBQ_WARN_UNUSED;
/** @brief As subq_net_step_gn_f64() for a float32 network. */
SUBQ_API subq_status subq_net_step_gn_f32(subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const float *x, subq_index ldx, const float *y, subq_index ldy,
                                          double *loss) SUBQ_WARN_UNUSED;

/**
 * @brief Train on n rows: SUBQ_P_NET_ITERATIONS steps of SUBQ_P_NET_SOLVER, each on a batch of
 *        SUBQ_P_NET_BATCH_SIZE rows (all rows when it is 0 or >= n; otherwise each epoch visits the rows in an
 *        order shuffled from SUBQ_P_SEED), stopping early once sqrt(loss / first loss) <= SUBQ_P_NET_TOLERANCE
 *        (the loss after the step for Gauss–Newton, before it for GD; with mini-batches an estimate).
 * @param layout, n, d, x, ldx, y, ldy  As subq_net_step_gd_f64(); n >= 1.
 * @param progress  Called after every iteration (may be NULL); a nonzero return cancels.
 * @param user_data Passed to `progress`.
 * @param iterations Out (may be NULL): iterations completed.
 * @return As subq_net_step_gn_f64(), and SUBQ_ERR_CANCELLED.
 * Thread safety: needs exclusive use of the handle. The callback runs on the calling thread.
 */
SUBQ_API subq_status subq_net_fit_f64(subq_net *net, subq_layout layout, subq_index n, subq_index d, const double *x,
                                      subq_index ldx, const double *y, subq_index ldy, subq_net_progress_fn progress,
                                      void *user_data, int64_t *iterations) SUBQ_WARN_UNUSED;
/** @brief As subq_net_fit_f64() for a float32 network. */
SUBQ_API subq_status subq_net_fit_f32(subq_net *net, subq_layout layout, subq_index n, subq_index d, const float *x,
                                      subq_index ldx, const float *y, subq_index ldy, subq_net_progress_fn progress,
                                      void *user_data, int64_t *iterations) SUBQ_WARN_UNUSED;

/**
 * @brief Save a network (its configuration, its weights with pending low-rank terms folded in, and the automatic
 *        GD step size) to a versioned binary file with a CRC-32 checksum. Written atomically: a temporary file in
 *        the same directory is renamed over `path` only once complete.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_IO. Thread safety: concurrent reads of the handle allowed.
 */
SUBQ_API subq_status subq_net_save(const subq_net *net, const char *path) SUBQ_WARN_UNUSED;

/**
 * @brief Load a network saved by subq_net_save(). Counters and statistics start empty.
 * @param out Out: the network, owned by the caller; NULL on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_IO (missing, truncated, corrupted (checksum) or malformed
 *         file), SUBQ_ERR_VERSION (a file format this library does not read), SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_net_load(const char *path, subq_net **out) SUBQ_WARN_UNUSED;

/**
 * @brief A fact about the last training step (GD or Gauss–Newton).
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (unknown key), SUBQ_ERR_STATE (no step yet).
 * Thread safety: concurrent reads allowed.
 */
SUBQ_API subq_status subq_net_step_info(const subq_net *net, subq_net_step_key key, double *value) SUBQ_WARN_UNUSED;

/**
 * @brief A statistic of layer `layer` (1..L) from the last training step.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (layer or key out of range), SUBQ_ERR_STATE (no step
 *         yet). Thread safety: concurrent reads allowed.
 */
SUBQ_API subq_status subq_net_layer_stat(const subq_net *net, subq_index layer, subq_net_stat key,
                                         double *value) SUBQ_WARN_UNUSED;

/**
 * @brief Work counted since creation or the last subq_net_reset_counters(), over all training steps.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (unknown phase or kind).
 * Thread safety: concurrent reads allowed.
 */
SUBQ_API subq_status subq_net_counter(const subq_net *net, subq_net_phase phase, subq_net_counter_kind kind,
                                      int64_t *value) SUBQ_WARN_UNUSED;

/** @brief Set every counter to zero. @return SUBQ_OK or SUBQ_ERR_NULL_POINTER.
 *  Thread safety: needs exclusive use of the handle. */
SUBQ_API subq_status subq_net_reset_counters(subq_net *net) SUBQ_WARN_UNUSED;

/**
 * @brief Copy W_l (including any pending lazy low-rank terms) as float64.
 * @param layer  1..L.
 * @param layout Layout of w.
 * @param w      m × m_{l−1} output (m_0 = d), caller-owned.
 * @param ldw    Leading dimension of w.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (layer), SUBQ_ERR_LAYOUT.
 * Thread safety: concurrent reads allowed.
 */
SUBQ_API subq_status subq_net_get_weights_f64(const subq_net *net, subq_index layer, subq_layout layout, double *w,
                                              subq_index ldw) SUBQ_WARN_UNUSED;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SUBQ_NET_H */
