#include "sketch/sketch.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/fwht.hpp"
#include "core/parallel.hpp"

namespace subq::sketch {
namespace {

constexpr index_t kMaxPadded = index_t{1} << 31;  // sample indices of [P] are drawn with 32-bit multiply-shift
constexpr std::int64_t kMaxDegree = 1024;
constexpr std::int64_t kMaxSparsity = 1024;

std::string str(index_t v) {
    return std::to_string(v);
}

rng::Stream stream_of(Type t, std::uint64_t factor, std::uint64_t component, rng::Role role) {
    return rng::stream(
        {kSketchKindId, static_cast<std::uint64_t>(t), factor, component, static_cast<std::uint64_t>(role)});
}

std::vector<std::uint32_t> sample_indices(std::uint64_t seed, rng::Stream s, index_t count, index_t range) {
    std::vector<std::uint32_t> idx(static_cast<std::size_t>(count));
    for (index_t k = 0; k < count; ++k)
        idx[static_cast<std::size_t>(k)] =
            rng::below(rng::philox(seed, s, static_cast<std::uint64_t>(k))[0], static_cast<std::uint32_t>(range));
    return idx;
}

// `count` indices of [0, range) in blocks of `range`: block b is a random permutation of [0, range) (the last block a
// prefix of one), permutation b drawn by Fisher–Yates from counters b·range + i. Every index is uniform on [0, range)
// (so sketches stay unbiased), but each value appears ⌊count/range⌋ or ⌈count/range⌉ times.
std::vector<std::uint32_t> balanced_indices(std::uint64_t seed, rng::Stream s, index_t count, index_t range) {
    std::vector<std::uint32_t> idx(static_cast<std::size_t>(count));
    std::vector<std::uint32_t> perm(static_cast<std::size_t>(range));
    for (index_t b0 = 0; b0 < count; b0 += range) {
        for (index_t i = 0; i < range; ++i) perm[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(i);
        for (index_t i = range - 1; i > 0; --i) {
            const auto u = rng::philox(seed, s, static_cast<std::uint64_t>(b0 + i))[0];
            std::swap(perm[static_cast<std::size_t>(i)], perm[rng::below(u, static_cast<std::uint32_t>(i + 1))]);
        }
        const index_t take = std::min(range, count - b0);
        std::copy(perm.begin(), perm.begin() + take, idx.begin() + b0);
    }
    return idx;
}

std::vector<std::uint32_t> draw_indices(bool balanced, std::uint64_t seed, rng::Stream s, index_t count, index_t range) {
    return balanced ? balanced_indices(seed, s, count, range) : sample_indices(seed, s, count, range);
}

index_t pad_pow2(index_t d, const char *what) {
    const index_t P = fwht::next_power_of_two(d);
    if (P > kMaxPadded)
        fail(SUBQ_ERR_DIMENSION,
             std::string(what) + " = " + str(d) + " pads to " + str(P) + " > 2^31 for the Hadamard transform");
    return P;
}

// Copies rows [r0, r0 + rows) of x into buf (row-major, leading dimension x.cols), converting to double.
template <class T>
void gather(const DenseView<const T> &x, index_t r0, index_t rows, double *buf) {
    const index_t d = x.cols;
    if (x.layout == SUBQ_ROW_MAJOR) {
        for (index_t i = 0; i < rows; ++i) {
            const T *src = x.data + (r0 + i) * x.ld;
            double *dst = buf + i * d;
            for (index_t j = 0; j < d; ++j) dst[j] = static_cast<double>(src[j]);
        }
    } else {
        for (index_t j = 0; j < d; ++j) {
            const T *src = x.data + j * x.ld + r0;
            for (index_t i = 0; i < rows; ++i) buf[i * d + j] = static_cast<double>(src[i]);
        }
    }
}

// Stores rows (row-major in o, leading dimension m) into rows [r0, r0 + rows) of z, rounding to T.
template <class T>
void store(const double *o, index_t rows, index_t m, const DenseView<T> &z, index_t r0) {
    if (z.layout == SUBQ_ROW_MAJOR) {
        for (index_t i = 0; i < rows; ++i) {
            T *dst = z.data + (r0 + i) * z.ld;
            const double *src = o + i * m;
            for (index_t k = 0; k < m; ++k) dst[k] = static_cast<T>(src[k]);
        }
    } else {
        for (index_t k = 0; k < m; ++k) {
            T *dst = z.data + k * z.ld + r0;
            for (index_t i = 0; i < rows; ++i) dst[i] = static_cast<T>(o[i * m + k]);
        }
    }
}

// The input rows as doubles: x itself when it is row-major float64, else a gathered copy in buf.
template <class T>
const double *input_rows(const DenseView<const T> &x, index_t r0, index_t rows, double *buf, index_t &ld) {
    if constexpr (std::is_same_v<T, double>) {
        if (x.layout == SUBQ_ROW_MAJOR) {
            ld = x.ld;
            return x.data + r0 * x.ld;
        }
    }
    gather(x, r0, rows, buf);
    ld = x.cols;
    return buf;
}

// Whether the kernels write their float64 rows straight into z (row-major float64) or into the workspace, from
// where store() converts them.
template <class T>
bool direct_output(const DenseView<T> &z) {
    return std::is_same_v<T, double> && z.layout == SUBQ_ROW_MAJOR;
}

// Where the kernel writes: z itself when direct, else buf (stored afterwards).
template <class T>
double *output_rows(const DenseView<T> &z, index_t r0, double *buf, index_t m, index_t &ld) {
    if constexpr (std::is_same_v<T, double>) {
        if (z.layout == SUBQ_ROW_MAJOR) {
            ld = z.ld;
            return z.data + r0 * z.ld;
        }
    }
    ld = m;
    return buf;
}

bool fits_int(std::initializer_list<index_t> values) {
    for (index_t v : values)
        if (v > INT_MAX) return false;
    return true;
}

}  // namespace

const char *type_name(Type t) noexcept {
    switch (t) {
        case Type::kCountSketch:
            return "CountSketch";
        case Type::kOsnap:
            return "OSNAP";
        case Type::kSrht:
            return "SRHT";
        case Type::kGaussian:
            return "Gaussian";
        case Type::kTensorSketch:
            return "TensorSketch";
        case Type::kTensorSrht:
            return "TensorSRHT";
        case Type::kTree:
            return "tree";
    }
    return "unknown";
}

// ---- HashMap ------------------------------------------------------------------------------------------------

HashMap::HashMap(std::uint64_t seed, int type, std::uint64_t factor, index_t d, std::uint32_t b, int s, double scale,
                 bool table)
    : seed_(seed), d_(d), b_(b), s_(s), scale_(scale) {
    streams_.reserve(static_cast<std::size_t>(s));
    for (int t = 0; t < s; ++t)
        streams_.push_back(stream_of(static_cast<Type>(type), factor, static_cast<std::uint64_t>(t), rng::kHash));
    if (table) {
        const std::size_t n = checked_bytes(d, static_cast<std::size_t>(s), "hash table");
        rows_.resize(n);
        values_.resize(n);
        for (index_t i = 0; i < d; ++i)
            for (int t = 0; t < s; ++t) {
                const std::size_t k =
                    static_cast<std::size_t>(i) * static_cast<std::size_t>(s) + static_cast<std::size_t>(t);
                compute(i, t, rows_[k], values_[k]);
            }
    }
}

void HashMap::compute(index_t i, int t, std::uint32_t &row, double &value) const noexcept {
    const auto w = rng::philox(seed_, streams_[static_cast<std::size_t>(t)], static_cast<std::uint64_t>(i));
    row = static_cast<std::uint32_t>(t) * b_ + rng::below(w[0], b_);
    value = (w[1] & 1u) ? -scale_ : scale_;
}

void HashMap::add_dense(const double *x, double *o) const noexcept {
    if (!rows_.empty()) {
        const std::uint32_t *r = rows_.data();
        const double *v = values_.data();
        if (s_ == 1) {
            index_t j = 0;
            for (; j + 4 <= d_; j += 4) {
                o[r[j]] += v[j] * x[j];
                o[r[j + 1]] += v[j + 1] * x[j + 1];
                o[r[j + 2]] += v[j + 2] * x[j + 2];
                o[r[j + 3]] += v[j + 3] * x[j + 3];
            }
            for (; j < d_; ++j) o[r[j]] += v[j] * x[j];
        } else {
            for (index_t j = 0; j < d_; ++j) {
                const double xj = x[j];
                const std::size_t base = static_cast<std::size_t>(j) * static_cast<std::size_t>(s_);
                for (int t = 0; t < s_; ++t) o[r[base + t]] += v[base + t] * xj;
            }
        }
    } else {
        for (index_t j = 0; j < d_; ++j) {
            const double xj = x[j];
            for (int t = 0; t < s_; ++t) {
                std::uint32_t row;
                double w;
                compute(j, t, row, w);
                o[row] += w * xj;
            }
        }
    }
}

// ---- SignVector ---------------------------------------------------------------------------------------------

SignVector::SignVector(std::uint64_t seed, rng::Stream stream, index_t d, bool table)
    : seed_(seed), stream_(stream), d_(d) {
    if (table) {
        table_.resize(static_cast<std::size_t>(d));
        for (index_t i = 0; i < d; ++i)
            table_[static_cast<std::size_t>(i)] =
                static_cast<float>(rng::sign_of(rng::philox(seed, stream, static_cast<std::uint64_t>(i))[0]));
    }
}

void SignVector::apply(const double *x, double *out, index_t padded) const noexcept {
    if (!table_.empty()) {
        const float *s = table_.data();
        for (index_t j = 0; j < d_; ++j) out[j] = static_cast<double>(s[j]) * x[j];
    } else {
        for (index_t j = 0; j < d_; ++j)
            out[j] = rng::sign_of(rng::philox(seed_, stream_, static_cast<std::uint64_t>(j))[0]) * x[j];
    }
    std::fill(out + d_, out + padded, 0.0);
}

// ---- Sketch: validation, factory and drivers ------------------------------------------------------------------

Sketch::Sketch(Type t, const Params &p, index_t d1, index_t d2, index_t m)
    : type_(t),
      seed_(p.seed),
      d1_(d1),
      d2_(d2),
      m_(m),
      num_threads_(p.num_threads),
      block_rows_(p.block_rows > 0 ? p.block_rows : kDefaultBlockRows),
      tables_(d1 <= p.table_limit) {}

std::unique_ptr<Sketch> Sketch::create(const Params &p) {
    if (p.type < 1 || p.type > 6)
        fail(SUBQ_ERR_INVALID_ARG,
             p.type == 0 ? std::string("SUBQ_P_SKETCH_TYPE is not set; choose a subq_sketch_type")
                         : "SUBQ_P_SKETCH_TYPE = " + std::to_string(p.type) + " is not a subq_sketch_type (1..6)");
    const Type type = static_cast<Type>(p.type);
    if (p.input_dim < 1)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = " + str(p.input_dim) + ": the input dimension must be >= 1");
    if (p.output_dim < 1)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = " + str(p.output_dim) + ": the output dimension must be >= 1");
    if (p.output_dim > INT32_MAX)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = " + str(p.output_dim) + " exceeds 2^31-1");
    if (p.input_dim2 < 0) fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM2 = " + str(p.input_dim2) + " is negative");
    if (p.num_threads < 0 || p.block_rows < 0)
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NUM_THREADS and SUBQ_P_BLOCK_ROWS must be >= 0");
    const index_t d1 = p.input_dim, m = p.output_dim;
    const index_t d2 = p.input_dim2 == 0 ? d1 : p.input_dim2;
    const bool two_factors = type == Type::kTensorSrht || (type == Type::kTensorSketch && p.degree == 2);
    if (d2 != d1 && !two_factors)
        fail(SUBQ_ERR_UNSUPPORTED, "SUBQ_P_INPUT_DIM2 = " + str(p.input_dim2) +
                                       " differs from SUBQ_P_INPUT_DIM = " + str(d1) +
                                       ", but only TensorSRHT and degree-2 TensorSketch have a second factor");
    switch (type) {
        case Type::kCountSketch:
            return std::make_unique<HashSketch>(type, p, m, 1);
        case Type::kOsnap: {
            if (p.sparsity < 1 || p.sparsity > kMaxSparsity)
                fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_SPARSITY = " + std::to_string(p.sparsity) + " is outside [1, " +
                                               std::to_string(kMaxSparsity) + "]");
            const index_t s = p.sparsity;
            const index_t rounded = checked_mul((m + s - 1) / s, s, "OSNAP output dimension");
            if (rounded > INT32_MAX)
                fail(SUBQ_ERR_DIMENSION, "OSNAP output dimension " + str(rounded) +
                                             " (SUBQ_P_OUTPUT_DIM rounded up to a "
                                             "multiple of SUBQ_P_SPARSITY) exceeds 2^31-1");
            return std::make_unique<HashSketch>(type, p, rounded, static_cast<int>(s));
        }
        case Type::kSrht:
            return std::make_unique<Srht>(p);
        case Type::kGaussian:
            return std::make_unique<Gaussian>(p);
        case Type::kTensorSketch:
            if (p.degree < 1 || p.degree > kMaxDegree)
                fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE = " + std::to_string(p.degree) + " is outside [1, " +
                                               std::to_string(kMaxDegree) + "] for TensorSketch");
            return std::make_unique<TensorSketch>(p, two_factors ? d2 : 0);
        case Type::kTensorSrht:
            if (p.degree != 2)
                fail(SUBQ_ERR_PARAM_RANGE,
                     "SUBQ_P_DEGREE = " + std::to_string(p.degree) + ", but TensorSRHT has degree 2");
            return std::make_unique<TensorSrht>(p, d2);
        case Type::kTree:
            break;  // not reachable: rejected above (TreeSketch::create builds trees)
    }
    fail(SUBQ_ERR_INTERNAL, "unreachable sketch type");
}

void Sketch::prepare(Workspace &) const {}

void Sketch::pair_rows(const double *, index_t, const double *, index_t, index_t, double *, index_t,
                       Workspace &) const {
    fail(SUBQ_ERR_UNSUPPORTED, std::string(type_name(type_)) + " has no pair apply");
}

std::unique_ptr<Workspace> Sketch::make_workspace(index_t chunk) const {
    auto ws = std::make_unique<Workspace>();
    ws->chunk = chunk;
    prepare(*ws);
    return ws;
}

namespace {
template <class T>
void check_out(const DenseView<T> &z, index_t n, index_t m) {
    if (z.rows != n || z.cols != m)
        fail(SUBQ_ERR_DIMENSION, "z is " + str(z.rows) + " x " + str(z.cols) + ", expected " + str(n) + " x " + str(m));
}
}  // namespace

void Sketch::check_single_input(index_t cols) const {
    if (!supports_single())
        fail(SUBQ_ERR_UNSUPPORTED, std::string(type_name(type_)) + " with SUBQ_P_INPUT_DIM2 = " + str(d2_) +
                                       " != SUBQ_P_INPUT_DIM = " + str(d1_) +
                                       " sketches pairs only; use the pair apply");
    if (cols != d1_)
        fail(SUBQ_ERR_DIMENSION, "d = " + str(cols) + " does not match the sketch's input dimension " + str(d1_));
}

template <class T>
void Sketch::apply_dense_impl(const DenseView<const T> &x, const DenseView<T> &z) const {
    check_single_input(x.cols);
    check_out(z, x.rows, m_);
    if (x.rows == 0) return;
    if (apply_blas(x, z)) return;
    const bool gathered = !(std::is_same_v<T, double> && x.layout == SUBQ_ROW_MAJOR);
    run_blocks(x.rows, gathered ? d1_ : 0, [&](index_t r0, index_t rows, Workspace &ws) {
        index_t ldx = 0, ldo = 0;
        const double *xin = input_rows(x, r0, rows, ws.in.data(), ldx);
        if constexpr (std::is_same_v<T, float>) {
            if (z.layout == SUBQ_ROW_MAJOR && dense_rows_f32(xin, ldx, rows, z.data + r0 * z.ld, z.ld, ws)) return;
        }
        double *o = output_rows(z, r0, ws.out.data(), m_, ldo);
        dense_rows(xin, ldx, rows, o, ldo, ws);
        if (!direct_output(z)) store(o, rows, m_, z, r0);
    });
}

template <class T>
void Sketch::apply_csr_impl(const CsrView<T> &x, const DenseView<T> &z) const {
    check_single_input(x.cols);
    check_out(z, x.rows, m_);
    run_blocks(x.rows, 0, [&](index_t r0, index_t rows, Workspace &ws) {
        CsrRows rs;
        rs.indptr = x.indptr + r0;
        rs.indices = x.indices;
        if constexpr (std::is_same_v<T, double>)
            rs.vd = x.values;
        else
            rs.vf = x.values;
        index_t ldo = 0;
        double *o = output_rows(z, r0, ws.out.data(), m_, ldo);
        csr_rows(rs, rows, o, ldo, ws);
        if (!direct_output(z)) store(o, rows, m_, z, r0);
    });
}

template <class T>
void Sketch::apply_pair_impl(const DenseView<const T> &a, const DenseView<const T> &b, const DenseView<T> &z) const {
    if (!supports_pair())
        fail(SUBQ_ERR_UNSUPPORTED, std::string(type_name(type_)) +
                                       (type_ == Type::kTensorSketch ? " of degree other than 2" : "") +
                                       " does not sketch pairs a⊗b");
    if (a.cols != d1_)
        fail(SUBQ_ERR_DIMENSION, "d1 = " + str(a.cols) + " does not match the sketch's input dimension " + str(d1_));
    if (b.cols != d2_)
        fail(SUBQ_ERR_DIMENSION,
             "d2 = " + str(b.cols) + " does not match the sketch's second input dimension " + str(d2_));
    if (b.rows != a.rows) fail(SUBQ_ERR_DIMENSION, "a has " + str(a.rows) + " rows but b has " + str(b.rows));
    check_out(z, a.rows, m_);
    if (a.rows == 0) return;
    const bool gathered = !(std::is_same_v<T, double> && a.layout == SUBQ_ROW_MAJOR && b.layout == SUBQ_ROW_MAJOR);
    run_blocks(a.rows, gathered ? d1_ + d2_ : 0, [&](index_t r0, index_t rows, Workspace &ws) {
        index_t lda = 0, ldb = 0, ldo = 0;
        const double *ain = input_rows(a, r0, rows, ws.in.data(), lda);
        const double *bin = input_rows(b, r0, rows, ws.in.data() + (gathered ? ws.chunk * d1_ : 0), ldb);
        double *o = output_rows(z, r0, ws.out.data(), m_, ldo);
        pair_rows(ain, lda, bin, ldb, rows, o, ldo, ws);
        if (!direct_output(z)) store(o, rows, m_, z, r0);
    });
}

void Sketch::apply(const DenseView<const double> &x, const DenseView<double> &z) const {
    apply_dense_impl(x, z);
}
void Sketch::apply(const DenseView<const float> &x, const DenseView<float> &z) const {
    apply_dense_impl(x, z);
}
void Sketch::apply_csr(const CsrView<double> &x, const DenseView<double> &z) const {
    apply_csr_impl(x, z);
}
void Sketch::apply_csr(const CsrView<float> &x, const DenseView<float> &z) const {
    apply_csr_impl(x, z);
}
void Sketch::apply_pair(const DenseView<const double> &a, const DenseView<const double> &b,
                        const DenseView<double> &z) const {
    apply_pair_impl(a, b, z);
}
void Sketch::apply_pair(const DenseView<const float> &a, const DenseView<const float> &b,
                        const DenseView<float> &z) const {
    apply_pair_impl(a, b, z);
}

// ---- CountSketch / OSNAP -----------------------------------------------------------------------------------

HashSketch::HashSketch(Type t, const Params &p, index_t m, int s)
    : Sketch(t, p, p.input_dim, 0, m),
      map_(p.seed, static_cast<int>(t), 0, p.input_dim, static_cast<std::uint32_t>(m / s), s,
           t == Type::kCountSketch ? 1.0 : 1.0 / std::sqrt(static_cast<double>(s)),
           p.input_dim <= p.table_limit && p.input_dim * s <= 16 * std::max<index_t>(p.table_limit, 1)) {}

void HashSketch::dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &) const {
    for (index_t i = 0; i < rows; ++i) {
        double *o = out + i * ldo;
        std::fill(o, o + m_, 0.0);
        map_.add_dense(x + i * ldx, o);
    }
}

void HashSketch::csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &) const {
    for (index_t i = 0; i < rows; ++i) {
        double *o = out + i * ldo;
        std::fill(o, o + m_, 0.0);
        const index_t k0 = x.indptr[i], nnz = x.indptr[i + 1] - k0;
        if (x.vd != nullptr)
            map_.add_sparse(x.indices + k0, x.vd + k0, nnz, o);
        else
            map_.add_sparse(x.indices + k0, x.vf + k0, nnz, o);
    }
}

