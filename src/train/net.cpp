#include "train/net.hpp"

#include <cblas.h>
#include <lapacke.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"
#include "sketch/sketch.hpp"
#include "train/columns.hpp"
#include "train/solve.hpp"

namespace subq::train {
namespace {

constexpr std::uint64_t kNetStream = 0x4E4554;  // "NET": first element of every training stream path

// Contiguous ranges of [0, n) for `parts` workers: range p is [begin(p), begin(p+1)).
inline std::int64_t range_begin(std::int64_t n, std::int64_t parts, std::int64_t p) {
    return n * p / parts;
}

template <class T>
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
          const T *a, std::int64_t lda, const T *b, std::int64_t ldb, double beta, T *c, std::int64_t ldc) {
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasColMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                    static_cast<float>(alpha), a, static_cast<int>(lda), b, static_cast<int>(ldb),
                    static_cast<float>(beta), c, static_cast<int>(ldc));
    else
        cblas_dgemm(CblasColMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
                    static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

// Per-worker counters, summed after a parallel region (integer sums: order-independent).
struct LocalCounts {
    std::int64_t muladds = 0, bytes = 0;
};
void add_counts(Counters *c, Phase phase, const std::vector<LocalCounts> &parts) {
    if (c == nullptr) return;
    for (const auto &p : parts) {
        c->muladds[phase] += p.muladds;
        c->bytes[phase] += p.bytes;
    }
}
void add_counts(Counters *c, Phase phase, std::int64_t muladds, std::int64_t bytes) {
    if (c == nullptr) return;
    c->muladds[phase] += muladds;
    c->bytes[phase] += bytes;
}

// Concatenates per-point rows (computed in parallel) into one SparseRows, in point order.
void concatenate(const std::vector<std::vector<std::int32_t>> &idx, const std::vector<std::vector<double>> &val,
                 SparseRows &out) {
    const std::int64_t n = static_cast<std::int64_t>(idx.size());
    out.indptr.assign(n + 1, 0);
    for (std::int64_t i = 0; i < n; ++i) out.indptr[i + 1] = out.indptr[i] + static_cast<std::int64_t>(idx[i].size());
    out.index.resize(out.indptr[n]);
    out.value.resize(out.indptr[n]);
    for (std::int64_t i = 0; i < n; ++i) {
        std::copy(idx[i].begin(), idx[i].end(), out.index.begin() + out.indptr[i]);
        std::copy(val[i].begin(), val[i].end(), out.value.begin() + out.indptr[i]);
    }
}

// Column-major dense copy (rows x n, T) of sparse rows (one column per point).
template <class T>
std::vector<T> densify_columns(const SparseRows &s, std::int64_t rows) {
    const std::int64_t n = s.rows();
    std::vector<T> d(static_cast<std::size_t>(checked_mul(rows, n, "activation matrix")), T(0));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto idx = s.idx(i);
        const auto val = s.val(i);
        for (std::size_t k = 0; k < idx.size(); ++k) d[i * rows + idx[k]] = static_cast<T>(val[k]);
    }
    return d;
}

// Sparse rows transposed: for each column q, the (row, value) pairs ptr[q]..ptr[q+1], rows increasing.
struct Columns {
    std::vector<std::int64_t> ptr, row;
    std::vector<double> value;
};
Columns transpose(const SparseRows &u, std::int64_t cols) {
    Columns t;
    t.ptr.assign(static_cast<std::size_t>(cols + 1), 0);
    for (std::int32_t q : u.index) ++t.ptr[q + 1];
    for (std::int64_t q = 0; q < cols; ++q) t.ptr[q + 1] += t.ptr[q];
    std::vector<std::int64_t> fill(t.ptr.begin(), t.ptr.end() - 1);
    t.row.resize(u.index.size());
    t.value.resize(u.index.size());
    for (std::int64_t i = 0; i < u.rows(); ++i)
        for (std::int64_t k = u.indptr[i]; k < u.indptr[i + 1]; ++k) {
            const std::int64_t at = fill[u.index[k]]++;
            t.row[at] = i;
            t.value[at] = u.value[k];
        }
    return t;
}

// For each column q, the points whose row holds q and where: entries ptr[q]..ptr[q+1] give the point (row) and the
// position of q inside that point's sorted index list (pos), points increasing.
struct ColumnUsers {
    std::vector<std::int64_t> ptr;
    std::vector<std::int32_t> row, pos;
};
ColumnUsers column_users(const SparseRows &u, std::int64_t cols) {
    ColumnUsers t;
    t.ptr.assign(static_cast<std::size_t>(cols + 1), 0);
    for (std::int32_t q : u.index) ++t.ptr[q + 1];
    for (std::int64_t q = 0; q < cols; ++q) t.ptr[q + 1] += t.ptr[q];
    std::vector<std::int64_t> fill(t.ptr.begin(), t.ptr.end() - 1);
    t.row.resize(u.index.size());
    t.pos.resize(u.index.size());
    for (std::int64_t i = 0; i < u.rows(); ++i)
        for (std::int64_t k = u.indptr[i]; k < u.indptr[i + 1]; ++k) {
            const std::int64_t at = fill[u.index[k]]++;
            t.row[at] = static_cast<std::int32_t>(i);
            t.pos[at] = static_cast<std::int32_t>(k - u.indptr[i]);
        }
    return t;
}

// Splits the columns into `parts` contiguous ranges of about equal cost, where column q costs `cost(q)`; range p is
// [bounds[p], bounds[p+1]). Only the speed depends on the split, never a result.
template <class Cost>
std::vector<std::int64_t> balanced_ranges(std::int64_t cols, std::int64_t parts, Cost &&cost) {
    std::vector<double> prefix(static_cast<std::size_t>(cols + 1), 0.0);
    for (std::int64_t q = 0; q < cols; ++q) prefix[q + 1] = prefix[q] + static_cast<double>(cost(q));
    std::vector<std::int64_t> bounds(static_cast<std::size_t>(parts + 1), cols);
    bounds[0] = 0;
    for (std::int64_t p = 1; p < parts; ++p) {
        const double target = prefix[cols] * static_cast<double>(p) / static_cast<double>(parts);
        bounds[p] = std::lower_bound(prefix.begin(), prefix.end(), target) - prefix.begin();
        bounds[p] = std::clamp<std::int64_t>(bounds[p], bounds[p - 1], cols);
    }
    return bounds;
}

// Whether two batches have the same (normalised) inputs, so that per-point comparisons between them make sense.
bool same_inputs(const Batch &a, const SparseRows &u0) {
    return !a.u.empty() && a.u[0].indptr == u0.indptr && a.u[0].index == u0.index && a.u[0].value == u0.value;
}

}  // namespace

static constexpr std::size_t kHugePage = std::size_t(2) << 20;  // transparent huge page size on x86-64

void *allocate_weights(std::size_t bytes) {
    if (bytes < kHugePage) return ::operator new(bytes);
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void *p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    (void)::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure (THP off) changes nothing
#endif
    return p;
}

void free_weights(void *p, std::size_t bytes) noexcept {
    if (bytes < kHugePage)
        ::operator delete(p);
    else
        std::free(p);
}

double gaussian_tail(double b) {
    return 0.5 * std::erfc(b / std::numbers::sqrt2);
}

