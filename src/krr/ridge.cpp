#include "krr/ridge.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "kernel/exact.hpp"

namespace subq::krr {

namespace {

constexpr std::uint64_t kKrrKindId = 6;  // SUBQ_KIND_KRR: the first element of its stream paths
constexpr index_t kGramBlock = 1024;     // rows per kernel-block GEMM of Nyström centres (8 MiB of workspace)

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string str(double v) {
    return std::to_string(v);
}
std::string str(index_t v) {
    return std::to_string(v);
}

int blas_int(index_t v, const char *what) {
    if (v < 0 || v > INT_MAX)
        fail(SUBQ_ERR_DIMENSION, std::string(what) + " = " + str(v) + " exceeds BLAS's 32-bit int");
    return static_cast<int>(v);
}

index_t auto_block_rows(index_t requested, index_t width, index_t n) {
    const index_t b =
        requested > 0 ? requested : std::clamp<index_t>((index_t{1} << 25) / std::max<index_t>(width, 1), 256, 8192);
    return std::max<index_t>(1, std::min(b, std::max<index_t>(n, 1)));
}

// Rows [r0, r0 + rows) of x as a view (no copy).
template <class T>
DenseView<const T> row_block(const DenseView<const T> &x, index_t r0, index_t rows) {
    DenseView<const T> v = x;
    v.data = x.row_ptr(r0);
    v.rows = rows;
    return v;
}

template <class T>
void gemm(CBLAS_TRANSPOSE ta, int m, int n, int k, const T *a, int lda, const T *b, int ldb, T *c, int ldc) {
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, ta, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

// CᵀC and CᵀY of some rows, accumulated in double (upper triangle of a; b is width × k). Float blocks are
// multiplied in float (ssyrk/sgemm into float scratch) and added into the double sums, except when `widen` (sources
// with a regularizer R): then they are widened to double first. The float Gram's rounding (~1e−7·‖CᵀC‖, not positive
// semi-definite) is dominated by λI for explicit features but not by λR when R = K(L, L) + δI is ill-conditioned
// (eigenvalues down to δ): it made CᵀC + λR indefinite (SUBQ_ERR_NUMERICAL after the retries, or silent retries to a
// 1000× λ). Widened, CᵀC is a Gram in double again (dsyrk: twice the time of ssyrk). The scratch buffers live as long
// as the accumulator, so a stream of blocks allocates them once.
struct Accumulator {
    index_t width = 0, k = 0, rows = 0;
    bool widen = false;
    std::vector<double> a, b;
    double yy = 0;  // Σ y²
    void init(index_t w, index_t outputs, bool widen_float) {
        width = w;
        k = outputs;
        widen = widen_float;
        a.assign(static_cast<std::size_t>(checked_mul(w, w, "the Gram matrix CᵀC")), 0.0);
        b.assign(static_cast<std::size_t>(checked_mul(w, outputs, "CᵀY")), 0.0);
    }
    // c: count × width row-major; y: count × k row-major (T).
    template <class T>
    void add(const T *c, const T *y, index_t count) {
        if (count == 0) return;
        if constexpr (std::is_same_v<T, float>) {
            if (widen) {
                wide_c_.assign(c, c + count * width);
                wide_y_.assign(y, y + count * k);
                add(wide_c_.data(), wide_y_.data(), count);
                return;
            }
        }
        const int w = blas_int(width, "the feature width"), r = blas_int(count, "block rows");
        if constexpr (std::is_same_v<T, double>) {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, w, r, 1.0, c, w, 1.0, a.data(), w);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, w, static_cast<int>(k), r, 1.0, c, w, y,
                        static_cast<int>(k), 1.0, b.data(), static_cast<int>(k));
        } else {
            float_gram_.resize(a.size());
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, w, r, 1.0f, c, w, 0.0f, float_gram_.data(), w);
            for (index_t i = 0; i < width; ++i)
                for (index_t j = i; j < width; ++j) a[i * width + j] += static_cast<double>(float_gram_[i * width + j]);
            float_cy_.resize(b.size());
            gemm<T>(CblasTrans, w, static_cast<int>(k), r, c, w, y, static_cast<int>(k), float_cy_.data(),
                    static_cast<int>(k));
            for (std::size_t i = 0; i < b.size(); ++i) b[i] += static_cast<double>(float_cy_[i]);
        }
        for (index_t i = 0; i < count * k; ++i) yy += static_cast<double>(y[i]) * static_cast<double>(y[i]);
        rows += count;
    }
    // Copies the upper triangle of a to the lower one, in 64 × 64 tiles (a row-by-column walk would miss the cache
    // on every element of an 8192² matrix).
    void symmetrize() {
        constexpr index_t tile = 64;
        for (index_t i0 = 0; i0 < width; i0 += tile)
            for (index_t j0 = 0; j0 <= i0; j0 += tile)
                for (index_t i = i0; i < std::min(i0 + tile, width); ++i)
                    for (index_t j = j0; j < std::min({j0 + tile, i, width}); ++j) a[i * width + j] = a[j * width + i];
    }

private:
    std::vector<float> float_gram_, float_cy_;  // a float block's CᵀC and CᵀY
    std::vector<double> wide_c_, wide_y_;       // a float block widened to double
};

// The regularizer R = r + jitter·I (r = nullptr: R = I).
struct Regularizer {
    const std::vector<double> *r = nullptr;
    double jitter = 0;
};

