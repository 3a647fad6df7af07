/**
 * @file sketch.h
 * @brief Base sketches (CountSketch, OSNAP, SRHT, Gaussian, TensorSketch, TensorSRHT) and the tree sketches of
 *        x^{⊗q} (recursive tree with identity, independent or shared leaves).
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * A sketch is a random linear map S: R^d -> R^m (for the tensor sketches, of x^{⊗p} or of a pair a⊗b) that
 * preserves squared norms in expectation: E‖Sx‖² = ‖x‖². It is a plan: subq_sketch_create() draws every random
 * object once from (type, dimensions, parameters, SUBQ_P_SEED); the apply functions then map n samples (rows) at a
 * time, any number of times, from any number of threads.
 *
 * Lifecycle:
 * @code
 *   subq_config *cfg = NULL;  subq_sketch *sk = NULL;  subq_index m = 0;
 *   subq_status st = subq_config_create(SUBQ_KIND_SKETCH, &cfg);
 *   if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_SRHT);
 *   if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_INPUT_DIM, 784);
 *   if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_OUTPUT_DIM, 4096);
 *   if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_SEED, 7);
 *   if (st == SUBQ_OK) st = subq_sketch_create(cfg, &sk);
 *   subq_config_destroy(cfg);
 *   if (st == SUBQ_OK) st = subq_sketch_output_dim(sk, &m);
 *   // z: n×m, row-major; x: n×784 row-major
 *   if (st == SUBQ_OK) st = subq_sketch_apply_f64(sk, SUBQ_ROW_MAJOR, n, 784, x, 784, z, m);
 *   subq_sketch_destroy(sk);
 * @endcode
 *
 * Definitions and scalings (design/algorithms.md §2; H_P is the unnormalised ±1 Walsh–Hadamard matrix, P the
 * smallest power of two >= the input dimension, inputs are zero-padded to P):
 *  - CountSketch: (Sx)_r = Σ_{i: h(i)=r} σ(i) x_i; unscaled; cost O(nnz(x)) per row.
 *  - OSNAP (block construction): m = s·b rows in s blocks of b; column i has one entry ±1/√s in each block t, at
 *    row t·b + h_t(i). SUBQ_P_OUTPUT_DIM is rounded up to a multiple of s = SUBQ_P_SPARSITY (default 4); query
 *    subq_sketch_output_dim(). Cost O(s·nnz(x)).
 *  - SRHT: S = m^{-1/2}·R·H_P·D_σ, R picks m rows of [P] uniformly WITH replacement (duplicates are part of the
 *    definition; m > P is allowed). Cost O(P log P + m).
 *  - Gaussian: G with i.i.d. N(0, 1/m) entries (stored, 12·d·m bytes); applied with BLAS-3 gemm to dense input.
 *  - TensorSketch of degree p = SUBQ_P_DEGREE: TS(x) = IFFT_m(Π_k FFT_m(C_k x)), the CountSketch of x^{⊗p} with
 *    hash (Σ_k h_k(i_k)) mod m and sign Π_k σ_k(i_k) (circular convolution); unscaled; E⟨TSx,TSy⟩ = ⟨x,y⟩^p.
 *  - TensorSRHT (degree 2): S(a⊗b)_k = m^{-1/2}·(H D₁a)_{p_k}·(H D₂b)_{q_k} with (p_k, q_k) uniform on [P₁]×[P₂],
 *    with replacement. a⊗b is never formed. E‖S(a⊗b)‖² = ‖a‖²‖b‖².
 *
 * Randomness: every hash, sign, index and Gaussian entry is a pure function of (SUBQ_P_SEED, its object path,
 * its index) through the Philox counter RNG. For input dimensions up to 2^20 (OSNAP and TensorSketch: while their
 * s·d or p·d entries stay <= 2^24) the hash and sign tables are built at create time; above that they are
 * recomputed on the fly from the index, with identical values, so no d-sized table is stored.
 *
 * Determinism: for a given seed and configuration the output is bit-identical whatever SUBQ_P_NUM_THREADS and
 * SUBQ_P_BLOCK_ROWS are (there are no cross-row reductions). The Gaussian sketch of dense input is one BLAS gemm:
 * its result depends only on the BLAS library and its thread count. Dense and CSR input of the same matrix give
 * bit-identical output for CountSketch, OSNAP, SRHT, TensorSketch and TensorSRHT when the CSR column indices of
 * each row are sorted and unique (otherwise they agree to rounding).
 *
 * Precision: all arithmetic is in float64; the float32 entry points convert their input to float64 and round
 * the output once (except the dense Gaussian path, which uses sgemm).
 *
 * Tree sketches of x^{⊗q} (a config of kind SUBQ_KIND_TREE_SKETCH, same handle type and apply functions):
 *  - The map sketches x̃^{⊗q} with x̃ = [√γ·x; √c] (γ = SUBQ_P_GAMMA, c = SUBQ_P_COEF0; the extra coordinate only
 *    when c > 0), so that E⟨z_x, z_y⟩ = (γ⟨x,y⟩ + c)^q for identity and independent leaves. x^{⊗q} is never formed.
 *  - Leaves (SUBQ_P_LEAF_MODE): SUBQ_LEAF_IDENTITY, every leaf is x̃ itself (exact, no leaf cost);
 *    SUBQ_LEAF_INDEPENDENT, q independent leaf maps d̃ → SUBQ_P_LEAF_DIM (the AKK+20 tree; each reads the data once);
 *    SUBQ_LEAF_SHARED, one leaf map T applied once, the tree then sketches (T x̃)^{⊗q} (the SWYZ21 construction:
 *    the data is read once whatever q; BIASED, E⟨z_x,z_y⟩ = E_T⟨Tx̃,Tỹ⟩^q, accurate when T embeds the data well);
 *    SUBQ_LEAF_AUTO (default) picks identity when the padded d̃ is at most 4·SUBQ_P_NODE_DIM, else independent.
 *    The choice depends on dimensions only, so one plan gives the same map for dense and sparse input.
 *  - Leaf maps (SUBQ_P_LEAF_TYPE): SRHT, CountSketch, OSNAP (SUBQ_P_SPARSITY) or OSNAP to SUBQ_P_LEAF_HASH_DIM
 *    followed by SRHT; auto is SRHT while the padded d̃ is at most 2^16, else OSNAP (O(nnz) on sparse input).
 *    Leaf width SUBQ_P_LEAF_DIM: by default SUBQ_P_NODE_DIM for independent leaves and
 *    SUBQ_P_NODE_DIM·clamp(4q, 8, 32) for a shared leaf (its bias compounds over the q factors; calibrated on
 *    Fashion-MNIST with OSNAP leaves, benchmarks/RESULTS.md); an SRHT leaf is capped at P(d̃), where it is exact.
 *  - Deviation from the textbook SRHT/TensorSRHT (AKK+20), inside tree sketches only: sample indices are drawn in
 *    random permutations of [P] (stratified: each index used ⌊m/P⌋ or ⌈m/P⌉ times) instead of independently with
 *    replacement. Every index is still uniform, so each node stays unbiased, and the sampling variance drops: an
 *    SRHT leaf with a multiple of P outputs is an exact isometry. Base sketches (SUBQ_KIND_SKETCH) are unchanged.
 *  - The degree is padded to q' = 2^⌈log₂ q⌉ with e₁ in the leaf output space (never zeros); subtrees made only of
 *    padding are constants computed at create time. Internal nodes (SUBQ_P_NODE_TYPE) are independent TensorSRHT
 *    (default) or degree-2 TensorSketch of width SUBQ_P_NODE_DIM; the root has width SUBQ_P_OUTPUT_DIM. Degree 1
 *    is one SRHT of the leaf to SUBQ_P_OUTPUT_DIM, or the leaf itself zero-padded (exact) when SUBQ_P_OUTPUT_DIM is
 *    at least the leaf width. One exception, for speed: in a TensorSRHT tree of degree >= 64 over identity or
 *    shared leaves of padded width >= 1024, the first-level nodes share one pair of signs (one Hadamard transform
 *    of the leaf per row instead of two per node) and draw their own indices; the sketch stays unbiased for
 *    identity leaves (each node is unbiased for any fixed signs), at a variance measured to be within seed noise on
 *    Fashion-MNIST (benchmarks/RESULTS.md), and such trees run 2–2.5x faster.
 *  - SUBQ_P_ALL_DEGREES = 1 outputs the sketches of degrees 1..q side by side (q·SUBQ_P_OUTPUT_DIM columns; block l
 *    holds degree l) from one leaf pass: leaf j is shared by every degree >= j, each block has its own nodes. Weight
 *    block l by √a_l to sketch Σ_l a_l (γ⟨x,y⟩ + c)^l.
 *  - Evaluation is depth-first per row chunk: live buffers O(leaf dim + log₂q · node dim) per row, independent of n.
 *  - Errors at create: SUBQ_ERR_PARAM_RANGE (degree outside [1, 1024], γ <= 0, c < 0, non-finite γ or c),
 *    SUBQ_ERR_INVALID_ARG (a leaf parameter given for identity leaves, SUBQ_P_LEAF_HASH_DIM without OSNAP→SRHT
 *    leaves), SUBQ_ERR_DIMENSION, SUBQ_ERR_OUT_OF_MEMORY (a plan above 4 GiB of node tables is refused up front).
 *  - Accuracy and speed on Fashion-MNIST: benchmarks/RESULTS.md ("Polynomial tree sketches").
 *
 * Non-finite input (NaN, ±Inf) is not checked (a check would cost as much as CountSketch itself): it propagates.
 * Every output entry that depends on a non-finite input entry is NaN or ±Inf; the others are unaffected. For
 * CountSketch and OSNAP that is the s rows the entry hashes to; for SRHT and TensorSRHT every output entry of the
 * row; for TensorSketch every entry of the row (through the FFT). No error is reported.
 */
