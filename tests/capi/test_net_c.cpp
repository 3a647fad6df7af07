// subq_net_* through the C ABI: creation, statuses and messages, predict/step in both dtypes and layouts,
// statistics, counters, weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "capi_test_util.hpp"
#include "subq/subq.h"

namespace {

std::string last_error() {
    return subq_last_error_message();
}

struct Net {
    subq_net *p = nullptr;
    ~Net() { subq_net_destroy(p); }
};

using Cfg = subq_capi_test::ConfigOf<SUBQ_KIND_NET>;

std::vector<double> inputs(int64_t n, int64_t d) {
    std::vector<double> x(n * d);
    for (int64_t e = 0; e < n * d; ++e) x[e] = std::sin(0.37 * e + 1.0);
    return x;
}

}  // namespace

TEST(NetC, CreateValidatesTheConfig) {
    Net net;
    EXPECT_EQ(subq_net_create(nullptr, &net.p), SUBQ_ERR_NULL_POINTER);
    EXPECT_NE(last_error().find("subq_net_create: cfg is NULL"), std::string::npos);
    {
        Cfg cfg;
        EXPECT_EQ(subq_net_create(cfg.p, nullptr), SUBQ_ERR_NULL_POINTER);
        EXPECT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_ERR_DIMENSION);  // input dim and width unset
        EXPECT_NE(last_error().find("SUBQ_P_INPUT_DIM must be set"), std::string::npos) << last_error();
        EXPECT_EQ(net.p, nullptr);
        cfg.set(SUBQ_P_INPUT_DIM, 4);
        EXPECT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_ERR_DIMENSION);
        EXPECT_NE(last_error().find("SUBQ_P_NET_WIDTH must be set"), std::string::npos) << last_error();
        cfg.set(SUBQ_P_NET_WIDTH, 32).setd(SUBQ_P_NET_THRESHOLD, 1.0).setd(SUBQ_P_NET_ACTIVE_FRACTION, 0.1);
        EXPECT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_ERR_INVALID_ARG);
        EXPECT_NE(last_error().find("both set"), std::string::npos) << last_error();
    }
    {
        subq_config *sketch_cfg = nullptr;
        ASSERT_EQ(subq_config_create(SUBQ_KIND_DATASET, &sketch_cfg), SUBQ_OK);
        EXPECT_EQ(subq_net_create(sketch_cfg, &net.p), SUBQ_ERR_INVALID_ARG);
        EXPECT_NE(last_error().find("SUBQ_KIND_NET"), std::string::npos) << last_error();
        subq_config_destroy(sketch_cfg);
    }
    {
        Cfg cfg;
        EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NET_WIDTH, 0), SUBQ_OK);
        EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NET_DEPTH, 0), SUBQ_ERR_PARAM_RANGE);
        EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NET_WIDTH, -5), SUBQ_ERR_PARAM_RANGE);
        EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_DTYPE, 7), SUBQ_ERR_PARAM_RANGE);
        EXPECT_EQ(subq_config_set_double(cfg.p, SUBQ_P_NET_THRESHOLD, std::nan("")), SUBQ_ERR_PARAM_RANGE);
        EXPECT_EQ(subq_config_set_double(cfg.p, SUBQ_P_LEARNING_RATE, -1.0), SUBQ_ERR_PARAM_RANGE);
        EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NET_VARIANT, 2), SUBQ_ERR_PARAM_RANGE);
    }
    subq_net_destroy(nullptr);
}

