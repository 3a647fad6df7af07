// Base sketches (design/algorithms.md §2): CountSketch, OSNAP, SRHT, Gaussian, TensorSketch, TensorSRHT.
//
// A Sketch is a plan: create() validates the parameters and derives every random object (or the stream ids for
// on-the-fly hashing); apply*() are const, reentrant and allocate only per-call workspace. Every random value is
// a pure function of (seed, stream id, element index) (core/rng.hpp), and there are no cross-row reductions, so the
// output is bit-identical for any thread count and row-block size.
//
// Stream ids: rng::stream({kSketchKindId, type, factor, component, role}); `factor` numbers the tensor factors of
// TensorSketch/TensorSRHT (0 otherwise), `component` the OSNAP blocks (0 otherwise).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/fft.hpp"
#include "core/matrix.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"

namespace subq::sketch {

enum class Type : int {
    kCountSketch = 1,
    kOsnap = 2,
    kSrht = 3,
    kGaussian = 4,
    kTensorSketch = 5,
    kTensorSrht = 6,
    kTree = 7  // TreeSketch (tree.hpp): created from TreeParams, not from Params
};
const char *type_name(Type t) noexcept;

constexpr std::uint64_t kSketchKindId = 1;                // SUBQ_KIND_SKETCH: the first element of every stream path
constexpr index_t kDefaultTableLimit = index_t{1} << 20;  // input dims above this hash on the fly
constexpr index_t kDefaultBlockRows = 256;
constexpr std::size_t kChunkBytes = 256 * 1024;  // internal row chunks stay about this size (L2-resident)

struct Params {
    int type = 0;               // a Type value
    index_t input_dim = 0;      // d (of x; of the first factor a for pairs)
    index_t input_dim2 = 0;     // second factor dimension (TensorSRHT, TensorSketch p = 2); 0 = input_dim
    index_t output_dim = 0;     // m (OSNAP: rounded up to a multiple of the sparsity)
    std::int64_t degree = 2;    // TensorSketch p; TensorSRHT requires 2; ignored otherwise
    std::int64_t sparsity = 4;  // OSNAP s; ignored otherwise
    std::uint64_t seed = 0;
    std::int64_t num_threads = 0;              // 0 = OpenMP's maximum at call time
    std::int64_t block_rows = 0;               // 0 = 256
    index_t table_limit = kDefaultTableLimit;  // a factor of dimension > table_limit hashes on the fly
    bool balanced = false;  // SRHT/TensorSRHT: sample indices in random permutations of [P] (tree nodes; tree.hpp)
};

// (bucket, value) pairs of a hashing sketch: input coordinate i has `s` entries, entry t at row t·b + h_t(i) with
// value σ_t(i)·scale. h_t(i) = below(w0, b), σ_t(i) = sign of w1, (w0, w1, ...) = philox(seed, stream_t, i).
// Tables are built at create time when d <= table_limit; otherwise every entry is recomputed on the fly.
class HashMap {
public:
    HashMap() = default;
    HashMap(std::uint64_t seed, int type, std::uint64_t factor, index_t d, std::uint32_t b, int s, double scale,
            bool table);