// ---- SRHT -------------------------------------------------------------------------------------------------

Srht::Srht(const Params &p)
    : Sketch(Type::kSrht, p, p.input_dim, 0, p.output_dim),
      P_(pad_pow2(p.input_dim, "SUBQ_P_INPUT_DIM")),
      signs_(p.seed, stream_of(Type::kSrht, 0, 0, rng::kSigns1), p.input_dim, tables_),
      idx_(draw_indices(p.balanced, p.seed, stream_of(Type::kSrht, 0, 0, rng::kIndex1), p.output_dim, P_)),
      scale_(1.0 / std::sqrt(static_cast<double>(p.output_dim))) {}

void Srht::prepare(Workspace &ws) const {
    ws.scratch.reset(static_cast<std::size_t>(ws.chunk * P_));
}

template <class O>
void Srht::finish(index_t rows, double *buf, O *out, index_t ldo) const {
    fwht::transform_many(buf, P_, rows, P_);
    const std::uint32_t *idx = idx_.data();
    for (index_t i = 0; i < rows; ++i) {
        double *b = buf + i * P_;
        O *o = out + i * ldo;
        if (m_ > P_) {  // oversampling: scale the P values once, then gather (the same products, fewer of them)
            for (index_t j = 0; j < P_; ++j) b[j] *= scale_;
            for (index_t k = 0; k < m_; ++k) o[k] = static_cast<O>(b[idx[k]]);
        } else {
            for (index_t k = 0; k < m_; ++k) o[k] = static_cast<O>(b[idx[k]] * scale_);
        }
    }
}