TEST(NetC, ResolvedParametersAndThresholdRules) {
    Cfg cfg;
    cfg.set(SUBQ_P_INPUT_DIM, 6).set(SUBQ_P_NET_WIDTH, 1000).set(SUBQ_P_NET_DEPTH, 2);
    Net net;
    ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK) << last_error();
    double b = 0;
    ASSERT_EQ(subq_net_get_double(net.p, SUBQ_P_NET_THRESHOLD, &b), SUBQ_OK);
    EXPECT_NEAR(b, std::sqrt(0.4 * std::log(1000.0)), 1e-12);
    int64_t v = 0;
    ASSERT_EQ(subq_net_get_int(net.p, SUBQ_P_NET_UPDATE, &v), SUBQ_OK);
    EXPECT_EQ(v, SUBQ_NET_UPDATE_EAGER);
    ASSERT_EQ(subq_net_get_int(net.p, SUBQ_P_DTYPE, &v), SUBQ_OK);
    EXPECT_EQ(v, SUBQ_F32);
    ASSERT_EQ(subq_net_get_int(net.p, SUBQ_P_NET_WIDTH, &v), SUBQ_OK);
    EXPECT_EQ(v, 1000);
    EXPECT_EQ(subq_net_get_int(net.p, SUBQ_P_NET_THRESHOLD, &v), SUBQ_ERR_UNKNOWN_PARAM);
    EXPECT_EQ(subq_net_get_double(net.p, SUBQ_P_SEED, &b), SUBQ_ERR_UNKNOWN_PARAM);
    EXPECT_EQ(subq_net_get_int(nullptr, SUBQ_P_SEED, &v), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_net_get_double(net.p, SUBQ_P_NET_THRESHOLD, nullptr), SUBQ_ERR_NULL_POINTER);

    Cfg frac;
    frac.set(SUBQ_P_INPUT_DIM, 6).set(SUBQ_P_NET_WIDTH, 64).setd(SUBQ_P_NET_ACTIVE_FRACTION, 0.05);
    Net net2;
    ASSERT_EQ(subq_net_create(frac.p, &net2.p), SUBQ_OK) << last_error();
    ASSERT_EQ(subq_net_get_double(net2.p, SUBQ_P_NET_THRESHOLD, &b), SUBQ_OK);
    EXPECT_NEAR(b, 1.6448536269514722, 1e-10);  // Q^{-1}(0.05)
}

