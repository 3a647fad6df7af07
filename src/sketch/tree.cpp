#include "sketch/tree.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/fwht.hpp"

namespace subq::sketch {

// One leaf map: an optional hashing stage (CountSketch/OSNAP) and an optional SRHT stage, of the augmented input
// x̃ (dimension d̃). `tail` is the map's image of the last coordinate (the √c one) when c > 0.
struct TreeSketch::Leaf {
    std::unique_ptr<Sketch> hash;
    std::unique_ptr<Sketch> srht;
    std::vector<double> tail;
    index_t hash_dim = 0;  // output of the hashing stage when both stages exist
};

// One output block: nodes[l][j] is node j of level l (1..levels); subtrees made only of padding are the constant
// rows constants[l][j] (their nodes are not kept). Level 0 holds the leaves (constants only for padding leaves).
struct TreeSketch::Tree {
    TreeBlock block;
    index_t offset = 0;  // first output column
    int levels = 0;      // ⌈log₂ q⌉
    index_t width = 0;   // output width of its inner nodes (below the root)
    std::vector<std::vector<std::unique_ptr<Sketch>>> nodes;
    std::vector<std::vector<std::vector<double>>> constants;
    // Degree 1: an SRHT of the leaf to the block's width, or none when the block is at least as wide as the leaf:
    // then the block is the leaf itself, zero-padded (exact, and cheaper).
    std::unique_ptr<Sketch> degree_one;
    // First-level nodes share one transform (see kSharedFirstLevelDegree): node (1, 0)'s signs transform the leaf
    // rows once per chunk, and every first-level node whose two leaves are real samples its own indices from them.
    bool shared_first_level = false;

