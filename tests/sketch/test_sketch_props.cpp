// Statistical and structural properties of the base sketches: unbiasedness and variance (S1, S3, S4, S6), subspace
// embedding, CSR = dense, float32 = float64, layouts, determinism across threads and blocks (S10), NaN policy,
// errors.
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "sketch/sketch.hpp"
#include "sketch_test_util.hpp"

using namespace subq;
using namespace subq::sketch;
using namespace subq::sketch::test;

namespace {

const Type kAll[] = {Type::kCountSketch, Type::kOsnap,        Type::kSrht,
                     Type::kGaussian,    Type::kTensorSketch, Type::kTensorSrht};

double norm2(const double *x, index_t n) {
    return dot(x, x, n);
}

// A random CSR matrix (sorted, unique column indices) and its dense row-major copy.
struct Sparse {
    index_t n, d;
    std::vector<index_t> indptr, indices;
    std::vector<double> values;
    Mat dense;
};
Sparse random_sparse(index_t n, index_t d, double density, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<double> nd;
    Sparse s{n, d, {0}, {}, {}, Mat(static_cast<std::size_t>(n * d), 0.0)};
    for (index_t i = 0; i < n; ++i) {
        for (index_t j = 0; j < d; ++j)
            if (u(gen) < density) {
                const double v = nd(gen);
                s.indices.push_back(j);
                s.values.push_back(v);
                s.dense[static_cast<std::size_t>(i * d + j)] = v;
            }
        s.indptr.push_back(static_cast<index_t>(s.indices.size()));
    }
    return s;
}

Mat apply_csr(const Sketch &sk, const Sparse &x, subq_layout out_layout = SUBQ_ROW_MAJOR) {
    const index_t m = sk.output_dim();
    Mat z(static_cast<std::size_t>(x.n * m), -3.0);
    const index_t ldz = out_layout == SUBQ_ROW_MAJOR ? m : x.n;
    sk.apply_csr(CsrView<double>{x.n, x.d, x.indptr.data(), x.indices.data(), x.values.data()},
                 DenseView<double>{z.data(), x.n, m, ldz, out_layout});
    if (out_layout == SUBQ_COL_MAJOR) {  // back to row-major for comparisons
        Mat r(z.size());
        for (index_t i = 0; i < x.n; ++i)
            for (index_t k = 0; k < m; ++k)
                r[static_cast<std::size_t>(i * m + k)] = z[static_cast<std::size_t>(k * x.n + i)];
        return r;
    }
    return z;
}

Params with_degree(Params p) {
    if (p.type == static_cast<int>(Type::kTensorSketch)) p.degree = 3;
    return p;
}

}  // namespace

// S1: CountSketch is unbiased and its variance is (2/m)(‖x‖⁴ − ‖x‖₄⁴).
TEST(SketchStats, CountSketchMeanAndVarianceS1) {
    const index_t D = 64, m = 16, R = 4000;
    const Mat x = gaussian_matrix(1, D, 99);
    const double n2 = norm2(x.data(), D);
    double n44 = 0;
    for (double v : x) n44 += v * v * v * v;
    std::vector<double> sq;
    for (index_t r = 0; r < R; ++r) {
        auto sk = make(Type::kCountSketch, D, m, 1000 + static_cast<std::uint64_t>(r));
        const Mat z = apply(*sk, x, 1);
        sq.push_back(norm2(z.data(), m));
    }
    const Moments mo = moments(sq);
    EXPECT_NEAR(mo.mean, n2, 4 * mo.se);
    const double var = 2.0 / m * (n2 * n2 - n44);
    EXPECT_NEAR(mo.var / var, 1.0, 0.2);
}