TEST(NetC, StepPredictStatsCountersFloat64ColumnMajor) {
    const int64_t n = 8, d = 6, k = 2;
    Cfg cfg;
    cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 200).set(SUBQ_P_NET_DEPTH, 3).set(SUBQ_P_NET_OUTPUTS, k);
    cfg.set(SUBQ_P_DTYPE, SUBQ_F64).set(SUBQ_P_SEED, 5);
    Net net;
    ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK) << last_error();
    const auto xr = inputs(n, d);
    std::vector<double> xc(n * d);  // column-major copy
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j) xc[j * n + i] = xr[i * d + j];
    std::vector<double> y(n * k);
    for (int64_t e = 0; e < n * k; ++e) y[e] = (e % 3) - 1.0;

    double stat = 0;
    EXPECT_EQ(subq_net_layer_stat(net.p, 1, SUBQ_NET_STAT_FIRED_MEAN, &stat), SUBQ_ERR_STATE);
    // Predictions in both layouts agree.
    std::vector<double> fr(n * k), fc(n * k);
    ASSERT_EQ(subq_net_predict_f64(net.p, SUBQ_ROW_MAJOR, n, d, xr.data(), d, fr.data(), k), SUBQ_OK);
    ASSERT_EQ(subq_net_predict_f64(net.p, SUBQ_COL_MAJOR, n, d, xc.data(), n, fc.data(), n), SUBQ_OK);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < k; ++c) EXPECT_EQ(fr[i * k + c], fc[c * n + i]);
    // The loss reported before a step is the loss of the current predictions.
    double expected = 0;
    for (int64_t e = 0; e < n * k; ++e) expected += 0.5 * (fr[e] - y[e]) * (fr[e] - y[e]);
    double loss = -1, loss2 = -1;
    ASSERT_EQ(subq_net_step_gd_f64(net.p, SUBQ_ROW_MAJOR, n, d, xr.data(), d, y.data(), k, &loss), SUBQ_OK)
        << last_error();
    EXPECT_NEAR(loss, expected, 1e-12 * expected);
    double lr = 0;
    ASSERT_EQ(subq_net_get_double(net.p, SUBQ_P_LEARNING_RATE, &lr), SUBQ_OK);
    EXPECT_GT(lr, 0);  // the automatic step 1/lambda_max
    ASSERT_EQ(subq_net_step_gd_f64(net.p, SUBQ_ROW_MAJOR, n, d, xr.data(), d, y.data(), k, &loss2), SUBQ_OK);
    EXPECT_LT(loss2, loss);
    for (int64_t l = 1; l <= 3; ++l) {
        ASSERT_EQ(subq_net_layer_stat(net.p, l, SUBQ_NET_STAT_FIRED_MEAN, &stat), SUBQ_OK);
        EXPECT_GT(stat, 0);
        ASSERT_EQ(subq_net_layer_stat(net.p, l, SUBQ_NET_STAT_DRIFT, &stat), SUBQ_OK);
        EXPECT_GE(stat, 0);  // same batch twice: comparable
        ASSERT_EQ(subq_net_layer_stat(net.p, l, SUBQ_NET_STAT_COVERAGE, &stat), SUBQ_OK);
        EXPECT_GT(stat, 0);
        EXPECT_LE(stat, 1);
    }
    EXPECT_EQ(subq_net_layer_stat(net.p, 0, SUBQ_NET_STAT_FIRED_MEAN, &stat), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_net_layer_stat(net.p, 4, SUBQ_NET_STAT_FIRED_MEAN, &stat), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_net_layer_stat(net.p, 1, static_cast<subq_net_stat>(99), &stat), SUBQ_ERR_INVALID_ARG);

    int64_t fwd = 0, total = 0, bwd = 0, upd = 0, gram = 0, reb = 0;
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_FORWARD, SUBQ_COUNTER_MULADDS, &fwd), SUBQ_OK);
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_BACKWARD, SUBQ_COUNTER_MULADDS, &bwd), SUBQ_OK);
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_UPDATE, SUBQ_COUNTER_MULADDS, &upd), SUBQ_OK);
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_GRAM, SUBQ_COUNTER_MULADDS, &gram), SUBQ_OK);
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_REBUILD, SUBQ_COUNTER_MULADDS, &reb), SUBQ_OK);
    int64_t solve = -1;
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_SOLVE, SUBQ_COUNTER_MULADDS, &solve), SUBQ_OK);
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_TOTAL, SUBQ_COUNTER_MULADDS, &total), SUBQ_OK);
    EXPECT_GT(fwd, 0);
    EXPECT_GT(gram, 0);
    EXPECT_EQ(reb, 0);
    EXPECT_EQ(solve, 0);  // GD solves nothing
    EXPECT_EQ(total, fwd + bwd + upd + gram + reb);
    EXPECT_EQ(subq_net_counter(net.p, static_cast<subq_net_phase>(7), SUBQ_COUNTER_BYTES, &total),
              SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_net_counter(net.p, SUBQ_PHASE_TOTAL, static_cast<subq_net_counter_kind>(3), &total),
              SUBQ_ERR_INVALID_ARG);
    ASSERT_EQ(subq_net_reset_counters(net.p), SUBQ_OK);
    ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_TOTAL, SUBQ_COUNTER_BYTES, &total), SUBQ_OK);
    EXPECT_EQ(total, 0);
    EXPECT_EQ(subq_net_reset_counters(nullptr), SUBQ_ERR_NULL_POINTER);

    // Weights in both layouts.
    std::vector<double> w1(200 * d), w1c(200 * d);
    ASSERT_EQ(subq_net_get_weights_f64(net.p, 1, SUBQ_ROW_MAJOR, w1.data(), d), SUBQ_OK);
    ASSERT_EQ(subq_net_get_weights_f64(net.p, 1, SUBQ_COL_MAJOR, w1c.data(), 200), SUBQ_OK);
    EXPECT_EQ(w1[3 * d + 2], w1c[2 * 200 + 3]);
    EXPECT_EQ(subq_net_get_weights_f64(net.p, 4, SUBQ_ROW_MAJOR, w1.data(), d), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_net_get_weights_f64(net.p, 1, SUBQ_ROW_MAJOR, w1.data(), d - 1), SUBQ_ERR_LAYOUT);
}

