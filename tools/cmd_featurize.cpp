// `subq featurize --kernel poly --degree q [--gamma g] [--coef0 c] --dim D [--method tree|shared|tensorsketch]
// [--normalize] [--seed s] --in X --out Z.npy`: features Z (n×D) of the polynomial kernel (γ⟨x,y⟩ + c)^q, so that
// ZZᵀ ≈ K, written as .npy.
//
// Methods: `tree` is the tree sketch with automatic leaves (SUBQ_KIND_TREE_SKETCH, SUBQ_LEAF_AUTO); `shared` the
// tree with one shared leaf map (SUBQ_LEAF_SHARED: the data is read once whatever q; biased); `tensorsketch` the
// base TensorSketch of degree q (SUBQ_SKETCH_TENSORSKETCH) applied to x̃ = [√γ·x; √c], which this command builds
// (the base sketch has no γ or c). Expert options (--leaf, --leaf-type, --leaf-dim, --leaf-hash-dim, --sparsity,
// --node, --node-dim, --all-degrees) set the tree's keys directly.
//
// The output has the input's float type (IDX/npy float32 gives float32; CSV/LIBSVM/npy float64 gives float64);
// sparse (LIBSVM) input is sketched from CSR without densifying. Memory: the loaded data set is released once its
// rows are copied, so the peak is about one copy of X plus Z plus the plan (all 60,000 Fashion-MNIST rows at
// D = 4096: about 1.2 GB in float32).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

struct FeaturizeOptions {
    std::string kernel = "poly";
    std::int64_t degree = 0;
    double gamma = 1.0;
    double coef0 = 0.0;
    std::int64_t dim = 0;
    std::string method = "tree";
    std::optional<std::string> leaf, leaf_type, node;
    std::optional<std::int64_t> leaf_dim, leaf_hash_dim, node_dim, sparsity, threads;
    bool all_degrees = false;
    bool normalize = false;
    std::int64_t seed = 0;
    std::string in, out;
    DatasetOptions dataset;
};

struct SketchDeleter {
    void operator()(subq_sketch *s) const noexcept { subq_sketch_destroy(s); }
};
using SketchPtr = std::unique_ptr<subq_sketch, SketchDeleter>;

const std::map<std::string, std::int64_t> &leaf_modes() {
    static const std::map<std::string, std::int64_t> m{{"auto", SUBQ_LEAF_AUTO},
                                                       {"identity", SUBQ_LEAF_IDENTITY},
                                                       {"independent", SUBQ_LEAF_INDEPENDENT},
                                                       {"shared", SUBQ_LEAF_SHARED}};
    return m;
}

const std::map<std::string, std::int64_t> &leaf_types() {
    static const std::map<std::string, std::int64_t> m{{"auto", SUBQ_LEAF_TYPE_AUTO},
                                                       {"countsketch", SUBQ_LEAF_TYPE_COUNTSKETCH},
                                                       {"osnap", SUBQ_LEAF_TYPE_OSNAP},
                                                       {"srht", SUBQ_LEAF_TYPE_SRHT},
                                                       {"osnap+srht", SUBQ_LEAF_TYPE_OSNAP_SRHT}};
    return m;
}

const std::map<std::string, std::int64_t> &node_types() {
    static const std::map<std::string, std::int64_t> m{{"tensorsrht", SUBQ_SKETCH_TENSORSRHT},
                                                       {"tensorsketch", SUBQ_SKETCH_TENSORSKETCH}};
    return m;
}

// The name of a resolved enum value (the inverse of the maps above).
std::string name_of(const std::map<std::string, std::int64_t> &names, std::int64_t value) {
    for (const auto &[name, v] : names)
        if (v == value) return name;
    return std::to_string(value);
}

// subq_config_set_int / _set_double that name the command-line option in the message.
void set_option(subq_config *cfg, subq_param key, std::int64_t value, const char *option) {
    const subq_status st = subq_config_set_int(cfg, key, value);
    if (st != SUBQ_OK) fail(st, std::string(option) + " " + std::to_string(value) + ": " + subq_last_error_message());
}
std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
void set_option(subq_config *cfg, subq_param key, double value, const char *option) {
    const subq_status st = subq_config_set_double(cfg, key, value);
    if (st != SUBQ_OK) fail(st, std::string(option) + " " + fmt(value) + ": " + subq_last_error_message());
}

