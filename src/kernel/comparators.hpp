// The standard comparators of the Taylor feature maps (issue 5), in the same library so that users compare in one
// place: random Fourier features for the Gaussian kernel and Nyström features for every kernel of coefficients.hpp.
// Both look like FeatureMap (featuremap.hpp): samples are rows, apply() writes z (n × D) = φ of the rows of x, and
// ⟨φ(x), φ(y)⟩ ≈ k(x, y).
//
// ---- RandomFourier (Rahimi–Recht), Gaussian kernel k = e^{−γ‖x−y‖²} only ----------------------------------------
// Paired cos/sin variant (NOT scikit-learn's RBFSampler, which uses cos(w·x + b) with a random phase for every
// column). With D = output_dim, F = ⌈D/2⌉ frequencies w_j ∈ R^d, W_jk ~ N(0, 2γ) i.i.d. (the spectral density of
// the kernel), and p = ⌊D/2⌋:
//     z_j     = √(2/D)·cos(w_j·x)        j = 0 … p−1
//     z_{p+j} = √(2/D)·sin(w_j·x)        j = 0 … p−1
//     z_{D−1} = √(2/D)·cos(w_p·x + b),   b ~ U[0, 2π)     (only when D is odd: one random-phase column)
// so ⟨φ(x), φ(y)⟩ = (2/D)·Σ_{j<p} cos(w_j·(x−y)) (+ the phase column), E = k(x, y) for every D (unbiased), and for
// even D ‖φ(x)‖² = 1 exactly (up to rounding). Variance, with Δ = x − y and k = k(x, y) [derived]:
//     paired (D even)  (1 + k⁴ − 2k²)/D;      random phase (RBFSampler)  (1 + k⁴/2 − k²)/D,
// since k(2Δ) = k(Δ)⁴ for the Gaussian: the paired variant is lower for every pair (by (k² − k⁴/2)/D).
// Randomness: W_jk = √(2γ)·g with g the (j·d + k)-th standard normal of stream {3, 1, 0, 0, kGaussian} (Box–Muller
// pairs of rng::normal_pair), b = 2π·uniform of stream {3, 1, 0, 0, kUniform}, index 0 — a pure function of
// (seed, d, j, k). (Kind 3 = the feature maps; featuremap.cpp uses {3, 0, 0, 0, kUniform}.)
// Method: dense input: the phases X·Wᵀ by cblas_dgemm, block_rows rows at a time, from the calling thread (never
// inside an OpenMP region), then cos/sin row by row in parallel (OpenMP, num_threads). CSR input: phases summed
// over the nonzeros of each row (in stored order), rows in parallel. Float input is converted to double; phases and
// trigonometry are computed in double and only the stored result is rounded to float.
// Determinism: for a fixed BLAS library, BLAS thread count and block_rows, bit-identical for any num_threads; CSR
// input is bit-identical for any num_threads and block_rows. The dense phases come from BLAS calls on blocks of
// min(n, block_rows) rows, and a BLAS may round an entry differently for another number of rows (OpenBLAS does:
// remainder kernels), so a row's features can change in the last bits with block_rows or with the number of rows
// applied at once (phase differences ~1e−16·|w·x|).
//
// ---- Nystrom, any KernelParams ------------------------------------------------------------------------------------
// Landmarks L (k × d). With K(L, L) = UΛUᵀ (LAPACKE_dsyevd, eigenvalues in decreasing order λ_1 >= λ_2 >= …):
//     φ(x) = K(x, L)·U_r·Λ_r^{−1/2},   r = #{j : λ_j > kNystromRelativeCutoff·λ_1}
// so ΦΦᵀ = K(X, L)·K(L, L)^+_r·K(L, X), where K(L, L)^+_r is the pseudo-inverse with eigenvalues at or below
// 1e−12·λ_1 (and all negative ones, which only rounding produces) dropped. Output column c < r belongs to λ_{c+1}
// (decreasing order); columns r … k−1 are zero, so output_dim() = k is stable whatever the numerical rank. If
// λ_1 <= 0 (e.g. only zero landmarks for arc-cos 1), r = 0 and every feature is 0.
// Properties: ΦΦᵀ ⪯ K(X, X) (Schur complement; dropping eigenvalues only removes PSD terms), with equality when the
// landmarks are all of X and no eigenvalue is dropped.
// Landmarks from fit(x): k distinct rows of x drawn uniformly without replacement by a partial Fisher–Yates
// shuffle whose i-th swap uses element i of stream {3, 2, 0, 0, kIndex1} (O(k) memory; a pure function of seed, n
// and i). The draws are nested: the first k landmarks for a requested k' > k are the landmarks for k (same seed and
// n). If x has n < k rows, all n rows are used (in shuffled order) and output_dim() becomes n; the next fit() draws
// the configured k again.
// Lazy factorization: fit()/set_landmarks() compute and keep K(L, L) (m² doubles) and check it is finite; the
// eigendecomposition (O(m³), the dominant cost for large m: about 90 s at m = 8192 on 2 cores) runs once, on the first
// apply(), rank() or eigenvalues() call, so that callers that only need K(L, L) (the subset-of-regressors ridge of
// krr/ridge.hpp) never pay for it. A dsyevd failure is therefore reported by that first call.
// Kernel values: K(x, L) by the exact gram() (exact.hpp) in double, block by block; float input is converted to
// double and only the stored result is rounded. Precision of the features is that of the kernel values amplified
// by up to λ_r^{−1/2} (e.g. the ~1e−8 error of arc-cos entries of nearly parallel rows, exact.hpp).
// Determinism: landmarks are a pure function of (seed, n, k); features are bit-identical for any num_threads given a
// fixed BLAS and BLAS thread count (the number of rows applied at once may change the last bits, as for
// RandomFourier).
//
// Thread safety (both classes): create() plans; apply() is const and reentrant; Nystrom::fit and set_landmarks
// modify the object (no concurrent apply()). On error nothing is changed (strong guarantee).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/matrix.hpp"
#include "kernel/coefficients.hpp"

