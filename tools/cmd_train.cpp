// `subq train`: train a wide shifted-ReLU network (sparse, or the dense baseline) by gradient descent or
// Gauss–Newton on a data set, one batch per iteration, and report the loss, time and fired fraction of every
// iteration.
//
// Labels that are all integers are classes: one output per distinct label, one-hot targets, accuracy reported.
// Other labels are regression targets (one output). Training runs subq_net_fit: the whole training set per
// iteration when --batch >= its size, else each epoch visits the rows in an order shuffled from --seed.
// A progress bar goes to stderr on a terminal, plain lines otherwise, nothing under --json.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

struct TrainOptions {
    std::int64_t width = 0;
    std::int64_t depth = 2;
    std::optional<double> threshold;
    std::optional<double> active_fraction;
    std::string solver = "gd";
    std::string mode = "sparse";
    std::string update = "auto";
    std::string variant = "normalized";
    std::string dtype = "f32";
    std::int64_t iters = 10;
    std::int64_t batch = 64;
    std::optional<double> lr;
    std::string gn_solver = "auto";
    std::optional<double> tolerance;
    std::optional<std::string> save;
    std::optional<double> damping;
    std::int64_t max_rank = 0;
    std::int64_t seed = 0;
    std::int64_t threads = 0;
    std::string train;
    std::optional<std::string> test;
    DatasetOptions dataset;
};

struct NetDeleter {
    void operator()(subq_net *n) const noexcept { subq_net_destroy(n); }
};
using NetPtr = std::unique_ptr<subq_net, NetDeleter>;

// Rows of a data set as float32/float64 with its labels.
struct Table {
    std::int64_t rows = 0, cols = 0;
    std::vector<float> x32;
    std::vector<double> x64;
    std::vector<double> labels;
};

Table load_table(const std::string &path, const DatasetOptions &opts, bool f64) {
    const DatasetPtr ds = load_dataset(path, opts);
    const DatasetShape s = dataset_shape(ds.get());
    if (!s.has_labels) fail(SUBQ_ERR_INVALID_ARG, path + ": has no labels to train on");
    Table t;
    t.rows = s.rows;
    t.cols = s.cols;
    if (f64) {
        t.x64.resize(static_cast<std::size_t>(s.rows * s.cols));
        check(subq_dataset_copy_dense_f64(ds.get(), SUBQ_ROW_MAJOR, t.x64.data(), std::max<std::int64_t>(1, s.cols)));
    } else {
        t.x32.resize(static_cast<std::size_t>(s.rows * s.cols));
        check(subq_dataset_copy_dense_f32(ds.get(), SUBQ_ROW_MAJOR, t.x32.data(), std::max<std::int64_t>(1, s.cols)));
    }
    t.labels = dataset_labels(ds.get());
    return t;
}

// Classes when every label is an integer: the sorted distinct labels. Empty for regression.
std::vector<double> class_values(const std::vector<double> &labels) {
    std::vector<double> classes;
    for (double v : labels) {
        if (!std::isfinite(v) || v != std::trunc(v)) return {};
        classes.push_back(v);
    }
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    return classes;
}

std::int64_t choose(const std::string &value, const std::map<std::string, std::int64_t> &choices, const char *what) {
    const auto it = choices.find(value);
    if (it == choices.end()) fail(SUBQ_ERR_INVALID_ARG, std::string("unknown ") + what + " '" + value + "'");
    return it->second;
}

