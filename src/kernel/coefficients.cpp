#include "kernel/coefficients.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace subq::kernel {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kFlushBelow = 1e-300;    // §4.3: series coefficients below this are stored as 0
constexpr double kLogMaxDouble = 709.78;  // log(DBL_MAX) ≈ 709.7827

std::string str(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// κ₀(t) and κ₁(t) from one arccos, t clamped to [−1, 1].
std::pair<double, double> kappa0_and_kappa1(double t) noexcept {
    t = std::clamp(t, -1.0, 1.0);
    const double theta = std::acos(t);
    return {1 - theta / kPi, (std::sqrt(std::max(0.0, (1 - t) * (1 + t))) + t * (kPi - theta)) / kPi};
}

bool is_normalised(Kernel k) {
    return homogeneity(k).has_value();
}

void require_degree(std::int64_t q, const char *what) {
    if (q < 0 || q > kMaxSeriesDegree)
        fail(SUBQ_ERR_PARAM_RANGE, std::string(what) + " = " + std::to_string(q) + " is outside [0, " +
                                       std::to_string(kMaxSeriesDegree) + "]");
}

void require_rho(const KernelParams &p, double rho) {
    const double hi = p.kernel == Kernel::kGaussian ? kMaxGaussianScale : is_normalised(p.kernel) ? 1.0 : HUGE_VAL;
    if (!(std::isfinite(rho) && rho > 0 && rho <= hi))
        fail(SUBQ_ERR_PARAM_RANGE, "scale rho = " + str(rho) + " is outside (0, " + str(hi) + "] for the " +
                                       kernel_name(p.kernel) + " kernel");
}

void require_same_length(const Series &a, const Series &b, const char *what) {
    if (a.empty() || a.size() != b.size())
        fail(SUBQ_ERR_DIMENSION, std::string(what) + ": series lengths " + std::to_string(a.size()) + " and " +
                                     std::to_string(b.size()) + " must be equal and non-zero");
}

void require_inside_unit_interval(const Series &g, const char *what) {
    if (g.empty()) fail(SUBQ_ERR_DIMENSION, std::string(what) + ": empty series");
    if (!(std::abs(g[0]) < 1))
        fail(SUBQ_ERR_INVALID_ARG, std::string(what) + ": |g_0| = " + str(std::abs(g[0])) + " must be < 1");
}

// F with F_0 = value_at_zero and F_k = (1/k)·Σ_{j=1}^{k} j·g_j·f_{k−j}: the antiderivative of g′·f (truncated to g's
// length).
Series integrate_product(const Series &g, const Series &f, double value_at_zero) {
    const std::size_t n = g.size();
    Series out(n);
    out[0] = value_at_zero;
    for (std::size_t k = 1; k < n; ++k) {
        double s = 0;
        for (std::size_t j = 1; j <= k; ++j) s += static_cast<double>(j) * g[j] * f[k - j];
        out[k] = s / static_cast<double>(k);
    }
    return out;
}

// a_0 … a_{count−1}: a_k = (2k)!/(4^k (k!)² (2k+1)), arcsin t = Σ a_k t^{2k+1}; a_{k+1} = a_k(2k+1)²/((2k+2)(2k+3)).
std::vector<double> arcsin_coefficients(std::int64_t count) {
    std::vector<double> a(static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
    double ak = 1.0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        a[k] = ak;
        const double kk = static_cast<double>(k);
        ak *= (2 * kk + 1) * (2 * kk + 1) / ((2 * kk + 2) * (2 * kk + 3));
    }
    return a;
}

// log binom(p, ℓ) for ℓ = 0..p, by running sums of logarithms.
std::vector<double> log_binomials(std::int64_t p) {
    std::vector<double> lb(static_cast<std::size_t>(p + 1), 0.0);
    for (std::int64_t l = 1; l <= p; ++l)
        lb[static_cast<std::size_t>(l)] = lb[static_cast<std::size_t>(l - 1)] +
                                          std::log(static_cast<double>(p - l + 1)) - std::log(static_cast<double>(l));
    return lb;
}

std::vector<double> polynomial_coefficients(const KernelParams &p, std::int64_t q) {
    std::vector<double> c(static_cast<std::size_t>(q + 1), 0.0);
    const std::int64_t deg = p.degree;
    if (p.coef0 == 0) {  // only ℓ = p survives: γ^p
        if (deg <= q) c[static_cast<std::size_t>(deg)] = std::exp(static_cast<double>(deg) * std::log(p.gamma));
    } else {
        const std::vector<double> lb = log_binomials(deg);
        const double log_c = std::log(p.coef0), log_g = std::log(p.gamma);
        for (std::int64_t l = 0; l <= std::min(deg, q); ++l)
            c[static_cast<std::size_t>(l)] =
                std::exp(lb[static_cast<std::size_t>(l)] + static_cast<double>(deg - l) * log_c +
                         static_cast<double>(l) * log_g);
    }
    for (std::size_t l = 0; l < c.size(); ++l)
        if (!std::isfinite(c[l]))
            fail(SUBQ_ERR_NUMERICAL, "polynomial kernel: coefficient c_" + std::to_string(l) +
                                         " = binom(p, l)·c^(p−l)·γ^l overflows double");
    return c;
}

std::vector<double> exponential_coefficients(std::int64_t q) {
    std::vector<double> c(static_cast<std::size_t>(q + 1), 0.0);
    double log_factorial = 0;
    for (std::int64_t l = 0; l <= q; ++l) {
        if (l > 0) log_factorial += std::log(static_cast<double>(l));
        const double v = std::exp(-log_factorial);
        if (v < kFlushBelow) break;  // decreasing: every later coefficient is flushed too
        c[static_cast<std::size_t>(l)] = v;
    }
    return c;
}

std::vector<double> arccos_coefficients(int order, std::int64_t q) {
    std::vector<double> c(static_cast<std::size_t>(q + 1), 0.0);
    const std::vector<double> a = arcsin_coefficients(q / 2 + 1);
    if (order == 0) {  // ½ + arcsin(t)/π
        c[0] = 0.5;
        for (std::int64_t k = 0; 2 * k + 1 <= q; ++k) c[static_cast<std::size_t>(2 * k + 1)] = a[k] / kPi;
    } else {  // 1/π + t/2 + Σ a_k t^{2k+2}/(π(2k+2))
        c[0] = 1 / kPi;
        if (q >= 1) c[1] = 0.5;
        for (std::int64_t k = 0; 2 * k + 2 <= q; ++k)
            c[static_cast<std::size_t>(2 * k + 2)] = a[k] / (kPi * static_cast<double>(2 * k + 2));
    }
    return c;
}

// §4.2 recursion on series truncated at degree q; see NtkConvention.
std::vector<double> ntk_coefficients(const KernelParams &p, std::int64_t q) {
    const std::size_t n = static_cast<std::size_t>(q + 1);
    Series t(n, 0.0);
    if (q >= 1) t[1] = 1;
    Series sigma = t, ntk = t;      // Σ^h and K^h
    Series kappa0_product(n, 0.0);  // Π_{h'<=h} κ₀(Σ^{h'−1})
    kappa0_product[0] = 1;
    for (int h = 1; h <= p.depth; ++h) {
        const Series k0 = series_kappa0(sigma);
        Series k1 = series_kappa1(sigma, k0);
        if (p.convention == NtkConvention::kBothLayers) {
            ntk = series_multiply(ntk, k0);
            for (std::size_t k = 0; k < n; ++k) ntk[k] += k1[k];
        } else {
            kappa0_product = series_multiply(kappa0_product, k0);
        }
        sigma = std::move(k1);
    }
    if (p.convention == NtkConvention::kBothLayers) return ntk;
    Series first(n, 0.0);  // ½·t·Π κ₀
    for (std::size_t k = 1; k < n; ++k) first[k] = 0.5 * kappa0_product[k - 1];
    return first;
}

// Θ_L(t) for t in [−1, 1]: the scalar recursion.
double ntk_value(const KernelParams &p, double t) {
    double sigma = t, ntk = t, kappa0_product = 1;
    for (int h = 1; h <= p.depth; ++h) {
        const auto [k0, k1] = kappa0_and_kappa1(sigma);
        ntk = k1 + ntk * k0;
        kappa0_product *= k0;
        sigma = k1;
    }
    return p.convention == NtkConvention::kBothLayers ? ntk : 0.5 * t * kappa0_product;
}

// The Gaussian's and polynomial's terms c_ℓ ρ^ℓ / C(ρ), ℓ = 0..N: Poisson(ρ) resp. Binomial(p, γρ/(γρ+c))
// probabilities, in log space. Terms past N are below 1e−300 (Gaussian) or zero (polynomial, N = p).
// Also returns log C(ρ).
std::vector<double> relative_terms(const KernelParams &p, double rho, double &log_total) {
    std::vector<double> terms;
    if (p.kernel == Kernel::kGaussian) {
        log_total = rho;
        const double log_rho = std::log(rho);
        double log_factorial = 0;
        for (std::int64_t l = 0;; ++l) {
            if (l > 0) log_factorial += std::log(static_cast<double>(l));
            const double v = std::exp(static_cast<double>(l) * log_rho - log_factorial - rho);
            terms.push_back(v);
            if (static_cast<double>(l) > rho && v < kFlushBelow) break;  // decreasing from here on
        }
        return terms;
    }
    const double a = p.gamma * rho, total = a + p.coef0;
    log_total = static_cast<double>(p.degree) * std::log(total);
    terms.assign(static_cast<std::size_t>(p.degree + 1), 0.0);
    if (p.coef0 == 0) {
        terms.back() = 1;
        return terms;
    }
    const std::vector<double> lb = log_binomials(p.degree);
    const double log_share = std::log(a / total), log_rest = std::log(p.coef0 / total);
    for (std::int64_t l = 0; l <= p.degree; ++l)
        terms[static_cast<std::size_t>(l)] =
            std::exp(lb[static_cast<std::size_t>(l)] + static_cast<double>(l) * log_share +
                     static_cast<double>(p.degree - l) * log_rest);
    return terms;
}

// Suffix sums S_q = Σ_{ℓ>q} terms_ℓ for q = 0..terms.size()−1 (S = 0 past the end), summed from the small end.
std::vector<double> suffix_sums(const std::vector<double> &terms) {
    std::vector<double> s(terms.size(), 0.0);
    for (std::size_t l = terms.size(); l-- > 1;) s[l - 1] = s[l] + terms[l];
    return s;
}

double checked_exp_total(const KernelParams &p, double log_total) {
    if (log_total > kLogMaxDouble)
        fail(SUBQ_ERR_NUMERICAL, std::string("the ") + kernel_name(p.kernel) +
                                     " kernel's series sum C(rho) overflows double (log C = " + str(log_total) + ")");
    return std::exp(log_total);
}

// The truncation after degree q_max; or, with `choose`, after the smallest q <= q_max with T_q <= τ·C (q_max and
// cap_binds if there is none). For the Gaussian and polynomial kernels; arguments already validated.
Truncation truncation_from_terms(const KernelParams &p, double rho, double tau, std::int64_t q_max, bool choose) {
    double log_total = 0;
    const std::vector<double> terms = relative_terms(p, rho, log_total);
    Truncation r;
    r.total = checked_exp_total(p, log_total);
    const std::vector<double> tails = suffix_sums(terms);
    const auto relative_tail = [&](std::int64_t q) {
        return q < static_cast<std::int64_t>(tails.size()) ? tails[static_cast<std::size_t>(q)] : 0.0;
    };
    r.degree = q_max;
    if (choose) {
        std::int64_t q = 0;
        while (q < q_max && relative_tail(q) > tau) ++q;
        r.degree = q;
        r.cap_binds = relative_tail(q) > tau;
    }
    r.tail = r.total * relative_tail(r.degree);
    return r;
}

// The same for the normalised kernels, with T_q = κ(ρ) − Σ_{ℓ<=q} c_ℓ ρ^ℓ. With `choose`, coefficients are computed
// to doubling degrees 64, 128, … until one suffices (coefficient k of a truncated series does not depend on the
// truncation degree, so the result is the same as with one run to q_max).
Truncation truncation_from_closed_form(const KernelParams &p, double rho, double tau, std::int64_t q_max, bool choose) {
    Truncation r;
    r.total = kappa(p, rho);
    for (std::int64_t trial = choose ? std::min<std::int64_t>(64, q_max) : q_max;; trial = std::min(2 * trial, q_max)) {
        const std::vector<double> c = coefficients(p, trial);
        double sum = 0, power = 1;
        for (std::int64_t q = 0; q <= trial; ++q) {
            sum += c[static_cast<std::size_t>(q)] * power;
            power *= rho;
            r.degree = q;
            r.tail = std::max(0.0, r.total - sum);
            if (choose && r.tail <= tau * r.total) return r;
        }
        if (trial == q_max) {
            r.cap_binds = choose;
            return r;
        }
    }
}

}  // namespace

