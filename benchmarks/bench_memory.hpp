// Shared by bench_train and bench_forward_bound: timing helpers and the streaming-read reference that the sparse
// forward's bandwidth is compared with.
#pragma once

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

#include "train/net.hpp"

namespace subq::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Sum of p[0..count) with 16 independent partial sums, the tail past a multiple of 16 ignored: a single running sum
// would be bound by the latency of the floating-point add (about 8 GB/s per core), not by memory. This plain loop,
// vectorised by the compiler for the build's target, read 33-34 GB/s on 2 threads where a version with 4 AVX2
// accumulators read 28-30 GB/s (2026-12-04).
template <class T>
T sum_range(const T *p, std::size_t count) {
    constexpr std::size_t lanes = 16;
    T acc[lanes] = {};
    for (std::size_t j = 0; j + lanes <= count; j += lanes)
        for (std::size_t k = 0; k < lanes; ++k) acc[k] += p[j + k];
    T total = 0;
    for (T a : acc) total += a;
    return total;
}

// Streaming-read bandwidth in bytes/s: `threads` threads each sum a contiguous share of a 1 GiB buffer, median of 5
// passes. The buffer comes from the weights' allocator (2 MiB pages where transparent huge pages allow), so the
// reference pays the same TLB costs as the forward.
inline double streaming_read_bandwidth(int threads) {
    const std::size_t count = (std::size_t(1) << 30) / sizeof(double);
    std::vector<double, train::WeightAllocator<double>> buf(count);
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < count; ++i) buf[i] = static_cast<double>(i & 1023);
    std::vector<double> times;
    volatile double sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = Clock::now();
        double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
        {
            const std::size_t parts = static_cast<std::size_t>(omp_get_num_threads());
            const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
            const std::size_t begin = count * t / parts, end = count * (t + 1) / parts;
            total += sum_range(buf.data() + begin, end - begin);
        }
        times.push_back(seconds_since(t0));
        sink = sink + total;
    }
    return static_cast<double>(count * sizeof(double)) / median(times);
}

}  // namespace subq::bench
