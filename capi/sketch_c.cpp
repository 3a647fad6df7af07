// C translation layer of src/sketch: subq_sketch_* (include/subq/sketch.h).
#include <memory>
#include <string>

#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/matrix.hpp"
#include "sketch/sketch.hpp"
#include "subq/subq.h"

struct subq_sketch_s {
    std::unique_ptr<subq::sketch::Sketch> impl;
};

using subq::capi::guarded;
using subq::capi::require_not_null;

namespace {

const subq::sketch::Sketch &handle(const subq_sketch *sk) {
    require_not_null(sk, "sk");
    return *sk->impl;
}

template <class T>
subq_status apply_dense(const char *fn, const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d,
                        const T *x, subq_index ldx, T *z, subq_index ldz) {
    return guarded(fn, [&] {
        const auto &s = handle(sk);
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto zv = subq::dense_view<T>("z", layout, n, s.output_dim(), z, ldz);
        s.apply(xv, zv);
    });
}

template <class T>
subq_status apply_csr(const char *fn, const subq_sketch *sk, subq_index n, subq_index d, const subq_index *indptr,
                      const subq_index *indices, const T *values, subq_layout out_layout, T *z, subq_index ldz) {
    return guarded(fn, [&] {
        const auto &s = handle(sk);
        const auto zv = subq::dense_view<T>("z", out_layout, n, s.output_dim(), z, ldz);
        if (d != s.input_dim())
            subq::fail(SUBQ_ERR_DIMENSION, "d = " + std::to_string(d) +
                                               " does not match the sketch's input dimension " +
                                               std::to_string(s.input_dim()));
        const auto xv = subq::csr_view<T>("x", n, d, indptr, indices, values);
        s.apply_csr(xv, zv);
    });
}

template <class T>
subq_status apply_pair(const char *fn, const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d1,
                       const T *a, subq_index lda, subq_index d2, const T *b, subq_index ldb, T *z, subq_index ldz) {
    return guarded(fn, [&] {
        const auto &s = handle(sk);
        const auto av = subq::dense_view<const T>("a", layout, n, d1, a, lda);
        const auto bv = subq::dense_view<const T>("b", layout, n, d2, b, ldb);
        const auto zv = subq::dense_view<T>("z", layout, n, s.output_dim(), z, ldz);
        s.apply_pair(av, bv, zv);
    });
}

}  // namespace

extern "C" {

SUBQ_API subq_status subq_sketch_create(const subq_config *cfg, subq_sketch **out) {
    if (out != nullptr) *out = nullptr;
    return guarded("subq_sketch_create", [&] {
        require_not_null(cfg, "cfg");
        require_not_null(out, "out");
        const subq::Config &c = cfg->impl;
        if (c.kind() != SUBQ_KIND_SKETCH)
            subq::fail(SUBQ_ERR_INVALID_ARG, "cfg is of kind " + std::to_string(static_cast<int>(c.kind())) +
                                                 ", expected SUBQ_KIND_SKETCH (1)");
        subq::sketch::Params p;
        p.type = static_cast<int>(c.get_int(SUBQ_P_SKETCH_TYPE));
        p.input_dim = c.get_int(SUBQ_P_INPUT_DIM);
        p.input_dim2 = c.get_int(SUBQ_P_INPUT_DIM2);
        p.output_dim = c.get_int(SUBQ_P_OUTPUT_DIM);
        p.degree = c.get_int(SUBQ_P_DEGREE);
        p.sparsity = c.get_int(SUBQ_P_SPARSITY);
        p.seed = static_cast<std::uint64_t>(c.get_int(SUBQ_P_SEED));
        p.num_threads = c.get_int(SUBQ_P_NUM_THREADS);
        p.block_rows = c.get_int(SUBQ_P_BLOCK_ROWS);
        auto impl = subq::sketch::Sketch::create(p);
        *out = new subq_sketch_s{std::move(impl)};
    });
}

SUBQ_API void subq_sketch_destroy(subq_sketch *sk) {
    delete sk;
}

SUBQ_API subq_status subq_sketch_input_dim(const subq_sketch *sk, subq_index *d) {
    return guarded("subq_sketch_input_dim", [&] {
        const auto &s = handle(sk);
        require_not_null(d, "d");
        *d = s.input_dim();
    });
}

SUBQ_API subq_status subq_sketch_input_dim2(const subq_sketch *sk, subq_index *d2) {
    return guarded("subq_sketch_input_dim2", [&] {
        const auto &s = handle(sk);
        require_not_null(d2, "d2");
        *d2 = s.input_dim2();
    });
}

SUBQ_API subq_status subq_sketch_output_dim(const subq_sketch *sk, subq_index *m) {
    return guarded("subq_sketch_output_dim", [&] {
        const auto &s = handle(sk);
        require_not_null(m, "m");
        *m = s.output_dim();
    });
}

SUBQ_API subq_status subq_sketch_get_type(const subq_sketch *sk, subq_sketch_type *type) {
    return guarded("subq_sketch_get_type", [&] {
        const auto &s = handle(sk);
        require_not_null(type, "type");
        *type = static_cast<subq_sketch_type>(s.type());
    });
}

SUBQ_API subq_status subq_sketch_apply_f64(const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d,
                                           const double *x, subq_index ldx, double *z, subq_index ldz) {
    return apply_dense("subq_sketch_apply_f64", sk, layout, n, d, x, ldx, z, ldz);
}

SUBQ_API subq_status subq_sketch_apply_f32(const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d,
                                           const float *x, subq_index ldx, float *z, subq_index ldz) {
    return apply_dense("subq_sketch_apply_f32", sk, layout, n, d, x, ldx, z, ldz);
}

SUBQ_API subq_status subq_sketch_apply_csr_f64(const subq_sketch *sk, subq_index n, subq_index d,
                                               const subq_index *indptr, const subq_index *indices,
                                               const double *values, subq_layout out_layout, double *z,
                                               subq_index ldz) {
    return apply_csr("subq_sketch_apply_csr_f64", sk, n, d, indptr, indices, values, out_layout, z, ldz);
}

SUBQ_API subq_status subq_sketch_apply_csr_f32(const subq_sketch *sk, subq_index n, subq_index d,
                                               const subq_index *indptr, const subq_index *indices, const float *values,
                                               subq_layout out_layout, float *z, subq_index ldz) {
    return apply_csr("subq_sketch_apply_csr_f32", sk, n, d, indptr, indices, values, out_layout, z, ldz);
}

SUBQ_API subq_status subq_sketch_apply_pair_f64(const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d1,
                                                const double *a, subq_index lda, subq_index d2, const double *b,
                                                subq_index ldb, double *z, subq_index ldz) {
    return apply_pair("subq_sketch_apply_pair_f64", sk, layout, n, d1, a, lda, d2, b, ldb, z, ldz);
}

SUBQ_API subq_status subq_sketch_apply_pair_f32(const subq_sketch *sk, subq_layout layout, subq_index n, subq_index d1,
                                                const float *a, subq_index lda, subq_index d2, const float *b,
                                                subq_index ldb, float *z, subq_index ldz) {
    return apply_pair("subq_sketch_apply_pair_f32", sk, layout, n, d1, a, lda, d2, b, ldb, z, ldz);
}

}  // extern "C"
