// What bounds the sparse forward's gather (Network::gather_forward) at n = 64: the same column-sum kernel on
// synthetic supports of the training benchmark's shape, taken apart into its reading and its arithmetic, beside
// variants that try to overlap the two. Every figure is GB/s of union columns (bytes the forward must read / time),
// median of 7, 2 threads, so that it compares with the streaming read of the same run. Prints markdown for
// benchmarks/RESULTS.md ("Training: one sparse iteration against the dense baseline").
//
//   ./build/benchmarks/bench_forward_bound [--quick]      # --quick: m = 4096, whose 34 MB per layer may stay in
//                                                         # cache: a smoke test, not a measurement
//
// Supports: each of the 64 points takes s = 402 columns (the fired count at m = 16384) out of a popular set of 7 700,
// so that the union covers about 46% of the columns and each union column is used by about 3.4 points, as the
// layer-2 activations of bench_train do. The passes are built as gather_forward builds them: union columns in
// groups, one pass per (group, point) adding the point's columns of the group, up to 8 per columns::add call.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include "bench_memory.hpp"
#include "train/columns.hpp"
#include "train/net.hpp"

using namespace subq;
using namespace subq::bench;
namespace columns = subq::train::columns;
using i64 = std::int64_t;

namespace {

constexpr i64 kPoints = 64, kMost = columns::kMaxColumns;

struct Problem {
    i64 m = 0;
    std::vector<i64> used;                                  // union columns, increasing
    std::vector<std::vector<std::pair<i64, float>>> users;  // per column: (point, value)
    std::vector<float, train::WeightAllocator<float>> W;    // m x m column-major
    std::vector<float> g;                                   // accumulators, point-major n x m
    double bytes() const { return static_cast<double>(used.size()) * static_cast<double>(m) * sizeof(float); }
};

// Passes of one grouping: pass p adds terms [begin[p], begin[p+1]) (column, local index in its group, value) into
// point point[p]; group j's passes are [group_pass[j], group_pass[j+1]).
struct Passes {
    i64 group = 0;
    std::vector<i64> point, begin{0}, group_pass{0};
    std::vector<i64> col, local;
    std::vector<float> val;
};

Problem make_problem(i64 m, i64 s, i64 popular) {
    Problem pr;
    pr.m = m;
    std::uint64_t state = 12345;
    auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 33;
    };
    std::vector<i64> pool(static_cast<std::size_t>(m));
    std::iota(pool.begin(), pool.end(), 0);
    for (i64 i = m - 1; i > 0; --i) std::swap(pool[i], pool[next() % (i + 1)]);
    pool.resize(static_cast<std::size_t>(popular));
    pr.users.resize(static_cast<std::size_t>(m));
    for (i64 p = 0; p < kPoints; ++p) {
        std::vector<i64> c = pool;
        for (i64 k = 0; k < s; ++k) {
            std::swap(c[k], c[k + next() % (popular - k)]);
            pr.users[c[k]].push_back({p, 0.5f + static_cast<float>(next() % 100) / 100.0f});
        }
    }
    for (i64 j = 0; j < m; ++j)
        if (!pr.users[j].empty()) pr.used.push_back(j);
    pr.W.resize(static_cast<std::size_t>(m * m));
#pragma omp parallel for schedule(static)
    for (i64 i = 0; i < m * m; ++i) pr.W[i] = static_cast<float>(i % 7) * 0.1f;
    pr.g.resize(static_cast<std::size_t>(kPoints * m));
    return pr;
}

Passes make_passes(const Problem &pr, i64 group) {
    Passes ps;
    ps.group = group;
    const i64 u = static_cast<i64>(pr.used.size());
    for (i64 c0 = 0; c0 < u; c0 += group) {
        const i64 c1 = std::min(u, c0 + group);
        std::vector<std::vector<std::pair<i64, float>>> per(kPoints);  // (local column, value) per point
        for (i64 c = c0; c < c1; ++c)
            for (auto [p, v] : pr.users[pr.used[c]]) per[p].push_back({c - c0, v});
        for (i64 p = 0; p < kPoints; ++p) {
            if (per[p].empty()) continue;
            ps.point.push_back(p);
            for (auto [lc, v] : per[p]) {
                ps.col.push_back(pr.used[c0 + lc]);
                ps.local.push_back(lc);
                ps.val.push_back(v);
            }
            ps.begin.push_back(static_cast<i64>(ps.col.size()));
        }
        ps.group_pass.push_back(static_cast<i64>(ps.point.size()));
    }
    return ps;
}

