// Counter-based random numbers (Philox4x32-10): every value is a pure function of (seed, stream, index), so
// randomized results never depend on thread count, row blocking or call order (design/api-style.md §10).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <utility>

namespace subq::rng {

struct Stream {
    std::uint64_t id;
};

// Roles of random objects inside one path; values are frozen (changing them changes every sketch).
enum Role : std::uint64_t {
    kSigns1 = 1, kSigns2 = 2, kIndex1 = 3, kIndex2 = 4, kHash = 5, kSign = 6, kGaussian = 7, kUniform = 8
};

// Stream id of an object path, e.g. stream({kind, block, level, node, role}). The mixing is frozen across
// versions: it is part of the reproducibility contract.
Stream stream(std::initializer_list<std::uint64_t> path) noexcept;

// The Philox4x32-10 block for counter (index, stream) under key seed.
std::array<std::uint32_t, 4> philox(std::uint64_t seed, Stream s, std::uint64_t index) noexcept;

// Integer in [0, m) from a 32-bit word by multiply-shift (bias <= m / 2^32, no rejection loop).
inline std::uint32_t below(std::uint32_t u, std::uint32_t m) noexcept {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(u) * m) >> 32);
}

// Uniform in [0, 1) with 53 random bits from two words.
inline double unit_double(std::uint32_t hi, std::uint32_t lo) noexcept {
    return static_cast<double>((static_cast<std::uint64_t>(hi) << 21) ^ (lo >> 11)) * 0x1.0p-53;
}

// Rademacher sign from the low bit of a word: +1 or -1.
inline double sign_of(std::uint32_t u) noexcept { return (u & 1u) ? -1.0 : 1.0; }

// Element `index` of a stream as: a uniform double, an integer below m, a sign, two standard normals.
inline double uniform(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    const auto w = philox(seed, s, index);
    return unit_double(w[0], w[1]);
}
inline std::uint32_t index_below(std::uint64_t seed, Stream s, std::uint64_t index, std::uint32_t m) noexcept {
    return below(philox(seed, s, index)[0], m);
}
inline double sign(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    return sign_of(philox(seed, s, index)[0]);
}
// Box–Muller on one counter block: two independent N(0, 1) values.
std::pair<double, double> normal_pair(std::uint64_t seed, Stream s, std::uint64_t index) noexcept;

}  // namespace subq::rng
