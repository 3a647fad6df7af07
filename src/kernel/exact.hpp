// Exact kernel Gram matrices K(X, Y) (design/algorithms.md §4.1–§4.2): the reference the feature maps are measured
// against. Samples are rows: X is n×d, Y is m×d, K is n×m with K(i, j) = k(x_i, y_j), each in either layout.
//
// Method: the inner products X·Yᵀ are computed in double by cblas_dgemm, block by block (block_rows rows of X
// times block_rows rows of Y), then each block is mapped elementwise using the row norms (OpenMP, outside BLAS):
//   polynomial  (γ⟨x,y⟩ + c)^p
//   Gaussian    e^{−γ‖x−y‖²}, with ‖x−y‖² = (‖x‖² − ⟨x,y⟩) + (‖y‖² − ⟨x,y⟩) clamped at 0
//   arc-cos 0   κ₀(t);   arc-cos 1   ‖x‖‖y‖κ₁(t);   NTK   ‖x‖‖y‖Θ_L(t) in the chosen convention
//               (kernel/coefficients.hpp), with t = ⟨x,y⟩/(‖x‖‖y‖) clamped to [−1, 1].
//
// Zero rows (normalised kernels): a zero vector has direction x̂ = 0, so t = 0 (design/algorithms.md §1, §4.5; the
// feature maps use the same convention). For arc-cos 1 and the NTK (h = 1) this gives k(0, y) = 0, the continuous
// limit. For arc-cos 0 (h = 0) the kernel has no limit at 0; the result is κ₀(0) = ½, as if the Heaviside step took
// the value ½ at 0. No error is raised for zero rows. A row whose squared norm underflows to 0 counts as zero.
//
// Accuracy: near t = ±1 the angle arccos(t) is only accurate to about √ε ≈ 1e−8 (inherent to computing it from an
// inner product), so arc-cos and NTK entries of (nearly) parallel rows, e.g. a diagonal, carry errors up to ~1e−8
// relative. The Gaussian's expansion of ‖x−y‖² has absolute error ~ε·γ(‖x‖² + ‖y‖²) in the exponent.
// Determinism: bit-identical for any thread count and a fixed BLAS thread count and block size.
#pragma once

#include <cstdint>

#include "core/matrix.hpp"
#include "kernel/coefficients.hpp"

namespace subq::kernel {

inline constexpr index_t kDefaultGramBlock = 256;
inline constexpr index_t kMaxGramBlock = 4096;

struct GramOptions {
    index_t block_rows = 0;        // rows of X and of Y per block: 0 = kDefaultGramBlock; above kMaxGramBlock it
                                   // acts as kMaxGramBlock (the workspace is block_rows² doubles); must be >= 0
    std::int64_t num_threads = 0;  // OpenMP threads of the elementwise stage: 0 = omp_get_max_threads(); >= 0.
                                   // Blocks of fewer than 8192 entries (×L for the NTK) run on the calling thread
};

// Writes K(X, Y) into k (see the file comment for the formulas).
// Inputs: x n×d and y m×d (views already checked by dense_view(); x and y may be the same view), k n×m; k must not
// overlap x or y. Any layouts. n, m or d may be 0 (d = 0: every row is zero).
// Errors (subq::Error): SUBQ_ERR_PARAM_RANGE (validate(params), negative options); SUBQ_ERR_DIMENSION (y.cols ≠
// x.cols, k not n×m, d or a leading dimension beyond BLAS's 32-bit int); SUBQ_ERR_NUMERICAL naming the row and
// column of a NaN/Inf entry of x or y, or the row whose squared norm overflows double. Nothing is written on error.
// Entries whose true value exceeds the double range (polynomial) are ±inf.
// Thread safety: reentrant; calls BLAS from the calling thread, never inside an OpenMP region of its own.
// Cost: 2·n·m·d flops in BLAS plus O(n·m) elementwise (O(n·m·L) for the NTK); O(block_rows·(block_rows + d)) memory.
void gram(const KernelParams &params, const DenseView<const double> &x, const DenseView<const double> &y,
          const DenseView<double> &k, const GramOptions &options = {});

// Float variant: the same computation in double (inputs converted block by block, inner products, norms and the
// elementwise map in double); only the stored result is rounded to float. Same errors; ±inf where a value exceeds
// the float range.
void gram(const KernelParams &params, const DenseView<const float> &x, const DenseView<const float> &y,
          const DenseView<float> &k, const GramOptions &options = {});

}  // namespace subq::kernel