const char *kernel_name(Kernel kernel) noexcept {
    switch (kernel) {
        case Kernel::kPolynomial:
            return "polynomial";
        case Kernel::kGaussian:
            return "gaussian";
        case Kernel::kArcCos0:
            return "arccos0";
        case Kernel::kArcCos1:
            return "arccos1";
        case Kernel::kNtk:
            return "ntk";
    }
    return "unknown";
}

std::optional<int> homogeneity(Kernel kernel) noexcept {
    switch (kernel) {
        case Kernel::kArcCos0:
            return 0;
        case Kernel::kArcCos1:
        case Kernel::kNtk:
            return 1;
        default:
            return std::nullopt;
    }
}

void validate(const KernelParams &p) {
    switch (p.kernel) {
        case Kernel::kPolynomial:
            if (p.degree < 0 || p.degree > kMaxPolynomialDegree)
                fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE = " + std::to_string(p.degree) + " is outside [0, " +
                                               std::to_string(kMaxPolynomialDegree) + "] (polynomial kernel)");
            if (!(std::isfinite(p.coef0) && p.coef0 >= 0))
                fail(SUBQ_ERR_PARAM_RANGE,
                     "SUBQ_P_COEF0 = " + str(p.coef0) + " must be finite and >= 0 (polynomial kernel)");
            [[fallthrough]];
        case Kernel::kGaussian:
            if (!(std::isfinite(p.gamma) && p.gamma > 0))
                fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA = " + str(p.gamma) + " must be finite and > 0 (" +
                                               kernel_name(p.kernel) + " kernel)");
            return;
        case Kernel::kArcCos0:
        case Kernel::kArcCos1:
            return;
        case Kernel::kNtk:
            if (p.depth < 1 || p.depth > kMaxNtkDepth)
                fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NTK_DEPTH = " + std::to_string(p.depth) + " is outside [1, " +
                                               std::to_string(kMaxNtkDepth) + "]");
            if (p.convention != NtkConvention::kFirstLayer && p.convention != NtkConvention::kBothLayers)
                fail(SUBQ_ERR_PARAM_RANGE, "NTK convention = " + std::to_string(static_cast<int>(p.convention)) +
                                               " is neither first-layer (1) nor both-layers (2)");
            return;
    }
    fail(SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KERNEL = " + std::to_string(static_cast<int>(p.kernel)) +
                                   " is not a known kernel (1 polynomial, 2 gaussian, 3 arccos0, 4 arccos1, 5 ntk)");
}