// Everything that can be checked before the data is read.
void validate(const FeaturizeOptions &o) {
    if (o.kernel != "poly") {
        static const std::set<std::string> later{"gaussian", "arccos0", "arccos1", "ntk"};
        if (later.count(o.kernel) != 0)
            fail(SUBQ_ERR_UNSUPPORTED, "--kernel " + o.kernel +
                                           " is not available yet: it comes with the kernel feature maps; this "
                                           "version featurizes --kernel poly only");
        fail(SUBQ_ERR_INVALID_ARG, "unknown --kernel '" + o.kernel +
                                       "': the kernel is poly (gaussian, arccos0, arccos1 and ntk come with the "
                                       "kernel feature maps)");
    }
    if (o.method != "tree" && o.method != "shared" && o.method != "tensorsketch")
        fail(SUBQ_ERR_INVALID_ARG, "unknown --method '" + o.method + "': tree, shared or tensorsketch");
    if (o.method == "tensorsketch" &&
        (o.leaf || o.leaf_type || o.leaf_dim || o.leaf_hash_dim || o.sparsity || o.node || o.node_dim || o.all_degrees))
        fail(SUBQ_ERR_INVALID_ARG,
             "--leaf, --leaf-type, --leaf-dim, --leaf-hash-dim, --sparsity, --node, --node-dim and --all-degrees "
             "configure the tree sketch: they apply to --method tree and shared, not tensorsketch");
    if (o.method == "shared" && o.leaf && *o.leaf != "shared")
        fail(SUBQ_ERR_INVALID_ARG, "--method shared uses a shared leaf; it cannot be combined with --leaf " + *o.leaf);
    if (o.leaf && leaf_modes().count(*o.leaf) == 0)
        fail(SUBQ_ERR_INVALID_ARG, "unknown --leaf '" + *o.leaf + "': auto, identity, independent or shared");
    if (o.leaf_type && leaf_types().count(*o.leaf_type) == 0)
        fail(SUBQ_ERR_INVALID_ARG,
             "unknown --leaf-type '" + *o.leaf_type + "': auto, srht, countsketch, osnap or osnap+srht");
    if (o.node && node_types().count(*o.node) == 0)
        fail(SUBQ_ERR_INVALID_ARG, "unknown --node '" + *o.node + "': tensorsrht or tensorsketch");
}

// The config of the chosen method, every key but SUBQ_P_INPUT_DIM (it needs the data).
ConfigPtr make_featurize_config(const FeaturizeOptions &o) {
    const bool tree = o.method != "tensorsketch";
    ConfigPtr cfg = make_config(tree ? SUBQ_KIND_TREE_SKETCH : SUBQ_KIND_SKETCH);
    subq_config *c = cfg.get();
    if (!tree) set_int(c, SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_TENSORSKETCH);
    set_option(c, SUBQ_P_DEGREE, o.degree, "--degree");
    set_option(c, SUBQ_P_OUTPUT_DIM, o.dim, "--dim");
    set_option(c, SUBQ_P_SEED, o.seed, "--seed");
    if (o.threads) set_option(c, SUBQ_P_NUM_THREADS, *o.threads, "--threads");
    if (!(std::isfinite(o.gamma) && o.gamma > 0))
        fail(SUBQ_ERR_PARAM_RANGE, "--gamma " + fmt(o.gamma) + ": γ must be finite and > 0");
    if (!(std::isfinite(o.coef0) && o.coef0 >= 0))
        fail(SUBQ_ERR_PARAM_RANGE, "--coef0 " + fmt(o.coef0) + ": c must be finite and >= 0");
    if (!tree) return cfg;
    set_option(c, SUBQ_P_GAMMA, o.gamma, "--gamma");
    set_option(c, SUBQ_P_COEF0, o.coef0, "--coef0");
    const std::string leaf = o.method == "shared" ? "shared" : o.leaf.value_or("auto");
    set_option(c, SUBQ_P_LEAF_MODE, leaf_modes().at(leaf), "--leaf");
    if (o.leaf_type) set_option(c, SUBQ_P_LEAF_TYPE, leaf_types().at(*o.leaf_type), "--leaf-type");
    if (o.leaf_dim) set_option(c, SUBQ_P_LEAF_DIM, *o.leaf_dim, "--leaf-dim");
    if (o.leaf_hash_dim) set_option(c, SUBQ_P_LEAF_HASH_DIM, *o.leaf_hash_dim, "--leaf-hash-dim");
    if (o.sparsity) set_option(c, SUBQ_P_SPARSITY, *o.sparsity, "--sparsity");
    if (o.node) set_option(c, SUBQ_P_NODE_TYPE, node_types().at(*o.node), "--node");
    if (o.node_dim) set_option(c, SUBQ_P_NODE_DIM, *o.node_dim, "--node-dim");
    if (o.all_degrees) set_option(c, SUBQ_P_ALL_DEGREES, std::int64_t{1}, "--all-degrees");
    return cfg;
}