double gaussian_tail_inverse(double p) {
    require(p > 0 && p < 1, SUBQ_ERR_PARAM_RANGE, "active fraction " + std::to_string(p) + " is outside (0, 1)");
    // Q is decreasing: bisection on [-40, 40] to the last bit, then it is exact to double precision.
    double lo = -40, hi = 40;
    for (int it = 0; it < 200 && hi - lo > 0; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (mid == lo || mid == hi) break;
        (gaussian_tail(mid) > p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

double shifted_relu_second_moment(double b) {
    const double phi = std::exp(-0.5 * b * b) / std::sqrt(2 * std::numbers::pi);
    return (1 + b * b) * gaussian_tail(b) - b * phi;
}

double default_threshold(std::int64_t width) {
    return std::sqrt(0.4 * std::log(static_cast<double>(width)));
}

// ---------------------------------------------------------------------------------------------------------------

template <class T>
Network<T>::Network(const Options &options, bool draw_weights) : opt_(options) {
    const auto &o = opt_;
    require(o.input_dim >= 1 && o.input_dim <= INT32_MAX, SUBQ_ERR_DIMENSION,
            "input dimension " + std::to_string(o.input_dim) + " is outside [1, 2^31-1]");
    require(o.width >= 1 && o.width <= INT32_MAX, SUBQ_ERR_DIMENSION,
            "width " + std::to_string(o.width) + " is outside [1, 2^31-1]");
    require(o.depth >= 1, SUBQ_ERR_DIMENSION, "depth " + std::to_string(o.depth) + " < 1");
    require(o.outputs >= 1, SUBQ_ERR_DIMENSION, "outputs " + std::to_string(o.outputs) + " < 1");
    require(std::isfinite(o.threshold), SUBQ_ERR_INVALID_ARG, "threshold is not finite");
    const std::int64_t m = o.width;
    const double cb = shifted_relu_second_moment(o.threshold);
    require(o.variant == Variant::Normalized || cb > 0, SUBQ_ERR_INVALID_ARG,
            "variant P needs E max(z-b,0)^2 > 0; threshold " + std::to_string(o.threshold) + " is too large");
    // Total weight storage, checked before anything is allocated.
    std::int64_t total = checked_mul(m, o.input_dim, "W_1");
    total = checked_add(total, checked_mul(checked_mul(m, m, "W_l"), o.depth - 1, "weights"), "weights");
    checked_bytes(total, sizeof(T), "weights");
    checked_bytes(checked_mul(o.outputs, m, "output weights"), sizeof(double), "output weights");

    const int threads = thread_count(o.threads);
    layers_.resize(o.depth + 1);
    for (std::int64_t l = 1; l <= o.depth; ++l) {
        Layer &layer = layers_[l];
        layer.rows = m;
        layer.cols = l == 1 ? o.input_dim : m;
        const std::int64_t count = layer.rows * layer.cols;
        layer.B.resize(static_cast<std::size_t>(count));
        if (!draw_weights) continue;
        const double scale = (o.variant == Variant::Paper && l >= 2) ? 1.0 / std::sqrt(m * cb) : 1.0;
        const auto stream = rng::stream({kNetStream, static_cast<std::uint64_t>(l), rng::kGaussian});
        const std::int64_t pairs = (count + 1) / 2;
        const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(pairs, 64));
        T *B = layer.B.data();
        parallel_for(threads, parts, [&](std::int64_t p) {
            for (std::int64_t k = range_begin(pairs, parts, p); k < range_begin(pairs, parts, p + 1); ++k) {
                const auto [g1, g2] = rng::normal_pair(o.seed, stream, static_cast<std::uint64_t>(k));
                B[2 * k] = static_cast<T>(scale * g1);
                if (2 * k + 1 < count) B[2 * k + 1] = static_cast<T>(scale * g2);
            }
        });
    }
    const double out_scale = o.variant == Variant::Paper ? 1.0 / std::sqrt(m * cb) : 1.0;
    a_.resize(static_cast<std::size_t>(o.outputs * m));
    for (std::int64_t c = 0; c < o.outputs; ++c) {
        const auto stream = rng::stream(
            {kNetStream, static_cast<std::uint64_t>(o.depth + 1), rng::kSign, static_cast<std::uint64_t>(c)});
        for (std::int64_t p = 0; p < m; ++p) a_[c * m + p] = out_scale * rng::sign(o.seed, stream, p);
    }
}

// g_i = W u_i for every point (g: n x m, point-major), reading only the columns of W in the union of the supports,
// each once per row tile. The union columns are taken in groups; within a group, every point that uses some of them
// gets one pass over its accumulator (its rows of the tile), adding its columns of the group in increasing order, up
// to columns::kMaxColumns (8) per sweep (columns::add: one fused multiply-add per column, in 512- or 256-bit vectors
// when the CPU has them), so that an accumulator is loaded and stored once per eight columns rather than once per
// column (8 rather than 4: 3-12% faster at m = 16384). Each entry of g_i is still the chain
// fma(a_k, w_k, ... fma(a_2, w_2, fma(a_1, w_1, 0))) over point i's columns in increasing order: the sum a per-point
// gather forms, bit for bit, whatever the tiling, grouping, thread count and instruction set. Returns the weight
// bytes read.
namespace {

// Tiling of the forward gather, for speed only: a row tile gives every point an accumulator of at most
// kForwardTileBytes and all points together about kForwardCacheBytes (the accumulators stay in L2/L3); a group holds
// up to kForwardGroup union columns whose tile segments take at most kForwardCacheBytes.
constexpr std::int64_t kForwardTileBytes = 16384, kForwardMinTileBytes = 1024;
constexpr std::int64_t kForwardCacheBytes = std::int64_t(2) << 20;
constexpr std::int64_t kForwardGroup = 128, kForwardMinGroup = 16;

}  // namespace

template <class T>
std::int64_t Network<T>::gather_forward(const Layer &layer, const SparseRows &in, std::vector<T> &g) const {
    const std::int64_t n = in.rows(), m = layer.rows, cols = layer.cols;
    const Columns cols_t = transpose(in, cols);  // for each column, the points using it, in point order
    std::vector<std::int32_t> used;              // the union of the supports, increasing
    for (std::int64_t q = 0; q < cols; ++q)
        if (cols_t.ptr[q + 1] > cols_t.ptr[q]) used.push_back(static_cast<std::int32_t>(q));
    // Row tile: at most kForwardTileBytes per point, about kForwardCacheBytes for all points, and at least one tile
    // per thread when m allows; a whole number of cache lines.
    const int threads = thread_count(opt_.threads);
    constexpr std::int64_t line = 64 / static_cast<std::int64_t>(sizeof(T));  // entries per cache line
    std::int64_t tile = std::clamp<std::int64_t>(kForwardCacheBytes / std::max<std::int64_t>(n, 1),
                                                 kForwardMinTileBytes, kForwardTileBytes) /
                        static_cast<std::int64_t>(sizeof(T));
    tile = std::min(tile, (m + threads - 1) / threads);
    tile = std::max(line, (tile + line - 1) / line * line);
    const std::int64_t group = std::clamp<std::int64_t>(
        kForwardCacheBytes / (tile * static_cast<std::int64_t>(sizeof(T))), kForwardMinGroup, kForwardGroup);
    const std::int64_t groups = (static_cast<std::int64_t>(used.size()) + group - 1) / group;
    // The passes, group after group (the same for every row tile): pass p adds the terms [term_begin[p],
    // term_begin[p+1]) into point pass_point[p].
    std::vector<std::int64_t> pass_point, term_begin{0};
    std::vector<std::int32_t> term_col;
    std::vector<T> term_val;
    term_col.reserve(in.index.size());
    term_val.reserve(in.index.size());
    {
        std::vector<std::int64_t> count(static_cast<std::size_t>(n), 0), fill(static_cast<std::size_t>(n), 0);
        std::vector<std::int64_t> touched;
        for (std::int64_t j = 0; j < groups; ++j) {
            const std::size_t c0 = static_cast<std::size_t>(j * group);
            const std::size_t c1 = std::min(used.size(), c0 + static_cast<std::size_t>(group));
            touched.clear();
            for (std::size_t c = c0; c < c1; ++c)
                for (std::int64_t e = cols_t.ptr[used[c]]; e < cols_t.ptr[used[c] + 1]; ++e)
                    if (count[cols_t.row[e]]++ == 0) touched.push_back(cols_t.row[e]);
            std::sort(touched.begin(), touched.end());
            const std::int64_t base = static_cast<std::int64_t>(term_col.size());
            std::int64_t at = base;
            for (std::int64_t i : touched) {
                fill[i] = at;
                at += count[i];
                pass_point.push_back(i);
                term_begin.push_back(at);
            }
            term_col.resize(static_cast<std::size_t>(at));
            term_val.resize(static_cast<std::size_t>(at));
            for (std::size_t c = c0; c < c1; ++c)  // columns in increasing order: each point's terms stay sorted
                for (std::int64_t e = cols_t.ptr[used[c]]; e < cols_t.ptr[used[c] + 1]; ++e) {
                    const std::int64_t slot = fill[cols_t.row[e]]++;
                    term_col[slot] = used[c];
                    term_val[slot] = static_cast<T>(cols_t.value[e]);
                }
            for (std::int64_t i : touched) count[i] = 0;
        }
    }
    g.assign(static_cast<std::size_t>(checked_mul(n, m, "pre-activations")), T(0));
    const std::int64_t tiles = (m + tile - 1) / tile;
    const T *B = layer.B.data();
    parallel_for(threads, tiles, [&](std::int64_t t) {
        const std::int64_t r0 = t * tile, len = std::min(tile, m - r0);
        constexpr int most = columns::kMaxColumns;
        const T *segs[most];
        for (std::int64_t p = 0; p < static_cast<std::int64_t>(pass_point.size()); ++p) {
            T *acc = g.data() + pass_point[p] * m + r0;
            for (std::int64_t e = term_begin[p]; e < term_begin[p + 1]; e += most) {
                const int c = static_cast<int>(std::min<std::int64_t>(most, term_begin[p + 1] - e));
                for (int k = 0; k < c; ++k) segs[k] = B + static_cast<std::int64_t>(term_col[e + k]) * m + r0;
                columns::add(columns::Path::kAuto, acc, segs, term_val.data() + e, c, len);
            }
        }
    });
    if (layer.rank > 0) {  // + P (Q^T u_i) per point: t = sum_k u_k Q[idx_k, :]
        const std::int64_t cap = layer.cap, rank = layer.rank;
        parallel_for(thread_count(opt_.threads), n, [&](std::int64_t i) {
            const auto idx = in.idx(i);
            const auto val = in.val(i);
            std::vector<double> tq(static_cast<std::size_t>(rank), 0.0);
            for (std::size_t k = 0; k < idx.size(); ++k) {
                const T *q = layer.Q.data() + static_cast<std::int64_t>(idx[k]) * cap;
                for (std::int64_t j = 0; j < rank; ++j) tq[j] += val[k] * q[j];
            }
            T *gi = g.data() + i * m;
            for (std::int64_t p = 0; p < m; ++p) {
                const T *prow = layer.P.data() + p * cap;
                double s = 0;
                for (std::int64_t j = 0; j < rank; ++j) s += prow[j] * tq[j];
                gi[p] += static_cast<T>(s);
            }
        });
    }
    return static_cast<std::int64_t>(used.size()) * m * static_cast<std::int64_t>(sizeof(T));
}

// G = W U for all points at once: one GEMM (+ P (Q^T U) for a lazy buffer).
template <class T>
void Network<T>::dense_forward(const Layer &layer, const SparseRows &in, std::vector<T> &g) const {
    const std::int64_t n = in.rows();
    const std::vector<T> U = densify_columns<T>(in, layer.cols);
    g.assign(static_cast<std::size_t>(layer.rows * n), T(0));
    gemm<T>(CblasNoTrans, CblasNoTrans, layer.rows, n, layer.cols, 1.0, layer.B.data(), layer.rows, U.data(),
            layer.cols, 0.0, g.data(), layer.rows);
    if (layer.rank > 0) {
        // Q and P are stored row-major, i.e. as column-major cap x cols and cap x rows matrices.
        std::vector<T> t(static_cast<std::size_t>(layer.rank * n));
        gemm<T>(CblasNoTrans, CblasNoTrans, layer.rank, n, layer.cols, 1.0, layer.Q.data(), layer.cap, U.data(),
                layer.cols, 0.0, t.data(), layer.rank);
        gemm<T>(CblasTrans, CblasNoTrans, layer.rows, n, layer.rank, 1.0, layer.P.data(), layer.cap, t.data(),
                layer.rank, 1.0, g.data(), layer.rows);
    }
}

template <class T>
SparseRows Network<T>::normalised_inputs(const DenseView<const T> &x) const {
    const auto &o = opt_;
    require(x.cols == o.input_dim, SUBQ_ERR_DIMENSION,
            "x has " + std::to_string(x.cols) + " columns, the network's input dimension is " +
                std::to_string(o.input_dim));
    const std::int64_t n = x.rows;
    const int threads = thread_count(o.threads);
    const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(n, threads));
    // The nonzeros of each input row, scaled to unit norm (a zero row stays zero: a dead point).
    std::vector<std::vector<std::int32_t>> idx(n);
    std::vector<std::vector<double>> val(n);
    parallel_for(threads, parts, [&](std::int64_t p) {
        for (std::int64_t i = range_begin(n, parts, p); i < range_begin(n, parts, p + 1); ++i) {
            double ss = 0;
            for (std::int64_t j = 0; j < x.cols; ++j) {
                const double v = x(i, j);
                if (!std::isfinite(v))
                    fail(SUBQ_ERR_NUMERICAL,
                         "x: non-finite value at row " + std::to_string(i) + ", column " + std::to_string(j));
                ss += v * v;
            }
            const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
            for (std::int64_t j = 0; j < x.cols; ++j) {
                const double v = x(i, j);
                if (v != 0) {
                    idx[i].push_back(static_cast<std::int32_t>(j));
                    val[i].push_back(v * inv);
                }
            }
        }
    });
    SparseRows u0;
    concatenate(idx, val, u0);
    return u0;
}

template <class T>
void Network<T>::forward(const DenseView<const T> &x, Batch &batch, Counters *counters) const {
    SparseRows u0 = normalised_inputs(x);
    batch.n = x.rows;
    batch.u.assign(opt_.depth + 1, SparseRows{});
    batch.u[0] = std::move(u0);
    propagate(batch, counters);
}

template <class T>
void Network<T>::propagate(Batch &batch, Counters *counters) const {
    const auto &o = opt_;
    const std::int64_t n = batch.n, m = o.width, L = o.depth, k = o.outputs;
    const int threads = thread_count(o.threads);
    const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(n, threads));
    batch.hnorm.assign(L + 1, std::vector<double>(static_cast<std::size_t>(n), 0.0));

    const double b = o.threshold;
    std::vector<T> preact;
    for (std::int64_t l = 1; l <= L; ++l) {
        const Layer &layer = layers_[l];
        const SparseRows &in = batch.u[l - 1];
        // Sparse mode gathers in every layer, the first included: never a BLAS call, so the forward pass is
        // bit-identical whatever the BLAS thread count (OpenBLAS sgemm is not). On Fashion-MNIST pixels (about half
        // zeros) the first layer's gather is also about 1.25x faster than one GEMM; on inputs with no zeros it does
        // the GEMM's multiply-adds about 1.3x slower (m = 16384, n = 64, d = 784; benchmarks/RESULTS.md).
        if (o.mode == Mode::Sparse) {
            const std::int64_t read = gather_forward(layer, in, preact);
            std::int64_t muladds = 0;
            const std::int64_t r = layer.rank;
            for (std::int64_t i = 0; i < n; ++i) muladds += m * in.count(i) + (r > 0 ? r * in.count(i) + m * r : 0);
            const std::int64_t lazy_bytes =
                r > 0 ? static_cast<std::int64_t>(sizeof(T)) * (static_cast<std::int64_t>(in.index.size()) + n * m) * r
                      : 0;
            add_counts(counters, kForward, muladds, read + lazy_bytes);
        } else {
            dense_forward(layer, in, preact);
            const std::int64_t r = layer.rank;
            add_counts(counters, kForward, checked_mul(checked_mul(m + r, layer.cols, "gemm") + m * r, n, "gemm"),
                       checked_bytes(m * layer.cols + (m + layer.cols) * r, sizeof(T), "gemm"));
        }
        std::vector<std::vector<std::int32_t>> idx(n);
        std::vector<std::vector<double>> val(n);
        parallel_for(threads, parts, [&](std::int64_t p) {
            for (std::int64_t i = range_begin(n, parts, p); i < range_begin(n, parts, p + 1); ++i) {
                const T *g = preact.data() + i * m;
                double ss = 0;
                for (std::int64_t r = 0; r < m; ++r) {
                    const double gr = static_cast<double>(g[r]);
                    if (gr > b) {
                        idx[i].push_back(static_cast<std::int32_t>(r));
                        val[i].push_back(gr - b);
                        ss += (gr - b) * (gr - b);
                    }
                }
                const double norm = std::sqrt(ss);
                batch.hnorm[l][i] = norm;
                if (o.variant == Variant::Normalized && norm > 0)
                    for (double &v : val[i]) v /= norm;
            }
        });
        concatenate(idx, val, batch.u[l]);
    }

    batch.f.assign(static_cast<std::size_t>(n * k), 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto idx = batch.u[L].idx(i);
        const auto val = batch.u[L].val(i);
        for (std::int64_t c = 0; c < k; ++c) {
            double s = 0;
            for (std::size_t q = 0; q < idx.size(); ++q) s += a_[c * m + idx[q]] * val[q];
            batch.f[i * k + c] = s;
        }
    }
}

