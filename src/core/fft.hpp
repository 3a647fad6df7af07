// FFTW helpers (design/api-style.md §8, §14): one library-wide planner mutex, RAII plans and FFTW-aligned
// buffers. Plans are created with FFTW_ESTIMATE (measured plans may differ between runs and would break
// bit-reproducibility) and executed with FFTW's new-array execute functions, so one plan serves every thread.
#pragma once

#include <fftw3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace subq::fft {

// The one mutex that every FFTW planner call (plan creation and destruction) in subq must hold. FFTW's planner is
// not thread-safe; its execute functions are.
std::mutex &planner_mutex() noexcept;

// An FFTW-allocated (SIMD-aligned) array of n elements; contents uninitialised. Throws std::bad_alloc.
template <class T>
class Buffer {
public:
    Buffer() = default;
    explicit Buffer(std::size_t n) { reset(n); }
    void reset(std::size_t n) {
        ptr_.reset();
        if (n == 0) return;
        void *p = fftw_malloc(n * sizeof(T));
        if (p == nullptr) throw std::bad_alloc();
        ptr_.reset(static_cast<T *>(p));
        size_ = n;
    }
    T *data() const noexcept { return ptr_.get(); }
    std::size_t size() const noexcept { return size_; }

private:
    struct Free {
        void operator()(T *p) const noexcept { fftw_free(p); }
    };
    std::unique_ptr<T, Free> ptr_;
    std::size_t size_ = 0;
};

// A pair of real-data DFT plans of length n (double precision): forward r2c (n reals -> n/2+1 complex bins) and
// backward c2r (n/2+1 bins -> n reals, unnormalised: c2r(r2c(x)) = n·x). Created once; execution is const and
// reentrant. Arrays passed to forward()/backward() must come from fftw_malloc (e.g. Buffer) so their alignment
// matches the planning arrays; backward() overwrites its input.
class RealPlan {
public:
    explicit RealPlan(std::int64_t n);  // throws subq::Error (SUBQ_ERR_DIMENSION) for n < 1 or n > INT_MAX
    ~RealPlan();
    RealPlan(const RealPlan &) = delete;
    RealPlan &operator=(const RealPlan &) = delete;

    std::int64_t size() const noexcept { return n_; }
    std::int64_t bins() const noexcept { return n_ / 2 + 1; }
    void forward(double *in, fftw_complex *out) const noexcept { fftw_execute_dft_r2c(r2c_, in, out); }
    void backward(fftw_complex *in, double *out) const noexcept { fftw_execute_dft_c2r(c2r_, in, out); }

private:
    std::int64_t n_ = 0;
    fftw_plan r2c_ = nullptr;
    fftw_plan c2r_ = nullptr;
};

}  // namespace subq::fft
