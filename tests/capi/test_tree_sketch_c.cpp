// The tree sketch of x^{⊗q} through the C API (a SUBQ_KIND_TREE_SKETCH config + subq_sketch_*): creation with
// every key, the resolved parameters of subq_sketch_get_int, unbiasedness against the exact polynomial kernel,
// agreement of the dense/CSR/f32/layout entry points, and every error path with its message.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "capi_test_util.hpp"
#include "subq/subq.h"

namespace {

using namespace subq_capi_test;
using ConfigPtr = ConfigOf<SUBQ_KIND_TREE_SKETCH>;

// A tree-sketch config with the required keys.
void tree_config(ConfigPtr &c, int64_t d, int64_t D, int64_t q, int64_t seed = 1) {
    c.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_OUTPUT_DIM, D).set(SUBQ_P_DEGREE, q).set(SUBQ_P_SEED, seed);
}

int64_t get_int(const subq_sketch *sk, subq_param key) {
    int64_t v = -12345;
    EXPECT_EQ(subq_sketch_get_int(sk, key, &v), SUBQ_OK) << subq_last_error_message();
    return v;
}

// Deterministic values in [-1, 1] that are multiples of 2^-10: exactly representable as float, so the float32 and
// float64 entry points see the same input.
std::vector<double> grid_values(std::size_t n, unsigned seed) {
    std::vector<double> v(n);
    std::uint64_t s = seed * 2654435761u + 1;
    for (auto &e : v) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        e = static_cast<double>(static_cast<std::int64_t>(s >> 33) % 2049 - 1024) / 1024.0;
    }
    return v;
}

// The CSR form (sorted, unique column indices) of a dense row-major n×d matrix.
struct Csr {
    std::vector<subq_index> indptr{0}, indices;
    std::vector<double> values;
};
Csr to_csr(const std::vector<double> &x, int64_t n, int64_t d) {
    Csr c;
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < d; ++j) {
            const double v = x[static_cast<std::size_t>(i * d + j)];
            if (v != 0) {
                c.indices.push_back(j);
                c.values.push_back(v);
            }
        }
        c.indptr.push_back(static_cast<subq_index>(c.indices.size()));
    }
    return c;
}

double dot(const double *a, const double *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

long max_rss_kib() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace

TEST(TreeSketchCApi, PinnedValues) {
    EXPECT_EQ(SUBQ_KIND_TREE_SKETCH, 2);
    EXPECT_EQ(SUBQ_SKETCH_TREE, 7);
    EXPECT_EQ(SUBQ_P_LEAF_MODE, 104);
    EXPECT_EQ(SUBQ_P_LEAF_DIM, 105);
    EXPECT_EQ(SUBQ_P_NODE_TYPE, 106);
    EXPECT_EQ(SUBQ_P_LEAF_TYPE, 109);
    EXPECT_EQ(SUBQ_P_LEAF_HASH_DIM, 110);
    EXPECT_EQ(SUBQ_P_NODE_DIM, 111);
    EXPECT_EQ(SUBQ_P_ALL_DEGREES, 112);
    EXPECT_EQ(SUBQ_P_GAMMA, 201);
    EXPECT_EQ(SUBQ_P_COEF0, 202);
    EXPECT_EQ(SUBQ_LEAF_AUTO, 0);
    EXPECT_EQ(SUBQ_LEAF_IDENTITY, 1);
    EXPECT_EQ(SUBQ_LEAF_INDEPENDENT, 2);
    EXPECT_EQ(SUBQ_LEAF_SHARED, 3);
    EXPECT_EQ(SUBQ_LEAF_TYPE_AUTO, 0);
    EXPECT_EQ(SUBQ_LEAF_TYPE_COUNTSKETCH, 1);
    EXPECT_EQ(SUBQ_LEAF_TYPE_OSNAP, 2);
    EXPECT_EQ(SUBQ_LEAF_TYPE_SRHT, 3);
    EXPECT_EQ(SUBQ_LEAF_TYPE_OSNAP_SRHT, 4);
    const struct {
        subq_param key;
        const char *name;
        int is_int;
    } keys[] = {{SUBQ_P_LEAF_MODE, "SUBQ_P_LEAF_MODE", 1},
                {SUBQ_P_LEAF_DIM, "SUBQ_P_LEAF_DIM", 1},
                {SUBQ_P_NODE_TYPE, "SUBQ_P_NODE_TYPE", 1},
                {SUBQ_P_LEAF_TYPE, "SUBQ_P_LEAF_TYPE", 1},
                {SUBQ_P_LEAF_HASH_DIM, "SUBQ_P_LEAF_HASH_DIM", 1},
                {SUBQ_P_NODE_DIM, "SUBQ_P_NODE_DIM", 1},
                {SUBQ_P_ALL_DEGREES, "SUBQ_P_ALL_DEGREES", 1},
                {SUBQ_P_GAMMA, "SUBQ_P_GAMMA", 0},
                {SUBQ_P_COEF0, "SUBQ_P_COEF0", 0}};
    for (const auto &k : keys) {
        double lo = 0, hi = 0;
        int is_int = -1;
        const char *name = nullptr;
        ASSERT_EQ(subq_param_info(k.key, &lo, &hi, &is_int, &name), SUBQ_OK);
        EXPECT_STREQ(name, k.name);
        EXPECT_EQ(is_int, k.is_int) << k.name;
    }
    // The documented defaults of a fresh tree config.
    ConfigPtr c;
    int64_t v = -1;
    double g = -1;
    const struct {
        subq_param key;
        int64_t value;
    } defaults[] = {{SUBQ_P_DEGREE, 2},       {SUBQ_P_LEAF_MODE, SUBQ_LEAF_AUTO},
                    {SUBQ_P_LEAF_TYPE, 0},    {SUBQ_P_LEAF_DIM, 0},
                    {SUBQ_P_NODE_DIM, 0},     {SUBQ_P_NODE_TYPE, SUBQ_SKETCH_TENSORSRHT},
                    {SUBQ_P_SPARSITY, 4},     {SUBQ_P_ALL_DEGREES, 0},
                    {SUBQ_P_LEAF_HASH_DIM, 0}};
    for (const auto &dflt : defaults) {
        ASSERT_EQ(subq_config_get_int(c.p, dflt.key, &v), SUBQ_OK) << dflt.key;
        EXPECT_EQ(v, dflt.value) << dflt.key;
    }
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_GAMMA, &g), SUBQ_OK);
    EXPECT_EQ(g, 1.0);
    ASSERT_EQ(subq_config_get_double(c.p, SUBQ_P_COEF0, &g), SUBQ_OK);
    EXPECT_EQ(g, 0.0);
    subq_kind kind = SUBQ_KIND_SKETCH;
    ASSERT_EQ(subq_config_kind(c.p, &kind), SUBQ_OK);
    EXPECT_EQ(kind, SUBQ_KIND_TREE_SKETCH);
}