// Cholesky factorisation in place of a symmetric positive definite n × n row-major matrix whose upper triangle is
// set. LAPACK gets the same memory as the column-major lower triangle (row-major upper = column-major lower): the
// row-major LAPACKE interface would copy the whole matrix into a transposed buffer and back in every call (1.3 of
// 3.8 s per factorisation, and 0.5 s per solve, at n = 8192). The _work entry points skip LAPACKE's O(n²) NaN scan
// of the input: a NaN makes the factorisation fail or the weights non-finite, which the callers check. False if the
// matrix is not numerically positive definite.
bool factor_spd(std::vector<double> &m, index_t n) {
    const auto ni = static_cast<lapack_int>(n);
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, m.data(), ni) == 0;
}

// x := M⁻¹x for x row-major n × k, with M factored by factor_spd.
void solve_spd(const std::vector<double> &factor, index_t n, index_t k, double *x) {
    std::vector<double> t(static_cast<std::size_t>(n * k));  // x column-major
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < k; ++j) t[static_cast<std::size_t>(j * n + i)] = x[i * k + j];
    const auto ni = static_cast<lapack_int>(n);
    LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ni, static_cast<lapack_int>(k), factor.data(), ni, t.data(), ni);
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < k; ++j) x[i * k + j] = t[static_cast<std::size_t>(j * n + i)];
}

// Solves (a + λR) w = b by Cholesky; false if the matrix is not numerically positive definite. `m` is the scratch
// the factor is formed in: one buffer reused across a λ grid does not fault in a fresh width² matrix per λ.
bool cholesky_solve(const std::vector<double> &a, const Regularizer &reg, const std::vector<double> &b, index_t width,
                    index_t k, double lambda, std::vector<double> &m, std::vector<double> &w) {
    m.assign(a.begin(), a.end());
    if (reg.r != nullptr) {
        for (std::size_t i = 0; i < m.size(); ++i) m[i] += lambda * (*reg.r)[i];
        for (index_t i = 0; i < width; ++i) m[i * width + i] += lambda * reg.jitter;
    } else {
        for (index_t i = 0; i < width; ++i) m[i * width + i] += lambda;
    }
    if (!factor_spd(m, width)) return false;
    w = b;
    solve_spd(m, width, k, w.data());
    for (double v : w)
        if (!std::isfinite(v)) return false;
    return true;
}

// Score of the weights w on the held-out rows c (rows × width) with targets y (rows × k), lower is better: the mean
// squared error per row (Σ_j over the k outputs), or the error rate 1 − accuracy of the argmax over the outputs
// (against the argmax of the targets).
template <class T>
double holdout_score(Score score, const std::vector<T> &c, const std::vector<T> &y, index_t rows, index_t width,
                     index_t k, const std::vector<double> &w) {
    std::vector<T> wt(w.begin(), w.end()), p(static_cast<std::size_t>(rows * k));
    gemm<T>(CblasNoTrans, blas_int(rows, "held-out rows"), static_cast<int>(k), static_cast<int>(width), c.data(),
            static_cast<int>(width), wt.data(), static_cast<int>(k), p.data(), static_cast<int>(k));
    double total = 0;
    for (index_t i = 0; i < rows; ++i) {
        const T *pi = p.data() + i * k, *yi = y.data() + i * k;
        if (score == Score::kAccuracy) {
            total += (std::max_element(pi, pi + k) - pi) != (std::max_element(yi, yi + k) - yi);
        } else {
            for (index_t j = 0; j < k; ++j) {
                const double e = static_cast<double>(pi[j]) - static_cast<double>(yi[j]);
                total += e * e;
            }
        }
    }
    return total / static_cast<double>(rows);
}

// R = LLᵀ (lower factor, row-major); then a := L⁻¹aL⁻ᵀ and b := L⁻¹b. Returns L. As in factor_spd, LAPACK factors
// the memory in place: the row-major lower triangle is the column-major upper one, and R = UᵀU there is R = LLᵀ
// here, without the transposed copy LAPACKE's row-major interface would make.
std::vector<double> whiten(const Regularizer &reg, index_t n, std::vector<double> &a, std::vector<double> *b,
                           index_t k) {
    std::vector<double> l = *reg.r;
    for (index_t i = 0; i < n; ++i) l[static_cast<std::size_t>(i * n + i)] += reg.jitter;
    const auto ni = static_cast<lapack_int>(n);
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', ni, l.data(), ni) != 0)
        fail(SUBQ_ERR_NUMERICAL, "the regularizer K(L, L) + δI is not numerically positive definite");
    const int nn = static_cast<int>(n);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, nn, nn, 1.0, l.data(), nn, a.data(),
                nn);
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, nn, nn, 1.0, l.data(), nn, a.data(),
                nn);
    if (b != nullptr)
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, nn, static_cast<int>(k), 1.0,
                    l.data(), nn, b->data(), static_cast<int>(k));
    return l;
}

// Eigenvalues (ascending) of the symmetric a, eigenvectors in place (column j of the row-major a).
std::vector<double> eigen(std::vector<double> &a, index_t n) {
    std::vector<double> w(static_cast<std::size_t>(n));
    const auto ni = static_cast<lapack_int>(n);
    const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', ni, a.data(), ni, w.data());
    if (info != 0)
        fail(SUBQ_ERR_NUMERICAL,
             "the eigendecomposition of the feature Gram failed (LAPACKE_dsyevd info = " + std::to_string(info) + ")");
    return w;
}

// The checks every fit makes of x (n × d, n >= 1) and y (n × k, k >= 1): shapes, then NaN/Inf naming the row.
template <class T>
void check_fit_inputs(const DenseView<const T> &x, const DenseView<const double> &y) {
    if (x.rows < 1) fail(SUBQ_ERR_DIMENSION, "no rows to fit");
    if (y.rows != x.rows) fail(SUBQ_ERR_DIMENSION, "y has " + str(y.rows) + " rows, x has " + str(x.rows));
    if (y.cols < 1) fail(SUBQ_ERR_DIMENSION, "y has no columns (k must be >= 1)");
    require_finite("x", x);
    require_finite("y", y);
}

