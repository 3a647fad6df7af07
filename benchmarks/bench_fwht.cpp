// FWHT against FFTW's real-to-complex FFT of the same length (benchmarks/RESULTS.md, "FWHT against FFTW r2c").
//
// For n = 2^10 .. 2^16 and float64/float32 it times subq::fwht::transform (in place), fftw_plan_dft_r2c_1d with
// FFTW_ESTIMATE and with FFTW_MEASURE (out of place, input preserved, n/2+1 complex outputs), and prints the
// MEDIAN over 15 timed batches (after warm-up; the methods run their batches round-robin) as ns per transform, GFLOP/s (n log2 n for the FWHT, the
// conventional 2.5 n log2 n for a real FFT) and the ratio FFTW time / FWHT time. A second table gives the FWHT
// time of every compiled code path. Single thread. Usage: bench_fwht [batches] [batch_ms]
//
// The FWHT runs in place, and H_n grows the norm by sqrt(n) per application, so repeated transforms of one buffer
// would overflow. The buffer is therefore reset from a copy (untimed) every K transforms, with K and the initial
// scale chosen so that no value overflows and none becomes subnormal (which would slow the arithmetic down): all
// inputs are multiples of q = 2^(e0 - mantissa bits) and so is every partial sum, hence every value is 0 or >= q.
#include <fftw3.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/fwht.hpp"