bool Srht::dense_rows_f32(const double *x, index_t ldx, index_t rows, float *out, index_t ldo, Workspace &ws) const {
    double *buf = ws.scratch.data();
    for (index_t i = 0; i < rows; ++i) signs_.apply(x + i * ldx, buf + i * P_, P_);
    finish(rows, buf, out, ldo);
    return true;
}

void Srht::dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    double *buf = ws.scratch.data();
    for (index_t i = 0; i < rows; ++i) signs_.apply(x + i * ldx, buf + i * P_, P_);
    finish(rows, buf, out, ldo);
}

void Srht::csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    double *buf = ws.scratch.data();
    for (index_t i = 0; i < rows; ++i) {
        double *b = buf + i * P_;
        std::fill(b, b + P_, 0.0);
        for (index_t k = x.indptr[i]; k < x.indptr[i + 1]; ++k) {
            const index_t j = x.indices[k];
            b[j] += signs_.at(j) * (x.vd != nullptr ? x.vd[k] : static_cast<double>(x.vf[k]));
        }
    }
    finish(rows, buf, out, ldo);
}

// ---- Gaussian -----------------------------------------------------------------------------------------------

Gaussian::Gaussian(const Params &p) : Sketch(Type::kGaussian, p, p.input_dim, 0, p.output_dim) {
    const index_t size = checked_mul(d1_, m_, "Gaussian sketch: SUBQ_P_INPUT_DIM x SUBQ_P_OUTPUT_DIM");
    checked_bytes(size, sizeof(double) + sizeof(float), "Gaussian sketch matrix");
    gt_.resize(static_cast<std::size_t>(size));
    gtf_.resize(static_cast<std::size_t>(size));
    const rng::Stream s = stream_of(Type::kGaussian, 0, 0, rng::kGaussian);
    const double scale = 1.0 / std::sqrt(static_cast<double>(m_));
    // Element e = j·m + r of gt_ is the first (e even) or second (e odd) normal of counter e/2: a pure function of
    // (seed, e), so the parallel fill is deterministic.
    // Small matrices are filled serially: an OpenMP region right before a BLAS call leaves spinning OpenMP threads
    // that slow the BLAS threads down on small machines.
    const int threads = size >= (index_t{1} << 18) ? thread_count(num_threads_) : 1;
    parallel_for(threads, d1_, [&](std::int64_t j) {
        const index_t e0 = j * m_, e1 = e0 + m_;
        for (index_t e = e0; e < e1;) {
            const auto g = rng::normal_pair(seed_, s, static_cast<std::uint64_t>(e) >> 1);
            if ((e & 1) == 0) {
                gt_[static_cast<std::size_t>(e)] = g.first * scale;
                if (e + 1 < e1) gt_[static_cast<std::size_t>(e + 1)] = g.second * scale;
                e += 2;
            } else {
                gt_[static_cast<std::size_t>(e)] = g.second * scale;
                e += 1;
            }
        }
        for (index_t e = e0; e < e1; ++e)
            gtf_[static_cast<std::size_t>(e)] = static_cast<float>(gt_[static_cast<std::size_t>(e)]);
    });
}

