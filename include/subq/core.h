/**
 * @file core.h
 * @brief subq core: export macros, basic types, status codes, errors, versions, configuration, build info.
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * Conventions that hold for every subq function:
 *  - Every fallible function returns a ::subq_status. On failure, subq_last_error_message() names the function,
 *    the argument and the violated condition. No function aborts, prints or lets a C++ exception escape.
 *  - Handles are opaque. `subq_<object>_create` writes the new handle through an out-parameter (NULL on
 *    failure); `subq_<object>_destroy` accepts NULL.
 *  - Arrays are owned by the caller. Dense matrices are passed as (layout, rows, cols, pointer, leading
 *    dimension); samples are rows. Sparse matrices are CSR with int64 (::subq_index) offsets and indices.
 *  - Objects are configured with a ::subq_config of keyed, typed parameters (::subq_param). Unset keys take
 *    their documented default.
 *  - Randomness is a pure function of SUBQ_P_SEED: the same seed gives bit-identical results whatever the
 *    thread count.
 */
#ifndef SUBQ_CORE_H
#define SUBQ_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "subq/version.h"

#if defined(SUBQ_STATIC)
#define SUBQ_API
#elif defined(_WIN32)
#if defined(SUBQ_BUILDING)
#define SUBQ_API __declspec(dllexport)
#else
#define SUBQ_API __declspec(dllimport)
#endif
#else
#define SUBQ_API __attribute__((visibility("default")))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SUBQ_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define SUBQ_WARN_UNUSED
#endif

/* Public enums: in C++ they get `int` as fixed underlying type, so that any int a C caller passes is a valid value
 * of the enum type (and is rejected with a status) rather than undefined behaviour. In C they are plain enums. */
#ifdef __cplusplus
#define SUBQ_ENUM(name) enum name : int
#else
#define SUBQ_ENUM(name) enum name
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Every size, index and leading dimension. */
typedef int64_t subq_index;

/** Storage order of a dense matrix; the values are LAPACKE's. */
typedef SUBQ_ENUM(subq_layout) { SUBQ_ROW_MAJOR = 101, SUBQ_COL_MAJOR = 102 } subq_layout;

/** Element type of an array. */
typedef SUBQ_ENUM(subq_dtype) { SUBQ_F32 = 1, SUBQ_F64 = 2 } subq_dtype;

/** Status of a call. Values are pinned and append-only. */
typedef SUBQ_ENUM(subq_status) {
    SUBQ_OK = 0,                /**< success */
    SUBQ_ERR_INVALID_ARG = 1,   /**< an argument is invalid (e.g. an unknown enum value, NaN where forbidden) */
    SUBQ_ERR_NULL_POINTER = 2,  /**< a required pointer is NULL */
    SUBQ_ERR_DIMENSION = 3,     /**< a size is zero, negative, mismatched, or its products overflow */
    SUBQ_ERR_LAYOUT = 4,        /**< an unknown layout or a leading dimension too small for it */
    SUBQ_ERR_UNKNOWN_PARAM = 5, /**< a parameter key unknown, or foreign to the config's kind */
    SUBQ_ERR_PARAM_TYPE = 6,    /**< an integer key set as a double, or the reverse */
    SUBQ_ERR_PARAM_RANGE = 7,   /**< a parameter value outside its documented bounds */
    SUBQ_ERR_OUT_OF_MEMORY = 8, /**< an allocation failed */
    SUBQ_ERR_NOT_CONVERGED = 9, /**< an iterative method reached its iteration limit */
    SUBQ_ERR_NUMERICAL = 10,    /**< non-finite input or a numerical breakdown */
    SUBQ_ERR_STATE = 11,        /**< the handle is not in a state that allows the call */
    SUBQ_ERR_UNSUPPORTED = 12,  /**< the combination of options is not supported */
    SUBQ_ERR_IO = 13,           /**< a file could not be read or written, or is malformed */
    SUBQ_ERR_VERSION = 14,      /**< a file or library version mismatch */
    SUBQ_ERR_CANCELLED = 15,    /**< a progress callback asked to stop */
    SUBQ_ERR_INTERNAL = 99      /**< a bug in subq; please report it with the message */
} subq_status;

/* ------------------------------------------------------------------------------------------------------------ */
/* Errors and versions                                                                                          */
/* ------------------------------------------------------------------------------------------------------------ */

/**
 * @brief Short English name of a status, e.g. "dimension error".
 * @return Static storage, never NULL; "unknown status" for values not in ::subq_status.
 * Thread safety: thread-safe. Does not change the last-error message.
 */
