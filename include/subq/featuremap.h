/**
 * @file featuremap.h
 * @brief Kernel feature maps (Z with ZZᵀ ≈ K) and exact kernel matrices: polynomial, Gaussian, arc-cosine of
 *        order 0 and 1, and the depth-L ReLU neural tangent kernel.
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * Kernels (x, y in R^d; t = ⟨x,y⟩/(‖x‖‖y‖), and t = 0 when either vector is zero):
 *  - SUBQ_KERNEL_POLYNOMIAL  (γ⟨x,y⟩ + c)^p, p = SUBQ_P_DEGREE, γ = SUBQ_P_GAMMA, c = SUBQ_P_COEF0.
 *  - SUBQ_KERNEL_GAUSSIAN    e^{−γ‖x−y‖²}.
 *  - SUBQ_KERNEL_ARCCOS0     κ₀(t) = 1 − arccos(t)/π (Cho–Saul order 0; homogeneity 0).
 *  - SUBQ_KERNEL_ARCCOS1     ‖x‖‖y‖·κ₁(t), κ₁(t) = (√(1−t²) + t(π − arccos t))/π (order 1).
 *  - SUBQ_KERNEL_NTK         ‖x‖‖y‖·Θ_L(t), the ReLU NTK of depth L = SUBQ_P_NTK_DEPTH with He scaling:
 *    Σ⁰ = K⁰ = t, Σ^h = κ₁(Σ^{h−1}), K^h = Σ^h + K^{h−1}·κ₀(Σ^{h−1}). SUBQ_NTK_BOTH_LAYERS (default): every layer
 *    trained, Θ_L = K^L (Θ_L(1) = L + 1; L = 1 gives t·κ₀(t) + κ₁(t)). SUBQ_NTK_FIRST_LAYER: only the first layer
 *    trained, Θ_L(t) = ½·t·Π_{h=1..L} κ₀(Σ^{h−1}(t)) (L = 1: t·κ₀(t)/2, Du et al.).
 *
 * Feature methods (SUBQ_P_FEATURE_METHOD):
 *  - SUBQ_FEATURES_TAYLOR (default): sketches of the kernel's Taylor series built from the tree sketches of
 *    sketch.h. The polynomial kernel is exact (one degree-p tree of [√γ·x; √c]). The others truncate the series
 *    after the smallest degree q_max whose tail is at most SUBQ_P_TAYLOR_TOLERANCE times k(1) (capped at
 *    SUBQ_P_MAX_DEGREE; subq_featuremap_truncation() reports q_max and the tail); column 0 is the exact degree-0
 *    term; the other D − 1 columns are blocks of SUBQ_P_GRANULARITY columns spread over the degrees 1..q_max by
 *    systematic sampling with probabilities ∝ c_ℓρ^ℓ and scaled so that every degree is unbiased
 *    (E⟨φ(x),φ(y)⟩ = k_{q_max}(x, y)); SUBQ_ALLOC_DETERMINISTIC rounds the counts instead (biased, less variance).
 *    Dot-product kernels sketch x/‖x‖ and multiply each row by ‖x‖^h; the Gaussian sketches z = √(2γ)·x (degree
 *    chosen for ‖x‖ <= SUBQ_P_RADIUS) and multiplies each row by e^{−γ‖x‖²}. One leaf pass serves every degree
 *    (SUBQ_P_LEAF_MODE: automatic = identity leaves for low-dimensional input, else one shared leaf map).
 *    No fit is needed (the map is oblivious).
 *  - SUBQ_FEATURES_RFF: random Fourier features of the Gaussian kernel (Gaussian only). No fit is needed.
 *  - SUBQ_FEATURES_NYSTROM: Nyström features φ(x) = K(x, L)·U·Λ^{−1/2} for landmarks L (K(L,L) = UΛUᵀ, tiny
 *    eigenvalues dropped); any kernel. Needs subq_featuremap_fit_f64() (uniform landmarks from the data) or
 *    subq_featuremap_set_landmarks_f64() (the caller's) before transforming.
 *
 * Determinism: the same config gives the same map on every machine; transforms are bit-identical for any
 * SUBQ_P_NUM_THREADS and SUBQ_P_BLOCK_ROWS (the RFF and Nyström paths use BLAS: bit-identical for a fixed BLAS
 * library and thread count). Transforms reject NaN/Inf input (SUBQ_ERR_NUMERICAL, naming the row, before writing
 * anything). A zero row is valid input: its direction is taken as 0, so Taylor features keep only the degree-0
 * column (times ‖x‖^h: zero for arc-cosine 1 and the NTK, √½ for arc-cosine 0), matching the exact kernels.
 * Accuracy and speed on Fashion-MNIST: benchmarks/RESULTS.md ("Kernel feature maps").
 */
