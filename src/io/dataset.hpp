// An in-memory data set: an n×d matrix stored dense (float32 or float64, row- or column-major) or as CSR
// (float64 values, int64 indices), plus optional labels. Produced by the readers in io/reader.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "io/source.hpp"
#include "subq/core.h"

namespace subq::io {

class Dataset {
public:
    Dataset() = default;

    // Builders used by the readers. They check that the buffers agree with the shape (else SUBQ_ERR_INTERNAL).
    static Dataset dense_f32(index_t rows, index_t cols, subq_layout layout, Buffer<float> data);
    static Dataset dense_f64(index_t rows, index_t cols, subq_layout layout, Buffer<double> data);
    static Dataset csr(index_t rows, index_t cols, Buffer<index_t> indptr, Buffer<index_t> indices,
                       Buffer<double> values);
    // Attach n labels (SUBQ_ERR_INTERNAL if the count differs from rows()).
    void set_labels(Buffer<double> labels);

    index_t rows() const noexcept { return rows_; }
    index_t cols() const noexcept { return cols_; }
    subq_dtype dtype() const noexcept { return dtype_; }
    bool is_sparse() const noexcept { return sparse_; }
    // Storage order of dense data (CSR data: SUBQ_ROW_MAJOR).
    subq_layout layout() const noexcept { return layout_; }
    // Stored entries: CSR nonzeros (explicit zeros and duplicates included), or rows·cols for dense data.
    index_t stored() const noexcept;
    bool has_labels() const noexcept { return has_labels_; }

    // Element access to the storage (for tests and the copy routines).
    const Buffer<float> &f32() const noexcept { return f32_; }
    const Buffer<double> &f64() const noexcept { return f64_; }
    const Buffer<index_t> &indptr() const noexcept { return indptr_; }
    const Buffer<index_t> &indices() const noexcept { return indices_; }
    const Buffer<double> &values() const noexcept { return f64_; }
    const Buffer<double> &labels() const noexcept { return labels_; }

    // Entry (i, j) as a double (CSR: the sum of its stored duplicates). O(1) dense, O(row nnz) CSR.
    double at(index_t i, index_t j) const;

    // Copy into a caller-owned dense matrix of shape rows()×cols() (validated by subq::dense_view). CSR data are
    // densified with duplicates summed; float64 data are rounded for a float32 target. Only the rows×cols
    // entries are written, never the padding between them.
    void copy_dense(const DenseView<double> &out) const;
    void copy_dense(const DenseView<float> &out) const;

    // Entries that are not zero (CSR: stored entries whose value is not 0; NaN counts as nonzero).
    index_t count_nonzeros() const noexcept;
    // Entries copy_csr() writes: stored() for CSR data, count_nonzeros() for dense data.
    index_t csr_entries() const noexcept;
    // Copy as CSR: indptr gets rows()+1 offsets; indices/values get csr_entries() entries. CSR data are copied as
    // stored; dense data give their nonzero entries in column order. SUBQ_ERR_DIMENSION if capacity is smaller.
    void copy_csr(index_t *indptr, index_t *indices, double *values, index_t capacity) const;

private:
    template <class T>
    void copy_dense_impl(const DenseView<T> &out) const;

    index_t rows_ = 0, cols_ = 0;
    subq_dtype dtype_ = SUBQ_F64;
    bool sparse_ = false;
    subq_layout layout_ = SUBQ_ROW_MAJOR;
    bool has_labels_ = false;
    Buffer<float> f32_;
    Buffer<double> f64_;  // dense float64 data, or the CSR values
    Buffer<index_t> indptr_, indices_;
    Buffer<double> labels_;
};

}  // namespace subq::io
