#include "kernel/featuremap.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/fwht.hpp"
#include "core/rng.hpp"

namespace subq::kernel {
namespace {

constexpr std::uint64_t kFeatureMapKindId = 3;  // SUBQ_KIND_FEATUREMAP: the first element of its stream paths
constexpr index_t kChunkRows = 2048;            // rows normalised and sketched at a time

std::string str(double v) {
    return std::to_string(v);
}

}  // namespace

std::unique_ptr<FeatureMap> FeatureMap::create(const FeatureMapParams &p) {
    validate(p.kernel);
    if (p.input_dim < 1)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_INPUT_DIM = " + std::to_string(p.input_dim) + " must be >= 1");
    if (p.output_dim < 2)
        fail(SUBQ_ERR_DIMENSION, "SUBQ_P_OUTPUT_DIM = " + std::to_string(p.output_dim) +
                                     " must be >= 2 (one exact degree-0 column and at least one sketched column)");
    if (p.granularity < 1) fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GRANULARITY must be >= 1");
    if (!(p.tolerance >= 0 && p.tolerance <= 1))
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_TAYLOR_TOLERANCE must be in [0, 1]");
    if (p.max_degree < 0 || p.max_degree > sketch::kMaxTreeDegree)
        fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_MAX_DEGREE = " + std::to_string(p.max_degree) + " is outside [0, " +
                                       std::to_string(sketch::kMaxTreeDegree) + "]");
    if (!(std::isfinite(p.radius) && p.radius > 0)) fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_RADIUS must be finite and > 0");

    std::unique_ptr<FeatureMap> f(new FeatureMap());
    f->params_ = p;
    f->d_ = p.input_dim;
    f->m_ = p.output_dim;
    const Kernel k = p.kernel.kernel;
    sketch::TreeParams tp;
    tp.input_dim = p.input_dim;
    tp.seed = p.seed;
    tp.num_threads = p.num_threads;
    tp.block_rows = p.block_rows;

    if (k == Kernel::kPolynomial) {  // the exact series: one tree of x̃ = [√γ·x; √c]
        if (p.kernel.degree < 1)
            fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE must be >= 1 for the polynomial feature map");
        tp.degree = p.kernel.degree;
        tp.output_dim = p.output_dim;
        tp.gamma = p.kernel.gamma;
        tp.coef0 = p.kernel.coef0;
        tp.leaf_mode = p.leaf_mode;
        f->tree_ = sketch::TreeSketch::create(tp);
        f->trunc_ = truncation_at(p.kernel, p.kernel.degree, 1.0);
        f->columns_.assign(static_cast<std::size_t>(p.kernel.degree) + 1, 0);
        f->columns_.back() = p.output_dim;
        return f;
    }

    // ---- degree truncation and allocation ----
    const bool gaussian = k == Kernel::kGaussian;
    f->normalize_ = !gaussian;
    const double rho = gaussian ? 2 * p.kernel.gamma * p.radius * p.radius : 1.0;
    const std::int64_t cap = p.max_degree > 0 ? p.max_degree : (gaussian ? 64 : sketch::kMaxTreeDegree);
    f->trunc_ = choose_truncation(p.kernel, p.tolerance, cap, rho);
    const std::int64_t q = std::max<std::int64_t>(f->trunc_.degree, 1);
    const std::vector<double> c = coefficients(p.kernel, q);
    f->c0_ = c[0];
    // Sampling weights c_ℓ·ρ^ℓ (in log space: ρ^ℓ alone may overflow).
    std::vector<double> weight(static_cast<std::size_t>(q) + 1, 0.0);
    double total = 0;
    for (std::int64_t l = 1; l <= q; ++l) {
        const double cl = c[static_cast<std::size_t>(l)];
        weight[static_cast<std::size_t>(l)] =
            cl > 0 ? std::exp(std::log(cl) + static_cast<double>(l) * std::log(rho)) : 0;
        total += weight[static_cast<std::size_t>(l)];
    }
    if (!(total > 0 && std::isfinite(total)))
        fail(SUBQ_ERR_NUMERICAL,
             "the kernel's series has no usable terms of degree 1.." + std::to_string(q) + " at scale ρ = " + str(rho));
    const index_t g = std::min(p.granularity, p.output_dim - 1);
    const index_t B = (p.output_dim - 1) / g;
    std::vector<index_t> blocks(static_cast<std::size_t>(q) + 1, 0);
    if (p.allocation == Allocation::kSampled) {  // systematic sampling: Σ k_ℓ = B, E k_ℓ = B·p_ℓ
        const double u = rng::uniform(p.seed, rng::stream({kFeatureMapKindId, 0, 0, 0, rng::kUniform}), 0);
        double cum = 0;
        for (std::int64_t l = 1; l <= q; ++l) {
            const double next = cum + static_cast<double>(B) * weight[static_cast<std::size_t>(l)] / total;
            blocks[static_cast<std::size_t>(l)] =
                static_cast<index_t>(std::floor(next + u)) - static_cast<index_t>(std::floor(cum + u));
            cum = next;
        }
    } else {
        for (std::int64_t l = 1; l <= q; ++l)
            blocks[static_cast<std::size_t>(l)] = static_cast<index_t>(
                std::llround(static_cast<double>(B) * weight[static_cast<std::size_t>(l)] / total));
    }
    index_t used = 0, widest = 0;
    for (std::int64_t l = 1; l <= q; ++l) {
        used += blocks[static_cast<std::size_t>(l)] * g;
        if (blocks[static_cast<std::size_t>(l)] > blocks[static_cast<std::size_t>(widest)]) widest = l;
    }
    if (widest == 0) fail(SUBQ_ERR_INTERNAL, "no degree received a block");
    f->columns_.assign(static_cast<std::size_t>(q) + 1, 0);
    f->columns_[0] = 1;
    for (std::int64_t l = 1; l <= q; ++l) {
        const index_t kl = blocks[static_cast<std::size_t>(l)];
        if (kl == 0) continue;
        index_t width = kl * g;
        if (l == widest) width += p.output_dim - 1 - used;  // the leftover columns widen the largest block
        f->columns_[static_cast<std::size_t>(l)] = width;
        const double pl = weight[static_cast<std::size_t>(l)] / total;
        const double cl = c[static_cast<std::size_t>(l)];
        const double scale = p.allocation == Allocation::kSampled
                                 ? std::sqrt(cl * static_cast<double>(kl) / (pl * static_cast<double>(B)))
                                 : std::sqrt(cl);
        tp.blocks.push_back({l, width, scale});
    }
    // A Gaussian block sketches ⟨z_x, z_y⟩^ℓ with z = √(2γ)·x.
    tp.gamma = gaussian ? 2 * p.kernel.gamma : 1.0;
    tp.leaf_mode = p.leaf_mode;
    if (tp.leaf_mode == static_cast<int>(sketch::LeafMode::kAuto)) {
        index_t widest_block = 0;
        for (const auto &b : tp.blocks) widest_block = std::max(widest_block, b.width);
        const bool small =
            fwht::next_power_of_two(p.input_dim) <= sketch::kIdentityFactor * fwht::next_power_of_two(widest_block);
        tp.leaf_mode = static_cast<int>(small ? sketch::LeafMode::kIdentity : sketch::LeafMode::kShared);
    }
    f->tree_ = sketch::TreeSketch::create(tp);
    return f;
}

index_t FeatureMap::degree_columns(std::int64_t degree) const noexcept {
    if (degree < 0 || degree >= static_cast<std::int64_t>(columns_.size())) return 0;
    return columns_[static_cast<std::size_t>(degree)];
}

template <class T>
void FeatureMap::apply_impl(const DenseView<const T> *x, const CsrView<T> *csr, const DenseView<T> &z) const {
    const index_t n = x != nullptr ? x->rows : csr->rows, cols = x != nullptr ? x->cols : csr->cols;
    if (cols != d_)
        fail(SUBQ_ERR_DIMENSION,
             "d = " + std::to_string(cols) + " does not match the input dimension " + std::to_string(d_));
    if (z.rows != n || z.cols != m_)
        fail(SUBQ_ERR_DIMENSION, "z is " + std::to_string(z.rows) + " x " + std::to_string(z.cols) + ", expected " +
                                     std::to_string(n) + " x " + std::to_string(m_));
    // Non-finite input is an error (checked before anything is written): a feature map's rows mix every entry.
    for (index_t i = 0; i < n; ++i) {
        bool finite = true;
        if (x != nullptr) {
            for (index_t j = 0; j < d_; ++j)
                finite &= std::isfinite(static_cast<double>(x->layout == SUBQ_ROW_MAJOR ? x->data[i * x->ld + j]
                                                                                       : x->data[j * x->ld + i]));
        } else {
            for (index_t k = csr->indptr[i]; k < csr->indptr[i + 1]; ++k)
                finite &= std::isfinite(static_cast<double>(csr->values[k]));
        }
        if (!finite) fail(SUBQ_ERR_NUMERICAL, "x: row " + std::to_string(i) + " has a NaN or infinite value");
    }
    if (params_.kernel.kernel == Kernel::kPolynomial) {
        if (x != nullptr)
            tree_->apply(*x, z);
        else
            tree_->apply_csr(*csr, z);
        return;
    }
    const bool gaussian = params_.kernel.kernel == Kernel::kGaussian;
    const int h = gaussian ? 0 : homogeneity(params_.kernel.kernel).value_or(0);
    const double sqrt_c0 = std::sqrt(c0_);
    const index_t chunk = std::min(n, kChunkRows);
    std::vector<double> xin(x != nullptr ? static_cast<std::size_t>(chunk * d_) : 0),
        out(static_cast<std::size_t>(chunk * (m_ - 1))), norm(static_cast<std::size_t>(chunk));
    std::vector<index_t> indptr(csr != nullptr ? static_cast<std::size_t>(chunk) + 1 : 0);
    std::vector<double> values;
    for (index_t r0 = 0; r0 < n; r0 += chunk) {
        const index_t rows = std::min(chunk, n - r0);
        // the tree's input: x̂ (normalised kernels) or x (Gaussian; the tree scales by √(2γ)), as float64
        if (x != nullptr) {
            for (index_t i = 0; i < rows; ++i) {
                double s = 0;
                for (index_t j = 0; j < d_; ++j) {
                    const double v = static_cast<double>(x->layout == SUBQ_ROW_MAJOR ? x->data[(r0 + i) * x->ld + j]
                                                                                     : x->data[j * x->ld + r0 + i]);
                    xin[static_cast<std::size_t>(i * d_ + j)] = v;
                    s += v * v;
                }
                norm[static_cast<std::size_t>(i)] = std::sqrt(s);
            }
        } else {
            const index_t k0 = csr->indptr[r0], k1 = csr->indptr[r0 + rows];
            values.assign(static_cast<std::size_t>(k1 - k0), 0.0);
            for (index_t i = 0; i <= rows; ++i) indptr[static_cast<std::size_t>(i)] = csr->indptr[r0 + i] - k0;
            for (index_t i = 0; i < rows; ++i) {
                double s = 0;
                for (index_t k = csr->indptr[r0 + i]; k < csr->indptr[r0 + i + 1]; ++k) {
                    const double v = static_cast<double>(csr->values[k]);
                    values[static_cast<std::size_t>(k - k0)] = v;
                    s += v * v;
                }
                norm[static_cast<std::size_t>(i)] = std::sqrt(s);
            }
        }
        if (normalize_) {
            for (index_t i = 0; i < rows; ++i) {
                const double nv = norm[static_cast<std::size_t>(i)];
                const double inv = nv > 0 ? 1 / nv : 0;
                if (x != nullptr)
                    for (index_t j = 0; j < d_; ++j) xin[static_cast<std::size_t>(i * d_ + j)] *= inv;
                else
                    for (index_t k = indptr[static_cast<std::size_t>(i)]; k < indptr[static_cast<std::size_t>(i) + 1];
                         ++k)
                        values[static_cast<std::size_t>(k)] *= inv;
            }
        }
        const DenseView<double> ov{out.data(), rows, m_ - 1, m_ - 1, SUBQ_ROW_MAJOR};
        if (x != nullptr)
            tree_->apply(DenseView<const double>{xin.data(), rows, d_, d_, SUBQ_ROW_MAJOR}, ov);
        else
            tree_->apply_csr(CsrView<double>{rows, d_, indptr.data(), csr->indices + csr->indptr[r0], values.data()},
                             ov);
        for (index_t i = 0; i < rows; ++i) {
            const double nv = norm[static_cast<std::size_t>(i)];
            const double factor = gaussian ? std::exp(-params_.kernel.gamma * nv * nv) : std::pow(nv, h);
            const auto at = [&](index_t col) -> T & {
                return z.layout == SUBQ_ROW_MAJOR ? z.data[(r0 + i) * z.ld + col] : z.data[col * z.ld + r0 + i];
            };
            at(0) = static_cast<T>(sqrt_c0 * factor);
            const double *o = out.data() + i * (m_ - 1);
            for (index_t k = 0; k < m_ - 1; ++k) at(k + 1) = static_cast<T>(o[k] * factor);
        }
    }
}

void FeatureMap::apply(const DenseView<const double> &x, const DenseView<double> &z) const {
    apply_impl<double>(&x, nullptr, z);
}
void FeatureMap::apply(const DenseView<const float> &x, const DenseView<float> &z) const {
    apply_impl<float>(&x, nullptr, z);
}
void FeatureMap::apply_csr(const CsrView<double> &x, const DenseView<double> &z) const {
    apply_impl<double>(nullptr, &x, z);
}
void FeatureMap::apply_csr(const CsrView<float> &x, const DenseView<float> &z) const {
    apply_impl<float>(nullptr, &x, z);
}

}  // namespace subq::kernel
