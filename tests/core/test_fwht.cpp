#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "core/fwht.hpp"

using namespace subq;
using fwht::detail::Path;

namespace {

// Entry (i, j) of the unnormalised Hadamard matrix H_n (Sylvester order): (-1)^popcount(i & j).
int hadamard_entry(std::int64_t i, std::int64_t j) { return (__builtin_popcountll(static_cast<unsigned long long>(i & j)) & 1) ? -1 : 1; }

std::vector<double> hadamard_product(const std::vector<double> &x) {
    const auto n = static_cast<std::int64_t>(x.size());
    std::vector<double> y(x.size(), 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
        long double s = 0;  // accurate reference
        for (std::int64_t j = 0; j < n; ++j) s += hadamard_entry(i, j) * static_cast<long double>(x[j]);
        y[i] = static_cast<double>(s);
    }
    return y;
}

template <class T>
std::vector<T> random_vector(std::int64_t n, std::uint32_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> dist(0.0, 1.0);
    std::vector<T> x(static_cast<std::size_t>(n));
    for (auto &v : x) v = static_cast<T>(dist(gen));
    return x;
}

template <class T>
bool bit_equal(const T *a, const T *b, std::int64_t n) {
    return std::memcmp(a, b, static_cast<std::size_t>(n) * sizeof(T)) == 0;
}

std::vector<Path> supported_paths() {
    std::vector<Path> paths;
    for (Path p : {Path::kScalar, Path::kSse2, Path::kAvx2})
        if (fwht::detail::path_supported(p)) paths.push_back(p);
    return paths;
}

}  // namespace

TEST(Fwht, PowerOfTwoHelpers) {
    EXPECT_FALSE(fwht::is_power_of_two(0));
    EXPECT_FALSE(fwht::is_power_of_two(-1));
    EXPECT_FALSE(fwht::is_power_of_two(-4));
    EXPECT_FALSE(fwht::is_power_of_two(std::numeric_limits<std::int64_t>::min()));
    EXPECT_FALSE(fwht::is_power_of_two(3));
    EXPECT_FALSE(fwht::is_power_of_two(6));
    EXPECT_FALSE(fwht::is_power_of_two(std::numeric_limits<std::int64_t>::max()));
    EXPECT_TRUE(fwht::is_power_of_two(1));
    EXPECT_TRUE(fwht::is_power_of_two(2));
    EXPECT_TRUE(fwht::is_power_of_two(1024));
    EXPECT_TRUE(fwht::is_power_of_two(std::int64_t{1} << 62));

    EXPECT_EQ(fwht::next_power_of_two(1), 1);
    EXPECT_EQ(fwht::next_power_of_two(2), 2);
    EXPECT_EQ(fwht::next_power_of_two(3), 4);
    EXPECT_EQ(fwht::next_power_of_two(5), 8);
    EXPECT_EQ(fwht::next_power_of_two(784), 1024);
    EXPECT_EQ(fwht::next_power_of_two(1024), 1024);
    EXPECT_EQ(fwht::next_power_of_two(1025), 2048);
    EXPECT_EQ(fwht::next_power_of_two((std::int64_t{1} << 62) - 1), std::int64_t{1} << 62);
    EXPECT_EQ(fwht::next_power_of_two(std::int64_t{1} << 62), std::int64_t{1} << 62);
    for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}, (std::int64_t{1} << 62) + 1,
                             std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
        try {
            (void)fwht::next_power_of_two(bad);
            ADD_FAILURE() << "no exception for n = " << bad;
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_DIMENSION) << bad;
        }
    }
}

