// Tree sketches of x^{⊗q} (design/algorithms.md §3.4; issue "high-degree polynomial kernel sketches").
//
//   bench_tree accuracy [--rows 2000] [--dim 4096] [--seeds 3] [--degrees 2,4,8,16,32] [--methods LIST]
//       Relative Frobenius error ‖ZZᵀ − K‖_F/‖K‖_F, K = (XXᵀ)^{∘q}, on the first n unit-normalised Fashion-MNIST
//       training rows (not centred), mean ± sd over seeds 1..S. Methods: identity, srht (independent SRHT leaves),
//       shared[:s] (one SRHT leaf of dimension s; default the library's), tensorsketch-nodes (identity leaves with
//       TensorSketch nodes), tensorsketch (the base degree-q TensorSketch).
//   bench_tree speed [--rows 60000] [--dim 4096] [--degrees 2,8,32] [--runs 3]
//       Seconds to sketch all Fashion-MNIST training rows (float32 in and out, as the CLI does), median of runs,
//       for the default tree (auto leaves) and for independent SRHT leaves.
//   bench_tree sparse-pass [--rows 20000] [--input-dim 1048576] [--nnz 200] [--dim 1024] [--leaf-dim 4·dim]
//                          [--degrees 2,4,...,64]
//       Random sparse rows (nnz distinct columns per row, N(0,1) values). For shared and independent OSNAP leaves:
//       the leaf pass (the time to read X: every leaf map applied to X) and the total sketch time, medians.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sketch/sketch.hpp"
#include "sketch/tree.hpp"
#include "subq/subq.h"

using namespace subq;
using namespace subq::sketch;

namespace {

void check(subq_status st, const char *what) {
    if (st != SUBQ_OK) {
        std::fprintf(stderr, "bench_tree: %s: %s: %s\n", what, subq_status_string(st), subq_last_error_message());
        std::exit(1);
    }
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<std::int64_t> parse_list(const std::string &s) {
    std::vector<std::int64_t> v;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) v.push_back(std::stoll(item));
    return v;
}

std::vector<std::string> parse_names(const std::string &s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) v.push_back(item);
    return v;
}

// The first n Fashion-MNIST training rows, unit-normalised, row-major float64 (and float32 copy if asked).
std::vector<double> fmnist(index_t n, index_t &d, std::vector<float> *xf = nullptr) {
    subq_dataset *ds = nullptr;
    check(subq_dataset_load("fmnist-train", nullptr, &ds), "load fmnist-train");
    subq_index rows = 0, cols = 0;
    check(subq_dataset_info(ds, &rows, &cols, nullptr, nullptr, nullptr, nullptr), "info");
    std::vector<double> all(static_cast<std::size_t>(rows * cols));
    check(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, all.data(), cols), "copy");
    subq_dataset_destroy(ds);
    n = std::min<index_t>(n, rows);
    d = cols;
    all.resize(static_cast<std::size_t>(n * d));
    for (index_t i = 0; i < n; ++i) {
        double s = 0;
        for (index_t j = 0; j < d; ++j)
            s += all[static_cast<std::size_t>(i * d + j)] * all[static_cast<std::size_t>(i * d + j)];
        const double inv = s > 0 ? 1 / std::sqrt(s) : 0;
        for (index_t j = 0; j < d; ++j) all[static_cast<std::size_t>(i * d + j)] *= inv;
    }
    if (xf != nullptr) xf->assign(all.begin(), all.end());
    return all;
}

struct Method {
    std::string name;
    LeafMode mode = LeafMode::kIdentity;
    Type node = Type::kTensorSrht;
    index_t leaf_dim = 0;
    index_t node_dim = 0;
    LeafType leaf = LeafType::kSrht;
    bool base_tensorsketch = false;
};

