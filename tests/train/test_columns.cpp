// The forward pass's column-sum kernel (src/train/columns.hpp): every code path against the sequential loop, bit
// for bit, on lengths around the vector widths and on unaligned pointers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "train/columns.hpp"

using namespace subq;
namespace columns = subq::train::columns;

namespace {

template <class T>
std::vector<T> random_values(std::size_t count, std::uint64_t seed) {
    std::vector<T> v(count);
    const auto s = rng::stream({seed});
    for (std::size_t i = 0; i < count; ++i) v[i] = static_cast<T>(rng::normal_pair(1, s, i).first);
    return v;
}

template <class T>
void check_paths() {
    const std::vector<columns::Path> paths = {columns::Path::kAuto, columns::Path::kPortable, columns::Path::kAvx2Fma,
                                              columns::Path::kAvx512};
    const std::int64_t lens[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099};
    for (std::int64_t len : lens)
        for (int c = 1; c <= columns::kMaxColumns; ++c)
            for (std::int64_t offset : {0, 1}) {  // offset 1: no pointer is vector-aligned
                const std::size_t span = static_cast<std::size_t>(len + offset);
                const auto src = random_values<T>(span * c, 11 + c);
                const auto start = random_values<T>(span, 7);
                const auto a = random_values<T>(c, 3);
                // The reference: v = acc; v = fma(a_k, s_k, v) for k = 0..c-1, one rounding per column.
                std::vector<T> expected(start.begin() + offset, start.end());
                for (std::int64_t r = 0; r < len; ++r) {
                    T v = expected[r];
                    for (int k = 0; k < c; ++k) v = std::fma(a[k], src[k * span + offset + r], v);
                    expected[r] = v;
                }
                for (columns::Path p : paths) {
                    if (!columns::path_supported(p)) continue;
                    std::vector<T> acc(start);
                    const T *s[columns::kMaxColumns];
                    for (int k = 0; k < c; ++k) s[k] = src.data() + k * span + offset;
                    columns::add(p, acc.data() + offset, s, a.data(), c, len);
                    // Compared as bytes (a NaN-free bitwise check); an empty span has nothing to compare.
                    ASSERT_TRUE(len == 0 || std::memcmp(acc.data() + offset, expected.data(), sizeof(T) * len) == 0)
                        << "path " << static_cast<int>(p) << ", c = " << c << ", len = " << len << ", offset "
                        << offset;
                    if (offset == 1) {
                        ASSERT_EQ(acc[0], start[0]) << "wrote before the accumulator";
                    }
                }
            }
}

}  // namespace

TEST(TrainColumns, EveryPathEqualsTheSequentialLoopBitForBit) {
    check_paths<float>();
    check_paths<double>();
}

TEST(TrainColumns, PathQueries) {
    EXPECT_TRUE(columns::path_supported(columns::Path::kAuto));
    EXPECT_TRUE(columns::path_supported(columns::Path::kPortable));
    EXPECT_EQ(columns::path_supported(columns::Path::kAvx2Fma), cpu_has_avx2_fma());
    EXPECT_EQ(columns::path_supported(columns::Path::kAvx512), cpu_has_avx512f());
    const columns::Path expected_auto = cpu_has_avx512f()    ? columns::Path::kAvx512
                                        : cpu_has_avx2_fma() ? columns::Path::kAvx2Fma
                                                             : columns::Path::kPortable;
    EXPECT_EQ(columns::best_path(), expected_auto);
    float acc = 0, x = 1, a = 1;
    const float *s[1] = {&x};
    for (int c : {0, columns::kMaxColumns + 1}) {
        try {
            columns::add(columns::Path::kPortable, &acc, s, &a, c, 1);
            FAIL() << "expected SUBQ_ERR_INVALID_ARG for " << c << " columns";
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_INVALID_ARG);
        }
    }
    for (columns::Path p : {columns::Path::kAvx2Fma, columns::Path::kAvx512, static_cast<columns::Path>(4)}) {
        if (columns::path_supported(p)) continue;
        try {
            columns::add(p, &acc, s, &a, 1, 1);
            FAIL() << "expected SUBQ_ERR_INVALID_ARG for path " << static_cast<int>(p);
        } catch (const Error &e) {
            EXPECT_EQ(e.status(), SUBQ_ERR_INVALID_ARG);
        }
    }
}