TEST(TreeSketchCApi, CreateWithEveryKeyAndResolvedParameters) {
    ConfigPtr c;
    tree_config(c, 50, 64, 5, 9);
    c.set(SUBQ_P_ALL_DEGREES, 0)
        .set(SUBQ_P_LEAF_MODE, SUBQ_LEAF_INDEPENDENT)
        .set(SUBQ_P_LEAF_TYPE, SUBQ_LEAF_TYPE_OSNAP_SRHT)
        .set(SUBQ_P_LEAF_DIM, 40)
        .set(SUBQ_P_LEAF_HASH_DIM, 128)
        .set(SUBQ_P_SPARSITY, 2)
        .set(SUBQ_P_NODE_TYPE, SUBQ_SKETCH_TENSORSKETCH)
        .set(SUBQ_P_NODE_DIM, 32)
        .set(SUBQ_P_NUM_THREADS, 2)
        .set(SUBQ_P_BLOCK_ROWS, 3)
        .setd(SUBQ_P_GAMMA, 0.5)
        .setd(SUBQ_P_COEF0, 1.5);
    SketchPtr sk;
    ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
    EXPECT_STREQ(subq_last_error_message(), "");
    subq_sketch_type type = SUBQ_SKETCH_SRHT;
    ASSERT_EQ(subq_sketch_get_type(sk.p, &type), SUBQ_OK);
    EXPECT_EQ(type, SUBQ_SKETCH_TREE);
    subq_index d = 0, d2 = -1, m = 0;
    ASSERT_EQ(subq_sketch_input_dim(sk.p, &d), SUBQ_OK);
    ASSERT_EQ(subq_sketch_input_dim2(sk.p, &d2), SUBQ_OK);
    ASSERT_EQ(subq_sketch_output_dim(sk.p, &m), SUBQ_OK);
    EXPECT_EQ(d, 50);
    EXPECT_EQ(d2, 0);  // no pair apply
    EXPECT_EQ(m, 64);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_INPUT_DIM), 50);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_OUTPUT_DIM), 64);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_SEED), 9);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_DEGREE), 5);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_MODE), SUBQ_LEAF_INDEPENDENT);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_TYPE), SUBQ_LEAF_TYPE_OSNAP_SRHT);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_DIM), 40);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_TYPE), SUBQ_SKETCH_TENSORSKETCH);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_DIM), 32);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_ALL_DEGREES), 0);
    EXPECT_EQ(get_int(sk.p, SUBQ_P_SPARSITY), 2);  // the OSNAP stage of the leaves

    // The map does not depend on the thread count or the row-block size: the same keys with 1 thread and the
    // default block size give bit-identical rows.
    const int64_t n = 11;
    const std::vector<double> x = grid_values(static_cast<std::size_t>(n * 50), 1);
    std::vector<double> z(static_cast<std::size_t>(n * 64)), z1(z.size());
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, n, 50, x.data(), 50, z.data(), 64), SUBQ_OK);
    c.set(SUBQ_P_NUM_THREADS, 1).set(SUBQ_P_BLOCK_ROWS, 0);
    SketchPtr one;
    ASSERT_EQ(subq_sketch_create(c.p, &one.p), SUBQ_OK) << subq_last_error_message();
    ASSERT_EQ(subq_sketch_apply_f64(one.p, SUBQ_ROW_MAJOR, n, 50, x.data(), 50, z1.data(), 64), SUBQ_OK);
    EXPECT_EQ(z, z1);
    for (double v : z) EXPECT_TRUE(std::isfinite(v));
    // Another seed, another map.
    c.set(SUBQ_P_SEED, 10);
    SketchPtr other;
    ASSERT_EQ(subq_sketch_create(c.p, &other.p), SUBQ_OK);
    ASSERT_EQ(subq_sketch_apply_f64(other.p, SUBQ_ROW_MAJOR, n, 50, x.data(), 50, z1.data(), 64), SUBQ_OK);
    EXPECT_NE(z, z1);
}

