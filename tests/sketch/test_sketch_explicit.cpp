// Each sketch equals its explicitly materialised matrix, built independently from its hash/sign/index tables
// (design/algorithms.md §7.1 S2–S5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sketch/sketch.hpp"
#include "sketch_test_util.hpp"

using namespace subq;
using namespace subq::sketch;
using namespace subq::sketch::test;

namespace {

void expect_near_all(const Mat &a, const Mat &b, double tol) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << "at " << i;
}

// The explicit m×d matrix of a hashing sketch from its (bucket, value) entries.
Mat explicit_hash(const HashMap &h, index_t m) {
    const index_t d = h.dim();
    Mat S(static_cast<std::size_t>(m * d), 0.0);
    for (index_t j = 0; j < d; ++j)
        for (int t = 0; t < h.components(); ++t) {
            std::uint32_t r;
            double v;
            h.entry(j, t, r, v);
            S[static_cast<std::size_t>(r * d + j)] += v;
        }
    return S;
}

}  // namespace

TEST(SketchExplicit, CountSketchMatchesHashTable) {
    for (index_t d : {1, 17, 64}) {
        auto s = make(Type::kCountSketch, d, 16, 11);
        const auto &hs = dynamic_cast<const HashSketch &>(*s);
        const Mat S = explicit_hash(hs.map(), 16);
        const Mat E = explicit_by_identity(*s);
        expect_near_all(E, S, 1e-12);
        // Exactly one ±1 per column.
        for (index_t j = 0; j < d; ++j) {
            int nnz = 0;
            for (index_t r = 0; r < 16; ++r) {
                const double v = S[static_cast<std::size_t>(r * d + j)];
                if (v != 0) {
                    ++nnz;
                    EXPECT_EQ(std::abs(v), 1.0);
                }
            }
            EXPECT_EQ(nnz, 1);
        }
        // And a random batch equals S·x.
        const Mat x = gaussian_matrix(5, d, 3);
        const Mat z = apply(*s, x, 5);
        for (index_t i = 0; i < 5; ++i) {
            const auto y = matvec(S, 16, d, x.data() + i * d);
            for (index_t r = 0; r < 16; ++r)
                EXPECT_NEAR(z[static_cast<std::size_t>(i * 16 + r)], y[static_cast<std::size_t>(r)], 1e-12);
        }
    }
}

TEST(SketchExplicit, OsnapStructureS2) {
    const index_t d = 40, s = 4;
    Params p = params(Type::kOsnap, d, 30, 5);  // 30 rounds up to 32 = 4 blocks of 8
    p.sparsity = s;
    auto sk = Sketch::create(p);
    ASSERT_EQ(sk->output_dim(), 32);
    const index_t m = 32, b = m / s;
    const Mat E = explicit_by_identity(*sk);
    const Mat S = explicit_hash(dynamic_cast<const HashSketch &>(*sk).map(), m);
    expect_near_all(E, S, 1e-12);
    const double v = 1.0 / std::sqrt(static_cast<double>(s));
    for (index_t j = 0; j < d; ++j) {
        int total = 0;
        for (index_t t = 0; t < s; ++t) {
            int in_block = 0;
            for (index_t r = t * b; r < (t + 1) * b; ++r) {
                const double e = E[static_cast<std::size_t>(r * d + j)];
                if (e != 0) {
                    ++in_block;
                    EXPECT_NEAR(std::abs(e), v, 1e-15);
                }
            }
            EXPECT_EQ(in_block, 1) << "column " << j << " block " << t;
            total += in_block;
        }
        EXPECT_EQ(total, s);
    }
}

