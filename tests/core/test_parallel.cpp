#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"
#include "core/parallel.hpp"

using namespace subq;

TEST(Parallel, RunsEveryTaskOnce) {
    std::vector<int> hits(1000, 0);
    parallel_for(2, 1000, [&](std::int64_t t) { hits[t] += 1; });
    for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(Parallel, CarriesExceptionsOutOfTheRegion) {
    EXPECT_THROW(parallel_for(2, 100,
                              [&](std::int64_t t) {
                                  if (t == 57) fail(SUBQ_ERR_NUMERICAL, "task 57");
                              }),
                 Error);
}

TEST(Parallel, ThreadCountDefault) {
    EXPECT_EQ(thread_count(3), 3);
    EXPECT_GE(thread_count(0), 1);
}

TEST(Checked, MultiplicationOverflow) {
    EXPECT_EQ(checked_mul(1 << 20, 1 << 20, "x"), std::int64_t(1) << 40);
    EXPECT_THROW(checked_mul(std::int64_t(1) << 40, std::int64_t(1) << 40, "x"), Error);
    EXPECT_THROW(checked_mul(-1, 2, "x"), Error);
    EXPECT_THROW(checked_bytes(std::int64_t(1) << 62, 8, "x"), Error);
}