void Gaussian::dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &) const {
    for (index_t i = 0; i < rows; ++i) {
        double *o = out + i * ldo;
        std::fill(o, o + m_, 0.0);
        const double *xi = x + i * ldx;
        for (index_t j = 0; j < d1_; ++j) {
            const double xj = xi[j];
            if (xj == 0.0) continue;
            const double *g = gt_.data() + j * m_;
            for (index_t r = 0; r < m_; ++r) o[r] += xj * g[r];
        }
    }
}

void Gaussian::csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &) const {
    for (index_t i = 0; i < rows; ++i) {
        double *o = out + i * ldo;
        std::fill(o, o + m_, 0.0);
        for (index_t k = x.indptr[i]; k < x.indptr[i + 1]; ++k) {
            const double xj = x.vd != nullptr ? x.vd[k] : static_cast<double>(x.vf[k]);
            const double *g = gt_.data() + x.indices[k] * m_;
            for (index_t r = 0; r < m_; ++r) o[r] += xj * g[r];
        }
    }
}

bool Gaussian::apply_blas(const DenseView<const double> &x, const DenseView<double> &z) const {
    if (x.layout != z.layout || !fits_int({x.rows, d1_, m_, x.ld, z.ld})) return false;
    const bool row = x.layout == SUBQ_ROW_MAJOR;
    cblas_dgemm(row ? CblasRowMajor : CblasColMajor, CblasNoTrans, row ? CblasNoTrans : CblasTrans,
                static_cast<int>(x.rows), static_cast<int>(m_), static_cast<int>(d1_), 1.0, x.data,
                static_cast<int>(x.ld), gt_.data(), static_cast<int>(m_), 0.0, z.data, static_cast<int>(z.ld));
    return true;
}