TEST(SketchExplicit, SrhtEqualsDenseMatrixS3) {
    struct Case {
        index_t d, m;
    };
    for (Case c : {Case{50, 40}, Case{64, 100}, Case{33, 7}, Case{1, 5}}) {
        auto sk = make(Type::kSrht, c.d, c.m, 21);
        const auto &s = dynamic_cast<const Srht &>(*sk);
        const index_t P = s.padded_dim();
        ASSERT_EQ(P, c.d == 1 ? 1 : (c.d <= 32 ? 32 : (c.d <= 64 ? 64 : 128)));
        const Mat H = hadamard(P);
        Mat S(static_cast<std::size_t>(c.m * c.d));
        std::set<std::uint32_t> distinct;
        for (index_t k = 0; k < c.m; ++k) {
            const std::uint32_t row = s.index(k);
            ASSERT_LT(row, static_cast<std::uint32_t>(P));
            distinct.insert(row);
            for (index_t j = 0; j < c.d; ++j)
                S[static_cast<std::size_t>(k * c.d + j)] =
                    H[static_cast<std::size_t>(row * P + j)] * s.sign(j) / std::sqrt(static_cast<double>(c.m));
        }
        if (c.m > P) {
            EXPECT_LT(static_cast<index_t>(distinct.size()), c.m);  // with replacement: duplicates kept
        }
        expect_near_all(explicit_by_identity(*sk), S, 1e-13);
        const Mat x = gaussian_matrix(3, c.d, 4);
        const Mat z = apply(*sk, x, 3);
        for (index_t i = 0; i < 3; ++i) {
            const auto y = matvec(S, c.m, c.d, x.data() + i * c.d);
            for (index_t k = 0; k < c.m; ++k)
                EXPECT_NEAR(z[static_cast<std::size_t>(i * c.m + k)], y[static_cast<std::size_t>(k)], 1e-12);
        }
    }
}

TEST(SketchExplicit, GaussianEqualsStoredMatrix) {
    auto sk = make(Type::kGaussian, 20, 12, 8);
    const auto &g = dynamic_cast<const Gaussian &>(*sk);
    const Mat E = explicit_by_identity(*sk);
    for (index_t r = 0; r < 12; ++r)
        for (index_t j = 0; j < 20; ++j) EXPECT_NEAR(E[static_cast<std::size_t>(r * 20 + j)], g.entry(r, j), 1e-15);
    // Entries ~ N(0, 1/m): check the moments over a larger matrix.
    auto big = make(Type::kGaussian, 300, 200, 9);
    const auto &gb = dynamic_cast<const Gaussian &>(*big);
    std::vector<double> v;
    for (index_t r = 0; r < 200; ++r)
        for (index_t j = 0; j < 300; ++j) v.push_back(gb.entry(r, j));
    const Moments mo = moments(v);
    EXPECT_NEAR(mo.mean, 0.0, 4 * std::sqrt(1.0 / 200 / 60000.0));
    EXPECT_NEAR(mo.var * 200, 1.0, 0.03);
}

// S4: TensorSketch equals the CountSketch of x^{⊗p} with hash (Σ h_k) mod m and sign Π σ_k.
TEST(SketchExplicit, TensorSketchEqualsCountSketchOfTensorPowerS4) {
    const index_t d = 5, m = 16;
    Params p = params(Type::kTensorSketch, d, m, 31);
    p.degree = 3;
    auto sk = Sketch::create(p);
    const auto &ts = dynamic_cast<const TensorSketch &>(*sk);
    ASSERT_EQ(ts.degree(), 3);
    const Mat x = gaussian_matrix(4, d, 6);
    const Mat z = apply(*sk, x, 4);
    for (index_t n = 0; n < 4; ++n) {
        std::vector<double> ref(m, 0.0);
        const double *xi = x.data() + n * d;
        for (index_t a = 0; a < d; ++a)
            for (index_t b = 0; b < d; ++b)
                for (index_t c = 0; c < d; ++c) {
                    std::uint32_t r0, r1, r2;
                    double s0, s1, s2;
                    ts.map(0).entry(a, 0, r0, s0);
                    ts.map(1).entry(b, 0, r1, s1);
                    ts.map(2).entry(c, 0, r2, s2);
                    ref[(r0 + r1 + r2) % m] += s0 * s1 * s2 * xi[a] * xi[b] * xi[c];
                }
        for (index_t r = 0; r < m; ++r)
            EXPECT_NEAR(z[static_cast<std::size_t>(n * m + r)], ref[static_cast<std::size_t>(r)], 1e-12);
    }
}