namespace subq::kernel {

// Eigenvalues of K(L, L) at or below this fraction of the largest one are dropped by Nystrom (see above).
inline constexpr double kNystromRelativeCutoff = 1e-12;

class RandomFourier {
public:
    // Draws W (and b). Throws subq::Error: SUBQ_ERR_PARAM_RANGE (validate(kernel); num_threads or block_rows < 0);
    // SUBQ_ERR_UNSUPPORTED if kernel.kernel is not kGaussian (random Fourier features need a shift-invariant
    // kernel; use Nystrom or FeatureMap for the others); SUBQ_ERR_DIMENSION if input_dim or output_dim < 1, or
    // input_dim or ⌈output_dim/2⌉ exceeds BLAS's 32-bit int or their product overflows.
    // block_rows: rows per BLAS call (dense input); 0 = automatic (2^21 phases per block, 16 … 2048 rows).
    // num_threads: 0 = omp_get_max_threads() at apply time. Memory: d·⌈D/2⌉ doubles for W.
    static std::unique_ptr<RandomFourier> create(const KernelParams &kernel, index_t input_dim, index_t output_dim,
                                                 std::uint64_t seed, std::int64_t num_threads = 0,
                                                 std::int64_t block_rows = 0);

    index_t input_dim() const noexcept { return d_; }
    index_t output_dim() const noexcept { return m_; }
    index_t frequencies() const noexcept { return f_; }  // F = ⌈D/2⌉
    double gamma() const noexcept { return gamma_; }

    // z (n × D) = φ of the n rows of x (n × d), any layouts. Throws SUBQ_ERR_DIMENSION (x has ≠ d columns, z is not
    // n × D; CSR: a leading dimension beyond BLAS's int). NaN/Inf rows give non-finite features (not checked).
    void apply(const DenseView<const double> &x, const DenseView<double> &z) const;
    void apply(const DenseView<const float> &x, const DenseView<float> &z) const;
    void apply_csr(const CsrView<double> &x, const DenseView<double> &z) const;
    void apply_csr(const CsrView<float> &x, const DenseView<float> &z) const;

private:
    RandomFourier() = default;
    template <class T>
    void apply_impl(const DenseView<const T> *x, const CsrView<T> *csr, const DenseView<T> &z) const;

    index_t d_ = 0, m_ = 0, f_ = 0, pairs_ = 0;
    double gamma_ = 0, phase_ = 0;  // phase_: b of the odd column
    std::int64_t num_threads_ = 0, block_rows_ = 0;
    std::vector<double> wt_;  // Wᵀ: d × F row-major (wt_[k·F + j] = W_jk)
};

class Nystrom {
public:
    // Validates; no landmarks yet. Throws subq::Error: SUBQ_ERR_PARAM_RANGE (validate(kernel); num_threads < 0);
    // SUBQ_ERR_DIMENSION (input_dim or output_dim < 1, output_dim beyond LAPACK's 32-bit int).
    // output_dim = the number k of landmarks fit() draws.
    static std::unique_ptr<Nystrom> create(const KernelParams &kernel, index_t input_dim, index_t output_dim,
                                           std::uint64_t seed, std::int64_t num_threads = 0);