// Calls the progress callback, if any, after `done` of `total` rows; SUBQ_ERR_CANCELLED if it asks to stop.
void report_progress(const Options &options, index_t done, index_t total) {
    if (options.progress && !options.progress(done, total))
        fail(SUBQ_ERR_CANCELLED,
             "the progress callback cancelled the fit after " + str(done) + " of " + str(total) + " rows");
}

// ---- sources -------------------------------------------------------------------------------------------------------

template <class T>
double sum_squares(const T *c, index_t rows, index_t width) {
    double s = 0;
    for (index_t i = 0; i < rows * width; ++i) s += static_cast<double>(c[i]) * static_cast<double>(c[i]);
    return s;
}

template <class Map>
class MapSource final : public FeatureSource {
public:
    MapSource(const Map &map, std::string name) : map_(map), name_(std::move(name)) {}
    index_t input_dim() const override { return map_.input_dim(); }
    index_t width() const override { return map_.output_dim(); }
    void rows(const DenseView<const double> &x, double *c) const override { apply(x, c); }
    void rows(const DenseView<const float> &x, float *c) const override { apply(x, c); }
    std::string name() const override { return name_; }

private:
    template <class T>
    void apply(const DenseView<const T> &x, T *c) const {
        map_.apply(x, DenseView<T>{c, x.rows, width(), width(), SUBQ_ROW_MAJOR});
    }
    const Map &map_;
    std::string name_;
};

class NystromSource final : public FeatureSource {
public:
    explicit NystromSource(const kernel::Nystrom &map) : map_(map) {
        if (!map.fitted())
            fail(SUBQ_ERR_STATE, "the Nyström map has no landmarks yet; call fit() or set_landmarks() first");
        const index_t m = map.output_dim();
        const auto &kll = map.landmark_gram();
        double top = 0;
        for (index_t i = 0; i < m; ++i) top = std::max(top, kll[static_cast<std::size_t>(i * m + i)]);
        jitter_ = kNystromJitter * (top > 0 ? top : 1.0);
        landmarks_f_.assign(map.landmarks().begin(), map.landmarks().end());
    }
    index_t input_dim() const override { return map_.input_dim(); }
    index_t width() const override { return map_.output_dim(); }
    void rows(const DenseView<const double> &x, double *c) const override {
        const DenseView<const double> l{map_.landmarks().data(), width(), input_dim(), input_dim(), SUBQ_ROW_MAJOR};
        kernel::gram(map_.kernel(), x, l, DenseView<double>{c, x.rows, width(), width(), SUBQ_ROW_MAJOR},
                     kernel::GramOptions{kGramBlock, map_.num_threads()});
    }
    void rows(const DenseView<const float> &x, float *c) const override {
        const DenseView<const float> l{landmarks_f_.data(), width(), input_dim(), input_dim(), SUBQ_ROW_MAJOR};
        kernel::gram(map_.kernel(), x, l, DenseView<float>{c, x.rows, width(), width(), SUBQ_ROW_MAJOR},
                     kernel::GramOptions{kGramBlock, map_.num_threads()});
    }
    double diagonal_sum(const DenseView<const double> &x, const double *) const override { return diag(x); }
    double diagonal_sum(const DenseView<const float> &x, const float *) const override { return diag(x); }
    const std::vector<double> *regularizer() const override { return &map_.landmark_gram(); }
    double jitter() const override { return jitter_; }
    std::string name() const override { return "nystrom"; }

private:
    template <class T>
    double diag(const DenseView<const T> &x) const {
        double s = 0, v = 0;
        std::vector<double> row(static_cast<std::size_t>(x.cols));
        for (index_t i = 0; i < x.rows; ++i) {
            for (index_t j = 0; j < x.cols; ++j) row[static_cast<std::size_t>(j)] = static_cast<double>(x(i, j));
            const DenseView<const double> rv{row.data(), 1, x.cols, x.cols, SUBQ_ROW_MAJOR};
            kernel::gram(map_.kernel(), rv, rv, DenseView<double>{&v, 1, 1, 1, SUBQ_ROW_MAJOR});
            s += v;
        }
        return s;
    }
    const kernel::Nystrom &map_;
    double jitter_ = 0;
    std::vector<float> landmarks_f_;
};

class IdentitySource final : public FeatureSource {
public:
    explicit IdentitySource(index_t dim) : dim_(dim) {
        if (dim < 1) fail(SUBQ_ERR_DIMENSION, "the feature dimension must be >= 1, got " + str(dim));
    }
    index_t input_dim() const override { return dim_; }
    index_t width() const override { return dim_; }
    void rows(const DenseView<const double> &x, double *c) const override { copy(x, c); }
    void rows(const DenseView<const float> &x, float *c) const override { copy(x, c); }
    std::string name() const override { return "features"; }

private:
    template <class T>
    void copy(const DenseView<const T> &x, T *c) const {
        for (index_t i = 0; i < x.rows; ++i)
            for (index_t j = 0; j < dim_; ++j) c[i * dim_ + j] = x(i, j);
    }
    index_t dim_;
};

template <class T>
std::vector<T> to_row_major(const DenseView<const double> &y, index_t r0, index_t rows) {
    std::vector<T> out(static_cast<std::size_t>(rows * y.cols));
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < y.cols; ++j)
            out[static_cast<std::size_t>(i * y.cols + j)] = static_cast<T>(y(r0 + i, j));
    return out;
}

// ---- sketch-preconditioned conjugate gradient ------------------------------------------------------------------

