// Wide ReLU networks with a shifted-ReLU sparsifier, a sparse activation tracker and two weight-update
// strategies (design/algorithms.md §6). One class serves the sparse path and the dense BLAS-3 baseline: both
// produce the same per-point sparse activations; only the products differ.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/matrix.hpp"

namespace subq::train {

enum class Variant : int { Normalized = 0, Paper = 1 };  // §6.2: [N] (default) and [P]
enum class UpdateRule : int { EagerSparse = 1, LazyLowRank = 2 };
enum class Mode : int { Sparse = 0, Dense = 1 };

// Phases whose work is counted.
enum Phase : int { kForward = 0, kBackward = 1, kUpdate = 2, kRebuild = 3, kGram = 4, kSolve = 5, kPhaseCount = 6 };

struct Counters {
    std::array<std::int64_t, kPhaseCount> muladds{};  // multiply-adds
    std::array<std::int64_t, kPhaseCount> bytes{};    // bytes of weight storage read or written
};

// Q(b) = P(z > b) for z ~ N(0, 1); its inverse; c_b = E max(z - b, 0)^2; the default threshold sqrt(0.4 ln m).
double gaussian_tail(double b);
double gaussian_tail_inverse(double p);
double shifted_relu_second_moment(double b);
double default_threshold(std::int64_t width);

enum class GnSolver : int { Automatic = 0, Cholesky = 1, SketchedCg = 2 };

// Options of a Gauss–Newton step (design §6.6, §6.8).
struct GnOptions {
    GnSolver solver = GnSolver::Automatic;  // automatic: Cholesky for n k <= 1024, sketched PCG above
    double damping = 1e-10;                 // mu_0 = damping * tr(G) / (n k)
    std::int64_t sketch_rows = 0;           // TensorSRHT rows per layer; 0 = 4 n k
    double cg_tolerance = 1e-10;
    std::int64_t cg_max_iterations = 100;
    int max_retries = 8;                    // Levenberg–Marquardt retries when a step would raise the loss
};

// What subq_net_fit runs: solver, iterations, early-stop tolerance, batch size.
struct FitOptions {
    int solver = 1;               // 1 Gauss–Newton, 2 gradient descent (subq_net_solver)
    std::int64_t iterations = 10;
    double tolerance = 0;         // stop once sqrt(loss / first loss) <= tolerance
    std::int64_t batch_size = 64; // 0 = all rows
};

struct Options {
    std::int64_t input_dim = 0;  // d
    std::int64_t width = 0;      // m
    std::int64_t depth = 0;      // L
    std::int64_t outputs = 1;    // k
    double threshold = 0;        // b (resolved)
    Variant variant = Variant::Normalized;
    UpdateRule update = UpdateRule::EagerSparse;
    std::int64_t max_rank = 0;  // lazy buffer rank that triggers a rebuild; 0 = max(256, 4 n) at the first update
    Mode mode = Mode::Sparse;
    std::uint64_t seed = 0;
    std::int64_t threads = 0;
    double learning_rate = 0;  // GD step size; 0 = 1/lambda_max(G) of the first batch
    GnOptions gn;
    FitOptions fit;
};

// Allocator of the weight storage. Blocks of 2 MiB or more are 2 MiB-aligned and advised to use transparent huge
// pages (Linux madvise(MADV_HUGEPAGE); a no-op elsewhere or when THP is off). The sparse backward and update read
// and write a few hundred scattered rows in each of a few hundred columns per point, i.e. thousands of distinct
// 4 KiB pages per point, far more than the TLB holds; with 2 MiB pages an m x m float32 layer (1 GiB at
// m = 16384) spans 512 pages. Values and layout are unchanged.
void *allocate_weights(std::size_t bytes);
void free_weights(void *p, std::size_t bytes) noexcept;
template <class T>
struct WeightAllocator {
    using value_type = T;
    WeightAllocator() = default;
    template <class U>
    WeightAllocator(const WeightAllocator<U> &) noexcept {}
    T *allocate(std::size_t count) { return static_cast<T *>(allocate_weights(count * sizeof(T))); }
    void deallocate(T *p, std::size_t count) noexcept { free_weights(p, count * sizeof(T)); }
    template <class U>
    bool operator==(const WeightAllocator<U> &) const noexcept { return true; }
};

// Sparse rows: row i holds sorted indices and their values (activations, or backward vectors).
struct SparseRows {
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> index;
    std::vector<double> value;
    std::int64_t rows() const { return static_cast<std::int64_t>(indptr.size()) - 1; }
    std::int64_t count(std::int64_t i) const { return indptr[i + 1] - indptr[i]; }
    std::span<const std::int32_t> idx(std::int64_t i) const {
        return {index.data() + indptr[i], static_cast<std::size_t>(count(i))};
    }
    std::span<const double> val(std::int64_t i) const {
        return {value.data() + indptr[i], static_cast<std::size_t>(count(i))};
    }
};

// Everything a forward pass leaves for the backward pass and the statistics.
struct Batch {
    std::int64_t n = 0;
    std::vector<SparseRows> u;                // u[0]: normalised inputs; u[l]: layer-l activations (support = S_{i,l})
    std::vector<std::vector<double>> hnorm;   // hnorm[l][i] = ||h_{i,l}|| (variant N), l = 1..L
    std::vector<double> f;                    // n x k outputs, row-major
};

struct GnReport {
    double loss_before = 0, loss_after = 0;
    double damping = 0;                     // mu of the accepted (or last tried) step
    GnSolver solver = GnSolver::Cholesky;   // the one used
    std::int64_t cg_iterations = 0;
    double cg_relative_residual = 0;
    int retries = 0;
    bool accepted = false;
};

struct LayerStats {
    double fired_mean = 0;
    std::int64_t fired_min = 0, fired_max = 0;
    std::int64_t dead_points = 0;  // points with no fired neuron in this layer
    double drift = -1;             // mean #(S_prev Δ S)/#S_prev against the previous step; -1 when not comparable
    double coverage = 0;           // #(union of fired sets) / m
};

template <class T>
class Network {
public:
    // Draws the weights (the only Theta(m^2) phase), or leaves them zero when `draw_weights` is false (loading).
    explicit Network(const Options &options, bool draw_weights = true);