#ifndef SUBQ_FEATUREMAP_H
#define SUBQ_FEATUREMAP_H

#include "subq/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct subq_featuremap_s subq_featuremap;

/** Kernels: the values of SUBQ_P_KERNEL. Pinned. */
typedef SUBQ_ENUM(subq_kernel) {
    SUBQ_KERNEL_POLYNOMIAL = 1, /**< (γ⟨x,y⟩ + c)^p */
    SUBQ_KERNEL_GAUSSIAN = 2,   /**< e^{−γ‖x−y‖²} */
    SUBQ_KERNEL_ARCCOS0 = 3,    /**< arc-cosine kernel of order 0 */
    SUBQ_KERNEL_ARCCOS1 = 4,    /**< arc-cosine kernel of order 1 */
    SUBQ_KERNEL_NTK = 5         /**< ReLU neural tangent kernel of depth SUBQ_P_NTK_DEPTH */
} subq_kernel;

/** Which layers of the ReLU network the NTK trains: the values of SUBQ_P_NTK_CONVENTION. Pinned. */
typedef SUBQ_ENUM(subq_ntk_convention) {
    SUBQ_NTK_FIRST_LAYER = 1, /**< only the first layer: ½·t·Π κ₀(Σ^{h−1}) */
    SUBQ_NTK_BOTH_LAYERS = 2  /**< every layer (default): K^L */
} subq_ntk_convention;

/** Feature methods: the values of SUBQ_P_FEATURE_METHOD. Pinned. */
typedef SUBQ_ENUM(subq_feature_method) {
    SUBQ_FEATURES_TAYLOR = 1,  /**< sketched Taylor series (tree sketches), oblivious; the default */
    SUBQ_FEATURES_RFF = 2,     /**< random Fourier features (Gaussian kernel only), oblivious */
    SUBQ_FEATURES_NYSTROM = 3  /**< Nyström with landmarks; needs a fit */
} subq_feature_method;

/** Taylor features: how blocks are spread over degrees, the values of SUBQ_P_DEGREE_ALLOCATION. Pinned. */
typedef SUBQ_ENUM(subq_degree_allocation) {
    SUBQ_ALLOC_SAMPLED = 0,      /**< systematic sampling; unbiased (default) */
    SUBQ_ALLOC_DETERMINISTIC = 1 /**< rounded expected counts; biased, less variance */
} subq_degree_allocation;

/**
 * @brief Create a feature map (the plan) from a config of kind SUBQ_KIND_FEATUREMAP.
 *
 * Keys read: SUBQ_P_KERNEL, SUBQ_P_INPUT_DIM d and SUBQ_P_OUTPUT_DIM D (required; D >= 2 for Taylor features),
 * SUBQ_P_FEATURE_METHOD, SUBQ_P_GAMMA, SUBQ_P_COEF0, SUBQ_P_DEGREE (polynomial), SUBQ_P_NTK_DEPTH,
 * SUBQ_P_NTK_CONVENTION, SUBQ_P_GRANULARITY, SUBQ_P_TAYLOR_TOLERANCE, SUBQ_P_MAX_DEGREE, SUBQ_P_DEGREE_ALLOCATION,
 * SUBQ_P_RADIUS, SUBQ_P_LEAF_MODE, SUBQ_P_SEED, SUBQ_P_NUM_THREADS, SUBQ_P_BLOCK_ROWS.
 * @param cfg Config of kind SUBQ_KIND_FEATUREMAP; read-only, not retained.
 * @param out Out: the new feature map, owned by the caller (subq_featuremap_destroy()); NULL on failure.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_INVALID_ARG (another kind, SUBQ_P_KERNEL not set);
 *         SUBQ_ERR_PARAM_RANGE (γ <= 0, depth or degree out of range, tolerance or radius invalid);
 *         SUBQ_ERR_UNSUPPORTED (SUBQ_FEATURES_RFF with a kernel other than the Gaussian); SUBQ_ERR_DIMENSION;
 *         SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_create(const subq_config *cfg, subq_featuremap **out) SUBQ_WARN_UNUSED;

/** @brief Destroy a feature map; NULL is a no-op. Thread safety: needs exclusive use of the handle. Since: 0.1 */
SUBQ_API void subq_featuremap_destroy(subq_featuremap *fm);