TEST(TreeSketchCApi, AutoResolution) {
    {  // Fashion-MNIST sized: P(784) = 1024 <= 4·4096, identity leaves (no leaf map), node width D.
        ConfigPtr c;
        tree_config(c, 784, 4096, 32);
        SketchPtr sk;
        ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_MODE), SUBQ_LEAF_IDENTITY);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_TYPE), SUBQ_LEAF_TYPE_AUTO);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_DIM), 784);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_DIM), 4096);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_TYPE), SUBQ_SKETCH_TENSORSRHT);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_OUTPUT_DIM), 4096);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_DEGREE), 32);
    }
    {  // c > 0 appends √c: identity leaves are d + 1 wide.
        ConfigPtr c;
        tree_config(c, 784, 4096, 2);
        c.setd(SUBQ_P_COEF0, 1.0);
        SketchPtr sk;
        ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_DIM), 785);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_INPUT_DIM), 784);
    }
    {  // d = 2^20: independent leaves; P(d) > 2^16, so OSNAP (rounded to a multiple of s = 4) of width node_dim.
        ConfigPtr c;
        tree_config(c, int64_t{1} << 20, 4096, 2);
        SketchPtr sk;
        ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_MODE), SUBQ_LEAF_INDEPENDENT);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_TYPE), SUBQ_LEAF_TYPE_OSNAP);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_DIM), 4096);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_DIM), 4096);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_INPUT_DIM), int64_t{1} << 20);
        // One sparse row of 2^20 columns goes through the CSR path.
        const std::vector<subq_index> indptr = {0, 3}, indices = {5, 70000, 1048575};
        const std::vector<double> values = {1.0, -2.0, 0.5};
        std::vector<double> z(4096);
        ASSERT_EQ(subq_sketch_apply_csr_f64(sk.p, 1, int64_t{1} << 20, indptr.data(), indices.data(), values.data(),
                                            SUBQ_ROW_MAJOR, z.data(), 4096),
                  SUBQ_OK)
            << subq_last_error_message();
        EXPECT_GT(dot(z.data(), z.data(), 4096), 0.0);
    }
    {  // Leaf widths (sketch.h): independent leaves node_dim; a shared leaf node_dim times a factor that grows with
       // q up to 32 (the exact factor is a calibration: only its documented shape is checked here); SRHT (the auto
       // type below 2^16) at most P(d̃). node_dim defaults to P(D). d = 5000: P(d̃) = 8192 does not bind.
        const auto resolve = [](int mode, int64_t q, int64_t &leaf_dim) {
            ConfigPtr c;
            tree_config(c, 5000, 100, q);
            c.set(SUBQ_P_LEAF_MODE, mode);
            SketchPtr sk;
            ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
            EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_MODE),
                      mode == SUBQ_LEAF_SHARED ? SUBQ_LEAF_SHARED : SUBQ_LEAF_INDEPENDENT);
            EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_TYPE), SUBQ_LEAF_TYPE_SRHT);
            EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_DIM), 128);
            EXPECT_EQ(get_int(sk.p, SUBQ_P_OUTPUT_DIM), 100);
            leaf_dim = get_int(sk.p, SUBQ_P_LEAF_DIM);
        };
        int64_t w = 0;
        resolve(SUBQ_LEAF_INDEPENDENT, 3, w);
        EXPECT_EQ(w, 128);
        resolve(SUBQ_LEAF_AUTO, 3, w);  // auto: P(5000) > 4·128, so independent leaves
        EXPECT_EQ(w, 128);
        int64_t previous = 128;
        for (int64_t q : {2, 3, 4, 8, 10, 16, 64, 1024}) {
            resolve(SUBQ_LEAF_SHARED, q, w);
            EXPECT_EQ(w % 128, 0) << "q = " << q;
            EXPECT_GE(w, previous) << "q = " << q;  // non-decreasing in q, never below node_dim
            EXPECT_LE(w, 32 * 128) << "q = " << q;
            previous = w;
        }
        // d = 100: an SRHT leaf is capped at P(d̃) = 128 (where it is exact), below node_dim = P(1000) = 1024.
        for (int mode : {SUBQ_LEAF_SHARED, SUBQ_LEAF_INDEPENDENT}) {
            ConfigPtr c;
            tree_config(c, 100, 1000, 3);
            c.set(SUBQ_P_LEAF_MODE, mode);
            SketchPtr sk;
            ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
            EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_DIM), 1024);
            EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_DIM), 128) << "mode " << mode;
        }
        // An explicit width is kept.
        ConfigPtr c;
        tree_config(c, 100, 1000, 3);
        c.set(SUBQ_P_LEAF_MODE, SUBQ_LEAF_SHARED).set(SUBQ_P_LEAF_DIM, 300);
        SketchPtr sk;
        ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
        EXPECT_EQ(get_int(sk.p, SUBQ_P_LEAF_DIM), 300);
    }
    {  // All degrees: q blocks of D columns.
        ConfigPtr c;
        tree_config(c, 10, 48, 5);
        c.set(SUBQ_P_ALL_DEGREES, 1);
        SketchPtr sk;
        ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
        subq_index m = 0;
        ASSERT_EQ(subq_sketch_output_dim(sk.p, &m), SUBQ_OK);
        EXPECT_EQ(m, 5 * 48);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_OUTPUT_DIM), 5 * 48);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_ALL_DEGREES), 1);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_DEGREE), 5);
        EXPECT_EQ(get_int(sk.p, SUBQ_P_NODE_DIM), 64);
    }
}

