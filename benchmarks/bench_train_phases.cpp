// Where the time of one Gauss–Newton and one gradient-descent iteration goes: the phases of Network::step_gn
// (forward, Jacobian factors = one backward pass per output, Gram, Cholesky, the update vectors combined from the
// factors, update,
// the trial forward of the loss safeguard) and of step_gd (forward, backward, update), timed one by one through the
// internal C++ API, sparse and dense, n = 64 fresh Fashion-MNIST images per iteration, L = 3, k outputs (default 1),
// float32.
// Medians over R iterations after one warm-up. Complements benchmarks/train_scaling.py (issue "Subquadratic
// training"), which times the whole steps through the C API.
//
//   ./build/benchmarks/bench_train_phases [--widths 4096,16384] [--repeats 5] [--mode sparse|dense|both] [--outputs k]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "subq/subq.h"
#include "train/net.hpp"
#include "train/solve.hpp"

using namespace subq;
using namespace subq::train;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

struct Data {
    std::int64_t rows = 0, d = 0;
    std::vector<float> x;
    std::vector<double> labels;
};

Data load(std::int64_t rows) {
    Data data;
    subq_dataset *ds = nullptr;
    subq_index n = 0, d = 0;
    if (subq_dataset_load("fmnist-train", nullptr, &ds) != SUBQ_OK ||
        subq_dataset_info(ds, &n, &d, nullptr, nullptr, nullptr, nullptr) != SUBQ_OK) {
        std::fprintf(stderr, "bench_train_phases: %s\n", subq_last_error_message());
        std::exit(1);
    }
    std::vector<float> all(static_cast<std::size_t>(n * d));
    std::vector<double> labels(static_cast<std::size_t>(n));
    if (subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, all.data(), d) != SUBQ_OK ||
        subq_dataset_copy_labels(ds, labels.data()) != SUBQ_OK)
        std::exit(1);
    subq_dataset_destroy(ds);
    data.rows = std::min<std::int64_t>(rows, n);
    data.d = d;
    data.x.assign(all.begin(), all.begin() + data.rows * d);
    data.labels.assign(labels.begin(), labels.begin() + data.rows);
    return data;
}

