// C translation layer of src/krr: subq_krr_* and subq_low_rank_* (include/subq/krr.h).
#include <memory>
#include <string>
#include <vector>

#include "capi/featuremap_handle.hpp"
#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/matrix.hpp"
#include "krr/ridge.hpp"
#include "subq/subq.h"

namespace kr = subq::krr;

// Exactly one of `ridge` and `exact` is set. `source` is what `ridge` was fitted on (it borrows the map).
struct subq_krr_s {
    std::unique_ptr<kr::FeatureSource> source;
    std::unique_ptr<kr::Ridge> ridge;
    std::unique_ptr<kr::ExactRidge> exact;
    subq_krr_solver solver = SUBQ_KRR_CHOLESKY;
};

using subq::capi::guarded;
using subq::capi::require_not_null;

namespace {

std::unique_ptr<kr::FeatureSource> source_of(const subq_featuremap *fm, subq_index d) {
    if (fm == nullptr) return kr::identity_features(d);
    if (fm->taylor) return kr::taylor_features(*fm->taylor);
    if (fm->rff) return kr::fourier_features(*fm->rff);
    return kr::nystrom_centres(*fm->nystrom);
}

subq::kernel::KernelParams kernel_of(const subq_featuremap &fm) {
    if (fm.taylor) return fm.taylor->kernel();
    if (fm.nystrom) return fm.nystrom->kernel();
    subq::kernel::KernelParams k;
    k.kernel = subq::kernel::Kernel::kGaussian;
    k.gamma = fm.rff->gamma();
    return k;
}

template <class T>
std::vector<double> to_double(const subq::DenseView<const T> &x) {
    std::vector<double> out(static_cast<std::size_t>(x.rows * x.cols));
    for (subq::index_t i = 0; i < x.rows; ++i)
        for (subq::index_t j = 0; j < x.cols; ++j) out[static_cast<std::size_t>(i * x.cols + j)] = x(i, j);
    return out;
}

template <class T>
subq_status fit(const char *fn, const subq_config *cfg, const subq_featuremap *fm, subq_layout layout, subq_index n,
                subq_index d, const T *x, subq_index ldx, subq_index k, const double *y, subq_index ldy,
                subq_krr_progress_fn progress, void *user_data, subq_krr **out) {
    return guarded(fn, [&] {
        require_not_null(out, "out");
        *out = nullptr;
        require_not_null(cfg, "cfg");
        const subq::Config &c = cfg->impl;
        if (c.kind() != SUBQ_KIND_KRR)
            subq::fail(SUBQ_ERR_INVALID_ARG,
                       "cfg is of kind " + std::to_string(static_cast<int>(c.kind())) + ", expected SUBQ_KIND_KRR (4)");
        if (fm != nullptr) subq::capi::require_input_dim(*fm, d);
        if (n < 1) subq::fail(SUBQ_ERR_DIMENSION, "n = " + std::to_string(n) + ": a fit needs at least one row");
        if (k < 1) subq::fail(SUBQ_ERR_DIMENSION, "k = " + std::to_string(k) + ": at least one output is needed");
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto yv = subq::dense_view<const double>("y", layout, n, k, y, ldy);
        kr::Options o;
        o.lambda = c.get_double(SUBQ_P_LAMBDA);
        o.select = static_cast<kr::Select>(c.get_int(SUBQ_P_LAMBDA_SELECT));
        o.holdout_fraction = c.get_double(SUBQ_P_HOLDOUT_FRACTION);
        o.score = static_cast<kr::Score>(c.get_int(SUBQ_P_HOLDOUT_SCORE));
        o.grid_min = c.get_double(SUBQ_P_LAMBDA_GRID_MIN);
        o.grid_max = c.get_double(SUBQ_P_LAMBDA_GRID_MAX);
        o.grid_points = c.get_int(SUBQ_P_LAMBDA_GRID_POINTS);
        o.block_rows = c.get_int(SUBQ_P_BLOCK_ROWS);
        o.seed = static_cast<std::uint64_t>(c.get_int(SUBQ_P_SEED));
        o.sketch_rows = c.get_int(SUBQ_P_KRR_SKETCH_ROWS);
        o.pcg_tolerance = c.get_double(SUBQ_P_KRR_TOLERANCE);
        o.pcg_max_iterations = c.get_int(SUBQ_P_KRR_MAX_ITERATIONS);
        if (progress != nullptr)
            o.progress = [progress, user_data](subq::index_t done, subq::index_t total) {
                return progress(user_data, done, total) == 0;
            };
        const auto solver = static_cast<subq_krr_solver>(c.get_int(SUBQ_P_KRR_SOLVER));
        auto model = std::make_unique<subq_krr_s>();
        if (solver == SUBQ_KRR_EXACT) {
            if (fm == nullptr)
                subq::fail(SUBQ_ERR_INVALID_ARG, "SUBQ_KRR_EXACT needs a feature map (for its kernel); fm is NULL");
            if (o.lambda == 0)
                subq::fail(SUBQ_ERR_INVALID_ARG, "SUBQ_KRR_EXACT needs a fixed SUBQ_P_LAMBDA > 0 (no λ selection)");
            std::vector<double> xd = to_double(xv);
            const subq::DenseView<const double> xdv{xd.data(), n, d, d, SUBQ_ROW_MAJOR};
            model->exact = kr::ExactRidge::fit(kernel_of(*fm), xdv, yv, o.lambda, c.get_int(SUBQ_P_NUM_THREADS));
            model->solver = SUBQ_KRR_EXACT;
        } else {
            o.solver = solver == SUBQ_KRR_PCG        ? kr::Solver::kPcg
                       : solver == SUBQ_KRR_CHOLESKY ? kr::Solver::kCholesky
                                                     : kr::Solver::kAuto;
            model->source = source_of(fm, d);
            model->ridge = kr::Ridge::fit(*model->source, xv, yv, o);
            model->solver = model->ridge->report().solver == kr::Solver::kPcg ? SUBQ_KRR_PCG : SUBQ_KRR_CHOLESKY;
        }
        *out = model.release();
    });
}

const subq_krr_s &handle(const subq_krr *m) {
    require_not_null(m, "model");
    return *m;
}

template <class T>
subq_status predict(const char *fn, const subq_krr *model, subq_layout layout, subq_index n, subq_index d, const T *x,
                    subq_index ldx, double *out, subq_index ldout) {
    return guarded(fn, [&] {
        const auto &m = handle(model);
        const subq_index in = m.exact ? m.exact->input_dim() : m.ridge->input_dim();
        const subq_index k = m.exact ? m.exact->outputs() : m.ridge->outputs();
        if (d != in)
            subq::fail(SUBQ_ERR_DIMENSION, "d = " + std::to_string(d) + " does not match the model's input dimension " +
                                               std::to_string(in));
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto ov = subq::dense_view<double>("out", layout, n, k, out, ldout);
        if (n == 0) return;
        if (m.exact) {
            std::vector<double> xd = to_double(xv);
            m.exact->predict(subq::DenseView<const double>{xd.data(), n, d, d, SUBQ_ROW_MAJOR}, ov);
        } else {
            m.ridge->predict(xv, ov);
        }
    });
}

template <class T>
subq_status low_rank(const char *fn, const subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                     const T *x, subq_index ldx, subq_index rank, double *f, subq_index ldf) {
    return guarded(fn, [&] {
        if (fm != nullptr) subq::capi::require_input_dim(*fm, d);
        if (rank < 1) subq::fail(SUBQ_ERR_DIMENSION, "rank = " + std::to_string(rank) + " must be >= 1");
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto fv = subq::dense_view<double>("f", layout, n, rank, f, ldf);
        const auto source = source_of(fm, d);
        kr::low_rank(*source, xv, rank, fv);
    });
}

}  // namespace