SUBQ_API const char *subq_status_string(subq_status st);

/**
 * @brief Message of the last failed subq call on the calling thread, or "" if the last call succeeded.
 *
 * Messages name the function, the argument and the violated condition, e.g.
 * "subq_config_set_int: SUBQ_P_NUM_THREADS = -1 is outside [0, 1024]".
 * @return Thread-local storage, valid until the next subq call on the same thread; never NULL.
 * Thread safety: thread-safe; each thread sees its own message. This function and subq_status_string() do not
 * reset the message.
 */
SUBQ_API const char *subq_last_error_message(void);

/** @brief Release version of the library as MAJOR*10000 + MINOR*100 + PATCH (compare with SUBQ_VERSION_NUMBER).
 *  Callable before any other function. Thread safety: thread-safe. */
SUBQ_API unsigned subq_version_number(void);
/** @brief Release version of the library as "MAJOR.MINOR.PATCH"; static storage. Thread safety: thread-safe. */
SUBQ_API const char *subq_version_string(void);
/** @brief ABI major version of the library (equals SUBQ_ABI_VERSION of matching headers). Thread-safe. */
SUBQ_API unsigned subq_abi_version(void);

/**
 * @brief Release memory that subq allocated for the caller (only where a function's documentation says so).
 * @param p Pointer returned by subq, or NULL (a no-op).
 * Thread safety: thread-safe.
 */
SUBQ_API void subq_free(void *p);

/* ------------------------------------------------------------------------------------------------------------ */
/* Build and runtime information                                                                                */
/* ------------------------------------------------------------------------------------------------------------ */

/** Keys of subq_info_string() and subq_info_int(). Values are pinned. */
typedef SUBQ_ENUM(subq_info) {
    SUBQ_INFO_BUILD_TYPE = 1,     /**< string: CMake build type of the library, e.g. "Release" */
    SUBQ_INFO_BLAS_VENDOR = 2,    /**< string: BLAS vendor and version, e.g. "OpenBLAS 0.3.21" */
    SUBQ_INFO_BLAS_CONFIG = 3,    /**< string: the BLAS library's own configuration string (core, threading) */
    SUBQ_INFO_FFTW_VERSION = 4,   /**< string: FFTW version string, e.g. "fftw-3.3.10-sse2-avx" */
    SUBQ_INFO_COMPILER = 5,       /**< string: compiler that built the library */
    SUBQ_INFO_BLAS_THREADS = 100, /**< int: threads the BLAS currently uses (a process-wide BLAS setting) */
    SUBQ_INFO_MAX_THREADS = 101,  /**< int: threads subq uses when SUBQ_P_NUM_THREADS is 0 (OpenMP's maximum) */
    SUBQ_INFO_SIMD_WIDTH = 102    /**< int: bytes per SIMD vector of the widest kernels the library runs on this CPU
                                       (16, 32 or 64): the build's target, or wider where a kernel picks its
                                       instruction set at run time (the FWHT 32 with AVX2, the training forward's
                                       column sums 64 with AVX-512F) */
} subq_info;

/**
 * @brief A string fact about the library build or its runtime.
 * @param key   One of the string keys of ::subq_info.
 * @param value Out: static storage, never freed by the caller. Set to NULL on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER (value NULL), SUBQ_ERR_INVALID_ARG (unknown key or an int key).
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_info_string(subq_info key, const char **value) SUBQ_WARN_UNUSED;

/**
 * @brief An integer fact about the library build or its runtime.
 * @param key   One of the int keys of ::subq_info.
 * @param value Out: the value. Unchanged on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER (value NULL), SUBQ_ERR_INVALID_ARG (unknown key or a string key).
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_info_int(subq_info key, int64_t *value) SUBQ_WARN_UNUSED;

/* ------------------------------------------------------------------------------------------------------------ */
/* Configuration: keyed, typed parameters                                                                       */
/* ------------------------------------------------------------------------------------------------------------ */

typedef struct subq_config_s subq_config;

/** What a config configures. Values are pinned. */
typedef SUBQ_ENUM(subq_kind) {
    SUBQ_KIND_SKETCH = 1,      /**< a base sketch (CountSketch, OSNAP, SRHT, Gaussian, TensorSketch, TensorSRHT) */
    SUBQ_KIND_TREE_SKETCH = 2, /**< a sketch of x^{⊗q} (recursive tree, shared leaf) */
    SUBQ_KIND_FEATUREMAP = 3,  /**< a kernel feature map */
    SUBQ_KIND_KRR = 4,         /**< kernel ridge regression */
    SUBQ_KIND_NET = 5,         /**< a wide ReLU network */
    SUBQ_KIND_DATASET = 6      /**< options for reading a data file (subq_dataset_load()) */
} subq_kind;

