#include "kernel/comparators.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <numbers>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"
#include "kernel/exact.hpp"

namespace subq::kernel {
namespace {

constexpr std::uint64_t kFeatureMapKindId = 3;  // SUBQ_KIND_FEATUREMAP (featuremap.cpp uses object id 0)
constexpr std::uint64_t kRandomFourierId = 1;   // {3, 1, 0, 0, role}
constexpr std::uint64_t kNystromId = 2;         // {3, 2, 0, 0, role}

// Loops with fewer elements than this run on the calling thread (as in exact.cpp).
constexpr index_t kMinParallelWork = 8192;

int threads_for(index_t work, int threads) {
    return work >= kMinParallelWork ? threads : 1;
}

std::string str(index_t v) {
    return std::to_string(v);
}

// High 64 bits of a·b.
std::uint64_t mulhi64(std::uint64_t a, std::uint64_t b) noexcept {
    const std::uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    const std::uint64_t ll = a0 * b0, hl = a1 * b0, lh = a0 * b1, hh = a1 * b1;
    const std::uint64_t cross = (ll >> 32) + (hl & 0xffffffffu) + lh;
    return hh + (hl >> 32) + (cross >> 32);
}

// Uniform integer in [0, range) from element `index` of stream s (multiply-shift; bias <= range/2^32, resp. 2^64).
std::uint64_t draw_below(std::uint64_t seed, rng::Stream s, std::uint64_t index, std::uint64_t range) noexcept {
    const auto w = rng::philox(seed, s, index);
    if (range <= 0xffffffffu) return rng::below(w[0], static_cast<std::uint32_t>(range));
    return mulhi64((static_cast<std::uint64_t>(w[0]) << 32) | w[1], range);
}

template <class Z>
Z &at(const DenseView<Z> &z, index_t i, index_t j) {
    return z.layout == SUBQ_ROW_MAJOR ? z.data[i * z.ld + j] : z.data[j * z.ld + i];
}

void check_output(const char *who, index_t zr, index_t zc, index_t n, index_t m) {
    if (zr != n || zc != m)
        fail(SUBQ_ERR_DIMENSION,
             std::string(who) + ": z is " + str(zr) + " x " + str(zc) + ", expected " + str(n) + " x " + str(m));
}

void check_input(const char *who, const char *what, index_t cols, index_t d) {
    if (cols != d)
        fail(SUBQ_ERR_DIMENSION, std::string(who) + ": " + what + " has " + str(cols) +
                                     " columns, which does not match the input dimension " + str(d));
}

// Rows [r0, r0 + rows) of x, converted to row-major doubles (rows × d) in `buffer`.
template <class T>
void gather_rows(const DenseView<const T> &x, index_t r0, index_t rows, std::vector<double> &buffer) {
    const index_t d = x.cols;
    buffer.resize(static_cast<std::size_t>(rows * d));
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < d; ++j) buffer[static_cast<std::size_t>(i * d + j)] = static_cast<double>(x(r0 + i, j));
}

// Rows [r0, r0 + rows) of a CSR matrix as dense row-major doubles (duplicate indices add up).
template <class T>
void densify_rows(const CsrView<T> &x, index_t r0, index_t rows, std::vector<double> &buffer) {
    const index_t d = x.cols;
    buffer.assign(static_cast<std::size_t>(rows * d), 0.0);
    for (index_t i = 0; i < rows; ++i)
        for (index_t k = x.indptr[r0 + i]; k < x.indptr[r0 + i + 1]; ++k)
            buffer[static_cast<std::size_t>(i * d + x.indices[k])] += static_cast<double>(x.values[k]);
}

}  // namespace

// ================================================ RandomFourier ================================================

