// The subq_sketch_* C API: lifecycle, size queries, every status path with its message, and agreement of the
// f32/f64/CSR/pair entry points.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "capi_test_util.hpp"
#include "subq/subq.h"

namespace {

using namespace subq_capi_test;
using ConfigPtr = ConfigOf<SUBQ_KIND_SKETCH>;

subq_status create(subq_sketch_type type, int64_t d, int64_t m, SketchPtr &out, int64_t seed = 1) {
    ConfigPtr c;
    c.set(SUBQ_P_SKETCH_TYPE, type).set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_OUTPUT_DIM, m).set(SUBQ_P_SEED, seed);
    return subq_sketch_create(c.p, &out.p);
}

std::vector<double> randn(std::size_t n, unsigned seed) {
    std::vector<double> v(n);
    std::uint64_t s = seed * 2654435761u + 1;
    for (auto &e : v) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        e = static_cast<double>(static_cast<std::int64_t>(s >> 11) % 2000001 - 1000000) / 1e6;
    }
    return v;
}

}  // namespace

TEST(SketchCApi, LifecycleAndSizeQueries) {
    const subq_sketch_type types[] = {SUBQ_SKETCH_COUNTSKETCH, SUBQ_SKETCH_OSNAP,        SUBQ_SKETCH_SRHT,
                                      SUBQ_SKETCH_GAUSSIAN,    SUBQ_SKETCH_TENSORSKETCH, SUBQ_SKETCH_TENSORSRHT};
    for (subq_sketch_type t : types) {
        SketchPtr sk;
        ASSERT_EQ(create(t, 10, 30, sk), SUBQ_OK) << subq_last_error_message();
        EXPECT_STREQ(subq_last_error_message(), "");
        subq_index d = 0, d2 = -1, m = 0;
        subq_sketch_type got;
        EXPECT_EQ(subq_sketch_input_dim(sk.p, &d), SUBQ_OK);
        EXPECT_EQ(subq_sketch_input_dim2(sk.p, &d2), SUBQ_OK);
        EXPECT_EQ(subq_sketch_output_dim(sk.p, &m), SUBQ_OK);
        EXPECT_EQ(subq_sketch_get_type(sk.p, &got), SUBQ_OK);
        EXPECT_EQ(d, 10);
        EXPECT_EQ(got, t);
        EXPECT_EQ(m, t == SUBQ_SKETCH_OSNAP ? 32 : 30);  // OSNAP rounds up to a multiple of s = 4
        EXPECT_EQ(d2, (t == SUBQ_SKETCH_TENSORSKETCH || t == SUBQ_SKETCH_TENSORSRHT) ? 10 : 0);
        std::vector<double> x = randn(5 * 10, 1), z(5 * static_cast<std::size_t>(m));
        EXPECT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 5, 10, x.data(), 10, z.data(), m), SUBQ_OK);
    }
    subq_sketch_destroy(nullptr);
}

TEST(SketchCApi, PinnedValues) {
    EXPECT_EQ(SUBQ_P_INPUT_DIM, 100);
    EXPECT_EQ(SUBQ_P_OUTPUT_DIM, 101);
    EXPECT_EQ(SUBQ_P_SKETCH_TYPE, 102);
    EXPECT_EQ(SUBQ_P_DEGREE, 103);
    EXPECT_EQ(SUBQ_P_SPARSITY, 107);
    EXPECT_EQ(SUBQ_P_INPUT_DIM2, 108);
    EXPECT_EQ(SUBQ_SKETCH_COUNTSKETCH, 1);
    EXPECT_EQ(SUBQ_SKETCH_OSNAP, 2);
    EXPECT_EQ(SUBQ_SKETCH_SRHT, 3);
    EXPECT_EQ(SUBQ_SKETCH_GAUSSIAN, 4);
    EXPECT_EQ(SUBQ_SKETCH_TENSORSKETCH, 5);
    EXPECT_EQ(SUBQ_SKETCH_TENSORSRHT, 6);
    int is_int = 0;
    double lo = 0, hi = 0;
    const char *name = nullptr;
    ASSERT_EQ(subq_param_info(SUBQ_P_SPARSITY, &lo, &hi, &is_int, &name), SUBQ_OK);
    EXPECT_STREQ(name, "SUBQ_P_SPARSITY");
    EXPECT_EQ(is_int, 1);
    ConfigPtr c;
    int64_t v = 0;
    EXPECT_EQ(subq_config_get_int(c.p, SUBQ_P_SPARSITY, &v), SUBQ_OK);
    EXPECT_EQ(v, 4);
    EXPECT_EQ(subq_config_get_int(c.p, SUBQ_P_DEGREE, &v), SUBQ_OK);
    EXPECT_EQ(v, 2);
}