#ifndef SUBQ_SKETCH_H
#define SUBQ_SKETCH_H

#include "subq/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct subq_sketch_s subq_sketch;

/** Types of base sketch, the values of SUBQ_P_SKETCH_TYPE. Pinned. */
typedef SUBQ_ENUM(subq_sketch_type) {
    SUBQ_SKETCH_COUNTSKETCH = 1,  /**< CountSketch, unscaled */
    SUBQ_SKETCH_OSNAP = 2,        /**< OSNAP, block construction, s = SUBQ_P_SPARSITY entries ±1/√s per column */
    SUBQ_SKETCH_SRHT = 3,         /**< subsampled randomised Hadamard transform, scale 1/√m */
    SUBQ_SKETCH_GAUSSIAN = 4,     /**< dense Gaussian, entries N(0, 1/m) */
    SUBQ_SKETCH_TENSORSKETCH = 5, /**< TensorSketch of degree SUBQ_P_DEGREE (circular FFT convolution), unscaled */
    SUBQ_SKETCH_TENSORSRHT = 6,   /**< TensorSRHT of degree 2, scale 1/√m */
    SUBQ_SKETCH_TREE = 7          /**< a tree sketch of x^{⊗q} (from a SUBQ_KIND_TREE_SKETCH config; not a value of
                                       SUBQ_P_SKETCH_TYPE) */
} subq_sketch_type;