std::unique_ptr<RandomFourier> RandomFourier::create(const KernelParams &kernel, index_t input_dim, index_t output_dim,
                                                     std::uint64_t seed, std::int64_t num_threads,
                                                     std::int64_t block_rows) {
    validate(kernel);
    if (kernel.kernel != Kernel::kGaussian)
        fail(SUBQ_ERR_UNSUPPORTED, std::string("random Fourier features approximate the Gaussian kernel only; got '") +
                                       kernel_name(kernel.kernel) + "' (use Nystrom or the Taylor feature map)");
    if (input_dim < 1) fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = " + str(input_dim) + " must be >= 1");
    if (output_dim < 1) fail(SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = " + str(output_dim) + " must be >= 1");
    if (num_threads < 0 || block_rows < 0)
        fail(SUBQ_ERR_PARAM_RANGE,
             "num_threads = " + str(num_threads) + " and block_rows = " + str(block_rows) + " must be >= 0");
    const index_t F = output_dim / 2 + output_dim % 2;
    if (input_dim > INT_MAX || F > INT_MAX)
        fail(SUBQ_ERR_DIMENSION, "random Fourier features: input_dim = " + str(input_dim) +
                                     " or the number of frequencies " + str(F) + " exceeds BLAS's 32-bit int");
    const index_t entries = checked_mul(input_dim, F, "random Fourier frequencies");
    checked_bytes(entries, sizeof(double), "random Fourier frequencies");

    std::unique_ptr<RandomFourier> f(new RandomFourier());
    f->d_ = input_dim;
    f->m_ = output_dim;
    f->f_ = F;
    f->pairs_ = output_dim / 2;
    f->gamma_ = kernel.gamma;
    f->num_threads_ = num_threads;
    f->block_rows_ = block_rows;
    f->wt_.resize(static_cast<std::size_t>(entries));
    // W_jk = √(2γ)·g_{j·d+k}; normals come in Box–Muller pairs (element e uses pair e/2).
    const rng::Stream sw = rng::stream({kFeatureMapKindId, kRandomFourierId, 0, 0, rng::kGaussian});
    const double scale = std::sqrt(2 * kernel.gamma);
    const index_t pair_count = (entries + 1) / 2, chunk = 4096;
    double *wt = f->wt_.data();
    const index_t d = input_dim;
    parallel_for(threads_for(entries, thread_count(num_threads)), (pair_count + chunk - 1) / chunk, [&](index_t c) {
        const index_t t1 = std::min(pair_count, (c + 1) * chunk);
        for (index_t t = c * chunk; t < t1; ++t) {
            const auto g = rng::normal_pair(seed, sw, static_cast<std::uint64_t>(t));
            for (index_t e = 2 * t; e < std::min(2 * t + 2, entries); ++e) {
                const index_t j = e / d, k = e % d;
                wt[k * F + j] = scale * (e == 2 * t ? g.first : g.second);
            }
        }
    });
    f->phase_ = 2 * std::numbers::pi *
                rng::uniform(seed, rng::stream({kFeatureMapKindId, kRandomFourierId, 0, 0, rng::kUniform}), 0);
    return f;
}

template <class T>
void RandomFourier::apply_impl(const DenseView<const T> *x, const CsrView<T> *csr, const DenseView<T> &z) const {
    const index_t n = x != nullptr ? x->rows : csr->rows;
    check_input("RandomFourier::apply", "x", x != nullptr ? x->cols : csr->cols, d_);
    check_output("RandomFourier::apply", z.rows, z.cols, n, m_);
    if (x != nullptr && std::is_same_v<T, double> && x->ld > INT_MAX)
        fail(SUBQ_ERR_DIMENSION,
             "RandomFourier::apply: x's leading dimension " + str(x->ld) + " exceeds BLAS's 32-bit int");
    if (n == 0) return;
    const int threads = thread_count(num_threads_);
    const index_t F = f_, p = pairs_;
    const index_t auto_block = std::clamp<index_t>((index_t{1} << 21) / F, 16, 2048);
    const index_t block = std::min(n, block_rows_ > 0 ? static_cast<index_t>(block_rows_) : auto_block);
    std::vector<double> u(static_cast<std::size_t>(block * F)), xb;
    const double s = std::sqrt(2.0 / static_cast<double>(m_));
    const bool odd = m_ % 2 == 1;
    for (index_t r0 = 0; r0 < n; r0 += block) {
        const index_t rows = std::min(block, n - r0);
        // phases u = X_block·Wᵀ (rows × F)
        if (x != nullptr) {
            const double *a = nullptr;
            int lda = 0;
            bool trans = false;
            if constexpr (std::is_same_v<T, double>) {
                if (x->layout == SUBQ_ROW_MAJOR) {
                    a = x->data + r0 * x->ld;
                } else {
                    a = x->data + r0;
                    trans = true;
                }
                lda = static_cast<int>(x->ld);
            } else {
                gather_rows(*x, r0, rows, xb);
                a = xb.data();
                lda = static_cast<int>(d_);
            }
            cblas_dgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
                        static_cast<int>(F), static_cast<int>(d_), 1.0, a, lda, wt_.data(), static_cast<int>(F), 0.0,
                        u.data(), static_cast<int>(F));
        } else {
            parallel_for(threads_for(csr->indptr[r0 + rows] - csr->indptr[r0] + rows, threads), rows, [&](index_t i) {
                double *ui = u.data() + i * F;
                std::fill(ui, ui + F, 0.0);
                for (index_t k = csr->indptr[r0 + i]; k < csr->indptr[r0 + i + 1]; ++k) {
                    const double v = static_cast<double>(csr->values[k]);
                    const double *w = wt_.data() + csr->indices[k] * F;
                    for (index_t j = 0; j < F; ++j) ui[j] += v * w[j];
                }
            });
        }
        // features, row by row
        parallel_for(threads_for(rows * F, threads), rows, [&](index_t i) {
            const double *ui = u.data() + i * F;
            for (index_t j = 0; j < p; ++j) {
                at(z, r0 + i, j) = static_cast<T>(s * std::cos(ui[j]));
                at(z, r0 + i, p + j) = static_cast<T>(s * std::sin(ui[j]));
            }
            if (odd) at(z, r0 + i, m_ - 1) = static_cast<T>(s * std::cos(ui[p] + phase_));
        });
    }
}