template <class T>
std::vector<SparseRows> Network<T>::backward(const Batch &batch, std::span<const double> top,
                                             Counters *counters) const {
    const auto &o = opt_;
    const std::int64_t n = batch.n, m = o.width, L = o.depth, k = o.outputs;
    require(static_cast<std::int64_t>(top.size()) == n * k, SUBQ_ERR_DIMENSION, "backward: top has wrong size");
    const int threads = thread_count(o.threads);
    const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(n, threads));
    std::vector<SparseRows> v(L + 1);
    // w[i]: d(top_i . f_i)/d u_{i,l} restricted to S_{i,l}, aligned with batch.u[l].idx(i).
    std::vector<std::vector<double>> w(n);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto idx = batch.u[L].idx(i);
        w[i].assign(idx.size(), 0.0);
        for (std::size_t q = 0; q < idx.size(); ++q)
            for (std::int64_t c = 0; c < k; ++c) w[i][q] += top[i * k + c] * a_[c * m + idx[q]];
    }
    std::vector<T> dense_w;
    for (std::int64_t l = L; l >= 1; --l) {
        const Layer &layer = layers_[l];
        const SparseRows &ul = batch.u[l];
        // v_{i,l} = D (w - u <u, w>) / ||h||  [N];  v = D w  [P].
        std::vector<std::vector<std::int32_t>> vidx(n);
        std::vector<std::vector<double>> vval(n);
        for (std::int64_t i = 0; i < n; ++i) {
            const auto idx = ul.idx(i);
            const auto uval = ul.val(i);
            vidx[i].assign(idx.begin(), idx.end());
            vval[i] = w[i];
            if (o.variant == Variant::Normalized && !idx.empty()) {
                double dot = 0;
                for (std::size_t q = 0; q < idx.size(); ++q) dot += uval[q] * w[i][q];
                const double inv = 1.0 / batch.hnorm[l][i];
                for (std::size_t q = 0; q < idx.size(); ++q) vval[i][q] = (w[i][q] - uval[q] * dot) * inv;
            }
        }
        concatenate(vidx, vval, v[l]);
        if (l == 1) break;
        // w_{l-1} on S_{i,l-1}: W_l[S_l, S_{l-1}]^T v_l.
        const SparseRows &below = batch.u[l - 1];
        if (o.mode == Mode::Dense) {
            const std::vector<T> V = densify_columns<T>(v[l], m);
            dense_w.assign(static_cast<std::size_t>(layer.cols * n), T(0));
            gemm<T>(CblasTrans, CblasNoTrans, layer.cols, n, m, 1.0, layer.B.data(), m, V.data(), m, 0.0,
                    dense_w.data(), layer.cols);
            add_counts(counters, kBackward, checked_mul(checked_mul(m, layer.cols, "gemm"), n, "gemm"),
                       checked_bytes(m * layer.cols, sizeof(T), "gemm"));
            for (std::int64_t i = 0; i < n; ++i) {
                const auto idx = below.idx(i);
                w[i].assign(idx.size(), 0.0);
                for (std::size_t q = 0; q < idx.size(); ++q) w[i][q] = dense_w[i * layer.cols + idx[q]];
            }
            continue;
        }
        // Column by column: W_l[S_{i,l}, q]^T v_{i,l} for every point i with q in S_{i,l-1}, so that the points sharing
        // a column read it together (its fired rows overlap in cache lines). Each sum runs over S_{i,l} in order, as a
        // point-by-point pass would form it.
        std::vector<std::vector<double>> next(n);
        for (std::int64_t i = 0; i < n; ++i) next[i].assign(static_cast<std::size_t>(below.count(i)), 0.0);
        const ColumnUsers users = column_users(below, layer.cols);
        const std::int64_t cparts = std::max<std::int64_t>(1, std::min<std::int64_t>(layer.cols, 8 * threads));
        const auto bounds = balanced_ranges(layer.cols, cparts, [&](std::int64_t q) {
            std::int64_t c = 1;
            for (std::int64_t e = users.ptr[q]; e < users.ptr[q + 1]; ++e) c += v[l].count(users.row[e]);
            return c;
        });
        parallel_for(threads, cparts, [&](std::int64_t p) {
            for (std::int64_t q = bounds[p]; q < bounds[p + 1]; ++q) {
                const T *col = layer.B.data() + q * m;
                for (std::int64_t e = users.ptr[q]; e < users.ptr[q + 1]; ++e) {
                    const std::int64_t i = users.row[e];
                    const auto vi = v[l].idx(i);
                    const auto vv = v[l].val(i);
                    double s = 0;
                    for (std::size_t r = 0; r < vi.size(); ++r) s += col[vi[r]] * vv[r];
                    next[i][users.pos[e]] = s;
                }
            }
        });
        const std::int64_t rank = layer.rank;
        if (rank > 0) {  // + Q[S_{l-1}, :] (P[S_l, :]^T v)
            parallel_for(threads, parts, [&](std::int64_t p) {
                std::vector<double> t(static_cast<std::size_t>(rank));
                for (std::int64_t i = range_begin(n, parts, p); i < range_begin(n, parts, p + 1); ++i) {
                    const auto vi = v[l].idx(i);
                    const auto vv = v[l].val(i);
                    const auto oi = below.idx(i);
                    std::fill(t.begin(), t.end(), 0.0);
                    for (std::size_t r = 0; r < vi.size(); ++r) {
                        const T *prow = layer.P.data() + static_cast<std::int64_t>(vi[r]) * layer.cap;
                        for (std::int64_t j = 0; j < rank; ++j) t[j] += vv[r] * prow[j];
                    }
                    for (std::size_t q = 0; q < oi.size(); ++q) {
                        const T *qrow = layer.Q.data() + static_cast<std::int64_t>(oi[q]) * layer.cap;
                        double s = 0;
                        for (std::int64_t j = 0; j < rank; ++j) s += qrow[j] * t[j];
                        next[i][q] += s;
                    }
                }
            });
        }
        std::int64_t muladds = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t a = v[l].count(i), c = below.count(i);
            muladds += a * c + rank * (a + c);
        }
        add_counts(counters, kBackward, muladds, static_cast<std::int64_t>(sizeof(T)) * muladds);
        w = std::move(next);
    }
    return v;
}

