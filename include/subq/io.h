/**
 * @file io.h
 * @brief Reading data sets (IDX, CSV, LIBSVM/svmlight, .npy) and writing .npy matrices.
 *
 * Part of the public API; include <subq/subq.h>, not this file directly.
 *
 * A ::subq_dataset holds an n×d matrix (dense float32/float64, or CSR float64 for LIBSVM files) and, when the
 * file has them, n labels. The caller copies the data out in the layout and type it needs.
 * @code
 *   subq_dataset *ds = NULL;
 *   subq_index n = 0, d = 0;
 *   if (subq_dataset_load("fmnist-train", NULL, &ds) != SUBQ_OK ||
 *       subq_dataset_info(ds, &n, &d, NULL, NULL, NULL, NULL) != SUBQ_OK) { ... subq_last_error_message() ... }
 *   float *x = malloc(sizeof(float) * n * d);  double *y = malloc(sizeof(double) * n);
 *   if (subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, x, d) != SUBQ_OK ||
 *       subq_dataset_copy_labels(ds, y) != SUBQ_OK) { ... }
 *   subq_dataset_destroy(ds);
 * @endcode
 *
 * Every format may be gzip-compressed (recognised by the gzip magic bytes, whatever the file name).
 *
 * Formats:
 *  - IDX: the Fashion-MNIST/MNIST format. The first dimension is n; the others are flattened into d, so an idx3
 *    image file of 28×28 images gives d = 784 and an idx1 file gives an n×1 matrix. Element types 0x08 (ubyte),
 *    0x09 (sbyte), 0x0B (int16) and 0x0D (float32) give dense float32 (raw values: pixels stay 0–255, not
 *    rescaled); 0x0C (int32) and 0x0E (float64) give dense float64. The labels are read from the sibling label
 *    file whose name has "labels-idx1" in place of the last "images-idx3" of the file name, when that file exists;
 *    it must be a 1-D IDX file of integers with exactly n entries, else the load fails with SUBQ_ERR_IO.
 *  - CSV: numbers separated by commas, one sample per line. Spaces and tabs around a field are ignored; a field
 *    may be enclosed in double quotes ("" is a literal quote; quoted fields cannot span lines). Blank lines are
 *    skipped; "\r\n" line ends and a leading UTF-8 byte-order mark are accepted. Every row, the header included,
 *    must have the same number of fields. Header row: SUBQ_P_CSV_HEADER (by default, the first non-blank line is
 *    a header if one of its fields is empty or not a number). Labels: SUBQ_P_LABEL_COLUMN, a 0-based column
 *    (-2 = the last one) that is removed from the matrix. Gives dense float64.
 *    Numbers: decimal, optionally signed ('+' allowed), with optional exponent. "nan", "inf" and "infinity" (any
 *    case, optional sign) are accepted and stored as NaN / ±infinity; functions that need finite input report
 *    SUBQ_ERR_NUMERICAL later. Values that underflow become ±0; values that overflow (e.g. 1e999), hexadecimal
 *    numbers, empty fields (missing values) and any other text are errors naming the line and the field. A file
 *    with no non-blank line is an error; a header-only file gives 0 rows.
 *  - LIBSVM/svmlight: "label idx:value idx:value ..." per line, separated by spaces or tabs; '#' starts a
 *    comment; blank and comment-only lines are skipped; "qid:<n>" tokens are ignored. Indices are 1-based by
 *    default (SUBQ_P_ZERO_BASED = 1 for 0-based files); they need not be sorted and may repeat: repeated entries
 *    are kept in the CSR data and summed when densified. d = SUBQ_P_NUM_FEATURES if set (larger indices are then
 *    an error), else the largest index seen. Number rules as for CSV. Gives CSR float64 and the labels. A file
 *    without data lines is an error.
 *  - .npy: versions 1.0, 2.0 and 3.0; 1-D (n values give an n×1 matrix) or 2-D. '<f4' gives dense float32 and
 *    '<f8' dense float64, unconverted. The integer and boolean types '|b1', '|u1', '|i1', '<u2', '<i2', '<u4',
 *    '<i4', '<u8', '<i8' are converted to float64 (64-bit values beyond 2^53 are rounded). Big-endian, half,
 *    complex, structured and object types are rejected. 'fortran_order': True is supported (the data are kept
 *    column-major; the copy functions write whatever layout the caller asks for). No labels.
 *  - The names "fmnist-train" and "fmnist-test" (recognised when SUBQ_P_FORMAT is SUBQ_FORMAT_AUTO or
 *    SUBQ_FORMAT_IDX; read a file of that name as "./fmnist-train") stand for the installed Fashion-MNIST splits:
 *    {train,t10k}-images-idx3-ubyte[.gz] with their labels (both required), 60000 resp. 10000 images of 28×28,
 *    labels 0–9. Debian package dataset-fashion-mnist; the directory is $SUBQ_FMNIST_DIR if set and non-empty,
 *    else /usr/share/datasets/fashion-mnist.
 *
 * Format selection (SUBQ_P_FORMAT = SUBQ_FORMAT_AUTO): first the file name, ignoring a ".gz" suffix: ".npy";
 * ".csv"; ".libsvm", ".svm", ".svmlight"; ".idx", "-ubyte", or a name containing "-idx1-"/"-idx3-". Otherwise
 * the (decompressed) content: the .npy magic, an IDX magic, else text: LIBSVM if the first line that is not blank
 * or a '#' comment has a token "<integer>:<value>" after its first token, else CSV.
 *
 * Malformed input (truncated files, including truncated or corrupt gzip streams, wrong magic numbers, ragged CSV
 * rows, unparsable numbers, data after the declared end, header sizes that disagree with the file or exceed
 * SUBQ_P_MAX_BYTES) gives SUBQ_ERR_IO and a message naming the file and, where it applies, the line, field or
 * byte offset. Nothing is allocated from an unchecked header size: declared sizes are checked against
 * SUBQ_P_MAX_BYTES and, for uncompressed files, against the file size before any allocation; compressed data
 * are bounded by the deflate expansion limit and buffers grow only as data actually arrive. Text formats stop
 * with SUBQ_ERR_IO once the decoded data would exceed SUBQ_P_MAX_BYTES.
 */