// Rough flop counts of the two solvers for one λ (see the file comment of ridge.hpp).
double cholesky_cost(double n, double width) {
    return n * width * width + width * width * width / 3;
}
double pcg_cost(double n, double width, double k, double sketch_rows) {
    return sketch_rows * width * width + width * width * width / 3 + kPcgAssumedIterations * 4 * n * width * k;
}

// (CᵀC + λR) W = CᵀY by conjugate gradients on the stored features c (n × width), k right-hand sides at once (each
// column has its own step lengths; the products are batched GEMMs), preconditioned by the Cholesky factor of
// (SC)ᵀ(SC) + λR, S an OSNAP sketch of the rows (s rows, kPcgSparsity nonzeros ±1/√kPcgSparsity per row of C, one
// in each of kPcgSparsity blocks of s/kPcgSparsity rows). Returns the iterations of the slowest column.
template <class T>
index_t pcg_solve(const std::vector<T> &c, const std::vector<T> &y, index_t n, index_t width, index_t k,
                  const Regularizer &reg, double lambda, index_t sketch_rows, double tolerance, index_t max_iterations,
                  std::uint64_t seed, std::vector<double> &w) {
    const int wi = static_cast<int>(width), ki = static_cast<int>(k), ni = blas_int(n, "rows");
    // SC (s × width, double) and the preconditioner M = (SC)ᵀ(SC) + λR = LLᵀ.
    const index_t block = sketch_rows / kPcgSparsity;
    std::vector<double> sc(static_cast<std::size_t>(checked_mul(sketch_rows, width, "the sketched features")), 0.0);
    const rng::Stream hs = rng::stream({kKrrKindId, 1, 0, 0, rng::kHash}),
                      ss = rng::stream({kKrrKindId, 1, 0, 0, rng::kSign});
    const double scale = 1 / std::sqrt(static_cast<double>(kPcgSparsity));
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < kPcgSparsity; ++j) {
            const auto e = static_cast<std::uint64_t>(i * kPcgSparsity + j);
            const index_t row = j * block + rng::index_below(seed, hs, e, static_cast<std::uint32_t>(block));
            const double v = scale * rng::sign(seed, ss, e);
            double *out = sc.data() + row * width;
            const T *in = c.data() + i * width;
            for (index_t q = 0; q < width; ++q) out[q] += v * static_cast<double>(in[q]);
        }
    std::vector<double> m(static_cast<std::size_t>(width * width), 0.0);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, wi, static_cast<int>(sketch_rows), 1.0, sc.data(), wi, 0.0,
                m.data(), wi);
    sc = std::vector<double>();
    for (index_t i = 0; i < width; ++i)
        for (index_t j = i; j < width; ++j)
            m[i * width + j] += lambda * ((reg.r != nullptr ? (*reg.r)[i * width + j] : 0.0) +
                                          (i == j ? (reg.r != nullptr ? reg.jitter : 1.0) : 0.0));
    if (!factor_spd(m, width))
        fail(SUBQ_ERR_NUMERICAL, "the sketched preconditioner (SC)ᵀ(SC) + λR is not positive definite");
    auto precondition = [&](std::vector<double> &v) { solve_spd(m, width, k, v.data()); };
    // A·v = Cᵀ(C v) + λ R v, v width × k.
    std::vector<T> vt(static_cast<std::size_t>(width * k)), cv(static_cast<std::size_t>(n * k)),
        ct(static_cast<std::size_t>(width * k));
    auto apply = [&](const std::vector<double> &v, std::vector<double> &out) {
        std::copy(v.begin(), v.end(), vt.begin());
        gemm<T>(CblasNoTrans, ni, ki, wi, c.data(), wi, vt.data(), ki, cv.data(), ki);
        gemm<T>(CblasTrans, wi, ki, ni, c.data(), wi, cv.data(), ki, ct.data(), ki);
        out.assign(ct.begin(), ct.end());
        if (reg.r != nullptr) {
            cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, wi, ki, lambda, reg.r->data(), wi, v.data(), ki, 1.0,
                        out.data(), ki);
            for (std::size_t i = 0; i < out.size(); ++i) out[i] += lambda * reg.jitter * v[i];
        } else {
            for (std::size_t i = 0; i < out.size(); ++i) out[i] += lambda * v[i];
        }
    };
    // b = CᵀY; start from W = M⁻¹b (the sketched solution).
    std::vector<double> b(static_cast<std::size_t>(width * k));
    {
        std::vector<T> yt(y.begin(), y.end());
        gemm<T>(CblasTrans, wi, ki, ni, c.data(), wi, yt.data(), ki, ct.data(), ki);
        b.assign(ct.begin(), ct.end());
    }
    w = b;
    precondition(w);
    std::vector<double> r(b.size()), z, p, q(b.size());
    apply(w, q);
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = b[i] - q[i];
    z = r;
    precondition(z);
    p = z;
    std::vector<double> bnorm(static_cast<std::size_t>(k), 0.0), rz(static_cast<std::size_t>(k), 0.0);
    for (index_t i = 0; i < width; ++i)
        for (index_t j = 0; j < k; ++j) {
            bnorm[j] += b[i * k + j] * b[i * k + j];
            rz[j] += r[i * k + j] * z[i * k + j];
        }
    std::vector<char> done(static_cast<std::size_t>(k), 0);
    index_t it = 0;
    for (;; ++it) {
        bool all = true;
        for (index_t j = 0; j < k; ++j) {
            double rr = 0;
            for (index_t i = 0; i < width; ++i) rr += r[i * k + j] * r[i * k + j];
            if (rr <= tolerance * tolerance * bnorm[j]) done[j] = 1;
            all = all && done[j];
        }
        if (all) break;
        if (it == max_iterations)
            fail(SUBQ_ERR_NOT_CONVERGED, "preconditioned CG did not reach the tolerance " + str(tolerance) + " in " +
                                             str(max_iterations) + " iterations");
        apply(p, q);
        for (index_t j = 0; j < k; ++j) {
            if (done[j]) continue;
            double pq = 0;
            for (index_t i = 0; i < width; ++i) pq += p[i * k + j] * q[i * k + j];
            const double alpha = rz[j] / pq;
            for (index_t i = 0; i < width; ++i) {
                w[i * k + j] += alpha * p[i * k + j];
                r[i * k + j] -= alpha * q[i * k + j];
            }
        }
        z = r;
        precondition(z);
        for (index_t j = 0; j < k; ++j) {
            if (done[j]) continue;
            double rz_new = 0;
            for (index_t i = 0; i < width; ++i) rz_new += r[i * k + j] * z[i * k + j];
            const double beta = rz_new / rz[j];
            rz[j] = rz_new;
            for (index_t i = 0; i < width; ++i) p[i * k + j] = z[i * k + j] + beta * p[i * k + j];
        }
    }
    for (double v : w)
        if (!std::isfinite(v)) fail(SUBQ_ERR_NUMERICAL, "preconditioned CG produced non-finite weights");
    return it;
}

}  // namespace