TEST(NetC, InputErrors) {
    const int64_t n = 4, d = 3;
    Cfg cfg;
    cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 64);
    Net net;
    ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK);
    std::vector<float> x(n * d, 0.5f), y(n, 1.0f), f(n);
    std::vector<double> xd(n * d, 0.5), yd(n, 1.0), fd(n);
    // Wrong dtype entry point.
    EXPECT_EQ(subq_net_predict_f64(net.p, SUBQ_ROW_MAJOR, n, d, xd.data(), d, fd.data(), 1), SUBQ_ERR_INVALID_ARG);
    EXPECT_NE(last_error().find("call the _f32 function"), std::string::npos) << last_error();
    EXPECT_EQ(subq_net_step_gd_f64(net.p, SUBQ_ROW_MAJOR, n, d, xd.data(), d, yd.data(), 1, nullptr),
              SUBQ_ERR_INVALID_ARG);
    // d mismatch, NULLs, layout, leading dimensions, empty batches.
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, n, d + 1, x.data(), d + 1, f.data(), 1), SUBQ_ERR_DIMENSION);
    EXPECT_NE(last_error().find("d = 4 differs from the network's input dimension 3"), std::string::npos);
    EXPECT_EQ(subq_net_predict_f32(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, f.data(), 1), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, n, d, nullptr, d, f.data(), 1), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, nullptr, 1), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_net_predict_f32(net.p, static_cast<subq_layout>(5), n, d, x.data(), d, f.data(), 1),
              SUBQ_ERR_LAYOUT);
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d - 1, f.data(), 1), SUBQ_ERR_LAYOUT);
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, -1, d, x.data(), d, f.data(), 1), SUBQ_ERR_DIMENSION);
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, 0, d, nullptr, d, nullptr, 1), SUBQ_OK);
    EXPECT_EQ(subq_net_step_gd_f32(net.p, SUBQ_ROW_MAJOR, 0, d, x.data(), d, y.data(), 1, nullptr), SUBQ_ERR_DIMENSION);
    EXPECT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, int64_t(1) << 62, d, x.data(), d, f.data(), 1),
              SUBQ_ERR_DIMENSION);
    // Non-finite inputs and labels: status, message, and unchanged weights.
    std::vector<double> before(64 * d), after(64 * d);
    ASSERT_EQ(subq_net_get_weights_f64(net.p, 1, SUBQ_ROW_MAJOR, before.data(), d), SUBQ_OK);
    x[4] = INFINITY;
    EXPECT_EQ(subq_net_step_gd_f32(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, nullptr), SUBQ_ERR_NUMERICAL);
    EXPECT_NE(last_error().find("non-finite value at row 1, column 1"), std::string::npos) << last_error();
    x[4] = 0.5f;
    y[3] = std::nanf("");
    EXPECT_EQ(subq_net_step_gd_f32(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, nullptr), SUBQ_ERR_NUMERICAL);
    EXPECT_NE(last_error().find("non-finite target at row 3"), std::string::npos) << last_error();
    ASSERT_EQ(subq_net_get_weights_f64(net.p, 1, SUBQ_ROW_MAJOR, after.data(), d), SUBQ_OK);
    EXPECT_EQ(before, after);
}

TEST(NetC, SparseAndDenseModesAgreeThroughTheAbi) {
    const int64_t n = 5, d = 7;
    std::vector<double> f[2];
    std::vector<double> w[2];
    for (int mode : {SUBQ_NET_SPARSE, SUBQ_NET_DENSE}) {
        Cfg cfg;
        cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 96).set(SUBQ_P_NET_DEPTH, 3).set(SUBQ_P_DTYPE, SUBQ_F64);
        cfg.set(SUBQ_P_NET_MODE, mode).setd(SUBQ_P_LEARNING_RATE, 0.05);
        Net net;
        ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK);
        const auto x = inputs(n, d);
        std::vector<double> y(n, 0.3);
        for (int t = 0; t < 3; ++t)
            ASSERT_EQ(subq_net_step_gd_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, nullptr), SUBQ_OK);
        f[mode].resize(n);
        ASSERT_EQ(subq_net_predict_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, f[mode].data(), 1), SUBQ_OK);
        w[mode].resize(96 * 96);
        ASSERT_EQ(subq_net_get_weights_f64(net.p, 2, SUBQ_COL_MAJOR, w[mode].data(), 96), SUBQ_OK);
    }
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(f[0][i], f[1][i], 1e-12);
    for (std::size_t e = 0; e < w[0].size(); ++e) EXPECT_NEAR(w[0][e], w[1][e], 1e-12);
}