template <class T>
void Network<T>::rebuild(Layer &layer, Counters *counters) {
    if (layer.rank == 0) return;
    // B (col-major m x m') += P Q^T; P and Q are stored row-major, i.e. as col-major cap x m and cap x m'.
    gemm<T>(CblasTrans, CblasNoTrans, layer.rows, layer.cols, layer.rank, 1.0, layer.P.data(), layer.cap,
            layer.Q.data(), layer.cap, 1.0, layer.B.data(), layer.rows);
    add_counts(
        counters, kRebuild, checked_mul(checked_mul(layer.rows, layer.cols, "rebuild"), layer.rank, "rebuild"),
        static_cast<std::int64_t>(sizeof(T)) * (2 * layer.rows * layer.cols + (layer.rows + layer.cols) * layer.rank));
    layer.rank = 0;
}

template <class T>
void Network<T>::update(const Batch &batch, const std::vector<SparseRows> &v, double lr, Counters *counters) {
    const auto &o = opt_;
    const std::int64_t n = batch.n, m = o.width;
    const int threads = thread_count(o.threads);
    for (std::int64_t l = 1; l <= o.depth; ++l) {
        Layer &layer = layers_[l];
        const SparseRows &u = batch.u[l - 1];
        const SparseRows &vl = v[l];
        if (o.mode == Mode::Dense) {
            const std::vector<T> V = densify_columns<T>(vl, m);
            const std::vector<T> U = densify_columns<T>(u, layer.cols);
            gemm<T>(CblasNoTrans, CblasTrans, m, layer.cols, n, -lr, V.data(), m, U.data(), layer.cols, 1.0,
                    layer.B.data(), m);
            add_counts(counters, kUpdate, checked_mul(checked_mul(m, layer.cols, "gemm"), n, "gemm"),
                       static_cast<std::int64_t>(sizeof(T)) * 2 * m * layer.cols);
            continue;
        }
        if (o.update == UpdateRule::LazyLowRank) {
            std::int64_t rmax = o.max_rank > 0 ? o.max_rank : std::max<std::int64_t>(256, 4 * n);
            if (layer.rank + n > layer.cap) {
                rebuild(layer, counters);
                if (n > layer.cap || layer.cap == 0) {
                    layer.cap = std::max(rmax, n) + n;
                    layer.P.assign(static_cast<std::size_t>(checked_mul(m, layer.cap, "P")), T(0));
                    layer.Q.assign(static_cast<std::size_t>(checked_mul(layer.cols, layer.cap, "Q")), T(0));
                }
            }
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t col = layer.rank + i;
                for (std::int64_t p = 0; p < m; ++p) layer.P[p * layer.cap + col] = T(0);
                for (std::int64_t q = 0; q < layer.cols; ++q) layer.Q[q * layer.cap + col] = T(0);
                const auto vi = vl.idx(i);
                const auto vv = vl.val(i);
                for (std::size_t r = 0; r < vi.size(); ++r)
                    layer.P[static_cast<std::int64_t>(vi[r]) * layer.cap + col] = static_cast<T>(-lr * vv[r]);
                const auto ui = u.idx(i);
                const auto uv = u.val(i);
                for (std::size_t r = 0; r < ui.size(); ++r)
                    layer.Q[static_cast<std::int64_t>(ui[r]) * layer.cap + col] = static_cast<T>(uv[r]);
            }
            layer.rank += n;
            add_counts(counters, kUpdate, 0, static_cast<std::int64_t>(sizeof(T)) * (m + layer.cols) * n);
            if (layer.rank > rmax) rebuild(layer, counters);
            continue;
        }
        // Eager sparse scatter-add: column q of W_l receives -lr * u_{i,q} v_i for every point i with q in
        // supp(u_i). Columns are split between workers, points are visited in order: deterministic.
        const Columns t = transpose(u, layer.cols);
        const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(layer.cols, 8 * threads));
        std::vector<LocalCounts> counts(parts);
        parallel_for(threads, parts, [&](std::int64_t p) {
            for (std::int64_t q = range_begin(layer.cols, parts, p); q < range_begin(layer.cols, parts, p + 1); ++q) {
                T *col = layer.B.data() + q * m;
                for (std::int64_t e = t.ptr[q]; e < t.ptr[q + 1]; ++e) {
                    const auto vi = vl.idx(t.row[e]);
                    const auto vv = vl.val(t.row[e]);
                    const double c = -lr * t.value[e];
                    for (std::size_t r = 0; r < vi.size(); ++r) col[vi[r]] += static_cast<T>(c * vv[r]);
                    counts[p].muladds += static_cast<std::int64_t>(vi.size());
                    counts[p].bytes += 2 * static_cast<std::int64_t>(sizeof(T) * vi.size());
                }
            }
        });
        add_counts(counters, kUpdate, counts);
    }
}

