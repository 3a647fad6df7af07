// `subq krr --kernel K [kernel options] --dim D [--method taylor|rff|nystrom|exact] [--lambda l] --train X
// [--test T]`: kernel ridge regression (include/subq/krr.h) fitted on a training set and scored on a test set.
//
// Labels: the data set's labels are the targets. With --task classify (the default when every label is an integer
// and there are at most 1000 distinct ones) each distinct label is a class with one output, the targets are
// one-hot − 0.1 (design/algorithms.md §5), and predictions are the argmax; --task regress fits the label itself.
// Rows are scaled to unit norm with --normalize. λ is selected on a held-out part of the training rows unless
// --lambda is given (classification: by the held-out accuracy; regression: by the held-out squared error). --method
// exact solves the exact kernel system (needs --lambda; n² memory).
//
// Progress: a bar on stderr when stderr is a terminal, plain phase lines otherwise, nothing under --json. The
// summary reports the accuracy (or RMSE), λ, the time of every phase and the peak resident memory (getrusage).
// With --predictions P.npy the test predictions (n_test × k) are written atomically.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

struct KrrOptions {
    KernelOptions k;
    std::string method = "taylor";
    std::int64_t dim = 0;
    std::optional<double> lambda, holdout, grid_min, grid_max;
    std::optional<std::int64_t> grid_points, threads, block_rows;
    std::string select = "holdout";
    std::string solver = "auto";
    std::string task = "auto";
    bool normalize = false;
    std::int64_t seed = 0;
    std::int64_t max_train = 0, max_test = 0;
    std::string train, test, predictions;
    DatasetOptions dataset;
};

struct KrrDeleter {
    void operator()(subq_krr *m) const noexcept { subq_krr_destroy(m); }
};
using KrrPtr = std::unique_ptr<subq_krr, KrrDeleter>;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::int64_t peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<std::int64_t>(u.ru_maxrss) * 1024;  // Linux reports KiB
}

// Progress on stderr: a bar on a terminal, one line per phase otherwise, nothing under --json.
struct Progress {
    bool terminal = false, quiet = false;
    Clock::time_point start = Clock::now();
    void phase(const std::string &what) const {
        if (quiet) return;
        if (!terminal) std::fprintf(stderr, "subq krr: %s (%.1f s)\n", what.c_str(), since(start));
    }
    void bar(const char *what, std::int64_t done, std::int64_t total) const {
        if (quiet || !terminal || total <= 0) return;
        const int width = 30, filled = static_cast<int>(width * done / total);
        std::fprintf(stderr, "\r%-8s [%s%s] %lld/%lld rows  %.1f s", what, std::string(filled, '#').c_str(),
                     std::string(width - filled, '.').c_str(), static_cast<long long>(done),
                     static_cast<long long>(total), since(start));
        if (done == total) std::fputc('\n', stderr);
        std::fflush(stderr);
    }
};

int on_fit_progress(void *user, int64_t done, int64_t total) {
    static_cast<const Progress *>(user)->bar("fit", done, total);
    return 0;
}

struct Data {
    std::int64_t rows = 0, cols = 0;
    std::vector<float> x;  // row-major, float32 whatever the file's type (rows scaled with --normalize)
    std::vector<double> labels;
};

Data load(const std::string &name, const KrrOptions &o, std::int64_t max_rows) {
    DatasetPtr ds = load_dataset(name, o.dataset);
    const DatasetShape s = dataset_shape(ds.get());
    if (!s.has_labels) fail(SUBQ_ERR_INVALID_ARG, name + " has no labels; krr needs targets");
    Data d;
    d.cols = s.cols;
    d.rows = max_rows > 0 ? std::min(max_rows, s.rows) : s.rows;
    std::vector<float> all(static_cast<std::size_t>(s.rows * s.cols));
    check(subq_dataset_copy_dense_f32(ds.get(), SUBQ_ROW_MAJOR, all.data(), s.cols > 0 ? s.cols : 1));
    d.labels = dataset_labels(ds.get());
    ds.reset();
    all.resize(static_cast<std::size_t>(d.rows * d.cols));
    d.labels.resize(static_cast<std::size_t>(d.rows));
    d.x = std::move(all);
    for (std::size_t i = 0; i < d.labels.size(); ++i)
        if (!std::isfinite(d.labels[i]))
            fail(SUBQ_ERR_NUMERICAL, name + ": the label of row " + std::to_string(i) + " is not finite");
    if (o.normalize)
        for (std::int64_t i = 0; i < d.rows; ++i) {
            float *row = d.x.data() + i * d.cols;
            double ss = 0;
            for (std::int64_t j = 0; j < d.cols; ++j) ss += static_cast<double>(row[j]) * row[j];
            if (ss == 0) continue;
            const double inv = 1 / std::sqrt(ss);
            for (std::int64_t j = 0; j < d.cols; ++j) row[j] = static_cast<float>(row[j] * inv);
        }
    return d;
}

