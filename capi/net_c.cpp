// C translation layer of src/train: subq_net_*.
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <variant>

#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/matrix.hpp"
#include "core/rng.hpp"
#include "subq/subq.h"
#include "train/net.hpp"
#include "train/serialize.hpp"

using subq::capi::guarded;
using subq::capi::require_not_null;
namespace train = subq::train;

struct subq_net_s {
    train::AnyNetwork impl;
    subq_dtype dtype = SUBQ_F32;
    double learning_rate = 0;  // configured (0 = automatic), then the last one used
    train::Counters counters;
    std::vector<train::LayerStats> stats;  // of the last step; empty before the first
    std::vector<std::int64_t> ranks;       // lazy ranks after the last step, per layer
    bool stepped = false;
    train::GnReport last_gn;  // of the last step when it was Gauss–Newton
    bool last_was_gn = false;
    double last_loss = 0;

    const train::Options &options() const {
        return std::visit([](const auto &p) -> const train::Options & { return p->options(); }, impl);
    }
};

namespace {

train::Options options_from(const subq::Config &c) {
    if (c.kind() != SUBQ_KIND_NET) subq::fail(SUBQ_ERR_INVALID_ARG, "cfg is not a config of kind SUBQ_KIND_NET");
    train::Options o;
    o.input_dim = c.get_int(SUBQ_P_INPUT_DIM);
    o.width = c.get_int(SUBQ_P_NET_WIDTH);
    if (o.input_dim < 1) subq::fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM must be set to the input dimension d >= 1");
    if (o.width < 1) subq::fail(SUBQ_ERR_DIMENSION, "SUBQ_P_NET_WIDTH must be set to the width m >= 1");
    o.depth = c.get_int(SUBQ_P_NET_DEPTH);
    o.outputs = c.get_int(SUBQ_P_NET_OUTPUTS);
    const bool has_threshold = c.is_set(SUBQ_P_NET_THRESHOLD);
    const double fraction = c.get_double(SUBQ_P_NET_ACTIVE_FRACTION);
    if (has_threshold && fraction > 0)
        subq::fail(SUBQ_ERR_INVALID_ARG, "SUBQ_P_NET_THRESHOLD and SUBQ_P_NET_ACTIVE_FRACTION are both set");
    o.threshold = has_threshold  ? c.get_double(SUBQ_P_NET_THRESHOLD)
                  : fraction > 0 ? train::gaussian_tail_inverse(fraction)
                                 : train::default_threshold(o.width);
    o.variant = static_cast<train::Variant>(c.get_int(SUBQ_P_NET_VARIANT));
    o.update = c.get_int(SUBQ_P_NET_UPDATE) == SUBQ_NET_UPDATE_LAZY ? train::UpdateRule::LazyLowRank
                                                                    : train::UpdateRule::EagerSparse;
    o.max_rank = c.get_int(SUBQ_P_NET_MAX_RANK);
    o.mode = static_cast<train::Mode>(c.get_int(SUBQ_P_NET_MODE));
    o.seed = static_cast<std::uint64_t>(c.get_int(SUBQ_P_SEED));
    o.threads = c.get_int(SUBQ_P_NUM_THREADS);
    o.learning_rate = c.get_double(SUBQ_P_LEARNING_RATE);
    o.gn.solver = static_cast<train::GnSolver>(c.get_int(SUBQ_P_NET_GN_SOLVER));
    o.gn.damping = c.get_double(SUBQ_P_NET_GN_DAMPING);
    o.gn.sketch_rows = c.get_int(SUBQ_P_NET_SKETCH_ROWS);
    o.gn.cg_tolerance = c.get_double(SUBQ_P_NET_CG_TOLERANCE);
    o.gn.cg_max_iterations = c.get_int(SUBQ_P_NET_CG_MAX_ITERATIONS);
    o.fit.solver = static_cast<int>(c.get_int(SUBQ_P_NET_SOLVER));
    o.fit.iterations = c.get_int(SUBQ_P_NET_ITERATIONS);
    o.fit.tolerance = c.get_double(SUBQ_P_NET_TOLERANCE);
    o.fit.batch_size = c.get_int(SUBQ_P_NET_BATCH_SIZE);
    return o;
}

template <class T>
train::Network<T> &network_of(const subq_net *net, const char *suffix) {
    auto *p = std::get_if<std::unique_ptr<train::Network<T>>>(&net->impl);
    if (p == nullptr)
        subq::fail(SUBQ_ERR_INVALID_ARG, std::string("the network stores ") +
                                             (net->dtype == SUBQ_F32 ? "float32" : "float64") + " weights; call the " +
                                             (net->dtype == SUBQ_F32 ? "_f32" : "_f64") + " function, not the " +
                                             suffix + " one");
    return **p;
}

void require_input_dim(const subq_net *net, subq_index d) {
    const auto &o = net->options();
    if (d != o.input_dim)
        subq::fail(SUBQ_ERR_DIMENSION, "d = " + std::to_string(d) + " differs from the network's input dimension " +
                                           std::to_string(o.input_dim));
}

template <class T>
subq_status predict(const char *fn, const subq_net *net, subq_layout layout, subq_index n, subq_index d, const T *x,
                    subq_index ldx, T *f, subq_index ldf) {
    return guarded(fn, [&] {
        require_not_null(net, "net");
        auto &impl = network_of<T>(net, std::is_same_v<T, float> ? "_f32" : "_f64");
        require_input_dim(net, d);
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto fv = subq::dense_view<T>("f", layout, n, net->options().outputs, f, ldf);
        if (n == 0) return;
        train::Batch batch;
        impl.forward(xv, batch, nullptr);
        const std::int64_t k = net->options().outputs;
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t c = 0; c < k; ++c) fv(i, c) = static_cast<T>(batch.f[i * k + c]);
    });
}

