// Gauss–Newton convergence on Fashion-MNIST subsets: the relative residual ||f - y|| / ||f_0 - y|| after each
// step for m in {4096, 8192}, n in {64, 128}, L in {2, 3, 4}, float64 weights (float32 weights stall near 1e-6, the
// precision of their entries), targets one-hot - 0.1 (10 outputs;
// n k = 640 or 1280, so both the Cholesky and the sketched-CG solvers appear), plus the time per step.
//
//   ./build/benchmarks/bench_gn [--quick]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "subq/subq.h"
#include "train/net.hpp"

using namespace subq;
using namespace subq::train;

int main(int argc, char **argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    subq_dataset *ds = nullptr;
    if (subq_dataset_load("fmnist-train", nullptr, &ds) != SUBQ_OK) {
        std::fprintf(stderr, "bench_gn: %s\n", subq_last_error_message());
        return 1;
    }
    subq_index rows = 0, cols = 0;
    if (subq_dataset_info(ds, &rows, &cols, nullptr, nullptr, nullptr, nullptr) != SUBQ_OK) return 1;
    const std::int64_t k = 10;
    std::vector<double> all(static_cast<std::size_t>(rows * cols));
    std::vector<double> labels(static_cast<std::size_t>(rows));
    if (subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, all.data(), cols) != SUBQ_OK ||
        subq_dataset_copy_labels(ds, labels.data()) != SUBQ_OK)
        return 1;
    subq_dataset_destroy(ds);

    struct Case {
        std::int64_t m, n, L;
    };
    std::vector<Case> cases = quick ? std::vector<Case>{{1024, 64, 2}}
                                    : std::vector<Case>{{4096, 64, 2}, {4096, 128, 3}, {4096, 128, 4},
                                                        {8192, 128, 3}, {8192, 64, 4}};
    std::printf("Fashion-MNIST training rows 0..n-1, targets one-hot - 0.1 (k = 10), variant N, b = sqrt(0.4 ln m), "
                "float64 weights, eager updates, automatic solver (Cholesky for n k <= 1024, else TensorSRHT-"
                "preconditioned CG with 4 n k rows per layer).\n\n");
    std::printf("| m | n | L | solver | relative residual after steps 1, 2, ... | steps to 1e-6 | s/step (median) |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (const Case c : cases) {
        Options o;
        o.input_dim = cols;
        o.width = c.m;
        o.depth = c.L;
        o.outputs = k;
        o.threshold = default_threshold(c.m);
        o.seed = 1;
        Network<double> net(o);
        const DenseView<const double> x{all.data(), c.n, cols, cols, SUBQ_ROW_MAJOR};
        std::vector<double> y(static_cast<std::size_t>(c.n * k), -0.1);
        for (std::int64_t i = 0; i < c.n; ++i) y[i * k + static_cast<std::int64_t>(labels[i])] = 0.9;
        std::vector<LayerStats> stats;
        GnReport rep;
        std::string trace;
        double first = 0;
        int reached = -1;
        std::vector<double> secs;
        for (int t = 0; t < 10; ++t) {
            const auto t0 = std::chrono::steady_clock::now();
            const double loss = net.step_gn(x, y.data(), GnOptions{}, stats, &rep, nullptr);
            secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            if (t == 0) first = loss;
            const double rel = std::sqrt(rep.loss_after / first);
            char buf[32];
            std::snprintf(buf, sizeof buf, "%s%.1e", t ? ", " : "", rel);
            trace += buf;
            if (rel <= 1e-6 && reached < 0) {
                reached = t + 1;
                break;
            }
        }
        std::sort(secs.begin(), secs.end());
        std::printf("| %lld | %lld | %lld | %s | %s | %s | %.3f |\n", static_cast<long long>(c.m),
                    static_cast<long long>(c.n), static_cast<long long>(c.L),
                    rep.solver == GnSolver::Cholesky ? "Cholesky" : "sketched CG", trace.c_str(),
                    reached > 0 ? std::to_string(reached).c_str() : "> 10", secs[secs.size() / 2]);
        std::fflush(stdout);
    }
    return 0;
}