void RandomFourier::apply(const DenseView<const double> &x, const DenseView<double> &z) const {
    apply_impl<double>(&x, nullptr, z);
}
void RandomFourier::apply(const DenseView<const float> &x, const DenseView<float> &z) const {
    apply_impl<float>(&x, nullptr, z);
}
void RandomFourier::apply_csr(const CsrView<double> &x, const DenseView<double> &z) const {
    apply_impl<double>(nullptr, &x, z);
}
void RandomFourier::apply_csr(const CsrView<float> &x, const DenseView<float> &z) const {
    apply_impl<float>(nullptr, &x, z);
}

// =================================================== Nystrom ===================================================

std::unique_ptr<Nystrom> Nystrom::create(const KernelParams &kernel, index_t input_dim, index_t output_dim,
                                         std::uint64_t seed, std::int64_t num_threads) {
    validate(kernel);
    if (input_dim < 1) fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = " + str(input_dim) + " must be >= 1");
    if (output_dim < 1)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = " + str(output_dim) + " (the number of landmarks) must be >= 1");
    if (output_dim > INT_MAX)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = " + str(output_dim) + " landmarks exceed LAPACK's 32-bit int");
    if (num_threads < 0) fail(SUBQ_ERR_PARAM_RANGE, "num_threads = " + str(num_threads) + " must be >= 0");
    std::unique_ptr<Nystrom> f(new Nystrom());
    f->kernel_ = kernel;
    f->d_ = input_dim;
    f->k_ = output_dim;
    f->seed_ = seed;
    f->num_threads_ = num_threads;
    return f;
}

template <class T>
void Nystrom::fit_impl(const DenseView<const T> &x) {
    check_input("Nystrom::fit", "x", x.cols, d_);
    if (x.rows < 1) fail(SUBQ_ERR_DIMENSION, "Nystrom::fit: x has no rows");
    require_finite("Nystrom::fit: x", x);
    const index_t n = x.rows, m = std::min(k_, n);
    // Partial Fisher–Yates over [0, n): swap i with a uniform j in [i, n). Only displaced entries are stored.
    const rng::Stream s = rng::stream({kFeatureMapKindId, kNystromId, 0, 0, rng::kIndex1});
    std::unordered_map<index_t, index_t> displaced;
    displaced.reserve(static_cast<std::size_t>(2 * m));
    const auto value_at = [&](index_t i) {
        const auto it = displaced.find(i);
        return it == displaced.end() ? i : it->second;
    };
    std::vector<index_t> indices(static_cast<std::size_t>(m));
    for (index_t i = 0; i < m; ++i) {
        const index_t j = i + static_cast<index_t>(draw_below(seed_, s, static_cast<std::uint64_t>(i),
                                                              static_cast<std::uint64_t>(n - i)));
        const index_t vi = value_at(i), vj = value_at(j);
        displaced[j] = vi;
        indices[static_cast<std::size_t>(i)] = vj;
    }
    std::vector<double> l(static_cast<std::size_t>(m * d_));
    for (index_t i = 0; i < m; ++i)
        for (index_t j = 0; j < d_; ++j)
            l[static_cast<std::size_t>(i * d_ + j)] = static_cast<double>(x(indices[static_cast<std::size_t>(i)], j));
    set(std::move(l), m, std::move(indices));
}

