// Sketches of x^{⊗q} (design/algorithms.md §3): the recursive tree of AKK+20 with independent leaves, the
// identity leaf, and the shared-leaf sketch of SWYZ21 (one leaf map T applied once, then the tree on Tx).
//
// The map is  z = [s_1·Tree_1(x̃); s_2·Tree_2(x̃); ...]  with x̃ = [√γ·x; √c] (the extra coordinate only when c > 0),
// one block per requested degree. Block b is a binary tree of degree q_b over leaves L_1..L_{q_b}:
//   * leaves: `identity` (L_j = x̃), `independent` (L_j independent sketches d̃ → leaf_dim), or `shared` (L_j = T x̃
//     for one sketch T: d̃ → leaf_dim). Leaves are shared by all blocks, so all degrees are served by one leaf
//     pass (each block on its own is unbiased with identity/independent leaves, by linearity the weighted stack too);
//   * q_b is padded to q' = 2^⌈log₂ q_b⌉ with e₁ in the leaf output space (never zeros); every subtree made only of
//     padding is a constant computed once at create time;
//   * internal nodes are independent degree-2 sketches (TensorSRHT by default, or TensorSketch) of width
//     node_dim; the root has the block's width. A degree-1 block is one SRHT of its leaf to the block's width, or,
//     when the block is at least as wide as the leaf, the leaf itself zero-padded (exact).
//   * deviation from AKK+20: every SRHT and TensorSRHT inside the tree draws its sample indices in random
//     permutations of [P] (Params::balanced) rather than i.i.d. with replacement: each index is still uniform, so
//     nodes stay unbiased, with less sampling variance (on Fashion-MNIST q = 2: relF 0.070 -> 0.047; RESULTS.md).
// Evaluation is depth-first over each chunk of rows: at most 2·⌈log₂ q'⌉ live node buffers plus the leaf buffers.
//
// Randomness: every leaf and node is a base sketch whose seed is derived from (seed, object path) through Philox:
// leaves path {kTreeKindId, 0, 0, j}, node (level l, index j) of block b path {kTreeKindId, b + 1, l, j}. Leaf j is
// the same in every block. Results are bit-identical for any thread count and row-block size.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sketch/sketch.hpp"

namespace subq::sketch {

constexpr std::uint64_t kTreeKindId = 2;  // SUBQ_KIND_TREE_SKETCH: the first element of every tree object path

enum class LeafMode : int { kAuto = 0, kIdentity = 1, kIndependent = 2, kShared = 3 };
enum class LeafType : int { kAuto = 0, kCountSketch = 1, kOsnap = 2, kSrht = 3, kOsnapSrht = 4 };
const char *leaf_mode_name(LeafMode m) noexcept;
const char *leaf_type_name(LeafType t) noexcept;

// One output block: the degree-q sketch of x̃, `width` columns, multiplied by `scale`.
struct TreeBlock {
    std::int64_t degree = 1;
    index_t width = 0;
    double scale = 1.0;
};

struct TreeParams {
    index_t input_dim = 0;          // d
    index_t output_dim = 0;         // D: the width of every block built from `degree` (ignored if `blocks` is set)
    std::int64_t degree = 2;        // q
    bool all_degrees = false;       // blocks of degrees 1..q (each of width D) instead of one block of degree q
    std::vector<TreeBlock> blocks;  // explicit blocks (the feature maps); overrides output_dim/degree/all_degrees
    int leaf_mode = 0;              // a LeafMode
    int leaf_type = 0;              // a LeafType
    index_t leaf_dim = 0;           // leaf output dimension; 0 = default_leaf_dim()
    index_t leaf_hash_dim = 0;      // OSNAP→SRHT leaves: the OSNAP stage's dimension; 0 = 4·leaf_dim
    std::int64_t sparsity = 4;      // OSNAP leaves: nonzeros per column
    int node_type = static_cast<int>(Type::kTensorSrht);  // kTensorSrht or kTensorSketch
    index_t node_dim = 0;  // internal node width w; 0 = per block, the smallest power of two >= its width
    double gamma = 1.0;    // γ > 0
    double coef0 = 0.0;    // c >= 0
    std::uint64_t seed = 0;
    std::int64_t num_threads = 0;
    std::int64_t block_rows = 0;
};

// The documented defaults (sketch.h): `auto` leaves are identity while P(d̃) <= kIdentityFactor·node_dim; `auto`
// leaf types hash (OSNAP) above kSrhtLeafMaxPadded.
constexpr index_t kIdentityFactor = 4;
constexpr index_t kSrhtLeafMaxPadded = index_t{1} << 16;
constexpr std::int64_t kMaxTreeDegree = 1024;

// The default leaf output dimension: node_dim for independent leaves, node_dim·clamp(4q, 8, 32) for a shared leaf;
// SRHT leaves stop at P(d̃), where (with stratified indices) they are orthogonal maps.
index_t default_leaf_dim(LeafMode mode, LeafType type, index_t padded_input, index_t node_dim, std::int64_t degree);

class TreeSketch final : public Sketch {
public:
    // Validates `p` and builds every leaf, node and padding constant. Throws subq::Error (SUBQ_ERR_DIMENSION,
    // SUBQ_ERR_PARAM_RANGE, SUBQ_ERR_INVALID_ARG, SUBQ_ERR_OUT_OF_MEMORY) with a message naming the parameter.
    static std::unique_ptr<TreeSketch> create(const TreeParams &p);
    ~TreeSketch() override;