double kappa0(double t) noexcept {
    return 1 - std::acos(std::clamp(t, -1.0, 1.0)) / kPi;
}

double kappa1(double t) noexcept {
    return kappa0_and_kappa1(t).second;
}

double kappa(const KernelParams &p, double s) {
    switch (p.kernel) {
        case Kernel::kPolynomial:
            return std::pow(p.gamma * s + p.coef0, static_cast<double>(p.degree));
        case Kernel::kGaussian:
            return std::exp(s);
        case Kernel::kArcCos0:
            return kappa0(s);
        case Kernel::kArcCos1:
            return kappa1(s);
        case Kernel::kNtk:
            return ntk_value(p, std::clamp(s, -1.0, 1.0));
    }
    validate(p);  // unknown kernel: throws
    return 0;
}

std::vector<double> coefficients(const KernelParams &p, std::int64_t q) {
    validate(p);
    require_degree(q, "series degree q");
    switch (p.kernel) {
        case Kernel::kPolynomial:
            return polynomial_coefficients(p, q);
        case Kernel::kGaussian:
            return exponential_coefficients(q);
        case Kernel::kArcCos0:
            return arccos_coefficients(0, q);
        case Kernel::kArcCos1:
            return arccos_coefficients(1, q);
        case Kernel::kNtk:
            return ntk_coefficients(p, q);
    }
    return {};  // unreachable: validate() rejected the kernel
}