    index_t dim() const noexcept { return d_; }
    int components() const noexcept { return s_; }
    bool has_table() const noexcept { return !rows_.empty(); }
    void entry(index_t i, int t, std::uint32_t &row, double &value) const noexcept {
        if (!rows_.empty()) {
            const std::size_t k =
                static_cast<std::size_t>(i) * static_cast<std::size_t>(s_) + static_cast<std::size_t>(t);
            row = rows_[k];
            value = values_[k];
        } else {
            compute(i, t, row, value);
        }
    }
    // o[row] += value·x_i for every entry of every i in [0, d), in order of i then t.
    void add_dense(const double *x, double *o) const noexcept;
    // The same over the nonzeros (idx[k], v[k]), k in [0, nnz), in the given order.
    template <class V>
    void add_sparse(const index_t *idx, const V *v, index_t nnz, double *o) const noexcept {
        for (index_t k = 0; k < nnz; ++k) {
            const double xv = static_cast<double>(v[k]);
            for (int t = 0; t < s_; ++t) {
                std::uint32_t r;
                double w;
                entry(idx[k], t, r, w);
                o[r] += w * xv;
            }
        }
    }

private:
    void compute(index_t i, int t, std::uint32_t &row, double &value) const noexcept;
    std::uint64_t seed_ = 0;
    index_t d_ = 0;
    std::uint32_t b_ = 1;
    int s_ = 1;
    double scale_ = 1.0;
    std::vector<rng::Stream> streams_;
    std::vector<std::uint32_t> rows_;
    std::vector<double> values_;
};

// A Rademacher diagonal of dimension d: σ(i) = sign of philox(seed, stream, i)[0]. Tabled when d <= table_limit, as
// floats (±1 exactly): a tree sketch's nodes read all their sign tables for every row, and at half the bytes of
// doubles the Taylor feature maps with many nodes got faster (D = 4096 on 20,000 Fashion-MNIST rows: Gaussian γ = 5,
// degree 21, 4–8%; arc-cos 0, degree 1024, 10%; the few-node maps unchanged). A bit per sign, expanded through a
// byte → sign-mask table, and 16-bit TensorSRHT indices were no faster.
class SignVector {
public:
    SignVector() = default;
    SignVector(std::uint64_t seed, rng::Stream stream, index_t d, bool table);
    double at(index_t i) const noexcept {
        return table_.empty() ? rng::sign_of(rng::philox(seed_, stream_, static_cast<std::uint64_t>(i))[0])
                              : static_cast<double>(table_[static_cast<std::size_t>(i)]);
    }
    // out[j] = σ(j)·x[j] for j < d, out[j] = 0 for j in [d, padded).
    void apply(const double *x, double *out, index_t padded) const noexcept;
    bool has_table() const noexcept { return !table_.empty(); }

private:
    std::uint64_t seed_ = 0;
    rng::Stream stream_{0};
    index_t d_ = 0;
    std::vector<float> table_;
};

// Per-thread scratch of one apply call; the sketch sizes it (prepare()).
struct Workspace {
    index_t chunk = 0;                 // rows per internal chunk
    fft::Buffer<double> in;            // gathered input rows (row-major, double)
    fft::Buffer<double> out;           // output rows (row-major, double) before the store into z
    fft::Buffer<double> scratch;       // kernel-specific
    fft::Buffer<fftw_complex> c1, c2;  // TensorSketch bins
    fft::Buffer<double> tree;          // TreeSketch: leaf and node buffers of the chunk
    std::vector<std::unique_ptr<Workspace>> children;  // TreeSketch: the workspaces of its leaves and nodes
};

// Sparse rows for the kernels: values are either double or float (exactly one of vd, vf is set).
struct CsrRows {
    const index_t *indptr = nullptr;  // rows + 1 offsets (absolute positions in indices/values)
    const index_t *indices = nullptr;
    const double *vd = nullptr;
    const float *vf = nullptr;
};

class Sketch {
public:
    // Validates `p` and builds the plan. Throws subq::Error (SUBQ_ERR_INVALID_ARG, SUBQ_ERR_DIMENSION,
    // SUBQ_ERR_PARAM_RANGE, SUBQ_ERR_UNSUPPORTED) with a message naming the parameter.
    static std::unique_ptr<Sketch> create(const Params &p);
    virtual ~Sketch() = default;

    Type type() const noexcept { return type_; }
    std::uint64_t seed() const noexcept { return seed_; }
    index_t input_dim() const noexcept { return d1_; }
    index_t input_dim2() const noexcept { return d2_; }  // 0 for types without a second factor
    index_t output_dim() const noexcept { return m_; }
    bool supports_pair() const noexcept { return d2_ > 0; }
    // Whether apply(x) is defined (x⊗x for TensorSRHT, x^{⊗p} for TensorSketch need equal factor dimensions).
    bool supports_single() const noexcept { return d2_ == 0 || d2_ == d1_; }

    // z (n×m) = sketch of the n rows of x (n×d). x and z must not overlap.
    void apply(const DenseView<const double> &x, const DenseView<double> &z) const;
    void apply(const DenseView<const float> &x, const DenseView<float> &z) const;
    void apply_csr(const CsrView<double> &x, const DenseView<double> &z) const;
    void apply_csr(const CsrView<float> &x, const DenseView<float> &z) const;
    // z = sketch of a_i ⊗ b_i (TensorSRHT; TensorSketch with p = 2).
    void apply_pair(const DenseView<const double> &a, const DenseView<const double> &b,
                    const DenseView<double> &z) const;
    void apply_pair(const DenseView<const float> &a, const DenseView<const float> &b, const DenseView<float> &z) const;