/**
 * Parameter keys. Values are pinned, never renumbered or reused. Each key documents its type, bounds, default
 * and the kinds that accept it; subq_param_bounds() returns the bounds at run time.
 */
typedef SUBQ_ENUM(subq_param) {
    /* 1–99: common to every kind */
    /** int in [0, 2^63-1], default 0. Seed of every random object of the handle (reinterpreted as uint64). */
    SUBQ_P_SEED = 1,
    /** int in [0, 1024], default 0. Threads of subq's own parallel regions; 0 = OpenMP's maximum at call time.
     *  Results do not depend on it. */
    SUBQ_P_NUM_THREADS = 2,
    /** int in [0, 2^20], default 0 (= 256; kernel ridge regression: about 2^25 feature entries per block, 256..8192
     *  rows). Rows processed per block; results do not depend on it (KRR: up to rounding, see krr.h). */
    SUBQ_P_BLOCK_ROWS = 4,
    /** int, a ::subq_dtype, default SUBQ_F32 (1). Storage type of a network's weights (SUBQ_KIND_NET). */
    SUBQ_P_DTYPE = 3,
    /* 100–199 sketch, 200–299 featuremap, 300–399 krr, 400–499 net; 900–999 experimental */

    /* 100–199: sketches (SUBQ_KIND_SKETCH, SUBQ_KIND_TREE_SKETCH); see sketch.h */
    /** int in [0, 2^62], default 0 (unset: create fails). Input dimension d: the length of each input row (for
     *  TensorSketch/TensorSRHT the dimension of x in x^{⊗p}, or of the first factor a of a pair a⊗b). */
    SUBQ_P_INPUT_DIM = 100,
    /** int in [0, 2^31-1], default 0 (unset: create fails). Output dimension m (OSNAP rounds it up to a multiple
     *  of SUBQ_P_SPARSITY). Tree sketch: the width D of the degree-q block (of every block with
     *  SUBQ_P_ALL_DEGREES). */
    SUBQ_P_OUTPUT_DIM = 101,
    /** int in [0, 6], default 0 (unset: create fails). A ::subq_sketch_type (sketch.h). SUBQ_KIND_SKETCH only. */
    SUBQ_P_SKETCH_TYPE = 102,
    /** int in [1, 1024], default 2. Degree p: TensorSketch sketches x^{⊗p}; TensorSRHT requires 2; other base
     *  sketches ignore it. Tree sketch: the degree q. */
    SUBQ_P_DEGREE = 103,
    /** int, a ::subq_leaf_mode (sketch.h), default SUBQ_LEAF_AUTO (0). Tree sketch: how leaves read the data. */
    SUBQ_P_LEAF_MODE = 104,
    /** int in [0, 2^30], default 0 (independent leaves: SUBQ_P_NODE_DIM; a shared leaf:
     *  SUBQ_P_NODE_DIM·clamp(4q, 8, 32); SRHT leaves at most P(d̃)). Tree sketch: the output dimension of each leaf
     *  map (not for identity leaves). */
    SUBQ_P_LEAF_DIM = 105,
    /** int, SUBQ_SKETCH_TENSORSRHT (6, default) or SUBQ_SKETCH_TENSORSKETCH (5). Tree sketch: the internal nodes. */
    SUBQ_P_NODE_TYPE = 106,
    /** int in [1, 1024], default 4. OSNAP: nonzeros per column s (one per block of m/s rows); ignored by other
     *  types. */
    SUBQ_P_SPARSITY = 107,
    /** int in [0, 2^62], default 0 (= SUBQ_P_INPUT_DIM). Dimension of the second factor b of a pair a⊗b
     *  (TensorSRHT; TensorSketch of degree 2). Other types require 0 or SUBQ_P_INPUT_DIM. */
    SUBQ_P_INPUT_DIM2 = 108,
    /** int, a ::subq_leaf_type (sketch.h), default SUBQ_LEAF_TYPE_AUTO (0). Tree sketch: the leaf map (independent
     *  or shared leaves). */
    SUBQ_P_LEAF_TYPE = 109,
    /** int in [0, 2^30], default 0 (= 4·SUBQ_P_LEAF_DIM). Tree sketch with SUBQ_LEAF_TYPE_OSNAP_SRHT leaves: the
     *  OSNAP stage's output dimension (the SRHT's input). */
    SUBQ_P_LEAF_HASH_DIM = 110,
    /** int in [0, 2^30], default 0 (= the smallest power of two >= SUBQ_P_OUTPUT_DIM). Tree sketch: the output
     *  width w of every internal node below the root. */
    SUBQ_P_NODE_DIM = 111,
    /** int in [0, 1], default 0. Tree sketch: 1 = output the sketches of every degree 1..q side by side (q blocks
     *  of SUBQ_P_OUTPUT_DIM columns, block l for degree l), from one pass over the data. */
    SUBQ_P_ALL_DEGREES = 112,

    /* 200–299: kernels and feature maps (SUBQ_KIND_FEATUREMAP; the tree sketch shares some); see featuremap.h */
    /** int, a ::subq_kernel (featuremap.h), default 0 (unset: create fails). The kernel. */
    SUBQ_P_KERNEL = 200,
    /** double in [0, 1e300], default 1; must be > 0. Polynomial (γ⟨x,y⟩ + c)^q (also the tree sketch's γ) and
     *  Gaussian e^{−γ‖x−y‖²}. */
    SUBQ_P_GAMMA = 201,
    /** double in [0, 1e300], default 0. Offset c of the polynomial kernel (γ⟨x,y⟩ + c)^q. */
    SUBQ_P_COEF0 = 202,
    /** int in [1, 64], default 1. Depth L of the ReLU NTK. */
    SUBQ_P_NTK_DEPTH = 203,
    /** int, a ::subq_ntk_convention, default SUBQ_NTK_BOTH_LAYERS (2). Which layers of the network are trained. */
    SUBQ_P_NTK_CONVENTION = 204,
    /** int, a ::subq_feature_method, default SUBQ_FEATURES_TAYLOR (1). How features are made. */
    SUBQ_P_FEATURE_METHOD = 205,
    /** int in [1, 2^30], default 64. Taylor features: columns per degree block (granularity g); larger is faster
     *  and less accurate for slowly decaying series (benchmarks/RESULTS.md). */
    SUBQ_P_GRANULARITY = 206,
    /** double in [0, 1], default 1e-3. Taylor features: the degree q_max is the smallest with tail <= τ·k(1). */
    SUBQ_P_TAYLOR_TOLERANCE = 207,
    /** int in [0, 1024], default 0 (= 64 for the Gaussian, 1024 otherwise). Taylor features: cap on q_max. */
    SUBQ_P_MAX_DEGREE = 208,
    /** int, a ::subq_degree_allocation, default SUBQ_ALLOC_SAMPLED (0). Taylor features: blocks per degree. */
    SUBQ_P_DEGREE_ALLOCATION = 209,
    /** double in [0, 1e300], default 1; must be > 0. Gaussian Taylor features: rows are assumed to have ‖x‖ <= R
     *  (the degree is chosen for ⟨z_x,z_y⟩ <= 2γR²); larger rows get more truncation error than reported. */
    SUBQ_P_RADIUS = 210,

    /* 300–399: kernel ridge regression (SUBQ_KIND_KRR); see krr.h */
    /** double in [0, 1e300], default 0 (= choose λ by SUBQ_P_LAMBDA_SELECT). The ridge λ (units of (K + λI)α = Y). */
    SUBQ_P_LAMBDA = 300,
    /** int, a ::subq_lambda_select (krr.h), default SUBQ_LAMBDA_HOLDOUT (1). */
    SUBQ_P_LAMBDA_SELECT = 301,
    /** double in [1e-6, 0.999999], default 0.2. Fraction of the rows held out to choose λ. */
    SUBQ_P_HOLDOUT_FRACTION = 302,
    /** double in [1e-300, 1e300], default 1e-6. Smallest λ of the grid, relative to the mean of k(x_i, x_i). */
    SUBQ_P_LAMBDA_GRID_MIN = 303,
    /** double in [1e-300, 1e300], default 1. Largest λ of the grid, relative to the mean of k(x_i, x_i). */
    SUBQ_P_LAMBDA_GRID_MAX = 304,
    /** int in [1, 1000], default 7. λ values of the grid (log-spaced, both ends included). */
    SUBQ_P_LAMBDA_GRID_POINTS = 305,
    /** int, a ::subq_krr_solver (krr.h), default SUBQ_KRR_AUTO (0). */
    SUBQ_P_KRR_SOLVER = 306,
    /** int, a ::subq_holdout_score (krr.h), default SUBQ_SCORE_SQUARED_ERROR (1). How held-out rows score a λ. */
    SUBQ_P_HOLDOUT_SCORE = 307,
    /** int in [0, 2^30], default 0 (= 2·D). Rows of the OSNAP sketch behind the PCG preconditioner. */
    SUBQ_P_KRR_SKETCH_ROWS = 308,
    /** double in [1e-15, 0.5], default 1e-8. PCG: relative residual per output. */
    SUBQ_P_KRR_TOLERANCE = 309,
    /** int in [1, 1000000], default 500. PCG: iteration limit. */
    SUBQ_P_KRR_MAX_ITERATIONS = 310,

    /* 400–499: networks (SUBQ_KIND_NET); see net.h. SUBQ_P_INPUT_DIM gives their input dimension d. */
    /** int in [1, 2^31-1], required. Width m of every hidden layer. */
    SUBQ_P_NET_WIDTH = 400,
    /** int in [1, 64], default 2. Number L of trained weight matrices. */
    SUBQ_P_NET_DEPTH = 401,
    /** int in [1, 2^20], default 1. Number k of outputs (one per class for classification). */
    SUBQ_P_NET_OUTPUTS = 402,
    /** double in [-10, 10]. Threshold b of the shifted ReLU; unset means sqrt(0.4 ln m). */
    SUBQ_P_NET_THRESHOLD = 403,
    /** double in [0, 1), default 0 (unused). When set in (0, 1): b = Q^{-1}(p), so that a fraction p of the
     *  neurons fires at init. Cannot be combined with SUBQ_P_NET_THRESHOLD. */
    SUBQ_P_NET_ACTIVE_FRACTION = 404,
    /** int, a ::subq_net_variant, default SUBQ_NET_NORMALIZED. */
    SUBQ_P_NET_VARIANT = 405,
    /** int, a ::subq_net_update, default SUBQ_NET_UPDATE_AUTO (= eager sparse). */
    SUBQ_P_NET_UPDATE = 406,
    /** int in [0, 2^30], default 0 (= max(256, 4n) at the first step). Rank of the lazy buffer that triggers
     *  a rebuild. */
    SUBQ_P_NET_MAX_RANK = 407,
    /** int, a ::subq_net_mode, default SUBQ_NET_SPARSE. SUBQ_NET_DENSE is the dense BLAS-3 baseline. */
    SUBQ_P_NET_MODE = 408,
    /** double in [0, 1e6], default 0 (= 1/lambda_max of the first batch's Jacobian Gram). GD step size. */
    SUBQ_P_LEARNING_RATE = 409,
    /** int, a ::subq_net_gn_solver, default SUBQ_NET_GN_AUTO. Linear solver of Gauss–Newton steps. */
    SUBQ_P_NET_GN_SOLVER = 410,
    /** double in [0, 1], default 1e-10. Gauss–Newton damping mu_0 = value * tr(G) / (n k). */
    SUBQ_P_NET_GN_DAMPING = 411,
    /** int in [0, 2^30], default 0 (= 4 n k). TensorSRHT rows per layer of the sketched preconditioner. */
    SUBQ_P_NET_SKETCH_ROWS = 412,
    /** double in [1e-15, 1], default 1e-10. Relative residual at which the preconditioned CG stops. */
    SUBQ_P_NET_CG_TOLERANCE = 413,
    /** int in [1, 100000], default 100. Iteration limit of the preconditioned CG. */
    SUBQ_P_NET_CG_MAX_ITERATIONS = 414,
    /** int, a ::subq_net_solver, default SUBQ_NET_SOLVER_GN. Optimizer of subq_net_fit_f32/_f64(). */
    SUBQ_P_NET_SOLVER = 415,
    /** int in [1, 2^31-1], default 10. Iterations (batches) of subq_net_fit_f32/_f64(). */
    SUBQ_P_NET_ITERATIONS = 416,
    /** double in [0, 1], default 0 (never stop early). subq_net_fit stops once sqrt(loss / first loss) <= value. */
    SUBQ_P_NET_TOLERANCE = 417,
    /** int in [0, 2^31-1], default 64; 0 = all rows. Rows per iteration of subq_net_fit_f32/_f64(). */
    SUBQ_P_NET_BATCH_SIZE = 418,

    /* 500–599: reading data files (SUBQ_KIND_DATASET); see io.h */
    /** int in [0, 4], default 0: a ::subq_format; 0 = decide from the file name and its first bytes. */
    SUBQ_P_FORMAT = 500,
    /** int in [-2, 2^30], default -1. CSV only: the column holding labels; -1 = no label column,
     *  -2 = the last column. */
    SUBQ_P_LABEL_COLUMN = 501,
    /** int in [0, 2], default 2. CSV only: 0 = no header row, 1 = the first row is a header, 2 = a header if the
     *  first row has a field that is not a number. */
    SUBQ_P_CSV_HEADER = 502,
    /** int in [0, 2^63-1], default 0. LIBSVM only: number of features d; 0 = the largest index seen. */
    SUBQ_P_NUM_FEATURES = 503,
    /** int in [0, 1], default 0. LIBSVM only: 1 if feature indices start at 0 rather than 1. */
    SUBQ_P_ZERO_BASED = 504,
    /** int in [0, 2^63-1], default 0 (= 16 GiB). Largest decoded matrix, in bytes, a load may allocate; a file
     *  whose header declares more is rejected with SUBQ_ERR_IO before anything is allocated. */
    SUBQ_P_MAX_BYTES = 505
} subq_param;