void validate(KrrOptions &o) {
    validate_kernel_options(o.k);
    const bool exact = o.method == "exact";
    if (!exact && feature_methods().count(o.method) == 0)
        fail(SUBQ_ERR_INVALID_ARG, "unknown --method '" + o.method + "': taylor, rff, nystrom or exact");
    if (o.method == "rff" && o.k.kernel != "gaussian")
        fail(SUBQ_ERR_INVALID_ARG, "--method rff (random Fourier features) exists for --kernel gaussian only");
    if (o.method == "taylor" && o.k.kernel == "poly")
        fail(SUBQ_ERR_INVALID_ARG, "--kernel poly has no Taylor features here: use --method nystrom or exact");
    if (exact && !o.lambda) fail(SUBQ_ERR_INVALID_ARG, "--method exact needs --lambda (no λ selection)");
    if (!exact && o.dim < 1) fail(SUBQ_ERR_INVALID_ARG, "--dim D (>= 1) is required for --method " + o.method);
    if (o.lambda && !(*o.lambda > 0)) fail(SUBQ_ERR_PARAM_RANGE, "--lambda " + fmt(*o.lambda) + " must be > 0");
    if (o.select != "holdout" && o.select != "gcv")
        fail(SUBQ_ERR_INVALID_ARG, "unknown --select '" + o.select + "': holdout or gcv");
    if (o.solver != "auto" && o.solver != "cholesky" && o.solver != "pcg")
        fail(SUBQ_ERR_INVALID_ARG, "unknown --solver '" + o.solver + "': auto, cholesky or pcg");
    if (o.solver == "pcg" && !o.lambda)
        fail(SUBQ_ERR_INVALID_ARG, "--solver pcg needs --lambda (λ selection uses the Cholesky solver)");
    if (o.task != "auto" && o.task != "classify" && o.task != "regress")
        fail(SUBQ_ERR_INVALID_ARG, "unknown --task '" + o.task + "': auto, classify or regress");
    if (!o.predictions.empty() && o.test.empty())
        fail(SUBQ_ERR_INVALID_ARG, "--predictions needs --test (the rows to predict)");
}

ConfigPtr featuremap_config(const KrrOptions &o, std::int64_t d) {
    ConfigPtr cfg = make_config(SUBQ_KIND_FEATUREMAP);
    subq_config *c = cfg.get();
    set_kernel_keys(c, o.k);
    set_option(c, SUBQ_P_FEATURE_METHOD, feature_methods().at(o.method == "exact" ? "nystrom" : o.method), "--method");
    set_option(c, SUBQ_P_OUTPUT_DIM, std::max<std::int64_t>(o.dim, 1), "--dim");
    set_option(c, SUBQ_P_INPUT_DIM, d, "--train (its columns)");
    set_option(c, SUBQ_P_SEED, o.seed, "--seed");
    if (o.threads) set_option(c, SUBQ_P_NUM_THREADS, *o.threads, "--threads");
    return cfg;
}