// ---- the input as the sketch sees it ----------------------------------------------------------------------------
//
// `aug` = true (tensorsketch) stores x̃ = [√γ·x; √c] (the √c column only when c > 0); otherwise x itself. With
// --normalize each row of x is first scaled to unit Euclidean norm (a zero row stays zero).

subq_status copy_dense(const subq_dataset *ds, float *x, subq_index ld) {
    return subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, x, ld);
}
subq_status copy_dense(const subq_dataset *ds, double *x, subq_index ld) {
    return subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, x, ld);
}
subq_status apply_dense(const subq_sketch *sk, subq_index n, subq_index d, const float *x, subq_index ldx, float *z,
                        subq_index ldz) {
    return subq_sketch_apply_f32(sk, SUBQ_ROW_MAJOR, n, d, x, ldx, z, ldz);
}
subq_status apply_dense(const subq_sketch *sk, subq_index n, subq_index d, const double *x, subq_index ldx, double *z,
                        subq_index ldz) {
    return subq_sketch_apply_f64(sk, SUBQ_ROW_MAJOR, n, d, x, ldx, z, ldz);
}

template <class T>
void prepare_row(T *row, std::int64_t d, bool normalize, double scale) {
    double s = scale;
    if (normalize) {
        double ss = 0;
        for (std::int64_t j = 0; j < d; ++j) ss += static_cast<double>(row[j]) * static_cast<double>(row[j]);
        if (ss == 0) return;  // a zero row stays zero
        s /= std::sqrt(ss);
    }
    if (s != 1.0)
        for (std::int64_t j = 0; j < d; ++j) row[j] = static_cast<T>(static_cast<double>(row[j]) * s);
}

struct Sketched {
    std::int64_t rows = 0, cols = 0, sketch_dim = 0;  // sketch_dim: the sketch's input dimension (d or d + 1)
    double seconds = 0;
};

// The time of the apply call alone (not loading, normalizing or writing).
template <class F>
double timed(F &&apply) {
    const auto t0 = std::chrono::steady_clock::now();
    check(apply());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class T>
Sketched featurize_dense(DatasetPtr ds, const DatasetShape &s, subq_config *cfg, SketchPtr &sk, bool aug,
                         const FeaturizeOptions &o) {
    const std::int64_t n = s.rows, d = s.cols;
    const bool extra = aug && o.coef0 > 0;
    const std::int64_t dt = extra ? d + 1 : d;  // the sketch's input dimension
    const subq_index ldx = dt > 0 ? dt : 1;
    std::vector<T> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(ldx));
    check(copy_dense(ds.get(), x.data(), ldx));
    ds.reset();  // the loaded copy is no longer needed: keep one copy of X in memory
    const double scale = aug ? std::sqrt(o.gamma) : 1.0;
    if (o.normalize || scale != 1.0 || extra) {
        const T tail = static_cast<T>(std::sqrt(o.coef0));
        for (std::int64_t i = 0; i < n; ++i) {
            T *row = x.data() + i * ldx;
            prepare_row(row, d, o.normalize, scale);
            if (extra) row[d] = tail;
        }
    }
    set_int(cfg, SUBQ_P_INPUT_DIM, dt);
    subq_sketch *raw = nullptr;
    check(subq_sketch_create(cfg, &raw));
    sk.reset(raw);
    subq_index m = 0;
    check(subq_sketch_output_dim(sk.get(), &m));
    std::vector<T> z(static_cast<std::size_t>(n) * static_cast<std::size_t>(m));
    const subq_index ldz = m > 0 ? m : 1;
    Sketched r{n, d, dt, 0.0};
    r.seconds = timed([&] { return apply_dense(sk.get(), n, dt, x.data(), ldx, z.data(), ldz); });
    x = std::vector<T>();  // free X before writing Z
    write_npy(o.out, n, m, z.data());
    return r;
}