bool Gaussian::apply_blas(const DenseView<const float> &x, const DenseView<float> &z) const {
    if (x.layout != z.layout || !fits_int({x.rows, d1_, m_, x.ld, z.ld})) return false;
    const bool row = x.layout == SUBQ_ROW_MAJOR;
    cblas_sgemm(row ? CblasRowMajor : CblasColMajor, CblasNoTrans, row ? CblasNoTrans : CblasTrans,
                static_cast<int>(x.rows), static_cast<int>(m_), static_cast<int>(d1_), 1.0f, x.data,
                static_cast<int>(x.ld), gtf_.data(), static_cast<int>(m_), 0.0f, z.data, static_cast<int>(z.ld));
    return true;
}

// ---- TensorSketch -------------------------------------------------------------------------------------------

TensorSketch::TensorSketch(const Params &p, index_t d2)
    : Sketch(Type::kTensorSketch, p, p.input_dim, d2, p.output_dim) {
    const int deg = static_cast<int>(p.degree);
    maps_.reserve(static_cast<std::size_t>(deg));
    for (int k = 0; k < deg; ++k) {
        const index_t dk = (k == 1 && d2 > 0) ? d2 : d1_;
        // Tables while all p of them stay small (at most 16·table_limit entries in total), else on the fly.
        const bool table = dk <= p.table_limit && dk * deg <= 16 * std::max<index_t>(p.table_limit, 1);
        maps_.emplace_back(p.seed, static_cast<int>(Type::kTensorSketch), static_cast<std::uint64_t>(k), dk,
                           static_cast<std::uint32_t>(m_), 1, 1.0, table);
    }
    plan_ = std::make_unique<fft::RealPlan>(m_);
}