    bool constant(int l, index_t j) const noexcept { return (j << l) >= block.degree; }
    // First-level node j reads two real leaves (not the padding constant e₁).
    bool full_first_level(index_t j) const noexcept { return 2 * j + 1 < block.degree; }
};

namespace {

std::string str(std::int64_t v) {
    return std::to_string(v);
}

int ceil_log2(std::int64_t q) {
    int l = 0;
    while ((std::int64_t{1} << l) < q) ++l;
    return l;
}

// A 64-bit seed for the object at `path`: a pure function of (seed, path).
std::uint64_t derived_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> path) {
    const auto w = rng::philox(seed, rng::stream(path), 0);
    return (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
}

// Trees of at least this degree whose leaves are all the same rows (identity or shared leaves) share their first
// level's transform, a deviation from the design's independent nodes (algorithms.md §3). A TensorSRHT node estimates
// ⟨x, y⟩² without bias for any fixed signs D₁, D₂ (H·D is orthogonal up to scale), so nodes that share the signs and
// draw their own indices stay unbiased, and conditionally independent given the signs: the tree stays unbiased. What
// sharing costs is variance when the signs flatten a row badly, since every first-level node then suffers together. On
// 6 seeds of 2,000 Fashion-MNIST rows at D = 4096 the relative errors of every Taylor map stayed within seed noise at
// this threshold, and the high-degree maps (arc-cos 0, NTK) ran 2–2.5x faster: their first levels (up to 512 nodes,
// each transforming two 1024-wide leaves) were most of the work. Sharing from degree 16 on was faster still but raised
// arc-cos 0's error (benchmarks/RESULTS.md).
constexpr std::int64_t kSharedFirstLevelDegree = 64;
// ... and only over leaves at least this wide (padded): the flattening by H·D of a narrow leaf varies so much with D
// that shared signs made an NTK map on 10-dimensional rows 2.6x less accurate at D = 8193; at 1024 (Fashion-MNIST's
// 784 columns) it was within seed noise.
constexpr index_t kSharedFirstLevelLeaf = 1024;

// Plan memory beyond which create() refuses (SUBQ_ERR_OUT_OF_MEMORY) instead of trying.
constexpr double kMaxPlanBytes = 4.0 * 1024 * 1024 * 1024;
// Total leaf hash/sign table bytes beyond which leaves hash on the fly.
constexpr double kMaxLeafTableBytes = 256.0 * 1024 * 1024;

// The chunk rows x̃ would have as input to a leaf of input dimension dt: dense rows of x (dimension d) copied into
// buf with a trailing 0 when dt > d (the √c coordinate is added afterwards through Leaf::tail).
const double *padded_rows(const double *x, index_t ldx, index_t rows, index_t d, index_t dt, double *buf, index_t &ld) {
    if (dt == d) {
        ld = ldx;
        return x;
    }
    for (index_t i = 0; i < rows; ++i) {
        std::copy(x + i * ldx, x + i * ldx + d, buf + i * dt);
        std::fill(buf + i * dt + d, buf + (i + 1) * dt, 0.0);
    }
    ld = dt;
    return buf;
}

}  // namespace

index_t default_leaf_dim(LeafMode mode, LeafType type, index_t padded_input, index_t node_dim, std::int64_t degree) {
    // A shared leaf's bias compounds over the q factors, so its width grows with q (calibrated on Fashion-MNIST,
    // benchmarks/RESULTS.md); an independent leaf has the node width.
    const index_t width = mode == LeafMode::kShared ? node_dim * std::clamp<std::int64_t>(4 * degree, 8, 32) : node_dim;
    // An SRHT with stratified indices and P(d̃) outputs is an orthogonal map: exact, and the cheapest exact leaf.
    return type == LeafType::kSrht ? std::min(width, padded_input) : width;
}

const char *leaf_mode_name(LeafMode m) noexcept {
    switch (m) {
        case LeafMode::kAuto:
            return "auto";
        case LeafMode::kIdentity:
            return "identity";
        case LeafMode::kIndependent:
            return "independent";
        case LeafMode::kShared:
            return "shared";
    }
    return "unknown";
}

const char *leaf_type_name(LeafType t) noexcept {
    switch (t) {
        case LeafType::kAuto:
            return "auto";
        case LeafType::kCountSketch:
            return "countsketch";
        case LeafType::kOsnap:
            return "osnap";
        case LeafType::kSrht:
            return "srht";
        case LeafType::kOsnapSrht:
            return "osnap+srht";
    }
    return "unknown";
}

TreeSketch::TreeSketch(const TreeParams &p, index_t m) : Sketch(Type::kTree, Params{}, p.input_dim, 0, m) {
    seed_ = p.seed;
    num_threads_ = p.num_threads;
    block_rows_ = p.block_rows > 0 ? p.block_rows : kDefaultBlockRows;
}

TreeSketch::~TreeSketch() = default;

std::size_t TreeSketch::block_count() const noexcept {
    return trees_.size();
}

TreeBlock TreeSketch::block(std::size_t b) const {
    return trees_.at(b)->block;
}

std::unique_ptr<TreeSketch> TreeSketch::create(const TreeParams &p) {
    // ---- validate ----
    if (p.input_dim < 1)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = " + str(p.input_dim) + ": the input dimension must be >= 1");
    if (!(std::isfinite(p.gamma) && p.gamma > 0))
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA = " + std::to_string(p.gamma) + " must be finite and > 0");
    if (!(std::isfinite(p.coef0) && p.coef0 >= 0))
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_COEF0 = " + std::to_string(p.coef0) +
                                       " must be finite and >= 0 (the sketch appends √c to every row)");
    if (p.num_threads < 0 || p.block_rows < 0)
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NUM_THREADS and SUBQ_P_BLOCK_ROWS must be >= 0");
    std::vector<TreeBlock> blocks = p.blocks;
    if (blocks.empty()) {
        if (p.degree < 1 || p.degree > kMaxTreeDegree)
            fail(SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_DEGREE = " + str(p.degree) + " is outside [1, " + str(kMaxTreeDegree) + "]");
        if (p.output_dim < 1)
            fail(SUBQ_ERR_DIMENSION,
                 "SUBQ_P_OUTPUT_DIM = " + str(p.output_dim) + ": the output dimension must be >= 1");
        if (p.all_degrees)
            for (std::int64_t q = 1; q <= p.degree; ++q) blocks.push_back({q, p.output_dim, 1.0});
        else
            blocks.push_back({p.degree, p.output_dim, 1.0});
    }
    index_t m = 0, widest = 0;
    std::int64_t max_degree = 0;
    for (const TreeBlock &b : blocks) {
        if (b.degree < 1 || b.degree > kMaxTreeDegree)
            fail(SUBQ_ERR_PARAM_RANGE,
                 "block degree " + str(b.degree) + " is outside [1, " + str(kMaxTreeDegree) + "]");
        if (b.width < 1) fail(SUBQ_ERR_DIMENSION, "block width " + str(b.width) + " must be >= 1");
        if (!std::isfinite(b.scale)) fail(SUBQ_ERR_PARAM_RANGE, "block scale must be finite");
        m = checked_add(m, b.width, "tree sketch output dimension");
        widest = std::max(widest, b.width);
        max_degree = std::max(max_degree, b.degree);
    }
    if (m > INT32_MAX)
        fail(SUBQ_ERR_DIMENSION, "the tree sketch's output dimension " + str(m) + " (all blocks) exceeds 2^31-1");
    if (p.node_dim < 0 || p.leaf_dim < 0 || p.leaf_hash_dim < 0)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_NODE_DIM, SUBQ_P_LEAF_DIM and SUBQ_P_LEAF_HASH_DIM must be >= 0");
    if (p.node_type != static_cast<int>(Type::kTensorSrht) && p.node_type != static_cast<int>(Type::kTensorSketch))
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NODE_TYPE = " + std::to_string(p.node_type) +
                                       ": tree nodes are SUBQ_SKETCH_TENSORSRHT (6) or SUBQ_SKETCH_TENSORSKETCH (5)");
    if (p.leaf_mode < 0 || p.leaf_mode > 3)
        fail(SUBQ_ERR_PARAM_RANGE,
             "SUBQ_P_LEAF_MODE = " + std::to_string(p.leaf_mode) + " is not a subq_leaf_mode (0..3)");
    if (p.leaf_type < 0 || p.leaf_type > 4)
        fail(SUBQ_ERR_PARAM_RANGE,
             "SUBQ_P_LEAF_TYPE = " + std::to_string(p.leaf_type) + " is not a subq_leaf_type (0..4)");
    if (p.sparsity < 1 || p.sparsity > 1024)
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_SPARSITY = " + str(p.sparsity) + " is outside [1, 1024]");
    if (p.node_dim > (index_t{1} << 30) || p.leaf_dim > (index_t{1} << 30) || p.leaf_hash_dim > (index_t{1} << 30))
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_NODE_DIM, SUBQ_P_LEAF_DIM and SUBQ_P_LEAF_HASH_DIM must be <= 2^30");

