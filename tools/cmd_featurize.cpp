// `subq featurize --kernel K [kernel options] --dim D [--method M] [--normalize] [--seed s] --in X --out Z.npy`:
// features Z (n×D) of a kernel, so that ZZᵀ ≈ K, written as .npy.
//
// --kernel poly --degree q [--gamma g] [--coef0 c]: (γ⟨x,y⟩ + c)^q. Methods: `tree` (default) is the tree sketch
// with automatic leaves (SUBQ_KIND_TREE_SKETCH, SUBQ_LEAF_AUTO); `shared` the tree with one shared leaf map
// (SUBQ_LEAF_SHARED: the data is read once whatever q; biased); `tensorsketch` the base TensorSketch of degree q
// (SUBQ_SKETCH_TENSORSKETCH) applied to x̃ = [√γ·x; √c], which this command builds (the base sketch has no γ or
// c); `nystrom` as below. Expert options (--leaf, --leaf-type, --leaf-dim, --leaf-hash-dim, --sparsity, --node,
// --node-dim, --all-degrees) set the tree's keys directly.
//
// --kernel gaussian [--gamma g] | arccos0 | arccos1 | ntk [--depth L] [--ntk-convention both|first]: through the
// subq_featuremap API (include/subq/featuremap.h). Methods: `taylor` (default; the sketched Taylor series, tuned
// by --tolerance, --max-degree, --granularity, --radius (gaussian) and --leaf; the truncation is reported as
// taylor_degree, taylor_tail, taylor_cap_binds), `rff` (random Fourier features; gaussian only) and `nystrom`
// (any kernel, poly too: --dim landmarks chosen uniformly among the input rows by subq_featuremap_fit_f64, from
// --seed; fewer rows than --dim make every row a landmark and the output that narrow). Options that do not apply
// to the chosen kernel and method are rejected, not ignored.
//
// The output has the input's float type (IDX/npy float32 gives float32; CSV/LIBSVM/npy float64 gives float64);
// sparse (LIBSVM) input is transformed from CSR without densifying (except for the Nyström fit, which reads a
// dense float64 copy). Memory: the loaded data set is released once its rows are copied, so the peak is about one
// copy of X plus Z plus the plan (all 60,000 Fashion-MNIST rows at D = 4096: about 1.2 GB in float32).
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
#include <type_traits>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