    // ---- kernels over a chunk of rows (internal; public for tests) --------------------------------------------
    // Row i of the chunk reads x + i·ldx (d1 values) and writes out + i·ldo (m values).
    virtual void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo,
                            Workspace &ws) const = 0;
    virtual void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const = 0;
    virtual void pair_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *out,
                           index_t ldo, Workspace &ws) const;

    // Optional fused float32 output (row-major rows of out + i·ldo, each value the float64 result rounded once, so
    // bit-identical to dense_rows followed by a conversion). Returns false if the sketch has no such kernel.
    virtual bool dense_rows_f32(const double *, index_t, index_t, float *, index_t, Workspace &) const { return false; }

    // A workspace for calling the kernels above on up to `chunk` rows (a composite sketch runs its parts with it).
    std::unique_ptr<Workspace> make_workspace(index_t chunk) const;

protected:
    Sketch(Type t, const Params &p, index_t d1, index_t d2, index_t m);
    // Allocates the kernel-specific parts of ws for ws.chunk rows.
    virtual void prepare(Workspace &ws) const;
    // Doubles of kernel scratch per row (used to size internal chunks so they stay cache-resident).
    virtual index_t scratch_per_row() const { return 0; }
    // Gaussian overrides: apply a dense input in one BLAS call; returns false if not applicable.
    virtual bool apply_blas(const DenseView<const double> &, const DenseView<double> &) const { return false; }
    virtual bool apply_blas(const DenseView<const float> &, const DenseView<float> &) const { return false; }

    Type type_;
    std::uint64_t seed_;
    index_t d1_, d2_, m_;
    std::int64_t num_threads_;
    index_t block_rows_;
    bool tables_;

    // Splits n rows into blocks of block_rows_ over the handle's threads and calls chunk_fn(first row, rows, ws) on
    // chunks of each block; ws is the thread's workspace, with `in_per_row` input doubles per row.
    template <class F>
    void run_blocks(index_t n, index_t in_per_row, F &&chunk_fn) const;

private:
    // SUBQ_ERR_UNSUPPORTED for pair-only sketches, SUBQ_ERR_DIMENSION unless cols is the input dimension.
    void check_single_input(index_t cols) const;
    template <class T>
    void apply_dense_impl(const DenseView<const T> &x, const DenseView<T> &z) const;
    template <class T>
    void apply_csr_impl(const CsrView<T> &x, const DenseView<T> &z) const;
    template <class T>
    void apply_pair_impl(const DenseView<const T> &a, const DenseView<const T> &b, const DenseView<T> &z) const;
};

// ---- the concrete sketches (declared for tests, which rebuild the explicit matrices from their tables) ----------

// CountSketch (s = 1, scale 1) and OSNAP (s blocks of b = m/s rows, entries ±1/√s).
class HashSketch final : public Sketch {
public:
    HashSketch(Type t, const Params &p, index_t m, int s);
    const HashMap &map() const noexcept { return map_; }
    void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const override;

private:
    HashMap map_;
};

// SRHT: m^{-1/2}·R·H_P·D_σ, R = m indices of [P] drawn uniformly with replacement.
class Srht final : public Sketch {
public:
    explicit Srht(const Params &p);
    index_t padded_dim() const noexcept { return P_; }
    double sign(index_t i) const noexcept { return signs_.at(i); }
    std::uint32_t index(index_t k) const noexcept { return idx_[static_cast<std::size_t>(k)]; }
    void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    bool dense_rows_f32(const double *x, index_t ldx, index_t rows, float *out, index_t ldo,
                        Workspace &ws) const override;

protected:
    void prepare(Workspace &ws) const override;
    index_t scratch_per_row() const override { return P_; }

private:
    template <class O>
    void finish(index_t rows, double *buf, O *out, index_t ldo) const;
    index_t P_;
    SignVector signs_;
    std::vector<std::uint32_t> idx_;
    double scale_;
};

// Gaussian: G (m×d) with i.i.d. N(0, 1/m) entries, stored transposed (d×m) in float64 and float32.
class Gaussian final : public Sketch {
public:
    explicit Gaussian(const Params &p);
    double entry(index_t r, index_t j) const noexcept {
        return gt_[static_cast<std::size_t>(j) * static_cast<std::size_t>(m_) + static_cast<std::size_t>(r)];
    }
    void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const override;

protected:
    bool apply_blas(const DenseView<const double> &x, const DenseView<double> &z) const override;
    bool apply_blas(const DenseView<const float> &x, const DenseView<float> &z) const override;

private:
    std::vector<double> gt_;  // gt_[j·m + r] = G[r][j]
    std::vector<float> gtf_;
};