template <class T>
subq_status step(const char *fn, bool gauss_newton, subq_net *net, subq_layout layout, subq_index n, subq_index d,
                 const T *x, subq_index ldx, const T *y, subq_index ldy, double *loss) {
    return guarded(fn, [&] {
        require_not_null(net, "net");
        auto &impl = network_of<T>(net, std::is_same_v<T, float> ? "_f32" : "_f64");
        require_input_dim(net, d);
        if (n < 1) subq::fail(SUBQ_ERR_DIMENSION, "n = " + std::to_string(n) + ": a step needs at least one point");
        const std::int64_t k = net->options().outputs;
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto yv = subq::dense_view<const T>("y", layout, n, k, y, ldy);
        std::vector<double> targets(static_cast<std::size_t>(n * k));
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t c = 0; c < k; ++c) targets[i * k + c] = static_cast<double>(yv(i, c));
        std::vector<train::LayerStats> stats;
        double value = 0;
        if (gauss_newton) {
            value = impl.step_gn(xv, targets.data(), net->options().gn, stats, &net->last_gn, &net->counters);
        } else {
            double used = 0;
            value = impl.step_gd(xv, targets.data(), net->options().learning_rate, stats, &used, &net->counters);
            net->learning_rate = used;
        }
        net->last_was_gn = gauss_newton;
        net->last_loss = value;
        net->stepped = true;
        net->stats = std::move(stats);
        net->ranks.assign(static_cast<std::size_t>(net->options().depth), 0);
        for (std::int64_t l = 1; l <= net->options().depth; ++l) net->ranks[l - 1] = impl.rank(l);
        if (loss) *loss = value;
    });
}