/**
 * @brief Input dimension d and output dimension D (the columns of z). For Nyström D is the number of landmarks,
 *        known after a fit (before it: SUBQ_P_OUTPUT_DIM).
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER. Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_input_dim(const subq_featuremap *fm, subq_index *d) SUBQ_WARN_UNUSED;
/** @copydoc subq_featuremap_input_dim */
SUBQ_API subq_status subq_featuremap_output_dim(const subq_featuremap *fm, subq_index *m) SUBQ_WARN_UNUSED;

/**
 * @brief Taylor features: the truncation degree q_max, the tail bound T = Σ_{ℓ > q_max} c_ℓρ^ℓ (|k − k_{q_max}| <= T
 *        per entry, times ‖x‖^h‖y‖^h or e^{−γ‖x‖²}e^{−γ‖y‖²}), and whether SUBQ_P_MAX_DEGREE stopped the degree
 *        before SUBQ_P_TAYLOR_TOLERANCE was met. The polynomial kernel reports (p, 0, 0).
 * @param fm        Feature map; not modified.
 * @param degree    Out (may be NULL): q_max.
 * @param tail      Out (may be NULL): T.
 * @param cap_binds Out (may be NULL): 1 if the cap binds, else 0.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER (fm NULL); SUBQ_ERR_UNSUPPORTED (not Taylor features).
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_truncation(const subq_featuremap *fm, int64_t *degree, double *tail,
                                                int *cap_binds) SUBQ_WARN_UNUSED;

/**
 * @brief Nyström: choose landmarks uniformly (without replacement, from SUBQ_P_SEED) among the n rows of x and
 *        compute K(L, L) (its eigendecomposition waits for the first transform). Taylor and RFF maps need no fit; for them this only checks the dimensions.
 * @param fm     Feature map; modified (exclusive use).
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR.
 * @param n      Rows, n >= 1. If n < SUBQ_P_OUTPUT_DIM every row is a landmark and the output dimension is n.
 * @param d      Must equal the input dimension.
 * @param x      n×d data, caller-owned, read-only, not retained; must be finite.
 * @param ldx    Leading dimension.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_DIMENSION; SUBQ_ERR_LAYOUT; SUBQ_ERR_NUMERICAL (non-finite x);
 *         SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: needs exclusive use of the handle. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_fit_f64(subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                             const double *x, subq_index ldx) SUBQ_WARN_UNUSED;

/** @brief As subq_featuremap_fit_f64() for float32 data (landmarks are stored in float64). Since: 0.1 */
SUBQ_API subq_status subq_featuremap_fit_f32(subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                             const float *x, subq_index ldx) SUBQ_WARN_UNUSED;