ConfigPtr krr_config(const KrrOptions &o, bool classify) {
    ConfigPtr cfg = make_config(SUBQ_KIND_KRR);
    subq_config *c = cfg.get();
    if (o.lambda) set_option(c, SUBQ_P_LAMBDA, *o.lambda, "--lambda");
    set_option(c, SUBQ_P_LAMBDA_SELECT, std::int64_t{o.select == "gcv" ? SUBQ_LAMBDA_GCV : SUBQ_LAMBDA_HOLDOUT},
               "--select");
    if (o.holdout) set_option(c, SUBQ_P_HOLDOUT_FRACTION, *o.holdout, "--holdout");
    if (classify) set_option(c, SUBQ_P_HOLDOUT_SCORE, std::int64_t{SUBQ_SCORE_ACCURACY}, "--task");
    if (o.grid_min) set_option(c, SUBQ_P_LAMBDA_GRID_MIN, *o.grid_min, "--grid-min");
    if (o.grid_max) set_option(c, SUBQ_P_LAMBDA_GRID_MAX, *o.grid_max, "--grid-max");
    if (o.grid_points) set_option(c, SUBQ_P_LAMBDA_GRID_POINTS, *o.grid_points, "--grid-points");
    if (o.method == "exact")
        set_option(c, SUBQ_P_KRR_SOLVER, std::int64_t{SUBQ_KRR_EXACT}, "--method");
    else if (o.solver != "auto")
        set_option(c, SUBQ_P_KRR_SOLVER, std::int64_t{o.solver == "pcg" ? SUBQ_KRR_PCG : SUBQ_KRR_CHOLESKY},
                   "--solver");
    set_option(c, SUBQ_P_SEED, o.seed, "--seed");
    if (o.threads) set_option(c, SUBQ_P_NUM_THREADS, *o.threads, "--threads");
    if (o.block_rows) set_option(c, SUBQ_P_BLOCK_ROWS, *o.block_rows, "--block-rows");
    return cfg;
}

bool integer_labels(const std::vector<double> &y, std::vector<double> &classes) {
    classes = y;
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    for (double v : classes)
        if (v != std::floor(v)) return false;
    return classes.size() <= 1000;
}

