// The tree sketches of x^{⊗q} (src/sketch/tree.hpp; design/algorithms.md §3 and tests S7, S9, S10).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sketch/tree.hpp"
#include "sketch_test_util.hpp"

namespace subq::sketch::test {
namespace {

TreeParams tree_params(index_t d, index_t D, std::int64_t q, LeafMode mode, std::uint64_t seed = 1) {
    TreeParams p;
    p.input_dim = d;
    p.output_dim = D;
    p.degree = q;
    p.leaf_mode = static_cast<int>(mode);
    p.seed = seed;
    return p;
}

Mat tree_apply(const TreeSketch &t, const Mat &x, index_t n) {
    return apply(t, x, n);
}

Mat unit_rows(index_t n, index_t d, std::uint64_t seed) {
    Mat x = gaussian_matrix(n, d, seed);
    for (index_t i = 0; i < n; ++i) {
        double s = 0;
        for (index_t j = 0; j < d; ++j)
            s += x[static_cast<std::size_t>(i * d + j)] * x[static_cast<std::size_t>(i * d + j)];
        for (index_t j = 0; j < d; ++j) x[static_cast<std::size_t>(i * d + j)] /= std::sqrt(s);
    }
    return x;
}

// A pair of unit rows with cosine t: y = t·x + √(1−t²)·x⊥.
Mat pair_with_cosine(index_t d, double t, std::uint64_t seed) {
    Mat u = unit_rows(2, d, seed);
    double *x = u.data();
    double *y = u.data() + d;
    const double c = dot(x, y, d);
    for (index_t j = 0; j < d; ++j) y[j] -= c * x[j];
    const double ny = std::sqrt(dot(y, y, d));
    for (index_t j = 0; j < d; ++j) y[j] = t * x[j] + std::sqrt(1 - t * t) * y[j] / ny;
    return u;
}

// ---- S7: unbiasedness -----------------------------------------------------------------------------------------

struct UnbiasedCase {
    LeafMode mode;
    LeafType leaf;
    Type node;
    std::int64_t q;
};

std::string case_name(const testing::TestParamInfo<UnbiasedCase> &info) {
    const UnbiasedCase &c = info.param;
    std::string s = std::string(leaf_mode_name(c.mode)) + "_" +
                    (c.leaf == LeafType::kAuto ? "" : leaf_type_name(c.leaf)) + "_" +
                    (c.node == Type::kTensorSrht ? "tsrht" : "ts") + "_q" + std::to_string(c.q);
    for (char &ch : s)
        if (ch == '+') ch = 'x';
    return s;
}

class TreeUnbiased : public testing::TestWithParam<UnbiasedCase> {};

// E⟨Πx^{⊗q}, Πy^{⊗q}⟩ = ⟨x, y⟩^q over the sketch's randomness (identity and independent leaves), and
// E‖Πx^{⊗q}‖² = ‖x‖^{2q}. R = 3000 seeds, within 4 standard errors.
TEST_P(TreeUnbiased, InnerProductsS7) {
    const UnbiasedCase c = GetParam();
    const index_t d = 8, w = 64;
    const Mat u = pair_with_cosine(d, 0.8, 11);
    // scale x so that the norms are not 1: ‖x‖ = 1.1, ‖y‖ = 0.9
    Mat xy = u;
    for (index_t j = 0; j < d; ++j) {
        xy[static_cast<std::size_t>(j)] *= 1.1;
        xy[static_cast<std::size_t>(d + j)] *= 0.9;
    }
    const double exact = std::pow(0.8 * 1.1 * 0.9, static_cast<double>(c.q));
    const double exact_norm = std::pow(1.1 * 1.1, static_cast<double>(c.q));
    const int R = 3000;
    std::vector<double> ip(R), nx(R);
    for (int r = 0; r < R; ++r) {
        TreeParams p = tree_params(d, w, c.q, c.mode, 1000 + static_cast<std::uint64_t>(r));
        p.leaf_type = static_cast<int>(c.leaf);
        p.node_type = static_cast<int>(c.node);
        if (c.mode != LeafMode::kIdentity) p.leaf_dim = 32;
        const auto t = TreeSketch::create(p);
        const Mat z = tree_apply(*t, xy, 2);
        ip[static_cast<std::size_t>(r)] = dot(z.data(), z.data() + w, w);
        nx[static_cast<std::size_t>(r)] = dot(z.data(), z.data(), w);
    }
    const Moments m = moments(ip), mn = moments(nx);
    // 1e-12: a degree-1 tree with w a multiple of P is an exact isometry (stratified indices), so se can be ~1e-16
    EXPECT_NEAR(m.mean, exact, 4 * m.se + 1e-12) << "se " << m.se;
    EXPECT_NEAR(mn.mean, exact_norm, 4 * mn.se + 1e-12) << "se " << mn.se;
}

INSTANTIATE_TEST_SUITE_P(
    Tree, TreeUnbiased,
    testing::Values(UnbiasedCase{LeafMode::kIdentity, LeafType::kAuto, Type::kTensorSrht, 1},
                    UnbiasedCase{LeafMode::kIdentity, LeafType::kAuto, Type::kTensorSrht, 3},
                    UnbiasedCase{LeafMode::kIdentity, LeafType::kAuto, Type::kTensorSrht, 5},
                    UnbiasedCase{LeafMode::kIdentity, LeafType::kAuto, Type::kTensorSrht, 8},
                    UnbiasedCase{LeafMode::kIndependent, LeafType::kSrht, Type::kTensorSrht, 3},
                    UnbiasedCase{LeafMode::kIndependent, LeafType::kSrht, Type::kTensorSrht, 8},
                    UnbiasedCase{LeafMode::kIndependent, LeafType::kCountSketch, Type::kTensorSrht, 5},
                    UnbiasedCase{LeafMode::kIndependent, LeafType::kOsnap, Type::kTensorSrht, 3},
                    UnbiasedCase{LeafMode::kIndependent, LeafType::kOsnapSrht, Type::kTensorSrht, 3},
                    UnbiasedCase{LeafMode::kIdentity, LeafType::kAuto, Type::kTensorSketch, 3},
                    UnbiasedCase{LeafMode::kIndependent, LeafType::kSrht, Type::kTensorSketch, 5}),
    case_name);

// Trees of degree >= 64 over identity (or shared) leaves at least 1024 wide (padded) share their first level's
// transform (tree.cpp, kSharedFirstLevelDegree): still unbiased, since each TensorSRHT node is unbiased for any fixed
// signs and the nodes draw their own indices. q = 65 also has a first-level node with one padding leaf (its own
// transform) and padding subtrees; d = 600 pads to 1024.
TEST(Tree, SharedFirstLevelUnbiasedAtHighDegree) {
    const index_t d = 600, w = 512;
    const std::int64_t q = 65;
    const double cosine = 0.99;
    const Mat xy = pair_with_cosine(d, cosine, 21);
    {
        const LeafMode mode = LeafMode::kIdentity;
        const int R = 800;
        std::vector<double> ip(R), nx(R);
        for (int r = 0; r < R; ++r) {
            TreeParams p = tree_params(d, w, q, mode, 3000 + static_cast<std::uint64_t>(r));
            const auto t = TreeSketch::create(p);
            const Mat z = tree_apply(*t, xy, 2);
            ip[static_cast<std::size_t>(r)] = dot(z.data(), z.data() + w, w);
            nx[static_cast<std::size_t>(r)] = dot(z.data(), z.data(), w);
        }
        const Moments m = moments(ip), mn = moments(nx);
        EXPECT_NEAR(m.mean, std::pow(cosine, static_cast<double>(q)), 4 * m.se) << "se " << m.se;
        EXPECT_NEAR(mn.mean, 1.0, 4 * mn.se) << "se " << mn.se;
        EXPECT_LT(m.se, 0.05 * std::pow(cosine, static_cast<double>(q)));  // so the test can tell a bias of 20%
    }
}

// The shared first level gives the same bits whatever the thread count (its transform is per chunk of rows).
TEST(Tree, SharedFirstLevelIsDeterministicAcrossThreads) {
    const index_t d = 700, n = 300, w = 128;
    const Mat x = unit_rows(n, d, 8);
    TreeParams p = tree_params(d, w, 100, LeafMode::kIdentity, 5);
    p.num_threads = 1;
    const Mat one = tree_apply(*TreeSketch::create(p), x, n);
    p.num_threads = 2;
    p.block_rows = 7;  // other chunk boundaries too
    const Mat two = tree_apply(*TreeSketch::create(p), x, n);
    ASSERT_EQ(one.size(), two.size());
    for (std::size_t i = 0; i < one.size(); ++i) ASSERT_EQ(one[i], two[i]) << "entry " << i;
}

// (γ⟨x,y⟩ + c)^q: the sketch of x̃ = [√γ·x; √c] is unbiased for it too, for dense and CSR input.
TEST(Tree, GammaAndCoef0Unbiased) {
    const index_t d = 6, w = 64;
    const Mat xy = pair_with_cosine(d, -0.5, 5);
    const double gamma = 0.7, c0 = 0.4;
    for (LeafMode mode : {LeafMode::kIdentity, LeafMode::kIndependent}) {
        const int R = 3000;
        const std::int64_t q = 3;
        std::vector<double> ip(R);
        for (int r = 0; r < R; ++r) {
            TreeParams p = tree_params(d, w, q, mode, 77 + static_cast<std::uint64_t>(r));
            p.gamma = gamma;
            p.coef0 = c0;
            const auto t = TreeSketch::create(p);
            const Mat z = tree_apply(*t, xy, 2);
            ip[static_cast<std::size_t>(r)] = dot(z.data(), z.data() + w, w);
        }
        const Moments m = moments(ip);
        EXPECT_NEAR(m.mean, std::pow(gamma * -0.5 + c0, 3.0), 4 * m.se) << leaf_mode_name(mode);
    }
}

// ---- all degrees ---------------------------------------------------------------------------------------------

// Block ℓ of the all-degrees sketch is unbiased for ⟨x,y⟩^ℓ; leaves are shared across blocks, so an independent
// tree reads each of its q leaves once for all degrees.
TEST(Tree, AllDegreesEachBlockUnbiased) {
    const index_t d = 8, w = 32;
    const std::int64_t q = 4;
    const Mat xy = pair_with_cosine(d, 0.7, 3);
    const int R = 3000;
    std::vector<std::vector<double>> ip(static_cast<std::size_t>(q), std::vector<double>(R));
    for (int r = 0; r < R; ++r) {
        TreeParams p = tree_params(d, w, q, LeafMode::kIndependent, 500 + static_cast<std::uint64_t>(r));
        p.all_degrees = true;
        p.leaf_dim = 16;
        const auto t = TreeSketch::create(p);
        ASSERT_EQ(t->output_dim(), q * w);
        ASSERT_EQ(t->leaf_count(), q);
        const Mat z = tree_apply(*t, xy, 2);
        for (std::int64_t l = 0; l < q; ++l)
            ip[static_cast<std::size_t>(l)][static_cast<std::size_t>(r)] =
                dot(z.data() + l * w, z.data() + q * w + l * w, w);
    }
    for (std::int64_t l = 0; l < q; ++l) {
        const Moments m = moments(ip[static_cast<std::size_t>(l)]);
        EXPECT_NEAR(m.mean, std::pow(0.7, static_cast<double>(l + 1)), 4 * m.se + 1e-12) << "degree " << l + 1;
    }
}

// Explicit blocks: widths, degrees and scales as given; a block's scale multiplies exactly its columns.
TEST(Tree, ExplicitBlocksAndScales) {
    const index_t d = 10;
    const Mat x = unit_rows(5, d, 2);
    TreeParams p = tree_params(d, 0, 0, LeafMode::kIdentity, 9);
    p.blocks = {{2, 16, 1.0}, {5, 24, 1.0}, {1, 8, 1.0}};
    p.node_dim = 32;
    const auto plain = TreeSketch::create(p);
    p.blocks[1].scale = -0.5;
    const auto scaled = TreeSketch::create(p);
    ASSERT_EQ(plain->output_dim(), 48);
    ASSERT_EQ(plain->block_count(), 3u);
    EXPECT_EQ(plain->block(1).degree, 5);
    const Mat a = tree_apply(*plain, x, 5), b = tree_apply(*scaled, x, 5);
    for (index_t i = 0; i < 5; ++i)
        for (index_t k = 0; k < 48; ++k) {
            const double va = a[static_cast<std::size_t>(i * 48 + k)], vb = b[static_cast<std::size_t>(i * 48 + k)];
            if (k >= 16 && k < 40)
                EXPECT_EQ(vb, va * -0.5);
            else
                EXPECT_EQ(vb, va);
        }
}

// ---- stratified sample indices --------------------------------------------------------------------------------

// Tree nodes and leaves draw their sample indices in random permutations of [P]: every index appears ⌊m/P⌋ or
// ⌈m/P⌉ times (still uniform one by one, so unbiased). With m a multiple of P an SRHT is then an exact isometry.
TEST(Tree, StratifiedIndicesAndExactDegreeOne) {
    for (index_t m : {index_t{16}, index_t{40}, index_t{64}}) {
        Params p = params(Type::kTensorSrht, 12, m, 5);
        p.input_dim2 = 16;
        p.balanced = true;
        const auto s = Sketch::create(p);
        const auto &t = dynamic_cast<const TensorSrht &>(*s);
        std::vector<int> c1(16, 0), c2(16, 0);
        for (index_t k = 0; k < m; ++k) {
            ++c1[t.index1(k)];
            ++c2[t.index2(k)];
        }
        for (int v : c1) EXPECT_TRUE(v == m / 16 || v == m / 16 + 1) << v;
        for (int v : c2) EXPECT_TRUE(v == m / 16 || v == m / 16 + 1) << v;
    }
    // degree 1 with independent leaves 10 → 16 (P = 16: one stratified SRHT, orthogonal) and a block of 64 >= 16:
    // the leaf itself, zero-padded, so ‖z‖ = ‖x‖ for every x; a block of 8 < 16 is an SRHT of the leaf
    const Mat x = gaussian_matrix(20, 10, 6);
    TreeParams p = tree_params(10, 64, 1, LeafMode::kIndependent, 3);
    p.leaf_dim = 16;
    const Mat z = tree_apply(*TreeSketch::create(p), x, 20);
    for (index_t i = 0; i < 20; ++i) {
        EXPECT_NEAR(dot(z.data() + i * 64, z.data() + i * 64, 64), dot(x.data() + i * 10, x.data() + i * 10, 10),
                    1e-12);
        for (index_t k = 16; k < 64; ++k) EXPECT_EQ(z[static_cast<std::size_t>(i * 64 + k)], 0.0);
    }
    // identity leaves and a wide block: z = [x, 0] exactly
    const Mat zi = tree_apply(*TreeSketch::create(tree_params(10, 64, 1, LeafMode::kIdentity, 3)), x, 20);
    for (index_t i = 0; i < 20; ++i)
        for (index_t k = 0; k < 64; ++k)
            EXPECT_EQ(zi[static_cast<std::size_t>(i * 64 + k)], k < 10 ? x[static_cast<std::size_t>(i * 10 + k)] : 0.0);
}

// ---- S9: shared leaf = identity tree on the leaf output ---------------------------------------------------------

TEST(Tree, SharedEqualsIdentityTreeOnLeafOutputS9) {
    const index_t n = 7, d = 300, D = 64;
    const Mat x = gaussian_matrix(n, d, 4);
    for (LeafType lt : {LeafType::kSrht, LeafType::kCountSketch, LeafType::kOsnapSrht}) {
        TreeParams p = tree_params(d, D, 6, LeafMode::kShared, 21);
        p.leaf_type = static_cast<int>(lt);
        p.leaf_dim = 128;
        const auto shared = TreeSketch::create(p);
        ASSERT_EQ(shared->leaf_count(), 1);
        ASSERT_EQ(shared->leaf_dim(), 128);
        Mat y(static_cast<std::size_t>(n * 128));
        shared->apply_leaf(DenseView<const double>{x.data(), n, d, d, SUBQ_ROW_MAJOR}, 0,
                           DenseView<double>{y.data(), n, 128, 128, SUBQ_ROW_MAJOR});
        TreeParams q = tree_params(128, D, 6, LeafMode::kIdentity, 21);
        const auto ident = TreeSketch::create(q);
        const Mat z1 = tree_apply(*shared, x, n), z2 = tree_apply(*ident, y, n);
        for (std::size_t k = 0; k < z1.size(); ++k) ASSERT_EQ(z1[k], z2[k]) << leaf_type_name(lt) << " at " << k;
    }
}

// ---- resolved defaults and memory ---------------------------------------------------------------------------

TEST(Tree, AutoPolicyAndDefaults) {
    // dense low-d: identity leaves (P(785) = 1024 <= 4·4096)
    auto t = TreeSketch::create(tree_params(784, 4096, 8, LeafMode::kAuto));
    EXPECT_EQ(t->leaf_mode(), LeafMode::kIdentity);
    EXPECT_EQ(t->node_dim(), 4096);
    EXPECT_EQ(t->leaf_dim(), 784);
    // high d: independent OSNAP leaves of width w
    t = TreeSketch::create(tree_params(index_t{1} << 20, 256, 4, LeafMode::kAuto));
    EXPECT_EQ(t->leaf_mode(), LeafMode::kIndependent);
    EXPECT_EQ(t->leaf_type(), LeafType::kOsnap);
    EXPECT_EQ(t->leaf_dim(), 256);
    EXPECT_EQ(t->leaf_count(), 4);
    // a shared SRHT leaf: w·clamp(4q, 8, 32) = 16·1024, capped at P(5000) = 8192 where it is an exact isometry
    t = TreeSketch::create(tree_params(5000, 1000, 4, LeafMode::kShared));
    EXPECT_EQ(t->node_dim(), 1024);
    EXPECT_EQ(t->leaf_type(), LeafType::kSrht);
    EXPECT_EQ(t->leaf_dim(), 8192);
    EXPECT_EQ(t->leaf_count(), 1);
    // a shared OSNAP leaf is not capped: 16·1024 at q = 4, 32·1024 from q = 8 on, 8·1024 at q = 1
    for (auto [q, factor] : {std::pair<std::int64_t, index_t>{4, 16}, {8, 32}, {64, 32}, {1, 8}}) {
        TreeParams p = tree_params(5000, 1000, q, LeafMode::kShared);
        p.leaf_type = static_cast<int>(LeafType::kOsnap);
        EXPECT_EQ(TreeSketch::create(p)->leaf_dim(), factor * 1024) << "q = " << q;
    }
    // c > 0 adds a coordinate
    TreeParams p = tree_params(10, 64, 2, LeafMode::kIdentity);
    p.coef0 = 1;
    t = TreeSketch::create(p);
    EXPECT_EQ(t->augmented_dim(), 11);
    EXPECT_EQ(t->leaf_dim(), 11);
}

// Depth-first evaluation keeps two child buffers per level: the chunk buffers grow with log q, not q.
TEST(Tree, ChunkBuffersGrowWithLogQ) {
    const index_t w = 256, lw = 256;
    for (std::int64_t q : {2, 3, 64, 1000, 1024}) {
        TreeParams p = tree_params(1000, w, q, LeafMode::kIndependent);
        p.leaf_dim = lw;
        const auto t = TreeSketch::create(p);
        int K = 0;
        while ((std::int64_t{1} << K) < q) ++K;
        EXPECT_EQ(t->chunk_doubles_per_row(), 2 * lw + 2 * (K - 1) * w) << "q = " << q;
    }
}

// ---- S10 and input forms --------------------------------------------------------------------------------------

TEST(Tree, DeterministicAcrossThreadsAndBlocksS10) {
    const index_t n = 100, d = 40, D = 96;
    const Mat x = gaussian_matrix(n, d, 8);
    for (LeafMode mode : {LeafMode::kIdentity, LeafMode::kIndependent, LeafMode::kShared}) {
        Mat ref;
        for (std::int64_t threads : {1, 2})
            for (std::int64_t block : {1, 7, 100}) {
                TreeParams p = tree_params(d, D, 5, mode, 3);
                p.coef0 = 0.5;
                p.gamma = 2.0;
                p.num_threads = threads;
                p.block_rows = block;
                const Mat z = tree_apply(*TreeSketch::create(p), x, n);
                if (ref.empty())
                    ref = z;
                else
                    for (std::size_t k = 0; k < z.size(); ++k) ASSERT_EQ(z[k], ref[k]) << leaf_mode_name(mode);
            }
    }
}

TEST(Tree, CsrEqualsDenseAndFloat32AgreesWithFloat64) {
    const index_t n = 30, d = 50, D = 64;
    Mat x = gaussian_matrix(n, d, 12);
    for (std::size_t k = 0; k < x.size(); ++k)  // sparse rows of float-representable values
        x[k] = k % 3 != 0 ? 0.0 : static_cast<double>(static_cast<float>(x[k]));
    std::vector<index_t> indptr{0}, indices;
    std::vector<double> values;
    for (index_t i = 0; i < n; ++i) {
        for (index_t j = 0; j < d; ++j)
            if (x[static_cast<std::size_t>(i * d + j)] != 0) {
                indices.push_back(j);
                values.push_back(x[static_cast<std::size_t>(i * d + j)]);
            }
        indptr.push_back(static_cast<index_t>(indices.size()));
    }
    for (LeafMode mode : {LeafMode::kIdentity, LeafMode::kIndependent, LeafMode::kShared})
        for (LeafType lt : {LeafType::kSrht, LeafType::kOsnap}) {
            TreeParams p = tree_params(d, D, 4, mode, 5);
            p.coef0 = 0.3;
            if (mode != LeafMode::kIdentity) p.leaf_type = static_cast<int>(lt);
            const auto t = TreeSketch::create(p);
            const Mat zd = tree_apply(*t, x, n);
            Mat zc(zd.size(), -1.0);
            t->apply_csr(CsrView<double>{n, d, indptr.data(), indices.data(), values.data()},
                         DenseView<double>{zc.data(), n, D, D, SUBQ_ROW_MAJOR});
            for (std::size_t k = 0; k < zd.size(); ++k) ASSERT_EQ(zc[k], zd[k]) << leaf_mode_name(mode);
            std::vector<float> xf(x.begin(), x.end());
            const std::vector<float> zf = apply_f32(*t, xf, n);
            for (std::size_t k = 0; k < zd.size(); ++k)
                ASSERT_EQ(zf[k], static_cast<float>(zd[k]));  // float64 arithmetic, one rounding
        }
}

// ---- bad input ----------------------------------------------------------------------------------------------

TEST(Tree, CreateErrors) {
    const auto status_of = [](TreeParams p) {
        try {
            TreeSketch::create(p);
        } catch (const Error &e) {
            return e.status();
        }
        return SUBQ_OK;
    };
    const TreeParams ok = tree_params(10, 64, 3, LeafMode::kAuto);
    EXPECT_EQ(status_of(ok), SUBQ_OK);
    TreeParams p = ok;
    p.degree = 0;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p.degree = 1025;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.input_dim = 0;
    EXPECT_EQ(status_of(p), SUBQ_ERR_DIMENSION);
    p = ok;
    p.output_dim = 0;
    EXPECT_EQ(status_of(p), SUBQ_ERR_DIMENSION);
    for (double g : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
        p = ok;
        p.gamma = g;
        EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE) << g;
    }
    for (double c : {-0.1, std::nan(""), HUGE_VAL}) {
        p = ok;
        p.coef0 = c;
        EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE) << c;
    }
    p = ok;
    p.node_type = static_cast<int>(Type::kSrht);
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.leaf_mode = 4;
    EXPECT_EQ(status_of(p), SUBQ_ERR_PARAM_RANGE);
    p = ok;
    p.leaf_mode = static_cast<int>(LeafMode::kIdentity);
    p.leaf_dim = 32;
    EXPECT_EQ(status_of(p), SUBQ_ERR_INVALID_ARG);
    p = ok;
    p.leaf_mode = static_cast<int>(LeafMode::kIndependent);
    p.leaf_hash_dim = 64;  // only for OSNAP→SRHT leaves
    EXPECT_EQ(status_of(p), SUBQ_ERR_INVALID_ARG);
    p = ok;  // q·(q-1)/2 nodes of 2·4096 doubles: far above the plan limit
    p.degree = 1024;
    p.output_dim = 4096;
    p.all_degrees = true;
    EXPECT_EQ(status_of(p), SUBQ_ERR_OUT_OF_MEMORY);
    p = ok;
    p.blocks = {{2, 0, 1.0}};
    EXPECT_EQ(status_of(p), SUBQ_ERR_DIMENSION);
}

}  // namespace
}  // namespace subq::sketch::test