TEST(TreeSketchCApi, GetIntErrors) {
    ConfigPtr base(SUBQ_KIND_SKETCH);
    base.set(SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_SRHT).set(SUBQ_P_INPUT_DIM, 10).set(SUBQ_P_OUTPUT_DIM, 16);
    SketchPtr srht;
    ASSERT_EQ(subq_sketch_create(base.p, &srht.p), SUBQ_OK);
    int64_t v = 77;
    const subq_param tree_only[] = {SUBQ_P_LEAF_MODE, SUBQ_P_LEAF_TYPE, SUBQ_P_LEAF_DIM,
                                    SUBQ_P_NODE_TYPE, SUBQ_P_NODE_DIM,  SUBQ_P_ALL_DEGREES};
    for (subq_param key : tree_only) {
        expect_error(subq_sketch_get_int(srht.p, key, &v), SUBQ_ERR_UNKNOWN_PARAM, "subq_sketch_get_int: key");
        EXPECT_EQ(v, 77);  // unchanged on failure
    }
    expect_error(subq_sketch_get_int(srht.p, SUBQ_P_LEAF_MODE, &v), SUBQ_ERR_UNKNOWN_PARAM, "SRHT");
    EXPECT_EQ(get_int(srht.p, SUBQ_P_OUTPUT_DIM), 16);

    ConfigPtr c;
    tree_config(c, 10, 16, 3);
    SketchPtr tree;
    ASSERT_EQ(subq_sketch_create(c.p, &tree.p), SUBQ_OK);
    // A double key, and a key of another kind, are not integer parameters of a tree sketch.
    expect_error(subq_sketch_get_int(tree.p, SUBQ_P_GAMMA, &v), SUBQ_ERR_UNKNOWN_PARAM, "key 201");
    expect_error(subq_sketch_get_int(tree.p, SUBQ_P_NET_WIDTH, &v), SUBQ_ERR_UNKNOWN_PARAM, "key 400");
    expect_error(subq_sketch_get_int(tree.p, SUBQ_P_SKETCH_TYPE, &v), SUBQ_ERR_UNKNOWN_PARAM, "key 102");
    EXPECT_EQ(v, 77);
    expect_error(subq_sketch_get_int(nullptr, SUBQ_P_DEGREE, &v), SUBQ_ERR_NULL_POINTER,
                 "subq_sketch_get_int: sk is NULL");
    expect_error(subq_sketch_get_int(tree.p, SUBQ_P_DEGREE, nullptr), SUBQ_ERR_NULL_POINTER, "value is NULL");
}

