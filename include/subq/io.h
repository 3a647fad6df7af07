/**
 * @file io.h
 * @brief Reading data sets (IDX, CSV, LIBSVM/svmlight, .npy) and writing .npy matrices.
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * A ::subq_dataset holds an n×d matrix (dense float32/float64, or CSR float64 for LIBSVM files) and, when the
 * file has them, n labels. The caller copies the data out in the layout and type it needs.
 *
 * Formats:
 *  - IDX (optionally gzip'd): the Fashion-MNIST/MNIST format. An idx3 image file gives a dense float32 matrix
 *    of raw pixel values (0–255, not rescaled), one image per row. The labels are read from the sibling label file
 *    whose name has "labels-idx1" in place of "images-idx3", when it exists.
 *  - CSV: numbers separated by commas; an optional header row (SUBQ_P_CSV_HEADER); an optional label column
 *    (SUBQ_P_LABEL_COLUMN). Every row must have the same number of fields. Gives dense float64.
 *  - LIBSVM/svmlight: "label idx:value idx:value ..." per line, indices 1-based by default (SUBQ_P_ZERO_BASED),
 *    '#' starts a comment. Gives CSR float64 and labels.
 *  - .npy: version 1.0–3.0, little-endian '<f4' or '<f8', C order ('fortran_order': False), 1-D (n×1) or 2-D.
 *    Gives dense float32 or float64 in the file's type, no labels.
 *  - The names "fmnist-train" and "fmnist-test" stand for the installed Fashion-MNIST splits (images and labels;
 *    Debian package dataset-fashion-mnist; the directory is $SUBQ_FMNIST_DIR if set, else
 *    /usr/share/datasets/fashion-mnist).
 *
 * Malformed input (truncated files, wrong magic numbers, ragged CSV rows, unparsable numbers, header sizes that
 * disagree with the file or exceed SUBQ_P_MAX_BYTES) gives SUBQ_ERR_IO and a message naming the file and, where
 * it applies, the line or byte offset. Nothing is allocated from an unchecked header size.
 */
#ifndef SUBQ_IO_H
#define SUBQ_IO_H

#include "subq/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct subq_dataset_s subq_dataset;

/** File formats, the values of SUBQ_P_FORMAT. Pinned. */
typedef enum subq_format {
    SUBQ_FORMAT_AUTO = 0,   /**< decide from the file's first bytes and name */
    SUBQ_FORMAT_NPY = 1,    /**< NumPy .npy */
    SUBQ_FORMAT_CSV = 2,    /**< comma-separated values */
    SUBQ_FORMAT_LIBSVM = 3, /**< LIBSVM / svmlight */
    SUBQ_FORMAT_IDX = 4     /**< IDX (MNIST), optionally gzip'd */
} subq_format;

/**
 * @brief Read a data file, or an installed data set by name ("fmnist-train", "fmnist-test").
 * @param path    File name or data set name; NUL-terminated, not retained.
 * @param options A config of kind SUBQ_KIND_DATASET, or NULL for all defaults; not retained.
 * @param out     Out: the new data set, owned by the caller (subq_dataset_destroy()); NULL on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_INVALID_ARG (options of another kind), SUBQ_ERR_IO (missing,
 *         unreadable or malformed file), SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe.
 */
SUBQ_API subq_status subq_dataset_load(const char *path, const subq_config *options,
                                       subq_dataset **out) SUBQ_WARN_UNUSED;

/** @brief Destroy a data set; NULL is a no-op. Thread safety: needs exclusive use of the handle. */
SUBQ_API void subq_dataset_destroy(subq_dataset *ds);

/**
 * @brief Shape and storage of a data set. Any out-pointer may be NULL.
 * @param rows, cols Out: n and d.
 * @param dtype      Out: the element type as stored (IDX: SUBQ_F32; CSV, LIBSVM: SUBQ_F64; npy: the file's).
 * @param is_sparse  Out: 1 if stored as CSR (LIBSVM), else 0.
 * @param nnz        Out: stored nonzeros (CSR) or n·d (dense).
 * @param has_labels Out: 1 if the data set has labels, else 0.
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER (ds NULL).
 * Thread safety: concurrent reads of one handle are allowed.
 */