template <class T>
void Nystrom::landmarks_impl(const DenseView<const T> &l) {
    check_input("Nystrom::set_landmarks", "landmarks", l.cols, d_);
    if (l.rows < 1) fail(SUBQ_ERR_DIMENSION, "Nystrom::set_landmarks: no landmarks (0 rows)");
    if (l.rows > INT_MAX)
        fail(SUBQ_ERR_DIMENSION, "Nystrom::set_landmarks: " + str(l.rows) + " landmarks exceed LAPACK's 32-bit int");
    require_finite("Nystrom::set_landmarks: landmarks", l);
    std::vector<double> buffer;
    gather_rows(l, 0, l.rows, buffer);
    set(std::move(buffer), l.rows, {});
}

void Nystrom::set(std::vector<double> landmarks, index_t m, std::vector<index_t> indices) {
    checked_bytes(checked_mul(m, m, "Nystrom: K(L, L)"), sizeof(double), "Nystrom: K(L, L)");
    std::vector<double> k(static_cast<std::size_t>(m * m));
    const DenseView<const double> lv{landmarks.data(), m, d_, d_, SUBQ_ROW_MAJOR};
    // Blocks of 1024 rows: large GEMMs (K(L, L) of 8192 landmarks is 64 of them).
    gram(kernel_, lv, lv, DenseView<double>{k.data(), m, m, m, SUBQ_ROW_MAJOR}, GramOptions{1024, num_threads_});
    for (index_t i = 0; i < m * m; ++i)
        if (!std::isfinite(k[static_cast<std::size_t>(i)]))
            fail(SUBQ_ERR_NUMERICAL, "Nystrom: the kernel value of landmarks " + str(i / m) + " and " + str(i % m) +
                                         " is not finite (overflow)");
    // commit (no throwing operations below)
    const std::lock_guard<std::mutex> lock(factor_mutex_);
    landmarks_.swap(landmarks);
    kll_.swap(k);
    indices_.swap(indices);
    landmark_count_ = m;
    factored_ = false;
    rank_ = 0;
    projection_.clear();
    eigenvalues_.clear();
    fitted_ = true;
}

void Nystrom::ensure_factored() const {
    const std::lock_guard<std::mutex> lock(factor_mutex_);
    if (factored_ || !fitted_) return;
    const index_t m = landmark_count_;
    std::vector<double> k = kll_, w(static_cast<std::size_t>(m));
    // Row-major: column j of the result holds the eigenvector of w[j] (ascending).
    const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', static_cast<lapack_int>(m), k.data(),
                                           static_cast<lapack_int>(m), w.data());
    if (info != 0)
        fail(SUBQ_ERR_NUMERICAL,
             "Nystrom: the eigendecomposition of K(L, L) failed (LAPACKE_dsyevd info = " + std::to_string(info) + ")");
    std::vector<double> eig(w.rbegin(), w.rend());  // decreasing
    const double top = eig.front();
    index_t r = 0;
    if (top > 0)
        while (r < m && eig[static_cast<std::size_t>(r)] > kNystromRelativeCutoff * top) ++r;
    std::vector<double> proj(static_cast<std::size_t>(m * r));
    for (index_t c = 0; c < r; ++c) {
        const index_t j = m - 1 - c;
        const double inv = 1 / std::sqrt(w[static_cast<std::size_t>(j)]);
        for (index_t i = 0; i < m; ++i)
            proj[static_cast<std::size_t>(i * r + c)] = k[static_cast<std::size_t>(i * m + j)] * inv;
    }
    projection_.swap(proj);
    eigenvalues_.swap(eig);
    rank_ = r;
    factored_ = true;
}