    LeafMode leaf_mode() const noexcept { return leaf_mode_; }  // resolved (never kAuto)
    LeafType leaf_type() const noexcept { return leaf_type_; }  // resolved; kAuto only for identity leaves
    index_t leaf_dim() const noexcept { return leaf_dim_; }     // width of every leaf output (d̃ for identity)
    index_t node_dim() const noexcept { return node_dim_; }
    Type node_type() const noexcept { return node_type_; }
    std::int64_t max_degree() const noexcept { return max_degree_; }
    bool all_degrees() const noexcept { return all_degrees_; }  // built with TreeParams::all_degrees
    std::int64_t sparsity() const noexcept { return sparsity_; }  // of OSNAP leaves; 0 for other leaves
    index_t augmented_dim() const noexcept { return dt_; }      // d̃ = d, or d + 1 when c > 0
    std::size_t block_count() const noexcept;
    TreeBlock block(std::size_t b) const;
    // Number of independent leaf maps (0 identity, 1 shared, the maximum degree for independent leaves).
    std::int64_t leaf_count() const noexcept { return static_cast<std::int64_t>(leaves_.size()); }
    // Doubles of leaf and node buffers per row of a chunk: O(leaf_dim + log q · node_dim) (depth-first evaluation).
    index_t chunk_doubles_per_row() const noexcept { return layout_.total; }

    // The leaf stage alone: y (n × leaf_dim) = leaf j of every row of x (identity: x̃). For tests and benchmarks
    // (the shared-leaf data pass is this call with j = 0).
    void apply_leaf(const DenseView<const double> &x, std::int64_t j, const DenseView<double> &y) const;
    void apply_leaf_csr(const CsrView<double> &x, std::int64_t j, const DenseView<double> &y) const;

    void dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const override;
    void csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const override;

    struct Leaf;
    struct Tree;

private:
    explicit TreeSketch(const TreeParams &p, index_t m);
    void prepare(Workspace &ws) const override;
    index_t scratch_per_row() const override;
    // Leaf j of the chunk's rows into y (leaf_dim_ per row); x̃ is either dense rows or CSR rows.
    void leaf_rows(std::int64_t j, const double *x, index_t ldx, const CsrRows *csr, index_t rows, double *y,
                   index_t ldy, Workspace &ws) const;
    void apply_leaf_impl(const DenseView<const double> *x, const CsrView<double> *csr, std::int64_t j,
                         const DenseView<double> &y) const;
    void run_chunk(const double *x, index_t ldx, const CsrRows *csr, index_t rows, double *out, index_t ldo,
                   Workspace &ws) const;

    // Doubles per chunk row of ws.tree: the x̃ copy (d̃, when c > 0), the OSNAP stage output of OSNAP→SRHT leaves,
    // the leaf cache, two child buffers per tree level (input widths), and the shared first-level transform (two
    // padded leaf widths, when a tree shares it).
    struct Layout {
        index_t xcopy = 0, hash = 0, cache = 0, children = 0, first = 0, total = 0;
        std::int64_t cached_leaves = 0;
        int max_levels = 0;
    };

    index_t dt_ = 0;
    double sqrt_gamma_ = 1.0, sqrt_coef0_ = 0.0;
    LeafMode leaf_mode_ = LeafMode::kIdentity;
    LeafType leaf_type_ = LeafType::kAuto;
    Type node_type_ = Type::kTensorSrht;
    index_t leaf_dim_ = 0, node_dim_ = 0;
    std::int64_t max_degree_ = 0;
    bool all_degrees_ = false;
    std::int64_t sparsity_ = 0;
    std::vector<std::unique_ptr<Leaf>> leaves_;
    std::vector<std::unique_ptr<Tree>> trees_;
    Layout layout_;
};

}  // namespace subq::sketch