void run_krr(KrrOptions o) {
    validate(o);
    Progress progress;
    progress.quiet = globals().json;
    progress.terminal = ::isatty(STDERR_FILENO) == 1;
    json res;
    res["kernel"] = o.k.kernel;
    res["method"] = o.method;

    auto t0 = Clock::now();
    progress.phase("loading " + o.train);
    const Data train = load(o.train, o, o.max_train);
    const std::optional<Data> test = o.test.empty() ? std::nullopt : std::optional<Data>(load(o.test, o, o.max_test));
    if (test && test->cols != train.cols)
        fail(SUBQ_ERR_DIMENSION,
             "--test has " + std::to_string(test->cols) + " columns, --train has " + std::to_string(train.cols));
    const double seconds_load = since(t0);

    std::vector<double> classes;
    const bool integral = integer_labels(train.labels, classes);
    if (o.task == "classify" && !integral)
        fail(SUBQ_ERR_INVALID_ARG, "--task classify needs integer labels (at most 1000 classes)");
    const bool classify = o.task == "classify" || (o.task == "auto" && integral);
    const std::int64_t n = train.rows, d = train.cols, k = classify ? static_cast<std::int64_t>(classes.size()) : 1;
    if (classify && k < 2) fail(SUBQ_ERR_INVALID_ARG, "classification needs at least two classes in --train");
    std::vector<double> y(static_cast<std::size_t>(n * k));
    for (std::int64_t i = 0; i < n; ++i) {
        const double label = train.labels[static_cast<std::size_t>(i)];
        if (!classify) {
            y[static_cast<std::size_t>(i)] = label;
            continue;
        }
        const auto c = std::lower_bound(classes.begin(), classes.end(), label) - classes.begin();
        for (std::int64_t j = 0; j < k; ++j) y[static_cast<std::size_t>(i * k + j)] = (j == c ? 1.0 : 0.0) - 0.1;
    }

    t0 = Clock::now();
    ConfigPtr fcfg = featuremap_config(o, d);
    subq_featuremap *raw = nullptr;
    check(subq_featuremap_create(fcfg.get(), &raw));
    FeatureMapPtr fm(raw);
    if (o.method == "nystrom") {
        progress.phase("choosing " + std::to_string(o.dim) + " landmarks");
        check(subq_featuremap_fit_f32(fm.get(), SUBQ_ROW_MAJOR, n, d, train.x.data(), d));
    }
    const double seconds_landmarks = since(t0);

    progress.phase("fitting on " + std::to_string(n) + " rows");
    ConfigPtr kcfg = krr_config(o, classify);
    subq_krr *mraw = nullptr;
    t0 = Clock::now();
    check(subq_krr_fit_f32(kcfg.get(), fm.get(), SUBQ_ROW_MAJOR, n, d, train.x.data(), d, k, y.data(), k,
                           on_fit_progress, &progress, &mraw));
    KrrPtr model(mraw);
    const double seconds_fit = since(t0);
    double lambda = 0, sf = 0, sg = 0, ss = 0;
    std::int64_t width = 0, holdout_rows = 0, retries = 0, points = 0, solver_used = 0, iterations = 0;
    check(subq_krr_get_double(model.get(), SUBQ_KRR_LAMBDA, &lambda));
    check(subq_krr_get_double(model.get(), SUBQ_KRR_SECONDS_FEATURES, &sf));
    check(subq_krr_get_double(model.get(), SUBQ_KRR_SECONDS_GRAM, &sg));
    check(subq_krr_get_double(model.get(), SUBQ_KRR_SECONDS_SOLVE, &ss));
    check(subq_krr_get_int(model.get(), SUBQ_KRR_WIDTH, &width));
    check(subq_krr_get_int(model.get(), SUBQ_KRR_HOLDOUT_ROWS, &holdout_rows));
    check(subq_krr_get_int(model.get(), SUBQ_KRR_RETRIES, &retries));
    check(subq_krr_get_int(model.get(), SUBQ_KRR_GRID_POINTS, &points));
    check(subq_krr_get_int(model.get(), SUBQ_KRR_SOLVER_USED, &solver_used));
    check(subq_krr_get_int(model.get(), SUBQ_KRR_ITERATIONS, &iterations));
    json grid = json::array();
    for (std::int64_t i = 0; i < points; ++i) {
        double l = 0, s = 0;
        check(subq_krr_grid(model.get(), i, &l, &s));
        grid.push_back({{"lambda", l}, {"score", std::isfinite(s) ? json(s) : json(nullptr)}});
    }
    res["dim"] = width;
    res["gamma"] = o.k.kernel == "gaussian" || o.k.kernel == "poly" ? json(o.k.gamma.value_or(1.0)) : json(nullptr);
    res["depth"] = o.k.kernel == "ntk" ? json(o.k.depth.value_or(1)) : json(nullptr);
    res["normalize"] = o.normalize;
    res["task"] = classify ? "classify" : "regress";
    res["classes"] = classify ? json(k) : json(nullptr);
    res["train_rows"] = n;
    res["holdout_rows"] = holdout_rows;
    res["lambda"] = lambda;
    res["lambda_select"] = o.lambda ? "fixed" : o.select;
    res["lambda_grid"] = grid;
    res["retries"] = retries;
    res["solver"] = solver_used == SUBQ_KRR_PCG ? "pcg" : solver_used == SUBQ_KRR_EXACT ? "exact" : "cholesky";
    res["cg_iterations"] = iterations;

    double seconds_predict = 0;
    if (test) {
        progress.phase("predicting " + std::to_string(test->rows) + " rows");
        t0 = Clock::now();
        const std::int64_t m = test->rows, block = 4096;
        std::vector<double> pred(static_cast<std::size_t>(m * k));
        for (std::int64_t r0 = 0; r0 < m; r0 += block) {
            const std::int64_t rows = std::min(block, m - r0);
            check(subq_krr_predict_f32(model.get(), SUBQ_ROW_MAJOR, rows, d, test->x.data() + r0 * d, d,
                                       pred.data() + r0 * k, k));
            progress.bar("predict", r0 + rows, m);
        }
        seconds_predict = since(t0);
        res["test_rows"] = m;
        if (classify) {
            std::int64_t correct = 0;
            for (std::int64_t i = 0; i < m; ++i) {
                const double *p = pred.data() + i * k;
                const double predicted = classes[static_cast<std::size_t>(std::max_element(p, p + k) - p)];
                correct += predicted == test->labels[static_cast<std::size_t>(i)];
            }
            res["test_accuracy"] = m > 0 ? static_cast<double>(correct) / static_cast<double>(m) : 0.0;
        } else {
            double se = 0;
            for (std::int64_t i = 0; i < m; ++i) {
                const double e = pred[static_cast<std::size_t>(i)] - test->labels[static_cast<std::size_t>(i)];
                se += e * e;
            }
            res["test_rmse"] = m > 0 ? std::sqrt(se / static_cast<double>(m)) : 0.0;
        }
        if (!o.predictions.empty()) write_npy(o.predictions, m, k, pred.data());
    }
    res["seconds_load"] = seconds_load;
    res["seconds_landmarks"] = seconds_landmarks;
    res["seconds_features"] = sf;
    res["seconds_gram"] = sg;
    res["seconds_solve"] = ss;
    res["seconds_fit"] = seconds_fit;
    res["seconds_predict"] = seconds_predict;
    res["seconds_total"] = since(progress.start);
    res["peak_rss_bytes"] = peak_rss_bytes();
    res["seed"] = o.seed;
    res["train"] = o.train;
    res["test"] = o.test.empty() ? json(nullptr) : json(o.test);
    emit(res);
}

}  // namespace

