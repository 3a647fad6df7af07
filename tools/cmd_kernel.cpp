// `subq kernel --kernel K [--degree q] [--gamma g] [--coef0 c] [--depth L] [--ntk-convention both|first] --in X
// [--rows N] [--force] [--normalize] [--threads t] --out K.npy`: the exact kernel matrix K_ij = k(x_i, x_j) of the
// first N rows of X (default: all), through subq_kernel_gram_f64/_f32 (include/subq/featuremap.h), written as .npy.
// The reference that `subq featurize` features are measured against (ZZᵀ ≈ K).
//
// The matrix has N² entries: more than 20,000 rows (3.2 GB of float64) are refused unless --force. The output has
// the input's float type (float32 data: float64 arithmetic, one rounding); sparse (LIBSVM) rows are densified.
// --normalize scales every row to unit norm first (a zero row stays zero), as `subq featurize --normalize`.
//
// This file also defines the kernel options shared with `subq featurize` (declared in cli.hpp).
#include <CLI/CLI.hpp>
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

// ---- kernel options --------------------------------------------------------------------------------------------

namespace {

const std::map<std::string, std::int64_t> &kernels() {
    static const std::map<std::string, std::int64_t> m{{"poly", SUBQ_KERNEL_POLYNOMIAL},
                                                       {"gaussian", SUBQ_KERNEL_GAUSSIAN},
                                                       {"arccos0", SUBQ_KERNEL_ARCCOS0},
                                                       {"arccos1", SUBQ_KERNEL_ARCCOS1},
                                                       {"ntk", SUBQ_KERNEL_NTK}};
    return m;
}

const std::map<std::string, std::int64_t> &ntk_conventions() {
    static const std::map<std::string, std::int64_t> m{{"both", SUBQ_NTK_BOTH_LAYERS},
                                                       {"first", SUBQ_NTK_FIRST_LAYER}};
    return m;
}

}  // namespace

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void set_option(subq_config *cfg, subq_param key, std::int64_t value, const char *option) {
    const subq_status st = subq_config_set_int(cfg, key, value);
    if (st != SUBQ_OK) fail(st, std::string(option) + " " + std::to_string(value) + ": " + subq_last_error_message());
}

void set_option(subq_config *cfg, subq_param key, double value, const char *option) {
    const subq_status st = subq_config_set_double(cfg, key, value);
    if (st != SUBQ_OK) fail(st, std::string(option) + " " + fmt(value) + ": " + subq_last_error_message());
}

std::int64_t kernel_value(const std::string &kernel) { return kernels().at(kernel); }

void add_kernel_options(CLI::App &cmd, KernelOptions &o, const std::string &kernel_help) {
    cmd.add_option("--kernel", o.kernel, kernel_help);
    cmd.add_option("--degree", o.degree, "poly: the degree q, 1..1024 (required for poly)");
    cmd.add_option("--gamma", o.gamma, "poly and gaussian: the scale γ > 0 (default 1)");
    cmd.add_option("--coef0", o.coef0, "poly: the offset c >= 0 (default 0)");
    cmd.add_option("--depth", o.depth, "ntk: the depth L, 1..64 (default 1)");
    cmd.add_option("--ntk-convention", o.ntk_convention,
                   "ntk: both (default: every layer trained) or first (only the first layer trained)");
}

void validate_kernel_options(const KernelOptions &o) {
    if (kernels().count(o.kernel) == 0)
        fail(SUBQ_ERR_INVALID_ARG, "unknown --kernel '" + o.kernel + "': poly, gaussian, arccos0, arccos1 or ntk");
    const bool poly = o.kernel == "poly", gaussian = o.kernel == "gaussian", ntk = o.kernel == "ntk";
    const auto reject = [&](bool given, const char *option, const char *which) {
        if (given)
            fail(SUBQ_ERR_INVALID_ARG, std::string(option) + " applies to " + which + ", not --kernel " + o.kernel);
    };
    reject(o.degree.has_value() && !poly, "--degree",
           "--kernel poly (the Taylor truncation degree of the other kernels is --max-degree)");
    reject(o.coef0.has_value() && !poly, "--coef0", "--kernel poly");
    reject(o.gamma.has_value() && !poly && !gaussian, "--gamma", "--kernel poly and gaussian");
    reject(o.depth.has_value() && !ntk, "--depth", "--kernel ntk");
    reject(o.ntk_convention.has_value() && !ntk, "--ntk-convention", "--kernel ntk");
    if (poly && !o.degree) throw CLI::RequiredError("--degree (for --kernel poly)");
    if (o.gamma && !(std::isfinite(*o.gamma) && *o.gamma > 0))
        fail(SUBQ_ERR_PARAM_RANGE, "--gamma " + fmt(*o.gamma) + ": γ must be finite and > 0");
    if (o.coef0 && !(std::isfinite(*o.coef0) && *o.coef0 >= 0))
        fail(SUBQ_ERR_PARAM_RANGE, "--coef0 " + fmt(*o.coef0) + ": c must be finite and >= 0");
    if (o.ntk_convention && ntk_conventions().count(*o.ntk_convention) == 0)
        fail(SUBQ_ERR_INVALID_ARG, "unknown --ntk-convention '" + *o.ntk_convention +
                                       "': both (every layer trained) or first (only the first layer)");
}