TEST(Fwht, BadLengthThrowsDimension) {
    std::vector<double> xd(16, 1.0);
    std::vector<float> xf(16, 1.0f);
    for (std::int64_t n : {std::int64_t{0}, std::int64_t{3}, std::int64_t{-1}, std::int64_t{-4}, std::int64_t{6},
                           std::int64_t{12}, std::numeric_limits<std::int64_t>::min()}) {
        for (Path p : {Path::kAuto, Path::kScalar}) {
            try {
                fwht::detail::transform_with(p, xd.data(), n);
                ADD_FAILURE() << "no exception for n = " << n;
            } catch (const Error &e) {
                EXPECT_EQ(e.status(), SUBQ_ERR_DIMENSION) << n;
            }
        }
        try {
            fwht::transform(xf.data(), n);
            ADD_FAILURE() << "no exception for n = " << n;
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_DIMENSION) << n;
        }
        try {
            fwht::transform_many(xd.data(), n, 1, 16);
            ADD_FAILURE() << "no exception for n = " << n;
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_DIMENSION) << n;
        }
    }
    EXPECT_EQ(xd, std::vector<double>(16, 1.0));  // nothing was touched
}

TEST(Fwht, TransformManyArgumentChecks) {
    std::vector<double> x(64, 1.0);
    auto expect_dim = [](auto &&f) {
        try {
            f();
            ADD_FAILURE() << "no exception";
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_DIMENSION);
        }
    };
    expect_dim([&] { fwht::transform_many(x.data(), 8, 2, 4); });   // stride < n
    expect_dim([&] { fwht::transform_many(x.data(), 8, -1, 8); });  // negative count
    expect_dim([&] { fwht::transform_many(x.data(), 8, std::numeric_limits<std::int64_t>::max(), 8); });  // overflow
    fwht::transform_many(x.data(), 8, 0, 8);  // count 0 is a no-op
    fwht::transform_many(static_cast<double *>(nullptr), 8, 0, 8);
    EXPECT_EQ(x, std::vector<double>(64, 1.0));
}

TEST(Fwht, NullPointerThrows) {
    auto expect_null = [](auto &&f) {
        try {
            f();
            ADD_FAILURE() << "no exception";
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_NULL_POINTER);
        }
    };
    expect_null([] { fwht::transform(static_cast<double *>(nullptr), 8); });
    expect_null([] { fwht::transform(static_cast<float *>(nullptr), 1); });
    expect_null([] { fwht::transform_many(static_cast<float *>(nullptr), 8, 1, 8); });
}

TEST(Fwht, LengthOneIsIdentity) {
    for (Path p : supported_paths()) {
        double d = -2.5;
        float f = 7.0f;
        fwht::detail::transform_with(p, &d, 1);
        fwht::detail::transform_with(p, &f, 1);
        EXPECT_EQ(d, -2.5);
        EXPECT_EQ(f, 7.0f);
    }
}

TEST(Fwht, SmallCasesByHand) {
    std::vector<double> x{1, 2};
    fwht::transform(x.data(), 2);
    EXPECT_EQ(x, (std::vector<double>{3, -1}));
    x = {1, 2, 3, 4};
    fwht::transform(x.data(), 4);
    EXPECT_EQ(x, (std::vector<double>{10, -2, -4, 0}));
    x.assign(8, 0.0);
    x[0] = 1;  // H e_0 = all ones
    fwht::transform(x.data(), 8);
    EXPECT_EQ(x, std::vector<double>(8, 1.0));
}

// H_n x against the explicit matrix product, n = 1..2^10: exact for small integers, 1e-12 relative for random.
TEST(Fwht, MatchesExplicitHadamardProduct) {
    for (Path p : supported_paths()) {
        for (std::int64_t n = 1; n <= 1024; n *= 2) {
            // Small integers: every partial sum is an integer < 2^53, so the result is exact.
            std::vector<double> xi(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i) xi[i] = static_cast<double>((i * 7919 + 13) % 201 - 100);
            const auto ref_i = hadamard_product(xi);
            fwht::detail::transform_with(p, xi.data(), n);
            EXPECT_EQ(xi, ref_i) << "path " << fwht::detail::path_name(p) << " n = " << n;

            std::vector<float> xf(xi.size());
            for (std::int64_t i = 0; i < n; ++i) xf[i] = static_cast<float>((i * 7919 + 13) % 201 - 100);
            fwht::detail::transform_with(p, xf.data(), n);
            for (std::int64_t i = 0; i < n; ++i)
                ASSERT_EQ(static_cast<double>(xf[i]), ref_i[i]) << "float, path " << fwht::detail::path_name(p);

            auto xr = random_vector<double>(n, static_cast<std::uint32_t>(n));
            const auto ref_r = hadamard_product(xr);
            fwht::detail::transform_with(p, xr.data(), n);
            double norm = 0;
            for (double v : ref_r) norm = std::max(norm, std::abs(v));
            for (std::int64_t i = 0; i < n; ++i)
                ASSERT_LE(std::abs(xr[i] - ref_r[i]), 1e-12 * norm) << "path " << fwht::detail::path_name(p)
                                                                    << " n = " << n << " i = " << i;
        }
    }
}

