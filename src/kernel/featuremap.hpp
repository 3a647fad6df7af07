// Kernel feature maps through Taylor series (design/algorithms.md §4.4–§4.5): features φ(x) with
// E⟨φ(x), φ(y)⟩ = k_{q_max}(x, y), the kernel truncated after degree q_max, from tree sketches of x^{⊗ℓ}.
//
//   polynomial  (γ⟨x,y⟩ + c)^p: one degree-p tree sketch of x̃ = [√γ·x; √c] (exact series, no sampling);
//   Gaussian    e^{−γ‖x−y‖²} = e^{−γ‖x‖²}e^{−γ‖y‖²}·Σ_ℓ ⟨z_x,z_y⟩^ℓ/ℓ!, z = √(2γ)·x: degree-sampled blocks of z, each
//               row multiplied by e^{−γ‖x‖²};
//   arc-cos 0/1, ReLU NTK: ‖x‖^h‖y‖^h·Σ_ℓ c_ℓ t^ℓ: degree-sampled blocks of x̂ = x/‖x‖, each row multiplied by
//               ‖x‖^h (a zero row has x̂ = 0: only the degree-0 coordinate survives, times 0^h).
// Degree sampling (the library's own scheme, §4.4 — SWYZ21's is not published): column 0 is the exact degree-0
// term √c₀; the other D − 1 columns form B = ⌊(D−1)/g⌋ blocks of granularity g, k_ℓ of them for degree ℓ, drawn by
// systematic sampling with probabilities p_ℓ ∝ c_ℓρ^ℓ (ℓ = 1..q_max), so Σ k_ℓ = B and E k_ℓ = B·p_ℓ; degree ℓ gets
// a tree sketch of width k_ℓ·g (the D − 1 − B·g leftover columns widen the largest block) scaled by
// s_ℓ = √(c_ℓ·k_ℓ/(p_ℓ·B)), which makes every degree unbiased. `deterministic` rounds k_ℓ = round(B·p_ℓ) instead
// (biased, less variance). All blocks share one leaf pass (tree.hpp: identity leaves for low-dimensional input,
// else one shared leaf map).
//
// Thread safety: create() is the plan; apply() is const and reentrant. Results are bit-identical for any thread
// count and row-block size.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/matrix.hpp"
#include "kernel/coefficients.hpp"
#include "sketch/tree.hpp"

namespace subq::kernel {

enum class Allocation : int { kSampled = 0, kDeterministic = 1 };

struct FeatureMapParams {
    KernelParams kernel;
    index_t input_dim = 0;        // d
    index_t output_dim = 0;       // D
    index_t granularity = 64;     // g; blocks are multiples of it (calibrated: benchmarks/RESULTS.md)
    double tolerance = 1e-3;      // τ: q_max is the smallest degree with tail <= τ·total
    std::int64_t max_degree = 0;  // q_cap; 0 = 64 for the Gaussian, 1024 otherwise
    double radius = 1.0;          // R: rows are assumed to have ‖x‖ <= R (Gaussian: ρ = 2γR²)
    Allocation allocation = Allocation::kSampled;
    int leaf_mode = 0;  // a sketch::LeafMode; 0 = identity for low-dimensional input, else shared
    std::uint64_t seed = 0;
    std::int64_t num_threads = 0;
    std::int64_t block_rows = 0;
};

class FeatureMap {
public:
    // Validates and plans: coefficients, q_max and its tail, the degree allocation, the tree sketch. Throws
    // subq::Error (SUBQ_ERR_PARAM_RANGE, SUBQ_ERR_DIMENSION, SUBQ_ERR_OUT_OF_MEMORY) naming the parameter.
    static std::unique_ptr<FeatureMap> create(const FeatureMapParams &p);

    index_t input_dim() const noexcept { return d_; }
    const KernelParams &kernel() const noexcept { return params_.kernel; }
    index_t output_dim() const noexcept { return m_; }
    const Truncation &truncation() const noexcept { return trunc_; }  // q_max, its tail and total
    // Columns of degree ℓ (0 if the degree drew no block); ℓ = 0 has the one exact column.
    index_t degree_columns(std::int64_t degree) const noexcept;
    const sketch::TreeSketch &tree() const noexcept { return *tree_; }

    // z (n × D) = φ of the n rows of x (n × d). A NaN or infinite entry throws SUBQ_ERR_NUMERICAL naming its row,
    // before anything is written. A zero row is valid: x̂ = 0, so only the degree-0 column is non-zero (times 0^h).
    void apply(const DenseView<const double> &x, const DenseView<double> &z) const;
    void apply(const DenseView<const float> &x, const DenseView<float> &z) const;
    void apply_csr(const CsrView<double> &x, const DenseView<double> &z) const;
    void apply_csr(const CsrView<float> &x, const DenseView<float> &z) const;

private:
    FeatureMap() = default;
    template <class T>
    void apply_impl(const DenseView<const T> *x, const CsrView<T> *csr, const DenseView<T> &z) const;

    FeatureMapParams params_;
    index_t d_ = 0, m_ = 0;
    Truncation trunc_;
    double c0_ = 0;                 // the degree-0 coefficient (its column is √c₀ times the row factor)
    bool normalize_ = false;        // the tree reads x/‖x‖ (normalised kernels)
    std::vector<index_t> columns_;  // columns_[ℓ]: width of degree ℓ (ℓ = 0..q_max)
    std::unique_ptr<sketch::TreeSketch> tree_;
};

}  // namespace subq::kernel