// Inner products (and with x = y, squared norms) are unbiased for every sketch: E⟨Sx,Sy⟩ = ⟨x,y⟩ (tensor sketches:
// ⟨x,y⟩^p), within 4 standard errors over independent seeds.
TEST(SketchStats, InnerProductsUnbiasedS1S3S4) {
    const index_t d = 12, m = 16, R = 1500;
    Mat xy = gaussian_matrix(2, d, 5);
    // Correlate y with x so that ⟨x,y⟩ is far from 0, and normalise both.
    for (index_t j = 0; j < d; ++j) xy[static_cast<std::size_t>(d + j)] += 1.5 * xy[static_cast<std::size_t>(j)];
    for (int r = 0; r < 2; ++r) {
        const double nr = std::sqrt(norm2(xy.data() + r * d, d));
        for (index_t j = 0; j < d; ++j) xy[static_cast<std::size_t>(r * d + j)] /= nr;
    }
    const double ip = dot(xy.data(), xy.data() + d, d);
    for (Type t : kAll) {
        const int p = t == Type::kTensorSketch ? 3 : (t == Type::kTensorSrht ? 2 : 1);
        std::vector<double> ips, norms;
        for (index_t r = 0; r < R; ++r) {
            Params prm = with_degree(params(t, d, m, 5000 + static_cast<std::uint64_t>(r)));
            auto sk = Sketch::create(prm);
            const index_t mm = sk->output_dim();
            const Mat z = apply(*sk, xy, 2);
            ips.push_back(dot(z.data(), z.data() + mm, mm));
            norms.push_back(norm2(z.data(), mm));
        }
        const Moments a = moments(ips), b = moments(norms);
        EXPECT_NEAR(a.mean, std::pow(ip, p), 4 * a.se) << type_name(t);
        EXPECT_NEAR(b.mean, 1.0, 4 * b.se) << type_name(t);
    }
}

// S6: TensorSRHT of unit a, b: mean ‖S(a⊗b)‖² = 1 ± 4√(8/(mR)); variance ≤ 8‖a‖⁴‖b‖⁴/m.
TEST(SketchStats, TensorSrhtMomentsS6) {
    const index_t d1 = 10, d2 = 16, m = 64, R = 2000;
    Mat a = gaussian_matrix(1, d1, 71), b = gaussian_matrix(1, d2, 72);
    for (Mat *v : {&a, &b}) {
        const double nv = std::sqrt(norm2(v->data(), static_cast<index_t>(v->size())));
        for (auto &e : *v) e /= nv;
    }
    std::vector<double> sq;
    for (index_t r = 0; r < R; ++r) {
        Params p = params(Type::kTensorSrht, d1, m, 9000 + static_cast<std::uint64_t>(r));
        p.input_dim2 = d2;
        auto sk = Sketch::create(p);
        const Mat z = apply_pair(*sk, a, b, 1);
        sq.push_back(norm2(z.data(), m));
    }
    const Moments mo = moments(sq);
    EXPECT_NEAR(mo.mean, 1.0, 4 * std::sqrt(8.0 / (m * R)));
    EXPECT_LE(mo.var, 8.0 / m);
}

// Oblivious subspace embedding: the singular values of S·U for an orthonormal d×k U lie in [1−ε, 1+ε], ε = 0.5.
TEST(SketchStats, SubspaceEmbedding) {
    const index_t d = 512, k = 10;
    struct Case {
        Type t;
        index_t m;
    };
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        // U: orthonormal columns by modified Gram–Schmidt; stored as k rows of length d (= Uᵀ).
        Mat ut = gaussian_matrix(k, d, 100 + seed);
        for (index_t c = 0; c < k; ++c) {
            double *u = ut.data() + c * d;
            for (index_t q = 0; q < c; ++q) {
                const double *v = ut.data() + q * d;
                const double proj = dot(u, v, d);
                for (index_t j = 0; j < d; ++j) u[j] -= proj * v[j];
            }
            const double nu = std::sqrt(norm2(u, d));
            for (index_t j = 0; j < d; ++j) u[j] /= nu;
        }
        for (Case c : {Case{Type::kSrht, 1024}, Case{Type::kGaussian, 512}, Case{Type::kOsnap, 1024},
                       Case{Type::kCountSketch, 4096}}) {
            auto sk = make(c.t, d, c.m, seed * 7919);
            const Mat z = apply(*sk, ut, k);  // rows: (S u_c)ᵀ
            // Gram (SU)ᵀ(SU) and its eigenvalues.
            std::vector<double> g(static_cast<std::size_t>(k * k));
            for (index_t i = 0; i < k; ++i)
                for (index_t j = 0; j < k; ++j)
                    g[static_cast<std::size_t>(i * k + j)] = dot(z.data() + i * c.m, z.data() + j * c.m, c.m);
            std::vector<double> w(static_cast<std::size_t>(k));
            ASSERT_EQ(
                LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', static_cast<int>(k), g.data(), static_cast<int>(k), w.data()),
                0);
            const double smin = std::sqrt(w.front()), smax = std::sqrt(w.back());
            EXPECT_GE(smin, 0.5) << type_name(c.t) << " seed " << seed;
            EXPECT_LE(smax, 1.5) << type_name(c.t) << " seed " << seed;
        }
    }
}

