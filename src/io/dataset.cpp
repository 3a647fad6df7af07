#include "io/dataset.hpp"

#include <algorithm>
#include <utility>

namespace subq::io {
namespace {

void internal_check(bool ok, const char *what) {
    if (!ok) fail(SUBQ_ERR_INTERNAL, std::string("Dataset: ") + what);
}

// dst(i, j) = src(i, j) for a dense source stored in `src_layout`, converting element types.
template <class S, class T>
void copy_dense_from(const S *src, index_t rows, index_t cols, subq_layout src_layout, const DenseView<T> &out) {
    const bool src_row = src_layout == SUBQ_ROW_MAJOR;
    const index_t s_outer = src_row ? rows : cols;
    const index_t s_inner = src_row ? cols : rows;
    if (src_layout == out.layout) {
        for (index_t o = 0; o < s_outer; ++o) {
            const S *s = src + o * s_inner;
            T *d = out.data + o * out.ld;
            for (index_t k = 0; k < s_inner; ++k) d[k] = static_cast<T>(s[k]);
        }
        return;
    }
    // Transposed copy, in blocks of source "outer" lines so that writes stay within a few cache lines.
    constexpr index_t kBlock = 32;
    for (index_t o0 = 0; o0 < s_outer; o0 += kBlock) {
        const index_t o1 = std::min(s_outer, o0 + kBlock);
        for (index_t k = 0; k < s_inner; ++k) {
            T *d = out.data + k * out.ld;
            for (index_t o = o0; o < o1; ++o) d[o] = static_cast<T>(src[o * s_inner + k]);
        }
    }
}

template <class S>
index_t count_nonzero_dense(const S *p, index_t n) {
    index_t c = 0;
    for (index_t k = 0; k < n; ++k) c += p[k] != S(0) ? 1 : 0;
    return c;
}

// CSR of a dense matrix: for each row, its nonzero entries in column order.
template <class S>
void dense_to_csr(const S *src, index_t rows, index_t cols, subq_layout layout, index_t *indptr, index_t *indices,
                  double *values) {
    const bool row = layout == SUBQ_ROW_MAJOR;
    index_t k = 0;
    indptr[0] = 0;
    for (index_t i = 0; i < rows; ++i) {
        for (index_t j = 0; j < cols; ++j) {
            const S v = row ? src[i * cols + j] : src[j * rows + i];
            if (v != S(0)) {
                indices[k] = j;
                values[k] = static_cast<double>(v);
                ++k;
            }
        }
        indptr[i + 1] = k;
    }
}

}  // namespace

Dataset Dataset::dense_f32(index_t rows, index_t cols, subq_layout layout, Buffer<float> data) {
    internal_check(rows >= 0 && cols >= 0 && static_cast<index_t>(data.size()) == rows * cols,
                   "float32 buffer does not match the shape");
    Dataset d;
    d.rows_ = rows;
    d.cols_ = cols;
    d.dtype_ = SUBQ_F32;
    d.layout_ = layout;
    d.f32_ = std::move(data);
    return d;
}

Dataset Dataset::dense_f64(index_t rows, index_t cols, subq_layout layout, Buffer<double> data) {
    internal_check(rows >= 0 && cols >= 0 && static_cast<index_t>(data.size()) == rows * cols,
                   "float64 buffer does not match the shape");
    Dataset d;
    d.rows_ = rows;
    d.cols_ = cols;
    d.dtype_ = SUBQ_F64;
    d.layout_ = layout;
    d.f64_ = std::move(data);
    return d;
}

Dataset Dataset::csr(index_t rows, index_t cols, Buffer<index_t> indptr, Buffer<index_t> indices,
                     Buffer<double> values) {
    internal_check(rows >= 0 && cols >= 0 && static_cast<index_t>(indptr.size()) == rows + 1 && indptr[0] == 0 &&
                       indptr[rows] == static_cast<index_t>(indices.size()) && indices.size() == values.size(),
                   "CSR buffers do not match the shape");
    for (index_t i = 0; i < rows; ++i) internal_check(indptr[i] <= indptr[i + 1], "CSR offsets decrease");
    for (index_t c : indices) internal_check(c >= 0 && c < cols, "CSR column index out of range");
    Dataset d;
    d.rows_ = rows;
    d.cols_ = cols;
    d.dtype_ = SUBQ_F64;
    d.sparse_ = true;
    d.indptr_ = std::move(indptr);
    d.indices_ = std::move(indices);
    d.f64_ = std::move(values);
    return d;
}

void Dataset::set_labels(Buffer<double> labels) {
    internal_check(static_cast<index_t>(labels.size()) == rows_, "label count differs from the row count");
    labels_ = std::move(labels);
    has_labels_ = true;
}

index_t Dataset::stored() const noexcept { return sparse_ ? static_cast<index_t>(indices_.size()) : rows_ * cols_; }

double Dataset::at(index_t i, index_t j) const {
    require(i >= 0 && i < rows_ && j >= 0 && j < cols_, SUBQ_ERR_DIMENSION,
            "Dataset::at: (" + num(i) + ", " + num(j) + ") is outside " + num(rows_) + " x " + num(cols_));
    if (sparse_) {
        double s = 0;
        for (index_t k = indptr_[i]; k < indptr_[i + 1]; ++k)
            if (indices_[k] == j) s += f64_[k];
        return s;
    }
    const index_t off = layout_ == SUBQ_ROW_MAJOR ? i * cols_ + j : j * rows_ + i;
    return dtype_ == SUBQ_F32 ? static_cast<double>(f32_[off]) : f64_[off];
}

template <class T>
void Dataset::copy_dense_impl(const DenseView<T> &out) const {
    require(out.rows == rows_ && out.cols == cols_, SUBQ_ERR_DIMENSION,
            "x: shape " + num(out.rows) + " x " + num(out.cols) + " differs from the data set's " + num(rows_) +
                " x " + num(cols_));
    if (rows_ == 0 || cols_ == 0) return;
    if (!sparse_) {
        if (dtype_ == SUBQ_F32)
            copy_dense_from(f32_.data(), rows_, cols_, layout_, out);
        else
            copy_dense_from(f64_.data(), rows_, cols_, layout_, out);
        return;
    }
    const index_t outer = out.layout == SUBQ_ROW_MAJOR ? rows_ : cols_;
    const index_t inner = out.layout == SUBQ_ROW_MAJOR ? cols_ : rows_;
    for (index_t o = 0; o < outer; ++o) std::fill_n(out.data + o * out.ld, inner, T(0));
    for (index_t i = 0; i < rows_; ++i)
        for (index_t k = indptr_[i]; k < indptr_[i + 1]; ++k) out(i, indices_[k]) += static_cast<T>(f64_[k]);
}

void Dataset::copy_dense(const DenseView<double> &out) const { copy_dense_impl(out); }
void Dataset::copy_dense(const DenseView<float> &out) const { copy_dense_impl(out); }

index_t Dataset::count_nonzeros() const noexcept {
    if (sparse_ || dtype_ == SUBQ_F64) return count_nonzero_dense(f64_.data(), static_cast<index_t>(f64_.size()));
    return count_nonzero_dense(f32_.data(), static_cast<index_t>(f32_.size()));
}

index_t Dataset::csr_entries() const noexcept { return sparse_ ? stored() : count_nonzeros(); }

void Dataset::copy_csr(index_t *indptr, index_t *indices, double *values, index_t capacity) const {
    require(indptr != nullptr, SUBQ_ERR_NULL_POINTER, "indptr is NULL");
    require(capacity >= 0, SUBQ_ERR_DIMENSION, "capacity = " + num(capacity) + " is negative");
    const index_t need = csr_entries();
    require(capacity >= need, SUBQ_ERR_DIMENSION,
            "capacity = " + num(capacity) + " < " + num(need) + " entries to copy");
    if (need > 0) {
        require(indices != nullptr, SUBQ_ERR_NULL_POINTER, "indices is NULL");
        require(values != nullptr, SUBQ_ERR_NULL_POINTER, "values is NULL");
    }
    if (sparse_) {
        std::copy(indptr_.begin(), indptr_.end(), indptr);
        std::copy(indices_.begin(), indices_.end(), indices);
        std::copy(f64_.begin(), f64_.end(), values);
    } else if (dtype_ == SUBQ_F32) {
        dense_to_csr(f32_.data(), rows_, cols_, layout_, indptr, indices, values);
    } else {
        dense_to_csr(f64_.data(), rows_, cols_, layout_, indptr, indices, values);
    }
}

}  // namespace subq::io