TEST(NetC, GaussNewtonStepsThroughTheAbi) {
    const int64_t n = 16, d = 8;
    const auto x = inputs(n, d);
    std::vector<double> y(n);
    for (int64_t i = 0; i < n; ++i) y[i] = std::cos(0.9 * i);
    for (int solver : {SUBQ_NET_GN_CHOLESKY, SUBQ_NET_GN_SKETCHED_CG}) {
        Cfg cfg;
        cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 600).set(SUBQ_P_NET_DEPTH, 3).set(SUBQ_P_DTYPE, SUBQ_F64);
        cfg.set(SUBQ_P_NET_GN_SOLVER, solver).set(SUBQ_P_SEED, 3);
        Net net;
        ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK) << last_error();
        double info = 0;
        EXPECT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_LOSS_BEFORE, &info), SUBQ_ERR_STATE);
        double first = 0, loss = 0;
        for (int t = 0; t < 8; ++t) {
            ASSERT_EQ(subq_net_step_gn_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, &loss), SUBQ_OK)
                << last_error();
            if (t == 0) first = loss;
            ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_SOLVER, &info), SUBQ_OK);
            EXPECT_EQ(info, solver);
            ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_ACCEPTED, &info), SUBQ_OK);
            EXPECT_EQ(info, 1.0);
            double after = 0;
            ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_LOSS_AFTER, &after), SUBQ_OK);
            EXPECT_LE(after, loss);
        }
        double after = 0;
        ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_LOSS_AFTER, &after), SUBQ_OK);
        EXPECT_LE(std::sqrt(after), 1e-6 * std::sqrt(first));  // relative residual <= 1e-6 (issue target)
        if (solver == SUBQ_NET_GN_SKETCHED_CG) {
            ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_CG_ITERATIONS, &info), SUBQ_OK);
            EXPECT_GE(info, 1);
            EXPECT_LE(info, 30);
        }
        int64_t solve = 0;
        ASSERT_EQ(subq_net_counter(net.p, SUBQ_PHASE_SOLVE, SUBQ_COUNTER_MULADDS, &solve), SUBQ_OK);
        EXPECT_GT(solve, 0);
        ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_LEARNING_RATE, &info), SUBQ_OK);
        EXPECT_TRUE(std::isnan(info));
    }
    Net net;
    Cfg cfg;
    cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 64);
    ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK);
    double info = 0;
    EXPECT_EQ(subq_net_step_info(net.p, static_cast<subq_net_step_key>(0), &info), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_net_step_info(nullptr, SUBQ_NET_STEP_LOSS_BEFORE, &info), SUBQ_ERR_NULL_POINTER);
    std::vector<float> xf(n * d, 1.0f), yf(n, 0.0f);
    yf[5] = INFINITY;
    EXPECT_EQ(subq_net_step_gn_f32(net.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, yf.data(), 1, nullptr),
              SUBQ_ERR_NUMERICAL);
    EXPECT_EQ(subq_net_step_gn_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, nullptr),
              SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NET_GN_SOLVER, 3), SUBQ_ERR_PARAM_RANGE);
    EXPECT_EQ(subq_config_set_double(cfg.p, SUBQ_P_NET_CG_TOLERANCE, 0.0), SUBQ_ERR_PARAM_RANGE);
}

namespace {

std::string tmp_path(const std::string &name) {
    return std::string(SUBQ_TEST_TMP_DIR) + "/" + name;
}

std::vector<char> read_all(const std::string &path) {
    std::FILE *f = std::fopen(path.c_str(), "rb");
    std::vector<char> data;
    if (f == nullptr) return data;
    char buf[65536];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + got);
    std::fclose(f);
    return data;
}

void write_all(const std::string &path, const std::vector<char> &data) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), f), data.size());
    std::fclose(f);
}

}  // namespace