TEST(SketchCApi, CreateErrors) {
    SketchPtr sk;
    expect_error(subq_sketch_create(nullptr, &sk.p), SUBQ_ERR_NULL_POINTER, "subq_sketch_create: cfg is NULL");
    EXPECT_EQ(sk.p, nullptr);
    {
        ConfigPtr c;
        expect_error(subq_sketch_create(c.p, nullptr), SUBQ_ERR_NULL_POINTER, "out is NULL");
        // Nothing set: the type is required.
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_INVALID_ARG, "SUBQ_P_SKETCH_TYPE is not set");
        EXPECT_EQ(sk.p, nullptr);
        // Unknown type: rejected by the config.
        expect_error(subq_config_set_int(c.p, SUBQ_P_SKETCH_TYPE, 7), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_SKETCH_TYPE = 7");
        c.set(SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_SRHT);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = 0");
        c.set(SUBQ_P_INPUT_DIM, 10);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = 0");
        expect_error(subq_config_set_int(c.p, SUBQ_P_OUTPUT_DIM, -1), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_OUTPUT_DIM");
        expect_error(subq_config_set_int(c.p, SUBQ_P_DEGREE, 0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE = 0");
        expect_error(subq_config_set_int(c.p, SUBQ_P_SPARSITY, 0), SUBQ_ERR_PARAM_RANGE, "SUBQ_P_SPARSITY = 0");
        c.set(SUBQ_P_OUTPUT_DIM, 8).set(SUBQ_P_INPUT_DIM2, 12);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_UNSUPPORTED, "SUBQ_P_INPUT_DIM2");
    }
    {
        ConfigPtr c;
        c.set(SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_TENSORSRHT).set(SUBQ_P_INPUT_DIM, 4).set(SUBQ_P_OUTPUT_DIM, 4);
        c.set(SUBQ_P_DEGREE, 3);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_PARAM_RANGE, "TensorSRHT has degree 2");
    }
    {
        ConfigPtr c;  // d·m overflows int64
        c.set(SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_GAUSSIAN).set(SUBQ_P_INPUT_DIM, int64_t{1} << 40);
        c.set(SUBQ_P_OUTPUT_DIM, int64_t{1} << 30);
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_DIMENSION, "overflows");
    }
    {
        ConfigPtr c(SUBQ_KIND_DATASET);
        expect_error(subq_config_set_int(c.p, SUBQ_P_INPUT_DIM, 4), SUBQ_ERR_UNKNOWN_PARAM, "SUBQ_P_INPUT_DIM");
        expect_error(subq_sketch_create(c.p, &sk.p), SUBQ_ERR_INVALID_ARG, "SUBQ_KIND_SKETCH");
    }
}

TEST(SketchCApi, ApplyErrors) {
    SketchPtr sk;
    ASSERT_EQ(create(SUBQ_SKETCH_COUNTSKETCH, 6, 4, sk), SUBQ_OK);
    std::vector<double> x(2 * 6, 1.0), z(2 * 4);
    expect_error(subq_sketch_apply_f64(nullptr, SUBQ_ROW_MAJOR, 2, 6, x.data(), 6, z.data(), 4), SUBQ_ERR_NULL_POINTER,
                 "subq_sketch_apply_f64: sk is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, 6, nullptr, 6, z.data(), 4), SUBQ_ERR_NULL_POINTER,
                 "x is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, 6, x.data(), 6, nullptr, 4), SUBQ_ERR_NULL_POINTER,
                 "z is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, 5, x.data(), 6, z.data(), 4), SUBQ_ERR_DIMENSION,
                 "d = 5 does not match the sketch's input dimension 6");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, -1, 6, x.data(), 6, z.data(), 4), SUBQ_ERR_DIMENSION,
                 "negative size");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, 6, x.data(), 5, z.data(), 4), SUBQ_ERR_LAYOUT,
                 "x: leading dimension 5 < 6");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_COL_MAJOR, 2, 6, x.data(), 1, z.data(), 2), SUBQ_ERR_LAYOUT,
                 "column-major");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 2, 6, x.data(), 6, z.data(), 3), SUBQ_ERR_LAYOUT,
                 "z: leading dimension 3 < 4");
    expect_error(subq_sketch_apply_f64(sk.p, static_cast<subq_layout>(0), 2, 6, x.data(), 6, z.data(), 4),
                 SUBQ_ERR_LAYOUT, "layout = 0");
    expect_error(subq_sketch_apply_f32(sk.p, SUBQ_ROW_MAJOR, int64_t{1} << 62, 6, reinterpret_cast<float *>(x.data()),
                                       6, reinterpret_cast<float *>(z.data()), 4),
                 SUBQ_ERR_DIMENSION, "overflows");
    // n = 0 is a no-op, NULL arrays allowed.
    EXPECT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 0, 6, nullptr, 6, nullptr, 4), SUBQ_OK);
    EXPECT_STREQ(subq_last_error_message(), "");
    // Size-query NULLs.
    subq_index d = 0;
    expect_error(subq_sketch_input_dim(nullptr, &d), SUBQ_ERR_NULL_POINTER, "subq_sketch_input_dim: sk is NULL");
    expect_error(subq_sketch_output_dim(sk.p, nullptr), SUBQ_ERR_NULL_POINTER, "m is NULL");
    expect_error(subq_sketch_get_type(sk.p, nullptr), SUBQ_ERR_NULL_POINTER, "type is NULL");
    // Pair apply is for tensor sketches only.
    expect_error(subq_sketch_apply_pair_f64(sk.p, SUBQ_ROW_MAJOR, 2, 6, x.data(), 6, 6, x.data(), 6, z.data(), 4),
                 SUBQ_ERR_UNSUPPORTED, "does not sketch pairs");
}