// The k backward passes (top = e_c for every point) run together. Sparse mode: point by point, since each point's
// chain L..1 is independent of the others, and each weight W_l[r, q] of its s x s blocks is read once for all k
// outputs (the random reads of these blocks, not the arithmetic, bound the backward pass); every output's sums are
// formed in the same order as backward() with top = e_c forms them, so the factors are the same bit for bit. Dense
// mode: layer by layer, one GEMM with n k right-hand sides. Counted: k times the backward multiply-adds, the weight
// bytes once.
template <class T>
std::vector<std::vector<SparseRows>> Network<T>::jacobian_factors(const Batch &batch, Counters *counters) const {
    const auto &o = opt_;
    const std::int64_t n = batch.n, k = o.outputs, L = o.depth, m = o.width;
    std::vector<std::vector<SparseRows>> V(k);
    // vals[l][i]: the k factors of point i on S_{i,l}, entry-major (entry q, output c at q * k + c).
    std::vector<std::vector<std::vector<double>>> vals(L + 1, std::vector<std::vector<double>>(n));
    // The factors on S_{i,l} from w = d(e_c . f_i)/d u_{i,l} on S_{i,l} (same layout), as backward() forms them.
    auto factors_from = [&](std::int64_t l, std::int64_t i, const std::vector<double> &w) {
        const auto idx = batch.u[l].idx(i);
        const auto uval = batch.u[l].val(i);
        std::vector<double> &vv = vals[l][i];
        vv = w;
        if (o.variant == Variant::Normalized && !idx.empty()) {
            const double inv = 1.0 / batch.hnorm[l][i];
            for (std::int64_t c = 0; c < k; ++c) {
                double dot = 0;
                for (std::size_t q = 0; q < idx.size(); ++q) dot += uval[q] * w[q * k + c];
                for (std::size_t q = 0; q < idx.size(); ++q) vv[q * k + c] = (w[q * k + c] - uval[q] * dot) * inv;
            }
        }
    };
    auto top_weights = [&](std::int64_t i, std::vector<double> &w) {  // w on S_{i,L}: the rows of A
        const auto top_idx = batch.u[L].idx(i);
        w.resize(top_idx.size() * k);
        for (std::size_t q = 0; q < top_idx.size(); ++q)
            for (std::int64_t c = 0; c < k; ++c) w[q * k + c] = a_[c * m + top_idx[q]];
    };
    const int threads = thread_count(o.threads);
    if (o.mode == Mode::Dense) {
        std::vector<std::vector<double>> w(n);
        for (std::int64_t i = 0; i < n; ++i) top_weights(i, w[i]);
        std::vector<T> Vd, out;
        for (std::int64_t l = L; l >= 1; --l) {
            for (std::int64_t i = 0; i < n; ++i) factors_from(l, i, w[i]);
            if (l == 1) break;
            const Layer &layer = layers_[l];
            // Column c n + i of Vd is v^(c)_{i,l} (dense, length m); out = W_l^T Vd, cols x n k.
            Vd.assign(static_cast<std::size_t>(checked_mul(m, n * k, "factors")), T(0));
            for (std::int64_t i = 0; i < n; ++i) {
                const auto idx = batch.u[l].idx(i);
                for (std::int64_t c = 0; c < k; ++c)
                    for (std::size_t q = 0; q < idx.size(); ++q)
                        Vd[(c * n + i) * m + idx[q]] = static_cast<T>(vals[l][i][q * k + c]);
            }
            out.assign(static_cast<std::size_t>(checked_mul(layer.cols, n * k, "factors")), T(0));
            gemm<T>(CblasTrans, CblasNoTrans, layer.cols, n * k, m, 1.0, layer.B.data(), m, Vd.data(), m, 0.0,
                    out.data(), layer.cols);
            add_counts(counters, kBackward, checked_mul(checked_mul(m, layer.cols, "gemm"), n * k, "gemm"),
                       checked_bytes(m * layer.cols, sizeof(T), "gemm"));
            for (std::int64_t i = 0; i < n; ++i) {
                const auto below = batch.u[l - 1].idx(i);
                w[i].assign(below.size() * k, 0.0);
                for (std::int64_t c = 0; c < k; ++c)
                    for (std::size_t q = 0; q < below.size(); ++q)
                        w[i][q * k + c] = out[(c * n + i) * layer.cols + below[q]];
            }
        }
    } else {
        // Layer by layer; within a layer column by column (as backward()), every weight W_l[r, q] read once for all k
        // outputs of a point.
        const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(n, 4 * threads));
        std::vector<std::vector<double>> w(n), next(n);
        for (std::int64_t i = 0; i < n; ++i) top_weights(i, w[i]);
        std::int64_t muladds = 0, bytes = 0;
        for (std::int64_t l = L; l >= 1; --l) {
            parallel_for(threads, parts, [&](std::int64_t p) {
                for (std::int64_t i = range_begin(n, parts, p); i < range_begin(n, parts, p + 1); ++i)
                    factors_from(l, i, w[i]);
            });
            if (l == 1) break;
            const Layer &layer = layers_[l];
            const SparseRows &below = batch.u[l - 1];
            for (std::int64_t i = 0; i < n; ++i) next[i].assign(static_cast<std::size_t>(below.count(i) * k), 0.0);
            const ColumnUsers users = column_users(below, layer.cols);
            const std::int64_t cparts = std::max<std::int64_t>(1, std::min<std::int64_t>(layer.cols, 8 * threads));
            const auto bounds = balanced_ranges(layer.cols, cparts, [&](std::int64_t q) {
                std::int64_t c = 1;
                for (std::int64_t e = users.ptr[q]; e < users.ptr[q + 1]; ++e) c += batch.u[l].count(users.row[e]);
                return c;
            });
            parallel_for(threads, cparts, [&](std::int64_t p) {
                std::vector<double> acc(static_cast<std::size_t>(k));
                for (std::int64_t q = bounds[p]; q < bounds[p + 1]; ++q) {
                    const T *col = layer.B.data() + q * m;
                    for (std::int64_t e = users.ptr[q]; e < users.ptr[q + 1]; ++e) {
                        const std::int64_t i = users.row[e];
                        const auto idx = batch.u[l].idx(i);
                        const std::vector<double> &vv = vals[l][i];
                        double *out = next[i].data() + static_cast<std::int64_t>(users.pos[e]) * k;
                        if (k == 1) {  // one output: the sum in a register (the loads overlap better)
                            double sum = 0;
                            for (std::size_t r = 0; r < idx.size(); ++r) sum += col[idx[r]] * vv[r];
                            out[0] = sum;
                            continue;
                        }
                        std::fill(acc.begin(), acc.end(), 0.0);
                        for (std::size_t r = 0; r < idx.size(); ++r) {
                            const T x = col[idx[r]];
                            for (std::int64_t c = 0; c < k; ++c) acc[c] += x * vv[r * k + c];
                        }
                        for (std::int64_t c = 0; c < k; ++c) out[c] = acc[c];
                    }
                }
            });
            const std::int64_t rank = layer.rank;
            if (rank > 0) {  // + Q[S_{l-1}, :] (P[S_l, :]^T v) for every output
                parallel_for(threads, parts, [&](std::int64_t p) {
                    std::vector<double> t;
                    for (std::int64_t i = range_begin(n, parts, p); i < range_begin(n, parts, p + 1); ++i) {
                        const auto idx = batch.u[l].idx(i);
                        const auto below_i = below.idx(i);
                        const std::vector<double> &vv = vals[l][i];
                        t.assign(static_cast<std::size_t>(rank * k), 0.0);
                        for (std::size_t r = 0; r < idx.size(); ++r) {
                            const T *prow = layer.P.data() + static_cast<std::int64_t>(idx[r]) * layer.cap;
                            for (std::int64_t j = 0; j < rank; ++j)
                                for (std::int64_t c = 0; c < k; ++c) t[j * k + c] += vv[r * k + c] * prow[j];
                        }
                        for (std::size_t q = 0; q < below_i.size(); ++q) {
                            const T *qrow = layer.Q.data() + static_cast<std::int64_t>(below_i[q]) * layer.cap;
                            for (std::int64_t c = 0; c < k; ++c) {
                                double s2 = 0;
                                for (std::int64_t j = 0; j < rank; ++j) s2 += qrow[j] * t[j * k + c];
                                next[i][q * k + c] += s2;
                            }
                        }
                    }
                });
            }
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t a = batch.u[l].count(i), b = below.count(i);
                muladds += k * (a * b + rank * (a + b));
                bytes += static_cast<std::int64_t>(sizeof(T)) * (a * b + rank * (a + b));
            }
            w.swap(next);
        }
        add_counts(counters, kBackward, muladds, bytes);
    }
    for (std::int64_t c = 0; c < k; ++c) {
        V[c].resize(L + 1);
        for (std::int64_t l = 1; l <= L; ++l) {
            const SparseRows &u = batch.u[l];
            SparseRows &v = V[c][l];
            v.indptr = u.indptr;
            v.index = u.index;
            v.value.resize(u.index.size());
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t q = 0; q < u.count(i); ++q) v.value[u.indptr[i] + q] = vals[l][i][q * k + c];
        }
    }
    return V;
}