    const Options &options() const { return opt_; }
    std::int64_t rank(std::int64_t layer) const { return layers_[layer].rank; }

    // Forward pass on n inputs (rows of x, either layout). Fills `batch` (including f). Thread-safe (const).
    void forward(const DenseView<const T> &x, Batch &batch, Counters *counters) const;

    // Backward vectors v_{i,l} = d(w_i . f_i)/d g_{i,l} for the top weights w_i = sum_c top[i*k + c] A_c
    // (row-major n x k), l = 1..L; v[0] is unused. Thread-safe (const).
    std::vector<SparseRows> backward(const Batch &batch, std::span<const double> top, Counters *counters) const;

    // Adds -lr * sum_i v_{i,l} u_{i,l-1}^T to every W_l (eager scatter-add, lazy append, or dense GEMM).
    void update(const Batch &batch, const std::vector<SparseRows> &v, double lr, Counters *counters);

    // Jacobian Gram G = J J^T over (point, output) pairs, (n k) x (n k) row-major, index i*k + c:
    // G = sum_l (U_{l-1}^T U_{l-1}) ∘ (V_l^T V_l) — the m^2-long Jacobian rows are never formed.
    std::vector<double> jacobian_gram(const Batch &batch, Counters *counters) const;
    // The same from precomputed factors V[c][l] = v^(c)_{., l} (jacobian_factors()).
    std::vector<double> jacobian_gram(const Batch &batch, const std::vector<std::vector<SparseRows>> &V,
                                      Counters *counters) const;
    // Backward vectors for each output c (top = e_c for every point): the Jacobian's second factors.
    std::vector<std::vector<SparseRows>> jacobian_factors(const Batch &batch, Counters *counters = nullptr) const;
    // backward(batch, c) from the factors: sum_c c[i*k + c] V[c][l]_i for every point i and layer l (the backward
    // pass is linear in its top weights); n k s multiply-adds per layer instead of a pass through the weights.
    std::vector<SparseRows> combine_factors(const std::vector<std::vector<SparseRows>> &V, std::span<const double> c,
                                            Counters *counters) const;