// Columns of the table: the GN phases, the GN total, then the GD total.
enum { kPFwd, kPFactors, kPGram, kPChol, kPBack, kPUpd, kPTrial, kPGn, kPGd, kPCount };

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::int64_t> widths{4096, 16384};
    int reps = 5;
    std::string which = "both";
    std::int64_t k = 1;
    for (int a = 1; a + 1 < argc; a += 2) {
        if (std::strcmp(argv[a], "--widths") == 0) {
            widths.clear();
            for (const char *p = argv[a + 1]; *p;) {
                char *end = nullptr;
                widths.push_back(std::strtoll(p, &end, 10));
                p = *end ? end + 1 : end;
            }
        } else if (std::strcmp(argv[a], "--repeats") == 0) {
            reps = std::atoi(argv[a + 1]);
        } else if (std::strcmp(argv[a], "--outputs") == 0) {
            k = std::atoll(argv[a + 1]);
        } else if (std::strcmp(argv[a], "--mode") == 0) {
            which = argv[a + 1];
        } else {
            std::fprintf(stderr, "bench_train_phases: unknown option '%s'\n", argv[a]);
            return 2;
        }
    }
    if (argc % 2 == 0 || widths.empty() || reps < 1 || k < 1 ||
        std::any_of(widths.begin(), widths.end(), [](std::int64_t m) { return m < 1; }) ||
        (which != "sparse" && which != "dense" && which != "both")) {
        std::fprintf(stderr,
                     "usage: bench_train_phases [--widths m1,m2,...] [--repeats R >= 1] "
                     "[--mode sparse|dense|both] [--outputs k >= 1]\n");
        return 2;
    }
    const std::int64_t n = 64, L = 3;
    const Data data = load((reps + 1) * n);
    std::printf(
        "n = %lld, L = %lld, k = %lld (%s), float32, b = sqrt(0.4 ln m); seconds, median of %d fresh batches "
        "after one warm-up.\n\n",
        static_cast<long long>(n), static_cast<long long>(L), static_cast<long long>(k),
        k == 1 ? "+-1 by label parity" : "one-hot labels mod k", reps);
    std::printf(
        "| m | mode | forward | Jacobian factors | Gram | Cholesky | combine factors | update | trial forward | GN "
        "total | GD total |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (std::int64_t m : widths) {
        for (Mode mode : {Mode::Sparse, Mode::Dense}) {
            if ((mode == Mode::Sparse && which == "dense") || (mode == Mode::Dense && which == "sparse")) continue;
            Options o;
            o.input_dim = data.d;
            o.width = m;
            o.depth = L;
            o.threshold = default_threshold(m);
            o.seed = 1;
            o.mode = mode;
            o.outputs = k;
            Network<float> net(o);
            std::vector<std::vector<double>> t(kPCount);
            for (int r = 0; r <= reps; ++r) {
                const DenseView<const float> x{data.x.data() + r * n * data.d, n, data.d, data.d, SUBQ_ROW_MAJOR};
                std::vector<double> y(static_cast<std::size_t>(n * k), 0.0);
                for (std::int64_t i = 0; i < n; ++i) {
                    const auto label = static_cast<std::int64_t>(data.labels[r * n + i]);
                    if (k == 1)
                        y[i] = label % 2 == 0 ? 1.0 : -1.0;
                    else
                        y[i * k + label % k] = 1.0;
                }
                std::vector<double> ph(kPCount, 0.0);
                auto t0 = Clock::now();
                const auto tstart = t0;
                Batch batch;
                net.forward(x, batch, nullptr);
                ph[kPFwd] = since(t0);
                std::vector<double> res(static_cast<std::size_t>(n * k));
                for (std::int64_t e = 0; e < n * k; ++e) res[e] = batch.f[e] - y[e];
                t0 = Clock::now();
                const auto V = net.jacobian_factors(batch);
                ph[kPFactors] = since(t0);
                t0 = Clock::now();
                const auto G = net.jacobian_gram(batch, V, nullptr);
                ph[kPGram] = since(t0);
                t0 = Clock::now();
                double trace = 0;
                for (std::int64_t e = 0; e < n * k; ++e) trace += G[e * n * k + e];
                double mu = 1e-10 * trace / static_cast<double>(n * k);
                const auto c = cholesky_solve(G, n * k, res, mu);
                ph[kPChol] = since(t0);
                t0 = Clock::now();
                const auto v = net.combine_factors(V, c, nullptr);
                ph[kPBack] = since(t0);
                t0 = Clock::now();
                net.update(batch, v, 1.0, nullptr);
                ph[kPUpd] = since(t0);
                t0 = Clock::now();
                Batch trial;
                net.forward(x, trial, nullptr);
                ph[kPTrial] = since(t0);
                ph[kPGn] = since(tstart);  // GN total
                // GD on the same batch from the new weights: forward + backward + update (fixed step).
                t0 = Clock::now();
                Batch b2;
                net.forward(x, b2, nullptr);
                for (std::int64_t e = 0; e < n * k; ++e) res[e] = b2.f[e] - y[e];
                const auto v2 = net.backward(b2, res, nullptr);
                net.update(b2, v2, 1e-2, nullptr);
                ph[kPGd] = since(t0);
                if (r > 0)
                    for (int p = 0; p < kPCount; ++p) t[p].push_back(ph[p]);
            }
            std::printf("| %lld | %s |", static_cast<long long>(m), mode == Mode::Sparse ? "sparse" : "dense");
            for (int p = 0; p < kPCount; ++p) std::printf(" %.4f |", median(t[p]));
            std::printf("\n");
            std::fflush(stdout);
        }
    }
    return 0;
}