template <class T>
std::vector<double> Network<T>::jacobian_gram(const Batch &batch, Counters *counters) const {
    return jacobian_gram(batch, jacobian_factors(batch), counters);
}

// Dot products of sparse rows go through a position map of row i (pos[q] = position of index q in row i, or -1):
// row j's entries are looked up in index order, so every sum adds the same products in the same order as a merge of
// the two sorted rows would, with no unpredictable branches. Points are paired (i, n-1-i) so that the triangular
// loops j <= i give every task the same work, and tasks are dealt out round-robin.
template <class T>
std::vector<double> Network<T>::jacobian_gram(const Batch &batch, const std::vector<std::vector<SparseRows>> &V,
                                              Counters *counters) const {
    const auto &o = opt_;
    const std::int64_t n = batch.n, k = o.outputs, L = o.depth, N = n * k, m = o.width;
    std::vector<double> G(static_cast<std::size_t>(checked_mul(N, N, "Gram")), 0.0);
    const int threads = thread_count(o.threads);
    const std::int64_t pairs = (n + 1) / 2;
    const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(pairs, 8 * threads));
    auto for_points = [&](std::int64_t p, auto &&body) {  // the points of part p: i and n-1-i for its pairs
        for (std::int64_t t = p; t < pairs; t += parts) {
            body(t);
            if (n - 1 - t != t) body(n - 1 - t);
        }
    };
    // U_{l-1}^T U_{l-1} once per layer (it does not depend on the outputs).
    std::vector<std::vector<double>> UU(L + 1);
    std::vector<LocalCounts> counts(parts);
    for (std::int64_t l = 1; l <= L; ++l) {
        const SparseRows &u = batch.u[l - 1];
        UU[l].assign(static_cast<std::size_t>(n * n), 0.0);
        parallel_for(threads, parts, [&](std::int64_t p) {
            std::vector<std::int32_t> pos(static_cast<std::size_t>(layers_[l].cols), -1);
            for_points(p, [&](std::int64_t i) {
                const auto ii = u.idx(i);
                const auto vi = u.val(i);
                for (std::size_t e = 0; e < ii.size(); ++e) pos[ii[e]] = static_cast<std::int32_t>(e);
                for (std::int64_t j = 0; j <= i; ++j) {
                    const auto ij = u.idx(j);
                    const auto vj = u.val(j);
                    double sum = 0;
                    for (std::size_t e = 0; e < ij.size(); ++e) {
                        const std::int32_t at = pos[ij[e]];
                        if (at >= 0) {
                            sum += vi[at] * vj[e];
                            ++counts[p].muladds;
                        }
                    }
                    UU[l][i * n + j] = UU[l][j * n + i] = sum;
                }
                for (std::int32_t q : ii) pos[q] = -1;
            });
        });
    }
    add_counts(counters, kGram, counts);
    // The factors of a layer share batch.u[l]'s sparsity pattern: stack their values, entry-major (k per entry).
    std::vector<std::vector<double>> stacked(L + 1);
    for (std::int64_t l = 1; l <= L; ++l) {
        const std::size_t nnz = V[0][l].value.size();
        stacked[l].resize(nnz * static_cast<std::size_t>(k));
        for (std::int64_t c = 0; c < k; ++c)
            for (std::size_t e = 0; e < nnz; ++e) stacked[l][e * k + c] = V[c][l].value[e];
    }
    // G[(i,c),(j,c')] = sum_l UU_l[i,j] <v^(c)_{i,l}, v^(c')_{j,l}>, the layers added in order; block (i, j) with
    // j <= i and its mirror. Counted as before: per entry of the lower triangle, the matched pairs of every layer
    // with UU_l[i,j] != 0, plus one.
    counts.assign(parts, LocalCounts{});
    parallel_for(threads, parts, [&](std::int64_t p) {
        std::vector<std::int32_t> pos(static_cast<std::size_t>(m * L), -1);
        std::vector<double> S(static_cast<std::size_t>(k * k)), D(static_cast<std::size_t>(k * k));
        for_points(p, [&](std::int64_t i) {
            for (std::int64_t l = 1; l <= L; ++l) {
                const SparseRows &v = V[0][l];
                for (std::int64_t e = v.indptr[i]; e < v.indptr[i + 1]; ++e)
                    pos[(l - 1) * m + v.index[e]] = static_cast<std::int32_t>(e);
            }
            for (std::int64_t j = 0; j <= i; ++j) {
                std::fill(S.begin(), S.end(), 0.0);
                std::int64_t work = 0;
                for (std::int64_t l = 1; l <= L; ++l) {
                    const double uu = UU[l][i * n + j];
                    if (uu == 0) continue;
                    const SparseRows &v = V[0][l];
                    const std::int32_t *map = pos.data() + (l - 1) * m;
                    const double *vals = stacked[l].data();
                    std::fill(D.begin(), D.end(), 0.0);
                    std::int64_t matched = 0;
                    for (std::int64_t e = v.indptr[j]; e < v.indptr[j + 1]; ++e) {
                        const std::int32_t at = map[v.index[e]];
                        if (at < 0) continue;
                        const double *a = vals + static_cast<std::int64_t>(at) * k, *b = vals + e * k;
                        for (std::int64_t c = 0; c < k; ++c)
                            for (std::int64_t c2 = 0; c2 < k; ++c2) D[c * k + c2] += a[c] * b[c2];
                        ++matched;
                    }
                    for (std::int64_t c = 0; c < k * k; ++c) S[c] += uu * D[c];
                    work += matched + 1;
                }
                for (std::int64_t c = 0; c < k; ++c)
                    for (std::int64_t c2 = 0; c2 < k; ++c2) {
                        if (j == i && c2 > c) continue;  // the mirror of (c2, c), the same sum
                        const std::int64_t a = i * k + c, b = j * k + c2;
                        G[a * N + b] = G[b * N + a] = S[c * k + c2];
                    }
                counts[p].muladds += work * (j < i ? k * k : k * (k + 1) / 2);
            }
            for (std::int64_t l = 1; l <= L; ++l) {
                const SparseRows &v = V[0][l];
                for (std::int64_t e = v.indptr[i]; e < v.indptr[i + 1]; ++e) pos[(l - 1) * m + v.index[e]] = -1;
            }
        });
    });
    add_counts(counters, kGram, counts);
    return G;
}