/**
 * @brief Nyström: use the k rows of `landmarks` as landmarks (output dimension k). SUBQ_ERR_UNSUPPORTED for other
 *        methods. Arguments as subq_featuremap_fit_f64(). Thread safety: exclusive use. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_set_landmarks_f64(subq_featuremap *fm, subq_layout layout, subq_index k,
                                                       subq_index d, const double *landmarks,
                                                       subq_index ld) SUBQ_WARN_UNUSED;

/**
 * @brief Features of n samples: z_i = φ(x_i).
 * @param fm     Feature map; not modified.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for x and z.
 * @param n      Rows, n >= 0 (0 is a no-op).
 * @param d      Must equal the input dimension.
 * @param x      n×d, caller-owned, read-only.
 * @param ldx    Leading dimension of x.
 * @param z      n×D output, caller-owned, every entry overwritten; must not overlap x.
 * @param ldz    Leading dimension of z.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_DIMENSION; SUBQ_ERR_LAYOUT; SUBQ_ERR_STATE (Nyström before a
 *         fit); SUBQ_ERR_NUMERICAL (a NaN or infinite entry; Taylor and Nyström); SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: reentrant; concurrent transforms on one handle are allowed. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_transform_f64(const subq_featuremap *fm, subq_layout layout, subq_index n,
                                                   subq_index d, const double *x, subq_index ldx, double *z,
                                                   subq_index ldz) SUBQ_WARN_UNUSED;
/** @brief As subq_featuremap_transform_f64() for float32 data (float64 arithmetic, one rounding). Since: 0.1 */
SUBQ_API subq_status subq_featuremap_transform_f32(const subq_featuremap *fm, subq_layout layout, subq_index n,
                                                   subq_index d, const float *x, subq_index ldx, float *z,
                                                   subq_index ldz) SUBQ_WARN_UNUSED;

/**
 * @brief Features of the rows of an n×d CSR matrix (arguments as subq_sketch_apply_csr_f64()); equal to the dense
 *        transform of the same matrix when column indices are sorted and unique.
 * @return As subq_featuremap_transform_f64(), plus SUBQ_ERR_INVALID_ARG for malformed CSR. Since: 0.1
 */
SUBQ_API subq_status subq_featuremap_transform_csr_f64(const subq_featuremap *fm, subq_index n, subq_index d,
                                                       const subq_index *indptr, const subq_index *indices,
                                                       const double *values, subq_layout out_layout, double *z,
                                                       subq_index ldz) SUBQ_WARN_UNUSED;
/** @brief As subq_featuremap_transform_csr_f64() for float32 values and output. Since: 0.1 */
SUBQ_API subq_status subq_featuremap_transform_csr_f32(const subq_featuremap *fm, subq_index n, subq_index d,
                                                       const subq_index *indptr, const subq_index *indices,
                                                       const float *values, subq_layout out_layout, float *z,
                                                       subq_index ldz) SUBQ_WARN_UNUSED;

/**
 * @brief The exact kernel matrix K_ij = k(x_i, y_j) between the n rows of x and the m rows of y (blocked, BLAS).
 * @param cfg    A SUBQ_KIND_FEATUREMAP config: SUBQ_P_KERNEL and its parameters are read, the rest ignored.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for x, y and k.
 * @param n, m   Rows of x and y (>= 0).
 * @param d      Columns of x and y.
 * @param x, ldx n×d and its leading dimension; y, ldy: m×d.
 * @param k, ldk n×m output and its leading dimension; every entry overwritten.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_INVALID_ARG (kind, kernel unset); SUBQ_ERR_PARAM_RANGE;
 *         SUBQ_ERR_DIMENSION; SUBQ_ERR_LAYOUT; SUBQ_ERR_NUMERICAL (a non-finite entry of x or y, named by row).
 * Thread safety: thread-safe. Determinism: bit-identical for a fixed BLAS library and thread count. Since: 0.1
 */
SUBQ_API subq_status subq_kernel_gram_f64(const subq_config *cfg, subq_layout layout, subq_index n, subq_index m,
                                          subq_index d, const double *x, subq_index ldx, const double *y,
                                          subq_index ldy, double *k, subq_index ldk) SUBQ_WARN_UNUSED;
/** @brief As subq_kernel_gram_f64() for float32 data (float64 arithmetic, one rounding). Since: 0.1 */
SUBQ_API subq_status subq_kernel_gram_f32(const subq_config *cfg, subq_layout layout, subq_index n, subq_index m,
                                          subq_index d, const float *x, subq_index ldx, const float *y,
                                          subq_index ldy, float *k, subq_index ldk) SUBQ_WARN_UNUSED;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SUBQ_FEATUREMAP_H */