    std::unique_ptr<TreeSketch> t(new TreeSketch(p, m));
    t->dt_ = p.coef0 > 0 ? checked_add(p.input_dim, 1, "SUBQ_P_INPUT_DIM + 1") : p.input_dim;
    t->sqrt_gamma_ = std::sqrt(p.gamma);
    t->sqrt_coef0_ = std::sqrt(p.coef0);
    t->max_degree_ = max_degree;
    t->all_degrees_ = p.blocks.empty() && p.all_degrees;
    t->node_type_ = static_cast<Type>(p.node_type);
    // Inner nodes of a block are SUBQ_P_NODE_DIM wide, or by default as wide as the block's power-of-two padding;
    // node_dim_ is the widest (it sizes the chunk buffers and the default leaves).
    t->node_dim_ = p.node_dim > 0 ? p.node_dim : fwht::next_power_of_two(widest);
    const index_t dt = t->dt_, w = t->node_dim_;
    const index_t padded_input = fwht::next_power_of_two(dt);

    // ---- leaves ----
    LeafMode mode = static_cast<LeafMode>(p.leaf_mode);
    if (mode == LeafMode::kAuto)
        mode = padded_input <= kIdentityFactor * w ? LeafMode::kIdentity : LeafMode::kIndependent;
    t->leaf_mode_ = mode;
    LeafType type = static_cast<LeafType>(p.leaf_type);
    if (mode == LeafMode::kIdentity) {
        if (type != LeafType::kAuto || p.leaf_dim != 0 || p.leaf_hash_dim != 0)
            fail(SUBQ_ERR_INVALID_ARG,
                 "identity leaves have no leaf map: leave SUBQ_P_LEAF_TYPE, SUBQ_P_LEAF_DIM and SUBQ_P_LEAF_HASH_DIM "
                 "unset");
        t->leaf_dim_ = dt;
    } else {
        if (type == LeafType::kAuto) type = padded_input <= kSrhtLeafMaxPadded ? LeafType::kSrht : LeafType::kOsnap;
        if (type != LeafType::kOsnapSrht && p.leaf_hash_dim != 0)
            fail(SUBQ_ERR_INVALID_ARG, "SUBQ_P_LEAF_HASH_DIM applies to SUBQ_LEAF_OSNAP_SRHT leaves only");
        t->leaf_dim_ = p.leaf_dim > 0 ? p.leaf_dim : default_leaf_dim(mode, type, padded_input, w, max_degree);
        if (type == LeafType::kOsnap) t->leaf_dim_ = (t->leaf_dim_ + p.sparsity - 1) / p.sparsity * p.sparsity;
    }
    t->leaf_type_ = type;
    t->sparsity_ = type == LeafType::kOsnap || type == LeafType::kOsnapSrht ? p.sparsity : 0;
    const std::int64_t leaf_count = mode == LeafMode::kIdentity ? 0 : (mode == LeafMode::kShared ? 1 : max_degree);
    const index_t hash_dim = type == LeafType::kOsnapSrht ? (p.leaf_hash_dim > 0 ? p.leaf_hash_dim : 4 * t->leaf_dim_)
                                                          : (type == LeafType::kSrht ? 0 : t->leaf_dim_);