#ifndef SUBQ_IO_H
#define SUBQ_IO_H

#include "subq/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct subq_dataset_s subq_dataset;

/** File formats, the values of SUBQ_P_FORMAT. Pinned. */
typedef SUBQ_ENUM(subq_format) {
    SUBQ_FORMAT_AUTO = 0,   /**< decide from the file name, else from its first bytes (see above) */
    SUBQ_FORMAT_NPY = 1,    /**< NumPy .npy */
    SUBQ_FORMAT_CSV = 2,    /**< comma-separated values */
    SUBQ_FORMAT_LIBSVM = 3, /**< LIBSVM / svmlight */
    SUBQ_FORMAT_IDX = 4     /**< IDX (MNIST) */
} subq_format;

/**
 * @brief Read a data file, or an installed data set by name ("fmnist-train", "fmnist-test").
 * @param path    File name or data set name; NUL-terminated, not retained.
 * @param options A config of kind SUBQ_KIND_DATASET, or NULL for all defaults; not retained.
 * @param out     Out: the new data set, owned by the caller (subq_dataset_destroy()); NULL on failure.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER (path or out NULL), SUBQ_ERR_INVALID_ARG (options of another kind),
 *         SUBQ_ERR_IO (missing, unreadable or malformed file; a message starting "'<file>': cannot open" for
 *         files that cannot be opened), SUBQ_ERR_OUT_OF_MEMORY.
 * Thread safety: thread-safe (reads $SUBQ_FMNIST_DIR; do not change the environment concurrently).
 * Since: 0.1
 */
SUBQ_API subq_status subq_dataset_load(const char *path, const subq_config *options,
                                       subq_dataset **out) SUBQ_WARN_UNUSED;

/** @brief Destroy a data set; NULL is a no-op. Thread safety: needs exclusive use of the handle. Since: 0.1 */
SUBQ_API void subq_dataset_destroy(subq_dataset *ds);

/**
 * @brief Shape and storage of a data set. Any out-pointer may be NULL.
 * @param rows, cols Out: n and d.
 * @param dtype      Out: the element type as stored (IDX: SUBQ_F32, but SUBQ_F64 for int32 and float64 IDX
 *                   files; CSV, LIBSVM: SUBQ_F64; npy: SUBQ_F32 for '<f4', else SUBQ_F64).
 * @param is_sparse  Out: 1 if stored as CSR (LIBSVM), else 0.
 * @param nnz        Out: stored entries (CSR, explicit zeros and repeated indices included) or n·d (dense).
 * @param has_labels Out: 1 if the data set has labels, else 0.
 * @return SUBQ_OK or SUBQ_ERR_NULL_POINTER (ds NULL).
 * Thread safety: concurrent reads of one handle are allowed.
 * Since: 0.1
 */
SUBQ_API subq_status subq_dataset_info(const subq_dataset *ds, subq_index *rows, subq_index *cols,
                                       subq_dtype *dtype, int *is_sparse, subq_index *nnz,
                                       int *has_labels) SUBQ_WARN_UNUSED;

