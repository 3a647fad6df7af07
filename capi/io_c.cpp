// C translation layer of src/io: data set loading, queries and copies, and the .npy writer.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/matrix.hpp"
#include "io/reader.hpp"
#include "subq/subq.h"

struct subq_dataset_s {
    subq::io::Dataset impl;
};

using subq::capi::guarded;
using subq::capi::require_not_null;

namespace {

template <class T>
subq_status copy_dense(const char *fn, const subq_dataset *ds, subq_layout layout, T *x, subq_index ldx) {
    return guarded(fn, [&] {
        require_not_null(ds, "ds");
        const auto &d = ds->impl;
        d.copy_dense(subq::dense_view("x", layout, d.rows(), d.cols(), x, ldx));
    });
}

template <class T>
subq_status write_npy(const char *fn, const char *path, subq_layout layout, subq_index n, subq_index d, const T *x,
                      subq_index ldx) {
    return guarded(fn, [&] {
        require_not_null(path, "path");
        const subq::DenseView<const T> view = subq::dense_view("x", layout, n, d, x, ldx);
        subq::io::write_npy(path, view);
    });
}

}  // namespace

extern "C" {

SUBQ_API subq_status subq_dataset_load(const char *path, const subq_config *options, subq_dataset **out) {
    if (out != nullptr) *out = nullptr;
    return guarded("subq_dataset_load", [&] {
        require_not_null(out, "out");
        require_not_null(path, "path");
        const subq::io::LoadOptions opt =
            options != nullptr ? subq::io::LoadOptions::from_config(options->impl) : subq::io::LoadOptions{};
        auto ds = std::make_unique<subq_dataset_s>(subq_dataset_s{subq::io::load(path, opt)});
        *out = ds.release();
    });
}

SUBQ_API void subq_dataset_destroy(subq_dataset *ds) { delete ds; }

SUBQ_API subq_status subq_dataset_info(const subq_dataset *ds, subq_index *rows, subq_index *cols, subq_dtype *dtype,
                                       int *is_sparse, subq_index *nnz, int *has_labels) {
    return guarded("subq_dataset_info", [&] {
        require_not_null(ds, "ds");
        const auto &d = ds->impl;
        if (rows) *rows = d.rows();
        if (cols) *cols = d.cols();
        if (dtype) *dtype = d.dtype();
        if (is_sparse) *is_sparse = d.is_sparse() ? 1 : 0;
        if (nnz) *nnz = d.stored();
        if (has_labels) *has_labels = d.has_labels() ? 1 : 0;
    });
}

SUBQ_API subq_status subq_dataset_copy_dense_f64(const subq_dataset *ds, subq_layout layout, double *x,
                                                 subq_index ldx) {
    return copy_dense("subq_dataset_copy_dense_f64", ds, layout, x, ldx);
}

SUBQ_API subq_status subq_dataset_copy_dense_f32(const subq_dataset *ds, subq_layout layout, float *x,
                                                 subq_index ldx) {
    return copy_dense("subq_dataset_copy_dense_f32", ds, layout, x, ldx);
}

SUBQ_API subq_status subq_dataset_copy_csr_f64(const subq_dataset *ds, subq_index *indptr, subq_index *indices,
                                               double *values, subq_index capacity) {
    return guarded("subq_dataset_copy_csr_f64", [&] {
        require_not_null(ds, "ds");
        ds->impl.copy_csr(indptr, indices, values, capacity);
    });
}

SUBQ_API subq_status subq_dataset_count_nonzeros(const subq_dataset *ds, subq_index *count) {
    return guarded("subq_dataset_count_nonzeros", [&] {
        require_not_null(ds, "ds");
        require_not_null(count, "count");
        *count = ds->impl.count_nonzeros();
    });
}

SUBQ_API subq_status subq_dataset_copy_labels(const subq_dataset *ds, double *y) {
    return guarded("subq_dataset_copy_labels", [&] {
        require_not_null(ds, "ds");
        const auto &d = ds->impl;
        if (!d.has_labels()) subq::fail(SUBQ_ERR_STATE, "ds: the data set has no labels");
        if (d.rows() > 0) require_not_null(y, "y");
        std::copy(d.labels().begin(), d.labels().end(), y);
    });
}

SUBQ_API subq_status subq_npy_write_f64(const char *path, subq_layout layout, subq_index n, subq_index d,
                                        const double *x, subq_index ldx) {
    return write_npy("subq_npy_write_f64", path, layout, n, d, x, ldx);
}

SUBQ_API subq_status subq_npy_write_f32(const char *path, subq_layout layout, subq_index n, subq_index d,
                                        const float *x, subq_index ldx) {
    return write_npy("subq_npy_write_f32", path, layout, n, d, x, ldx);
}

}  // extern "C"