    // Plan size: node tables (two sign tables in float, two index tables in uint32, padding constants in double),
    // and leaf tables.
    double plan_bytes = 0;
    for (const TreeBlock &b : blocks) {
        const double nodes = static_cast<double>(std::int64_t{1} << ceil_log2(b.degree));
        plan_bytes += nodes * (8.0 * std::max(w, t->leaf_dim_) + 16.0 * std::max(w, b.width));
    }
    double leaf_table_bytes = 0;
    if (leaf_count > 0) {
        const double per_entry =
            type == LeafType::kSrht ? 4.0 : 12.0 * static_cast<double>(type == LeafType::kCountSketch ? 1 : p.sparsity);
        leaf_table_bytes = static_cast<double>(leaf_count) * static_cast<double>(dt) * per_entry;
    }
    const bool leaf_tables = leaf_table_bytes <= kMaxLeafTableBytes;
    if (plan_bytes > kMaxPlanBytes)
        fail(SUBQ_ERR_OUT_OF_MEMORY, "the tree sketch's plan would need about " +
                                         std::to_string(static_cast<long long>(plan_bytes / (1 << 20))) +
                                         " MiB of node tables (more than 4 GiB): lower SUBQ_P_DEGREE, the widths or "
                                         "the number of blocks");

    for (std::int64_t j = 0; j < leaf_count; ++j) {
        auto leaf = std::make_unique<Leaf>();
        Params lp;
        lp.seed = derived_seed(p.seed, {kTreeKindId, 0, 0, static_cast<std::uint64_t>(j)});
        lp.num_threads = 1;
        lp.input_dim = dt;
        lp.sparsity = p.sparsity;
        lp.table_limit = leaf_tables ? kDefaultTableLimit : 0;
        lp.balanced = true;
        if (type == LeafType::kSrht) {
            lp.type = static_cast<int>(Type::kSrht);
            lp.output_dim = t->leaf_dim_;
            leaf->srht = Sketch::create(lp);
        } else {
            lp.type = static_cast<int>(type == LeafType::kCountSketch ? Type::kCountSketch : Type::kOsnap);
            lp.output_dim = hash_dim;
            leaf->hash = Sketch::create(lp);
            leaf->hash_dim = leaf->hash->output_dim();
            if (type == LeafType::kOsnapSrht) {
                Params sp = lp;
                sp.type = static_cast<int>(Type::kSrht);
                sp.input_dim = leaf->hash_dim;
                sp.output_dim = t->leaf_dim_;
                leaf->srht = Sketch::create(sp);
            }
        }
        t->leaves_.push_back(std::move(leaf));
    }
    if (p.coef0 > 0) {  // each leaf's image of e_d (the coordinate that carries √c)
        std::vector<double> e(static_cast<std::size_t>(dt), 0.0);
        e[static_cast<std::size_t>(dt - 1)] = 1.0;
        for (auto &leaf : t->leaves_) {
            leaf->tail.assign(static_cast<std::size_t>(t->leaf_dim_), 0.0);
            std::vector<double> mid(static_cast<std::size_t>(std::max<index_t>(leaf->hash_dim, 1)));
            const Sketch &first = leaf->hash ? *leaf->hash : *leaf->srht;
            double *first_out = leaf->hash && leaf->srht ? mid.data() : leaf->tail.data();
            first.dense_rows(e.data(), dt, 1, first_out, 0, *first.make_workspace(1));
            if (leaf->hash && leaf->srht)
                leaf->srht->dense_rows(mid.data(), leaf->hash_dim, 1, leaf->tail.data(), 0,
                                       *leaf->srht->make_workspace(1));
        }
    }