void add_krr_command(CLI::App &app) {
    auto opts = std::make_shared<KrrOptions>();
    CLI::App *cmd = app.add_subcommand(
        "krr", "Kernel ridge regression on kernel features: fit on --train, report accuracy (or RMSE) on --test");
    add_kernel_options(*cmd, opts->k,
                       "Kernel: gaussian (e^{−γ‖x−y‖²}), arccos0, arccos1, ntk, or poly (nystrom/exact)");
    cmd->add_option("--method", opts->method,
                    "taylor (default: sketched Taylor features), rff (gaussian), nystrom (--dim landmarks: "
                    "subset-of-regressors KRR) or exact (the exact kernel; needs --lambda, n² memory)");
    cmd->add_option("--dim", opts->dim, "Features D (nystrom: landmarks)");
    cmd->add_option("--lambda", opts->lambda, "Ridge λ > 0, units of (K + λI)α = y (default: selected)");
    cmd->add_option("--select", opts->select, "λ selection: holdout (default) or gcv");
    cmd->add_option("--holdout", opts->holdout, "Fraction of the training rows held out to select λ (default 0.2)");
    cmd->add_option("--grid-min", opts->grid_min, "Smallest λ tried, relative to mean k(x,x) (default 1e-6)");
    cmd->add_option("--grid-max", opts->grid_max, "Largest λ tried, relative to mean k(x,x) (default 1)");
    cmd->add_option("--grid-points", opts->grid_points, "λ values tried, log-spaced (default 7)");
    cmd->add_option("--solver", opts->solver,
                    "auto (default: pcg for a fixed λ on many rows per feature, else cholesky), cholesky or pcg "
                    "(sketch-preconditioned CG; needs --lambda)");
    cmd->add_option("--task", opts->task, "auto (default: classify integer labels), classify or regress");
    cmd->add_flag("--normalize", opts->normalize, "Scale every row to unit norm first (zero rows stay zero)");
    cmd->add_option("--seed", opts->seed, "Seed of the features and the hold-out split (default 0)");
    cmd->add_option("--threads", opts->threads, "Threads (default: all)");
    cmd->add_option("--block-rows", opts->block_rows, "Rows featurised at once (default: automatic)");
    cmd->add_option("--max-train", opts->max_train, "Use only the first N training rows (default: all)");
    cmd->add_option("--max-test", opts->max_test, "Use only the first N test rows (default: all)");
    cmd->add_option("--train", opts->train, "Training set: a labelled file, or fmnist-train")->required();
    cmd->add_option("--test", opts->test, "Test set: a labelled file, or fmnist-test");
    cmd->add_option("--predictions", opts->predictions, "Write the test predictions (n_test × k) as .npy");
    add_dataset_options(*cmd, opts->dataset);
    cmd->callback([opts] { run_krr(*opts); });
}

}  // namespace subq_cli