void set_kernel_keys(subq_config *cfg, const KernelOptions &o) {
    set_int(cfg, SUBQ_P_KERNEL, kernel_value(o.kernel));
    if (o.degree) set_option(cfg, SUBQ_P_DEGREE, *o.degree, "--degree");
    if (o.gamma) set_option(cfg, SUBQ_P_GAMMA, *o.gamma, "--gamma");
    if (o.coef0) set_option(cfg, SUBQ_P_COEF0, *o.coef0, "--coef0");
    if (o.depth) set_option(cfg, SUBQ_P_NTK_DEPTH, *o.depth, "--depth");
    if (o.ntk_convention)
        set_option(cfg, SUBQ_P_NTK_CONVENTION, ntk_conventions().at(*o.ntk_convention), "--ntk-convention");
}

// ---- subq kernel -----------------------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kMaxRowsWithoutForce = 20000;

struct KernelCommandOptions {
    KernelOptions kernel;
    std::optional<std::int64_t> rows, threads;
    bool force = false;
    bool normalize = false;
    std::string in, out;
    DatasetOptions dataset;
};

void check_rows(std::int64_t n, bool force, const std::string &what) {
    if (n > kMaxRowsWithoutForce && !force)
        fail(SUBQ_ERR_DIMENSION, what + ": the kernel matrix would have " +
                                     std::to_string(n) + "² entries (" + fmt(8.0 * double(n) * double(n) / 1e9) +
                                     " GB as float64); more than " + std::to_string(kMaxRowsWithoutForce) +
                                     " rows need --force");
}

template <class T>
void normalize_rows(std::vector<T> &x, std::int64_t n, std::int64_t d) {
    for (std::int64_t i = 0; i < n; ++i) {
        T *row = x.data() + i * d;
        double ss = 0;
        for (std::int64_t j = 0; j < d; ++j) ss += static_cast<double>(row[j]) * static_cast<double>(row[j]);
        if (ss == 0) continue;  // a zero row stays zero
        const double s = 1.0 / std::sqrt(ss);
        for (std::int64_t j = 0; j < d; ++j) row[j] = static_cast<T>(static_cast<double>(row[j]) * s);
    }
}

subq_status gram(const subq_config *cfg, std::int64_t n, std::int64_t d, const double *x, double *k) {
    const subq_index ld = d > 0 ? d : 1;
    return subq_kernel_gram_f64(cfg, SUBQ_ROW_MAJOR, n, n, d, x, ld, x, ld, k, n);
}
subq_status gram(const subq_config *cfg, std::int64_t n, std::int64_t d, const float *x, float *k) {
    const subq_index ld = d > 0 ? d : 1;
    return subq_kernel_gram_f32(cfg, SUBQ_ROW_MAJOR, n, n, d, x, ld, x, ld, k, n);
}
subq_status copy_dense(const subq_dataset *ds, double *x, subq_index ld) {
    return subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, x, ld);
}
subq_status copy_dense(const subq_dataset *ds, float *x, subq_index ld) {
    return subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, x, ld);
}

// The first n rows of the data set as a dense row-major matrix (sparse data densified row by row).
template <class T>
std::vector<T> first_rows(DatasetPtr ds, const DatasetShape &s, std::int64_t n) {
    const std::int64_t d = s.cols;
    std::vector<T> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
    if (s.sparse) {
        std::vector<subq_index> indptr(static_cast<std::size_t>(s.rows) + 1), indices(static_cast<std::size_t>(s.stored));
        std::vector<double> values(static_cast<std::size_t>(s.stored));
        check(subq_dataset_copy_csr_f64(ds.get(), indptr.data(), indices.data(), values.data(), s.stored));
        for (std::int64_t i = 0; i < n; ++i)  // duplicate column indices are summed
            for (auto p = indptr[static_cast<std::size_t>(i)]; p < indptr[static_cast<std::size_t>(i) + 1]; ++p)
                x[static_cast<std::size_t>(i * d + indices[static_cast<std::size_t>(p)])] +=
                    static_cast<T>(values[static_cast<std::size_t>(p)]);
        return x;
    }
    if (n == s.rows) {
        check(copy_dense(ds.get(), x.data(), d > 0 ? d : 1));
        return x;
    }
    std::vector<T> all(static_cast<std::size_t>(s.rows) * static_cast<std::size_t>(d));
    check(copy_dense(ds.get(), all.data(), d > 0 ? d : 1));
    ds.reset();
    x.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n * d));
    return x;
}