SUBQ_API subq_status subq_dataset_info(const subq_dataset *ds, subq_index *rows, subq_index *cols,
                                       subq_dtype *dtype, int *is_sparse, subq_index *nnz,
                                       int *has_labels) SUBQ_WARN_UNUSED;

/**
 * @brief Copy the matrix into a caller-owned dense n×d array (CSR data is densified; duplicates summed).
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR.
 * @param x      n×d output, caller-owned.
 * @param ldx    Leading dimension of x: >= d (row-major) or >= n (column-major).
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_LAYOUT.
 * The _f32 variant rounds float64 data to float32.
 * Thread safety: concurrent reads of one handle are allowed.
 */
SUBQ_API subq_status subq_dataset_copy_dense_f64(const subq_dataset *ds, subq_layout layout, double *x,
                                                 subq_index ldx) SUBQ_WARN_UNUSED;
/** @brief As subq_dataset_copy_dense_f64(), into float32. */
SUBQ_API subq_status subq_dataset_copy_dense_f32(const subq_dataset *ds, subq_layout layout, float *x,
                                                 subq_index ldx) SUBQ_WARN_UNUSED;

/**
 * @brief Copy the matrix as CSR (dense data gives its nonzero entries, in column order).
 * @param indptr  n+1 offsets, caller-owned.
 * @param indices nnz column indices, caller-owned; nnz from subq_dataset_info() (for dense data, query the
 *                count of nonzero entries with subq_dataset_count_nonzeros() first).
 * @param values  nnz values, caller-owned.
 * @param capacity Length of indices and values; SUBQ_ERR_DIMENSION if it is smaller than needed.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_DIMENSION.
 * Thread safety: concurrent reads of one handle are allowed.
 */
SUBQ_API subq_status subq_dataset_copy_csr_f64(const subq_dataset *ds, subq_index *indptr, subq_index *indices,
                                               double *values, subq_index capacity) SUBQ_WARN_UNUSED;

/** @brief Number of entries that are not zero (for CSR: stored entries whose value is not 0).
 *  @return SUBQ_OK or SUBQ_ERR_NULL_POINTER. Thread safety: concurrent reads allowed. */
SUBQ_API subq_status subq_dataset_count_nonzeros(const subq_dataset *ds, subq_index *count) SUBQ_WARN_UNUSED;

/**
 * @brief Copy the n labels.
 * @param y n values, caller-owned. Class labels are integral values.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_STATE (the data set has no labels).
 * Thread safety: concurrent reads of one handle are allowed.
 */
SUBQ_API subq_status subq_dataset_copy_labels(const subq_dataset *ds, double *y) SUBQ_WARN_UNUSED;

/**
 * @brief Write an n×d matrix as a .npy file (version 1.0, C order), atomically: the data go to a temporary file
 *        in the same directory that is renamed over `path` only once complete, so `path` never holds a partial file.
 * @param path   Destination; NUL-terminated.
 * @param layout Layout of x; the file is always C order (row-major).
 * @param n, d   Shape, >= 0.
 * @param x      n×d input, caller-owned, read-only.
 * @param ldx    Leading dimension of x.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_DIMENSION, SUBQ_ERR_LAYOUT, SUBQ_ERR_IO.
 * Thread safety: thread-safe (distinct paths).
 */
SUBQ_API subq_status subq_npy_write_f64(const char *path, subq_layout layout, subq_index n, subq_index d,
                                        const double *x, subq_index ldx) SUBQ_WARN_UNUSED;
/** @brief As subq_npy_write_f64(), writing '<f4' data. */
SUBQ_API subq_status subq_npy_write_f32(const char *path, subq_layout layout, subq_index n, subq_index d,
                                        const float *x, subq_index ldx) SUBQ_WARN_UNUSED;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SUBQ_IO_H */