TEST(NetC, SaveLoadRoundTripAndCorruptFiles) {
    const int64_t n = 10, d = 5, k = 3;
    Cfg cfg;
    cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 128).set(SUBQ_P_NET_DEPTH, 3).set(SUBQ_P_NET_OUTPUTS, k);
    cfg.set(SUBQ_P_NET_UPDATE, SUBQ_NET_UPDATE_LAZY).set(SUBQ_P_NET_MAX_RANK, 64).set(SUBQ_P_SEED, 8);
    Net net;
    ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK);
    std::vector<float> x(n * d), y(n * k, 0.0f);
    for (int64_t e = 0; e < n * d; ++e) x[e] = std::sin(0.3f * e);
    for (int64_t i = 0; i < n; ++i) y[i * k + i % k] = 1.0f;
    for (int t = 0; t < 3; ++t)  // GD with the automatic step: leaves pending lazy terms (rank 30 < 64)
        ASSERT_EQ(subq_net_step_gd_f32(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), k, nullptr), SUBQ_OK);
    const std::string path = tmp_path("net_roundtrip.subqnet");
    ASSERT_EQ(subq_net_save(net.p, path.c_str()), SUBQ_OK) << last_error();
    Net loaded;
    ASSERT_EQ(subq_net_load(path.c_str(), &loaded.p), SUBQ_OK) << last_error();
    int64_t v = 0;
    ASSERT_EQ(subq_net_get_int(loaded.p, SUBQ_P_NET_OUTPUTS, &v), SUBQ_OK);
    EXPECT_EQ(v, k);
    ASSERT_EQ(subq_net_get_int(loaded.p, SUBQ_P_NET_UPDATE, &v), SUBQ_OK);
    EXPECT_EQ(v, SUBQ_NET_UPDATE_LAZY);
    std::vector<float> f1(n * k), f2(n * k);
    ASSERT_EQ(subq_net_predict_f32(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, f1.data(), k), SUBQ_OK);
    ASSERT_EQ(subq_net_predict_f32(loaded.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, f2.data(), k), SUBQ_OK);
    for (int64_t e = 0; e < n * k; ++e) EXPECT_NEAR(f1[e], f2[e], 1e-5f);  // low-rank terms folded in float32
    std::vector<double> w1(128 * 128), w2(128 * 128);
    ASSERT_EQ(subq_net_get_weights_f64(net.p, 2, SUBQ_ROW_MAJOR, w1.data(), 128), SUBQ_OK);
    ASSERT_EQ(subq_net_get_weights_f64(loaded.p, 2, SUBQ_ROW_MAJOR, w2.data(), 128), SUBQ_OK);
    for (std::size_t e = 0; e < w1.size(); ++e) EXPECT_NEAR(w1[e], w2[e], 1e-6 * (1 + std::abs(w1[e])));
    // A loaded network keeps training with the same automatic step size.
    double lr1 = 0, lr2 = 0;
    ASSERT_EQ(subq_net_step_gd_f32(loaded.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), k, nullptr), SUBQ_OK);
    ASSERT_EQ(subq_net_get_double(net.p, SUBQ_P_LEARNING_RATE, &lr1), SUBQ_OK);
    ASSERT_EQ(subq_net_get_double(loaded.p, SUBQ_P_LEARNING_RATE, &lr2), SUBQ_OK);
    EXPECT_EQ(lr1, lr2);

    const std::vector<char> good = read_all(path);
    ASSERT_GT(good.size(), 200u);
    Net bad;
    auto expect_load = [&](const std::vector<char> &data, subq_status st, const char *fragment) {
        const std::string p = tmp_path("net_bad.subqnet");
        write_all(p, data);
        EXPECT_EQ(subq_net_load(p.c_str(), &bad.p), st);
        EXPECT_EQ(bad.p, nullptr);
        EXPECT_NE(last_error().find(fragment), std::string::npos) << last_error();
    };
    expect_load(std::vector<char>(good.begin(), good.end() - 1), SUBQ_ERR_IO, "the file has");
    expect_load(std::vector<char>(good.begin(), good.begin() + 100), SUBQ_ERR_IO, "truncated");
    expect_load(std::vector<char>(good.begin(), good.begin() + 5), SUBQ_ERR_IO, "truncated");
    std::vector<char> flipped = good;
    flipped[flipped.size() / 2] ^= 0x10;
    expect_load(flipped, SUBQ_ERR_IO, "checksum mismatch");
    std::vector<char> magic = good;
    magic[0] = 'X';
    expect_load(magic, SUBQ_ERR_IO, "wrong magic");
    std::vector<char> version = good;
    version[8] = 9;
    expect_load(version, SUBQ_ERR_VERSION, "format version 9");
    std::vector<char> huge = good;
    huge[16 + 8 + 7] = 0x7f;  // width (second i64 of the header) becomes enormous
    expect_load(huge, SUBQ_ERR_IO, "invalid header field");
    std::vector<char> depth = good;
    depth[16 + 16] = 60;  // depth 60: the declared weights exceed the file
    expect_load(depth, SUBQ_ERR_IO, "the header declares");
    EXPECT_EQ(subq_net_load(tmp_path("missing.subqnet").c_str(), &bad.p), SUBQ_ERR_IO);
    EXPECT_NE(last_error().find("cannot open"), std::string::npos);
    EXPECT_EQ(subq_net_load(nullptr, &bad.p), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_net_load(path.c_str(), nullptr), SUBQ_ERR_NULL_POINTER);
    // Saving into a missing directory fails cleanly and leaves nothing behind.
    EXPECT_EQ(subq_net_save(net.p, tmp_path("no/such/dir/net.subqnet").c_str()), SUBQ_ERR_IO);
    EXPECT_EQ(subq_net_save(nullptr, path.c_str()), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_net_save(net.p, nullptr), SUBQ_ERR_NULL_POINTER);
    // Overwriting replaces the file atomically with a loadable one.
    ASSERT_EQ(subq_net_save(loaded.p, path.c_str()), SUBQ_OK);
    Net again;
    EXPECT_EQ(subq_net_load(path.c_str(), &again.p), SUBQ_OK);
}