TEST(SketchExplicit, TensorSketchPairEqualsExplicit) {
    const index_t d1 = 6, d2 = 9, m = 10;  // odd and even FFT lengths are both circular
    for (index_t mm : {m, index_t{13}}) {
        Params p = params(Type::kTensorSketch, d1, mm, 32);
        p.degree = 2;
        p.input_dim2 = d2;
        auto sk = Sketch::create(p);
        const auto &ts = dynamic_cast<const TensorSketch &>(*sk);
        const Mat a = gaussian_matrix(3, d1, 1), b = gaussian_matrix(3, d2, 2);
        const Mat z = apply_pair(*sk, a, b, 3);
        for (index_t n = 0; n < 3; ++n) {
            std::vector<double> ref(static_cast<std::size_t>(mm), 0.0);
            for (index_t i = 0; i < d1; ++i)
                for (index_t j = 0; j < d2; ++j) {
                    std::uint32_t r0, r1;
                    double s0, s1;
                    ts.map(0).entry(i, 0, r0, s0);
                    ts.map(1).entry(j, 0, r1, s1);
                    ref[(r0 + r1) % mm] +=
                        s0 * s1 * a[static_cast<std::size_t>(n * d1 + i)] * b[static_cast<std::size_t>(n * d2 + j)];
                }
            for (index_t r = 0; r < mm; ++r)
                EXPECT_NEAR(z[static_cast<std::size_t>(n * mm + r)], ref[static_cast<std::size_t>(r)], 1e-12);
        }
    }
}

TEST(SketchExplicit, TensorSketchDegreeOneIsCountSketch) {
    Params p = params(Type::kTensorSketch, 12, 8, 3);
    p.degree = 1;
    auto sk = Sketch::create(p);
    const auto &ts = dynamic_cast<const TensorSketch &>(*sk);
    expect_near_all(explicit_by_identity(*sk), explicit_hash(ts.map(0), 8), 1e-14);
}

// S5: TensorSRHT factor-wise equals the explicit m×(D1·D2) matrix.
TEST(SketchExplicit, TensorSrhtEqualsExplicitS5) {
    struct Case {
        index_t d1, d2, m;
    };
    for (Case c : {Case{8, 16, 20}, Case{12, 20, 20}}) {
        Params p = params(Type::kTensorSrht, c.d1, c.m, 41);
        p.input_dim2 = c.d2;
        auto sk = Sketch::create(p);
        const auto &t = dynamic_cast<const TensorSrht &>(*sk);
        const index_t P1 = t.padded_dim1(), P2 = t.padded_dim2();
        const Mat H1 = hadamard(P1), H2 = hadamard(P2);
        const index_t D = c.d1 * c.d2;
        // Independent construction from the signs and index pairs.
        Mat S(static_cast<std::size_t>(c.m * D));
        for (index_t k = 0; k < c.m; ++k) {
            ASSERT_LT(t.index1(k), static_cast<std::uint32_t>(P1));
            ASSERT_LT(t.index2(k), static_cast<std::uint32_t>(P2));
            for (index_t i = 0; i < c.d1; ++i)
                for (index_t j = 0; j < c.d2; ++j)
                    S[static_cast<std::size_t>(k * D + i * c.d2 + j)] =
                        H1[static_cast<std::size_t>(t.index1(k) * P1 + i)] * t.sign1(i) *
                        H2[static_cast<std::size_t>(t.index2(k) * P2 + j)] * t.sign2(j) /
                        std::sqrt(static_cast<double>(c.m));
        }
        // Materialise the fast map on all pairs (e_i, e_j).
        Mat a(static_cast<std::size_t>(D * c.d1), 0.0), b(static_cast<std::size_t>(D * c.d2), 0.0);
        for (index_t i = 0; i < c.d1; ++i)
            for (index_t j = 0; j < c.d2; ++j) {
                const index_t row = i * c.d2 + j;
                a[static_cast<std::size_t>(row * c.d1 + i)] = 1.0;
                b[static_cast<std::size_t>(row * c.d2 + j)] = 1.0;
            }
        const Mat z = apply_pair(*sk, a, b, D);
        for (index_t k = 0; k < c.m; ++k)
            for (index_t col = 0; col < D; ++col)
                ASSERT_NEAR(z[static_cast<std::size_t>(col * c.m + k)], S[static_cast<std::size_t>(k * D + col)],
                            1e-13);
        // And on random pairs: S (a ⊗ b).
        const Mat ra = gaussian_matrix(2, c.d1, 5), rb = gaussian_matrix(2, c.d2, 6);
        const Mat rz = apply_pair(*sk, ra, rb, 2);
        for (index_t n = 0; n < 2; ++n) {
            std::vector<double> ab(static_cast<std::size_t>(D));
            for (index_t i = 0; i < c.d1; ++i)
                for (index_t j = 0; j < c.d2; ++j)
                    ab[static_cast<std::size_t>(i * c.d2 + j)] =
                        ra[static_cast<std::size_t>(n * c.d1 + i)] * rb[static_cast<std::size_t>(n * c.d2 + j)];
            const auto y = matvec(S, c.m, D, ab.data());
            for (index_t k = 0; k < c.m; ++k)
                EXPECT_NEAR(rz[static_cast<std::size_t>(n * c.m + k)], y[static_cast<std::size_t>(k)], 1e-12);
        }
    }
}