/**
 * @brief Create a config for objects of one kind, with every parameter at its default.
 * @param kind A ::subq_kind.
 * @param out  Out: the new config, owned by the caller (release with subq_config_destroy()); NULL on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (unknown kind), SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_config_create(subq_kind kind, subq_config **out) SUBQ_WARN_UNUSED;

/** @brief Destroy a config; NULL is a no-op. Handles created from it stay valid (they copy what they need).
 *  Thread safety: needs exclusive use of the config. */
SUBQ_API void subq_config_destroy(subq_config *cfg);

/**
 * @brief Set an integer parameter.
 * @return SUBQ_OK; SUBQ_ERR_NULL_POINTER (cfg NULL); SUBQ_ERR_UNKNOWN_PARAM (key unknown or foreign to the
 *         config's kind); SUBQ_ERR_PARAM_TYPE (key is a double parameter); SUBQ_ERR_PARAM_RANGE (out of bounds).
 *         On failure the config is unchanged.
 * Thread safety: needs exclusive use of the config.
 */
SUBQ_API subq_status subq_config_set_int(subq_config *cfg, subq_param key, int64_t value) SUBQ_WARN_UNUSED;

/**
 * @brief Set a double parameter. NaN is always out of range.
 * @return As subq_config_set_int(), with SUBQ_ERR_PARAM_TYPE for integer keys.
 * Thread safety: needs exclusive use of the config.
 */