// E⟨z_x, z_y⟩ over independent seeds equals the kernel (γ⟨x,y⟩ + c)^q for identity and independent leaves.
// The mean of N = 2000 i.i.d. estimates is compared with the exact value within 4 standard errors (the sample
// standard deviation / √N); for a correct, unbiased sketch that fails with probability about 6·10⁻⁵ (CLT), and the
// seeds are fixed, so the test is deterministic. A biased sketch (e.g. a wrong scale, a dropped √c or a padding
// leaf of zeros) is off by far more: the relative bias of those bugs is O(1) while 4 SE is a few percent.
TEST(TreeSketchCApi, UnbiasedAgainstTheExactKernel) {
    const int64_t d = 6, D = 16, seeds = 2000;
    const std::vector<double> xy = {0.5,  -0.25, 1.0,  0.75, 0.0,  -0.5,    // x
                                    0.25, 0.5,   0.75, 1.0,  -0.5, -0.25};  // y
    const double ip = dot(xy.data(), xy.data() + d, d);
    ASSERT_EQ(ip, 1.625);  // exact in binary
    struct Case {
        int64_t q;
        double gamma, coef0;
        int leaf_mode, leaf_type;
    };
    const Case cases[] = {
        {2, 1.0, 0.0, SUBQ_LEAF_IDENTITY, 0},
        {2, 0.7, 0.5, SUBQ_LEAF_IDENTITY, 0},
        {3, 1.0, 0.3, SUBQ_LEAF_IDENTITY, 0},  // q = 3 is padded to 4 with e₁
        {2, 0.5, 1.0, SUBQ_LEAF_INDEPENDENT, SUBQ_LEAF_TYPE_SRHT},
    };
    for (const Case &k : cases) {
        const double exact = std::pow(k.gamma * ip + k.coef0, static_cast<double>(k.q));
        double sum = 0, sum2 = 0;
        std::vector<double> z(static_cast<std::size_t>(2 * D));
        for (int64_t s = 0; s < seeds; ++s) {
            ConfigPtr c;
            tree_config(c, d, D, k.q, 1000 + s);
            c.set(SUBQ_P_LEAF_MODE, k.leaf_mode).setd(SUBQ_P_GAMMA, k.gamma).setd(SUBQ_P_COEF0, k.coef0);
            if (k.leaf_mode == SUBQ_LEAF_INDEPENDENT) c.set(SUBQ_P_LEAF_TYPE, k.leaf_type).set(SUBQ_P_LEAF_DIM, 8);
            SketchPtr sk;
            ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
            ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, d, xy.data(), d, z.data(), D), SUBQ_OK);
            const double e = dot(z.data(), z.data() + D, D);
            sum += e;
            sum2 += e * e;
        }
        const double mean = sum / static_cast<double>(seeds);
        const double var = (sum2 - static_cast<double>(seeds) * mean * mean) / static_cast<double>(seeds - 1);
        const double se = std::sqrt(var / static_cast<double>(seeds));
        EXPECT_GT(se, 0.0);
        EXPECT_LT(se, 0.1 * exact) << "the test would be too weak";
        EXPECT_NEAR(mean, exact, 4 * se) << "q = " << k.q << ", gamma = " << k.gamma << ", c = " << k.coef0
                                         << ", leaf mode " << k.leaf_mode;
    }
}

// Dense and CSR input of the same matrix (sorted, unique column indices) give bit-identical output, for every
// leaf kind, with γ ≠ 1, c > 0 and a padded degree; float32 input (exactly representable values) gives the float64
// result rounded once, on both paths.
TEST(TreeSketchCApi, DenseCsrAndFloat32Agree) {
    const int64_t n = 9, d = 37, D = 40;
    std::vector<double> x = grid_values(static_cast<std::size_t>(n * d), 5);
    for (std::size_t i = 0; i < x.size(); i += 3) x[i] = 0.0;
    for (int64_t j = 0; j < d; ++j) x[static_cast<std::size_t>(4 * d + j)] = 0.0;  // an all-zero row
    const Csr csr = to_csr(x, n, d);
    std::vector<float> xf(x.begin(), x.end()), vf(csr.values.begin(), csr.values.end());
    struct Case {
        int leaf_mode, leaf_type;
        int64_t leaf_dim;
    };
    const Case cases[] = {{SUBQ_LEAF_IDENTITY, 0, 0},
                          {SUBQ_LEAF_INDEPENDENT, SUBQ_LEAF_TYPE_SRHT, 24},
                          {SUBQ_LEAF_INDEPENDENT, SUBQ_LEAF_TYPE_COUNTSKETCH, 24},
                          {SUBQ_LEAF_INDEPENDENT, SUBQ_LEAF_TYPE_OSNAP, 24},
                          {SUBQ_LEAF_INDEPENDENT, SUBQ_LEAF_TYPE_OSNAP_SRHT, 24},
                          {SUBQ_LEAF_SHARED, SUBQ_LEAF_TYPE_SRHT, 64},
                          {SUBQ_LEAF_SHARED, SUBQ_LEAF_TYPE_OSNAP, 64}};
    for (const Case &k : cases) {
        for (int all : {0, 1}) {
            SCOPED_TRACE("leaf mode " + std::to_string(k.leaf_mode) + ", leaf type " + std::to_string(k.leaf_type) +
                         ", all degrees " + std::to_string(all));
            ConfigPtr c;
            tree_config(c, d, D, 5, 3);
            c.set(SUBQ_P_LEAF_MODE, k.leaf_mode).set(SUBQ_P_ALL_DEGREES, all);
            c.setd(SUBQ_P_GAMMA, 0.8).setd(SUBQ_P_COEF0, 0.6);
            if (k.leaf_mode != SUBQ_LEAF_IDENTITY)
                c.set(SUBQ_P_LEAF_TYPE, k.leaf_type).set(SUBQ_P_LEAF_DIM, k.leaf_dim);
            SketchPtr sk;
            ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
            subq_index m = 0;
            ASSERT_EQ(subq_sketch_output_dim(sk.p, &m), SUBQ_OK);
            ASSERT_EQ(m, all ? 5 * D : D);
            const std::size_t size = static_cast<std::size_t>(n * m);
            std::vector<double> zd(size), zc(size);
            ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, zd.data(), m), SUBQ_OK);
            ASSERT_EQ(subq_sketch_apply_csr_f64(sk.p, n, d, csr.indptr.data(), csr.indices.data(), csr.values.data(),
                                                SUBQ_ROW_MAJOR, zc.data(), m),
                      SUBQ_OK)
                << subq_last_error_message();
            EXPECT_EQ(zd, zc);
            std::vector<float> zf(size), zcf(size);
            ASSERT_EQ(subq_sketch_apply_f32(sk.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, zf.data(), m), SUBQ_OK);
            ASSERT_EQ(subq_sketch_apply_csr_f32(sk.p, n, d, csr.indptr.data(), csr.indices.data(), vf.data(),
                                                SUBQ_ROW_MAJOR, zcf.data(), m),
                      SUBQ_OK);
            EXPECT_EQ(zf, zcf);
            std::size_t mismatches = 0;
            for (std::size_t i = 0; i < size; ++i) mismatches += zf[i] == static_cast<float>(zd[i]) ? 0 : 1;
            EXPECT_EQ(mismatches, 0u);
            // The all-zero row maps to the sketch of x̃ = [0; √c]: the same for every zero row, and nonzero.
            EXPECT_GT(dot(zd.data() + 4 * m, zd.data() + 4 * m, m), 0.0);
        }
    }
}