// H(Hx) = n x, up to rounding, for lengths that exercise every blocking level (L1 blocks, L2 blocks, beyond).
TEST(Fwht, InvolutionUpToScale) {
    for (Path p : supported_paths()) {
        for (int lg : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 17, 19, 21}) {
            const std::int64_t n = std::int64_t{1} << lg;
            const auto x0 = random_vector<double>(n, 100u + static_cast<std::uint32_t>(lg));
            auto x = x0;
            fwht::detail::transform_with(p, x.data(), n);
            fwht::detail::transform_with(p, x.data(), n);
            double err = 0;
            for (std::int64_t i = 0; i < n; ++i) err = std::max(err, std::abs(x[i] / static_cast<double>(n) - x0[i]));
            EXPECT_LE(err, 1e-13 * (lg + 1)) << "path " << fwht::detail::path_name(p) << " n = 2^" << lg;
        }
    }
}

// Every path gives the same bits as the scalar reference, at every length through the blocking thresholds.
TEST(Fwht, PathsAreBitIdenticalToScalar) {
    for (int lg = 0; lg <= 21; ++lg) {
        const std::int64_t n = std::int64_t{1} << lg;
        const auto d0 = random_vector<double>(n, 7u + static_cast<std::uint32_t>(lg));
        const auto f0 = random_vector<float>(n, 9u + static_cast<std::uint32_t>(lg));
        auto dref = d0;
        auto fref = f0;
        fwht::detail::transform_with(Path::kScalar, dref.data(), n);
        fwht::detail::transform_with(Path::kScalar, fref.data(), n);
        for (Path p : supported_paths()) {
            auto d = d0;
            auto f = f0;
            fwht::detail::transform_with(p, d.data(), n);
            fwht::detail::transform_with(p, f.data(), n);
            EXPECT_TRUE(bit_equal(d.data(), dref.data(), n)) << "double, path " << fwht::detail::path_name(p)
                                                             << " n = 2^" << lg;
            EXPECT_TRUE(bit_equal(f.data(), fref.data(), n)) << "float, path " << fwht::detail::path_name(p)
                                                             << " n = 2^" << lg;
        }
        auto d = d0;
        fwht::transform(d.data(), n);
        EXPECT_TRUE(bit_equal(d.data(), dref.data(), n)) << "auto path, n = 2^" << lg;
    }
}

// Signed zeros and infinities go through the same network on every path.
TEST(Fwht, SpecialValuesBitIdentical) {
    const std::int64_t n = 256;
    std::vector<double> x0(n);
    for (std::int64_t i = 0; i < n; ++i) {
        switch (i % 5) {
            case 0: x0[i] = 0.0; break;
            case 1: x0[i] = -0.0; break;
            case 2: x0[i] = (i % 3 == 0) ? std::numeric_limits<double>::infinity() : 1e300; break;
            case 3: x0[i] = 1e-310; break;  // subnormal
            default: x0[i] = -1e300; break;
        }
    }
    auto ref = x0;
    fwht::detail::transform_with(Path::kScalar, ref.data(), n);
    for (Path p : supported_paths()) {
        auto x = x0;
        fwht::detail::transform_with(p, x.data(), n);
        for (std::int64_t i = 0; i < n; ++i) {
            if (std::isnan(ref[i])) {
                EXPECT_TRUE(std::isnan(x[i]));
            } else {
                EXPECT_EQ(std::memcmp(&x[i], &ref[i], sizeof(double)), 0) << fwht::detail::path_name(p) << " " << i;
            }
        }
    }
}