double FeatureSource::diagonal_sum(const DenseView<const double> &x, const double *c) const {
    return sum_squares(c, x.rows, width());
}
double FeatureSource::diagonal_sum(const DenseView<const float> &x, const float *c) const {
    return sum_squares(c, x.rows, width());
}

std::unique_ptr<FeatureSource> taylor_features(const kernel::FeatureMap &map) {
    return std::make_unique<MapSource<kernel::FeatureMap>>(map, "taylor");
}
std::unique_ptr<FeatureSource> fourier_features(const kernel::RandomFourier &map) {
    return std::make_unique<MapSource<kernel::RandomFourier>>(map, "rff");
}
std::unique_ptr<FeatureSource> nystrom_centres(const kernel::Nystrom &map) {
    return std::make_unique<NystromSource>(map);
}
std::unique_ptr<FeatureSource> identity_features(index_t dim) {
    return std::make_unique<IdentitySource>(dim);
}

void validate(const Options &o) {
    auto bad = [](const std::string &what) { fail(SUBQ_ERR_PARAM_RANGE, what); };
    if (!(o.lambda >= 0) || !std::isfinite(o.lambda)) bad("lambda = " + str(o.lambda) + " must be > 0 (or 0: select)");
    if (o.score != Score::kSquaredError && o.score != Score::kAccuracy)
        bad("hold-out score " + std::to_string(static_cast<int>(o.score)) +
            " is not squared error (1) or accuracy (2)");
    if (o.select != Select::kHoldout && o.select != Select::kGcv)
        bad("lambda selection " + std::to_string(static_cast<int>(o.select)) + " is not holdout (1) or gcv (2)");
    if (!(o.holdout_fraction > 0 && o.holdout_fraction < 1))
        bad("holdout fraction " + str(o.holdout_fraction) + " must be in (0, 1)");
    if (!(o.grid_min > 0) || !(o.grid_max >= o.grid_min) || !std::isfinite(o.grid_max))
        bad("the λ grid [" + str(o.grid_min) + ", " + str(o.grid_max) + "] must satisfy 0 < min <= max < inf");
    if (o.grid_points < 1 || o.grid_points > 1000) bad("grid points " + str(o.grid_points) + " must be in 1..1000");
    if (o.solver != Solver::kAuto && o.solver != Solver::kCholesky && o.solver != Solver::kPcg)
        bad("solver " + std::to_string(static_cast<int>(o.solver)) + " is not auto (0), cholesky (1) or pcg (2)");
    if (o.solver == Solver::kPcg && o.lambda == 0)
        fail(SUBQ_ERR_INVALID_ARG, "the PCG solver needs a fixed λ > 0 (λ selection uses the Cholesky solver)");
    if (o.sketch_rows < 0) bad("sketch rows " + str(o.sketch_rows) + " must be >= 0");
    if (!(o.pcg_tolerance > 0 && o.pcg_tolerance < 1))
        bad("PCG tolerance " + str(o.pcg_tolerance) + " must be in (0, 1)");
    if (o.pcg_max_iterations < 1) bad("PCG iterations " + str(o.pcg_max_iterations) + " must be >= 1");
    if (o.block_rows < 0) bad("block rows " + str(o.block_rows) + " must be >= 0");
}