/**
 * @brief Copy the matrix into a caller-owned dense n×d array (CSR data is densified; duplicates summed).
 * @param ds     Data set; not modified.
 * @param layout SUBQ_ROW_MAJOR or SUBQ_COL_MAJOR.
 * @param x      n×d output, caller-owned; may be NULL only if n·d = 0. Only the n×d entries are written, never
 *               the padding between rows/columns.
 * @param ldx    Leading dimension of x: >= max(1, d) (row-major) or >= max(1, n) (column-major).
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER (ds or x NULL), SUBQ_ERR_LAYOUT (unknown layout or ldx too small),
 *         SUBQ_ERR_DIMENSION (the last element's offset overflows). Nothing is written on failure.
 * The _f32 variant rounds float64 data to float32.
 * Thread safety: concurrent reads of one handle are allowed.
 * Since: 0.1
 */
SUBQ_API subq_status subq_dataset_copy_dense_f64(const subq_dataset *ds, subq_layout layout, double *x,
                                                 subq_index ldx) SUBQ_WARN_UNUSED;
/** @brief As subq_dataset_copy_dense_f64(), into float32. */
SUBQ_API subq_status subq_dataset_copy_dense_f32(const subq_dataset *ds, subq_layout layout, float *x,
                                                 subq_index ldx) SUBQ_WARN_UNUSED;

/**
 * @brief Copy the matrix as CSR with 0-based column indices. CSR data are copied as stored (explicit zeros and
 *        repeated indices included, in file order); dense data give their nonzero entries (NaN counts as
 *        nonzero), in column order within each row.
 * @param ds      Data set; not modified.
 * @param indptr  n+1 offsets, caller-owned; never NULL.
 * @param indices Column indices, caller-owned. Entries written: nnz from subq_dataset_info() for CSR data;
 *                for dense data, the count from subq_dataset_count_nonzeros(). May be NULL if that is 0.
 * @param values  Values, caller-owned, as many as indices. May be NULL if there are none.
 * @param capacity Length of indices and values; SUBQ_ERR_DIMENSION if it is negative or smaller than needed.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_DIMENSION. Nothing is written on failure.
 * Thread safety: concurrent reads of one handle are allowed.
 * Since: 0.1
 */
SUBQ_API subq_status subq_dataset_copy_csr_f64(const subq_dataset *ds, subq_index *indptr, subq_index *indices,
                                               double *values, subq_index capacity) SUBQ_WARN_UNUSED;

/** @brief Number of entries that are not zero (for CSR: stored entries whose value is not 0; NaN counts).
 *  @return SUBQ_OK or SUBQ_ERR_NULL_POINTER (ds or count NULL). Thread safety: concurrent reads allowed.
 *  Since: 0.1 */
SUBQ_API subq_status subq_dataset_count_nonzeros(const subq_dataset *ds, subq_index *count) SUBQ_WARN_UNUSED;

/**
 * @brief Copy the n labels.
 * @param ds Data set; not modified.
 * @param y  n values, caller-owned (may be NULL if n = 0). Class labels are integral values.
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER, SUBQ_ERR_STATE (the data set has no labels).
 * Thread safety: concurrent reads of one handle are allowed.
 * Since: 0.1
 */
SUBQ_API subq_status subq_dataset_copy_labels(const subq_dataset *ds, double *y) SUBQ_WARN_UNUSED;

/**
 * @brief Write an n×d matrix as a .npy file (version 1.0, C order), atomically: the data go to a temporary file
 *        in the same directory that is renamed over `path` only once complete, so `path` never holds a partial file.
 *        The header is padded so the data start at a multiple of 64 bytes; the shape is always 2-D, (n, d).
 *        The temporary file is named ".subq-npy-<pid>-<k>-<x>.tmp", is fsync'ed before the rename, and is
 *        removed on any failure. The new file gets mode 0666 minus the umask (an existing file's mode is not
 *        kept); a symbolic link at `path` is replaced, not followed.
 * @param path   Destination; NUL-terminated; its directory must exist and be writable.
 * @param layout Layout of x; the file is always C order (row-major).
 * @param n, d   Shape, >= 0.
 * @param x      n×d input, caller-owned, read-only; may be NULL only if n·d = 0.
 * @param ldx    Leading dimension of x: >= max(1, d) (row-major) or >= max(1, n) (column-major).
 * @return SUBQ_OK, SUBQ_ERR_NULL_POINTER (path or x NULL), SUBQ_ERR_DIMENSION (negative size), SUBQ_ERR_LAYOUT,
 *         SUBQ_ERR_IO (the temporary file cannot be created or written, or the rename fails).
 * Thread safety: thread-safe (distinct paths).
 * Since: 0.1
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