/** How the leaves of a tree sketch read the data: the values of SUBQ_P_LEAF_MODE. Pinned. */
typedef SUBQ_ENUM(subq_leaf_mode) {
    SUBQ_LEAF_AUTO = 0,        /**< identity if the padded input is at most 4·SUBQ_P_NODE_DIM, else independent */
    SUBQ_LEAF_IDENTITY = 1,    /**< every leaf is x̃ itself: unbiased, no leaf cost (dense, low-dimensional data) */
    SUBQ_LEAF_INDEPENDENT = 2, /**< q independent leaf maps: unbiased; the data is read q times */
    SUBQ_LEAF_SHARED = 3       /**< one leaf map shared by all leaves: the data is read once; biased */
} subq_leaf_mode;

/** The leaf map of independent or shared leaves: the values of SUBQ_P_LEAF_TYPE. Pinned. */
typedef SUBQ_ENUM(subq_leaf_type) {
    SUBQ_LEAF_TYPE_AUTO = 0,        /**< SRHT while the padded input is at most 2^16, else OSNAP */
    SUBQ_LEAF_TYPE_COUNTSKETCH = 1, /**< CountSketch to SUBQ_P_LEAF_DIM */
    SUBQ_LEAF_TYPE_OSNAP = 2,       /**< OSNAP (SUBQ_P_SPARSITY) to SUBQ_P_LEAF_DIM (rounded up to a multiple of it) */
    SUBQ_LEAF_TYPE_SRHT = 3,        /**< SRHT to SUBQ_P_LEAF_DIM */
    SUBQ_LEAF_TYPE_OSNAP_SRHT = 4   /**< OSNAP to SUBQ_P_LEAF_HASH_DIM, then SRHT to SUBQ_P_LEAF_DIM */
} subq_leaf_type;