void TensorSketch::prepare(Workspace &ws) const {
    ws.scratch.reset(static_cast<std::size_t>(m_));
    ws.c1.reset(static_cast<std::size_t>(m_ / 2 + 1));
    ws.c2.reset(static_cast<std::size_t>(m_ / 2 + 1));
}

void TensorSketch::accumulate(int k, Workspace &ws) const {
    if (k == 0) {
        plan_->forward(ws.scratch.data(), ws.c1.data());
        return;
    }
    plan_->forward(ws.scratch.data(), ws.c2.data());
    fftw_complex *acc = ws.c1.data();
    const fftw_complex *f = ws.c2.data();
    const index_t bins = m_ / 2 + 1;
    for (index_t c = 0; c < bins; ++c) {
        const double re = acc[c][0] * f[c][0] - acc[c][1] * f[c][1];
        const double im = acc[c][0] * f[c][1] + acc[c][1] * f[c][0];
        acc[c][0] = re;
        acc[c][1] = im;
    }
}

void TensorSketch::finish(Workspace &ws, double *o) const {
    double *r = ws.scratch.data();
    plan_->backward(ws.c1.data(), r);
    const double inv = 1.0 / static_cast<double>(m_);
    for (index_t k = 0; k < m_; ++k) o[k] = r[k] * inv;
}