// Runs body(tile) for each row tile on 2 threads, 7 times; returns the median rate in GB/s of union columns.
template <class Body>
double rate(Problem &pr, i64 tile, Body &&body) {
    std::vector<double> t;
    const i64 tiles = (pr.m + tile - 1) / tile;
    for (int rep = 0; rep < 7; ++rep) {
        std::fill(pr.g.begin(), pr.g.end(), 0.0f);
        const auto t0 = Clock::now();
#pragma omp parallel for schedule(static) num_threads(2)
        for (i64 k = 0; k < tiles; ++k) body(k * tile, std::min(tile, pr.m - k * tile));
        t.push_back(seconds_since(t0));
    }
    return pr.bytes() / median(t) / 1e9;
}

// Passes [p0, p1) over rows [r0, r0 + len) of the tile; `seg(column, local)` gives the first row's address.
template <class Seg>
void run_passes(Problem &pr, const Passes &ps, i64 p0, i64 p1, i64 r0, i64 len, columns::Path path, Seg &&seg) {
    const float *s[kMost];
    for (i64 p = p0; p < p1; ++p) {
        float *acc = pr.g.data() + ps.point[p] * pr.m + r0;
        for (i64 e = ps.begin[p]; e < ps.begin[p + 1]; e += kMost) {
            const int c = static_cast<int>(std::min(kMost, ps.begin[p + 1] - e));
            for (int k = 0; k < c; ++k) s[k] = seg(ps.col[e + k], ps.local[e + k]);
            columns::add(path, acc, s, ps.val.data() + e, c, len);
        }
    }
}

i64 pass_count(const Passes &ps) {
    return static_cast<i64>(ps.point.size());
}
i64 group_count(const Passes &ps) {
    return static_cast<i64>(ps.group_pass.size()) - 1;
}

// Sums `count` segments of `len` floats, `interleave` of them at a time in 1 KiB chunks taken in turn, so that several
// streams are read at once, as the passes read a group's segments.
template <class Seg>
float read_segments(i64 count, i64 len, i64 interleave, Seg &&seg) {
    constexpr i64 chunk = 256;
    float total = 0;
    for (i64 c = 0; c < count; c += interleave)
        for (i64 r = 0; r < len; r += chunk)
            for (i64 q = c; q < std::min(count, c + interleave); ++q)
                total += sum_range(seg(q) + r, static_cast<std::size_t>(std::min(chunk, len - r)));
    return total;
}

volatile float g_sink = 0;

// The shipped kernel: segments straight from W (column-major).
double kernel(Problem &pr, const Passes &ps, i64 tile, columns::Path path) {
    const float *W = pr.W.data();
    const i64 m = pr.m;
    return rate(pr, tile, [&](i64 r0, i64 len) {
        run_passes(pr, ps, 0, pass_count(ps), r0, len, path, [&](i64 col, i64) { return W + col * m + r0; });
    });
}

// Arithmetic only: every segment replaced by one of 64 columns, which stay cached.
double arithmetic_only(Problem &pr, const Passes &ps, i64 tile, columns::Path path) {
    const float *W = pr.W.data();
    const i64 m = pr.m;
    return rate(pr, tile, [&](i64 r0, i64 len) {
        run_passes(pr, ps, 0, pass_count(ps), r0, len, path, [&](i64 col, i64) { return W + (col % 64) * m + r0; });
    });
}

