// C translation layer of src/kernel: subq_featuremap_* and subq_kernel_gram_* (include/subq/featuremap.h).
#include <memory>
#include <string>

#include "capi/featuremap_handle.hpp"
#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/matrix.hpp"
#include "kernel/comparators.hpp"
#include "kernel/exact.hpp"
#include "kernel/featuremap.hpp"
#include "subq/subq.h"

namespace kn = subq::kernel;

using subq::capi::guarded;
using subq::capi::input_dim;
using subq::capi::output_dim;
using subq::capi::require_input_dim;
using subq::capi::require_not_null;

namespace {

const subq::Config &featuremap_config(const subq_config *cfg) {
    require_not_null(cfg, "cfg");
    const subq::Config &c = cfg->impl;
    if (c.kind() != SUBQ_KIND_FEATUREMAP)
        subq::fail(SUBQ_ERR_INVALID_ARG, "cfg is of kind " + std::to_string(static_cast<int>(c.kind())) +
                                             ", expected SUBQ_KIND_FEATUREMAP (3)");
    return c;
}

kn::KernelParams kernel_params(const subq::Config &c) {
    const std::int64_t kernel = c.get_int(SUBQ_P_KERNEL);
    if (kernel == 0) subq::fail(SUBQ_ERR_INVALID_ARG, "SUBQ_P_KERNEL is not set; choose a subq_kernel");
    kn::KernelParams k;
    k.kernel = static_cast<kn::Kernel>(kernel);
    k.gamma = c.get_double(SUBQ_P_GAMMA);
    k.coef0 = c.get_double(SUBQ_P_COEF0);
    k.degree = c.get_int(SUBQ_P_DEGREE);
    k.depth = static_cast<int>(c.get_int(SUBQ_P_NTK_DEPTH));
    k.convention = static_cast<kn::NtkConvention>(c.get_int(SUBQ_P_NTK_CONVENTION));
    kn::validate(k);
    return k;
}

const subq_featuremap_s &handle(const subq_featuremap *fm) {
    require_not_null(fm, "fm");
    return *fm;
}

template <class T>
subq_status transform_dense(const char *fn, const subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                            const T *x, subq_index ldx, T *z, subq_index ldz) {
    return guarded(fn, [&] {
        const auto &f = handle(fm);
        require_input_dim(f, d);
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto zv = subq::dense_view<T>("z", layout, n, output_dim(f), z, ldz);
        if (f.taylor)
            f.taylor->apply(xv, zv);
        else if (f.rff)
            f.rff->apply(xv, zv);
        else
            f.nystrom->apply(xv, zv);
    });
}

template <class T>
subq_status transform_csr(const char *fn, const subq_featuremap *fm, subq_index n, subq_index d,
                          const subq_index *indptr, const subq_index *indices, const T *values, subq_layout out_layout,
                          T *z, subq_index ldz) {
    return guarded(fn, [&] {
        const auto &f = handle(fm);
        require_input_dim(f, d);
        const auto zv = subq::dense_view<T>("z", out_layout, n, output_dim(f), z, ldz);
        const auto xv = subq::csr_view<T>("x", n, d, indptr, indices, values);
        if (f.taylor)
            f.taylor->apply_csr(xv, zv);
        else if (f.rff)
            f.rff->apply_csr(xv, zv);
        else
            f.nystrom->apply_csr(xv, zv);
    });
}

template <class T>
subq_status gram(const char *fn, const subq_config *cfg, subq_layout layout, subq_index n, subq_index m, subq_index d,
                 const T *x, subq_index ldx, const T *y, subq_index ldy, T *k, subq_index ldk) {
    return guarded(fn, [&] {
        const kn::KernelParams kp = kernel_params(featuremap_config(cfg));
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto yv = subq::dense_view<const T>("y", layout, m, d, y, ldy);
        const auto kv = subq::dense_view<T>("k", layout, n, m, k, ldk);
        kn::GramOptions opt;
        opt.num_threads = cfg->impl.get_int(SUBQ_P_NUM_THREADS);
        opt.block_rows = cfg->impl.get_int(SUBQ_P_BLOCK_ROWS);
        kn::gram(kp, xv, yv, kv, opt);
    });
}

template <class T>
subq_status fit_dense(const char *fn, subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d, const T *x,
                      subq_index ldx) {
    return guarded(fn, [&] {
        require_not_null(fm, "fm");
        require_input_dim(*fm, d);
        if (n < 1) subq::fail(SUBQ_ERR_DIMENSION, "n = " + std::to_string(n) + ": a fit needs at least one row");
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        if (fm->nystrom) fm->nystrom->fit(xv);
    });
}

}  // namespace