extern "C" {

SUBQ_API subq_status subq_krr_fit_f64(const subq_config *cfg, const subq_featuremap *fm, subq_layout layout,
                                      subq_index n, subq_index d, const double *x, subq_index ldx, subq_index k,
                                      const double *y, subq_index ldy, subq_krr_progress_fn progress, void *user_data,
                                      subq_krr **out) {
    return fit("subq_krr_fit_f64", cfg, fm, layout, n, d, x, ldx, k, y, ldy, progress, user_data, out);
}

SUBQ_API subq_status subq_krr_fit_f32(const subq_config *cfg, const subq_featuremap *fm, subq_layout layout,
                                      subq_index n, subq_index d, const float *x, subq_index ldx, subq_index k,
                                      const double *y, subq_index ldy, subq_krr_progress_fn progress, void *user_data,
                                      subq_krr **out) {
    return fit("subq_krr_fit_f32", cfg, fm, layout, n, d, x, ldx, k, y, ldy, progress, user_data, out);
}

SUBQ_API void subq_krr_destroy(subq_krr *model) {
    delete model;
}

SUBQ_API subq_status subq_krr_predict_f64(const subq_krr *model, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, double *out, subq_index ldout) {
    return predict("subq_krr_predict_f64", model, layout, n, d, x, ldx, out, ldout);
}

SUBQ_API subq_status subq_krr_predict_f32(const subq_krr *model, subq_layout layout, subq_index n, subq_index d,
                                          const float *x, subq_index ldx, double *out, subq_index ldout) {
    return predict("subq_krr_predict_f32", model, layout, n, d, x, ldx, out, ldout);
}

SUBQ_API subq_status subq_krr_get_int(const subq_krr *model, subq_krr_stat key, int64_t *value) {
    return guarded("subq_krr_get_int", [&] {
        const auto &m = handle(model);
        require_not_null(value, "value");
        const bool exact = m.exact != nullptr;
        const kr::Report empty;
        const kr::Report &r = exact ? empty : m.ridge->report();
        switch (key) {
            case SUBQ_KRR_ROWS:
                *value = exact ? m.exact->rows() : r.rows;
                break;
            case SUBQ_KRR_HOLDOUT_ROWS:
                *value = r.holdout_rows;
                break;
            case SUBQ_KRR_RETRIES:
                *value = r.retries;
                break;
            case SUBQ_KRR_OUTPUTS:
                *value = exact ? m.exact->outputs() : m.ridge->outputs();
                break;
            case SUBQ_KRR_WIDTH:
                *value = exact ? m.exact->rows() : m.ridge->width();
                break;
            case SUBQ_KRR_GRID_POINTS:
                *value = static_cast<int64_t>(r.grid.size());
                break;
            case SUBQ_KRR_SOLVER_USED:
                *value = m.solver;
                break;
            case SUBQ_KRR_ITERATIONS:
                *value = r.iterations;
                break;
            default:
                subq::fail(SUBQ_ERR_INVALID_ARG,
                           "key " + std::to_string(static_cast<int>(key)) + " is not an int statistic of a model");
        }
    });
}

SUBQ_API subq_status subq_krr_get_double(const subq_krr *model, subq_krr_stat key, double *value) {
    return guarded("subq_krr_get_double", [&] {
        const auto &m = handle(model);
        require_not_null(value, "value");
        const kr::Report empty;
        const kr::Report &r = m.exact ? empty : m.ridge->report();
        switch (key) {
            case SUBQ_KRR_LAMBDA:
                *value = m.exact ? m.exact->lambda() : r.lambda;
                break;
            case SUBQ_KRR_SCALE:
                *value = r.scale;
                break;
            case SUBQ_KRR_SECONDS_FEATURES:
                *value = r.seconds_features;
                break;
            case SUBQ_KRR_SECONDS_GRAM:
                *value = r.seconds_gram;
                break;
            case SUBQ_KRR_SECONDS_SOLVE:
                *value = r.seconds_solve;
                break;
            default:
                subq::fail(SUBQ_ERR_INVALID_ARG,
                           "key " + std::to_string(static_cast<int>(key)) + " is not a double statistic of a model");
        }
    });
}

SUBQ_API subq_status subq_krr_grid(const subq_krr *model, int64_t i, double *lambda, double *score) {
    return guarded("subq_krr_grid", [&] {
        const auto &m = handle(model);
        const kr::Report empty;
        const kr::Report &r = m.exact ? empty : m.ridge->report();
        if (i < 0 || i >= static_cast<int64_t>(r.grid.size()))
            subq::fail(SUBQ_ERR_DIMENSION,
                       "i = " + std::to_string(i) + " is outside the grid [0, " + std::to_string(r.grid.size()) + ")");
        if (lambda != nullptr) *lambda = r.grid[static_cast<std::size_t>(i)];
        if (score != nullptr) *score = r.grid_score[static_cast<std::size_t>(i)];
    });
}

SUBQ_API subq_status subq_low_rank_f64(const subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                       const double *x, subq_index ldx, subq_index rank, double *f, subq_index ldf) {
    return low_rank("subq_low_rank_f64", fm, layout, n, d, x, ldx, rank, f, ldf);
}

SUBQ_API subq_status subq_low_rank_f32(const subq_featuremap *fm, subq_layout layout, subq_index n, subq_index d,
                                       const float *x, subq_index ldx, subq_index rank, double *f, subq_index ldf) {
    return low_rank("subq_low_rank_f32", fm, layout, n, d, x, ldx, rank, f, ldf);
}

}  // extern "C"