void run_train(const TrainOptions &o) {
    const bool gauss_newton = o.solver == "gn";
    if (!gauss_newton && o.solver != "gd") fail(SUBQ_ERR_INVALID_ARG, "--solver must be gd or gn, not " + o.solver);
    if (o.iters < 1) fail(SUBQ_ERR_INVALID_ARG, "--iters must be >= 1");
    if (o.batch < 1) fail(SUBQ_ERR_INVALID_ARG, "--batch must be >= 1");
    const bool f64 = o.dtype == "f64";
    if (!f64 && o.dtype != "f32") fail(SUBQ_ERR_INVALID_ARG, "--dtype must be f32 or f64");

    const Table train = load_table(o.train, o.dataset, f64);
    const std::vector<double> classes = class_values(train.labels);
    const bool classify = !classes.empty();
    const std::int64_t k = classify ? static_cast<std::int64_t>(classes.size()) : 1;
    auto class_of = [&](double label) {
        return std::lower_bound(classes.begin(), classes.end(), label) - classes.begin();
    };

    ConfigPtr cfg = make_config(SUBQ_KIND_NET);
    set_int(cfg.get(), SUBQ_P_INPUT_DIM, train.cols);
    set_int(cfg.get(), SUBQ_P_NET_WIDTH, o.width);
    set_int(cfg.get(), SUBQ_P_NET_DEPTH, o.depth);
    set_int(cfg.get(), SUBQ_P_NET_OUTPUTS, k);
    set_int(cfg.get(), SUBQ_P_NET_MODE,
            choose(o.mode, {{"sparse", SUBQ_NET_SPARSE}, {"dense", SUBQ_NET_DENSE}}, "--mode"));
    set_int(cfg.get(), SUBQ_P_NET_UPDATE,
            choose(o.update,
                   {{"auto", SUBQ_NET_UPDATE_AUTO}, {"eager", SUBQ_NET_UPDATE_EAGER}, {"lazy", SUBQ_NET_UPDATE_LAZY}},
                   "--update"));
    set_int(cfg.get(), SUBQ_P_NET_VARIANT,
            choose(o.variant, {{"normalized", SUBQ_NET_NORMALIZED}, {"paper", SUBQ_NET_PAPER}}, "--variant"));
    set_int(cfg.get(), SUBQ_P_DTYPE, f64 ? SUBQ_F64 : SUBQ_F32);
    set_int(cfg.get(), SUBQ_P_NET_MAX_RANK, o.max_rank);
    set_int(cfg.get(), SUBQ_P_SEED, o.seed);
    set_int(cfg.get(), SUBQ_P_NUM_THREADS, o.threads);
    set_int(cfg.get(), SUBQ_P_NET_SOLVER, gauss_newton ? SUBQ_NET_SOLVER_GN : SUBQ_NET_SOLVER_GD);
    set_int(cfg.get(), SUBQ_P_NET_ITERATIONS, o.iters);
    set_int(cfg.get(), SUBQ_P_NET_BATCH_SIZE, o.batch);
    if (o.tolerance) check(subq_config_set_double(cfg.get(), SUBQ_P_NET_TOLERANCE, *o.tolerance));
    if (o.threshold) check(subq_config_set_double(cfg.get(), SUBQ_P_NET_THRESHOLD, *o.threshold));
    if (o.active_fraction) check(subq_config_set_double(cfg.get(), SUBQ_P_NET_ACTIVE_FRACTION, *o.active_fraction));
    if (o.lr) check(subq_config_set_double(cfg.get(), SUBQ_P_LEARNING_RATE, *o.lr));
    set_int(
        cfg.get(), SUBQ_P_NET_GN_SOLVER,
        choose(o.gn_solver,
               {{"auto", SUBQ_NET_GN_AUTO}, {"cholesky", SUBQ_NET_GN_CHOLESKY}, {"sketched", SUBQ_NET_GN_SKETCHED_CG}},
               "--gn-solver"));
    if (o.damping) check(subq_config_set_double(cfg.get(), SUBQ_P_NET_GN_DAMPING, *o.damping));
    subq_net *raw = nullptr;
    const auto t_init = std::chrono::steady_clock::now();
    check(subq_net_create(cfg.get(), &raw));
    NetPtr net(raw);
    const double init_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_init).count();
    double threshold = 0;
    check(subq_net_get_double(net.get(), SUBQ_P_NET_THRESHOLD, &threshold));

    // Targets: one-hot rows for classes, the label itself for regression.
    const std::int64_t n = std::min(o.batch, train.rows), d = train.cols;
    std::vector<double> y64;
    std::vector<float> y32;
    if (f64)
        y64.assign(static_cast<std::size_t>(train.rows * k), 0.0);
    else
        y32.assign(static_cast<std::size_t>(train.rows * k), 0.0f);
    for (std::int64_t r = 0; r < train.rows; ++r) {
        const double label = train.labels[r];
        const std::int64_t c = classify ? class_of(label) : 0;
        const double target = classify ? 1.0 : label;
        if (f64)
            y64[r * k + c] = target;
        else
            y32[r * k + c] = static_cast<float>(target);
    }

    // subq_net_fit draws the batches and runs the steps; the callback records each iteration and draws progress.
    struct Progress {
        subq_net *net;
        const TrainOptions *o;
        bool gauss_newton, terminal;
        json iterations = json::array();
        double seconds = 0;
    } progress{net.get(), &o, gauss_newton, ::isatty(STDERR_FILENO) == 1 && !globals().json};
    auto on_iteration = [](void *user, std::int64_t iteration, double loss, double fired, double rank,
                           double seconds) -> int {
        auto &p = *static_cast<Progress *>(user);
        auto step_info = [&](subq_net_step_key key) {
            double v = 0;
            return subq_net_step_info(p.net, key, &v) == SUBQ_OK ? v : std::nan("");
        };
        json it;
        it["iteration"] = iteration;
        it["loss"] = loss;
        it["seconds"] = seconds;
        it["fired_fraction"] = fired;
        it["rank"] = rank;
        if (p.gauss_newton) {
            it["loss_after"] = step_info(SUBQ_NET_STEP_LOSS_AFTER);
            it["damping"] = step_info(SUBQ_NET_STEP_DAMPING);
            it["linear_solver"] =
                step_info(SUBQ_NET_STEP_SOLVER) == double{SUBQ_NET_GN_CHOLESKY} ? "cholesky" : "sketched_cg";
            it["cg_iterations"] = static_cast<std::int64_t>(step_info(SUBQ_NET_STEP_CG_ITERATIONS));
            it["retries"] = static_cast<std::int64_t>(step_info(SUBQ_NET_STEP_RETRIES));
        } else {
            it["learning_rate"] = step_info(SUBQ_NET_STEP_LEARNING_RATE);
        }
        p.iterations.push_back(it);
        p.seconds += seconds;
        if (!globals().json) {
            const std::int64_t total = p.o->iters;
            if (p.terminal) {
                const int width = 30;
                const int done = static_cast<int>(width * iteration / total);
                std::fprintf(stderr, "\r[%s%s] %lld/%lld  loss %.4g  fired %.4f  %.2f s/it ",
                             std::string(static_cast<std::size_t>(done), '#').c_str(),
                             std::string(static_cast<std::size_t>(width - done), '.').c_str(),
                             static_cast<long long>(iteration), static_cast<long long>(total), loss, fired, seconds);
                if (iteration == total) std::fputc('\n', stderr);
            } else {
                std::fprintf(stderr, "iter %lld/%lld  loss %.6g  fired %.4f  %.3f s\n",
                             static_cast<long long>(iteration), static_cast<long long>(total), loss, fired, seconds);
            }
        }
        return 0;
    };
    std::int64_t done = 0;
    if (f64)
        check(subq_net_fit_f64(net.get(), SUBQ_ROW_MAJOR, train.rows, d, train.x64.data(), d, y64.data(), k,
                               on_iteration, &progress, &done));
    else
        check(subq_net_fit_f32(net.get(), SUBQ_ROW_MAJOR, train.rows, d, train.x32.data(), d, y32.data(), k,
                               on_iteration, &progress, &done));
    if (progress.terminal && done < o.iters) std::fputc('\n', stderr);
    json iterations = std::move(progress.iterations);
    const double total_seconds = progress.seconds;
    if (o.save) check(subq_net_save(net.get(), o.save->c_str()));

    json r;
    r["train"] = o.train;
    r["rows"] = train.rows;
    r["input_dim"] = d;
    r["width"] = o.width;
    r["depth"] = o.depth;
    r["outputs"] = k;
    r["task"] = classify ? "classification" : "regression";
    r["solver"] = o.solver;
    r["mode"] = o.mode;
    r["dtype"] = f64 ? "float64" : "float32";
    r["threshold"] = threshold;
    r["batch"] = n;
    r["init_seconds"] = init_seconds;
    r["seconds_total"] = total_seconds;
    std::int64_t muladds = 0;
    check(subq_net_counter(net.get(), SUBQ_PHASE_TOTAL, SUBQ_COUNTER_MULADDS, &muladds));
    r["muladds"] = muladds;
    r["iterations"] = std::move(iterations);

    auto accuracy = [&](const Table &data) {
        std::int64_t correct = 0;
        const std::int64_t chunk = 1024;
        std::vector<float> f32;
        std::vector<double> f64out;
        for (std::int64_t start = 0; start < data.rows; start += chunk) {
            const std::int64_t m = std::min(chunk, data.rows - start);
            if (f64) {
                f64out.resize(static_cast<std::size_t>(m * k));
                check(subq_net_predict_f64(net.get(), SUBQ_ROW_MAJOR, m, d, data.x64.data() + start * d, d,
                                           f64out.data(), k));
            } else {
                f32.resize(static_cast<std::size_t>(m * k));
                check(subq_net_predict_f32(net.get(), SUBQ_ROW_MAJOR, m, d, data.x32.data() + start * d, d, f32.data(),
                                           k));
            }
            for (std::int64_t i = 0; i < m; ++i) {
                std::int64_t best = 0;
                for (std::int64_t c = 1; c < k; ++c) {
                    const double a = f64 ? f64out[i * k + c] : f32[i * k + c];
                    const double b = f64 ? f64out[i * k + best] : f32[i * k + best];
                    if (a > b) best = c;
                }
                correct += classes[best] == data.labels[start + i];
            }
        }
        return data.rows > 0 ? static_cast<double>(correct) / static_cast<double>(data.rows) : 0.0;
    };
    if (classify) r["train_accuracy"] = accuracy(train);
    if (o.test) {
        const Table test = load_table(*o.test, o.dataset, f64);
        if (test.cols != d)
            fail(SUBQ_ERR_DIMENSION,
                 *o.test + ": " + std::to_string(test.cols) + " columns, the training data has " + std::to_string(d));
        if (classify) r["test_accuracy"] = accuracy(test);
    }
    emit(r);
}

}  // namespace