TEST(SketchCApi, CsrErrors) {
    SketchPtr sk;
    ASSERT_EQ(create(SUBQ_SKETCH_OSNAP, 6, 8, sk), SUBQ_OK);
    std::vector<subq_index> indptr = {0, 2, 3}, indices = {1, 5, 0};
    std::vector<double> values = {1, 2, 3}, z(2 * 8);
    EXPECT_EQ(subq_sketch_apply_csr_f64(sk.p, 2, 6, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                        z.data(), 8),
              SUBQ_OK);
    expect_error(subq_sketch_apply_csr_f64(sk.p, 2, 7, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                           z.data(), 8),
                 SUBQ_ERR_DIMENSION, "subq_sketch_apply_csr_f64: d = 7");
    expect_error(
        subq_sketch_apply_csr_f64(sk.p, 2, 6, nullptr, indices.data(), values.data(), SUBQ_ROW_MAJOR, z.data(), 8),
        SUBQ_ERR_NULL_POINTER, "indptr is NULL");
    expect_error(
        subq_sketch_apply_csr_f64(sk.p, 2, 6, indptr.data(), nullptr, values.data(), SUBQ_ROW_MAJOR, z.data(), 8),
        SUBQ_ERR_NULL_POINTER, "indices is NULL");
    indices[1] = 6;
    expect_error(subq_sketch_apply_csr_f64(sk.p, 2, 6, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                           z.data(), 8),
                 SUBQ_ERR_INVALID_ARG, "column index 6");
    indices[1] = 5;
    indptr[0] = 1;
    expect_error(subq_sketch_apply_csr_f64(sk.p, 2, 6, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                           z.data(), 8),
                 SUBQ_ERR_INVALID_ARG, "indptr[0]");
    indptr = {0, 2, 1};
    expect_error(subq_sketch_apply_csr_f64(sk.p, 2, 6, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                           z.data(), 8),
                 SUBQ_ERR_INVALID_ARG, "decreases");
    indptr = {0, 2, 3};
    expect_error(subq_sketch_apply_csr_f64(sk.p, 2, 6, indptr.data(), indices.data(), values.data(), SUBQ_COL_MAJOR,
                                           z.data(), 1),
                 SUBQ_ERR_LAYOUT, "z: leading dimension 1");
}

TEST(SketchCApi, PairErrorsAndUnequalFactors) {
    ConfigPtr c;
    c.set(SUBQ_P_SKETCH_TYPE, SUBQ_SKETCH_TENSORSRHT).set(SUBQ_P_INPUT_DIM, 8).set(SUBQ_P_INPUT_DIM2, 16);
    c.set(SUBQ_P_OUTPUT_DIM, 20);
    SketchPtr sk;
    ASSERT_EQ(subq_sketch_create(c.p, &sk.p), SUBQ_OK);
    subq_index d2 = 0;
    EXPECT_EQ(subq_sketch_input_dim2(sk.p, &d2), SUBQ_OK);
    EXPECT_EQ(d2, 16);
    std::vector<double> a = randn(3 * 8, 2), b = randn(3 * 16, 3), z(3 * 20);
    EXPECT_EQ(subq_sketch_apply_pair_f64(sk.p, SUBQ_ROW_MAJOR, 3, 8, a.data(), 8, 16, b.data(), 16, z.data(), 20),
              SUBQ_OK);
    expect_error(subq_sketch_apply_pair_f64(sk.p, SUBQ_ROW_MAJOR, 3, 8, a.data(), 8, 15, b.data(), 16, z.data(), 20),
                 SUBQ_ERR_DIMENSION, "d2 = 15");
    expect_error(subq_sketch_apply_pair_f64(sk.p, SUBQ_ROW_MAJOR, 3, 9, a.data(), 9, 16, b.data(), 16, z.data(), 20),
                 SUBQ_ERR_DIMENSION, "d1 = 9");
    expect_error(subq_sketch_apply_pair_f64(sk.p, SUBQ_ROW_MAJOR, 3, 8, a.data(), 8, 16, nullptr, 16, z.data(), 20),
                 SUBQ_ERR_NULL_POINTER, "b is NULL");
    expect_error(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 3, 8, a.data(), 8, z.data(), 20), SUBQ_ERR_UNSUPPORTED,
                 "pairs only");
    // f32 pair agrees with f64 to float precision.
    std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end()), zf(3 * 20);
    EXPECT_EQ(subq_sketch_apply_pair_f32(sk.p, SUBQ_ROW_MAJOR, 3, 8, af.data(), 8, 16, bf.data(), 16, zf.data(), 20),
              SUBQ_OK);
    for (std::size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(zf[i], z[i], 1e-5 * (1 + std::abs(z[i])));
}