    // ---- trees ----
    index_t offset = 0;
    for (std::size_t bi = 0; bi < blocks.size(); ++bi) {
        auto tree = std::make_unique<Tree>();
        tree->block = blocks[bi];
        tree->offset = offset;
        tree->width = p.node_dim > 0 ? p.node_dim : fwht::next_power_of_two(blocks[bi].width);
        offset += blocks[bi].width;
        const int K = ceil_log2(blocks[bi].degree);
        tree->levels = K;
        const std::uint64_t bpath = static_cast<std::uint64_t>(bi) + 1;
        if (K == 0 && blocks[bi].width >= t->leaf_dim_) {
            t->trees_.push_back(std::move(tree));
            continue;
        }
        if (K == 0) {
            Params sp;
            sp.type = static_cast<int>(Type::kSrht);
            sp.input_dim = t->leaf_dim_;
            sp.output_dim = blocks[bi].width;
            sp.seed = derived_seed(p.seed, {kTreeKindId, bpath, 1, 0});
            sp.num_threads = 1;
            sp.balanced = true;
            tree->degree_one = Sketch::create(sp);
            t->trees_.push_back(std::move(tree));
            continue;
        }
        tree->shared_first_level = mode != LeafMode::kIndependent &&
                                   p.node_type == static_cast<int>(Type::kTensorSrht) &&
                                   blocks[bi].degree >= kSharedFirstLevelDegree &&
                                   fwht::next_power_of_two(t->leaf_dim_) >= kSharedFirstLevelLeaf;
        tree->nodes.resize(static_cast<std::size_t>(K) + 1);
        tree->constants.resize(static_cast<std::size_t>(K) + 1);
        const index_t leaves_padded = index_t{1} << K;
        tree->constants[0].resize(static_cast<std::size_t>(leaves_padded));
        for (index_t j = blocks[bi].degree; j < leaves_padded; ++j) {  // e₁ in the leaf output space
            auto &c = tree->constants[0][static_cast<std::size_t>(j)];
            c.assign(static_cast<std::size_t>(t->leaf_dim_), 0.0);
            c[0] = 1.0;
        }
        for (int l = 1; l <= K; ++l) {
            const index_t count = leaves_padded >> l;
            const index_t in = l == 1 ? t->leaf_dim_ : tree->width;
            const index_t out = l == K ? blocks[bi].width : tree->width;
            tree->nodes[static_cast<std::size_t>(l)].resize(static_cast<std::size_t>(count));
            tree->constants[static_cast<std::size_t>(l)].resize(static_cast<std::size_t>(count));
            for (index_t j = 0; j < count; ++j) {
                Params np;
                np.type = p.node_type;
                np.input_dim = in;
                np.input_dim2 = in;
                np.output_dim = out;
                np.degree = 2;
                np.seed = derived_seed(
                    p.seed, {kTreeKindId, bpath, static_cast<std::uint64_t>(l), static_cast<std::uint64_t>(j)});
                np.num_threads = 1;
                np.balanced = true;
                if (l == 1 && j > 0 && tree->shared_first_level && tree->full_first_level(j))
                    np.table_limit = 0;  // its signs are never read: node (1, 0)'s transform serves it
                auto node = Sketch::create(np);
                if (tree->constant(l, j)) {  // evaluate the padding subtree once; the node itself is not kept
                    const auto &a = tree->constants[static_cast<std::size_t>(l - 1)][static_cast<std::size_t>(2 * j)];
                    const auto &b =
                        tree->constants[static_cast<std::size_t>(l - 1)][static_cast<std::size_t>(2 * j + 1)];
                    auto &c = tree->constants[static_cast<std::size_t>(l)][static_cast<std::size_t>(j)];
                    c.assign(static_cast<std::size_t>(out), 0.0);
                    node->pair_rows(a.data(), in, b.data(), in, 1, c.data(), out, *node->make_workspace(1));
                } else {
                    tree->nodes[static_cast<std::size_t>(l)][static_cast<std::size_t>(j)] = std::move(node);
                }
            }
        }
        t->trees_.push_back(std::move(tree));
    }