/**
 * @brief Create a sketch (the plan) from a config of kind SUBQ_KIND_SKETCH (a base sketch) or
 *        SUBQ_KIND_TREE_SKETCH (a tree sketch of x^{⊗q}; see the file overview).
 *
 * Keys read: SUBQ_P_SKETCH_TYPE, SUBQ_P_INPUT_DIM and SUBQ_P_OUTPUT_DIM (all three required), SUBQ_P_SEED,
 * SUBQ_P_NUM_THREADS, SUBQ_P_BLOCK_ROWS, SUBQ_P_DEGREE (TensorSketch p >= 1; TensorSRHT requires 2),
 * SUBQ_P_SPARSITY (OSNAP), SUBQ_P_INPUT_DIM2 (TensorSRHT and degree-2 TensorSketch; other types require 0 or
 * SUBQ_P_INPUT_DIM). Tree sketches read SUBQ_P_INPUT_DIM and SUBQ_P_OUTPUT_DIM (required), SUBQ_P_DEGREE,
 * SUBQ_P_ALL_DEGREES, SUBQ_P_LEAF_MODE, SUBQ_P_LEAF_TYPE, SUBQ_P_LEAF_DIM, SUBQ_P_LEAF_HASH_DIM, SUBQ_P_SPARSITY,
 * SUBQ_P_NODE_TYPE, SUBQ_P_NODE_DIM, SUBQ_P_GAMMA, SUBQ_P_COEF0, SUBQ_P_SEED, SUBQ_P_NUM_THREADS and
 * SUBQ_P_BLOCK_ROWS. The config may be destroyed right after the call.
 * Creation costs O(d + m) (hash/sign tables and sample indices), O(d·m) for the Gaussian matrix, and one FFTW
 * plan pair (FFTW_ESTIMATE, under a library-wide planner lock) for TensorSketch. A tree sketch costs the sum over
 * its leaves and its 2^⌈log₂ q⌉ - 1 nodes (about 12·(2 node inputs + output) bytes per node).
 * @param cfg Config of kind SUBQ_KIND_SKETCH; read-only, not retained.
 * @param out Out: the new sketch, owned by the caller (release with subq_sketch_destroy()); NULL on failure.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER (cfg or out NULL); SUBQ_ERR_INVALID_ARG (config of another kind, or
 *         SUBQ_P_SKETCH_TYPE not set, or a tree sketch error listed in the file overview); SUBQ_ERR_DIMENSION (input or output dimension 0, a padded dimension above
 *         2^31 for SRHT/TensorSRHT, or d·m overflowing for Gaussian); SUBQ_ERR_PARAM_RANGE (SUBQ_P_DEGREE other
 *         than 2 for TensorSRHT); SUBQ_ERR_UNSUPPORTED (SUBQ_P_INPUT_DIM2 differing from SUBQ_P_INPUT_DIM for a type
 *         without a second factor); SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe (distinct configs, or concurrent reads of one config).
 * Determinism: the same config (and library major version) gives the same sketch on every machine.
 * Since: 0.1
 */
SUBQ_API subq_status subq_sketch_create(const subq_config *cfg, subq_sketch **out) SUBQ_WARN_UNUSED;

/**
 * @brief Destroy a sketch; NULL is a no-op.
 * Thread safety: needs exclusive use of the handle (no apply may be running on it).
 * Since: 0.1
 */
SUBQ_API void subq_sketch_destroy(subq_sketch *sk);