// NAME[:leaf dim][@node dim], e.g. srht@8192, shared:16384@8192.
Method parse_method(const std::string &spec) {
    Method m;
    m.name = spec;
    std::string s = spec;
    if (const auto at = s.find('@'); at != std::string::npos) {
        m.node_dim = std::stoll(s.substr(at + 1));
        s = s.substr(0, at);
    }
    if (s == "identity") return m;
    if (s == "srht") {
        m.mode = LeafMode::kIndependent;
        return m;
    }
    if (s.rfind("shared", 0) == 0) {  // shared[-osnap][:s]
        m.mode = LeafMode::kShared;
        if (s.rfind("shared-osnap", 0) == 0) m.leaf = LeafType::kOsnap;
        if (const auto c = s.find(':'); c != std::string::npos) m.leaf_dim = std::stoll(s.substr(c + 1));
        return m;
    }
    if (s == "tensorsketch-nodes") {
        m.node = Type::kTensorSketch;
        return m;
    }
    if (s == "tensorsketch") {
        m.base_tensorsketch = true;
        return m;
    }
    std::fprintf(stderr, "bench_tree: unknown method '%s'\n", s.c_str());
    std::exit(2);
}

std::unique_ptr<Sketch> build(const Method &m, index_t d, index_t D, std::int64_t q, std::uint64_t seed) {
    if (m.base_tensorsketch) {
        Params p;
        p.type = static_cast<int>(Type::kTensorSketch);
        p.input_dim = d;
        p.output_dim = D;
        p.degree = q;
        p.seed = seed;
        return Sketch::create(p);
    }
    TreeParams p;
    p.input_dim = d;
    p.output_dim = D;
    p.degree = q;
    p.leaf_mode = static_cast<int>(m.mode);
    if (m.mode != LeafMode::kIdentity) p.leaf_type = static_cast<int>(m.leaf);
    p.leaf_dim = m.leaf_dim;
    p.node_dim = m.node_dim;
    p.node_type = static_cast<int>(m.node);
    p.seed = seed;
    return TreeSketch::create(p);
}

int run_accuracy(index_t n, index_t D, int seeds, const std::vector<std::int64_t> &degrees,
                 const std::vector<std::string> &methods) {
    index_t d = 0;
    const std::vector<double> x = fmnist(n, d);
    std::vector<double> G(static_cast<std::size_t>(n * n)), K(G.size()), Z(static_cast<std::size_t>(n * D)),
        ZZ(G.size());
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(n), static_cast<int>(d),
                1.0, x.data(), static_cast<int>(d), x.data(), static_cast<int>(d), 0.0, G.data(), static_cast<int>(n));
    std::printf("# relative Frobenius error, %lld unit Fashion-MNIST rows (d = %lld), D = %lld, seeds 1..%d\n",
                static_cast<long long>(n), static_cast<long long>(d), static_cast<long long>(D), seeds);
    std::printf(
        "# floor: sqrt(n(n-1)/D)/‖K‖_F, the error of an m = D sketch whose inner products of unit vectors have\n"
        "# variance 1/D (the root's index-sampling noise for nearly orthogonal pairs)\n");
    std::printf("| q | floor |");
    for (const auto &m : methods) std::printf(" %s |", m.c_str());
    std::printf("\n|---|---|");
    for (std::size_t i = 0; i < methods.size(); ++i) std::printf("---|");
    std::printf("\n");
    for (std::int64_t q : degrees) {
        double knorm = 0;
        for (std::size_t k = 0; k < G.size(); ++k) {
            K[k] = std::pow(G[k], static_cast<double>(q));
            knorm += K[k] * K[k];
        }
        knorm = std::sqrt(knorm);
        const double floor =
            std::sqrt(static_cast<double>(n) * static_cast<double>(n - 1) / static_cast<double>(D)) / knorm;
        std::printf("| %lld | %.3f |", static_cast<long long>(q), floor);
        for (const auto &name : methods) {
            const Method m = parse_method(name);
            std::vector<double> errs;
            for (int s = 1; s <= seeds; ++s) {
                const auto sk = build(m, d, D, q, static_cast<std::uint64_t>(s));
                sk->apply(DenseView<const double>{x.data(), n, d, d, SUBQ_ROW_MAJOR},
                          DenseView<double>{Z.data(), n, D, D, SUBQ_ROW_MAJOR});
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(n),
                            static_cast<int>(D), 1.0, Z.data(), static_cast<int>(D), Z.data(), static_cast<int>(D), 0.0,
                            ZZ.data(), static_cast<int>(n));
                double e = 0, zk = 0, zz = 0;
                for (std::size_t k = 0; k < G.size(); ++k) {
                    e += (ZZ[k] - K[k]) * (ZZ[k] - K[k]);
                    zk += ZZ[k] * K[k];
                    zz += ZZ[k] * ZZ[k];
                }
                errs.push_back(std::sqrt(e) / knorm);
                if (std::getenv("BENCH_TREE_DIAG") != nullptr) {
                    const double c = zk / zz;
                    double er = 0;
                    for (std::size_t k = 0; k < G.size(); ++k) er += (c * ZZ[k] - K[k]) * (c * ZZ[k] - K[k]);
                    std::fprintf(stderr, "[q=%lld %s seed %d: relF %.4f, after best scale %.4f (c = %.4f)]\n",
                                 static_cast<long long>(q), name.c_str(), s, std::sqrt(e) / knorm,
                                 std::sqrt(er) / knorm, c);
                }
            }
            double mean = 0, var = 0;
            for (double e : errs) mean += e;
            mean /= static_cast<double>(errs.size());
            for (double e : errs) var += (e - mean) * (e - mean);
            const double sd = errs.size() > 1 ? std::sqrt(var / static_cast<double>(errs.size() - 1)) : 0;
            std::printf(" %.4f ± %.4f |", mean, sd);
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    return 0;
}