TEST(SketchExplicit, TensorSrhtSingleEqualsPairWithItself) {
    Params p = params(Type::kTensorSrht, 24, 30, 2);
    auto sk = Sketch::create(p);
    const Mat x = gaussian_matrix(7, 24, 1);
    EXPECT_EQ(apply(*sk, x, 7), apply_pair(*sk, x, x, 7));
    Params q = params(Type::kTensorSketch, 24, 30, 2);
    q.degree = 2;
    auto ts = Sketch::create(q);
    EXPECT_EQ(apply(*ts, x, 7), apply_pair(*ts, x, x, 7));
}

// On-the-fly hashing (no tables) gives exactly the tabled values.
TEST(SketchExplicit, OnTheFlyHashingEqualsTables) {
    const Mat x = gaussian_matrix(9, 37, 12);
    for (int type = 1; type <= 6; ++type) {
        Params p = params(static_cast<Type>(type), 37, 24, 77);
        p.degree = type == 5 ? 3 : 2;
        auto tab = Sketch::create(p);
        p.table_limit = 0;
        auto fly = Sketch::create(p);
        EXPECT_EQ(apply(*tab, x, 9), apply(*fly, x, 9)) << type_name(static_cast<Type>(type));
        if (auto *h = dynamic_cast<const HashSketch *>(fly.get())) {
            EXPECT_FALSE(h->map().has_table());
        }
        if (auto *h = dynamic_cast<const HashSketch *>(tab.get())) {
            EXPECT_TRUE(h->map().has_table());
        }
    }
}

// Above 2^20 input dimensions no d-sized table is stored; CSR input stays O(nnz).
TEST(SketchExplicit, LargeInputDimensionHashesOnTheFly) {
    const index_t d = (index_t{1} << 22) + 3;
    auto sk = make(Type::kCountSketch, d, 64, 4);
    const auto &h = dynamic_cast<const HashSketch &>(*sk).map();
    EXPECT_FALSE(h.has_table());
    std::vector<index_t> indptr = {0, 3}, indices = {0, 123456, d - 1};
    std::vector<double> values = {1.0, -2.0, 0.5};
    std::vector<double> z(64, -1.0);
    sk->apply_csr(CsrView<double>{1, d, indptr.data(), indices.data(), values.data()},
                  DenseView<double>{z.data(), 1, 64, 64, SUBQ_ROW_MAJOR});
    std::vector<double> ref(64, 0.0);
    for (int k = 0; k < 3; ++k) {
        std::uint32_t r;
        double v;
        h.entry(indices[static_cast<std::size_t>(k)], 0, r, v);
        ref[r] += v * values[static_cast<std::size_t>(k)];
    }
    EXPECT_EQ(z, ref);
    auto srht = make(Type::kSrht, index_t{1} << 21, 16, 4);
    EXPECT_EQ(dynamic_cast<const Srht &>(*srht).padded_dim(), index_t{1} << 21);
}