// TensorSketch of degree p: IFFT_m(Π_k FFT_m(C_k x)), circular, unscaled. Factor k hashes with C_k (CountSketch).
class TensorSketch final : public Sketch {
public:
    TensorSketch(const Params &p, index_t d2);
    int degree() const noexcept { return static_cast<int>(maps_.size()); }
    const HashMap &map(int k) const noexcept { return maps_[static_cast<std::size_t>(k)]; }
    void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void pair_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *out, index_t ldo,
                   Workspace &ws) const override;

protected:
    void prepare(Workspace &ws) const override;

private:
    // Multiplies the spectrum of factor k (its CountSketch in ws.scratch) into ws.c1.
    void accumulate(int k, Workspace &ws) const;
    void finish(Workspace &ws, double *o) const;
    std::vector<HashMap> maps_;
    std::unique_ptr<fft::RealPlan> plan_;
};

// TensorSRHT (degree 2): S(a⊗b)_k = m^{-1/2}·(H D₁ a)_{p_k}·(H D₂ b)_{q_k}, (p_k, q_k) uniform with replacement.
class TensorSrht final : public Sketch {
public:
    TensorSrht(const Params &p, index_t d2);
    index_t padded_dim1() const noexcept { return P1_; }
    index_t padded_dim2() const noexcept { return P2_; }
    double sign1(index_t i) const noexcept { return s1_.at(i); }
    double sign2(index_t i) const noexcept { return s2_.at(i); }
    std::uint32_t index1(index_t k) const noexcept { return p_[static_cast<std::size_t>(k)]; }
    std::uint32_t index2(index_t k) const noexcept { return q_[static_cast<std::size_t>(k)]; }
    void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void pair_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *out, index_t ldo,
                   Workspace &ws) const override;
    // The two halves of pair_rows. transform_rows: A = H·D₁·a (rows × P1) and B = H·D₂·b (rows × P2), row-major;
    // sample_rows: out_k = m^{-1/2}·A_{p_k}·B_{q_k} per row. A tree whose first-level nodes all read the same leaf
    // rows transforms them once with one node's signs and lets every node sample its own indices (tree.cpp).
    void transform_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *A,
                        double *B) const;
    void sample_rows(const double *A, const double *B, index_t rows, double *out, index_t ldo) const;

protected:
    void prepare(Workspace &ws) const override;
    index_t scratch_per_row() const override { return P1_ + P2_; }

private:
    index_t P1_, P2_;
    SignVector s1_, s2_;
    std::vector<std::uint32_t> p_, q_;
    double scale_;
};

// ---- template definitions ----------------------------------------------------------------------------------

template <class F>
inline void Sketch::run_blocks(index_t n, index_t in_per_row, F &&chunk_fn) const {
    if (n <= 0) return;
    const index_t block = block_rows_;
    const index_t nblocks = n / block + (n % block != 0 ? 1 : 0);
    int threads = thread_count(num_threads_);
    if (threads > nblocks) threads = static_cast<int>(nblocks);
    if (threads < 1) threads = 1;
    const index_t per_row = in_per_row + m_ + scratch_per_row();
    index_t chunk = static_cast<index_t>(kChunkBytes / (sizeof(double) * static_cast<std::size_t>(per_row)));
    chunk = std::clamp<index_t>(chunk, 1, block);
    // Size every buffer up front so that overflow is reported before any work starts.
    checked_bytes(checked_mul(chunk, per_row, "sketch workspace"), sizeof(double), "sketch workspace");
    std::vector<std::unique_ptr<Workspace>> wss(static_cast<std::size_t>(threads));
    parallel_for(threads, nblocks, [&](std::int64_t b) {
        const int tid = threads > 1 ? omp_get_thread_num() : 0;
        auto &w = wss[static_cast<std::size_t>(tid)];
        if (!w) {
            auto fresh = std::make_unique<Workspace>();
            fresh->chunk = chunk;
            fresh->in.reset(static_cast<std::size_t>(chunk * in_per_row));
            fresh->out.reset(static_cast<std::size_t>(chunk * m_));
            prepare(*fresh);
            w = std::move(fresh);
        }
        const index_t r0 = b * block;
        const index_t r1 = std::min(n, r0 + block);
        for (index_t c = r0; c < r1; c += chunk) chunk_fn(c, std::min(chunk, r1 - c), *w);
    });
}

}  // namespace subq::sketch