int run_speed(index_t n, index_t D, const std::vector<std::int64_t> &degrees, int runs) {
    index_t d = 0;
    std::vector<float> xf;
    fmnist(n, d, &xf);
    n = static_cast<index_t>(xf.size()) / d;
    std::vector<float> z(static_cast<std::size_t>(n * D));
    std::printf("# %lld Fashion-MNIST rows, float32 in and out, D = %lld, %d threads, median of %d runs\n",
                static_cast<long long>(n), static_cast<long long>(D), omp_get_max_threads(), runs);
    std::printf("| q | method | leaves | seconds | rows/s |\n|---|---|---|---|---|\n");
    for (std::int64_t q : degrees)
        for (const char *name : {"auto", "srht"}) {
            TreeParams p;
            p.input_dim = d;
            p.output_dim = D;
            p.degree = q;
            p.seed = 1;
            if (std::strcmp(name, "srht") == 0) {
                p.leaf_mode = static_cast<int>(LeafMode::kIndependent);
                p.leaf_type = static_cast<int>(LeafType::kSrht);
            }
            const auto t = TreeSketch::create(p);
            std::vector<double> times;
            for (int r = 0; r < runs + 1; ++r) {
                const double t0 = now();
                t->apply(DenseView<const float>{xf.data(), n, d, d, SUBQ_ROW_MAJOR},
                         DenseView<float>{z.data(), n, D, D, SUBQ_ROW_MAJOR});
                if (r > 0) times.push_back(now() - t0);
            }
            const double s = median(times);
            std::printf("| %lld | %s | %s | %.3f | %.0f |\n", static_cast<long long>(q), name,
                        leaf_mode_name(t->leaf_mode()), s, static_cast<double>(n) / s);
            std::fflush(stdout);
        }
    return 0;
}

