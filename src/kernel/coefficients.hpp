// Kernel families, their closed forms and their Taylor (Maclaurin) coefficients (design/algorithms.md §4.1–§4.3).
//
// Every kernel is a power series κ(s) = Σ_ℓ c_ℓ s^ℓ with c_ℓ >= 0 in a kernel-specific scalar variable s:
//
//   polynomial  k = (γ⟨x,y⟩ + c)^p;  s = ⟨x,y⟩;  κ(s) = (γs + c)^p
//   Gaussian    k = e^{−γ‖x−y‖²} = e^{−γ‖x‖²}·e^{−γ‖y‖²}·κ(s);  s = 2γ⟨x,y⟩ = ⟨z_x,z_y⟩ with z = √(2γ)x;
//               κ(s) = e^s, c_ℓ = 1/ℓ! (the scaled form of §4.1)
//   arc-cos 0   k = κ₀(t);  h = 0;  s = t = ⟨x̂,ŷ⟩ (the cosine);  κ₀(t) = 1 − arccos(t)/π
//   arc-cos 1   k = ‖x‖‖y‖·κ₁(t);  h = 1;  s = t;  κ₁(t) = (√(1−t²) + t(π − arccos t))/π
//   ReLU NTK    k = ‖x‖‖y‖·Θ_L(t);  h = 1;  s = t;  Θ_L: see NtkConvention
//
// The last three are the normalised (dot-product) form ‖x‖^h‖y‖^h κ(t) with homogeneity h; their series converge
// on t ∈ [−1, 1] and their closed forms clamp t to that interval. A zero vector has direction x̂ = 0 (§1), so t = 0.
//
// Everything here is a pure function of its arguments: thread-safe, no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace subq::kernel {

// Kernel families. The values are pinned (the C API maps its SUBQ_KERNEL_* values onto them).
enum class Kernel : int {
    kPolynomial = 1,  // (γ⟨x,y⟩ + c)^p
    kGaussian = 2,    // e^{−γ‖x−y‖²}; its series is the exponential one (scaled form, §4.1)
    kArcCos0 = 3,     // arc-cosine kernel of order 0 (Cho–Saul)
    kArcCos1 = 4,     // arc-cosine kernel of order 1 (Cho–Saul)
    kNtk = 5          // ReLU neural tangent kernel of depth L
};

// Which weights of the ReLU network are trained; selects the NTK formula. With the normalised (He-scaled)
// recursion of §4.2, for h = 1..L:
//   Σ⁰ = t,  Σ^h = κ₁(Σ^{h−1}),  Σ̇^h = κ₀(Σ^{h−1}),  K⁰ = t,  K^h = Σ^h + K^{h−1}·Σ̇^h,
// K^L unrolls to Σ_{h=0}^{L} Σ^h·Π_{h'=h+1}^{L} Σ̇^{h'}: the term with Σ^h is the contribution of the weight
// matrix whose input is layer h (h = 0: the first layer W¹, h = L: the output layer).
enum class NtkConvention : int {
    // Only the first layer W¹ is trained: Θ_L(t) = ½·t·Π_{h=1}^{L} κ₀(Σ^{h−1}(t)), i.e. the W¹ term of K^L times
    // ½. The ½ is the output-layer convention of Du et al. (f = m^{−1/2} Σ_r a_r σ(·), a_r = ±1 fixed, no √2),
    // so that L = 1 gives their two-layer kernel t·κ₀(t)/2 (§4.2 table). Θ_L(1) = ½ for every L.
    kFirstLayer = 1,
    // Every layer (all L+1 weight matrices) is trained, He scaling throughout (Arora et al.; Zandieh et al.):
    // Θ_L(t) = K^L(t). L = 1 gives t·κ₀(t) + κ₁(t) ("both layers"); Θ_L(1) = L + 1. The library default.
    kBothLayers = 2
};

inline constexpr std::int64_t kMaxPolynomialDegree = 1024;  // p in [0, kMaxPolynomialDegree]
inline constexpr int kMaxNtkDepth = 64;                     // L in [1, kMaxNtkDepth]
inline constexpr std::int64_t kMaxSeriesDegree = 16384;     // q of coefficients() and of the truncation calls
inline constexpr double kMaxGaussianScale = 700.0;          // ρ bound for the Gaussian: e^ρ must be finite