namespace {

// Thread CPU time: on a shared machine, time slices lost to other processes are not counted (wall-clock time
// over-counts them). Single-threaded code only, which all the timed code here is.
struct Clock {
    using time_point = std::int64_t;  // ns
    static time_point now() {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    }
};
using subq::fwht::detail::Path;

int g_batches = 15;
double g_batch_ms = 3.0;
constexpr double kWarmupMs = 30.0;

double elapsed_ns(Clock::time_point a, Clock::time_point b) { return static_cast<double>(b - a); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

template <class T>
struct Fftw;

template <>
struct Fftw<double> {
    fftw_plan plan = nullptr;
    double *in = nullptr;
    fftw_complex *out = nullptr;
    Fftw(int n, unsigned flags) {
        in = fftw_alloc_real(static_cast<std::size_t>(n));
        out = fftw_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
        plan = fftw_plan_dft_r2c_1d(n, in, out, flags);  // MEASURE scribbles on in/out: fill afterwards
        std::mt19937_64 gen(1);
        std::normal_distribution<double> d;
        for (int i = 0; i < n; ++i) in[i] = d(gen);
    }
    ~Fftw() {
        fftw_destroy_plan(plan);
        fftw_free(in);
        fftw_free(out);
    }
    void run() { fftw_execute(plan); }
};

template <>
struct Fftw<float> {
    fftwf_plan plan = nullptr;
    float *in = nullptr;
    fftwf_complex *out = nullptr;
    Fftw(int n, unsigned flags) {
        in = fftwf_alloc_real(static_cast<std::size_t>(n));
        out = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
        plan = fftwf_plan_dft_r2c_1d(n, in, out, flags);
        std::mt19937_64 gen(1);
        std::normal_distribution<float> d;
        for (int i = 0; i < n; ++i) in[i] = d(gen);
    }
    ~Fftw() {
        fftwf_destroy_plan(plan);
        fftwf_free(in);
        fftwf_free(out);
    }
    void run() { fftwf_execute(plan); }
};

// One timed quantity: `chunk` performs `per_chunk` calls and returns the ns they took (setup excluded).
struct Method {
    std::function<double()> chunk;
    int per_chunk = 1;
    int chunks_per_batch = 1;
    std::vector<double> samples;  // ns per call, one per batch

    void warm_up_and_calibrate() {
        double spent = 0;
        int chunks = 0;
        const auto t0 = Clock::now();
        while (elapsed_ns(t0, Clock::now()) < kWarmupMs * 1e6 || chunks < 3) {
            spent += chunk();
            ++chunks;
        }
        const double per = std::max(spent / chunks, 1.0);
        chunks_per_batch = std::max(1, static_cast<int>(std::ceil(g_batch_ms * 1e6 / per)));
    }
    void run_batch() {
        double ns = 0;
        for (int c = 0; c < chunks_per_batch; ++c) ns += chunk();
        samples.push_back(ns / (static_cast<double>(chunks_per_batch) * per_chunk));
    }
    double result() const { return median(samples); }
};

// Warms every method up, then runs the batches round-robin (batch b of every method before batch b + 1), so
// that load from other processes affects all methods alike. Returns the median ns per call of each.
std::vector<double> time_interleaved(std::vector<Method> &methods) {
    for (auto &m : methods) m.warm_up_and_calibrate();
    for (int b = 0; b < g_batches; ++b)
        for (auto &m : methods) m.run_batch();
    std::vector<double> out;
    for (const auto &m : methods) out.push_back(m.result());
    return out;
}

template <class T>
Method fftw_method(std::shared_ptr<Fftw<T>> f) {
    constexpr int kReps = 16;
    Method m;
    m.per_chunk = kReps;
    m.chunk = [f] {
        const auto a = Clock::now();
        for (int r = 0; r < kReps; ++r) f->run();
        return elapsed_ns(a, Clock::now());
    };
    return m;
}

template <class T>
struct FwhtBuffers {
    std::int64_t n = 0;
    std::vector<T> src;
    T *buf = nullptr;
    explicit FwhtBuffers(std::int64_t n_) : n(n_), src(static_cast<std::size_t>(n_)) {
        buf = static_cast<T *>(fftw_malloc(static_cast<std::size_t>(n) * sizeof(T)));
    }
    ~FwhtBuffers() { fftw_free(buf); }
    FwhtBuffers(const FwhtBuffers &) = delete;
    FwhtBuffers &operator=(const FwhtBuffers &) = delete;
};

template <class T>
Method fwht_method(Path path, int lg) {
    const std::int64_t n = std::int64_t{1} << lg;
    constexpr int kDigits = std::numeric_limits<T>::digits;            // 24 or 53
    constexpr int kMaxExp = std::numeric_limits<T>::max_exponent - 1;  // 127 or 1023
    constexpr int kMinExp = std::numeric_limits<T>::min_exponent - 1;  // -126 or -1022
    const int e0 = kMinExp + kDigits + 2;  // inputs are multiples of 2^(e0 - digits + 1) >= 2^(min_exp + 3)
    // ||H^K x||_inf <= ||x||_2 n^(K/2) <= 2^(e0 + 1 + lg (K + 1) / 2) must stay below 2^max_exp.
    const int k_reps = std::clamp(2 * (kMaxExp - e0 - 2) / lg - 2, 1, 64);

    auto b = std::make_shared<FwhtBuffers<T>>(n);
    std::mt19937_64 gen(static_cast<unsigned>(lg));
    for (auto &v : b->src) {
        const auto u = gen();
        const double mant = 1.0 + static_cast<double>(u % 1024) / 1024.0;  // 11 significant bits
        v = static_cast<T>(std::ldexp((u & (1ULL << 40)) ? -mant : mant, e0));
    }
    Method m;
    m.per_chunk = k_reps;
    m.chunk = [b, path, k_reps] {
        const std::int64_t n = b->n;
        std::memcpy(b->buf, b->src.data(), static_cast<std::size_t>(n) * sizeof(T));
        const auto a = Clock::now();
        for (int r = 0; r < k_reps; ++r) subq::fwht::detail::transform_with(path, b->buf, n);
        const auto e = Clock::now();
        for (std::int64_t i = 0; i < n; ++i) {
            const T v = b->buf[i];
            if (!std::isfinite(v) || (v != 0 && std::abs(v) < std::numeric_limits<T>::min())) {
                std::fprintf(stderr, "bench_fwht: value range escaped (n = %lld, K = %d)\n",
                             static_cast<long long>(n), k_reps);
                std::exit(1);
            }
        }
        return elapsed_ns(a, e);
    };
    return m;
}

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

template <class T>
void run_dtype(const char *dtype, std::vector<std::string> &main_rows, std::vector<std::string> &path_rows) {
    for (int lg = 10; lg <= 16; ++lg) {
        const int n = 1 << lg;
        const double nlogn = static_cast<double>(n) * lg;
        std::vector<Method> methods;
        methods.push_back(fwht_method<T>(Path::kAuto, lg));
        methods.push_back(fftw_method<T>(std::make_shared<Fftw<T>>(n, FFTW_ESTIMATE)));
        methods.push_back(fftw_method<T>(std::make_shared<Fftw<T>>(n, FFTW_MEASURE)));
        const auto t = time_interleaved(methods);
        const double ours = t[0], est = t[1], meas = t[2];
        char row[512];
        std::snprintf(row, sizeof row, "| 2^%d | %s | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.2f | %.2f |", lg,
                      dtype, ours, nlogn / ours, est, 2.5 * nlogn / est, meas, 2.5 * nlogn / meas, est / ours,
                      meas / ours);
        main_rows.emplace_back(row);
        std::fprintf(stderr, "%s\n", row);

        std::vector<Path> paths;
        for (Path p : {Path::kScalar, Path::kSse2, Path::kAvx2})
            if (subq::fwht::detail::path_supported(p)) paths.push_back(p);
        std::vector<Method> pm;
        for (Path p : paths) pm.push_back(fwht_method<T>(p, lg));
        const auto tp = time_interleaved(pm);
        std::string prow = "| 2^" + std::to_string(lg) + " | " + dtype + " |";
        for (Path p : {Path::kScalar, Path::kSse2, Path::kAvx2}) {
            const auto it = std::find(paths.begin(), paths.end(), p);
            if (it == paths.end()) {
                prow += " n/a |";
                continue;
            }
            const double tt = tp[static_cast<std::size_t>(it - paths.begin())];
            char cell[64];
            std::snprintf(cell, sizeof cell, " %.0f (%.2f) |", tt, nlogn / tt);
            prow += cell;
        }
        path_rows.push_back(prow);
        std::fprintf(stderr, "%s\n", prow.c_str());
    }
}

}  // namespace

int main(int argc, char **argv) {
    if (argc > 1) g_batches = std::max(1, std::atoi(argv[1]));
    if (argc > 2) g_batch_ms = std::max(0.01, std::atof(argv[2]));
    std::vector<std::string> main_rows, path_rows;
    run_dtype<double>("f64", main_rows, path_rows);
    run_dtype<float>("f32", main_rows, path_rows);

    std::printf("CPU: %s; FWHT path: %s; %s; single thread; thread CPU time; median of %d batches of >= %.1f ms "
                "after %.0f ms warm-up, methods interleaved batch by batch.\n\n",
                cpu_model().c_str(), subq::fwht::detail::path_name(subq::fwht::detail::best_path()),
                fftw_version, g_batches, g_batch_ms, kWarmupMs);
    std::printf("| n | dtype | FWHT ns | FWHT GFLOP/s | FFTW est ns | FFTW est GFLOP/s | FFTW meas ns | "
                "FFTW meas GFLOP/s | FFTW est / FWHT | FFTW meas / FWHT |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto &r : main_rows) std::printf("%s\n", r.c_str());
    std::printf("\nFWHT by code path, ns per transform (GFLOP/s):\n\n");
    std::printf("| n | dtype | scalar | sse2 | avx2 |\n|---|---|---:|---:|---:|\n");
    for (const auto &r : path_rows) std::printf("%s\n", r.c_str());
    return 0;
}