    // Per-row chunk buffers (see the evaluation section).
    Layout &L = t->layout_;
    for (const auto &tr : t->trees_) L.max_levels = std::max(L.max_levels, tr->levels);
    // Independent leaves are computed where a tree needs them, or cached once per chunk when several trees read them.
    L.cached_leaves = mode == LeafMode::kIndependent ? (t->trees_.size() > 1 ? max_degree : 0) : 1;
    L.xcopy = dt > p.input_dim ? dt : 0;
    L.hash = type == LeafType::kOsnapSrht ? t->leaves_[0]->hash_dim : 0;
    L.cache = static_cast<index_t>(L.cached_leaves) * t->leaf_dim_;
    for (int l = 1; l <= std::max(L.max_levels, 1); ++l) L.children += 2 * (l == 1 ? t->leaf_dim_ : w);
    if (std::any_of(t->trees_.begin(), t->trees_.end(), [](const auto &tr) { return tr->shared_first_level; }))
        L.first = 2 * fwht::next_power_of_two(t->leaf_dim_);
    L.total = L.xcopy + L.hash + L.cache + L.children + L.first;
    return t;
}

// ---- evaluation -----------------------------------------------------------------------------------------------
//
// ws.tree holds, per row of the chunk: the x̃ copy (d̃, when c > 0), the hashing stage output (hash_dim), the leaf
// cache (leaf_dim per cached leaf), then per level l = 1..K of the deepest tree two child buffers of its input
// width. ws.children holds the leaf-stage workspaces (hash, srht), then per tree and level one node workspace
// (and for degree-1 trees their SRHT's).

index_t TreeSketch::scratch_per_row() const {
    // the chunk buffers, plus the node transforms (two padded inputs) so that chunks stay cache-sized
    return layout_.total + 2 * fwht::next_power_of_two(std::max(leaf_dim_, node_dim_));
}

void TreeSketch::prepare(Workspace &ws) const {
    ws.tree.reset(
        static_cast<std::size_t>(checked_mul(ws.chunk, std::max<index_t>(layout_.total, 1), "tree workspace")));
    ws.children.clear();
    const Leaf *first = leaves_.empty() ? nullptr : leaves_[0].get();
    ws.children.push_back(first != nullptr && first->hash ? first->hash->make_workspace(ws.chunk) : nullptr);
    ws.children.push_back(first != nullptr && first->srht ? first->srht->make_workspace(ws.chunk) : nullptr);
    for (const auto &tr : trees_) {
        if (tr->levels == 0) {
            ws.children.push_back(tr->degree_one ? tr->degree_one->make_workspace(ws.chunk) : nullptr);
            continue;
        }
        for (int l = 1; l <= tr->levels; ++l)
            ws.children.push_back(tr->nodes[static_cast<std::size_t>(l)][0]->make_workspace(ws.chunk));
    }
}

