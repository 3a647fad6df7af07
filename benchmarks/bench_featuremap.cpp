// Kernel feature maps on Fashion-MNIST (issue "kernel feature maps"): relative Frobenius error ‖ZZᵀ − K‖_F/‖K‖_F
// against the exact kernel on the first n unit-normalised training rows, mean ± sd over seeds, and the transform
// time, for Taylor features, Nyström (uniform landmarks from the next 20,000 training rows, disjoint from the
// evaluated ones) and random Fourier features.
//
//   bench_featuremap [--rows 2000] [--dims 4096] [--seeds 3] [--kernels arccos1,ntk2,ntk2first,arccos0,gaussian]
//                    [--methods taylor,nystrom,rff] [--granularity g (default: the library's)]
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/comparators.hpp"
#include "kernel/exact.hpp"
#include "kernel/featuremap.hpp"
#include "subq/subq.h"

using namespace subq;
using namespace subq::kernel;

namespace {

void check(subq_status st, const char *what) {
    if (st != SUBQ_OK) {
        std::fprintf(stderr, "bench_featuremap: %s: %s: %s\n", what, subq_status_string(st), subq_last_error_message());
        std::exit(1);
    }
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<std::string> split(const std::string &s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) v.push_back(item);
    return v;
}

std::vector<double> fmnist(index_t n, index_t &d) {
    subq_dataset *ds = nullptr;
    check(subq_dataset_load("fmnist-train", nullptr, &ds), "load fmnist-train");
    subq_index rows = 0, cols = 0;
    check(subq_dataset_info(ds, &rows, &cols, nullptr, nullptr, nullptr, nullptr), "info");
    std::vector<double> x(static_cast<std::size_t>(rows * cols));
    check(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, x.data(), cols), "copy");
    subq_dataset_destroy(ds);
    d = cols;
    x.resize(static_cast<std::size_t>(n * d));
    for (index_t i = 0; i < n; ++i) {
        double s = 0;
        for (index_t j = 0; j < d; ++j)
            s += x[static_cast<std::size_t>(i * d + j)] * x[static_cast<std::size_t>(i * d + j)];
        for (index_t j = 0; j < d; ++j) x[static_cast<std::size_t>(i * d + j)] /= std::sqrt(s);
    }
    return x;
}

KernelParams kernel_of(const std::string &name) {
    KernelParams k;
    if (name == "arccos0")
        k.kernel = Kernel::kArcCos0;
    else if (name == "arccos1")
        k.kernel = Kernel::kArcCos1;
    else if (name == "gaussian")
        k.kernel = Kernel::kGaussian;
    else if (name.rfind("ntk", 0) == 0) {
        k.kernel = Kernel::kNtk;
        k.depth = name.size() > 3 ? name[3] - '0' : 1;
        if (name.find("first") != std::string::npos) k.convention = NtkConvention::kFirstLayer;
    } else {
        std::fprintf(stderr, "bench_featuremap: unknown kernel %s\n", name.c_str());
        std::exit(2);
    }
    return k;
}

}  // namespace

int main(int argc, char **argv) {
    index_t n = 2000;
    int seeds = 3;
    index_t granularity = FeatureMapParams{}.granularity;
    std::string dims = "4096", kernels = "arccos1,ntk2,ntk2first,arccos0,gaussian", methods = "taylor,nystrom,rff";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--rows")
            n = std::stoll(v);
        else if (k == "--dims")
            dims = v;
        else if (k == "--seeds")
            seeds = std::stoi(v);
        else if (k == "--kernels")
            kernels = v;
        else if (k == "--methods")
            methods = v;
        else if (k == "--granularity")
            granularity = std::stoll(v);
        else {
            std::fprintf(stderr, "bench_featuremap: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    index_t d = 0;
    const index_t pool = 20000;
    const std::vector<double> x = fmnist(n + pool, d);
    const DenseView<const double> xv{x.data(), n, d, d, SUBQ_ROW_MAJOR};
    const DenseView<const double> pool_view{x.data() + n * d, pool, d, d, SUBQ_ROW_MAJOR};
    std::printf("# %lld unit-normalised Fashion-MNIST training rows (d = %lld), seeds 1..%d, %d threads\n",
                static_cast<long long>(n), static_cast<long long>(d), seeds, omp_get_max_threads());
    std::printf(
        "| kernel | method | D | relF (mean ± sd) | transform s (median) | notes |\n|---|---|---|---|---|---|\n");
    std::vector<double> K(static_cast<std::size_t>(n * n)), ZZ(K.size());
    for (const std::string &kname : split(kernels)) {
        const KernelParams kp = kernel_of(kname);
        gram(kp, xv, xv, DenseView<double>{K.data(), n, n, n, SUBQ_ROW_MAJOR});
        double knorm = 0;
        for (double v : K) knorm += v * v;
        knorm = std::sqrt(knorm);
        for (const std::string &method : split(methods)) {
            if (method == "rff" && kp.kernel != Kernel::kGaussian) continue;
            for (const std::string &dstr : split(dims)) {
                const index_t D = std::stoll(dstr);
                std::vector<double> z(static_cast<std::size_t>(n * D)), errs, times;
                std::string notes;
                for (int s = 1; s <= seeds; ++s) {
                    const DenseView<double> zv{z.data(), n, D, D, SUBQ_ROW_MAJOR};
                    double t0 = 0, t1 = 0;
                    if (method == "taylor") {
                        FeatureMapParams p;
                        p.kernel = kp;
                        p.input_dim = d;
                        p.output_dim = D;
                        p.granularity = granularity;
                        p.seed = static_cast<std::uint64_t>(s);
                        const auto f = FeatureMap::create(p);
                        t0 = now();
                        f->apply(xv, zv);
                        t1 = now();
                        char buf[96];
                        std::snprintf(buf, sizeof buf, "q_max %lld, tail %.2g%s",
                                      static_cast<long long>(f->truncation().degree), f->truncation().tail,
                                      f->truncation().cap_binds ? " (cap)" : "");
                        notes = buf;
                    } else if (method == "nystrom") {
                        const auto f = Nystrom::create(kp, d, D, static_cast<std::uint64_t>(s));
                        t0 = now();
                        f->fit(pool_view);
                        f->apply(xv, zv);
                        t1 = now();
                        notes = "time includes the fit (landmark Gram and its eigendecomposition)";
                    } else {
                        const auto f = RandomFourier::create(kp, d, D, static_cast<std::uint64_t>(s));
                        t0 = now();
                        f->apply(xv, zv);
                        t1 = now();
                    }
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(n),
                                static_cast<int>(D), 1.0, z.data(), static_cast<int>(D), z.data(), static_cast<int>(D),
                                0.0, ZZ.data(), static_cast<int>(n));
                    double e = 0;
                    for (std::size_t k = 0; k < K.size(); ++k) e += (ZZ[k] - K[k]) * (ZZ[k] - K[k]);
                    errs.push_back(std::sqrt(e) / knorm);
                    times.push_back(t1 - t0);
                }
                if (errs.empty()) continue;
                double mean = 0, var = 0;
                for (double e : errs) mean += e / static_cast<double>(errs.size());
                for (double e : errs) var += (e - mean) * (e - mean);
                const double sd = errs.size() > 1 ? std::sqrt(var / static_cast<double>(errs.size() - 1)) : 0;
                std::sort(times.begin(), times.end());
                std::printf("| %s | %s | %lld | %.4f ± %.4f | %.3f | %s |\n", kname.c_str(), method.c_str(),
                            static_cast<long long>(D), mean, sd, times[times.size() / 2], notes.c_str());
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