template <class T>
std::vector<LayerStats> Network<T>::statistics(const Batch &batch, const Batch *previous) const {
    const std::int64_t n = batch.n, m = opt_.width;
    std::vector<LayerStats> stats(opt_.depth);
    std::vector<char> seen(static_cast<std::size_t>(m));
    for (std::int64_t l = 1; l <= opt_.depth; ++l) {
        LayerStats &s = stats[l - 1];
        const SparseRows &u = batch.u[l];
        std::fill(seen.begin(), seen.end(), 0);
        std::int64_t total = 0, covered = 0;
        s.fired_min = n > 0 ? m : 0;
        for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t c = u.count(i);
            total += c;
            s.fired_min = std::min(s.fired_min, c);
            s.fired_max = std::max(s.fired_max, c);
            s.dead_points += c == 0;
            for (std::int32_t r : u.idx(i)) covered += !seen[r], seen[r] = 1;
        }
        s.fired_mean = n > 0 ? static_cast<double>(total) / n : 0;
        s.coverage = static_cast<double>(covered) / m;
        if (previous != nullptr && previous->n == n && static_cast<std::int64_t>(previous->u.size()) > l) {
            double drift = 0;
            std::int64_t counted = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                const auto a = previous->u[l].idx(i), b = u.idx(i);
                if (a.empty()) continue;
                std::size_t p = 0, q = 0, common = 0;
                while (p < a.size() && q < b.size()) {
                    if (a[p] < b[q])
                        ++p;
                    else if (b[q] < a[p])
                        ++q;
                    else
                        ++common, ++p, ++q;
                }
                drift += static_cast<double>(a.size() + b.size() - 2 * common) / static_cast<double>(a.size());
                ++counted;
            }
            s.drift = counted > 0 ? drift / counted : 0;
        }
    }
    return stats;
}

template <class T>
double Network<T>::residual(const Batch &batch, const double *y, std::vector<double> &r) const {
    const std::int64_t n = batch.n, k = opt_.outputs;
    r.resize(static_cast<std::size_t>(n * k));
    double loss = 0;
    for (std::int64_t e = 0; e < n * k; ++e) {
        require(std::isfinite(y[e]), SUBQ_ERR_NUMERICAL,
                "y: non-finite target at row " + std::to_string(e / k) + ", column " + std::to_string(e % k));
        r[e] = batch.f[e] - y[e];
        loss += 0.5 * r[e] * r[e];
    }
    return loss;
}

template <class T>
double Network<T>::step_gd(const DenseView<const T> &x, const double *y, double lr, std::vector<LayerStats> &stats,
                           double *lr_used, Counters *counters) {
    Batch batch;
    forward(x, batch, counters);
    const std::int64_t n = batch.n, k = opt_.outputs;
    std::vector<double> r;
    const double loss = residual(batch, y, r);
    // Drift compares fired sets point by point, so only against the same batch trained again.
    const bool same_batch = previous_.n == n && same_inputs(previous_, batch.u[0]);
    stats = statistics(batch, same_batch ? &previous_ : nullptr);
    if (lr <= 0) {
        if (auto_lr_ <= 0) {
            std::vector<double> G = jacobian_gram(batch, counters);
            const std::int64_t N = n * k;
            std::vector<double> eig(static_cast<std::size_t>(N));
            const int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', static_cast<lapack_int>(N), G.data(),
                                            static_cast<lapack_int>(N), eig.data());
            require(info == 0, SUBQ_ERR_NUMERICAL,
                    "eigenvalues of the Jacobian Gram: LAPACK info " + std::to_string(info));
            require(eig.back() > 0, SUBQ_ERR_NUMERICAL, "the Jacobian Gram is zero (all points dead?)");
            auto_lr_ = 1.0 / eig.back();
        }
        lr = auto_lr_;
    }
    if (lr_used) *lr_used = lr;
    const auto v = backward(batch, r, counters);
    update(batch, v, lr, counters);
    previous_ = std::move(batch);
    accepted_ = Batch{};
    return loss;
}