// One fit: batches drawn from a per-epoch shuffle (counter RNG keyed by the seed), the configured solver, the
// progress callback after every iteration.
template <class T>
subq_status fit(const char *fn, subq_net *net, subq_layout layout, subq_index n, subq_index d, const T *x,
                subq_index ldx, const T *y, subq_index ldy, subq_net_progress_fn progress, void *user_data,
                int64_t *iterations) {
    if (iterations != nullptr) *iterations = 0;
    return guarded(fn, [&]() -> subq_status {
        require_not_null(net, "net");
        network_of<T>(net, std::is_same_v<T, float> ? "_f32" : "_f64");
        require_input_dim(net, d);
        if (n < 1) subq::fail(SUBQ_ERR_DIMENSION, "n = " + std::to_string(n) + ": fitting needs at least one row");
        const auto &o = net->options();
        const std::int64_t k = o.outputs;
        const auto xv = subq::dense_view<const T>("x", layout, n, d, x, ldx);
        const auto yv = subq::dense_view<const T>("y", layout, n, k, y, ldy);
        // Every row is checked before training, so that a bad value is reported with its row in the caller's data
        // (a step would name its row in the shuffled batch) and before any weight changes.
        for (std::int64_t r = 0; r < n; ++r) {
            for (std::int64_t j = 0; j < d; ++j)
                if (!std::isfinite(static_cast<double>(xv(r, j))))
                    subq::fail(SUBQ_ERR_NUMERICAL,
                               "x: non-finite value at row " + std::to_string(r) + ", column " + std::to_string(j));
            for (std::int64_t c = 0; c < k; ++c)
                if (!std::isfinite(static_cast<double>(yv(r, c))))
                    subq::fail(SUBQ_ERR_NUMERICAL,
                               "y: non-finite target at row " + std::to_string(r) + ", column " + std::to_string(c));
        }
        const std::int64_t batch = (o.fit.batch_size == 0 || o.fit.batch_size >= n) ? n : o.fit.batch_size;
        std::vector<std::int64_t> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        std::int64_t cursor = n, epoch = 0;
        std::vector<T> bx(static_cast<std::size_t>(batch * d)), by(static_cast<std::size_t>(batch * k));
        double first = -1;
        for (std::int64_t t = 0; t < o.fit.iterations; ++t) {
            for (std::int64_t i = 0; i < batch; ++i) {
                if (cursor == n) {  // a new epoch: Fisher–Yates with the counter RNG
                    if (batch < n) {
                        const auto s = subq::rng::stream({0x4E4554, 0xF17, static_cast<std::uint64_t>(epoch)});
                        std::iota(order.begin(), order.end(), 0);
                        for (std::int64_t j = n - 1; j > 0; --j) {
                            const auto w = subq::rng::philox(o.seed, s, static_cast<std::uint64_t>(j));
                            const std::uint64_t r =
                                ((static_cast<std::uint64_t>(w[0]) << 32) | w[1]) % static_cast<std::uint64_t>(j + 1);
                            std::swap(order[j], order[static_cast<std::size_t>(r)]);
                        }
                    }
                    ++epoch;
                    cursor = 0;
                }
                const std::int64_t r = order[cursor++];
                for (std::int64_t j = 0; j < d; ++j) bx[i * d + j] = xv(r, j);
                for (std::int64_t c = 0; c < k; ++c) by[i * k + c] = yv(r, c);
            }
            const auto t0 = std::chrono::steady_clock::now();
            double loss = 0;
            const subq_status st = step<T>(fn, o.fit.solver == SUBQ_NET_SOLVER_GN, net, SUBQ_ROW_MAJOR, batch, d,
                                           bx.data(), d, by.data(), k, &loss);
            if (st != SUBQ_OK) return st;  // the step set the message
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (iterations != nullptr) *iterations = t + 1;
            double fired = 0, rank = 0;
            for (std::size_t l = 0; l < net->stats.size(); ++l) {
                fired += net->stats[l].fired_mean / static_cast<double>(o.width * o.depth);
                rank = std::max(rank, static_cast<double>(net->ranks[l]));
            }
            if (progress != nullptr && progress(user_data, t + 1, loss, fired, rank, seconds) != 0) {
                subq::capi::clear_last_error();
                subq::fail(SUBQ_ERR_CANCELLED,
                           "cancelled by the progress callback after iteration " + std::to_string(t + 1));
            }
            const double current = net->last_was_gn ? net->last_gn.loss_after : loss;
            if (first < 0) first = loss;
            if (o.fit.tolerance > 0 && first > 0 && std::sqrt(current / first) <= o.fit.tolerance) break;
            if (first == 0) break;
        }
        return SUBQ_OK;
    });
}

}  // namespace