Sketched featurize_csr(DatasetPtr ds, const DatasetShape &s, subq_config *cfg, SketchPtr &sk, bool aug,
                       const FeaturizeOptions &o) {
    const std::int64_t n = s.rows, d = s.cols;
    std::vector<subq_index> indptr(static_cast<std::size_t>(n) + 1), indices(static_cast<std::size_t>(s.stored));
    std::vector<double> values(static_cast<std::size_t>(s.stored));
    check(subq_dataset_copy_csr_f64(ds.get(), indptr.data(), indices.data(), values.data(), s.stored));
    ds.reset();
    // As prepare_row() for dense rows, with the same arithmetic, so that the dense and the CSR form of one matrix
    // give the same values.
    const double scale = aug ? std::sqrt(o.gamma) : 1.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const std::size_t b = static_cast<std::size_t>(indptr[static_cast<std::size_t>(i)]);
        const std::size_t e = static_cast<std::size_t>(indptr[static_cast<std::size_t>(i) + 1]);
        double s = scale;
        if (o.normalize) {
            // Duplicate column indices are summed by the sketch: the norm is that of the summed row.
            std::map<subq_index, double> row;
            for (std::size_t k = b; k < e; ++k) row[indices[k]] += values[k];
            double ss = 0;
            for (const auto &[j, v] : row) ss += v * v;
            if (ss == 0) continue;  // a zero row stays zero
            s /= std::sqrt(ss);
        }
        if (s != 1.0)
            for (std::size_t k = b; k < e; ++k) values[k] *= s;
    }
    std::int64_t dt = d;
    if (aug && o.coef0 > 0) {  // append (d, √c) to every row
        dt = d + 1;
        const double tail = std::sqrt(o.coef0);
        std::vector<subq_index> ip(indptr.size()), ix(indices.size() + static_cast<std::size_t>(n));
        std::vector<double> vx(ix.size());
        std::size_t k = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            for (auto p = indptr[static_cast<std::size_t>(i)]; p < indptr[static_cast<std::size_t>(i) + 1]; ++p, ++k) {
                ix[k] = indices[static_cast<std::size_t>(p)];
                vx[k] = values[static_cast<std::size_t>(p)];
            }
            ix[k] = d;
            vx[k] = tail;
            ++k;
            ip[static_cast<std::size_t>(i) + 1] = static_cast<subq_index>(k);
        }
        indptr.swap(ip);
        indices.swap(ix);
        values.swap(vx);
    }
    set_int(cfg, SUBQ_P_INPUT_DIM, dt);
    subq_sketch *raw = nullptr;
    check(subq_sketch_create(cfg, &raw));
    sk.reset(raw);
    subq_index m = 0;
    check(subq_sketch_output_dim(sk.get(), &m));
    std::vector<double> z(static_cast<std::size_t>(n) * static_cast<std::size_t>(m));
    Sketched r{n, d, dt, 0.0};
    r.seconds = timed([&] {
        return subq_sketch_apply_csr_f64(sk.get(), n, dt, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                         z.data(), m > 0 ? m : 1);
    });
    write_npy(o.out, n, m, z.data());
    return r;
}

// A resolved tree parameter, or null for the base TensorSketch.
json tree_int(const subq_sketch *sk, bool tree, subq_param key) {
    if (!tree) return nullptr;
    int64_t v = 0;
    check(subq_sketch_get_int(sk, key, &v));
    return v;
}

