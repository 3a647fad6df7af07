#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/matrix.hpp"

using namespace subq;

TEST(Config, EveryKeyHasConsistentBoundsAndDefault) {
    for (int key = 0; key < 1000; ++key) {
        const ParamSpec *s = find_param(static_cast<subq_param>(key));
        if (s == nullptr) continue;
        EXPECT_LE(s->lo, s->hi) << s->name;
        EXPECT_GE(s->default_value, s->lo) << s->name;
        EXPECT_LE(s->default_value, s->hi) << s->name;
        EXPECT_NE(s->kinds, 0u) << s->name;
        EXPECT_EQ(std::string(s->name).rfind("SUBQ_P_", 0), 0u) << s->name;
    }
}

TEST(Config, SetThenGetAndErrors) {
    Config c(SUBQ_KIND_SKETCH);
    c.set_int(SUBQ_P_SEED, 7);
    EXPECT_EQ(c.get_int(SUBQ_P_SEED), 7);
    try {
        c.set_int(SUBQ_P_NUM_THREADS, 2000);
        FAIL();
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), SUBQ_ERR_PARAM_RANGE);
    }
}

TEST(Matrix, DenseViewChecks) {
    double buf[12] = {};
    auto v = dense_view<double>("x", SUBQ_ROW_MAJOR, 3, 4, buf, 4);
    v(2, 3) = 5;
    EXPECT_EQ(buf[11], 5);
    auto c = dense_view<double>("x", SUBQ_COL_MAJOR, 3, 4, buf, 3);
    EXPECT_EQ(c(2, 3), 5);
    auto expect_status = [](subq_status st, auto &&f) {
        try {
            f();
            ADD_FAILURE() << "no throw";
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), st) << e.what();
        }
    };
    expect_status(SUBQ_ERR_LAYOUT, [&] { dense_view<double>("x", SUBQ_ROW_MAJOR, 3, 4, buf, 3); });
    expect_status(SUBQ_ERR_LAYOUT, [&] { dense_view<double>("x", SUBQ_COL_MAJOR, 3, 4, buf, 2); });
    expect_status(SUBQ_ERR_LAYOUT, [&] { dense_view<double>("x", static_cast<subq_layout>(7), 3, 4, buf, 4); });
    expect_status(SUBQ_ERR_DIMENSION, [&] { dense_view<double>("x", SUBQ_ROW_MAJOR, -1, 4, buf, 4); });
    expect_status(SUBQ_ERR_NULL_POINTER,
                  [&] { dense_view<double>("x", SUBQ_ROW_MAJOR, 3, 4, static_cast<double *>(nullptr), 4); });
    expect_status(SUBQ_ERR_DIMENSION, [&] {
        dense_view<double>("x", SUBQ_ROW_MAJOR, std::int64_t(1) << 40, std::int64_t(1) << 40, buf,
                           std::int64_t(1) << 40);
    });
    // Empty matrices may be NULL.
    dense_view<double>("x", SUBQ_ROW_MAJOR, 0, 4, static_cast<double *>(nullptr), 4);
}

TEST(Matrix, CsrViewChecks) {
    const std::int64_t indptr[] = {0, 2, 2, 3};
    const std::int64_t indices[] = {0, 3, 1};
    const double values[] = {1, 2, 3};
    auto v = csr_view<double>("x", 3, 4, indptr, indices, values);
    EXPECT_EQ(v.nnz(), 3);
    const std::int64_t bad_ptr[] = {0, 2, 1, 3};
    EXPECT_THROW(csr_view<double>("x", 3, 4, bad_ptr, indices, values), Error);
    const std::int64_t bad_idx[] = {0, 4, 1};
    EXPECT_THROW(csr_view<double>("x", 3, 4, indptr, bad_idx, values), Error);
    const std::int64_t neg_idx[] = {0, -1, 1};
    EXPECT_THROW(csr_view<double>("x", 3, 4, indptr, neg_idx, values), Error);
    const std::int64_t nonzero_start[] = {1, 2, 2, 3};
    EXPECT_THROW(csr_view<double>("x", 3, 4, nonzero_start, indices, values), Error);
    EXPECT_THROW(csr_view<double>("x", 3, 4, nullptr, indices, values), Error);
}