namespace {
struct Progress {
    int calls = 0;
    int cancel_after = 0;
    std::vector<double> losses;
};
int on_progress(void *user, int64_t iteration, double loss, double fired, double rank, double seconds) {
    auto *p = static_cast<Progress *>(user);
    ++p->calls;
    p->losses.push_back(loss);
    EXPECT_EQ(iteration, p->calls);
    EXPECT_GT(fired, 0);
    EXPECT_GE(rank, 0);
    EXPECT_GE(seconds, 0);
    return p->cancel_after > 0 && p->calls >= p->cancel_after;
}
}  // namespace

TEST(NetC, FitWithMiniBatchesProgressCancelAndTolerance) {
    const int64_t n = 100, d = 6;
    std::vector<double> x(n * d);  // points in general position (inputs() lie on a 2-D subspace)
    uint64_t state = 12345;
    for (auto &v : x) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        v = static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
    }
    std::vector<double> y(n);
    for (int64_t i = 0; i < n; ++i) y[i] = std::sin(0.2 * i);
    std::vector<double> weights[2];
    for (int threads : {1, 2}) {
        Cfg cfg;
        cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 300).set(SUBQ_P_DTYPE, SUBQ_F64);
        cfg.set(SUBQ_P_NET_BATCH_SIZE, 32).set(SUBQ_P_NET_ITERATIONS, 7).set(SUBQ_P_NUM_THREADS, threads);
        Net net;
        ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK);
        Progress progress;
        int64_t its = 0;
        ASSERT_EQ(subq_net_fit_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, on_progress, &progress, &its),
                  SUBQ_OK)
            << last_error();
        EXPECT_EQ(its, 7);
        EXPECT_EQ(progress.calls, 7);
        weights[threads - 1].resize(300 * d);
        ASSERT_EQ(subq_net_get_weights_f64(net.p, 1, SUBQ_ROW_MAJOR, weights[threads - 1].data(), d), SUBQ_OK);
    }
    EXPECT_EQ(weights[0], weights[1]);  // batches and steps reproducible across thread counts

    // Cancel after two iterations.
    Cfg cfg;
    cfg.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 300).set(SUBQ_P_DTYPE, SUBQ_F64).set(SUBQ_P_NET_BATCH_SIZE, 0);
    cfg.set(SUBQ_P_NET_ITERATIONS, 50).setd(SUBQ_P_NET_TOLERANCE, 1e-6);
    Net net;
    ASSERT_EQ(subq_net_create(cfg.p, &net.p), SUBQ_OK);
    Progress cancel;
    cancel.cancel_after = 2;
    int64_t its = -1;
    EXPECT_EQ(subq_net_fit_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, on_progress, &cancel, &its),
              SUBQ_ERR_CANCELLED);
    EXPECT_EQ(its, 2);
    EXPECT_NE(last_error().find("cancelled by the progress callback after iteration 2"), std::string::npos);
    // Full batch Gauss–Newton with a tolerance stops early (relative residual <= 1e-6 in well under 50 steps).
    Progress full;
    ASSERT_EQ(subq_net_fit_f64(net.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, on_progress, &full, &its),
              SUBQ_OK);
    EXPECT_LT(its, 15);
    double after = 0;
    ASSERT_EQ(subq_net_step_info(net.p, SUBQ_NET_STEP_LOSS_AFTER, &after), SUBQ_OK);
    EXPECT_LE(std::sqrt(after / full.losses.front()), 1e-6);
    // Errors.
    EXPECT_EQ(subq_net_fit_f64(net.p, SUBQ_ROW_MAJOR, 0, d, x.data(), d, y.data(), 1, nullptr, nullptr, &its),
              SUBQ_ERR_DIMENSION);
    EXPECT_EQ(its, 0);
    EXPECT_EQ(subq_net_fit_f64(nullptr, SUBQ_ROW_MAJOR, n, d, x.data(), d, y.data(), 1, nullptr, nullptr, nullptr),
              SUBQ_ERR_NULL_POINTER);
    std::vector<float> xf(n * d), yf(n);
    EXPECT_EQ(subq_net_fit_f32(net.p, SUBQ_ROW_MAJOR, n, d, xf.data(), d, yf.data(), 1, nullptr, nullptr, nullptr),
              SUBQ_ERR_INVALID_ARG);
    // A non-finite value is reported with its row in the caller's data (not in a shuffled batch), before any step:
    // the weights stay as they were and the callback is never called.
    Cfg mini;
    mini.set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_NET_WIDTH, 64).set(SUBQ_P_DTYPE, SUBQ_F64).set(SUBQ_P_NET_BATCH_SIZE, 8);
    Net fresh;
    ASSERT_EQ(subq_net_create(mini.p, &fresh.p), SUBQ_OK);
    std::vector<double> before(64 * d), after_w(64 * d);
    ASSERT_EQ(subq_net_get_weights_f64(fresh.p, 1, SUBQ_ROW_MAJOR, before.data(), d), SUBQ_OK);
    std::vector<double> bad_x = x, bad_y = y;
    bad_x[77 * d + 4] = std::nan("");
    Progress never;
    EXPECT_EQ(subq_net_fit_f64(fresh.p, SUBQ_ROW_MAJOR, n, d, bad_x.data(), d, y.data(), 1, on_progress, &never, &its),
              SUBQ_ERR_NUMERICAL);
    EXPECT_NE(last_error().find("x: non-finite value at row 77, column 4"), std::string::npos) << last_error();
    bad_y[93] = INFINITY;
    EXPECT_EQ(subq_net_fit_f64(fresh.p, SUBQ_ROW_MAJOR, n, d, x.data(), d, bad_y.data(), 1, on_progress, &never, &its),
              SUBQ_ERR_NUMERICAL);
    EXPECT_NE(last_error().find("y: non-finite target at row 93, column 0"), std::string::npos) << last_error();
    EXPECT_EQ(its, 0);
    EXPECT_EQ(never.calls, 0);
    ASSERT_EQ(subq_net_get_weights_f64(fresh.p, 1, SUBQ_ROW_MAJOR, after_w.data(), d), SUBQ_OK);
    EXPECT_EQ(after_w, before);
}