    // Draws min(k, n) landmark rows of x (see the file comment) and factors K(L, L). Throws SUBQ_ERR_DIMENSION
    // (x has ≠ d columns or no rows), SUBQ_ERR_NUMERICAL (a NaN/Inf anywhere in x, naming its row and column;
    // kernel values of the landmarks that overflow).
    void fit(const DenseView<const double> &x);
    void fit(const DenseView<const float> &x);
    // Uses the rows of `landmarks` (m × d, m >= 1, duplicates allowed) as they are; output_dim() becomes m. Same
    // errors as fit(). fit(x) is set_landmarks(the drawn rows of x), bit for bit.
    void set_landmarks(const DenseView<const double> &landmarks);
    void set_landmarks(const DenseView<const float> &landmarks);

    bool fitted() const noexcept { return fitted_; }
    index_t input_dim() const noexcept { return d_; }
    const KernelParams &kernel() const noexcept { return kernel_; }
    std::int64_t num_threads() const noexcept { return num_threads_; }  // as created (0 = OpenMP's default)
    // The configured k before the first fit; afterwards the number of landmarks in use.
    index_t output_dim() const noexcept { return fitted_ ? landmark_count_ : k_; }
    // r: the non-zero output columns (0 before fit), and the eigenvalues of K(L, L) in decreasing order (empty before
    // fit). Both factor K(L, L) if that has not happened yet (see "Lazy factorization" above): SUBQ_ERR_NUMERICAL if
    // dsyevd fails.
    index_t rank() const;
    const std::vector<double> &eigenvalues() const;
    // K(L, L) (output_dim() × output_dim() row-major, exact gram() values), kept from fit()/set_landmarks(): what a
    // subset-of-regressors solver (krr/ridge.hpp) needs instead of the features' eigendecomposition.
    const std::vector<double> &landmark_gram() const noexcept { return kll_; }
    const std::vector<double> &landmarks() const noexcept { return landmarks_; }  // output_dim × d row-major
    // Rows of the last fit()'s x that became the landmarks, in landmark order; empty after set_landmarks().
    const std::vector<index_t> &landmark_indices() const noexcept { return indices_; }

    // z (n × output_dim()) = φ of the rows of x. Throws SUBQ_ERR_STATE before fit()/set_landmarks(); SUBQ_ERR_NUMERICAL
    // if the first factorization fails (dsyevd);
    // SUBQ_ERR_DIMENSION (x has ≠ d columns, z has the wrong shape); SUBQ_ERR_NUMERICAL (NaN/Inf in x: gram()
    // checks). CSR input is densified block by block (O(block·d) memory).
    void apply(const DenseView<const double> &x, const DenseView<double> &z) const;
    void apply(const DenseView<const float> &x, const DenseView<float> &z) const;
    void apply_csr(const CsrView<double> &x, const DenseView<double> &z) const;
    void apply_csr(const CsrView<float> &x, const DenseView<float> &z) const;

private:
    Nystrom() = default;
    template <class T>
    void fit_impl(const DenseView<const T> &x);
    template <class T>
    void landmarks_impl(const DenseView<const T> &l);
    // Takes the landmarks (m × d row-major, finite) and computes K(L, L); commits only on success.
    void set(std::vector<double> landmarks, index_t m, std::vector<index_t> indices);
    // The eigendecomposition of K(L, L) behind the features, computed once per set() (thread-safe).
    void ensure_factored() const;
    template <class T>
    void apply_impl(const DenseView<const T> *x, const CsrView<T> *csr, const DenseView<T> &z) const;

    KernelParams kernel_;
    index_t d_ = 0, k_ = 0;
    std::uint64_t seed_ = 0;
    std::int64_t num_threads_ = 0;
    bool fitted_ = false;
    index_t landmark_count_ = 0;
    std::vector<double> landmarks_;  // landmark_count_ × d row-major
    std::vector<double> kll_;        // K(L, L): landmark_count_ × landmark_count_ row-major
    // Lazily computed from kll_ by ensure_factored() under factor_mutex_ (reset by set()).
    mutable std::mutex factor_mutex_;
    mutable bool factored_ = false;
    mutable index_t rank_ = 0;
    mutable std::vector<double> projection_;   // U_r·Λ_r^{−1/2}: landmark_count_ × rank_ row-major
    mutable std::vector<double> eigenvalues_;  // all landmark_count_ eigenvalues, decreasing
    std::vector<index_t> indices_;
};

}  // namespace subq::kernel
