// Base sketches on all 60,000 Fashion-MNIST training rows (784 dims): rows/s, input GB/s and, for the Hadamard
// sketches, GFLOP/s, for every sketch at D = 4096 in float32 and float64, beside the machine's streaming-read
// bandwidth measured in the same run (a multi-threaded sum over a 1 GiB buffer). Medians of >= 5 runs after a
// warm-up run. Uses the public C API.
//
// Usage: bench_sketch [--runs R] [--dim D] [--threads T] [--only NAME] [--markdown]
//   --threads 0 (default) = OpenMP's maximum; the bandwidth test uses the same count.
//   --only NAME runs only the sketches whose name starts with NAME (e.g. --only SRHT).
// The 1-minute load average before and after the run is printed: other processes on the machine distort the
// figures (the apply times are wall-clock medians).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "subq/subq.h"

namespace {

void check(subq_status st, const char *what) {
    if (st != SUBQ_OK) {
        std::fprintf(stderr, "bench_sketch: %s: %s: %s\n", what, subq_status_string(st), subq_last_error_message());
        std::exit(1);
    }
}

double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double load_average() {
    double l = -1;
    if (FILE *f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &l) != 1) l = -1;
        std::fclose(f);
    }
    return l;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Streaming-read bandwidth in GB/s: multi-threaded sum over a 1 GiB buffer (first-touched by the same threads).
double read_bandwidth(int threads, int runs, double *checksum) {
    const std::size_t n = (std::size_t{1} << 30) / sizeof(double);
    std::vector<double> buf;
    buf.reserve(n);
    double *p = buf.data();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<double>(i & 1023);
    std::vector<double> times;
    double total = 0;
    for (int r = 0; r < runs + 1; ++r) {
        const double t0 = now();
        double s = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : s)
        for (std::size_t i = 0; i < n; ++i) s += p[i];
        const double t = now() - t0;
        total += s;
        if (r > 0) times.push_back(t);  // run 0 is the warm-up
    }
    *checksum = total;
    return static_cast<double>(n * sizeof(double)) / median(times) / 1e9;
}

struct Case {
    const char *name;
    subq_sketch_type type;
    std::int64_t dim;
    int degree;
};

struct Row {
    std::string name, dtype;
    std::int64_t m = 0;
    double create_s = 0, apply_s = 0, cpu_us_per_row = 0, rows_per_s = 0, in_gbs = 0, out_gbs = 0, gflops = -1;
};

// Floating-point operations of one row, for the sketches whose cost is arithmetic (the Hadamard ones count the
// FWHT adds P log2 P plus the sign and scale multiplies; Gaussian counts 2·d·m).
double flops_per_row(subq_sketch_type t, std::int64_t d, std::int64_t m) {
    std::int64_t P = 1;
    while (P < d) P *= 2;
    const double lg = std::log2(static_cast<double>(P));
    switch (t) {
        case SUBQ_SKETCH_SRHT:
            return static_cast<double>(P) * lg + static_cast<double>(d + m);
        case SUBQ_SKETCH_TENSORSRHT:
            return 2.0 * (static_cast<double>(P) * lg + static_cast<double>(d)) + 2.0 * static_cast<double>(m);
        case SUBQ_SKETCH_GAUSSIAN:
            return 2.0 * static_cast<double>(d) * static_cast<double>(m);
        default:
            return -1;
    }
}

template <class T>
Row run_case(const Case &c, const std::vector<T> &x, std::int64_t n, std::int64_t d, int threads, int runs,
             std::vector<T> &z) {
    subq_config *cfg = nullptr;
    check(subq_config_create(SUBQ_KIND_SKETCH, &cfg), "config");
    check(subq_config_set_int(cfg, SUBQ_P_SKETCH_TYPE, c.type), "type");
    check(subq_config_set_int(cfg, SUBQ_P_INPUT_DIM, d), "input dim");
    check(subq_config_set_int(cfg, SUBQ_P_OUTPUT_DIM, c.dim), "output dim");
    check(subq_config_set_int(cfg, SUBQ_P_SEED, 42), "seed");
    check(subq_config_set_int(cfg, SUBQ_P_NUM_THREADS, threads), "threads");
    if (c.degree > 0) check(subq_config_set_int(cfg, SUBQ_P_DEGREE, c.degree), "degree");
    subq_sketch *sk = nullptr;
    const double t0 = now();
    check(subq_sketch_create(cfg, &sk), "create");
    Row row;
    row.create_s = now() - t0;
    subq_config_destroy(cfg);
    check(subq_sketch_output_dim(sk, &row.m), "output dim");
    z.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(row.m), T(0));
    std::vector<double> times, cpu_times;
    for (int r = 0; r < runs + 1; ++r) {
        const double t1 = now(), c1 = cpu_now();
        if constexpr (sizeof(T) == 8)
            check(subq_sketch_apply_f64(sk, SUBQ_ROW_MAJOR, n, d, x.data(), d, z.data(), row.m), "apply");
        else
            check(subq_sketch_apply_f32(sk, SUBQ_ROW_MAJOR, n, d, x.data(), d, z.data(), row.m), "apply");
        if (r > 0) {  // run 0 is the warm-up
            times.push_back(now() - t1);
            cpu_times.push_back(cpu_now() - c1);
        }
    }
    subq_sketch_destroy(sk);
    row.cpu_us_per_row = median(cpu_times) / static_cast<double>(n) * 1e6;
    row.name = c.name;
    row.dtype = sizeof(T) == 8 ? "f64" : "f32";
    row.apply_s = median(times);
    row.rows_per_s = static_cast<double>(n) / row.apply_s;
    row.in_gbs = static_cast<double>(n) * static_cast<double>(d) * sizeof(T) / row.apply_s / 1e9;
    row.out_gbs = static_cast<double>(n) * static_cast<double>(row.m) * sizeof(T) / row.apply_s / 1e9;
    const double f = flops_per_row(c.type, d, row.m);
    if (f > 0) row.gflops = f * static_cast<double>(n) / row.apply_s / 1e9;
    return row;
}

}  // namespace