// A kernel and its parameters. Fields a kernel does not use are ignored (not validated).
struct KernelParams {
    Kernel kernel = Kernel::kGaussian;
    double gamma = 1.0;       // polynomial: scale γ > 0; Gaussian: bandwidth γ > 0 (both finite)
    double coef0 = 0.0;       // polynomial: offset c >= 0, finite
    std::int64_t degree = 2;  // polynomial: degree p in [0, kMaxPolynomialDegree]
    int depth = 1;            // NTK: depth L in [1, kMaxNtkDepth]
    NtkConvention convention = NtkConvention::kBothLayers;  // NTK only
};

// Checks the fields `params.kernel` uses. Throws subq::Error SUBQ_ERR_PARAM_RANGE naming the parameter (unknown
// kernel or convention, γ <= 0 or not finite, c < 0, p or L outside its range).
void validate(const KernelParams &params);

// Short lower-case name of a kernel ("polynomial", "gaussian", "arccos0", "arccos1", "ntk"); "unknown" otherwise.
const char *kernel_name(Kernel kernel) noexcept;

// The homogeneity h of a normalised kernel (arc-cos 0: 0; arc-cos 1 and NTK: 1), for which
// k(x, y) = ‖x‖^h‖y‖^h κ(t). std::nullopt for the polynomial and Gaussian kernels, whose series variable is not a
// cosine (see the table above). Does not validate.
std::optional<int> homogeneity(Kernel kernel) noexcept;

// ---- closed forms --------------------------------------------------------------------------------------------

// κ₀(t) = 1 − arccos(t)/π with t clamped to [−1, 1]. κ₀(−1) = 0, κ₀(0) = ½, κ₀(1) = 1. NaN in, NaN out.
double kappa0(double t) noexcept;
// κ₁(t) = (√max(0, 1−t²) + t(π − arccos t))/π with t clamped to [−1, 1]. κ₁(−1) = 0, κ₁(0) = 1/π, κ₁(1) = 1.
double kappa1(double t) noexcept;

// The closed form κ(s) = Σ_ℓ c_ℓ s^ℓ of the series of `params` (table above): (γs + c)^p, e^s, κ₀(t), κ₁(t) or
// Θ_L(t) (t = s clamped to [−1, 1]; the NTK costs O(L)). Precondition: validate(params) passed (not re-checked);
// s is not NaN. At t = ±1 the result is finite (no NaN). The polynomial and exponential may overflow to ±inf.
double kappa(const KernelParams &params, double s);

// ---- Taylor coefficients --------------------------------------------------------------------------------------

// c_0 … c_q of the series of `params`, exact up to rounding (§4.2, §4.3):
//   polynomial  binom(p, ℓ)·c^{p−ℓ}·γ^ℓ (0 for ℓ > p), in log space;
//   Gaussian    1/ℓ! in log space; values below 1e−300 are flushed to 0 (from ℓ = 167 on), never NaN;
//   arc-cos 0   c₀ = ½, c_{2k+1} = a_k/π;   arc-cos 1   c₀ = 1/π, c₁ = ½, c_{2k+2} = a_k/(π(2k+2)),
//               where a_k = (2k)!/(4^k (k!)² (2k+1)) are the arcsin coefficients, by their ratio recurrence;
//   NTK         the §4.2 recursion run on truncated Taylor series (series_* below), O(L·q²) time, O(q) memory.
// Throws SUBQ_ERR_PARAM_RANGE (validate(), or q outside [0, kMaxSeriesDegree]); SUBQ_ERR_NUMERICAL if a polynomial
// coefficient overflows double.
std::vector<double> coefficients(const KernelParams &params, std::int64_t q);

// ---- truncation ------------------------------------------------------------------------------------------------