Truncation truncation_at(const KernelParams &p, std::int64_t q, double rho) {
    validate(p);
    require_degree(q, "truncation degree q");
    require_rho(p, rho);
    if (is_normalised(p.kernel)) return truncation_from_closed_form(p, rho, 0, q, false);
    return truncation_from_terms(p, rho, 0, q, false);
}

Truncation choose_truncation(const KernelParams &p, double tau, std::int64_t q_cap, double rho) {
    validate(p);
    require_degree(q_cap, "degree cap q_cap");
    require_rho(p, rho);
    if (!(tau >= 0 && tau <= 1))
        fail(SUBQ_ERR_PARAM_RANGE, "relative accuracy tau = " + str(tau) + " is outside [0, 1]");
    if (is_normalised(p.kernel)) return truncation_from_closed_form(p, rho, tau, q_cap, true);
    return truncation_from_terms(p, rho, tau, q_cap, true);
}

// ---- series arithmetic ----------------------------------------------------------------------------------------

Series series_multiply(const Series &a, const Series &b) {
    require_same_length(a, b, "series_multiply");
    const std::size_t n = a.size();
    Series out(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        double s = 0;
        for (std::size_t j = 0; j <= k; ++j) s += a[j] * b[k - j];
        out[k] = s;
    }
    return out;
}