TEST(SketchCApi, DenseCsrF32AgreeThroughTheAbi) {
    const int64_t n = 7, d = 9;
    SketchPtr sk;
    ASSERT_EQ(create(SUBQ_SKETCH_SRHT, d, 12, sk, 3), SUBQ_OK);
    std::vector<double> x = randn(static_cast<std::size_t>(n * d), 4);
    for (std::size_t i = 0; i < x.size(); i += 3) x[i] = 0.0;
    std::vector<subq_index> indptr = {0}, indices;
    std::vector<double> values;
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < d; ++j)
            if (x[static_cast<std::size_t>(i * d + j)] != 0) {
                indices.push_back(j);
                values.push_back(x[static_cast<std::size_t>(i * d + j)]);
            }
        indptr.push_back(static_cast<subq_index>(indices.size()));
    }
    std::vector<double> zd(static_cast<std::size_t>(n * 12)), zc(zd.size());
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, zd.data(), 12), SUBQ_OK);
    ASSERT_EQ(subq_sketch_apply_csr_f64(sk.p, n, d, indptr.data(), indices.data(), values.data(), SUBQ_ROW_MAJOR,
                                        zc.data(), 12),
              SUBQ_OK);
    EXPECT_EQ(zd, zc);
    std::vector<float> xf(x.begin(), x.end()), vf(values.begin(), values.end()), zf(zd.size()), zcf(zd.size());
    ASSERT_EQ(subq_sketch_apply_f32(sk.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, zf.data(), 12), SUBQ_OK);
    ASSERT_EQ(
        subq_sketch_apply_csr_f32(sk.p, n, d, indptr.data(), indices.data(), vf.data(), SUBQ_ROW_MAJOR, zcf.data(), 12),
        SUBQ_OK);
    EXPECT_EQ(zf, zcf);
    for (std::size_t i = 0; i < zd.size(); ++i) EXPECT_NEAR(zf[i], zd[i], 1e-5 * (1 + std::abs(zd[i])));
}

TEST(SketchCApi, NonFiniteInputPropagates) {
    SketchPtr sk;
    ASSERT_EQ(create(SUBQ_SKETCH_COUNTSKETCH, 4, 64, sk), SUBQ_OK);
    std::vector<double> x = {1.0, std::numeric_limits<double>::quiet_NaN(), 0.0, 0.0}, z(64);
    ASSERT_EQ(subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 1, 4, x.data(), 4, z.data(), 64), SUBQ_OK);
    int nans = 0;
    for (double v : z) nans += std::isnan(v) ? 1 : 0;
    EXPECT_EQ(nans, 1);  // exactly the bucket of x_1
}

TEST(SketchCApi, LastErrorIsThreadLocal) {
    SketchPtr sk;
    ASSERT_EQ(create(SUBQ_SKETCH_COUNTSKETCH, 6, 4, sk), SUBQ_OK);
    std::string m1, m2;
    std::thread t1([&] {
        std::vector<double> x(6), z(4);
        const subq_status st = subq_sketch_apply_f64(sk.p, SUBQ_ROW_MAJOR, 1, 5, x.data(), 6, z.data(), 4);
        EXPECT_EQ(st, SUBQ_ERR_DIMENSION);
        m1 = subq_last_error_message();
    });
    std::thread t2([&] {
        const subq_status st = subq_sketch_output_dim(nullptr, nullptr);
        EXPECT_EQ(st, SUBQ_ERR_NULL_POINTER);
        m2 = subq_last_error_message();
    });
    t1.join();
    t2.join();
    EXPECT_NE(m1.find("d = 5"), std::string::npos) << m1;
    EXPECT_NE(m2.find("subq_sketch_output_dim"), std::string::npos) << m2;
}