void TreeSketch::leaf_rows(std::int64_t j, const double *x, index_t ldx, const CsrRows *csr, index_t rows, double *y,
                           index_t ldy, Workspace &ws) const {
    const index_t lw = ldy;
    if (leaf_mode_ == LeafMode::kIdentity) {  // y = x̃ = [√γ·x; √c]
        for (index_t i = 0; i < rows; ++i) {
            double *yi = y + i * lw;
            if (csr == nullptr) {
                const double *xi = x + i * ldx;
                for (index_t k = 0; k < d1_; ++k) yi[k] = sqrt_gamma_ * xi[k];
            } else {
                std::fill(yi, yi + d1_, 0.0);
                for (index_t k = csr->indptr[i]; k < csr->indptr[i + 1]; ++k)
                    yi[csr->indices[k]] +=
                        sqrt_gamma_ * (csr->vd != nullptr ? csr->vd[k] : static_cast<double>(csr->vf[k]));
            }
            if (dt_ > d1_) yi[d1_] = sqrt_coef0_;
        }
        return;
    }
    const Leaf &leaf = *leaves_[static_cast<std::size_t>(j)];
    double *xcopy = ws.tree.data();
    double *mid = xcopy + ws.chunk * layout_.xcopy;
    Workspace *hash_ws = ws.children[0].get(), *srht_ws = ws.children[1].get();
    if (leaf.hash) {
        double *hout = leaf.srht ? mid : y;
        const index_t hld = leaf.srht ? leaf.hash_dim : lw;
        if (csr == nullptr) {
            index_t ld = 0;
            const double *xin = padded_rows(x, ldx, rows, d1_, dt_, xcopy, ld);
            leaf.hash->dense_rows(xin, ld, rows, hout, hld, *hash_ws);
        } else {
            leaf.hash->csr_rows(*csr, rows, hout, hld, *hash_ws);
        }
        if (leaf.srht) leaf.srht->dense_rows(mid, leaf.hash_dim, rows, y, lw, *srht_ws);
    } else if (csr == nullptr) {
        index_t ld = 0;
        const double *xin = padded_rows(x, ldx, rows, d1_, dt_, xcopy, ld);
        leaf.srht->dense_rows(xin, ld, rows, y, lw, *srht_ws);
    } else {
        leaf.srht->csr_rows(*csr, rows, y, lw, *srht_ws);
    }
    // L(x̃) = √γ·L([x; 0]) + √c·L(e_d)
    if (sqrt_gamma_ != 1.0 || !leaf.tail.empty()) {
        for (index_t i = 0; i < rows; ++i) {
            double *yi = y + i * lw;
            if (sqrt_gamma_ != 1.0)
                for (index_t k = 0; k < leaf_dim_; ++k) yi[k] *= sqrt_gamma_;
            if (!leaf.tail.empty())
                for (index_t k = 0; k < leaf_dim_; ++k) yi[k] += sqrt_coef0_ * leaf.tail[static_cast<std::size_t>(k)];
        }
    }
}

namespace {

struct Rows {
    const double *data;
    index_t ld;  // 0: one row broadcast to every row (a padding constant)
};

}  // namespace

void TreeSketch::run_chunk(const double *x, index_t ldx, const CsrRows *csr, index_t rows, double *out, index_t ldo,
                           Workspace &ws) const {
    const bool independent = leaf_mode_ == LeafMode::kIndependent;
    const Layout &L = layout_;
    const std::int64_t cached = L.cached_leaves;
    const index_t lw = leaf_dim_, w = node_dim_;
    double *cache = ws.tree.data() + ws.chunk * (L.xcopy + L.hash);
    double *child_base = cache + ws.chunk * L.cache;
    // child buffer of side s (0 left, 1 right) at level l: rows × in(l)
    const auto child = [&](int l, int s) {
        index_t off = 0;
        for (int k = 1; k < l; ++k) off += 2 * (k == 1 ? lw : w);
        const index_t in = l == 1 ? lw : w;
        return child_base + ws.chunk * (off + s * in);
    };
    for (std::int64_t j = 0; j < cached; ++j) leaf_rows(j, x, ldx, csr, rows, cache + j * ws.chunk * lw, lw, ws);

    // The rows of leaf j: cached, or computed into dst.
    const auto leaf = [&](std::int64_t j, double *dst) -> Rows {
        if (!independent) return {cache, lw};
        if (cached > 0) return {cache + j * ws.chunk * lw, lw};
        leaf_rows(j, x, ldx, csr, rows, dst, lw, ws);
        return {dst, lw};
    };

    std::size_t wsi = 2;  // ws.children: [hash, srht, then per tree its node workspaces by level]
    for (const auto &trp : trees_) {
        const Tree &tr = *trp;
        double *o = out + tr.offset;
        if (tr.levels == 0) {
            const Rows y = leaf(0, child(1, 0));
            Workspace *one_ws = ws.children[wsi++].get();
            if (tr.degree_one) {
                tr.degree_one->dense_rows(y.data, y.ld, rows, o, ldo, *one_ws);
            } else {
                for (index_t i = 0; i < rows; ++i) {
                    std::copy(y.data + i * y.ld, y.data + i * y.ld + lw, o + i * ldo);
                    std::fill(o + i * ldo + lw, o + i * ldo + tr.block.width, 0.0);
                }
            }
        } else {
            const std::size_t base = wsi - 1;  // the workspace of level l is ws.children[base + l]
            wsi += static_cast<std::size_t>(tr.levels);
            // The shared first-level transform of this tree (when it shares one), made at its first use.
            double *first_a = child_base + ws.chunk * L.children;
            double *first_b = first_a + ws.chunk * (L.first / 2);
            bool first_ready = false;
            // Depth-first: subtree (l, j) into dst (rows of width ld), or its constant row.
            const auto eval = [&](const auto &self, int l, index_t j, double *dst, index_t ld) -> Rows {
                if (tr.constant(l, j))
                    return {tr.constants[static_cast<std::size_t>(l)][static_cast<std::size_t>(j)].data(), 0};
                if (l == 0) return leaf(j, dst);
                if (l == 1 && tr.shared_first_level && tr.full_first_level(j)) {
                    if (!first_ready) {  // every leaf is the same rows (identity or shared leaves)
                        const Rows y = leaf(0, child(1, 0));
                        static_cast<const TensorSrht &>(*tr.nodes[1][0])
                            .transform_rows(y.data, y.ld, y.data, y.ld, rows, first_a, first_b);
                        first_ready = true;
                    }
                    static_cast<const TensorSrht &>(*tr.nodes[1][static_cast<std::size_t>(j)])
                        .sample_rows(first_a, first_b, rows, dst, ld);
                    return {dst, ld};
                }
                const Rows a = self(self, l - 1, 2 * j, child(l, 0), tr.width);
                const Rows b = self(self, l - 1, 2 * j + 1, child(l, 1), tr.width);
                tr.nodes[static_cast<std::size_t>(l)][static_cast<std::size_t>(j)]->pair_rows(
                    a.data, a.ld, b.data, b.ld, rows, dst, ld, *ws.children[base + static_cast<std::size_t>(l)]);
                return {dst, ld};
            };
            eval(eval, tr.levels, 0, o, ldo);
        }
        if (tr.block.scale != 1.0)
            for (index_t i = 0; i < rows; ++i)
                for (index_t k = 0; k < tr.block.width; ++k) o[i * ldo + k] *= tr.block.scale;
    }
}

