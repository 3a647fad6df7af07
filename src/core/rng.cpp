#include "core/rng.hpp"

#include <numbers>

namespace subq::rng {
namespace {

// SplitMix64 finaliser: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t &hi, std::uint32_t &lo) noexcept {
    const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
    hi = static_cast<std::uint32_t>(p >> 32);
    lo = static_cast<std::uint32_t>(p);
}

}  // namespace

Stream stream(std::initializer_list<std::uint64_t> path) noexcept {
    std::uint64_t h = 0x5375627153747265ULL;  // "SubqStre"
    for (std::uint64_t p : path) h = mix64(h ^ mix64(p + 0x9E3779B97F4A7C15ULL));
    return Stream{h};
}

std::array<std::uint32_t, 4> philox(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    std::uint32_t c0 = static_cast<std::uint32_t>(index), c1 = static_cast<std::uint32_t>(index >> 32);
    std::uint32_t c2 = static_cast<std::uint32_t>(s.id), c3 = static_cast<std::uint32_t>(s.id >> 32);
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        std::uint32_t hi0, lo0, hi1, lo1;
        mulhilo(kMul0, c0, hi0, lo0);
        mulhilo(kMul1, c2, hi1, lo1);
        const std::uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += kWeyl0;
        k1 += kWeyl1;
    }
    return {c0, c1, c2, c3};
}

std::pair<double, double> normal_pair(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    const auto w = philox(seed, s, index);
    const double u1 = 1.0 - unit_double(w[0], w[1]);  // (0, 1]: log is finite
    const double u2 = unit_double(w[2], w[3]);
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double t = 2.0 * std::numbers::pi * u2;
    return {r * std::cos(t), r * std::sin(t)};
}

}  // namespace subq::rng