void TensorSketch::dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo,
                              Workspace &ws) const {
    double *cs = ws.scratch.data();
    for (index_t i = 0; i < rows; ++i) {
        for (int k = 0; k < degree(); ++k) {
            std::fill(cs, cs + m_, 0.0);
            maps_[static_cast<std::size_t>(k)].add_dense(x + i * ldx, cs);
            accumulate(k, ws);
        }
        finish(ws, out + i * ldo);
    }
}

void TensorSketch::pair_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *out,
                             index_t ldo, Workspace &ws) const {
    double *cs = ws.scratch.data();
    for (index_t i = 0; i < rows; ++i) {
        for (int k = 0; k < 2; ++k) {
            std::fill(cs, cs + m_, 0.0);
            maps_[static_cast<std::size_t>(k)].add_dense(k == 0 ? a + i * lda : b + i * ldb, cs);
            accumulate(k, ws);
        }
        finish(ws, out + i * ldo);
    }
}

void TensorSketch::csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    double *cs = ws.scratch.data();
    for (index_t i = 0; i < rows; ++i) {
        const index_t k0 = x.indptr[i], nnz = x.indptr[i + 1] - k0;
        for (int k = 0; k < degree(); ++k) {
            std::fill(cs, cs + m_, 0.0);
            const HashMap &h = maps_[static_cast<std::size_t>(k)];
            if (x.vd != nullptr)
                h.add_sparse(x.indices + k0, x.vd + k0, nnz, cs);
            else
                h.add_sparse(x.indices + k0, x.vf + k0, nnz, cs);
            accumulate(k, ws);
        }
        finish(ws, out + i * ldo);
    }
}