    // TensorSRHT sketch of each layer's Jacobian transpose from its factors (design §6.8): for layer l, the columns
    // u_{i,l-1} ⊗ v^(c)_{i,l} are sketched to `rows` entries without being formed; fresh randomness per layer and
    // per `stream`. Returns the stacked (L rows) x (n k) matrix SA, row-major, with SA^T SA ≈ G.
    std::vector<double> sketch_jacobian(const Batch &batch, const std::vector<std::vector<SparseRows>> &V,
                                        std::int64_t rows, std::uint64_t stream, Counters *counters) const;

    // One gradient-descent step on 0.5 * sum ||f_i - y_i||^2 (y row-major n x k). lr <= 0 means 1/lambda_max(G)
    // of the first such batch (kept for later steps). Returns the loss before the step; fills stats (one per layer;
    // drift only when the batch is the previous step's batch again) and the learning rate used.
    double step_gd(const DenseView<const T> &x, const double *y, double lr, std::vector<LayerStats> &stats,
                   double *lr_used, Counters *counters);

    // One Gauss–Newton step: solve (G + mu I) c = f - y, W_l <- W_l - sum_{i,c} c_{ic} v^(c)_{i,l} u_{i,l-1}^T,
    // with Levenberg–Marquardt damping raised and the step retried whenever it would raise the loss (the loss
    // never increases). Returns the loss before the step.
    double step_gn(const DenseView<const T> &x, const double *y, const GnOptions &options,
                   std::vector<LayerStats> &stats, GnReport *report, Counters *counters);

    // Statistics of a forward pass; drift against `previous` fired sets when it has the same n.
    std::vector<LayerStats> statistics(const Batch &batch, const Batch *previous) const;

    // W_l as a dense column-major matrix (B + P Q^T), rows x cols = m x m_{l-1}. Layers are 1-based.
    std::vector<double> weights(std::int64_t layer) const;
    std::int64_t layer_cols(std::int64_t layer) const { return layers_[layer].cols; }
    // The fixed output weights, k x m row-major (+-1, times 1/sqrt(m c_b) in variant P).
    const std::vector<double> &output_weights() const { return a_; }

    // Replaces W_l by `w` (column-major m x m_{l-1}); resets the lazy buffer. For tests and loading.
    void set_weights(std::int64_t layer, std::span<const double> w);
    void set_stored_weights(std::int64_t layer, std::span<const T> w);  // in the storage type
    void set_output_weights(std::span<const double> a);
    // The automatic GD step size found at the first step (0 before), kept across save/load.
    double automatic_learning_rate() const { return auto_lr_; }
    void set_automatic_learning_rate(double lr) { auto_lr_ = lr; }

private:
    struct Layer {
        std::int64_t rows = 0, cols = 0;
        std::vector<T, WeightAllocator<T>> B;  // column-major rows x cols
        std::vector<T> P, Q;                   // lazy buffer, row-major rows x cap and cols x cap
        std::int64_t rank = 0, cap = 0;
    };

    // SUBQ_ERR_INVALID_ARG unless 1 <= l <= L; SUBQ_ERR_DIMENSION unless entries (if >= 0) fits W_l.
    void check_layer(std::int64_t l, std::int64_t entries) const;
    std::int64_t gather_forward(const Layer &layer, const SparseRows &in, std::vector<T> &g) const;
    void dense_forward(const Layer &layer, const SparseRows &in, std::vector<T> &g) const;
    SparseRows normalised_inputs(const DenseView<const T> &x) const;
    void propagate(Batch &batch, Counters *counters) const;  // layers 1..L and f from batch.u[0]
    double residual(const Batch &batch, const double *y, std::vector<double> &r) const;
    void rebuild(Layer &layer, Counters *counters);

    Options opt_;
    std::vector<Layer> layers_;      // 1..L (index 0 unused)
    std::vector<double> a_;          // k x m output weights
    double auto_lr_ = 0;             // 1/lambda_max(G) of the first step_gd batch, when lr <= 0
    Batch previous_;                 // the last step's forward pass, for drift
    Batch accepted_;                 // the forward pass after the last Gauss–Newton step (reused for the same batch)
    double lm_ = 0;                  // Levenberg–Marquardt damping carried between Gauss–Newton steps
    std::uint64_t gn_steps_ = 0;     // numbers the sketch streams of successive Gauss–Newton steps
};

}  // namespace subq::train