template <class T>
std::unique_ptr<Ridge> Ridge::fit(const FeatureSource &source, const DenseView<const T> &x,
                                  const DenseView<const double> &y, const Options &options) {
    validate(options);
    const index_t n = x.rows, d = source.input_dim(), width = source.width(), k = y.cols;
    if (x.cols != d) fail(SUBQ_ERR_DIMENSION, "x has " + str(x.cols) + " columns, the features expect " + str(d));
    check_fit_inputs(x, y);
    blas_int(width, "the feature width");

    const bool selecting = options.lambda == 0;
    const bool holdout = selecting && options.select == Select::kHoldout;
    const Regularizer r{source.regularizer(), source.jitter()};
    auto model = std::unique_ptr<Ridge>(new Ridge());
    Report &rep = model->report_;
    model->source_ = &source;
    model->options_ = options;
    model->width_ = width;
    model->k_ = k;

    const index_t sketch_rows =
        (std::max<index_t>(options.sketch_rows > 0 ? options.sketch_rows : 2 * width, kPcgSparsity) + kPcgSparsity -
         1) /
        kPcgSparsity * kPcgSparsity;
    const double nd = static_cast<double>(n), wd = static_cast<double>(width);
    const bool pcg =
        options.solver == Solver::kPcg ||
        (options.solver == Solver::kAuto && !selecting &&
         nd * wd * static_cast<double>(sizeof(T)) <= kPcgMaxFeatureBytes &&
         pcg_cost(nd, wd, static_cast<double>(k), static_cast<double>(sketch_rows)) < 0.5 * cholesky_cost(nd, wd));
    if (pcg) {
        std::vector<T> all(static_cast<std::size_t>(checked_mul(n, width, "the stored features (PCG)")));
        double diag_sum = 0;
        const index_t block = auto_block_rows(options.block_rows, width, n);
        for (index_t r0 = 0; r0 < n; r0 += block) {
            const index_t rows = std::min(block, n - r0);
            const auto xb = row_block(x, r0, rows);
            const auto t0 = Clock::now();
            source.rows(xb, all.data() + r0 * width);
            diag_sum += source.diagonal_sum(xb, all.data() + r0 * width);
            rep.seconds_features += seconds_since(t0);
            report_progress(options, r0 + rows, n);
        }
        const auto t_solve = Clock::now();
        rep.rows = n;
        rep.scale = diag_sum / nd;
        rep.solver = Solver::kPcg;
        rep.lambda = options.lambda;
        rep.iterations = pcg_solve(all, to_row_major<T>(y, 0, n), n, width, k, r, options.lambda, sketch_rows,
                                   options.pcg_tolerance, options.pcg_max_iterations, options.seed, model->w_);
        rep.seconds_solve = seconds_since(t_solve);
        return model;
    }

    Accumulator fit_part;
    fit_part.init(width, k, r.r != nullptr);
    const index_t block = auto_block_rows(options.block_rows, width, n);
    std::vector<T> c(static_cast<std::size_t>(checked_mul(block, width, "a feature block"))), split;
    std::vector<T> ysplit;
    std::vector<T> held_c, held_y;  // hold-out: the held-out rows' features and targets, kept to score models
    if (holdout) {  // about fraction·n rows (sd < √n/2) are held out: reserved once rather than grown by doubling
        const auto expected = std::min<index_t>(
            n, static_cast<index_t>(options.holdout_fraction * static_cast<double>(n) + 3 * std::sqrt(n) + 1));
        held_c.reserve(static_cast<std::size_t>(checked_mul(expected, width, "the held-out features")));
        held_y.reserve(static_cast<std::size_t>(expected * k));
    }
    double diag_sum = 0;
    const rng::Stream stream = rng::stream({kKrrKindId, 0, 0, 0, rng::kUniform});
    for (index_t r0 = 0; r0 < n; r0 += block) {
        const index_t rows = std::min(block, n - r0);
        const auto xb = row_block(x, r0, rows);
        auto t0 = Clock::now();
        source.rows(xb, c.data());
        diag_sum += source.diagonal_sum(xb, c.data());
        rep.seconds_features += seconds_since(t0);
        t0 = Clock::now();
        const std::vector<T> yb = to_row_major<T>(y, r0, rows);
        if (!holdout) {
            fit_part.add(c.data(), yb.data(), rows);
        } else {
            // Rows kept for fitting are packed to the front of `split`; held-out rows are appended to held_c.
            split.resize(static_cast<std::size_t>(rows * width));
            ysplit.resize(static_cast<std::size_t>(rows * k));
            index_t kept = 0;
            for (index_t i = 0; i < rows; ++i) {
                const T *ci = c.data() + i * width;
                const T *yi = yb.data() + i * k;
                if (rng::uniform(options.seed, stream, static_cast<std::uint64_t>(r0 + i)) < options.holdout_fraction) {
                    held_c.insert(held_c.end(), ci, ci + width);
                    held_y.insert(held_y.end(), yi, yi + k);
                } else {
                    std::copy_n(ci, width, split.data() + kept * width);
                    std::copy_n(yi, k, ysplit.data() + kept * k);
                    ++kept;
                }
            }
            fit_part.add(split.data(), ysplit.data(), kept);
        }
        rep.seconds_gram += seconds_since(t0);
        report_progress(options, r0 + rows, n);
    }
    const auto t_solve = Clock::now();
    fit_part.symmetrize();
    rep.rows = n;
    rep.scale = diag_sum / static_cast<double>(n);
    const double scale = rep.scale > 0 ? rep.scale : 1.0;
    std::vector<double> w, factor;
    double lambda = options.lambda;
    if (selecting) {
        for (index_t j = 0; j < options.grid_points; ++j) {
            const double e0 = std::log10(options.grid_min), e1 = std::log10(options.grid_max);
            const double e = options.grid_points == 1 ? e0
                                                      : e0 + (e1 - e0) * static_cast<double>(j) /
                                                                 static_cast<double>(options.grid_points - 1);
            rep.grid.push_back(scale * std::pow(10.0, e));
        }
        if (holdout) {
            const index_t held = static_cast<index_t>(held_y.size()) / k;
            rep.holdout_rows = held;
            if (fit_part.rows == 0 || held == 0)
                fail(SUBQ_ERR_INVALID_ARG,
                     "hold-out selection of λ needs rows on both sides of the split: " + str(fit_part.rows) + " fit, " +
                         str(held) + " held out (more rows, another holdout fraction, or a fixed λ)");
            for (double lam : rep.grid)
                rep.grid_score.push_back(cholesky_solve(fit_part.a, r, fit_part.b, width, k, lam, factor, w)
                                             ? holdout_score(options.score, held_c, held_y, held, width, k, w)
                                             : std::numeric_limits<double>::infinity());
            // Refit on all rows: add the held-out rows to the sums. The factor's scratch is released first so
            // that it and the widened held-out rows are not held at the same time (peak memory).
            factor = std::vector<double>();
            for (index_t h0 = 0; h0 < held; h0 += block)  // adds to the upper triangle
                fit_part.add(held_c.data() + h0 * width, held_y.data() + h0 * k, std::min(block, held - h0));
            fit_part.symmetrize();
            held_c = std::vector<T>();
        } else {  // GCV from the eigendecomposition of the (whitened) Gram
            std::vector<double> a = fit_part.a, b = fit_part.b;
            if (r.r != nullptr) whiten(r, width, a, &b, k);
            const std::vector<double> ev = eigen(a, width);
            std::vector<double> proj(static_cast<std::size_t>(width * k));  // Vᵀb
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(width), static_cast<int>(k),
                        static_cast<int>(width), 1.0, a.data(), static_cast<int>(width), b.data(), static_cast<int>(k),
                        0.0, proj.data(), static_cast<int>(k));
            const double nn = static_cast<double>(n);
            for (double lam : rep.grid) {
                double df = 0, rss = fit_part.yy;
                for (index_t i = 0; i < width; ++i) {
                    const double li = std::max(ev[static_cast<std::size_t>(i)], 0.0), den = li + lam;
                    double p2 = 0;
                    for (index_t c2 = 0; c2 < k; ++c2) p2 += proj[i * k + c2] * proj[i * k + c2];
                    df += li / den;
                    rss -= p2 * (2 / den - li / (den * den));
                }
                rep.grid_score.push_back(df < nn ? nn * std::max(rss, 0.0) / ((nn - df) * (nn - df))
                                                 : std::numeric_limits<double>::infinity());
            }
        }
        std::size_t best = 0;
        for (std::size_t j = 1; j < rep.grid.size(); ++j)  // ties go to the larger λ
            if (rep.grid_score[j] <= rep.grid_score[best]) best = j;
        if (!std::isfinite(rep.grid_score[best]))
            fail(SUBQ_ERR_NUMERICAL, "no λ of the grid gave a positive definite system (features degenerate?)");
        lambda = rep.grid[best];
    }
    int retries = 0;
    while (!cholesky_solve(fit_part.a, r, fit_part.b, width, k, lambda, factor, w)) {
        if (++retries > kMaxRetries)
            fail(SUBQ_ERR_NUMERICAL, "CᵀC + λR is not positive definite even with λ = " + str(lambda) + " (after " +
                                         std::to_string(kMaxRetries) + " tenfold increases); the system is singular");
        lambda *= 10;
    }
    rep.lambda = lambda;
    rep.retries = retries;
    rep.seconds_solve = seconds_since(t_solve);
    model->w_ = std::move(w);
    return model;
}