// ---- TensorSRHT ---------------------------------------------------------------------------------------------

TensorSrht::TensorSrht(const Params &p, index_t d2)
    : Sketch(Type::kTensorSrht, p, p.input_dim, d2, p.output_dim),
      P1_(pad_pow2(p.input_dim, "SUBQ_P_INPUT_DIM")),
      P2_(pad_pow2(d2, "SUBQ_P_INPUT_DIM2")),
      s1_(p.seed, stream_of(Type::kTensorSrht, 0, 0, rng::kSigns1), p.input_dim, p.input_dim <= p.table_limit),
      s2_(p.seed, stream_of(Type::kTensorSrht, 0, 0, rng::kSigns2), d2, d2 <= p.table_limit),
      p_(draw_indices(p.balanced, p.seed, stream_of(Type::kTensorSrht, 0, 0, rng::kIndex1), p.output_dim, P1_)),
      q_(draw_indices(p.balanced, p.seed, stream_of(Type::kTensorSrht, 0, 0, rng::kIndex2), p.output_dim, P2_)),
      scale_(1.0 / std::sqrt(static_cast<double>(p.output_dim))) {}

void TensorSrht::prepare(Workspace &ws) const {
    ws.scratch.reset(static_cast<std::size_t>(ws.chunk * (P1_ + P2_)));
}

void TensorSrht::transform_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *A,
                                double *B) const {
    for (index_t i = 0; i < rows; ++i) {
        s1_.apply(a + i * lda, A + i * P1_, P1_);
        s2_.apply(b + i * ldb, B + i * P2_, P2_);
    }
    fwht::transform_many(A, P1_, rows, P1_);
    fwht::transform_many(B, P2_, rows, P2_);
}

void TensorSrht::sample_rows(const double *A, const double *B, index_t rows, double *out, index_t ldo) const {
    const std::uint32_t *p = p_.data(), *q = q_.data();
    const double scale = scale_;  // a local: stores through o could alias the member
    const index_t m = m_;
    for (index_t i = 0; i < rows; ++i) {
        const double *a = A + i * P1_, *b = B + i * P2_;
        double *o = out + i * ldo;
        for (index_t k = 0; k < m; ++k) o[k] = (a[p[k]] * b[q[k]]) * scale;
    }
}

void TensorSrht::dense_rows(const double *x, index_t ldx, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    pair_rows(x, ldx, x, ldx, rows, out, ldo, ws);
}

void TensorSrht::pair_rows(const double *a, index_t lda, const double *b, index_t ldb, index_t rows, double *out,
                           index_t ldo, Workspace &ws) const {
    double *A = ws.scratch.data();
    double *B = A + rows * P1_;
    transform_rows(a, lda, b, ldb, rows, A, B);
    sample_rows(A, B, rows, out, ldo);
}

void TensorSrht::csr_rows(const CsrRows &x, index_t rows, double *out, index_t ldo, Workspace &ws) const {
    double *A = ws.scratch.data();
    double *B = A + rows * P1_;
    std::fill(A, A + rows * (P1_ + P2_), 0.0);
    for (index_t i = 0; i < rows; ++i) {
        double *a = A + i * P1_, *b = B + i * P2_;
        for (index_t k = x.indptr[i]; k < x.indptr[i + 1]; ++k) {
            const index_t j = x.indices[k];
            const double v = x.vd != nullptr ? x.vd[k] : static_cast<double>(x.vf[k]);
            a[j] += s1_.at(j) * v;
            b[j] += s2_.at(j) * v;
        }
    }
    fwht::transform_many(A, P1_, rows, P1_);
    fwht::transform_many(B, P2_, rows, P2_);
    sample_rows(A, B, rows, out, ldo);
}

}  // namespace subq::sketch