struct FeaturizeOptions {
    KernelOptions k;
    std::int64_t dim = 0;
    std::optional<std::string> method_option;
    std::string method;  // resolved: --method, or tree (poly) / taylor (the other kernels)
    std::optional<double> tolerance, radius;
    std::optional<std::int64_t> max_degree, granularity;
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

// The sketch methods of the polynomial kernel (the tree sketch or TensorSketch, as before the feature maps).
bool sketch_method(const std::string &method) {
    return method == "tree" || method == "shared" || method == "tensorsketch";
}

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

// Everything that can be checked before the data is read.
void validate(FeaturizeOptions &o) {
    validate_kernel_options(o.k);
    const bool poly = o.k.kernel == "poly";
    o.method = o.method_option.value_or(poly ? "tree" : "taylor");
    if (!sketch_method(o.method) && feature_methods().count(o.method) == 0)
        fail(SUBQ_ERR_INVALID_ARG,
             "unknown --method '" + o.method + "': tree, shared or tensorsketch (poly), taylor, rff or nystrom");
    if (poly && (o.method == "taylor" || o.method == "rff"))
        fail(SUBQ_ERR_INVALID_ARG,
             "--method " + o.method + " does not apply to --kernel poly: " +
                 (o.method == "taylor" ? "its Taylor series is the polynomial itself, which "
                                         "--method tree sketches"
                                       : "random Fourier features exist for --kernel gaussian only") +
                 " (poly: tree, shared, tensorsketch or nystrom)");
    if (!poly && sketch_method(o.method))
        fail(SUBQ_ERR_INVALID_ARG, "--method " + o.method + " sketches the polynomial kernel only; --kernel " +
                                       o.k.kernel + " takes taylor, nystrom" +
                                       (o.k.kernel == "gaussian" ? " or rff" : ""));
    if (o.method == "rff" && o.k.kernel != "gaussian")
        fail(SUBQ_ERR_INVALID_ARG, "--method rff (random Fourier features) exists for --kernel gaussian only, not " +
                                       o.k.kernel + "; use taylor or nystrom");
    const bool taylor = o.method == "taylor";
    if (!taylor && (o.tolerance || o.max_degree || o.granularity || o.radius))
        fail(SUBQ_ERR_INVALID_ARG,
             "--tolerance, --max-degree, --granularity and --radius tune the Taylor features: "
             "they apply to --method taylor, not " +
                 o.method);
    if (o.radius && o.k.kernel != "gaussian")
        fail(SUBQ_ERR_INVALID_ARG, "--radius bounds the row norms of --kernel gaussian, not " + o.k.kernel);
    if (!sketch_method(o.method)) {
        if (o.leaf_type || o.leaf_dim || o.leaf_hash_dim || o.sparsity || o.node || o.node_dim || o.all_degrees)
            fail(SUBQ_ERR_INVALID_ARG,
                 "--leaf-type, --leaf-dim, --leaf-hash-dim, --sparsity, --node, --node-dim and --all-degrees "
                 "configure the tree sketch of --kernel poly: they do not apply to --method " +
                     o.method);
        if (o.leaf && !taylor)
            fail(SUBQ_ERR_INVALID_ARG, "--leaf applies to --method tree, shared and taylor, not " + o.method);
    }
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

double gamma_of(const FeaturizeOptions &o) {
    return o.k.gamma.value_or(1.0);
}
double coef0_of(const FeaturizeOptions &o) {
    return o.k.coef0.value_or(0.0);
}

// The config of a feature map (every method but tree, shared and tensorsketch), every key but SUBQ_P_INPUT_DIM.
ConfigPtr make_featuremap_config(const FeaturizeOptions &o) {
    ConfigPtr cfg = make_config(SUBQ_KIND_FEATUREMAP);
    subq_config *c = cfg.get();
    set_kernel_keys(c, o.k);
    set_option(c, SUBQ_P_FEATURE_METHOD, feature_methods().at(o.method), "--method");
    set_option(c, SUBQ_P_OUTPUT_DIM, o.dim, "--dim");
    set_option(c, SUBQ_P_SEED, o.seed, "--seed");
    if (o.threads) set_option(c, SUBQ_P_NUM_THREADS, *o.threads, "--threads");
    if (o.tolerance) set_option(c, SUBQ_P_TAYLOR_TOLERANCE, *o.tolerance, "--tolerance");
    if (o.max_degree) set_option(c, SUBQ_P_MAX_DEGREE, *o.max_degree, "--max-degree");
    if (o.granularity) set_option(c, SUBQ_P_GRANULARITY, *o.granularity, "--granularity");
    if (o.radius) set_option(c, SUBQ_P_RADIUS, *o.radius, "--radius");
    if (o.leaf) set_option(c, SUBQ_P_LEAF_MODE, leaf_modes().at(*o.leaf), "--leaf");
    return cfg;
}

// The config of the chosen sketch method of the polynomial kernel, every key but SUBQ_P_INPUT_DIM.
ConfigPtr make_featurize_config(const FeaturizeOptions &o) {
    const bool tree = o.method != "tensorsketch";
    ConfigPtr cfg = make_config(tree ? SUBQ_KIND_TREE_SKETCH : SUBQ_KIND_SKETCH);
    subq_config *c = cfg.get();
    if (!tree) set_int(c, SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_TENSORSKETCH);
    set_option(c, SUBQ_P_DEGREE, *o.k.degree, "--degree");
    set_option(c, SUBQ_P_OUTPUT_DIM, o.dim, "--dim");
    set_option(c, SUBQ_P_SEED, o.seed, "--seed");
    if (o.threads) set_option(c, SUBQ_P_NUM_THREADS, *o.threads, "--threads");
    if (!tree) return cfg;
    set_option(c, SUBQ_P_GAMMA, gamma_of(o), "--gamma");
    set_option(c, SUBQ_P_COEF0, coef0_of(o), "--coef0");
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
    const bool extra = aug && coef0_of(o) > 0;
    const std::int64_t dt = extra ? d + 1 : d;  // the sketch's input dimension
    const subq_index ldx = dt > 0 ? dt : 1;
    std::vector<T> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(ldx));
    check(copy_dense(ds.get(), x.data(), ldx));
    ds.reset();  // the loaded copy is no longer needed: keep one copy of X in memory
    const double scale = aug ? std::sqrt(gamma_of(o)) : 1.0;
    if (o.normalize || scale != 1.0 || extra) {
        const T tail = static_cast<T>(std::sqrt(coef0_of(o)));
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

// As prepare_row() for dense rows, with the same arithmetic, so that the dense and the CSR form of one matrix give
// the same values.
void scale_csr_rows(std::int64_t n, const std::vector<subq_index> &indptr, const std::vector<subq_index> &indices,
                    std::vector<double> &values, bool normalize, double scale) {
    for (std::int64_t i = 0; i < n; ++i) {
        const std::size_t b = static_cast<std::size_t>(indptr[static_cast<std::size_t>(i)]);
        const std::size_t e = static_cast<std::size_t>(indptr[static_cast<std::size_t>(i) + 1]);
        double s = scale;
        if (normalize) {
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
}

Sketched featurize_csr(DatasetPtr ds, const DatasetShape &s, subq_config *cfg, SketchPtr &sk, bool aug,
                       const FeaturizeOptions &o) {
    const std::int64_t n = s.rows, d = s.cols;
    std::vector<subq_index> indptr(static_cast<std::size_t>(n) + 1), indices(static_cast<std::size_t>(s.stored));
    std::vector<double> values(static_cast<std::size_t>(s.stored));
    check(subq_dataset_copy_csr_f64(ds.get(), indptr.data(), indices.data(), values.data(), s.stored));
    ds.reset();
    scale_csr_rows(n, indptr, indices, values, o.normalize, aug ? std::sqrt(gamma_of(o)) : 1.0);
    std::int64_t dt = d;
    if (aug && coef0_of(o) > 0) {  // append (d, √c) to every row
        dt = d + 1;
        const double tail = std::sqrt(coef0_of(o));
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

// ---- feature maps (subq_featuremap) ------------------------------------------------------------------------------

subq_status fm_transform(const subq_featuremap *f, subq_index n, subq_index d, const double *x, subq_index ldx,
                         double *z, subq_index ldz) {
    return subq_featuremap_transform_f64(f, SUBQ_ROW_MAJOR, n, d, x, ldx, z, ldz);
}
subq_status fm_transform(const subq_featuremap *f, subq_index n, subq_index d, const float *x, subq_index ldx, float *z,
                         subq_index ldz) {
    return subq_featuremap_transform_f32(f, SUBQ_ROW_MAJOR, n, d, x, ldx, z, ldz);
}

struct Mapped {
    std::int64_t rows = 0, cols = 0;
    double fit_seconds = 0, seconds = 0;
};

FeatureMapPtr create_featuremap(subq_config *cfg, std::int64_t d) {
    set_int(cfg, SUBQ_P_INPUT_DIM, d);
    subq_featuremap *raw = nullptr;
    check(subq_featuremap_create(cfg, &raw));
    return FeatureMapPtr(raw);
}

// Nyström: landmarks chosen among the rows of the dense row-major float64 n×d matrix x (other methods: no fit).
double fit_featuremap(subq_featuremap *f, const FeaturizeOptions &o, std::int64_t n, std::int64_t d, const double *x) {
    if (o.method != "nystrom") return 0.0;
    return timed([&] { return subq_featuremap_fit_f64(f, SUBQ_ROW_MAJOR, n, d, x, d > 0 ? d : 1); });
}

subq_index featuremap_output_dim(const subq_featuremap *f) {
    subq_index m = 0;
    check(subq_featuremap_output_dim(f, &m));
    return m;
}

template <class T>
Mapped featuremap_dense(DatasetPtr ds, const DatasetShape &s, subq_config *cfg, FeatureMapPtr &fm,
                        const FeaturizeOptions &o) {
    const std::int64_t n = s.rows, d = s.cols;
    const subq_index ldx = d > 0 ? d : 1;
    std::vector<T> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(ldx));
    check(copy_dense(ds.get(), x.data(), ldx));
    ds.reset();
    if (o.normalize)
        for (std::int64_t i = 0; i < n; ++i) prepare_row(x.data() + i * ldx, d, true, 1.0);
    fm = create_featuremap(cfg, d);
    Mapped r{n, d, 0.0, 0.0};
    if constexpr (std::is_same_v<T, double>) {
        r.fit_seconds = fit_featuremap(fm.get(), o, n, d, x.data());
    } else if (o.method == "nystrom") {  // the fit reads float64: a temporary copy
        const std::vector<double> x64(x.begin(), x.end());
        r.fit_seconds = fit_featuremap(fm.get(), o, n, d, x64.data());
    }
    const subq_index m = featuremap_output_dim(fm.get());
    std::vector<T> z(static_cast<std::size_t>(n) * static_cast<std::size_t>(m));
    r.seconds = timed([&] { return fm_transform(fm.get(), n, d, x.data(), ldx, z.data(), m > 0 ? m : 1); });
    x = std::vector<T>();
    write_npy(o.out, n, m, z.data());
    return r;
}

Mapped featuremap_csr(DatasetPtr ds, const DatasetShape &s, subq_config *cfg, FeatureMapPtr &fm,
                      const FeaturizeOptions &o) {
    const std::int64_t n = s.rows, d = s.cols;
    std::vector<subq_index> indptr(static_cast<std::size_t>(n) + 1), indices(static_cast<std::size_t>(s.stored));
    std::vector<double> values(static_cast<std::size_t>(s.stored));
    check(subq_dataset_copy_csr_f64(ds.get(), indptr.data(), indices.data(), values.data(), s.stored));
    ds.reset();
    scale_csr_rows(n, indptr, indices, values, o.normalize, 1.0);
    fm = create_featuremap(cfg, d);
    Mapped r{n, d, 0.0, 0.0};
    if (o.method == "nystrom") {  // the fit reads a dense float64 copy (duplicate column indices summed)
        std::vector<double> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
        for (std::int64_t i = 0; i < n; ++i)
            for (auto p = indptr[static_cast<std::size_t>(i)]; p < indptr[static_cast<std::size_t>(i) + 1]; ++p)
                x[static_cast<std::size_t>(i * d + indices[static_cast<std::size_t>(p)])] +=
                    values[static_cast<std::size_t>(p)];
        r.fit_seconds = fit_featuremap(fm.get(), o, n, d, x.data());
    }
    const subq_index m = featuremap_output_dim(fm.get());
    std::vector<double> z(static_cast<std::size_t>(n) * static_cast<std::size_t>(m));
    r.seconds = timed([&] {
        return subq_featuremap_transform_csr_f64(fm.get(), n, d, indptr.data(), indices.data(), values.data(),
                                                 SUBQ_ROW_MAJOR, z.data(), m > 0 ? m : 1);
    });
    write_npy(o.out, n, m, z.data());
    return r;
}

// ---- the command -----------------------------------------------------------------------------------------------

// A resolved tree parameter, or null for the base TensorSketch.
json tree_int(const subq_sketch *sk, bool tree, subq_param key) {
    if (!tree) return nullptr;
    int64_t v = 0;
    check(subq_sketch_get_int(sk, key, &v));
    return v;
}

// The kernel's keys, shared by both paths: a parameter the kernel does not have is null.
void kernel_keys(json &res, const FeaturizeOptions &o) {
    const bool poly = o.k.kernel == "poly", gaussian = o.k.kernel == "gaussian", ntk = o.k.kernel == "ntk";
    res["kernel"] = o.k.kernel;
    res["method"] = o.method;
    res["degree"] = poly ? json(*o.k.degree) : json(nullptr);
    res["gamma"] = poly || gaussian ? json(gamma_of(o)) : json(nullptr);
    res["coef0"] = poly ? json(coef0_of(o)) : json(nullptr);
    res["depth"] = ntk ? json(o.k.depth.value_or(1)) : json(nullptr);
    res["ntk_convention"] = ntk ? json(o.k.ntk_convention.value_or("both")) : json(nullptr);
}

void common_tail(json &res, const FeaturizeOptions &o, double fit_seconds, double apply_seconds, subq_dtype dtype) {
    res["normalize"] = o.normalize;
    res["seed"] = o.seed;
    res["fit_seconds"] = fit_seconds;
    res["apply_seconds"] = apply_seconds;
    res["dtype"] = dtype_name(dtype);
    res["in"] = o.in;
    res["out"] = o.out;
}

void run_sketch_path(const FeaturizeOptions &o) {
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
    kernel_keys(res, o);
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
    for (const char *key :
         {"tolerance", "max_degree", "granularity", "radius", "taylor_degree", "taylor_tail", "taylor_cap_binds"})
        res[key] = nullptr;
    common_tail(res, o, 0.0, r.seconds, s.sparse ? SUBQ_F64 : s.dtype);
    emit(res);
}

void run_featuremap_path(const FeaturizeOptions &o) {
    ConfigPtr cfg = make_featuremap_config(o);  // option errors before the data is read
    DatasetPtr ds = load_dataset(o.in, o.dataset);
    const DatasetShape s = dataset_shape(ds.get());
    FeatureMapPtr fm;
    Mapped r;
    if (s.sparse)
        r = featuremap_csr(std::move(ds), s, cfg.get(), fm, o);
    else if (s.dtype == SUBQ_F32)
        r = featuremap_dense<float>(std::move(ds), s, cfg.get(), fm, o);
    else
        r = featuremap_dense<double>(std::move(ds), s, cfg.get(), fm, o);

    const bool taylor = o.method == "taylor";
    json res;
    kernel_keys(res, o);
    res["dim"] = featuremap_output_dim(fm.get());
    res["all_degrees"] = false;
    res["rows"] = r.rows;
    res["input_dim"] = r.cols;
    for (const char *key : {"leaf_mode", "leaf_type", "leaf_dim", "node_type", "node_dim"}) res[key] = nullptr;
    // The resolved Taylor keys (the library's defaults where an option was not given); null for other methods.
    const auto get_double = [&](subq_param key) {
        double v = 0;
        check(subq_config_get_double(cfg.get(), key, &v));
        return v;
    };
    const auto get_int = [&](subq_param key) {
        std::int64_t v = 0;
        check(subq_config_get_int(cfg.get(), key, &v));
        return v;
    };
    res["tolerance"] = taylor ? json(get_double(SUBQ_P_TAYLOR_TOLERANCE)) : json(nullptr);
    // SUBQ_P_MAX_DEGREE = 0 means the documented default cap: 64 for the Gaussian, 1024 otherwise.
    const std::int64_t cap = taylor ? get_int(SUBQ_P_MAX_DEGREE) : 0;
    res["max_degree"] = taylor ? json(cap != 0 ? cap : (o.k.kernel == "gaussian" ? 64 : 1024)) : json(nullptr);
    res["granularity"] = taylor ? json(get_int(SUBQ_P_GRANULARITY)) : json(nullptr);
    res["radius"] = taylor && o.k.kernel == "gaussian" ? json(get_double(SUBQ_P_RADIUS)) : json(nullptr);
    if (taylor) {
        std::int64_t q = 0;
        double tail = 0;
        int binds = 0;
        check(subq_featuremap_truncation(fm.get(), &q, &tail, &binds));
        res["taylor_degree"] = q;
        res["taylor_tail"] = tail;
        res["taylor_cap_binds"] = binds != 0;
    } else {
        for (const char *key : {"taylor_degree", "taylor_tail", "taylor_cap_binds"}) res[key] = nullptr;
    }
    common_tail(res, o, r.fit_seconds, r.seconds, s.sparse ? SUBQ_F64 : s.dtype);
    emit(res);
}

void run_featurize(FeaturizeOptions o) {
    validate(o);
    if (sketch_method(o.method))
        run_sketch_path(o);
    else
        run_featuremap_path(o);
}

}  // namespace

const std::map<std::string, std::int64_t> &feature_methods() {
    static const std::map<std::string, std::int64_t> m{
        {"taylor", SUBQ_FEATURES_TAYLOR}, {"rff", SUBQ_FEATURES_RFF}, {"nystrom", SUBQ_FEATURES_NYSTROM}};
    return m;
}

void add_featurize_command(CLI::App &app) {
    auto opts = std::make_shared<FeaturizeOptions>();
    CLI::App *cmd = app.add_subcommand("featurize", "Features Z (n×D) of a kernel, ZZᵀ ≈ K, written as .npy");
    add_kernel_options(*cmd, opts->k,
                       "Kernel: poly (default; (γ⟨x,y⟩ + c)^q), gaussian (e^{−γ‖x−y‖²}), arccos0, arccos1 or ntk");
    cmd->add_option("--dim", opts->dim,
                    "Output dimension D (with --all-degrees, per degree; nystrom: the number of landmarks)")
        ->required();
    cmd->add_option("--method", opts->method_option,
                    "poly: tree (default: the tree sketch, automatic leaves), shared (one shared leaf map: reads the "
                    "data once; biased), tensorsketch (TensorSketch of [√γ·x; √c]) or nystrom; the other kernels: "
                    "taylor (default: the sketched Taylor series), rff (gaussian only) or nystrom");
    cmd->add_option("--tolerance", opts->tolerance,
                    "taylor: truncate the series where its tail is <= this fraction of k(1) (default 1e-3)");
    cmd->add_option("--max-degree", opts->max_degree,
                    "taylor: cap on the truncation degree (default 0 = 64 for gaussian, 1024 otherwise)");
    cmd->add_option("--granularity", opts->granularity, "taylor: columns per degree block (default 64)");
    cmd->add_option("--radius", opts->radius,
                    "taylor, gaussian: rows are assumed to have norm <= R (default 1, right with --normalize)");
    cmd->add_option("--leaf", opts->leaf,
                    "Tree leaves (poly tree, taylor): auto (default), identity, independent or shared");
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
