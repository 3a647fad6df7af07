// One training iteration (forward + backward + update) of the sparse network against the dense BLAS-3 baseline,
// n = 64, L = 3, float32, for m in {2048, 4096, 8192, 16384}; counted work, wall time, log-log slopes, the sparse
// forward's bytes and effective bandwidth beside the machine's streaming-read bandwidth (from the pixel inputs, and
// from sparse inputs: L - 1 layers fed with the layer-1 activations), union coverage, and the speed-up at higher
// thresholds. Prints markdown for benchmarks/RESULTS.md.
//
//   ./build/benchmarks/bench_train [--quick]
//
// Inputs: the first 64 Fashion-MNIST training images (Debian package dataset-fashion-mnist), else Gaussian rows.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "bench_memory.hpp"
#include "core/rng.hpp"
#include "subq/subq.h"
#include "train/net.hpp"

using namespace subq;
using namespace subq::train;
using namespace subq::bench;

namespace {

std::vector<float> load_inputs(std::int64_t n, std::int64_t &d, std::string &source) {
    subq_dataset *ds = nullptr;
    if (subq_dataset_load("fmnist-train", nullptr, &ds) == SUBQ_OK) {
        subq_index rows = 0, cols = 0;
        if (subq_dataset_info(ds, &rows, &cols, nullptr, nullptr, nullptr, nullptr) == SUBQ_OK && rows >= n) {
            std::vector<float> all(static_cast<std::size_t>(rows * cols));
            if (subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, all.data(), cols) == SUBQ_OK) {
                subq_dataset_destroy(ds);
                d = cols;
                source = "the first 64 Fashion-MNIST training images (d = 784)";
                return std::vector<float>(all.begin(), all.begin() + n * cols);
            }
        }
        subq_dataset_destroy(ds);
    }
    d = 784;
    source = "Gaussian rows (Fashion-MNIST not installed), d = 784";
    std::vector<float> x(static_cast<std::size_t>(n * d));
    const auto s = rng::stream({77});
    for (std::int64_t e = 0; e < n * d; ++e) x[e] = static_cast<float>(rng::normal_pair(1, s, e).first);
    return x;
}

struct Run {
    double iter_s = 0, forward_s = 0;
    Counters counts;        // of one iteration
    Counters fwd_counts;    // of one forward
    double deep_s = 0;      // forward of the sparse-input network of depth L - 1 (gathers only)
    std::int64_t deep_bytes = 0;
    double coverage = 0, fired = 0;
};

// `forwards` > 0: also times that many forward passes of the network, and of a network of depth L - 1 and input
// dimension m fed with this network's layer-1 activations (sparse inputs, so every layer gathers union columns),
// alternately.
Run measure(const Options &o, const std::vector<float> &x, std::int64_t n, std::int64_t d, int reps, int forwards) {
    Network<float> net(o);
    const DenseView<const float> xv{x.data(), n, d, d, SUBQ_ROW_MAJOR};
    std::vector<double> y(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) y[i] = (i % 2) ? 0.5 : -0.5;
    std::vector<LayerStats> stats;
    Run run;
    net.step_gd(xv, y.data(), 1e-3, stats, nullptr, nullptr);  // warm-up
    std::vector<double> iter;
    for (int r = 0; r < reps; ++r) {
        Counters c;
        const auto t0 = Clock::now();
        net.step_gd(xv, y.data(), 1e-3, stats, nullptr, &c);
        iter.push_back(seconds_since(t0));
        run.counts = c;
    }
    run.iter_s = median(iter);
    for (const auto &s : stats) run.coverage += s.coverage / static_cast<double>(stats.size());
    for (std::size_t l = 1; l < stats.size(); ++l) run.fired += stats[l].fired_mean / static_cast<double>(stats.size() - 1);
    if (forwards > 0) {
        Batch first;
        net.forward(xv, first, nullptr);
        const std::int64_t m = o.width;
        std::vector<float> x1(static_cast<std::size_t>(n * m), 0.0f);  // layer-1 activations, dense rows
        for (std::int64_t i = 0; i < n; ++i) {
            const auto idx = first.u[1].idx(i);
            const auto val = first.u[1].val(i);
            for (std::size_t q = 0; q < idx.size(); ++q) x1[i * m + idx[q]] = static_cast<float>(val[q]);
        }
        const DenseView<const float> x1v{x1.data(), n, m, m, SUBQ_ROW_MAJOR};
        Options deep = o;
        deep.input_dim = m;
        deep.depth = o.depth - 1;
        deep.seed = o.seed + 1;
        const Network<float> tail(deep);
        std::vector<double> whole, sparse_only;
        for (int r = 0; r <= forwards; ++r) {  // r = 0 warms up
            Batch batch;
            Counters fc, tc;
            auto t0 = Clock::now();
            net.forward(xv, batch, &fc);
            const double t_whole = seconds_since(t0);
            t0 = Clock::now();
            tail.forward(x1v, batch, &tc);
            const double t_tail = seconds_since(t0);
            if (r == 0) continue;
            whole.push_back(t_whole);
            sparse_only.push_back(t_tail);
            run.fwd_counts = fc;
            run.deep_bytes = tc.bytes[kForward];
        }
        run.forward_s = median(whole);
        run.deep_s = median(sparse_only);
    }
    return run;
}

std::int64_t work(const Counters &c) { return c.muladds[kForward] + c.muladds[kBackward] + c.muladds[kUpdate]; }

double slope(const std::vector<double> &x, const std::vector<double> &y) {
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / y.size();
    double sxy = 0, sxx = 0;
    for (std::size_t j = 0; j < x.size(); ++j) sxy += (x[j] - mx) * (y[j] - my), sxx += (x[j] - mx) * (x[j] - mx);
    return sxy / sxx;
}

}  // namespace

