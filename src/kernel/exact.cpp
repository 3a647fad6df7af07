#include "kernel/exact.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "core/parallel.hpp"

namespace subq::kernel {

namespace {

std::string str(index_t v) {
    return std::to_string(v);
}

// Loops with fewer elements than this run on the calling thread: an OpenMP region costs more than it saves there
// (and far more on a loaded machine, where its spinning threads compete with BLAS's).
constexpr index_t kMinParallelWork = 8192;

int threads_for(index_t work, int threads) {
    return work >= kMinParallelWork ? threads : 1;
}

// Squared norms (in double) of the rows of a view, with their square roots and inverse norms (0 for a zero row).
struct RowNorms {
    std::vector<double> squared, norm, inverse;
};

// Throws SUBQ_ERR_NUMERICAL naming the first non-finite entry of row i of `v`, or, if the row is finite, saying
// that its squared norm overflows.
template <class T>
[[noreturn]] void fail_non_finite_row(const char *name, const DenseView<const T> &v, index_t i) {
    for (index_t j = 0; j < v.cols; ++j)
        if (!std::isfinite(v(i, j)))
            fail(SUBQ_ERR_NUMERICAL, std::string(name) + ": non-finite value at row " + str(i) + ", column " + str(j));
    fail(SUBQ_ERR_NUMERICAL, std::string(name) + ": the squared norm of row " + str(i) + " overflows double");
}

// One pass over `v`: the row norms, and the finiteness check (a NaN/Inf entry makes the squared norm non-finite).
template <class T>
RowNorms row_norms(const char *name, const DenseView<const T> &v, int threads) {
    const std::size_t n = static_cast<std::size_t>(v.rows);
    RowNorms r{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
    parallel_for(threads_for(v.rows * v.cols, threads), v.rows, [&](index_t i) {
        double s = 0;
        for (index_t j = 0; j < v.cols; ++j) {
            const double e = static_cast<double>(v(i, j));
            s += e * e;
        }
        const std::size_t u = static_cast<std::size_t>(i);
        r.squared[u] = s;
        r.norm[u] = std::sqrt(s);
        r.inverse[u] = s > 0 ? 1 / r.norm[u] : 0.0;
    });
    for (index_t i = 0; i < v.rows; ++i)  // first offending row, whatever the thread count
        if (!std::isfinite(r.squared[static_cast<std::size_t>(i)])) fail_non_finite_row(name, v, i);
    return r;
}

// Rows [r0, r0 + count) of an n×d view as an operand of cblas_dgemm in CblasRowMajor order: either a count×d
// row-major matrix (`transposed` false) or its transpose stored as a d×count row-major matrix (`transposed` true).
struct GemmOperand {
    const double *data;
    int ld;
    bool transposed;
};

// Double views are used in place.
GemmOperand rows_operand(const DenseView<const double> &v, index_t r0, index_t, std::vector<double> &) {
    if (v.layout == SUBQ_ROW_MAJOR) return {v.data + r0 * v.ld, static_cast<int>(v.ld), false};
    return {v.data + r0, static_cast<int>(v.ld), true};
}

// Float views are converted into `buffer` (count×d row-major doubles).
GemmOperand rows_operand(const DenseView<const float> &v, index_t r0, index_t count, std::vector<double> &buffer) {
    const index_t d = v.cols;
    buffer.resize(static_cast<std::size_t>(count * d));
    for (index_t i = 0; i < count; ++i)
        for (index_t j = 0; j < d; ++j) buffer[static_cast<std::size_t>(i * d + j)] = static_cast<double>(v(r0 + i, j));
    return {buffer.data(), static_cast<int>(std::max<index_t>(d, 1)), false};
}

// g (rows×cols, row-major) = A·Bᵀ over d columns.
void inner_products(const GemmOperand &a, const GemmOperand &b, index_t rows, index_t cols, index_t d, double *g) {
    if (d == 0) {
        std::fill(g, g + rows * cols, 0.0);
        return;
    }
    cblas_dgemm(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans, b.transposed ? CblasNoTrans : CblasTrans,
                static_cast<int>(rows), static_cast<int>(cols), static_cast<int>(d), 1.0, a.data, a.ld, b.data, b.ld,
                0.0, g, static_cast<int>(cols));
}

template <class T>
void check_blas_range(const char *name, const DenseView<const T> &v) {
    const bool in_place = std::is_same_v<T, double>;
    if (v.cols > INT_MAX || (in_place && v.ld > INT_MAX))
        fail(SUBQ_ERR_DIMENSION, std::string(name) + ": d = " + str(v.cols) + " or leading dimension " + str(v.ld) +
                                     " exceeds BLAS's 32-bit int");
}

template <class T>
void gram_impl(const KernelParams &params, const DenseView<const T> &x, const DenseView<const T> &y,
               const DenseView<T> &k, const GramOptions &options) {
    validate(params);
    if (options.block_rows < 0 || options.num_threads < 0)
        fail(SUBQ_ERR_PARAM_RANGE, "block_rows = " + str(options.block_rows) +
                                       " and num_threads = " + str(options.num_threads) + " must be >= 0");
    if (y.cols != x.cols)
        fail(SUBQ_ERR_DIMENSION, "y has " + str(y.cols) + " columns, x has " + str(x.cols) + ": they must match");
    if (k.rows != x.rows || k.cols != y.rows)
        fail(SUBQ_ERR_DIMENSION, "k is " + str(k.rows) + " x " + str(k.cols) + ", expected " + str(x.rows) + " x " +
                                     str(y.rows) + " (rows of x by rows of y)");
    check_blas_range("x", x);
    check_blas_range("y", y);
    const int threads = thread_count(options.num_threads);
    const RowNorms nx = row_norms("x", x, threads), ny = row_norms("y", y, threads);
    if (x.rows == 0 || y.rows == 0) return;

    const index_t block = std::min(options.block_rows > 0 ? options.block_rows : kDefaultGramBlock, kMaxGramBlock);
    const index_t d = x.cols;
    std::vector<double> g(static_cast<std::size_t>(std::min(block, x.rows) * std::min(block, y.rows)));
    std::vector<double> x_buffer, y_buffer;

    // Writes the block of k at (i0, j0) from its inner products: k(i, j) = value(⟨x_i, y_j⟩, i, j).
    const auto map_block = [&](index_t i0, index_t rows, index_t j0, index_t cols, auto value) {
        const index_t work = rows * cols * (params.kernel == Kernel::kNtk ? params.depth : 1);
        parallel_for(threads_for(work, threads), rows, [&](index_t r) {
            const double *gr = g.data() + r * cols;
            T *out = k.row_ptr(i0 + r);
            const index_t stride = k.col_stride();
            for (index_t c = 0; c < cols; ++c) out[(j0 + c) * stride] = static_cast<T>(value(gr[c], i0 + r, j0 + c));
        });
    };
    // The elementwise map of params.kernel (see exact.hpp).
    const auto map_kernel = [&](index_t i0, index_t rows, index_t j0, index_t cols) {
        const auto cosine = [&](double dot, index_t i, index_t j) {
            return std::clamp(dot * nx.inverse[static_cast<std::size_t>(i)] * ny.inverse[static_cast<std::size_t>(j)],
                              -1.0, 1.0);
        };
        // ‖x‖·κ·‖y‖ in this order: no intermediate ‖x‖‖y‖ that could overflow when κ is small.
        const auto scaled = [&](double kappa_t, index_t i, index_t j) {
            return nx.norm[static_cast<std::size_t>(i)] * kappa_t * ny.norm[static_cast<std::size_t>(j)];
        };
        switch (params.kernel) {
            case Kernel::kPolynomial:
                map_block(i0, rows, j0, cols, [&](double dot, index_t, index_t) {
                    return std::pow(params.gamma * dot + params.coef0, static_cast<double>(params.degree));
                });
                return;
            case Kernel::kGaussian:
                map_block(i0, rows, j0, cols, [&](double dot, index_t i, index_t j) {
                    const double dist2 = (nx.squared[static_cast<std::size_t>(i)] - dot) +
                                         (ny.squared[static_cast<std::size_t>(j)] - dot);
                    return std::exp(-params.gamma * std::max(0.0, dist2));
                });
                return;
            case Kernel::kArcCos0:
                map_block(i0, rows, j0, cols,
                          [&](double dot, index_t i, index_t j) { return kappa0(cosine(dot, i, j)); });
                return;
            case Kernel::kArcCos1:
                map_block(i0, rows, j0, cols,
                          [&](double dot, index_t i, index_t j) { return scaled(kappa1(cosine(dot, i, j)), i, j); });
                return;
            case Kernel::kNtk:
                map_block(i0, rows, j0, cols, [&](double dot, index_t i, index_t j) {
                    return scaled(kappa(params, cosine(dot, i, j)), i, j);
                });
                return;
        }
    };

    for (index_t i0 = 0; i0 < x.rows; i0 += block) {
        const index_t rows = std::min(block, x.rows - i0);
        const GemmOperand a = rows_operand(x, i0, rows, x_buffer);
        for (index_t j0 = 0; j0 < y.rows; j0 += block) {
            const index_t cols = std::min(block, y.rows - j0);
            const GemmOperand b = rows_operand(y, j0, cols, y_buffer);
            inner_products(a, b, rows, cols, d, g.data());  // BLAS: outside any OpenMP region of ours
            map_kernel(i0, rows, j0, cols);
        }
    }
}

}  // namespace

void gram(const KernelParams &params, const DenseView<const double> &x, const DenseView<const double> &y,
          const DenseView<double> &k, const GramOptions &options) {
    gram_impl(params, x, y, k, options);
}

void gram(const KernelParams &params, const DenseView<const float> &x, const DenseView<const float> &y,
          const DenseView<float> &k, const GramOptions &options) {
    gram_impl(params, x, y, k, options);
}

}  // namespace subq::kernel