/**
 * @brief Input dimension d (SUBQ_P_INPUT_DIM): the number of columns of x for the apply functions, and of a for
 *        subq_sketch_apply_pair_f64().
 * @param sk Sketch handle; not modified.
 * @param d  Out: the dimension.
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER.
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_sketch_input_dim(const subq_sketch *sk, subq_index *d) SUBQ_WARN_UNUSED;

/**
 * @brief Dimension of the second factor b of the pair apply: SUBQ_P_INPUT_DIM2 (or SUBQ_P_INPUT_DIM when that is 0)
 *        for TensorSRHT and degree-2 TensorSketch; 0 for types without a pair apply.
 * @param sk Sketch handle; not modified.
 * @param d2 Out: the dimension.
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER.
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_sketch_input_dim2(const subq_sketch *sk, subq_index *d2) SUBQ_WARN_UNUSED;

/**
 * @brief Output dimension m: the number of columns of z. Equals SUBQ_P_OUTPUT_DIM, except for OSNAP where it is
 *        rounded up to a multiple of SUBQ_P_SPARSITY.
 * @param sk Sketch handle; not modified.
 * @param m  Out: the dimension.
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER.
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_sketch_output_dim(const subq_sketch *sk, subq_index *m) SUBQ_WARN_UNUSED;

/**
 * @brief The type of a sketch (SUBQ_P_SKETCH_TYPE).
 * @param sk   Sketch handle; not modified.
 * @param type Out: the ::subq_sketch_type.
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER.
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_sketch_get_type(const subq_sketch *sk, subq_sketch_type *type) SUBQ_WARN_UNUSED;

/**
 * @brief A resolved integer parameter of a sketch: what it was created with, after defaults and `auto` choices.
 *
 * Keys: SUBQ_P_INPUT_DIM, SUBQ_P_OUTPUT_DIM (the actual width: OSNAP's rounded m; a tree's total over all
 * blocks), SUBQ_P_SEED, SUBQ_P_DEGREE (TensorSketch, TensorSRHT, tree), SUBQ_P_SPARSITY (OSNAP, and trees with
 * OSNAP or OSNAP→SRHT leaves), and for tree
 * sketches SUBQ_P_LEAF_MODE and SUBQ_P_LEAF_TYPE (never auto after resolution, except SUBQ_LEAF_TYPE_AUTO for
 * identity leaves, which have no leaf map), SUBQ_P_LEAF_DIM (the leaf output width; d̃ for identity leaves),
 * SUBQ_P_NODE_TYPE, SUBQ_P_NODE_DIM, SUBQ_P_ALL_DEGREES.
 * @param sk    Sketch handle; not modified.
 * @param key   The parameter.
 * @param value Out: its value. Unchanged on failure.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_UNKNOWN_PARAM (a key this sketch does not have).
 * Thread safety: thread-safe. Since: 0.1
 */
SUBQ_API subq_status subq_sketch_get_int(const subq_sketch *sk, subq_param key, int64_t *value) SUBQ_WARN_UNUSED;

/**
 * @brief Apply a sketch to n samples (rows of x), writing n rows of z: z_i = S x_i (TensorSketch: S x_i^{⊗p};
 *        TensorSRHT: S (x_i ⊗ x_i); tree sketch: Π x̃_i^{⊗q}).
 * @param sk     Sketch handle; not modified.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for both x and z.
 * @param n      Number of samples, n >= 0; n == 0 is a no-op (x and z may then be NULL).
 * @param d      Input dimension; must equal subq_sketch_input_dim(). For TensorSRHT and degree-2 TensorSketch the
 *               two factor dimensions must be equal (else use subq_sketch_apply_pair_f64()).
 * @param x      n×d input, caller-owned, read-only, not retained. Non-finite values propagate (see the file
 *               overview); they are not reported.
 * @param ldx    Leading dimension of x: >= d (row-major) or >= n (column-major).
 * @param z      n×m output, caller-owned, m = subq_sketch_output_dim(); every entry is overwritten. Must not
 *               overlap x.
 * @param ldz    Leading dimension of z: >= m (row-major) or >= n (column-major).
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER (sk NULL, or x or z NULL with n > 0); SUBQ_ERR_DIMENSION (n < 0, d not
 *         the input dimension, or sizes whose offsets overflow); SUBQ_ERR_LAYOUT (unknown layout, ld too small);
 *         SUBQ_ERR_UNSUPPORTED (a tensor sketch with unequal factor dimensions); SUBQ_ERR_OUT_OF_MEMORY.
 * Work is parallel over blocks of SUBQ_P_BLOCK_ROWS rows on SUBQ_P_NUM_THREADS threads; the dense Gaussian path
 * is one BLAS gemm (BLAS threads).
 * Thread safety: reentrant; concurrent calls on one handle are allowed.
 * Determinism: bit-identical for any SUBQ_P_NUM_THREADS and SUBQ_P_BLOCK_ROWS.
 * Since: 0.1
 */
SUBQ_API subq_status subq_sketch_apply_f64(const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d,
                                           const double *x, subq_index ldx, double *z,
                                           subq_index ldz) SUBQ_WARN_UNUSED;
/** @brief As subq_sketch_apply_f64(), for float32 data: the input is converted to float64, the arithmetic is in
 *         float64 and the output is rounded once to float32 (the dense Gaussian path uses sgemm). Since: 0.1 */
SUBQ_API subq_status subq_sketch_apply_f32(const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d,
                                           const float *x, subq_index ldx, float *z, subq_index ldz) SUBQ_WARN_UNUSED;