int main(int argc, char **argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const std::int64_t n = 64, L = 3;
    const int reps = quick ? 3 : 5, forwards = quick ? 5 : 11;
    std::int64_t d = 0;
    std::string source;
    const auto x = load_inputs(n, d, source);
    const double bw = streaming_read_bandwidth(omp_get_max_threads());
    const char *blas = nullptr;
    if (subq_info_string(SUBQ_INFO_BLAS_VENDOR, &blas) != SUBQ_OK) blas = nullptr;
    std::printf("Inputs: %s. n = %lld, L = %lld, float32, b = sqrt(0.4 ln m), eager sparse update, GD step with a "
                "fixed step size. %d subq threads; %s. Medians of %d iterations after one warm-up.\n\n",
                source.c_str(), static_cast<long long>(n), static_cast<long long>(L), omp_get_max_threads(),
                blas ? blas : "BLAS", reps);
    std::printf("Streaming-read bandwidth (parallel sum over 1 GiB, median of 5): **%.1f GB/s**\n\n", bw / 1e9);

    const std::vector<std::int64_t> widths = quick ? std::vector<std::int64_t>{1024, 2048, 4096}
                                                   : std::vector<std::int64_t>{2048, 4096, 8192, 16384};
    std::printf(
        "| m | fired s (layers 2-3) | union coverage | sparse work (muladds) | dense work | sparse iter (s) | "
        "dense iter (s) | speed-up |\n|---|---|---|---|---|---|---|---|\n");
    std::vector<double> lm, lws, lwd, lts, ltd;
    std::vector<std::string> forward_rows;
    for (std::int64_t m : widths) {
        Options o;
        o.input_dim = d;
        o.width = m;
        o.depth = L;
        o.threshold = default_threshold(m);
        o.seed = 1;
        const Run sparse = measure(o, x, n, d, reps, forwards);
        o.mode = Mode::Dense;
        const Run dense = measure(o, x, n, d, reps, 0);
        std::printf("| %lld | %.1f | %.3f | %.3e | %.3e | %.4f | %.4f | %.2fx |\n", static_cast<long long>(m),
                    sparse.fired, sparse.coverage, static_cast<double>(work(sparse.counts)),
                    static_cast<double>(work(dense.counts)), sparse.iter_s, dense.iter_s, dense.iter_s / sparse.iter_s);
        std::fflush(stdout);
        const double all_bytes = static_cast<double>(sparse.fwd_counts.bytes[kForward]);
        const double all_bw = all_bytes / sparse.forward_s, deep_bw = sparse.deep_bytes / sparse.deep_s;
        char row[512];
        std::snprintf(row, sizeof row,
                      "| %lld | %.3f GB | %.4f s | %.1f GB/s | %.0f%% | %.3f GB | %.4f s | %.1f GB/s | %.0f%% |\n",
                      static_cast<long long>(m), all_bytes / 1e9, sparse.forward_s, all_bw / 1e9, 100 * all_bw / bw,
                      sparse.deep_bytes / 1e9, sparse.deep_s, deep_bw / 1e9, 100 * deep_bw / bw);
        forward_rows.push_back(row);
        lm.push_back(std::log(static_cast<double>(m)));
        lws.push_back(std::log(static_cast<double>(work(sparse.counts))));
        lwd.push_back(std::log(static_cast<double>(work(dense.counts))));
        lts.push_back(std::log(sparse.iter_s));
        ltd.push_back(std::log(dense.iter_s));
    }
    std::printf("\nFitted log-log slopes in m: counted work sparse **%.3f**, dense %.3f; wall time sparse %.3f, "
                "dense %.3f.\n\n",
                slope(lm, lws), slope(lm, lwd), slope(lm, lts), slope(lm, ltd));

    // The sparse forward against the streaming-read bandwidth: the whole network (from the pixel inputs), and L - 1
    // layers fed with its sparse layer-1 activations.
    std::printf(
        "Sparse forward pass, medians of %d (sparse inputs: a network of depth %lld and input dimension m fed "
        "with the layer-1 activations):\n\n"
        "| m | bytes, pixel inputs | time | bandwidth | of streaming | bytes, sparse inputs | time | bandwidth | "
        "of streaming |\n|---|---|---|---|---|---|---|---|---|\n",
        forwards, static_cast<long long>(L - 1));
    for (const auto &row : forward_rows) std::printf("%s", row.c_str());
    std::printf("\n");

    // Higher thresholds: fewer fired neurons, larger speed-up.
    const std::int64_t m = widths.back();
    std::printf("Speed-up against the threshold at m = %lld:\n\n| active fraction Q(b) | b | fired s | sparse iter (s) | "
                "dense iter (s) | speed-up |\n|---|---|---|---|---|---|\n",
                static_cast<long long>(m));
    Options o;
    o.input_dim = d;
    o.width = m;
    o.depth = L;
    o.seed = 1;
    o.mode = Mode::Dense;
    o.threshold = default_threshold(m);
    const Run dense = measure(o, x, n, d, reps, 0);
    for (double p : {gaussian_tail(default_threshold(m)), 0.01, 0.003}) {
        o.mode = Mode::Sparse;
        o.threshold = gaussian_tail_inverse(p);
        const Run sparse = measure(o, x, n, d, reps, 0);
        std::printf("| %.4f | %.3f | %.1f | %.4f | %.4f | %.2fx |\n", p, o.threshold, sparse.fired, sparse.iter_s,
                    dense.iter_s, dense.iter_s / sparse.iter_s);
        std::fflush(stdout);
    }
    return 0;
}