TEST(SketchProps, CsrEqualsDense) {
    const Sparse x = random_sparse(60, 45, 0.3, 17);
    for (Type t : kAll) {
        auto sk = Sketch::create(with_degree(params(t, 45, 24, 3)));
        const Mat zd = apply(*sk, x.dense, x.n);
        const Mat zc = apply_csr(*sk, x);
        const Mat zcc = apply_csr(*sk, x, SUBQ_COL_MAJOR);
        if (t == Type::kGaussian) {
            for (std::size_t i = 0; i < zd.size(); ++i) {
                EXPECT_NEAR(zc[i], zd[i], 1e-14 * 10);
                EXPECT_EQ(zcc[i], zc[i]);
            }
        } else {
            EXPECT_EQ(zc, zd) << type_name(t);
            EXPECT_EQ(zcc, zd) << type_name(t);
        }
    }
}

TEST(SketchProps, CsrDuplicatesAreSummedAndEmptyRowsGiveZero) {
    auto sk = make(Type::kSrht, 10, 8, 2);
    std::vector<index_t> indptr = {0, 0, 3}, indices = {4, 1, 4};
    std::vector<double> values = {1.0, 2.0, 0.5};
    Mat z(16, -1.0);
    sk->apply_csr(CsrView<double>{2, 10, indptr.data(), indices.data(), values.data()},
                  DenseView<double>{z.data(), 2, 8, 8, SUBQ_ROW_MAJOR});
    Mat x(20, 0.0);
    x[10 + 4] = 1.5;
    x[10 + 1] = 2.0;
    const Mat zd = apply(*sk, x, 2);
    for (int i = 0; i < 16; ++i) EXPECT_NEAR(z[static_cast<std::size_t>(i)], zd[static_cast<std::size_t>(i)], 1e-15);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(z[static_cast<std::size_t>(i)], 0.0);
}

TEST(SketchProps, Float32AgreesWithFloat64) {
    const index_t n = 20, d = 70;
    const Mat x = gaussian_matrix(n, d, 8);
    std::vector<float> xf(x.begin(), x.end());
    Mat xr(xf.begin(), xf.end());  // the float32 data in float64
    for (Type t : kAll) {
        auto sk = Sketch::create(with_degree(params(t, d, 40, 12)));
        const index_t m = sk->output_dim();
        const Mat z = apply(*sk, xr, n);
        const auto zf = apply_f32(*sk, xf, n);
        for (index_t i = 0; i < n; ++i) {
            double scale = std::sqrt(norm2(z.data() + i * m, m) / static_cast<double>(m)) + 1e-300;
            for (index_t k = 0; k < m; ++k) {
                const std::size_t e = static_cast<std::size_t>(i * m + k);
                if (t == Type::kGaussian)  // sgemm: float32 accumulation
                    EXPECT_NEAR(zf[e], z[e], 1e-5 * scale * std::sqrt(static_cast<double>(d)));
                else  // float64 arithmetic, one final rounding
                    EXPECT_EQ(zf[e], static_cast<float>(z[e])) << type_name(t);
            }
        }
    }
}

TEST(SketchProps, LayoutsAndLeadingDimensions) {
    const index_t n = 13, d = 21;
    const Mat x = gaussian_matrix(n, d, 2);
    for (Type t : kAll) {
        auto sk = Sketch::create(with_degree(params(t, d, 17, 4)));
        const index_t m = sk->output_dim();
        const Mat ref = apply(*sk, x, n);
        // Column-major input with ld = n + 3 and output with ld = n + 5.
        const index_t ldx = n + 3, ldz = n + 5;
        Mat xc(static_cast<std::size_t>(ldx * d), 99.0), zc(static_cast<std::size_t>(ldz * m), -5.0);
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < d; ++j)
                xc[static_cast<std::size_t>(j * ldx + i)] = x[static_cast<std::size_t>(i * d + j)];
        sk->apply(DenseView<const double>{xc.data(), n, d, ldx, SUBQ_COL_MAJOR},
                  DenseView<double>{zc.data(), n, m, ldz, SUBQ_COL_MAJOR});
        for (index_t i = 0; i < n; ++i)
            for (index_t k = 0; k < m; ++k) {
                const double a = zc[static_cast<std::size_t>(k * ldz + i)],
                             b = ref[static_cast<std::size_t>(i * m + k)];
                if (t == Type::kGaussian)
                    EXPECT_NEAR(a, b, 1e-13);
                else
                    EXPECT_EQ(a, b) << type_name(t);
            }
        for (index_t k = 0; k < m; ++k)  // padding rows untouched
            for (index_t i = n; i < ldz; ++i) EXPECT_EQ(zc[static_cast<std::size_t>(k * ldz + i)], -5.0);
        // Row-major with padding.
        const index_t ldr = d + 2, ldo = m + 3;
        Mat xr(static_cast<std::size_t>(n * ldr), 1e300), zr(static_cast<std::size_t>(n * ldo), -5.0);
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < d; ++j)
                xr[static_cast<std::size_t>(i * ldr + j)] = x[static_cast<std::size_t>(i * d + j)];
        sk->apply(DenseView<const double>{xr.data(), n, d, ldr, SUBQ_ROW_MAJOR},
                  DenseView<double>{zr.data(), n, m, ldo, SUBQ_ROW_MAJOR});
        for (index_t i = 0; i < n; ++i) {
            for (index_t k = 0; k < m; ++k)
                EXPECT_EQ(zr[static_cast<std::size_t>(i * ldo + k)], ref[static_cast<std::size_t>(i * m + k)]);
            for (index_t k = m; k < ldo; ++k) EXPECT_EQ(zr[static_cast<std::size_t>(i * ldo + k)], -5.0);
        }
    }
}

