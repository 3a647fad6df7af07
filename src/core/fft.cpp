#include "core/fft.hpp"

#include <climits>
#include <string>

#include "core/error.hpp"

namespace subq::fft {

std::mutex &planner_mutex() noexcept {
    static std::mutex m;
    return m;
}

RealPlan::RealPlan(std::int64_t n) : n_(n) {
    if (n < 1 || n > INT_MAX)
        fail(SUBQ_ERR_DIMENSION,
             "FFT length " + std::to_string(n) + " is outside [1, " + std::to_string(INT_MAX) + "]");
    Buffer<double> real(static_cast<std::size_t>(n));
    Buffer<fftw_complex> bins(static_cast<std::size_t>(n / 2 + 1));
    {
        std::lock_guard<std::mutex> lock(planner_mutex());
        r2c_ = fftw_plan_dft_r2c_1d(static_cast<int>(n), real.data(), bins.data(), FFTW_ESTIMATE);
        c2r_ = fftw_plan_dft_c2r_1d(static_cast<int>(n), bins.data(), real.data(), FFTW_ESTIMATE);
        if (r2c_ == nullptr || c2r_ == nullptr) {
            if (r2c_ != nullptr) fftw_destroy_plan(r2c_);
            if (c2r_ != nullptr) fftw_destroy_plan(c2r_);
            r2c_ = c2r_ = nullptr;
            fail(SUBQ_ERR_INTERNAL, "FFTW could not plan a real DFT of length " + std::to_string(n));
        }
    }
}

RealPlan::~RealPlan() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    if (r2c_ != nullptr) fftw_destroy_plan(r2c_);
    if (c2r_ != nullptr) fftw_destroy_plan(c2r_);
}

}  // namespace subq::fft