void TreeSketch::apply_leaf(const DenseView<const double> &x, std::int64_t j, const DenseView<double> &y) const {
    apply_leaf_impl(&x, nullptr, j, y);
}

void TreeSketch::apply_leaf_csr(const CsrView<double> &x, std::int64_t j, const DenseView<double> &y) const {
    apply_leaf_impl(nullptr, &x, j, y);
}

void TreeSketch::apply_leaf_impl(const DenseView<const double> *x, const CsrView<double> *csr, std::int64_t j,
                                 const DenseView<double> &y) const {
    const index_t n = x != nullptr ? x->rows : csr->rows, cols = x != nullptr ? x->cols : csr->cols;
    const std::int64_t count = std::max<std::int64_t>(leaf_count(), 1);
    if (j < 0 || j >= count) fail(SUBQ_ERR_INVALID_ARG, "leaf " + str(j) + " is outside [0, " + str(count) + ")");
    if (cols != d1_) fail(SUBQ_ERR_DIMENSION, "d = " + str(cols) + " does not match the input dimension " + str(d1_));
    if (y.rows != n || y.cols != leaf_dim_)
        fail(SUBQ_ERR_DIMENSION,
             "y is " + str(y.rows) + " x " + str(y.cols) + ", expected " + str(n) + " x " + str(leaf_dim_));
    if ((x != nullptr && x->layout != SUBQ_ROW_MAJOR) || y.layout != SUBQ_ROW_MAJOR)
        fail(SUBQ_ERR_UNSUPPORTED, "the leaf stage takes row-major x and y");
    run_blocks(n, 0, [&](index_t r0, index_t rows, Workspace &ws) {
        if (x != nullptr) {
            leaf_rows(j, x->data + r0 * x->ld, x->ld, nullptr, rows, y.data + r0 * y.ld, y.ld, ws);
        } else {
            CsrRows rs;
            rs.indptr = csr->indptr + r0;
            rs.indices = csr->indices;
            rs.vd = csr->values;
            leaf_rows(j, nullptr, 0, &rs, rows, y.data + r0 * y.ld, y.ld, ws);
        }
    });
}

void TreeSketch::dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    run_chunk(x, ldx, nullptr, rows, out, ldo, ws);
}

void TreeSketch::csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    run_chunk(nullptr, 0, &x, rows, out, ldo, ws);
}

}  // namespace subq::sketch