template <class T>
double compute(DatasetPtr ds, const DatasetShape &s, std::int64_t n, const subq_config *cfg,
               const KernelCommandOptions &o) {
    std::vector<T> x = first_rows<T>(std::move(ds), s, n);
    if (o.normalize) normalize_rows(x, n, s.cols);
    std::vector<T> k(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
    const auto t0 = std::chrono::steady_clock::now();
    check(gram(cfg, n, s.cols, x.data(), k.data()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    x = std::vector<T>();
    write_npy(o.out, n, n, k.data());
    return seconds;
}

void run_kernel(const KernelCommandOptions &o) {
    validate_kernel_options(o.kernel);
    if (o.rows) {
        if (*o.rows < 1) fail(SUBQ_ERR_DIMENSION, "--rows " + std::to_string(*o.rows) + ": must be >= 1");
        check_rows(*o.rows, o.force, "--rows " + std::to_string(*o.rows));
    }
    ConfigPtr cfg = make_config(SUBQ_KIND_FEATUREMAP);
    set_kernel_keys(cfg.get(), o.kernel);
    if (o.threads) set_option(cfg.get(), SUBQ_P_NUM_THREADS, *o.threads, "--threads");
    DatasetPtr ds = load_dataset(o.in, o.dataset);
    const DatasetShape s = dataset_shape(ds.get());
    if (o.rows && *o.rows > s.rows)
        fail(SUBQ_ERR_DIMENSION, "--rows " + std::to_string(*o.rows) + " exceeds the " + std::to_string(s.rows) +
                                     " rows of " + o.in);
    const std::int64_t n = o.rows.value_or(s.rows);
    if (!o.rows) check_rows(n, o.force, o.in + " has " + std::to_string(n) + " rows (use --rows N)");
    if (n < 1) fail(SUBQ_ERR_DIMENSION, o.in + " has no rows");
    const subq_dtype dtype = (!s.sparse && s.dtype == SUBQ_F32) ? SUBQ_F32 : SUBQ_F64;
    const double seconds = dtype == SUBQ_F32 ? compute<float>(std::move(ds), s, n, cfg.get(), o)
                                             : compute<double>(std::move(ds), s, n, cfg.get(), o);
    const KernelOptions &k = o.kernel;
    const bool poly = k.kernel == "poly", gaussian = k.kernel == "gaussian", ntk = k.kernel == "ntk";
    json r;
    r["kernel"] = k.kernel;
    r["degree"] = poly ? json(*k.degree) : json(nullptr);
    r["gamma"] = poly || gaussian ? json(k.gamma.value_or(1.0)) : json(nullptr);
    r["coef0"] = poly ? json(k.coef0.value_or(0.0)) : json(nullptr);
    r["depth"] = ntk ? json(k.depth.value_or(1)) : json(nullptr);
    r["ntk_convention"] = ntk ? json(k.ntk_convention.value_or("both")) : json(nullptr);
    r["rows"] = n;
    r["input_rows"] = s.rows;
    r["input_dim"] = s.cols;
    r["normalize"] = o.normalize;
    r["seconds"] = seconds;
    r["dtype"] = dtype_name(dtype);
    r["in"] = o.in;
    r["out"] = o.out;
    emit(r);
}

}  // namespace

void add_kernel_command(CLI::App &app) {
    auto opts = std::make_shared<KernelCommandOptions>();
    CLI::App *cmd = app.add_subcommand(
        "kernel", "The exact kernel matrix K (N×N) of the first N rows of a data file, written as .npy");
    add_kernel_options(*cmd, opts->kernel, "Kernel: poly (default), gaussian, arccos0, arccos1 or ntk");
    cmd->add_option("--rows", opts->rows, "Use the first N rows (default: all)")->option_text("N");
    cmd->add_flag("--force", opts->force, "Allow more than 20000 rows (the matrix has N² entries)");
    cmd->add_flag("--normalize", opts->normalize, "Scale every row to unit norm first (zero rows stay zero)");
    cmd->add_option("--threads", opts->threads, "Threads (default: all)");
    cmd->add_option("--in", opts->in, "Input file, or fmnist-train / fmnist-test")->required();
    cmd->add_option("--out", opts->out, "Output .npy file (N×N, the input's float type)")->required();
    add_dataset_options(*cmd, opts->dataset);
    cmd->callback([opts] { run_kernel(*opts); });
}

}  // namespace subq_cli