// Column-major input and output, and leading dimensions larger than the matrix, give the row-major result.
TEST(TreeSketchCApi, LayoutsAndLeadingDimensions) {
    const int64_t n = 7, d = 12, D = 20, q = 6;
    const std::vector<double> x = grid_values(static_cast<std::size_t>(n * d), 8);
    ConfigPtr c;
    tree_config(c, d, D, q, 4);
    c.setd(SUBQ_P_COEF0, 2.0).set(SUBQ_P_BLOCK_ROWS, 2);
    SketchPtr sk;
    ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
    std::vector<double> zr(static_cast<std::size_t>(n * D));
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, zr.data(), D), SUBQ_OK);

    const int64_t ldx = n + 3, ldz = n + 1;  // column-major with padding
    std::vector<double> xc(static_cast<std::size_t>(ldx * d), 99.0), zc(static_cast<std::size_t>(ldz * D), -1.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j)
            xc[static_cast<std::size_t>(j * ldx + i)] = x[static_cast<std::size_t>(i * d + j)];
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_COL_MAJOR, n, d, xc.data(), ldx, zc.data(), ldz), SUBQ_OK)
        << subq_last_error_message();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < D; ++k)
            ASSERT_EQ(zc[static_cast<std::size_t>(k * ldz + i)], zr[static_cast<std::size_t>(i * D + k)])
                << i << "," << k;
    for (int64_t k = 0; k < D; ++k) EXPECT_EQ(zc[static_cast<std::size_t>(k * ldz + n)], -1.0);  // padding untouched

    // Row-major with ldx > d and ldz > D.
    std::vector<double> xp(static_cast<std::size_t>(n * (d + 2)), 55.0),
        zp(static_cast<std::size_t>(n * (D + 3)), -1.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j)
            xp[static_cast<std::size_t>(i * (d + 2) + j)] = x[static_cast<std::size_t>(i * d + j)];
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, n, d, xp.data(), d + 2, zp.data(), D + 3), SUBQ_OK);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t k = 0; k < D; ++k)
            ASSERT_EQ(zp[static_cast<std::size_t>(i * (D + 3) + k)], zr[static_cast<std::size_t>(i * D + k)]);
        for (int64_t k = D; k < D + 3; ++k) EXPECT_EQ(zp[static_cast<std::size_t>(i * (D + 3) + k)], -1.0);
    }

    // CSR into a column-major output.
    const Csr csr = to_csr(x, n, d);
    std::vector<double> zcsr(static_cast<std::size_t>(ldz * D), -1.0);
    ASSERT_EQ(subq_sketch_apply_csr_f64(sk.p, n, d, csr.indptr.data(), csr.indices.data(), csr.values.data(),
                                        SUBQ_COL_MAJOR, zcsr.data(), ldz),
              SUBQ_OK);
    EXPECT_EQ(zcsr, zc);

    // A row sketched alone equals the same row in a batch (rows are independent).
    std::vector<double> z3(static_cast<std::size_t>(D));
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 1, d, x.data() + 3 * d, d, z3.data(), D), SUBQ_OK);
    for (int64_t k = 0; k < D; ++k) EXPECT_EQ(z3[static_cast<std::size_t>(k)], zr[static_cast<std::size_t>(3 * D + k)]);
}