template <class T>
void Ridge::predict(const DenseView<const T> &x, const DenseView<double> &out) const {
    const index_t n = x.rows, width = width_, k = k_;
    if (x.cols != input_dim())
        fail(SUBQ_ERR_DIMENSION, "x has " + str(x.cols) + " columns, the model expects " + str(input_dim()));
    if (out.rows != n || out.cols != k)
        fail(SUBQ_ERR_DIMENSION,
             "out is " + str(out.rows) + " x " + str(out.cols) + ", expected " + str(n) + " x " + str(k));
    require_finite("x", x);
    const index_t block = auto_block_rows(options_.block_rows, width, n);
    std::vector<T> c(static_cast<std::size_t>(block * width)), wt(w_.begin(), w_.end()),
        o(static_cast<std::size_t>(block * k));
    for (index_t r0 = 0; r0 < n; r0 += block) {
        const index_t rows = std::min(block, n - r0);
        source_->rows(row_block(x, r0, rows), c.data());
        gemm<T>(CblasNoTrans, static_cast<int>(rows), static_cast<int>(k), static_cast<int>(width), c.data(),
                static_cast<int>(width), wt.data(), static_cast<int>(k), o.data(), static_cast<int>(k));
        for (index_t i = 0; i < rows; ++i)
            for (index_t j = 0; j < k; ++j) out(r0 + i, j) = static_cast<double>(o[i * k + j]);
    }
}

template std::unique_ptr<Ridge> Ridge::fit(const FeatureSource &, const DenseView<const double> &,
                                           const DenseView<const double> &, const Options &);
template std::unique_ptr<Ridge> Ridge::fit(const FeatureSource &, const DenseView<const float> &,
                                           const DenseView<const double> &, const Options &);
template void Ridge::predict(const DenseView<const double> &, const DenseView<double> &) const;
template void Ridge::predict(const DenseView<const float> &, const DenseView<double> &) const;

// ---- exact KRR -----------------------------------------------------------------------------------------------------

std::unique_ptr<ExactRidge> ExactRidge::fit(const kernel::KernelParams &kernel, const DenseView<const double> &x,
                                            const DenseView<const double> &y, double lambda, std::int64_t num_threads) {
    kernel::validate(kernel);
    if (!(lambda > 0) || !std::isfinite(lambda))
        fail(SUBQ_ERR_PARAM_RANGE, "lambda = " + str(lambda) + " must be > 0 and finite");
    const index_t n = x.rows, d = x.cols, k = y.cols;
    check_fit_inputs(x, y);
    blas_int(n, "rows");
    std::vector<double> g(static_cast<std::size_t>(checked_mul(n, n, "the kernel matrix")));
    kernel::gram(kernel, x, x, DenseView<double>{g.data(), n, n, n, SUBQ_ROW_MAJOR}, {0, num_threads});
    for (index_t i = 0; i < n; ++i) g[static_cast<std::size_t>(i * n + i)] += lambda;
    if (!factor_spd(g, n))
        fail(SUBQ_ERR_NUMERICAL, "K + λI is not numerically positive definite (λ = " + str(lambda) + ")");
    auto model = std::unique_ptr<ExactRidge>(new ExactRidge());
    model->alpha_ = to_row_major<double>(y, 0, n);
    solve_spd(g, n, k, model->alpha_.data());
    model->x_.resize(static_cast<std::size_t>(n * d));
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < d; ++j) model->x_[static_cast<std::size_t>(i * d + j)] = x(i, j);
    model->kernel_ = kernel;
    model->n_ = n;
    model->d_ = d;
    model->k_ = k;
    model->lambda_ = lambda;
    model->num_threads_ = num_threads;
    return model;
}