extern "C" {

SUBQ_API subq_status subq_net_create(const subq_config *cfg, subq_net **out) {
    if (out != nullptr) *out = nullptr;
    return guarded("subq_net_create", [&] {
        require_not_null(cfg, "cfg");
        require_not_null(out, "out");
        const train::Options o = options_from(cfg->impl);
        auto net = std::make_unique<subq_net_s>();
        net->dtype = static_cast<subq_dtype>(cfg->impl.get_int(SUBQ_P_DTYPE));
        net->learning_rate = o.learning_rate;
        if (net->dtype == SUBQ_F32)
            net->impl = std::make_unique<train::Network<float>>(o);
        else
            net->impl = std::make_unique<train::Network<double>>(o);
        *out = net.release();
    });
}

SUBQ_API void subq_net_destroy(subq_net *net) {
    delete net;
}

SUBQ_API subq_status subq_net_get_int(const subq_net *net, subq_param key, int64_t *value) {
    return guarded("subq_net_get_int", [&] {
        require_not_null(net, "net");
        require_not_null(value, "value");
        const auto &o = net->options();
        switch (key) {
            case SUBQ_P_INPUT_DIM:
                *value = o.input_dim;
                break;
            case SUBQ_P_NET_WIDTH:
                *value = o.width;
                break;
            case SUBQ_P_NET_DEPTH:
                *value = o.depth;
                break;
            case SUBQ_P_NET_OUTPUTS:
                *value = o.outputs;
                break;
            case SUBQ_P_NET_VARIANT:
                *value = static_cast<int64_t>(o.variant);
                break;
            case SUBQ_P_NET_UPDATE:
                *value = o.update == train::UpdateRule::LazyLowRank ? SUBQ_NET_UPDATE_LAZY : SUBQ_NET_UPDATE_EAGER;
                break;
            case SUBQ_P_NET_MODE:
                *value = static_cast<int64_t>(o.mode);
                break;
            case SUBQ_P_DTYPE:
                *value = net->dtype;
                break;
            case SUBQ_P_SEED:
                *value = static_cast<int64_t>(o.seed);
                break;
            case SUBQ_P_NUM_THREADS:
                *value = o.threads;
                break;
            case SUBQ_P_NET_MAX_RANK:
                *value = o.max_rank;
                break;
            case SUBQ_P_NET_GN_SOLVER:
                *value = static_cast<int64_t>(o.gn.solver);
                break;
            case SUBQ_P_NET_SKETCH_ROWS:
                *value = o.gn.sketch_rows;
                break;
            case SUBQ_P_NET_CG_MAX_ITERATIONS:
                *value = o.gn.cg_max_iterations;
                break;
            case SUBQ_P_NET_SOLVER:
                *value = o.fit.solver;
                break;
            case SUBQ_P_NET_ITERATIONS:
                *value = o.fit.iterations;
                break;
            case SUBQ_P_NET_BATCH_SIZE:
                *value = o.fit.batch_size;
                break;
            default:
                subq::fail(SUBQ_ERR_UNKNOWN_PARAM, "key " + std::to_string(static_cast<int>(key)) +
                                                       " is not an integer parameter of a network");
        }
    });
}

SUBQ_API subq_status subq_net_get_double(const subq_net *net, subq_param key, double *value) {
    return guarded("subq_net_get_double", [&] {
        require_not_null(net, "net");
        require_not_null(value, "value");
        switch (key) {
            case SUBQ_P_NET_THRESHOLD:
                *value = net->options().threshold;
                break;
            case SUBQ_P_LEARNING_RATE:
                *value = net->learning_rate;
                break;
            case SUBQ_P_NET_GN_DAMPING:
                *value = net->options().gn.damping;
                break;
            case SUBQ_P_NET_CG_TOLERANCE:
                *value = net->options().gn.cg_tolerance;
                break;
            case SUBQ_P_NET_TOLERANCE:
                *value = net->options().fit.tolerance;
                break;
            default:
                subq::fail(SUBQ_ERR_UNKNOWN_PARAM,
                           "key " + std::to_string(static_cast<int>(key)) + " is not a double parameter of a network");
        }
    });
}

SUBQ_API subq_status subq_net_predict_f64(const subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, double *f, subq_index ldf) {
    return predict<double>("subq_net_predict_f64", net, layout, n, d, x, ldx, f, ldf);
}

SUBQ_API subq_status subq_net_predict_f32(const subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const float *x, subq_index ldx, float *f, subq_index ldf) {
    return predict<float>("subq_net_predict_f32", net, layout, n, d, x, ldx, f, ldf);
}

SUBQ_API subq_status subq_net_step_gd_f64(subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, const double *y, subq_index ldy,
                                          double *loss) {
    return step<double>("subq_net_step_gd_f64", false, net, layout, n, d, x, ldx, y, ldy, loss);
}

SUBQ_API subq_status subq_net_step_gd_f32(subq_net *net, subq_layout layout, subq_index n, subq_index d, const float *x,
                                          subq_index ldx, const float *y, subq_index ldy, double *loss) {
    return step<float>("subq_net_step_gd_f32", false, net, layout, n, d, x, ldx, y, ldy, loss);
}

SUBQ_API subq_status subq_net_step_gn_f64(subq_net *net, subq_layout layout, subq_index n, subq_index d,
                                          const double *x, subq_index ldx, const double *y, subq_index ldy,
                                          double *loss) {
    return step<double>("subq_net_step_gn_f64", true, net, layout, n, d, x, ldx, y, ldy, loss);
}

SUBQ_API subq_status subq_net_step_gn_f32(subq_net *net, subq_layout layout, subq_index n, subq_index d, const float *x,
                                          subq_index ldx, const float *y, subq_index ldy, double *loss) {
    return step<float>("subq_net_step_gn_f32", true, net, layout, n, d, x, ldx, y, ldy, loss);
}

SUBQ_API subq_status subq_net_fit_f64(subq_net *net, subq_layout layout, subq_index n, subq_index d, const double *x,
                                      subq_index ldx, const double *y, subq_index ldy, subq_net_progress_fn progress,
                                      void *user_data, int64_t *iterations) {
    return fit<double>("subq_net_fit_f64", net, layout, n, d, x, ldx, y, ldy, progress, user_data, iterations);
}

SUBQ_API subq_status subq_net_fit_f32(subq_net *net, subq_layout layout, subq_index n, subq_index d, const float *x,
                                      subq_index ldx, const float *y, subq_index ldy, subq_net_progress_fn progress,
                                      void *user_data, int64_t *iterations) {
    return fit<float>("subq_net_fit_f32", net, layout, n, d, x, ldx, y, ldy, progress, user_data, iterations);
}

SUBQ_API subq_status subq_net_save(const subq_net *net, const char *path) {
    return guarded("subq_net_save", [&] {
        require_not_null(net, "net");
        require_not_null(path, "path");
        std::visit([&](const auto &p) { train::save_network(*p, path); }, net->impl);
    });
}

SUBQ_API subq_status subq_net_load(const char *path, subq_net **out) {
    if (out != nullptr) *out = nullptr;
    return guarded("subq_net_load", [&] {
        require_not_null(path, "path");
        require_not_null(out, "out");
        auto net = std::make_unique<subq_net_s>();
        net->impl = train::load_network(path);
        net->dtype = std::holds_alternative<std::unique_ptr<train::Network<float>>>(net->impl) ? SUBQ_F32 : SUBQ_F64;
        net->learning_rate = net->options().learning_rate;
        *out = net.release();
    });
}

SUBQ_API subq_status subq_net_step_info(const subq_net *net, subq_net_step_key key, double *value) {
    return guarded("subq_net_step_info", [&] {
        require_not_null(net, "net");
        require_not_null(value, "value");
        if (key < SUBQ_NET_STEP_LOSS_BEFORE || key > SUBQ_NET_STEP_LEARNING_RATE)
            subq::fail(SUBQ_ERR_INVALID_ARG,
                       "key = " + std::to_string(static_cast<int>(key)) + " is not a subq_net_step_key");
        if (!net->stepped) subq::fail(SUBQ_ERR_STATE, "no training step has been taken yet");
        const auto &g = net->last_gn;
        const bool gn = net->last_was_gn;
        const double nan = std::numeric_limits<double>::quiet_NaN();
        switch (key) {
            case SUBQ_NET_STEP_LOSS_BEFORE:
                *value = net->last_loss;
                break;
            case SUBQ_NET_STEP_LOSS_AFTER:
                *value = gn ? g.loss_after : nan;
                break;
            case SUBQ_NET_STEP_DAMPING:
                *value = gn ? g.damping : nan;
                break;
            case SUBQ_NET_STEP_SOLVER:
                *value = !gn                                     ? nan
                         : g.solver == train::GnSolver::Cholesky ? double{SUBQ_NET_GN_CHOLESKY}
                                                                 : double{SUBQ_NET_GN_SKETCHED_CG};
                break;
            case SUBQ_NET_STEP_CG_ITERATIONS:
                *value = gn ? static_cast<double>(g.cg_iterations) : nan;
                break;
            case SUBQ_NET_STEP_CG_RESIDUAL:
                *value = gn ? g.cg_relative_residual : nan;
                break;
            case SUBQ_NET_STEP_RETRIES:
                *value = gn ? g.retries : nan;
                break;
            case SUBQ_NET_STEP_ACCEPTED:
                *value = gn ? (g.accepted ? 1.0 : 0.0) : 1.0;
                break;
            case SUBQ_NET_STEP_LEARNING_RATE:
                *value = gn ? nan : net->learning_rate;
                break;
        }
    });
}

SUBQ_API subq_status subq_net_layer_stat(const subq_net *net, subq_index layer, subq_net_stat key, double *value) {
    return guarded("subq_net_layer_stat", [&] {
        require_not_null(net, "net");
        require_not_null(value, "value");
        const std::int64_t L = net->options().depth;
        if (layer < 1 || layer > L)
            subq::fail(SUBQ_ERR_INVALID_ARG,
                       "layer = " + std::to_string(layer) + " is outside [1, " + std::to_string(L) + "]");
        if (net->stats.empty()) subq::fail(SUBQ_ERR_STATE, "no training step has been taken yet");
        const auto &s = net->stats[layer - 1];
        switch (key) {
            case SUBQ_NET_STAT_FIRED_MEAN:
                *value = s.fired_mean;
                break;
            case SUBQ_NET_STAT_FIRED_MIN:
                *value = static_cast<double>(s.fired_min);
                break;
            case SUBQ_NET_STAT_FIRED_MAX:
                *value = static_cast<double>(s.fired_max);
                break;
            case SUBQ_NET_STAT_DEAD_POINTS:
                *value = static_cast<double>(s.dead_points);
                break;
            case SUBQ_NET_STAT_DRIFT:
                *value = s.drift;
                break;
            case SUBQ_NET_STAT_COVERAGE:
                *value = s.coverage;
                break;
            case SUBQ_NET_STAT_RANK:
                *value = static_cast<double>(net->ranks[layer - 1]);
                break;
            default:
                subq::fail(SUBQ_ERR_INVALID_ARG,
                           "key = " + std::to_string(static_cast<int>(key)) + " is not a subq_net_stat");
        }
    });
}

SUBQ_API subq_status subq_net_counter(const subq_net *net, subq_net_phase phase, subq_net_counter_kind kind,
                                      int64_t *value) {
    return guarded("subq_net_counter", [&] {
        require_not_null(net, "net");
        require_not_null(value, "value");
        if (kind != SUBQ_COUNTER_MULADDS && kind != SUBQ_COUNTER_BYTES)
            subq::fail(SUBQ_ERR_INVALID_ARG,
                       "kind = " + std::to_string(static_cast<int>(kind)) + " is not a subq_net_counter_kind");
        if (phase < SUBQ_PHASE_TOTAL || phase > SUBQ_PHASE_SOLVE)
            subq::fail(SUBQ_ERR_INVALID_ARG,
                       "phase = " + std::to_string(static_cast<int>(phase)) + " is not a subq_net_phase");
        const auto &counts = kind == SUBQ_COUNTER_MULADDS ? net->counters.muladds : net->counters.bytes;
        if (phase == SUBQ_PHASE_TOTAL) {
            int64_t total = 0;
            for (int64_t c : counts) total += c;
            *value = total;
        } else {
            *value = counts[phase - 1];  // subq_net_phase = train::Phase + 1
        }
    });
}

SUBQ_API subq_status subq_net_reset_counters(subq_net *net) {
    return guarded("subq_net_reset_counters", [&] {
        require_not_null(net, "net");
        net->counters = train::Counters{};
    });
}

SUBQ_API subq_status subq_net_get_weights_f64(const subq_net *net, subq_index layer, subq_layout layout, double *w,
                                              subq_index ldw) {
    return guarded("subq_net_get_weights_f64", [&] {
        require_not_null(net, "net");
        const auto &o = net->options();
        if (layer < 1 || layer > o.depth)
            subq::fail(SUBQ_ERR_INVALID_ARG,
                       "layer = " + std::to_string(layer) + " is outside [1, " + std::to_string(o.depth) + "]");
        const std::int64_t cols = layer == 1 ? o.input_dim : o.width;
        const auto wv = subq::dense_view<double>("w", layout, o.width, cols, w, ldw);
        const std::vector<double> dense = std::visit([&](const auto &p) { return p->weights(layer); }, net->impl);
        for (std::int64_t q = 0; q < cols; ++q)
            for (std::int64_t p = 0; p < o.width; ++p) wv(p, q) = dense[q * o.width + p];
    });
}

}  // extern "C"