index_t Nystrom::rank() const {
    ensure_factored();
    return rank_;
}

const std::vector<double> &Nystrom::eigenvalues() const {
    ensure_factored();
    return eigenvalues_;
}

void Nystrom::fit(const DenseView<const double> &x) {
    fit_impl(x);
}
void Nystrom::fit(const DenseView<const float> &x) {
    fit_impl(x);
}
void Nystrom::set_landmarks(const DenseView<const double> &landmarks) {
    landmarks_impl(landmarks);
}
void Nystrom::set_landmarks(const DenseView<const float> &landmarks) {
    landmarks_impl(landmarks);
}

template <class T>
void Nystrom::apply_impl(const DenseView<const T> *x, const CsrView<T> *csr, const DenseView<T> &z) const {
    if (!fitted_) fail(SUBQ_ERR_STATE, "Nystrom::apply: no landmarks yet; call fit() or set_landmarks() first");
    ensure_factored();
    const index_t n = x != nullptr ? x->rows : csr->rows, m = landmark_count_, r = rank_;
    check_input("Nystrom::apply", "x", x != nullptr ? x->cols : csr->cols, d_);
    check_output("Nystrom::apply", z.rows, z.cols, n, m);
    // Checked here, with absolute row numbers (gram() would number the rows of a block).
    if (x != nullptr)
        require_finite("Nystrom::apply: x", *x);
    else
        require_finite("Nystrom::apply: x", *csr);
    if (n == 0) return;
    const int threads = thread_count(num_threads_);
    const index_t block = std::min(n, std::clamp<index_t>((index_t{1} << 22) / m, 16, 1024));
    std::vector<double> kb(static_cast<std::size_t>(block * m)), out(static_cast<std::size_t>(block * r)), xb;
    const DenseView<const double> lv{landmarks_.data(), m, d_, d_, SUBQ_ROW_MAJOR};
    for (index_t r0 = 0; r0 < n; r0 += block) {
        const index_t rows = std::min(block, n - r0);
        DenseView<const double> xv;
        if (csr != nullptr) {
            densify_rows(*csr, r0, rows, xb);
            xv = {xb.data(), rows, d_, d_, SUBQ_ROW_MAJOR};
        } else if constexpr (std::is_same_v<T, double>) {
            xv = x->layout == SUBQ_ROW_MAJOR ? DenseView<const double>{x->data + r0 * x->ld, rows, d_, x->ld, x->layout}
                                             : DenseView<const double>{x->data + r0, rows, d_, x->ld, x->layout};
        } else {
            gather_rows(*x, r0, rows, xb);
            xv = {xb.data(), rows, d_, d_, SUBQ_ROW_MAJOR};
        }
        gram(kernel_, xv, lv, DenseView<double>{kb.data(), rows, m, m, SUBQ_ROW_MAJOR}, GramOptions{0, num_threads_});
        if (r > 0)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(r),
                        static_cast<int>(m), 1.0, kb.data(), static_cast<int>(m), projection_.data(),
                        static_cast<int>(r), 0.0, out.data(), static_cast<int>(r));
        parallel_for(threads_for(rows * m, threads), rows, [&](index_t i) {
            for (index_t c = 0; c < r; ++c) at(z, r0 + i, c) = static_cast<T>(out[static_cast<std::size_t>(i * r + c)]);
            for (index_t c = r; c < m; ++c) at(z, r0 + i, c) = T(0);
        });
    }
}

void Nystrom::apply(const DenseView<const double> &x, const DenseView<double> &z) const {
    apply_impl<double>(&x, nullptr, z);
}
void Nystrom::apply(const DenseView<const float> &x, const DenseView<float> &z) const {
    apply_impl<float>(&x, nullptr, z);
}
void Nystrom::apply_csr(const CsrView<double> &x, const DenseView<double> &z) const {
    apply_impl<double>(nullptr, &x, z);
}
void Nystrom::apply_csr(const CsrView<float> &x, const DenseView<float> &z) const {
    apply_impl<float>(nullptr, &x, z);
}

}  // namespace subq::kernel
