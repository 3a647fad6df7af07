// Per-handle threading (design/api-style.md §9): subq's own OpenMP regions take their thread count from the
// handle; nothing global is changed. Exceptions thrown inside a region are carried out of it.
#pragma once

#include <omp.h>

#include <cstdint>
#include <atomic>
#include <exception>
#include <mutex>

namespace subq {

// Threads for a handle whose SUBQ_P_NUM_THREADS is `requested` (0 = OpenMP's maximum at call time).
inline int thread_count(std::int64_t requested) noexcept {
    return requested > 0 ? static_cast<int>(requested) : omp_get_max_threads();
}

// Calls body(task) for task in [0, tasks) on `threads` threads, static schedule. The first exception thrown by
// any task is rethrown after the region; remaining tasks are skipped once one has failed.
template <class Body>
void parallel_for(int threads, std::int64_t tasks, Body &&body) {
    if (tasks <= 0) return;
    if (threads <= 1 || tasks == 1) {
        for (std::int64_t t = 0; t < tasks; ++t) body(t);
        return;
    }
    std::exception_ptr error;
    std::mutex error_mutex;
    std::atomic<bool> failed{false};
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t t = 0; t < tasks; ++t) {
        if (failed.load(std::memory_order_relaxed)) continue;
        try {
            body(t);
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
            failed.store(true, std::memory_order_relaxed);
        }
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace subq