// The series of `params` truncated after degree q, for |s| <= ρ (ρ = 1: unit vectors; Gaussian: ρ = 2γ·max‖x‖²;
// polynomial: ρ = max‖x‖²). Then |k − k_q| <= T_q per entry (times ‖x‖^h‖y‖^h, resp. e^{−γ‖x‖²}e^{−γ‖y‖²}).
struct Truncation {
    std::int64_t degree = 0;  // q
    double tail = 0;          // T_q(ρ) = Σ_{ℓ>q} c_ℓ ρ^ℓ >= 0
    double total = 0;         // C(ρ) = Σ_ℓ c_ℓ ρ^ℓ = κ(ρ)
    bool cap_binds = false;   // choose_truncation: T_{q_cap} > τ·C, so degree = q_cap misses the requested accuracy
};

// T_q(ρ) and C(ρ) at a given q. Exact where known: C = κ(ρ) in closed form. Gaussian and polynomial tails are
// summed term by term in log space (relative terms are Poisson resp. binomial probabilities), so they keep full
// relative accuracy however small; the other tails are C − Σ_{ℓ<=q} c_ℓ ρ^ℓ (absolute accuracy ~1e−15·C),
// clamped at 0. ρ: (0, kMaxGaussianScale] for the Gaussian, (0, 1] for the normalised kernels, finite and > 0 for
// the polynomial. Throws SUBQ_ERR_PARAM_RANGE (validate(), q or ρ out of range); SUBQ_ERR_NUMERICAL if C
// overflows double (polynomial). Cost: as coefficients(params, q) (NTK), O(q + ρ) otherwise.
Truncation truncation_at(const KernelParams &params, std::int64_t q, double rho = 1.0);

// The smallest q <= q_cap with T_q(ρ) <= τ·C(ρ), with its tail; if there is none, q = q_cap and cap_binds = true
// (the truncation error is then reported, not hidden). τ in [0, 1]; q_cap in [0, kMaxSeriesDegree]; ρ as for
// truncation_at. Throws SUBQ_ERR_PARAM_RANGE. Cost: NTK O(L·q²) for the returned q (coefficients are computed for
// doubling degrees 64, 128, …, q_cap until one suffices); O(q_cap + ρ) otherwise.
Truncation choose_truncation(const KernelParams &params, double tau, std::int64_t q_cap, double rho = 1.0);

// ---- truncated Taylor-series arithmetic (§4.3) -------------------------------------------------------------------
// A Series g holds g_0 … g_q of g(t) = Σ_k g_k t^k. Each operation returns a series of the same length whose
// coefficients are exact (up to rounding) in all q+1 positions, in O(q²) time. Arguments must have equal, non-zero
// lengths (else SUBQ_ERR_DIMENSION). In the NTK recursion every g_k >= 0; then every sum inside series_arcsin,
// series_kappa0 and series_kappa1 (the power (1 − g²)^{−1/2} included) has terms of one sign: no cancellation.
using Series = std::vector<double>;

// a·b truncated to degree q (convolution).
Series series_multiply(const Series &a, const Series &b);
// h^α for h_0 > 0, by k·h_0·f_k = Σ_{j=1}^{k} ((α+1)j − k)·h_j·f_{k−j}, f_0 = h_0^α. Throws SUBQ_ERR_INVALID_ARG if
// h_0 <= 0 or is not finite.
Series series_power(const Series &h, double alpha);
// arcsin(g) = arcsin(g_0) + ∫ g′·(1 − g²)^{−1/2}. Throws SUBQ_ERR_INVALID_ARG unless |g_0| < 1.
Series series_arcsin(const Series &g);
// κ₀(g) = ½ + arcsin(g)/π. Throws SUBQ_ERR_INVALID_ARG unless |g_0| < 1.
Series series_kappa0(const Series &g);
// κ₁(g), given kappa0_of_g = series_kappa0(g). Uses κ₁′ = κ₀: κ₁(g) = κ₁(g_0) + ∫ g′·κ₀(g), which equals the §4.3
// form (√(1−g²) + g(π/2 + arcsin g))/π without its cancelling terms. Throws SUBQ_ERR_INVALID_ARG unless |g_0| < 1.
Series series_kappa1(const Series &g, const Series &kappa0_of_g);

}  // namespace subq::kernel