// Reading only: the union columns' tile segments summed, `interleave` columns at a time.
double reading_only(Problem &pr, i64 tile, i64 interleave) {
    const float *W = pr.W.data();
    const i64 m = pr.m, u = static_cast<i64>(pr.used.size());
    return rate(pr, tile, [&](i64 r0, i64 len) {
        g_sink = g_sink + read_segments(u, len, interleave, [&](i64 q) { return W + pr.used[q] * m + r0; });
    });
}

// Software prefetch (hint 0, 1, 2 = T0, T1, T2) of the next group's segments, spread evenly over the current group's
// passes.
double prefetch_next_group(Problem &pr, const Passes &ps, i64 tile, int hint) {
    const float *W = pr.W.data();
    const i64 m = pr.m, u = static_cast<i64>(pr.used.size());
    return rate(pr, tile, [&](i64 r0, i64 len) {
        const i64 lines = len * static_cast<i64>(sizeof(float)) / 64;
        for (i64 j = 0; j < group_count(ps); ++j) {
            const i64 c0 = (j + 1) * ps.group, count = std::max<i64>(0, std::min(u, c0 + ps.group) - c0);
            const i64 first = ps.group_pass[j], passes = ps.group_pass[j + 1] - first, total = count * lines;
            i64 done = 0;
            for (i64 p = first; p < first + passes; ++p) {
                for (const i64 target = total * (p - first + 1) / passes; done < target; ++done) {
                    const char *a =
                        reinterpret_cast<const char *>(W + pr.used[c0 + done / lines] * m + r0) + (done % lines) * 64;
                    if (hint == 0)
                        __builtin_prefetch(a, 0, 3);
                    else if (hint == 1)
                        __builtin_prefetch(a, 0, 2);
                    else
                        __builtin_prefetch(a, 0, 1);
                }
                run_passes(pr, ps, p, p + 1, r0, len, columns::Path::kAuto,
                           [&](i64 col, i64) { return W + col * m + r0; });
            }
        }
    });
}

// Each group's segments first read in one streaming pass (16 columns interleaved), then added: `copy` packs them into
// a contiguous per-thread buffer and the passes read that; otherwise the read only brings them into cache.
double read_then_add(Problem &pr, const Passes &ps, i64 tile, bool copy) {
    const float *W = pr.W.data();
    const i64 m = pr.m, u = static_cast<i64>(pr.used.size());
    std::vector<std::vector<float>> buffers(2, std::vector<float>(static_cast<std::size_t>(ps.group * tile)));
    return rate(pr, tile, [&](i64 r0, i64 len) {
        float *buf = buffers[static_cast<std::size_t>(omp_get_thread_num())].data();
        for (i64 j = 0; j < group_count(ps); ++j) {
            const i64 c0 = j * ps.group, count = std::min(u, c0 + ps.group) - c0;
            if (copy) {
                for (i64 c = 0; c < count; c += 16)
                    for (i64 r = 0; r < len; r += 256)
                        for (i64 q = c; q < std::min(count, c + 16); ++q)
                            std::memcpy(buf + q * len + r, W + pr.used[c0 + q] * m + r0 + r,
                                        sizeof(float) * static_cast<std::size_t>(std::min<i64>(256, len - r)));
                run_passes(pr, ps, ps.group_pass[j], ps.group_pass[j + 1], r0, len, columns::Path::kAuto,
                           [&](i64, i64 local) { return buf + local * len; });
            } else {
                g_sink = g_sink + read_segments(count, len, 16, [&](i64 q) { return W + pr.used[c0 + q] * m + r0; });
                run_passes(pr, ps, ps.group_pass[j], ps.group_pass[j + 1], r0, len, columns::Path::kAuto,
                           [&](i64 col, i64) { return W + col * m + r0; });
            }
        }
    });
}

// Row-panel layout: W as m / rows panels, each a column-major rows x m block, so that a tile's segments of consecutive
// union columns are adjacent in memory. (The same buffer read in that layout; the values do not matter here.)
double row_panels(Problem &pr, const Passes &ps, i64 rows) {
    const float *W = pr.W.data();
    const i64 m = pr.m;
    return rate(pr, rows, [&](i64 r0, i64 len) {
        run_passes(pr, ps, 0, pass_count(ps), r0, len, columns::Path::kAuto,
                   [&](i64 col, i64) { return W + r0 * m + col * len; });
    });
}