template <class T>
void check_many_bit_identical(Path p, std::int64_t n, std::int64_t count, std::int64_t stride) {
    const std::int64_t total = count > 0 ? (count - 1) * stride + n : 0;
    const auto x0 = random_vector<T>(total + 3, static_cast<std::uint32_t>(n * 31 + count * 7 + stride));
    auto many = x0;
    fwht::detail::transform_many_with(p, many.data(), n, count, stride);
    auto one = x0;
    for (std::int64_t i = 0; i < count; ++i) fwht::detail::transform_with(Path::kScalar, one.data() + i * stride, n);
    EXPECT_TRUE(bit_equal(many.data(), one.data(), total + 3))  // gaps between vectors and the tail untouched
        << "path " << fwht::detail::path_name(p) << " n = " << n << " count = " << count << " stride = " << stride;
}

TEST(Fwht, TransformManyEqualsPerVectorBitForBit) {
    std::vector<Path> paths = supported_paths();
    paths.push_back(Path::kAuto);
    for (Path p : paths) {
        for (std::int64_t n : {1, 2, 4, 8, 16, 32, 64, 128, 1024, 4096, 1 << 14}) {
            for (std::int64_t count : {0, 1, 2, 3, 5, 8, 17}) {
                if (n >= 4096 && count > 3) continue;
                for (std::int64_t stride : {n, n + 1, n + 3, 2 * n + 5}) {
                    check_many_bit_identical<double>(p, n, count, stride);
                    check_many_bit_identical<float>(p, n, count, stride);
                }
            }
        }
    }
}

TEST(Fwht, FloatAgreesWithDouble) {
    for (int lg : {1, 4, 7, 10, 13, 16}) {
        const std::int64_t n = std::int64_t{1} << lg;
        const auto xf0 = random_vector<float>(n, 55u + static_cast<std::uint32_t>(lg));
        std::vector<double> xd(xf0.begin(), xf0.end());
        auto xf = xf0;
        fwht::transform(xf.data(), n);
        fwht::transform(xd.data(), n);
        double norm2 = 0;
        for (float v : xf0) norm2 += static_cast<double>(v) * v;
        // Each output is a sum of n terms of size ~|x|; rounding error <= log2(n) eps ||x||_1 ~ lg eps sqrt(n) ||x||_2.
        const double tol = 4.0 * (lg + 1) * std::numeric_limits<float>::epsilon() * std::sqrt(static_cast<double>(n) * norm2);
        for (std::int64_t i = 0; i < n; ++i)
            ASSERT_NEAR(static_cast<double>(xf[i]), xd[i], tol) << "n = " << n << " i = " << i;
    }
}

TEST(Fwht, PathQueries) {
    EXPECT_TRUE(fwht::detail::path_supported(Path::kScalar));
    EXPECT_TRUE(fwht::detail::path_supported(Path::kAuto));
    EXPECT_TRUE(fwht::detail::path_supported(fwht::detail::best_path()));
    EXPECT_NE(fwht::detail::best_path(), Path::kAuto);
    for (Path p : {Path::kAuto, Path::kScalar, Path::kSse2, Path::kAvx2}) EXPECT_STRNE(fwht::detail::path_name(p), "unknown");
    for (Path p : {Path::kSse2, Path::kAvx2}) {
        if (fwht::detail::path_supported(p)) continue;
        double x[2] = {1, 2};
        try {
            fwht::detail::transform_with(p, x, 2);
            ADD_FAILURE() << "unsupported path ran";
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_INVALID_ARG);
        }
    }
    std::printf("fwht: best path on this machine: %s\n", fwht::detail::path_name(fwht::detail::best_path()));
}