SUBQ_API subq_status subq_config_set_double(subq_config *cfg, subq_param key, double value) SUBQ_WARN_UNUSED;

/**
 * @brief Read an integer parameter (its default if unset).
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER (cfg or value NULL), SUBQ_ERR_UNKNOWN_PARAM, SUBQ_ERR_PARAM_TYPE.
 * Thread safety: concurrent reads are allowed.
 */
SUBQ_API subq_status subq_config_get_int(const subq_config *cfg, subq_param key, int64_t *value) SUBQ_WARN_UNUSED;

/** @brief Read a double parameter (its default if unset). Statuses as subq_config_get_int(). */
SUBQ_API subq_status subq_config_get_double(const subq_config *cfg, subq_param key,
                                            double *value) SUBQ_WARN_UNUSED;

/** @brief The kind a config was created for. @return SUBQ_OK or SUBQ_ERR_NULL_POINTER. Thread-safe for reads. */
SUBQ_API subq_status subq_config_kind(const subq_config *cfg, subq_kind *kind) SUBQ_WARN_UNUSED;

/**
 * @brief Bounds, type and name of a parameter key.
 * @param key        A ::subq_param.
 * @param lo, hi     Out (each may be NULL): inclusive bounds, as doubles (exact for integers below 2^53;
 *                   seed's upper bound is 2^63-1 rounded).
 * @param is_integer Out (may be NULL): 1 for integer keys, 0 for double keys.
 * @param name       Out (may be NULL): static string, e.g. "SUBQ_P_SEED".
 * @return SUBQ_OK or SUBQ_ERR_UNKNOWN_PARAM.
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_param_info(subq_param key, double *lo, double *hi, int *is_integer,
                                     const char **name) SUBQ_WARN_UNUSED;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SUBQ_CORE_H */