// S10: bit-identical output for threads 1/2 and block rows 1/7/100/256, dense (f64, f32) and CSR.
TEST(SketchProps, DeterministicAcrossThreadsAndBlocksS10) {
    const index_t n = 100, d = 30;
    const Mat x = gaussian_matrix(n, d, 10);
    std::vector<float> xf(x.begin(), x.end());
    const Sparse xs = random_sparse(n, d, 0.4, 3);
    for (Type t : kAll) {
        Mat ref, refc;
        std::vector<float> reff;
        for (int threads : {1, 2})
            for (index_t block : {1, 7, 100, 256}) {
                Params p = with_degree(params(t, d, 33, 6));
                p.num_threads = threads;
                p.block_rows = block;
                auto sk = Sketch::create(p);
                const Mat z = apply(*sk, x, n);
                const auto zf = apply_f32(*sk, xf, n);
                const Mat zc = apply_csr(*sk, xs);
                if (ref.empty()) {
                    ref = z;
                    reff = zf;
                    refc = zc;
                } else {
                    EXPECT_EQ(z, ref) << type_name(t) << " threads " << threads << " block " << block;
                    EXPECT_EQ(zf, reff) << type_name(t) << " threads " << threads << " block " << block;
                    EXPECT_EQ(zc, refc) << type_name(t) << " threads " << threads << " block " << block;
                }
            }
    }
}

TEST(SketchProps, ConcurrentCallsOnOneHandle) {
    auto sk = make(Type::kTensorSketch, 40, 64, 3);
    const Mat x = gaussian_matrix(50, 40, 1);
    const Mat ref = apply(*sk, x, 50);
    std::vector<Mat> out(4);
#pragma omp parallel for num_threads(4)
    for (int t = 0; t < 4; ++t) out[static_cast<std::size_t>(t)] = apply(*sk, x, 50);
    for (const Mat &z : out) EXPECT_EQ(z, ref);
}

TEST(SketchProps, SeedsGiveDifferentSketches) {
    const Mat x = gaussian_matrix(1, 20, 1);
    for (Type t : kAll) {
        auto a = Sketch::create(with_degree(params(t, 20, 16, 1)));
        auto b = Sketch::create(with_degree(params(t, 20, 16, 2)));
        EXPECT_NE(apply(*a, x, 1), apply(*b, x, 1)) << type_name(t);
    }
}