int main(int argc, char **argv) {
    int runs = 5, threads = 0;
    std::int64_t dim = 4096;
    bool markdown = false;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--dim" && i + 1 < argc)
            dim = std::atoll(argv[++i]);
        else if (a == "--threads" && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (a == "--markdown")
            markdown = true;
        else if (a == "--only" && i + 1 < argc)
            only = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_sketch [--runs R] [--dim D] [--threads T] [--only NAME] [--markdown]\n");
            return 2;
        }
    }
    const int nthreads = threads > 0 ? threads : omp_get_max_threads();
    const double load_before = load_average();

    subq_dataset *ds = nullptr;
    check(subq_dataset_load("fmnist-train", nullptr, &ds), "load fmnist-train");
    subq_index n = 0, d = 0;
    check(subq_dataset_info(ds, &n, &d, nullptr, nullptr, nullptr, nullptr), "info");
    std::vector<float> xf(static_cast<std::size_t>(n * d));
    std::vector<double> xd(static_cast<std::size_t>(n * d));
    check(subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, xf.data(), d), "copy f32");
    check(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, xd.data(), d), "copy f64");
    subq_dataset_destroy(ds);

    double checksum = 0;
    const double bw = read_bandwidth(nthreads, runs, &checksum);

    const Case cases[] = {
        {"CountSketch", SUBQ_SKETCH_COUNTSKETCH, dim, 0},
        {"CountSketch (D=256)", SUBQ_SKETCH_COUNTSKETCH, 256, 0},
        {"OSNAP s=4", SUBQ_SKETCH_OSNAP, dim, 0},
        {"SRHT", SUBQ_SKETCH_SRHT, dim, 0},
        {"Gaussian", SUBQ_SKETCH_GAUSSIAN, dim, 0},
        {"TensorSketch p=2", SUBQ_SKETCH_TENSORSKETCH, dim, 2},
        {"TensorSRHT (x, x)", SUBQ_SKETCH_TENSORSRHT, dim, 0},
    };
    std::vector<Row> rows;
    {
        std::vector<float> zf;
        std::vector<double> zd;
        for (const Case &c : cases) {
            if (!only.empty() && std::string(c.name).rfind(only, 0) != 0) continue;
            rows.push_back(run_case(c, xf, n, d, threads, runs, zf));
            rows.push_back(run_case(c, xd, n, d, threads, runs, zd));
            std::fprintf(stderr, "  %s done\n", c.name);
        }
    }

    const double load_after = load_average();
    std::printf("1-minute load average: %.2f before, %.2f after the run (%d hardware threads)\n", load_before,
                load_after, omp_get_num_procs());
    std::printf("Fashion-MNIST train: n = %lld rows, d = %lld; threads = %d; median of %d runs after a warm-up\n",
                static_cast<long long>(n), static_cast<long long>(d), nthreads, runs);
    std::printf("Streaming-read bandwidth (sum over 1 GiB, %d threads): %.2f GB/s (checksum %.0f)\n", nthreads, bw,
                checksum);
    if (markdown) {
        std::printf(
            "\n| sketch | dtype | D | create (s) | apply (s) | CPU µs/row | rows/s | input GB/s | input / read BW | "
            "output GB/s | GFLOP/s |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (const Row &r : rows) {
            char gf[32] = "—";
            if (r.gflops >= 0) std::snprintf(gf, sizeof gf, "%.2f", r.gflops);
            std::printf("| %s | %s | %lld | %.3f | %.4f | %.2f | %.3g | %.2f | %.0f%% | %.2f | %s |\n", r.name.c_str(),
                        r.dtype.c_str(), static_cast<long long>(r.m), r.create_s, r.apply_s, r.cpu_us_per_row,
                        r.rows_per_s, r.in_gbs, 100.0 * r.in_gbs / bw, r.out_gbs, gf);
        }
    } else {
        std::printf("%-22s %-4s %6s %9s %9s %8s %10s %9s %7s %9s %8s\n", "sketch", "type", "D", "create_s", "apply_s",
                    "cpu_us", "rows/s", "in_GB/s", "in/BW", "out_GB/s", "GFLOP/s");
        for (const Row &r : rows)
            std::printf("%-22s %-4s %6lld %9.3f %9.4f %8.2f %10.3g %9.2f %6.0f%% %9.2f %8.2f\n", r.name.c_str(),
                        r.dtype.c_str(), static_cast<long long>(r.m), r.create_s, r.apply_s, r.cpu_us_per_row,
                        r.rows_per_s, r.in_gbs, 100.0 * r.in_gbs / bw, r.out_gbs, r.gflops);
    }
    return 0;
}