void add_train_command(CLI::App &app) {
    auto o = std::make_shared<TrainOptions>();
    CLI::App *cmd = app.add_subcommand("train", "Train a wide shifted-ReLU network (sparse or dense baseline)");
    cmd->add_option("--width", o->width, "Width m of every hidden layer")->required()->check(CLI::PositiveNumber);
    cmd->add_option("--depth", o->depth, "Number L of trained weight matrices (default 2)");
    auto *thr = cmd->add_option("--threshold", o->threshold, "Shifted-ReLU threshold b (default sqrt(0.4 ln m))");
    cmd->add_option("--active-fraction", o->active_fraction, "Choose b so that this fraction fires at init")
        ->excludes(thr);
    cmd->add_option("--solver", o->solver, "gd (gradient descent) or gn (Gauss-Newton)");
    cmd->add_option("--gn-solver", o->gn_solver, "Gauss-Newton linear solver: auto, cholesky or sketched (PCG)");
    cmd->add_option("--damping", o->damping, "Gauss-Newton damping relative to tr(G)/(n k), in [0, 1] (default 1e-10)");
    cmd->add_option("--mode", o->mode, "sparse (default) or dense (the BLAS-3 baseline)");
    cmd->add_option("--update", o->update, "auto (= eager), eager or lazy (low-rank buffer)");
    cmd->add_option("--variant", o->variant, "normalized (default) or paper");
    cmd->add_option("--dtype", o->dtype, "f32 (default) or f64 weights");
    cmd->add_option("--iters", o->iters, "Iterations (default 10)");
    cmd->add_option("--batch", o->batch, "Points per iteration (default 64)");
    cmd->add_option("--lr", o->lr, "GD step size (default 1/lambda_max of the first batch's Jacobian Gram)");
    cmd->add_option("--max-rank", o->max_rank, "Lazy buffer rank that triggers a rebuild (default max(256, 4n))");
    cmd->add_option("--seed", o->seed, "Seed of the weights and of the batch order");
    cmd->add_option("--threads", o->threads, "subq threads (default: all)");
    cmd->add_option("--train", o->train, "Training data: a file or fmnist-train")->required();
    cmd->add_option("--test", o->test, "Test data: a file or fmnist-test");
    cmd->add_option("--tolerance", o->tolerance, "Stop once sqrt(loss / first loss) <= this");
    cmd->add_option("--save", o->save, "Save the trained network to this file (written atomically)");
    add_dataset_options(*cmd, o->dataset);
    cmd->callback([o] { run_train(*o); });
}

}  // namespace subq_cli