// Degree 1 is an SRHT of x̃, which is linear in x̃: z(x) with c = 0 is linear in x.
TEST(TreeSketchCApi, DegreeOneIsLinear) {
    const int64_t d = 8, D = 16;
    ConfigPtr c;
    tree_config(c, d, D, 1, 2);
    SketchPtr sk;
    ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK) << subq_last_error_message();
    const std::vector<double> x = grid_values(static_cast<std::size_t>(2 * d), 3);
    std::vector<double> xs(static_cast<std::size_t>(3 * d));
    for (int64_t j = 0; j < d; ++j) {
        xs[static_cast<std::size_t>(j)] = x[static_cast<std::size_t>(j)];
        xs[static_cast<std::size_t>(d + j)] = x[static_cast<std::size_t>(d + j)];
        xs[static_cast<std::size_t>(2 * d + j)] = x[static_cast<std::size_t>(j)] + x[static_cast<std::size_t>(d + j)];
    }
    std::vector<double> z(static_cast<std::size_t>(3 * D));
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 3, d, xs.data(), d, z.data(), D), SUBQ_OK);
    for (int64_t k = 0; k < D; ++k)
        EXPECT_NEAR(z[static_cast<std::size_t>(2 * D + k)],
                    z[static_cast<std::size_t>(k)] + z[static_cast<std::size_t>(D + k)], 1e-12);
}