extern "C" {

SUBQ_API subq_status subq_featuremap_create(const subq_config *cfg, subq_featuremap **out) {
    if (out != nullptr) *out = nullptr;
    return guarded("subq_featuremap_create", [&] {
        const subq::Config &c = featuremap_config(cfg);
        require_not_null(out, "out");
        const kn::KernelParams kp = kernel_params(c);
        const subq::index_t d = c.get_int(SUBQ_P_INPUT_DIM), m = c.get_int(SUBQ_P_OUTPUT_DIM);
        const auto seed = static_cast<std::uint64_t>(c.get_int(SUBQ_P_SEED));
        const std::int64_t threads = c.get_int(SUBQ_P_NUM_THREADS), block_rows = c.get_int(SUBQ_P_BLOCK_ROWS);
        auto f = std::make_unique<subq_featuremap_s>();
        switch (c.get_int(SUBQ_P_FEATURE_METHOD)) {
            case SUBQ_FEATURES_TAYLOR: {
                kn::FeatureMapParams p;
                p.kernel = kp;
                p.input_dim = d;
                p.output_dim = m;
                p.granularity = c.get_int(SUBQ_P_GRANULARITY);
                p.tolerance = c.get_double(SUBQ_P_TAYLOR_TOLERANCE);
                p.max_degree = c.get_int(SUBQ_P_MAX_DEGREE);
                p.radius = c.get_double(SUBQ_P_RADIUS);
                p.allocation = static_cast<kn::Allocation>(c.get_int(SUBQ_P_DEGREE_ALLOCATION));
                p.leaf_mode = static_cast<int>(c.get_int(SUBQ_P_LEAF_MODE));
                p.seed = seed;
                p.num_threads = threads;
                p.block_rows = block_rows;
                f->taylor = kn::FeatureMap::create(p);
                break;
            }
            case SUBQ_FEATURES_RFF:
                if (kp.kernel != kn::Kernel::kGaussian)
                    subq::fail(SUBQ_ERR_UNSUPPORTED,
                               std::string("random Fourier features exist for the Gaussian kernel only, not ") +
                                   kn::kernel_name(kp.kernel));
                f->rff = kn::RandomFourier::create(kp, d, m, seed, threads, block_rows);
                break;
            default:
                f->nystrom = kn::Nystrom::create(kp, d, m, seed, threads);
        }
        *out = f.release();
    });
}

SUBQ_API void subq_featuremap_destroy(subq_featuremap *fm) {
    delete fm;
}

SUBQ_API subq_status subq_featuremap_input_dim(const subq_featuremap *fm, subq_index *d) {
    return guarded("subq_featuremap_input_dim", [&] {
        const auto &f = handle(fm);
        require_not_null(d, "d");
        *d = input_dim(f);
    });
}

SUBQ_API subq_status subq_featuremap_output_dim(const subq_featuremap *fm, subq_index *m) {
    return guarded("subq_featuremap_output_dim", [&] {
        const auto &f = handle(fm);
        require_not_null(m, "m");
        *m = output_dim(f);
    });
}

SUBQ_API subq_status subq_featuremap_truncation(const subq_featuremap *fm, int64_t *degree, double *tail,
                                                int *cap_binds) {
    return guarded("subq_featuremap_truncation", [&] {
        const auto &f = handle(fm);
        if (!f.taylor) subq::fail(SUBQ_ERR_UNSUPPORTED, "only Taylor features truncate a series");
        const kn::Truncation &t = f.taylor->truncation();
        if (degree != nullptr) *degree = t.degree;
        if (tail != nullptr) *tail = t.tail;
        if (cap_binds != nullptr) *cap_binds = t.cap_binds ? 1 : 0;
    });
}

SUBQ_API subq_status subq_featuremap_fit_f64(subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                             const double *x, subq_index ldx) {
    return fit_dense("subq_featuremap_fit_f64", fm, layout, n, d, x, ldx);
}

SUBQ_API subq_status subq_featuremap_fit_f32(subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                             const float *x, subq_index ldx) {
    return fit_dense("subq_featuremap_fit_f32", fm, layout, n, d, x, ldx);
}

SUBQ_API subq_status subq_featuremap_set_landmarks_f64(subq_featuremap *fm, subq_layout layout, subq_index k,
                                                       subq_index d, const double *landmarks, subq_index ld) {
    return guarded("subq_featuremap_set_landmarks_f64", [&] {
        require_not_null(fm, "fm");
        if (!fm->nystrom) subq::fail(SUBQ_ERR_UNSUPPORTED, "only Nyström feature maps have landmarks");
        require_input_dim(*fm, d);
        if (k < 1) subq::fail(SUBQ_ERR_DIMENSION, "k = " + std::to_string(k) + ": at least one landmark is needed");
        fm->nystrom->set_landmarks(subq::dense_view<const double>("landmarks", layout, k, d, landmarks, ld));
    });
}

SUBQ_API subq_status subq_featuremap_transform_f64(const subq_featuremap *fm, subq_layout layout, subq_index n,
                                                   subq_index d, const double *x, subq_index ldx, double *z,
                                                   subq_index ldz) {
    return transform_dense("subq_featuremap_transform_f64", fm, layout, n, d, x, ldx, z, ldz);
}

SUBQ_API subq_status subq_featuremap_transform_f32(const subq_featuremap *fm, subq_layout layout, subq_index n,
                                                   subq_index d, const float *x, subq_index ldx, float *z,
                                                   subq_index ldz) {
    return transform_dense("subq_featuremap_transform_f32", fm, layout, n, d, x, ldx, z, ldz);
}

SUBQ_API subq_status subq_featuremap_transform_csr_f64(const subq_featuremap *fm, subq_index n, subq_index d,
                                                       const subq_index *indptr, const subq_index *indices,
                                                       const double *values, subq_layout out_layout, double *z,
                                                       subq_index ldz) {
    return transform_csr("subq_featuremap_transform_csr_f64", fm, n, d, indptr, indices, values, out_layout, z, ldz);
}

SUBQ_API subq_status subq_featuremap_transform_csr_f32(const subq_featuremap *fm, subq_index n, subq_index d,
                                                       const subq_index *indptr, const subq_index *indices,
                                                       const float *values, subq_layout out_layout, float *z,
                                                       subq_index ldz) {
    return transform_csr("subq_featuremap_transform_csr_f32", fm, n, d, indptr, indices, values, out_layout, z, ldz);
}

SUBQ_API subq_status subq_kernel_gram_f64(const subq_config *cfg, subq_layout layout, subq_index n, subq_index m,
                                          subq_index d, const double *x, subq_index ldx, const double *y,
                                          subq_index ldy, double *k, subq_index ldk) {
    return gram("subq_kernel_gram_f64", cfg, layout, n, m, d, x, ldx, y, ldy, k, ldk);
}

SUBQ_API subq_status subq_kernel_gram_f32(const subq_config *cfg, subq_layout layout, subq_index n, subq_index m,
                                          subq_index d, const float *x, subq_index ldx, const float *y, subq_index ldy,
                                          float *k, subq_index ldk) {
    return gram("subq_kernel_gram_f32", cfg, layout, n, m, d, x, ldx, y, ldy, k, ldk);
}

}  // extern "C"