template <class T>
std::vector<double> Network<T>::sketch_jacobian(const Batch &batch, const std::vector<std::vector<SparseRows>> &V,
                                                std::int64_t rows, std::uint64_t stream, Counters *counters) const {
    const auto &o = opt_;
    const std::int64_t n = batch.n, k = o.outputs, L = o.depth, N = n * k, m = o.width;
    require(rows >= 1, SUBQ_ERR_DIMENSION, "sketch rows must be >= 1");
    std::vector<double> SA(static_cast<std::size_t>(checked_mul(checked_mul(L, rows, "sketch"), N, "sketch")), 0.0);
    constexpr std::int64_t kChunk = 64;  // Jacobian columns densified at a time
    for (std::int64_t l = 1; l <= L; ++l) {
        const std::int64_t cols = layers_[l].cols;
        sketch::Params p;
        p.type = static_cast<int>(sketch::Type::kTensorSrht);
        p.input_dim = cols;
        p.input_dim2 = m;
        p.output_dim = rows;
        const auto w =
            rng::philox(o.seed, rng::stream({kNetStream, stream, static_cast<std::uint64_t>(l), rng::kHash}), 0);
        p.seed = (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
        p.num_threads = o.threads;
        const auto S = sketch::Sketch::create(p);
        std::vector<double> A(static_cast<std::size_t>(kChunk * cols)), B(static_cast<std::size_t>(kChunk * m)),
            Z(static_cast<std::size_t>(kChunk * rows));
        for (std::int64_t a0 = 0; a0 < N; a0 += kChunk) {
            const std::int64_t len = std::min(kChunk, N - a0);
            std::fill(A.begin(), A.end(), 0.0);
            std::fill(B.begin(), B.end(), 0.0);
            for (std::int64_t t = 0; t < len; ++t) {
                const std::int64_t i = (a0 + t) / k, c = (a0 + t) % k;
                const SparseRows &u = batch.u[l - 1], &v = V[c][l];
                for (std::int64_t q = 0; q < u.count(i); ++q) A[t * cols + u.idx(i)[q]] = u.val(i)[q];
                for (std::int64_t q = 0; q < v.count(i); ++q) B[t * m + v.idx(i)[q]] = v.val(i)[q];
            }
            S->apply_pair(DenseView<const double>{A.data(), len, cols, cols, SUBQ_ROW_MAJOR},
                          DenseView<const double>{B.data(), len, m, m, SUBQ_ROW_MAJOR},
                          DenseView<double>{Z.data(), len, rows, rows, SUBQ_ROW_MAJOR});
            for (std::int64_t t = 0; t < len; ++t)
                for (std::int64_t j = 0; j < rows; ++j) SA[((l - 1) * rows + j) * N + a0 + t] = Z[t * rows + j];
        }
        const auto log2 = [](std::int64_t v) {
            std::int64_t r = 0;
            while ((std::int64_t(1) << r) < v) ++r;
            return r;
        };
        const std::int64_t P1 = std::int64_t(1) << log2(cols), P2 = std::int64_t(1) << log2(m);
        add_counts(counters, kSolve, N * (P1 * log2(P1) + P2 * log2(P2) + rows), 0);
    }
    return SA;
}

// The backward pass is linear in its top weights, so the backward vectors of top = c are the same combination of
// the per-output factors: v_{i,l} = sum_c c_{ic} v^(c)_{i,l}, on the same support S_{i,l} (every factor of a layer
// shares batch.u[l]'s sparsity pattern). n k s multiply-adds per layer, counted as backward work, instead of a second
// backward pass (s^2 gathers per point and layer sparse, a GEMM per layer dense).
template <class T>
std::vector<SparseRows> Network<T>::combine_factors(const std::vector<std::vector<SparseRows>> &V,
                                                    std::span<const double> c, Counters *counters) const {
    const std::int64_t k = opt_.outputs, L = opt_.depth;
    std::vector<SparseRows> v(L + 1);
    std::int64_t work = 0;
    for (std::int64_t l = 1; l <= L; ++l) {
        const SparseRows &first = V[0][l];
        const std::int64_t n = first.rows();
        require(static_cast<std::int64_t>(c.size()) == n * k, SUBQ_ERR_DIMENSION, "combine_factors: c has wrong size");
        v[l].indptr = first.indptr;
        v[l].index = first.index;
        v[l].value.assign(first.value.size(), 0.0);
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t c2 = 0; c2 < k; ++c2) {
                const double ci = c[i * k + c2];
                const std::vector<double> &f = V[c2][l].value;
                for (std::int64_t e = first.indptr[i]; e < first.indptr[i + 1]; ++e) v[l].value[e] += ci * f[e];
            }
        work += k * static_cast<std::int64_t>(first.value.size());
    }
    add_counts(counters, kBackward, work, 0);
    return v;
}

template <class T>
double Network<T>::step_gn(const DenseView<const T> &x, const double *y, const GnOptions &g,
                           std::vector<LayerStats> &stats, GnReport *report, Counters *counters) {
    // The forward pass: reused from the last accepted step when the same batch comes again.
    Batch batch;
    SparseRows u0 = normalised_inputs(x);
    if (accepted_.n == x.rows && same_inputs(accepted_, u0)) {
        batch = std::move(accepted_);
    } else {
        batch.n = x.rows;
        batch.u.assign(opt_.depth + 1, SparseRows{});
        batch.u[0] = std::move(u0);
        propagate(batch, counters);
    }
    accepted_ = Batch{};
    const std::int64_t n = batch.n, k = opt_.outputs, N = n * k;
    std::vector<double> r;
    const double loss = residual(batch, y, r);
    const bool same_batch = previous_.n == n && same_inputs(previous_, batch.u[0]);
    stats = statistics(batch, same_batch ? &previous_ : nullptr);

    const auto V = jacobian_factors(batch, counters);
    const std::vector<double> G = jacobian_gram(batch, V, counters);
    double trace = 0;
    for (std::int64_t a = 0; a < N; ++a) trace += G[a * N + a];
    require(trace > 0, SUBQ_ERR_NUMERICAL, "the Jacobian is zero: every point is dead");
    const double mu0 = g.damping * trace / static_cast<double>(N);
    const GnSolver solver =
        g.solver != GnSolver::Automatic ? g.solver : (N <= 1024 ? GnSolver::Cholesky : GnSolver::SketchedCg);
    GnReport rep;
    rep.loss_before = loss;
    rep.solver = solver;
    const std::uint64_t step_id = gn_steps_++;
    for (int attempt = 0; attempt <= g.max_retries; ++attempt) {
        double mu = mu0 + lm_;
        std::vector<double> c;
        if (solver == GnSolver::Cholesky) {
            c = cholesky_solve(G, N, r, mu);
            add_counts(counters, kSolve, N * N * N / 3 + 2 * N * N, 0);
        } else {
            const std::int64_t rows = g.sketch_rows > 0 ? g.sketch_rows : 4 * N;
            const std::vector<double> SA =
                sketch_jacobian(batch, V, rows, step_id * 64 + static_cast<std::uint64_t>(attempt), counters);
            const std::vector<double> R = qr_preconditioner(SA, opt_.depth * rows, N, mu);
            CgResult cg = conjugate_gradient(G, N, mu, r, R, g.cg_tolerance, g.cg_max_iterations);
            add_counts(counters, kSolve, 2 * opt_.depth * rows * N * N + cg.iterations * 3 * N * N, 0);
            rep.cg_iterations = cg.iterations;
            rep.cg_relative_residual = cg.relative_residual;
            c = std::move(cg.x);
        }
        rep.damping = mu;
        rep.retries = attempt;
        const auto v = combine_factors(V, c, counters);
        update(batch, v, 1.0, counters);
        Batch trial;
        trial.n = n;
        trial.u.assign(opt_.depth + 1, SparseRows{});
        trial.u[0] = batch.u[0];
        propagate(trial, counters);
        std::vector<double> r_new;
        const double loss_new = residual(trial, y, r_new);
        if (loss_new <= loss) {
            rep.loss_after = loss_new;
            rep.accepted = true;
            lm_ = lm_ / 3 < mu0 ? 0 : lm_ / 3;
            accepted_ = std::move(trial);
            break;
        }
        update(batch, v, -1.0, counters);  // undo, then damp harder
        lm_ = std::max(10 * lm_, 1e-4 * trace / static_cast<double>(N));
        rep.loss_after = loss;
    }
    previous_ = std::move(batch);
    if (report) *report = rep;
    return loss;
}

template <class T>
void Network<T>::check_layer(std::int64_t l, std::int64_t entries) const {
    require(l >= 1 && l <= opt_.depth, SUBQ_ERR_INVALID_ARG, "layer " + std::to_string(l) + " is outside [1, depth]");
    const Layer &layer = layers_[l];
    require(
        entries < 0 || entries == layer.rows * layer.cols, SUBQ_ERR_DIMENSION,
        "weights of layer " + std::to_string(l) + " must have " + std::to_string(layer.rows * layer.cols) + " entries");
}

template <class T>
std::vector<double> Network<T>::weights(std::int64_t l) const {
    check_layer(l, -1);
    const Layer &layer = layers_[l];
    std::vector<double> w(layer.B.begin(), layer.B.end());
    if (layer.rank > 0) {  // + P Q^T in float64 (P and Q are stored row-major: column-major cap x rows / x cols)
        const std::vector<double> P(layer.P.begin(), layer.P.end()), Q(layer.Q.begin(), layer.Q.end());
        gemm<double>(CblasTrans, CblasNoTrans, layer.rows, layer.cols, layer.rank, 1.0, P.data(), layer.cap, Q.data(),
                     layer.cap, 1.0, w.data(), layer.rows);
    }
    return w;
}

template <class T>
void Network<T>::set_weights(std::int64_t l, std::span<const double> w) {
    check_layer(l, static_cast<std::int64_t>(w.size()));
    const std::vector<T> stored(w.begin(), w.end());
    set_stored_weights(l, stored);
}

template <class T>
void Network<T>::set_stored_weights(std::int64_t l, std::span<const T> w) {
    check_layer(l, static_cast<std::int64_t>(w.size()));
    Layer &layer = layers_[l];
    std::copy(w.begin(), w.end(), layer.B.begin());
    layer.rank = 0;
}

template <class T>
void Network<T>::set_output_weights(std::span<const double> a) {
    require(a.size() == a_.size(), SUBQ_ERR_DIMENSION, "output weights must have k m entries");
    std::copy(a.begin(), a.end(), a_.begin());
}

template class Network<float>;
template class Network<double>;

}  // namespace subq::train