// Non-finite input propagates (documented in sketch.h): CountSketch puts NaN/Inf exactly in the bucket of the entry;
// the Hadamard sketches spread it over the whole row. Other rows are unaffected.
TEST(SketchProps, NonFiniteInputPropagates) {
    const index_t d = 16, m = 8;
    Mat x = gaussian_matrix(2, d, 4);
    auto cs = make(Type::kCountSketch, d, m, 5);
    Mat clean = x;
    clean[3] = 0.0;
    const Mat zc = apply(*cs, clean, 2);
    x[3] = std::numeric_limits<double>::quiet_NaN();
    const Mat z = apply(*cs, x, 2);
    std::uint32_t bucket;
    double sgn;
    dynamic_cast<const HashSketch &>(*cs).map().entry(3, 0, bucket, sgn);
    for (index_t r = 0; r < m; ++r) {
        if (r == bucket)
            EXPECT_TRUE(std::isnan(z[static_cast<std::size_t>(r)]));
        else
            EXPECT_EQ(z[static_cast<std::size_t>(r)], zc[static_cast<std::size_t>(r)]);
    }
    for (index_t r = 0; r < m; ++r) EXPECT_EQ(z[static_cast<std::size_t>(m + r)], zc[static_cast<std::size_t>(m + r)]);
    x[3] = std::numeric_limits<double>::infinity();
    const Mat zi = apply(*cs, x, 2);
    EXPECT_TRUE(std::isinf(zi[bucket]));
    EXPECT_EQ(zi[bucket] > 0, sgn > 0);
    x[3] = std::numeric_limits<double>::quiet_NaN();
    for (Type t : {Type::kSrht, Type::kTensorSrht, Type::kTensorSketch, Type::kGaussian}) {
        auto sk = make(t, d, m, 5);
        const Mat zs = apply(*sk, x, 2);
        for (index_t r = 0; r < m; ++r) {
            EXPECT_TRUE(std::isnan(zs[static_cast<std::size_t>(r)])) << type_name(t);
            EXPECT_TRUE(std::isfinite(zs[static_cast<std::size_t>(m + r)])) << type_name(t);
        }
    }
}

namespace {
void expect_create_fails(const Params &p, subq_status st, const char *text) {
    try {
        (void)Sketch::create(p);
        ADD_FAILURE() << "create succeeded; expected " << text;
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), st) << e.what();
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
}
}  // namespace

TEST(SketchProps, CreateErrors) {
    expect_create_fails(params(static_cast<Type>(0), 4, 4), SUBQ_ERR_INVALID_ARG, "SUBQ_P_SKETCH_TYPE");
    expect_create_fails(params(static_cast<Type>(9), 4, 4), SUBQ_ERR_INVALID_ARG, "not a subq_sketch_type");
    expect_create_fails(params(Type::kSrht, 0, 4), SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM");
    expect_create_fails(params(Type::kCountSketch, 4, 0), SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM");
    expect_create_fails(params(Type::kGaussian, index_t{1} << 40, index_t{1} << 30), SUBQ_ERR_DIMENSION, "overflows");
    expect_create_fails(params(Type::kSrht, (index_t{1} << 31) + 1, 4), SUBQ_ERR_DIMENSION, "2^31");
    Params p = params(Type::kTensorSrht, 4, 4);
    p.degree = 3;
    expect_create_fails(p, SUBQ_ERR_PARAM_RANGE, "degree 2");
    p = params(Type::kTensorSketch, 4, 4);
    p.degree = 0;
    expect_create_fails(p, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE");
    p = params(Type::kCountSketch, 4, 4);
    p.input_dim2 = 5;
    expect_create_fails(p, SUBQ_ERR_UNSUPPORTED, "SUBQ_P_INPUT_DIM2");
    p = params(Type::kTensorSketch, 4, 4);
    p.degree = 3;
    p.input_dim2 = 5;
    expect_create_fails(p, SUBQ_ERR_UNSUPPORTED, "SUBQ_P_INPUT_DIM2");
    p = params(Type::kOsnap, 4, 4);
    p.sparsity = 0;
    expect_create_fails(p, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_SPARSITY");
}

TEST(SketchProps, ApplyErrors) {
    auto sk = make(Type::kCountSketch, 5, 4);
    Mat x(10), z(8);
    try {
        sk->apply(DenseView<const double>{x.data(), 2, 4, 4, SUBQ_ROW_MAJOR},
                  DenseView<double>{z.data(), 2, 4, 4, SUBQ_ROW_MAJOR});
        ADD_FAILURE();
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), SUBQ_ERR_DIMENSION);
    }
    try {
        sk->apply_pair(DenseView<const double>{x.data(), 2, 5, 5, SUBQ_ROW_MAJOR},
                       DenseView<const double>{x.data(), 2, 5, 5, SUBQ_ROW_MAJOR},
                       DenseView<double>{z.data(), 2, 4, 4, SUBQ_ROW_MAJOR});
        ADD_FAILURE();
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), SUBQ_ERR_UNSUPPORTED);
    }
    Params p = params(Type::kTensorSrht, 5, 4);
    p.input_dim2 = 6;
    auto t = Sketch::create(p);
    try {
        t->apply(DenseView<const double>{x.data(), 2, 5, 5, SUBQ_ROW_MAJOR},
                 DenseView<double>{z.data(), 2, 4, 4, SUBQ_ROW_MAJOR});
        ADD_FAILURE();
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), SUBQ_ERR_UNSUPPORTED);
    }
}