/**
 * @brief Apply a sketch to n sparse samples: the rows of an n×d CSR matrix. Work is O(nnz) for CountSketch and
 *        OSNAP (s·nnz), O(nnz·m) for Gaussian; the Hadamard and FFT sketches densify one row at a time.
 * @param sk         Sketch handle; not modified.
 * @param n          Number of rows, n >= 0.
 * @param d          Number of columns; must equal subq_sketch_input_dim().
 * @param indptr     n+1 offsets, indptr[0] = 0, non-decreasing; caller-owned, read-only, not retained.
 * @param indices    indptr[n] column indices in [0, d); duplicates within a row are summed. May be NULL if
 *                   indptr[n] = 0.
 * @param values     indptr[n] values; non-finite values propagate. May be NULL if indptr[n] = 0.
 * @param out_layout Layout of z: SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR.
 * @param z          n×m output, caller-owned; every entry is overwritten.
 * @param ldz        Leading dimension of z.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_DIMENSION; SUBQ_ERR_INVALID_ARG (indptr[0] != 0, decreasing
 *         offsets, a column index outside [0, d)); SUBQ_ERR_LAYOUT; SUBQ_ERR_UNSUPPORTED; SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: reentrant; concurrent calls on one handle are allowed.
 * Determinism: bit-identical for any SUBQ_P_NUM_THREADS and SUBQ_P_BLOCK_ROWS, and equal to the dense apply of
 * the same matrix (see the file overview).
 * Since: 0.1
 */
SUBQ_API subq_status subq_sketch_apply_csr_f64(const subq_sketch *sk, subq_index n, subq_index d,
                                               const subq_index *indptr, const subq_index *indices,
                                               const double *values, subq_layout out_layout, double *z,
                                               subq_index ldz) SUBQ_WARN_UNUSED;
/** @brief As subq_sketch_apply_csr_f64(), for float32 values and output (float64 arithmetic). Since: 0.1 */
SUBQ_API subq_status subq_sketch_apply_csr_f32(const subq_sketch *sk, subq_index n, subq_index d,
                                               const subq_index *indptr, const subq_index *indices,
                                               const float *values, subq_layout out_layout, float *z,
                                               subq_index ldz) SUBQ_WARN_UNUSED;

/**
 * @brief Sketch n pairs without forming their tensor products: z_i = S (a_i ⊗ b_i). TensorSRHT and degree-2
 *        TensorSketch only (a is the first factor: for TensorSketch, C_1 hashes a and C_2 hashes b).
 * @param sk     Sketch handle; not modified.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR, for a, b and z.
 * @param n      Number of pairs, n >= 0.
 * @param d1     Columns of a; must equal subq_sketch_input_dim().
 * @param a      n×d1, caller-owned, read-only.
 * @param lda    Leading dimension of a.
 * @param d2     Columns of b; must equal subq_sketch_input_dim2().
 * @param b      n×d2, caller-owned, read-only.
 * @param ldb    Leading dimension of b.
 * @param z      n×m output, caller-owned; must not overlap a or b.
 * @param ldz    Leading dimension of z.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER; SUBQ_ERR_DIMENSION; SUBQ_ERR_LAYOUT; SUBQ_ERR_UNSUPPORTED (another type,
 *         or TensorSketch of degree other than 2); SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: reentrant; concurrent calls on one handle are allowed.
 * Determinism: bit-identical for any SUBQ_P_NUM_THREADS and SUBQ_P_BLOCK_ROWS; subq_sketch_apply_f64(x) equals
 * the pair apply with a = b = x.
 * Since: 0.1
 */
SUBQ_API subq_status subq_sketch_apply_pair_f64(const subq_sketch *sk, subq_layout layout, subq_index n,
                                                subq_index d1, const double *a, subq_index lda, subq_index d2,
                                                const double *b, subq_index ldb, double *z,
                                                subq_index ldz) SUBQ_WARN_UNUSED;
/** @brief As subq_sketch_apply_pair_f64(), for float32 data (float64 arithmetic). Since: 0.1 */
SUBQ_API subq_status subq_sketch_apply_pair_f32(const subq_sketch *sk, subq_layout layout, subq_index n,
                                                subq_index d1, const float *a, subq_index lda, subq_index d2,
                                                const float *b, subq_index ldb, float *z,
                                                subq_index ldz) SUBQ_WARN_UNUSED;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SUBQ_SKETCH_H */