void ExactRidge::predict(const DenseView<const double> &x, const DenseView<double> &out) const {
    if (x.cols != d_) fail(SUBQ_ERR_DIMENSION, "x has " + str(x.cols) + " columns, the model expects " + str(d_));
    if (out.rows != x.rows || out.cols != k_)
        fail(SUBQ_ERR_DIMENSION,
             "out is " + str(out.rows) + " x " + str(out.cols) + ", expected " + str(x.rows) + " x " + str(k_));
    require_finite("x", x);
    const index_t block = auto_block_rows(0, n_, x.rows);
    std::vector<double> g(static_cast<std::size_t>(block * n_)), o(static_cast<std::size_t>(block * k_));
    const DenseView<const double> train{x_.data(), n_, d_, d_, SUBQ_ROW_MAJOR};
    for (index_t r0 = 0; r0 < x.rows; r0 += block) {
        const index_t rows = std::min(block, x.rows - r0);
        kernel::gram(kernel_, row_block(x, r0, rows), train, DenseView<double>{g.data(), rows, n_, n_, SUBQ_ROW_MAJOR},
                     {0, num_threads_});
        gemm<double>(CblasNoTrans, static_cast<int>(rows), static_cast<int>(k_), static_cast<int>(n_), g.data(),
                     static_cast<int>(n_), alpha_.data(), static_cast<int>(k_), o.data(), static_cast<int>(k_));
        for (index_t i = 0; i < rows; ++i)
            for (index_t j = 0; j < k_; ++j) out(r0 + i, j) = o[static_cast<std::size_t>(i * k_ + j)];
    }
}

// ---- low rank ------------------------------------------------------------------------------------------------------

template <class T>
void low_rank(const FeatureSource &source, const DenseView<const T> &x, index_t rank, const DenseView<double> &f,
              index_t block_rows) {
    const index_t n = x.rows, width = source.width();
    if (x.cols != source.input_dim())
        fail(SUBQ_ERR_DIMENSION, "x has " + str(x.cols) + " columns, the features expect " + str(source.input_dim()));
    if (rank < 1 || rank > width)
        fail(SUBQ_ERR_DIMENSION, "rank " + str(rank) + " must be in 1.." + str(width) + " (the feature width)");
    if (f.rows != n || f.cols != rank)
        fail(SUBQ_ERR_DIMENSION,
             "f is " + str(f.rows) + " x " + str(f.cols) + ", expected " + str(n) + " x " + str(rank));
    if (block_rows < 0) fail(SUBQ_ERR_PARAM_RANGE, "block rows " + str(block_rows) + " must be >= 0");
    blas_int(width, "the feature width");
    require_finite("x", x);
    const index_t block = auto_block_rows(block_rows, width, n);
    std::vector<T> c(static_cast<std::size_t>(checked_mul(block, width, "a feature block")));
    Accumulator acc;
    acc.init(width, 1, source.regularizer() != nullptr);
    std::vector<T> zeros(static_cast<std::size_t>(block));
    for (index_t r0 = 0; r0 < n; r0 += block) {
        const index_t rows = std::min(block, n - r0);
        source.rows(row_block(x, r0, rows), c.data());
        acc.add(c.data(), zeros.data(), rows);
    }
    acc.symmetrize();
    std::vector<double> a = acc.a, l;
    const Regularizer r{source.regularizer(), source.jitter()};
    if (r.r != nullptr) l = whiten(r, width, a, nullptr, 1);
    eigen(a, width);  // ascending: the top `rank` eigenvectors are the last columns
    std::vector<double> p(static_cast<std::size_t>(width * rank));
    for (index_t i = 0; i < width; ++i)
        for (index_t j = 0; j < rank; ++j) p[static_cast<std::size_t>(i * rank + j)] = a[i * width + (width - 1 - j)];
    if (r.r != nullptr)  // C·L⁻ᵀ·V: p := L⁻ᵀp
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, static_cast<int>(width),
                    static_cast<int>(rank), 1.0, l.data(), static_cast<int>(width), p.data(), static_cast<int>(rank));
    std::vector<double> cd(static_cast<std::size_t>(block * width)), o(static_cast<std::size_t>(block * rank));
    for (index_t r0 = 0; r0 < n; r0 += block) {
        const index_t rows = std::min(block, n - r0);
        source.rows(row_block(x, r0, rows), c.data());
        std::copy_n(c.data(), rows * width, cd.data());
        gemm<double>(CblasNoTrans, static_cast<int>(rows), static_cast<int>(rank), static_cast<int>(width), cd.data(),
                     static_cast<int>(width), p.data(), static_cast<int>(rank), o.data(), static_cast<int>(rank));
        for (index_t i = 0; i < rows; ++i)
            for (index_t j = 0; j < rank; ++j) f(r0 + i, j) = o[static_cast<std::size_t>(i * rank + j)];
    }
}

template void low_rank(const FeatureSource &, const DenseView<const double> &, index_t, const DenseView<double> &,
                       index_t);
template void low_rank(const FeatureSource &, const DenseView<const float> &, index_t, const DenseView<double> &,
                       index_t);

}  // namespace subq::krr