TEST(TreeSketchCApi, ConfigErrors) {
    ConfigPtr c;
    expect_error(subq_config_set_int(c.p, SUBQ_P_DEGREE, 0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE = 0");
    expect_error(subq_config_set_int(c.p, SUBQ_P_DEGREE, 1025), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE = 1025");
    EXPECT_EQ(subq_config_set_int(c.p, SUBQ_P_DEGREE, 1024), SUBQ_OK);
    expect_error(subq_config_set_int(c.p, SUBQ_P_LEAF_MODE, 4), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_LEAF_MODE = 4");
    expect_error(subq_config_set_int(c.p, SUBQ_P_LEAF_TYPE, 5), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_LEAF_TYPE = 5");
    expect_error(subq_config_set_int(c.p, SUBQ_P_NODE_TYPE, SUBQ_SKETCH_SRHT), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_NODE_TYPE = 3");
    expect_error(subq_config_set_int(c.p, SUBQ_P_ALL_DEGREES, 2), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_ALL_DEGREES = 2");
    expect_error(subq_config_set_double(c.p, SUBQ_P_COEF0, -1.0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_COEF0");
    expect_error(subq_config_set_double(c.p, SUBQ_P_GAMMA, std::nan("")), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
    expect_error(subq_config_set_double(c.p, SUBQ_P_GAMMA, HUGE_VAL), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
    expect_error(subq_config_set_int(c.p, SUBQ_P_GAMMA, 1), SUBQ_ERR_PARAM_TYPE, "SUBQ_P_GAMMA");
    expect_error(subq_config_set_double(c.p, SUBQ_P_LEAF_DIM, 4.0), SUBQ_ERR_PARAM_TYPE, "SUBQ_P_LEAF_DIM");
    // A base-sketch key is foreign to a tree config, and tree keys to a base-sketch config.
    expect_error(subq_config_set_int(c.p, SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_SRHT), SUBQ_ERR_UNKNOWN_PARAM,
                 "SUBQ_P_SKETCH_TYPE");
    int64_t v = 0;
    expect_error(subq_config_get_int(c.p, SUBQ_P_SKETCH_TYPE, &v), SUBQ_ERR_UNKNOWN_PARAM, "SUBQ_P_SKETCH_TYPE");
    ConfigPtr base(SUBQ_KIND_SKETCH);
    expect_error(subq_config_set_int(base.p, SUBQ_P_LEAF_MODE, 1), SUBQ_ERR_UNKNOWN_PARAM, "SUBQ_P_LEAF_MODE");
    expect_error(subq_config_set_double(base.p, SUBQ_P_GAMMA, 2.0), SUBQ_ERR_UNKNOWN_PARAM, "SUBQ_P_GAMMA");
    // SUBQ_SKETCH_TREE is not a value of SUBQ_P_SKETCH_TYPE.
    expect_error(subq_config_set_int(base.p, SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_TREE), SUBQ_ERR_PARAM_RANGE,
                 "SUBQ_P_SKETCH_TYPE = 7");
}

TEST(TreeSketchCApi, CreateErrors) {
    SketchPtr sk;
    expect_error(subq_sketch_create(nullptr, &sk.p), SUBQ_ERR_NULL_POINTER, "subq_sketch_create: cfg is NULL");
    {
        ConfigPtr c;
        tree_config(c, 10, 16, 3);
        expect_error(subq_sketch_create(c.p, nullptr), SUBQ_ERR_NULL_POINTER, "out is NULL");
    }
    {  // required dimensions
        ConfigPtr c;
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = 0");
        EXPECT_EQ(sk.p, nullptr);
        c.set(SUBQ_P_INPUT_DIM, 10);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = 0");
        EXPECT_EQ(sk.p, nullptr);
    }
    {  // γ = 0 passes the config's bounds but not create
        ConfigPtr c;
        tree_config(c, 10, 16, 3);
        c.setd(SUBQ_P_GAMMA, 0.0);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA = 0");
        EXPECT_EQ(sk.p, nullptr);
        c.setd(SUBQ_P_GAMMA, 1e-300);  // tiny but positive is accepted
        SketchPtr ok;
        EXPECT_EQ(subq_sketch_create(c.p, &ok.p), SUBQ_OK) << subq_last_error_message();
    }
    {  // leaf parameters for identity leaves (explicit, or resolved from auto)
        ConfigPtr c;
        tree_config(c, 10, 16, 3);
        c.set(SUBQ_P_LEAF_MODE, SUBQ_LEAF_IDENTITY).set(SUBQ_P_LEAF_DIM, 8);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_INVALID_ARG, "identity leaves have no leaf map");
        ConfigPtr a;
        tree_config(a, 10, 16, 3);
        a.set(SUBQ_P_LEAF_TYPE, SUBQ_LEAF_TYPE_SRHT);  // auto resolves to identity for d = 10
        expect_error(subq_sketch_create(a.p, &sk.p), SUBQ_ERR_INVALID_ARG, "SUBQ_P_LEAF_TYPE");
        EXPECT_EQ(sk.p, nullptr);
    }
    {  // a hash dimension without OSNAP→SRHT leaves
        ConfigPtr c;
        tree_config(c, 10, 16, 3);
        c.set(SUBQ_P_LEAF_MODE, SUBQ_LEAF_INDEPENDENT).set(SUBQ_P_LEAF_TYPE, SUBQ_LEAF_TYPE_SRHT);
        c.set(SUBQ_P_LEAF_HASH_DIM, 64);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_INVALID_ARG, "SUBQ_P_LEAF_HASH_DIM");
    }
    {  // all degrees up to 1024 at D = 4096: the plan is refused up front, before anything is allocated
        ConfigPtr c;
        tree_config(c, 784, 4096, 1024);
        c.set(SUBQ_P_ALL_DEGREES, 1);
        const long before = max_rss_kib();
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_OUT_OF_MEMORY, "more than 4 GiB");
        EXPECT_EQ(sk.p, nullptr);
        // Had it started building the plan (several GiB of node tables), the peak would have grown by far more.
        EXPECT_LT(max_rss_kib() - before, 64L * 1024) << "KiB";
    }
    {  // a config of another kind
        ConfigPtr c(SUBQ_KIND_NET);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_INVALID_ARG, "SUBQ_KIND_TREE_SKETCH");
    }
}

TEST(TreeSketchCApi, ApplyErrors) {
    const int64_t d = 6, D = 8;
    ConfigPtr c;
    tree_config(c, d, D, 4);
    SketchPtr sk;
    ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK);
    std::vector<double> x(2 * d, 0.5), z(2 * D);
    expect_error(subq_sketch_apply_f64(nullptr, SUBQ_ROW_MAJOR, 2, d, x.data(), d, z.data(), D), SUBQ_ERR_NULL_POINTER,
                 "subq_sketch_apply_f64: sk is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, d, nullptr, d, z.data(), D), SUBQ_ERR_NULL_POINTER,
                 "x is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, d, x.data(), d, nullptr, D), SUBQ_ERR_NULL_POINTER,
                 "z is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, d - 1, x.data(), d, z.data(), D), SUBQ_ERR_DIMENSION,
                 "d = 5 does not match the sketch's input dimension 6");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, d, x.data(), d, z.data(), D - 1), SUBQ_ERR_LAYOUT,
                 "z: leading dimension 7 < 8");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, -1, d, x.data(), d, z.data(), D), SUBQ_ERR_DIMENSION,
                 "negative size");
    std::vector<float> xf(x.begin(), x.end()), zf(z.size());
    expect_error(subq_sketch_apply_f32(sk.p, SUBQ_ROW_MAJOR, 2, d + 1, xf.data(), d + 1, zf.data(), D),
                 SUBQ_ERR_DIMENSION, "subq_sketch_apply_f32: d = 7");
    // n = 0 is a no-op.
    EXPECT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 0, d, nullptr, d, nullptr, D), SUBQ_OK);
    EXPECT_STREQ(subq_last_error_message(), "");
    // CSR: wrong d, NULL arrays.
    const std::vector<subq_index> indptr = {0, 1, 2}, indices = {0, 5};
    const std::vector<double> values = {1.0, 2.0};
    expect_error(subq_sketch_apply_csr_f64(sk.p, 2, d + 1, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                           z.data(), D),
                 SUBQ_ERR_DIMENSION, "subq_sketch_apply_csr_f64: d = 7");
    expect_error(
        subq_sketch_apply_csr_f64(sk.p, 2, d, nullptr, indices.data(), values.data(), SUBQ_ROW_MAJOR, z.data(), D),
        SUBQ_ERR_NULL_POINTER, "indptr is NULL");
    // A tree has no pair apply.
    expect_error(subq_sketch_apply_pair_f64(sk.p, SUBQ_ROW_MAJOR, 2, d, x.data(), d, d, x.data(), d, z.data(), D),
                 SUBQ_ERR_UNSUPPORTED, "subq_sketch_apply_pair_f64");
    expect_error(subq_sketch_apply_pair_f32(sk.p, SUBQ_ROW_MAJOR, 2, d, xf.data(), d, d, xf.data(), d, zf.data(), D),
                 SUBQ_ERR_UNSUPPORTED, "pair");
}