void run_featurize(const FeaturizeOptions &o) {
    validate(o);
    ConfigPtr cfg = make_featurize_config(o);  // option errors before the data is read
    DatasetPtr ds = load_dataset(o.in, o.dataset);
    const DatasetShape s = dataset_shape(ds.get());
    const bool tree = o.method != "tensorsketch";
    SketchPtr sk;
    Sketched r;
    if (s.sparse)
        r = featurize_csr(std::move(ds), s, cfg.get(), sk, !tree, o);
    else if (s.dtype == SUBQ_F32)
        r = featurize_dense<float>(std::move(ds), s, cfg.get(), sk, !tree, o);
    else
        r = featurize_dense<double>(std::move(ds), s, cfg.get(), sk, !tree, o);

    subq_index m = 0;
    check(subq_sketch_output_dim(sk.get(), &m));
    json res;
    res["kernel"] = o.kernel;
    res["method"] = o.method;
    res["degree"] = o.degree;
    res["gamma"] = o.gamma;
    res["coef0"] = o.coef0;
    res["dim"] = m;
    res["all_degrees"] = o.all_degrees;
    res["rows"] = r.rows;
    res["input_dim"] = r.cols;
    const json mode = tree_int(sk.get(), tree, SUBQ_P_LEAF_MODE);
    const json type = tree_int(sk.get(), tree, SUBQ_P_LEAF_TYPE);
    const json node = tree_int(sk.get(), tree, SUBQ_P_NODE_TYPE);
    res["leaf_mode"] = mode.is_null() ? json(nullptr) : json(name_of(leaf_modes(), mode.get<std::int64_t>()));
    // identity leaves have no leaf map (SUBQ_LEAF_TYPE_AUTO after resolution)
    res["leaf_type"] = type.is_null() || type.get<std::int64_t>() == SUBQ_LEAF_TYPE_AUTO
                           ? json(nullptr)
                           : json(name_of(leaf_types(), type.get<std::int64_t>()));
    res["leaf_dim"] = tree_int(sk.get(), tree, SUBQ_P_LEAF_DIM);
    res["node_type"] = node.is_null() ? json(nullptr) : json(name_of(node_types(), node.get<std::int64_t>()));
    res["node_dim"] = tree_int(sk.get(), tree, SUBQ_P_NODE_DIM);
    res["normalize"] = o.normalize;
    res["seed"] = o.seed;
    res["apply_seconds"] = r.seconds;
    res["dtype"] = dtype_name(s.sparse ? SUBQ_F64 : s.dtype);
    res["in"] = o.in;
    res["out"] = o.out;
    emit(res);
}

}  // namespace

void add_featurize_command(CLI::App &app) {
    auto opts = std::make_shared<FeaturizeOptions>();
    CLI::App *cmd = app.add_subcommand(
        "featurize", "Features Z (n×D) of the polynomial kernel (γ⟨x,y⟩ + c)^q, ZZᵀ ≈ K, written as .npy");
    cmd->add_option("--kernel", opts->kernel, "Kernel: poly (default)");
    cmd->add_option("--degree", opts->degree, "Degree q of the polynomial kernel, 1..1024")->required();
    cmd->add_option("--gamma", opts->gamma, "Scale γ > 0 of the inner product (default 1)");
    cmd->add_option("--coef0", opts->coef0, "Offset c >= 0 (default 0)");
    cmd->add_option("--dim", opts->dim, "Output dimension D (with --all-degrees, per degree)")->required();
    cmd->add_option("--method", opts->method,
                    "tree (default: the tree sketch, automatic leaves), shared (one shared leaf map: reads the data "
                    "once; biased) or tensorsketch (TensorSketch of [√γ·x; √c])");
    cmd->add_option("--leaf", opts->leaf, "Tree leaves: auto (default), identity, independent or shared");
    cmd->add_option("--leaf-type", opts->leaf_type, "Leaf map: auto (default), srht, countsketch, osnap, osnap+srht");
    cmd->add_option("--leaf-dim", opts->leaf_dim, "Leaf map output dimension (default: node dim; shared: 4×)");
    cmd->add_option("--leaf-hash-dim", opts->leaf_hash_dim, "osnap+srht leaves: the OSNAP stage's dimension");
    cmd->add_option("--sparsity", opts->sparsity, "OSNAP leaves: nonzeros per column (default 4)");
    cmd->add_option("--node", opts->node, "Internal tree nodes: tensorsrht (default) or tensorsketch");
    cmd->add_option("--node-dim", opts->node_dim, "Internal node width (default: the power of two >= D)");
    cmd->add_flag("--all-degrees", opts->all_degrees, "Output the sketches of degrees 1..q side by side (q·D columns)");
    cmd->add_flag("--normalize", opts->normalize, "Scale every input row to unit norm first (zero rows stay zero)");
    cmd->add_option("--seed", opts->seed, "Seed (default 0)");
    cmd->add_option("--threads", opts->threads, "Threads (default: all)");
    cmd->add_option("--in", opts->in, "Input file, or fmnist-train / fmnist-test")->required();
    cmd->add_option("--out", opts->out, "Output .npy file (n×D, the input's float type)")->required();
    add_dataset_options(*cmd, opts->dataset);
    cmd->callback([opts] { run_featurize(*opts); });
}

}  // namespace subq_cli