Series series_power(const Series &h, double alpha) {
    if (h.empty()) fail(SUBQ_ERR_DIMENSION, "series_power: empty series");
    if (!(std::isfinite(h[0]) && h[0] > 0))
        fail(SUBQ_ERR_INVALID_ARG, "series_power: h_0 = " + str(h[0]) + " must be finite and > 0");
    const std::size_t n = h.size();
    Series f(n, 0.0);
    f[0] = std::pow(h[0], alpha);
    for (std::size_t k = 1; k < n; ++k) {
        const double kk = static_cast<double>(k);
        double s = 0;
        for (std::size_t j = 1; j <= k; ++j) s += ((alpha + 1) * static_cast<double>(j) - kk) * h[j] * f[k - j];
        f[k] = s / (kk * h[0]);
    }
    return f;
}

Series series_arcsin(const Series &g) {
    require_inside_unit_interval(g, "series_arcsin");
    Series one_minus_g2 = series_multiply(g, g);
    for (double &v : one_minus_g2) v = -v;
    one_minus_g2[0] = (1 - g[0]) * (1 + g[0]);
    return integrate_product(g, series_power(one_minus_g2, -0.5), std::asin(g[0]));
}

Series series_kappa0(const Series &g) {
    require_inside_unit_interval(g, "series_kappa0");
    Series out = series_arcsin(g);
    for (double &v : out) v /= kPi;
    out[0] += 0.5;
    return out;
}

Series series_kappa1(const Series &g, const Series &kappa0_of_g) {
    require_inside_unit_interval(g, "series_kappa1");
    require_same_length(g, kappa0_of_g, "series_kappa1");
    return integrate_product(g, kappa0_of_g, kappa1(g[0]));
}

}  // namespace subq::kernel