const char *path_name(columns::Path p) {
    switch (p) {
        case columns::Path::kAvx512:
            return "AVX-512";
        case columns::Path::kAvx2Fma:
            return "AVX2 + FMA";
        default:
            return "portable";
    }
}

}  // namespace

int main(int argc, char **argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const i64 m = quick ? 4096 : 16384;
    // s and the popular set scale with m as at the default threshold (402 and 7 700 at m = 16384).
    const i64 s = quick ? 140 : 402, popular = quick ? 2100 : 7700;
    Problem pr = make_problem(m, s, popular);
    const columns::Path best = columns::best_path();
    // What gather_forward picks at n = 64: row tiles of 16 KiB (4096 floats), groups of 2 MiB of segments (128).
    const i64 tile = std::min<i64>(4096, m / 2), group = 128;
    const Passes ps = make_passes(pr, group);
    std::printf(
        "m = %lld, n = %lld, s = %lld of a popular set of %lld: union %zu columns (%.1f%%), %.3f GB per layer; "
        "each union column used by %.2f points. Column sums: %s. Medians of 7, 2 threads.\n\n",
        static_cast<long long>(m), static_cast<long long>(kPoints), static_cast<long long>(s),
        static_cast<long long>(popular), pr.used.size(), 100.0 * pr.used.size() / m, pr.bytes() / 1e9,
        static_cast<double>(kPoints * s) / pr.used.size(), path_name(best));
    std::printf("| what | GB/s of union columns |\n|---|---|\n");
    std::printf("| streaming read of 1 GiB, 2 threads | %.1f |\n", streaming_read_bandwidth(2) / 1e9);
    std::printf("| streaming read of 1 GiB, 1 thread | %.1f |\n", streaming_read_bandwidth(1) / 1e9);
    for (i64 il : {1, 4, 16})
        std::printf("| reading only: the union columns' %lld-row segments, %lld at a time, no arithmetic | %.1f |\n",
                    static_cast<long long>(tile), static_cast<long long>(il), reading_only(pr, tile, il));
    std::vector<columns::Path> paths{best};
    if (best == columns::Path::kAvx512 && columns::path_supported(columns::Path::kAvx2Fma))
        paths.push_back(columns::Path::kAvx2Fma);
    double read = reading_only(pr, tile, 16), arith = 0;
    for (columns::Path p : paths) {
        const double a = arithmetic_only(pr, ps, tile, p);
        if (p == best) arith = a;
        std::printf("| arithmetic only: the passes on 64 cached columns, %s | %.1f |\n", path_name(p), a);
    }
    std::printf("| reading and arithmetic one after the other, 1 / (1/read + 1/arithmetic) | %.1f |\n",
                1.0 / (1.0 / read + 1.0 / arith));
    for (columns::Path p : paths)
        std::printf(
            "| **the kernel as gather_forward runs it** (tiles of %lld rows, groups of %lld), %s | **%.1f** |\n",
            static_cast<long long>(tile), static_cast<long long>(group), path_name(p), kernel(pr, ps, tile, p));
    std::printf("| the kernel, tiles of %lld rows | %.1f |\n", static_cast<long long>(tile / 2),
                kernel(pr, ps, tile / 2, best));
    for (int hint : {0, 1, 2})
        std::printf("| software prefetch (T%d) of the next group's segments during the current group | %.1f |\n", hint,
                    prefetch_next_group(pr, ps, tile, hint));
    std::printf("| each group read in one streaming pass first, then added (no copy) | %.1f |\n",
                read_then_add(pr, ps, tile, false));
    std::printf("| each group packed into a contiguous buffer first, then added from it | %.1f |\n",
                read_then_add(pr, ps, tile, true));
    for (i64 rows : {1024, 2048})
        if (rows < m)
            std::printf("| row-panel layout: panels of %lld rows, column-major inside | %.1f |\n",
                        static_cast<long long>(rows), row_panels(pr, make_passes(pr, group), rows));
    return 0;
}
