// C translation layer of src/sketch: subq_sketch_* (include/subq/sketch.h).
#include <memory>
#include <string>

#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/matrix.hpp"
#include "sketch/sketch.hpp"
#include "sketch/tree.hpp"
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
        if (c.kind() == SUBQ_KIND_TREE_SKETCH) {
            subq::sketch::TreeParams p;
            p.input_dim = c.get_int(SUBQ_P_INPUT_DIM);
            p.output_dim = c.get_int(SUBQ_P_OUTPUT_DIM);
            p.degree = c.get_int(SUBQ_P_DEGREE);
            p.all_degrees = c.get_int(SUBQ_P_ALL_DEGREES) != 0;
            p.leaf_mode = static_cast<int>(c.get_int(SUBQ_P_LEAF_MODE));
            p.leaf_type = static_cast<int>(c.get_int(SUBQ_P_LEAF_TYPE));
            p.leaf_dim = c.get_int(SUBQ_P_LEAF_DIM);
            p.leaf_hash_dim = c.get_int(SUBQ_P_LEAF_HASH_DIM);
            p.sparsity = c.get_int(SUBQ_P_SPARSITY);
            p.node_type = static_cast<int>(c.get_int(SUBQ_P_NODE_TYPE));
            p.node_dim = c.get_int(SUBQ_P_NODE_DIM);
            p.gamma = c.get_double(SUBQ_P_GAMMA);
            p.coef0 = c.get_double(SUBQ_P_COEF0);
            p.seed = static_cast<std::uint64_t>(c.get_int(SUBQ_P_SEED));
            p.num_threads = c.get_int(SUBQ_P_NUM_THREADS);
            p.block_rows = c.get_int(SUBQ_P_BLOCK_ROWS);
            auto impl = subq::sketch::TreeSketch::create(p);
            *out = new subq_sketch_s{std::move(impl)};
            return;
        }
        if (c.kind() != SUBQ_KIND_SKETCH)
            subq::fail(SUBQ_ERR_INVALID_ARG, "cfg is of kind " + std::to_string(static_cast<int>(c.kind())) +
                                                 ", expected SUBQ_KIND_SKETCH (1) or SUBQ_KIND_TREE_SKETCH (2)");
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

SUBQ_API subq_status subq_sketch_get_int(const subq_sketch *sk, subq_param key, int64_t *value) {
    return guarded("subq_sketch_get_int", [&] {
        namespace sks = subq::sketch;
        const auto &s = handle(sk);
        require_not_null(value, "value");
        const auto *tree = dynamic_cast<const sks::TreeSketch *>(&s);
        const auto *hash = dynamic_cast<const sks::HashSketch *>(&s);
        const auto *ts = dynamic_cast<const sks::TensorSketch *>(&s);
        std::int64_t v = 0;
        bool known = true;
        switch (key) {
            case SUBQ_P_INPUT_DIM:
                v = s.input_dim();
                break;
            case SUBQ_P_OUTPUT_DIM:
                v = s.output_dim();
                break;
            case SUBQ_P_SEED:
                v = static_cast<std::int64_t>(s.seed());
                break;
            case SUBQ_P_DEGREE:
                known = tree != nullptr || ts != nullptr || s.type() == sks::Type::kTensorSrht;
                v = tree != nullptr ? tree->max_degree() : (ts != nullptr ? ts->degree() : 2);
                break;
            case SUBQ_P_SPARSITY:
                v = tree != nullptr ? tree->sparsity()
                                    : (hash != nullptr && s.type() == sks::Type::kOsnap ? hash->map().components() : 0);
                known = v > 0;
                break;
            case SUBQ_P_LEAF_MODE:
                known = tree != nullptr;
                v = known ? static_cast<int>(tree->leaf_mode()) : 0;
                break;
            case SUBQ_P_LEAF_TYPE:
                known = tree != nullptr;
                v = known ? static_cast<int>(tree->leaf_type()) : 0;
                break;
            case SUBQ_P_LEAF_DIM:
                known = tree != nullptr;
                v = known ? tree->leaf_dim() : 0;
                break;
            case SUBQ_P_NODE_TYPE:
                known = tree != nullptr;
                v = known ? static_cast<int>(tree->node_type()) : 0;
                break;
            case SUBQ_P_NODE_DIM:
                known = tree != nullptr;
                v = known ? tree->node_dim() : 0;
                break;
            case SUBQ_P_ALL_DEGREES:
                known = tree != nullptr;
                v = known && tree->all_degrees() ? 1 : 0;
                break;
            default:
                known = false;
        }
        if (!known)
            subq::fail(SUBQ_ERR_UNKNOWN_PARAM, "key " + std::to_string(static_cast<int>(key)) +
                                                   " is not a parameter of this " + sks::type_name(s.type()) +
                                                   " sketch");
        *value = v;
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
