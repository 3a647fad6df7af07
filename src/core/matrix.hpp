// Non-owning views of caller-owned matrices: dense (either layout, with leading dimension) and CSR.
// Samples are rows. Validation throws subq::Error with a message naming the argument.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "subq/core.h"

namespace subq {

using index_t = std::int64_t;

template <class T>
struct DenseView {
    T *data = nullptr;
    index_t rows = 0, cols = 0, ld = 0;
    subq_layout layout = SUBQ_ROW_MAJOR;

    T &operator()(index_t i, index_t j) const {
        return layout == SUBQ_ROW_MAJOR ? data[i * ld + j] : data[j * ld + i];
    }
    // Distance between consecutive elements of a row, and between consecutive rows.
    index_t col_stride() const { return layout == SUBQ_ROW_MAJOR ? 1 : ld; }
    index_t row_stride() const { return layout == SUBQ_ROW_MAJOR ? ld : 1; }
    T *row_ptr(index_t i) const { return data + i * row_stride(); }
};

template <class T>
struct CsrView {
    index_t rows = 0, cols = 0;
    const index_t *indptr = nullptr;
    const index_t *indices = nullptr;
    const T *values = nullptr;
    index_t nnz() const { return indptr[rows] - indptr[0]; }
};

inline void validate_layout(subq_layout layout, const char *what) {
    if (layout != SUBQ_ROW_MAJOR && layout != SUBQ_COL_MAJOR)
        fail(SUBQ_ERR_LAYOUT, std::string(what) + ": layout = " + std::to_string(static_cast<int>(layout)) +
                                  " is neither SUBQ_ROW_MAJOR (101) nor SUBQ_COL_MAJOR (102)");
}

// Checks a rows x cols dense argument named `name` and returns its view. NULL is allowed only when empty.
template <class T>
DenseView<T> dense_view(const char *name, subq_layout layout, index_t rows, index_t cols, T *data, index_t ld) {
    validate_layout(layout, name);
    require(rows >= 0 && cols >= 0, SUBQ_ERR_DIMENSION,
            std::string(name) + ": negative size " + std::to_string(rows) + " x " + std::to_string(cols));
    const index_t inner = layout == SUBQ_ROW_MAJOR ? cols : rows;
    const index_t outer = layout == SUBQ_ROW_MAJOR ? rows : cols;
    if (ld < (inner > 1 ? inner : 1))
        fail(SUBQ_ERR_LAYOUT, std::string(name) + ": leading dimension " + std::to_string(ld) + " < " +
                                  std::to_string(inner) +
                                  (layout == SUBQ_ROW_MAJOR ? " columns (row-major)" : " rows (column-major)"));
    if (rows > 0 && cols > 0) {
        require(data != nullptr, SUBQ_ERR_NULL_POINTER, std::string(name) + " is NULL");
        // The last element's offset, and its byte offset, must be representable.
        checked_bytes(checked_add(checked_mul(outer - 1, ld, name), inner, name), sizeof(T), name);
    }
    return DenseView<T>{data, rows, cols, ld, layout};
}

// Checks a CSR matrix: indptr[0] = 0, non-decreasing offsets, column indices in [0, cols). Duplicate column
// indices within a row are allowed and mean their sum. O(rows + nnz).
template <class T>
CsrView<T> csr_view(const char *name, index_t rows, index_t cols, const index_t *indptr, const index_t *indices,
                    const T *values) {
    require(rows >= 0 && cols >= 0, SUBQ_ERR_DIMENSION,
            std::string(name) + ": negative size " + std::to_string(rows) + " x " + std::to_string(cols));
    require(indptr != nullptr, SUBQ_ERR_NULL_POINTER, std::string(name) + ": indptr is NULL");
    require(indptr[0] == 0, SUBQ_ERR_INVALID_ARG,
            std::string(name) + ": indptr[0] = " + std::to_string(indptr[0]) + ", expected 0");
    for (index_t i = 0; i < rows; ++i)
        if (indptr[i + 1] < indptr[i])
            fail(SUBQ_ERR_INVALID_ARG, std::string(name) + ": indptr decreases at row " + std::to_string(i));
    const index_t nnz = indptr[rows];
    if (nnz > 0) {
        require(indices != nullptr, SUBQ_ERR_NULL_POINTER, std::string(name) + ": indices is NULL");
        require(values != nullptr, SUBQ_ERR_NULL_POINTER, std::string(name) + ": values is NULL");
        checked_bytes(nnz, sizeof(T) + sizeof(index_t), name);
    }
    for (index_t k = 0; k < nnz; ++k)
        if (indices[k] < 0 || indices[k] >= cols)
            fail(SUBQ_ERR_INVALID_ARG, std::string(name) + ": column index " + std::to_string(indices[k]) +
                                           " at position " + std::to_string(k) + " is outside [0, " +
                                           std::to_string(cols) + ")");
    return CsrView<T>{rows, cols, indptr, indices, values};
}

// SUBQ_ERR_NUMERICAL naming the first non-finite entry.
template <class T>
void require_finite(const char *name, const DenseView<T> &x) {
    for (index_t i = 0; i < x.rows; ++i)
        for (index_t j = 0; j < x.cols; ++j)
            if (!std::isfinite(x(i, j)))
                fail(SUBQ_ERR_NUMERICAL, std::string(name) + ": non-finite value at row " + std::to_string(i) +
                                             ", column " + std::to_string(j));
}

template <class T>
void require_finite(const char *name, const CsrView<T> &x) {
    for (index_t i = 0; i < x.rows; ++i)
        for (index_t k = x.indptr[i]; k < x.indptr[i + 1]; ++k)
            if (!std::isfinite(x.values[k]))
                fail(SUBQ_ERR_NUMERICAL, std::string(name) + ": non-finite value at row " + std::to_string(i) +
                                             ", column " + std::to_string(x.indices[k]));
}

}  // namespace subq