int run_sparse_pass(index_t n, index_t d, index_t nnz, index_t D, index_t shared_leaf_dim,
                    const std::vector<std::int64_t> &degrees, int runs) {
    std::mt19937_64 gen(7);
    std::uniform_int_distribution<index_t> col(0, d - 1);
    std::normal_distribution<double> val;
    std::vector<index_t> indptr{0}, indices;
    std::vector<double> values;
    indices.reserve(static_cast<std::size_t>(n * nnz));
    for (index_t i = 0; i < n; ++i) {
        std::set<index_t> cols;
        while (static_cast<index_t>(cols.size()) < nnz) cols.insert(col(gen));
        for (index_t c : cols) {
            indices.push_back(c);
            values.push_back(val(gen));
        }
        indptr.push_back(static_cast<index_t>(indices.size()));
    }
    const CsrView<double> x{n, d, indptr.data(), indices.data(), values.data()};
    std::vector<double> z(static_cast<std::size_t>(n * D));
    std::printf("# sparse input: n = %lld, d = %lld, %lld nonzeros per row; D = %lld; OSNAP leaves (s = 4), shared leaf "
                "dimension %lld, independent leaves D wide; %d threads; medians of %d runs\n",
                static_cast<long long>(n), static_cast<long long>(d), static_cast<long long>(nnz),
                static_cast<long long>(D), static_cast<long long>(shared_leaf_dim), omp_get_max_threads(), runs);
    std::printf("| q | shared: leaf pass s | shared: total s | independent: leaf pass s | independent: total s |\n");
    std::printf("|---|---|---|---|---|\n");
    for (std::int64_t q : degrees) {
        std::printf("| %lld |", static_cast<long long>(q));
        for (LeafMode mode : {LeafMode::kShared, LeafMode::kIndependent}) {
            TreeParams p;
            p.input_dim = d;
            p.output_dim = D;
            p.degree = q;
            p.leaf_mode = static_cast<int>(mode);
            p.leaf_type = static_cast<int>(LeafType::kOsnap);
            if (mode == LeafMode::kShared) p.leaf_dim = shared_leaf_dim;  // fixed: the leaf pass is then free of q
            p.seed = 1;
            const auto t = TreeSketch::create(p);
            std::vector<double> y(static_cast<std::size_t>(n * t->leaf_dim()));
            const DenseView<double> yv{y.data(), n, t->leaf_dim(), t->leaf_dim(), SUBQ_ROW_MAJOR};
            std::vector<double> leaf_times, total_times;
            for (int r = 0; r < runs + 1; ++r) {
                double t0 = now();
                for (std::int64_t j = 0; j < t->leaf_count(); ++j) t->apply_leaf_csr(x, j, yv);
                const double leaf = now() - t0;
                t0 = now();
                t->apply_csr(x, DenseView<double>{z.data(), n, D, D, SUBQ_ROW_MAJOR});
                const double total = now() - t0;
                if (r > 0) {
                    leaf_times.push_back(leaf);
                    total_times.push_back(total);
                }
            }
            std::printf(" %.3f | %.3f |", median(leaf_times), median(total_times));
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_tree {accuracy|speed|sparse-pass} [options]\n");
        return 2;
    }
    const std::string mode = argv[1];
    index_t rows = 0, dim = 0, input_dim = index_t{1} << 20, nnz = 200, leaf_dim = 0;
    int seeds = 3, runs = 3;
    std::string degrees, methods = "identity,srht,shared,tensorsketch";
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--rows")
            rows = std::stoll(v);
        else if (k == "--dim")
            dim = std::stoll(v);
        else if (k == "--seeds")
            seeds = std::stoi(v);
        else if (k == "--runs")
            runs = std::stoi(v);
        else if (k == "--degrees")
            degrees = v;
        else if (k == "--methods")
            methods = v;
        else if (k == "--input-dim")
            input_dim = std::stoll(v);
        else if (k == "--nnz")
            nnz = std::stoll(v);
        else if (k == "--leaf-dim")
            leaf_dim = std::stoll(v);
        else {
            std::fprintf(stderr, "bench_tree: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (mode == "accuracy")
        return run_accuracy(rows > 0 ? rows : 2000, dim > 0 ? dim : 4096, seeds,
                            parse_list(degrees.empty() ? "2,4,8,16,32" : degrees), parse_names(methods));
    if (mode == "speed")
        return run_speed(rows > 0 ? rows : 60000, dim > 0 ? dim : 4096,
                         parse_list(degrees.empty() ? "2,8,32" : degrees), runs);
    if (mode == "sparse-pass")
        return run_sparse_pass(rows > 0 ? rows : 20000, input_dim, nnz, dim > 0 ? dim : 1024,
                               leaf_dim > 0 ? leaf_dim : 4 * (dim > 0 ? dim : 1024),
                               parse_list(degrees.empty() ? "2,4,8,16,32,64" : degrees), runs);
    std::fprintf(stderr, "bench_tree: unknown mode %s\n", mode.c_str());
    return 2;
}
