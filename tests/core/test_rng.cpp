#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "core/parallel.hpp"
#include "core/rng.hpp"

using namespace subq;

TEST(Rng, PhiloxKnownAnswer) {
    // Random123's known-answer vector for philox4x32-10: counter 0, key 0.
    const auto w = rng::philox(0, rng::Stream{0}, 0);
    EXPECT_EQ(w[0], 0x6627e8d5u);
    EXPECT_EQ(w[1], 0xe169c58du);
    EXPECT_EQ(w[2], 0xbc57ac4cu);
    EXPECT_EQ(w[3], 0x9b00dbd8u);
}

TEST(Rng, PhiloxKnownAnswerAllOnes) {
    // Random123 KAT: counter = 4 x 0xffffffff, key = 2 x 0xffffffff.
    const auto w = rng::philox(~0ULL, rng::Stream{~0ULL}, ~0ULL);
    EXPECT_EQ(w[0], 0x408f276du);
    EXPECT_EQ(w[1], 0x41c83b0eu);
    EXPECT_EQ(w[2], 0xa20bc7c6u);
    EXPECT_EQ(w[3], 0x6d5451fdu);
}

TEST(Rng, StreamMixIsFrozenAndPathSensitive) {
    const auto a = rng::stream({1, 2, 3});
    EXPECT_EQ(a.id, rng::stream({1, 2, 3}).id);
    EXPECT_NE(a.id, rng::stream({1, 3, 2}).id);
    EXPECT_NE(a.id, rng::stream({1, 2}).id);
    EXPECT_NE(a.id, rng::stream({1, 2, 3, 0}).id);
}

TEST(Rng, ReproducibleAcrossThreadCounts) {
    const auto s = rng::stream({7, 1});
    const std::int64_t n = 100000;
    std::vector<double> one(n), two(n);
    parallel_for(1, n, [&](std::int64_t i) { one[i] = rng::uniform(99, s, i); });
    parallel_for(2, n, [&](std::int64_t i) { two[i] = rng::uniform(99, s, i); });
    EXPECT_EQ(one, two);
}

TEST(Rng, UniformMomentsAndRange) {
    const auto s = rng::stream({11});
    const int n = 200000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
        const double u = rng::uniform(5, s, i);
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
        sum2 += u * u;
    }
    // Mean 1/2 (sd 1/sqrt(12 n)), second moment 1/3 (sd sqrt(4/45 / n)); 5 standard errors.
    EXPECT_NEAR(sum / n, 0.5, 5 / std::sqrt(12.0 * n));
    EXPECT_NEAR(sum2 / n, 1.0 / 3, 5 * std::sqrt(4.0 / 45 / n));
}

TEST(Rng, StreamsAreUncorrelated) {
    const auto a = rng::stream({1, 0}), b = rng::stream({1, 1});
    const int n = 200000;
    double cov = 0;
    for (int i = 0; i < n; ++i) cov += (rng::uniform(3, a, i) - 0.5) * (rng::uniform(3, b, i) - 0.5);
    cov /= n;
    // Each product has variance 1/144: 5 standard errors.
    EXPECT_NEAR(cov, 0.0, 5 * std::sqrt(1.0 / 144 / n));
}

TEST(Rng, SeedsGiveDifferentStreams) {
    const auto s = rng::stream({2});
    int equal = 0;
    for (int i = 0; i < 1000; ++i) equal += rng::philox(1, s, i)[0] == rng::philox(2, s, i)[0];
    EXPECT_LE(equal, 1);
}

TEST(Rng, NormalMoments) {
    const auto s = rng::stream({3});
    const int n = 100000;
    double m1 = 0, m2 = 0, m4 = 0;
    for (int i = 0; i < n; ++i) {
        const auto [g1, g2] = rng::normal_pair(8, s, i);
        for (double g : {g1, g2}) {
            m1 += g;
            m2 += g * g;
            m4 += g * g * g * g;
        }
    }
    const double N = 2.0 * n;
    EXPECT_NEAR(m1 / N, 0.0, 5 / std::sqrt(N));
    EXPECT_NEAR(m2 / N, 1.0, 5 * std::sqrt(2 / N));
    EXPECT_NEAR(m4 / N, 3.0, 5 * std::sqrt(96 / N));
}

TEST(Rng, BelowAndSigns) {
    const auto s = rng::stream({4});
    const std::uint32_t m = 10;
    std::vector<int> counts(m, 0);
    int plus = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        const auto w = rng::philox(1, s, i);
        const std::uint32_t k = rng::below(w[0], m);
        ASSERT_LT(k, m);
        ++counts[k];
        plus += rng::sign_of(w[1]) > 0;
    }
    for (int c : counts) EXPECT_NEAR(c, n / 10.0, 5 * std::sqrt(n * 0.1 * 0.9));
    EXPECT_NEAR(plus, n / 2.0, 5 * std::sqrt(n * 0.25));
    EXPECT_EQ(rng::below(0xffffffffu, 7), 6u);
    EXPECT_EQ(rng::below(0u, 7), 0u);
}
