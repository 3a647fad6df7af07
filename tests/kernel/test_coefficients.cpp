// Taylor coefficients, closed forms, truncation and series arithmetic (design/algorithms.md §4.2–§4.3; §7.1 S11,
// S12). Reference values are the design's tables (6–7 significant digits, so compared within 1e−6) or are
// computed here independently of kernel/coefficients.cpp (direct formulas with std::acos, std::lgamma, binomials).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "kernel/coefficients.hpp"
#include "kernel_test_util.hpp"

using namespace subq;
using namespace subq::kernel;
using namespace subq::kernel::test;

namespace {

constexpr double kPi = std::numbers::pi;

// Σ_{ℓ<=q} c_ℓ t^ℓ by Horner.
double evaluate(const std::vector<double> &c, double t) {
    double s = 0;
    for (std::size_t l = c.size(); l-- > 0;) s = s * t + c[l];
    return s;
}

double sum(const std::vector<double> &c) {
    double s = 0;
    for (double v : c) s += v;
    return s;
}

// Independent closed forms, in angle form (Cho–Saul): θ = arccos t.
double arccos0_angle(double t) {
    return (kPi - std::acos(t)) / kPi;
}
double arccos1_angle(double t) {
    const double th = std::acos(t);
    return (std::sin(th) + (kPi - th) * std::cos(th)) / kPi;
}

void expect_row(const std::vector<double> &c, const std::vector<double> &table, const char *what) {
    ASSERT_GE(c.size(), table.size());
    for (std::size_t l = 0; l < table.size(); ++l) EXPECT_NEAR(c[l], table[l], 1e-6) << what << ", c_" << l;
}

}  // namespace

// ---- closed forms (S12) ------------------------------------------------------------------------------------------

TEST(KernelClosedForm, SpotValues) {
    EXPECT_DOUBLE_EQ(kappa0(0), 0.5);
    EXPECT_DOUBLE_EQ(kappa1(0), 1 / kPi);
    EXPECT_EQ(kappa0(1), 1.0);
    EXPECT_EQ(kappa1(1), 1.0);
    EXPECT_EQ(kappa0(-1), 0.0);
    EXPECT_EQ(kappa1(-1), 0.0);
    // Clamping: slightly (or far) outside [−1, 1] equals the endpoint, never NaN.
    for (double t : {1 + 1e-15, 1 + 1e-9, 7.0}) {
        EXPECT_EQ(kappa0(t), kappa0(1));
        EXPECT_EQ(kappa1(t), kappa1(1));
        EXPECT_EQ(kappa0(-t), kappa0(-1));
        EXPECT_EQ(kappa1(-t), kappa1(-1));
    }
    // Just inside the endpoints: finite and monotone.
    for (double t : {1 - 1e-16, 1 - 1e-12, -1 + 1e-16}) {
        EXPECT_TRUE(std::isfinite(kappa0(t)) && std::isfinite(kappa1(t)));
        EXPECT_LE(kappa0(t), 1.0);
        EXPECT_GE(kappa1(t), 0.0);
    }
    // Agreement with the angle forms inside the interval (different formula, same function: a few ulps).
    for (double t = -0.95; t < 1; t += 0.1) {
        EXPECT_NEAR(kappa0(t), arccos0_angle(t), 2e-15);
        EXPECT_NEAR(kappa1(t), arccos1_angle(t), 2e-15);
    }
}

TEST(KernelClosedForm, NtkEndpointsAndNoNan) {
    for (int L = 1; L <= kMaxNtkDepth; ++L) {
        EXPECT_EQ(kappa(ntk(L), 1.0), L + 1.0) << "K^L(1) = L+1 exactly, L = " << L;
        EXPECT_EQ(kappa(ntk(L, NtkConvention::kFirstLayer), 1.0), 0.5) << "L = " << L;
        for (double t : {-1.0, -1 - 1e-12, -1 + 1e-16, 1 - 1e-16, 1 + 1e-12}) {
            const double both = kappa(ntk(L), t), first = kappa(ntk(L, NtkConvention::kFirstLayer), t);
            EXPECT_TRUE(std::isfinite(both) && std::isfinite(first)) << "L = " << L << ", t = " << t;
        }
    }
    // K¹(−1) = κ₁(−1) − κ₀(−1) = 0; K²(−1) = κ₁(0) + 0·κ₀(0) = 1/π.
    EXPECT_NEAR(kappa(ntk(1), -1), 0.0, 1e-15);
    EXPECT_NEAR(kappa(ntk(2), -1), 1 / kPi, 1e-15);
}

TEST(KernelClosedForm, NtkCheckValues) {
    // §4.2 check values (7 digits): K^L(0.3), K^L(0.7).
    const double table[3][2] = {{0.6618403, 1.2728621}, {1.0346013, 1.7681629}, {1.4040337, 2.2126119}};
    for (int L = 1; L <= 3; ++L) {
        EXPECT_NEAR(kappa(ntk(L), 0.3), table[L - 1][0], 1e-6) << "L = " << L;
        EXPECT_NEAR(kappa(ntk(L), 0.7), table[L - 1][1], 1e-6) << "L = " << L;
    }
}

TEST(KernelClosedForm, NtkConventionsMatchTheirDefinitions) {
    // Written out with the angle forms: first layer ½·t·Π κ₀(Σ^{h−1}); both layers the K^h recursion. Values are
    // O(1) and a few ops deep: 1e−14 allows some ulps.
    for (double t : {-0.8, -0.2, 0.0, 0.3, 0.7, 0.99}) {
        const double s1 = arccos1_angle(t), s2 = arccos1_angle(s1);
        EXPECT_NEAR(kappa(ntk(1, NtkConvention::kFirstLayer), t), 0.5 * t * arccos0_angle(t), 1e-14);
        EXPECT_NEAR(kappa(ntk(2, NtkConvention::kFirstLayer), t), 0.5 * t * arccos0_angle(t) * arccos0_angle(s1),
                    1e-14);
        EXPECT_NEAR(kappa(ntk(3, NtkConvention::kFirstLayer), t),
                    0.5 * t * arccos0_angle(t) * arccos0_angle(s1) * arccos0_angle(s2), 1e-14);
        const double k1 = s1 + t * arccos0_angle(t);
        EXPECT_NEAR(kappa(ntk(1), t), k1, 1e-14);
        EXPECT_NEAR(kappa(ntk(2), t), s2 + k1 * arccos0_angle(s1), 1e-14);
    }
}

TEST(KernelClosedForm, PolynomialAndGaussian) {
    EXPECT_NEAR(kappa(polynomial(3, 2.0, 1.5), 0.4), std::pow(2.0 * 0.4 + 1.5, 3), 1e-14);
    EXPECT_EQ(kappa(polynomial(0, 2.0, 0.0), 0.4), 1.0);
    EXPECT_NEAR(kappa(gaussian(3.0), 0.25), std::exp(0.25), 1e-15);  // e^s in the scaled variable s
}

TEST(KernelClosedForm, Homogeneity) {
    EXPECT_EQ(homogeneity(Kernel::kArcCos0), 0);
    EXPECT_EQ(homogeneity(Kernel::kArcCos1), 1);
    EXPECT_EQ(homogeneity(Kernel::kNtk), 1);
    EXPECT_FALSE(homogeneity(Kernel::kPolynomial).has_value());
    EXPECT_FALSE(homogeneity(Kernel::kGaussian).has_value());
    EXPECT_STREQ(kernel_name(Kernel::kArcCos1), "arccos1");
    EXPECT_STREQ(kernel_name(static_cast<Kernel>(42)), "unknown");
}

// ---- coefficients (S11) --------------------------------------------------------------------------------------------

TEST(KernelCoefficients, DesignTableRows) {
    expect_row(coefficients(of(Kernel::kArcCos0), 10), {.5, .318310, 0, .053052, 0, .023873, 0, .014210, 0, .009671, 0},
               "arccos0");
    expect_row(coefficients(of(Kernel::kArcCos1), 10),
               {.318310, .5, .159155, 0, .013263, 0, .003979, 0, .001776, 0, .000967}, "arccos1");
    expect_row(coefficients(ntk(1, NtkConvention::kFirstLayer), 10),
               {0, .25, .159155, 0, .026526, 0, .011937, 0, .007105, 0, .004835}, "ntk first layer L=1");
    expect_row(coefficients(ntk(1), 10), {.318310, 1, .477465, 0, .066315, 0, .027852, 0, .015987, 0, .010638},
               "ntk both L=1");
    expect_row(coefficients(ntk(2), 10),
               {.685709, .958113, .615557, .183993, .114646, .048682, .049568, .024888, .028331, .015691, .018808},
               "ntk L=2");
    expect_row(coefficients(ntk(3), 10),
               {1.060388, .912573, .665091, .301827, .189421, .104641, .084227, .054979, .049118, .034981, .032924},
               "ntk L=3");
}

TEST(KernelCoefficients, ArcsinCoefficientsAreExact) {
    // c_{2k+1} = a_k/π for arc-cos 0, with a_k = 1, 1/6, 3/40, 5/112, 35/1152 (exact rationals).
    const std::vector<double> c = coefficients(of(Kernel::kArcCos0), 9);
    const double a[] = {1, 1.0 / 6, 3.0 / 40, 5.0 / 112, 35.0 / 1152};
    for (int k = 0; k < 5; ++k) EXPECT_NEAR(c[2 * k + 1] * kPi, a[k], 1e-15) << "a_" << k;
    // And the asymptotic a_k ~ k^{−3/2}/(2√π): within 1% at k = 2000.
    const std::vector<double> far = coefficients(of(Kernel::kArcCos0), 4001);
    EXPECT_NEAR(far[4001] * kPi / (std::pow(2000.0, -1.5) / (2 * std::sqrt(kPi))), 1.0, 0.01);
}

TEST(KernelCoefficients, PolynomialBinomials) {
    const std::vector<double> c = coefficients(polynomial(3, 2.0, 1.5), 6);
    const double expected[] = {1.5 * 1.5 * 1.5, 3 * 1.5 * 1.5 * 2, 3 * 1.5 * 4, 8, 0, 0, 0};
    for (int l = 0; l <= 6; ++l) EXPECT_NEAR(c[l], expected[l], 1e-13 * (1 + expected[l])) << "c_" << l;
    const std::vector<double> homogeneous = coefficients(polynomial(4, 0.5, 0.0), 5);  // (γ⟨x,y⟩)^4
    EXPECT_EQ(homogeneous, (std::vector<double>{0, 0, 0, 0, 0.0625, 0}));
    EXPECT_EQ(coefficients(polynomial(0, 3.0, 2.0), 2), (std::vector<double>{1, 0, 0}));
    // Truncated below the degree: the first q+1 coefficients; they sum to (γ + c)^p once q >= p.
    EXPECT_EQ(coefficients(polynomial(10, 1.0, 1.0), 3).size(), 4u);
    EXPECT_NEAR(sum(coefficients(polynomial(10, 1.0, 1.0), 10)), 1024, 1e-10);
}

TEST(KernelCoefficients, ExponentialFarPastFactorialUnderflow) {
    // γ does not enter (scaled form). log ℓ! reaches ~690 at ℓ = 166; its rounding (~ℓ·690·ε ≈ 1e−11 worst case,
    // in this code and in std::lgamma) becomes the relative error of c_ℓ, hence 1e−10.
    const std::vector<double> c = coefficients(gaussian(5.0), 400);
    ASSERT_EQ(c.size(), 401u);
    for (std::size_t l = 0; l < c.size(); ++l) {
        ASSERT_TRUE(std::isfinite(c[l]) && c[l] >= 0) << "c_" << l;
        if (l <= 166) {
            EXPECT_NEAR(c[l], std::exp(-std::lgamma(static_cast<double>(l) + 1)), 1e-10 * c[l]) << "c_" << l;
        } else {
            EXPECT_EQ(c[l], 0.0) << "c_" << l << " is below 1e-300: flushed";
        }
    }
    EXPECT_EQ(c[0], 1.0);
    EXPECT_EQ(c[1], 1.0);
    EXPECT_NEAR(sum(c), std::exp(1.0), 4e-15);  // a few ulps of e
}

TEST(KernelCoefficients, NtkSeriesAtDegree40MatchesClosedForm) {
    // §7.1 S11: series to q = 40 equal the closed forms within 1e−6 at 0.3 and 0.7 (the tail past 40 at 0.7 is
    // below C·0.7^41 ≈ 2e−6·C, in fact ~1e−8 since c_ℓ ~ ℓ^{−3/2}); also the §4.2 check values themselves.
    const double table[3][2] = {{0.6618403, 1.2728621}, {1.0346013, 1.7681629}, {1.4040337, 2.2126119}};
    for (int L = 1; L <= 3; ++L)
        for (NtkConvention conv : {NtkConvention::kBothLayers, NtkConvention::kFirstLayer}) {
            const KernelParams p = ntk(L, conv);
            const std::vector<double> c = coefficients(p, 40);
            for (int i = 0; i < 2; ++i) {
                const double t = i == 0 ? 0.3 : 0.7;
                EXPECT_NEAR(evaluate(c, t), kappa(p, t), 1e-6) << "L = " << L << ", t = " << t;
                if (conv == NtkConvention::kBothLayers) {
                    EXPECT_NEAR(evaluate(c, t), table[L - 1][i], 1e-6);
                }
            }
        }
}

TEST(KernelCoefficients, NtkSumsApproachLPlusOne) {
    // §4.2: the truncated sums at q = 40 are 1.9594 / 2.8777 / 3.7556 (4 decimals) against K^L(1) = 2 / 3 / 4;
    // the sums increase with q (c_ℓ >= 0) and stay below L+1.
    const double at40[] = {1.9594, 2.8777, 3.7556};
    for (int L = 1; L <= 3; ++L) {
        const std::vector<double> c = coefficients(ntk(L), 400);
        double partial = 0, previous_tail = HUGE_VAL;
        for (std::size_t l = 0; l < c.size(); ++l) {
            partial += c[l];
            const double tail = (L + 1) - partial;
            EXPECT_GT(tail, 0) << "L = " << L << ", q = " << l;
            EXPECT_LE(tail, previous_tail);
            previous_tail = tail;
            if (l == 40) {
                EXPECT_NEAR(partial, at40[L - 1], 1e-4) << "L = " << L;
            }
        }
    }
    // Θ(q^{−1/2}) tails: T_q·√q settles (L = 1: the constant ≈ 0.254 of §4.2, within 3% at these q).
    const std::vector<double> c = coefficients(ntk(1), 4000);
    double partial = 0;
    for (std::size_t l = 0; l <= 4000; ++l) {
        partial += c[l];
        if (l == 1000 || l == 4000) {
            EXPECT_NEAR((2 - partial) * std::sqrt(static_cast<double>(l)), 0.254, 0.254 * 0.03) << "q = " << l;
        }
    }
}

TEST(KernelCoefficients, NonNegativeFiniteAndPrefixStableAtAnyDepth) {
    for (int L : {1, 2, 5, 17, 64})
        for (NtkConvention conv : {NtkConvention::kBothLayers, NtkConvention::kFirstLayer}) {
            const KernelParams p = ntk(L, conv);
            const std::vector<double> c = coefficients(p, 300);
            for (std::size_t l = 0; l < c.size(); ++l)
                ASSERT_TRUE(std::isfinite(c[l]) && c[l] >= 0) << "L = " << L << ", c_" << l << " = " << c[l];
            // Degree-q truncation is exact in its first q+1 coefficients: a shorter run gives the same prefix.
            const std::vector<double> short_run = coefficients(p, 37);
            for (std::size_t l = 0; l < short_run.size(); ++l) EXPECT_EQ(short_run[l], c[l]);
            // Deep networks too: Σ^h(0) approaches 1 (1 − Σ^{63}(0) ≈ 0.008), yet the series still sums to the
            // closed form where it converges fast (t = 0.5: tail below C·0.5^301).
            EXPECT_NEAR(evaluate(c, 0.5), kappa(p, 0.5), 1e-12 * kappa(p, 1.0)) << "L = " << L;
            EXPECT_NEAR(evaluate(c, -0.5), kappa(p, -0.5), 1e-12 * kappa(p, 1.0)) << "L = " << L;
        }
}

// ---- truncation ----------------------------------------------------------------------------------------------------

TEST(KernelTruncation, MeasuredArcCosTails) {
    // §4.2 measured sup errors (= T_q, attained at t = 1), 3 significant digits.
    EXPECT_NEAR(truncation_at(of(Kernel::kArcCos0), 10).tail, 0.0809, 5e-5);
    EXPECT_NEAR(truncation_at(of(Kernel::kArcCos0), 100).tail, 0.0254, 5e-5);
    EXPECT_NEAR(truncation_at(of(Kernel::kArcCos0), 1000).tail, 0.00803, 5e-6);
    EXPECT_NEAR(truncation_at(of(Kernel::kArcCos1), 10).tail, 2.55e-3, 5e-6);
    EXPECT_NEAR(truncation_at(of(Kernel::kArcCos1), 100).tail, 8.43e-5, 5e-8);
    EXPECT_EQ(truncation_at(of(Kernel::kArcCos1), 100).total, 1.0);
}

TEST(KernelTruncation, TailIsTotalMinusPartialSum) {
    for (const KernelParams &p : {ntk(2), ntk(3, NtkConvention::kFirstLayer), of(Kernel::kArcCos1)})
        for (double rho : {1.0, 0.6}) {
            const Truncation t = truncation_at(p, 50, rho);
            const std::vector<double> c = coefficients(p, 50);
            EXPECT_EQ(t.degree, 50);
            EXPECT_NEAR(t.total, kappa(p, rho), 1e-15 * t.total);
            EXPECT_NEAR(t.tail, t.total - evaluate(c, rho), 1e-14 * t.total);
            EXPECT_FALSE(t.cap_binds);
        }
}

TEST(KernelTruncation, ChoosesTheSmallestSufficientDegree) {
    for (const KernelParams &p : {of(Kernel::kArcCos1), ntk(2), ntk(1, NtkConvention::kFirstLayer)})
        for (double tau : {0.2, 0.05, 1e-2}) {
            const Truncation t = choose_truncation(p, tau, 1024);
            ASSERT_FALSE(t.cap_binds) << kernel_name(p.kernel) << ", tau = " << tau;
            EXPECT_LE(t.tail, tau * t.total);
            ASSERT_GT(t.degree, 0);
            EXPECT_GT(truncation_at(p, t.degree - 1).tail, tau * t.total) << "q = " << t.degree << " is not minimal";
            EXPECT_EQ(truncation_at(p, t.degree).tail, t.tail);
        }
    // κ₁ at τ = 1e−3: T_q ≈ 0.0846·q^{−3/2} puts q near 19; only even degrees add terms past c_1.
    const Truncation t = choose_truncation(of(Kernel::kArcCos1), 1e-3, 1024);
    EXPECT_GE(t.degree, 16);
    EXPECT_LE(t.degree, 24);
    EXPECT_EQ(t.degree % 2, 0);
}

TEST(KernelTruncation, CapBindsAndReportsTheTail) {
    // §4.4: q_cap binds for κ₀ (T_1024 ≈ 0.254/√1024 ≈ 0.008).
    const Truncation t = choose_truncation(of(Kernel::kArcCos0), 1e-3, 1024);
    EXPECT_TRUE(t.cap_binds);
    EXPECT_EQ(t.degree, 1024);
    EXPECT_NEAR(t.tail, 0.254 / 32, 0.254 / 32 * 0.03);
    EXPECT_EQ(t.tail, truncation_at(of(Kernel::kArcCos0), 1024).tail);
    // Depth-3 NTK past the first doubling step (64): the cap is reached through 64 → 128 → 200.
    const Truncation deep = choose_truncation(ntk(3), 1e-3, 200);
    EXPECT_TRUE(deep.cap_binds);
    EXPECT_EQ(deep.degree, 200);
    EXPECT_NEAR(deep.tail, truncation_at(ntk(3), 200).tail, 0);
}

TEST(KernelTruncation, GaussianTailsInLogSpace) {
    // ρ = 1: T_5 = e − Σ_{ℓ<=5} 1/ℓ! = 1.6152e−3 <= 1e−3·e, T_4 = 9.95e−3 > 1e−3·e, so q = 5.
    const Truncation t = choose_truncation(gaussian(1.0), 1e-3, 64);
    EXPECT_EQ(t.degree, 5);
    EXPECT_FALSE(t.cap_binds);
    EXPECT_NEAR(t.total, std::exp(1.0), 1e-15);
    EXPECT_NEAR(t.tail, std::exp(1.0) - (1 + 1 + 0.5 + 1.0 / 6 + 1.0 / 24 + 1.0 / 120), 1e-14);
    // Tiny tails keep their relative accuracy (no cancellation against C): T_30 = Σ_{ℓ>30} 1/ℓ!.
    double expected = 0;
    for (int l = 80; l > 30; --l) expected += std::exp(-std::lgamma(l + 1.0));
    EXPECT_NEAR(truncation_at(gaussian(1.0), 30).tail, expected, 1e-10 * expected);
    // Large scale ρ = 200 (terms peak near ℓ = 200): minimality against Poisson tails computed here.
    const double rho = 200, tau = 1e-6;
    const Truncation big = choose_truncation(gaussian(1.0), tau, 2000, rho);
    const auto poisson_tail = [&](int q) {  // Σ_{ℓ>q} e^{−ρ} ρ^ℓ/ℓ!
        double s = 0;
        for (int l = 2000; l > q; --l) s += std::exp(l * std::log(rho) - std::lgamma(l + 1.0) - rho);
        return s;
    };
    EXPECT_FALSE(big.cap_binds);
    EXPECT_NEAR(big.total, std::exp(rho), 1e-13 * std::exp(rho));
    EXPECT_LE(poisson_tail(static_cast<int>(big.degree)), tau);
    EXPECT_GT(poisson_tail(static_cast<int>(big.degree) - 1), tau);
    EXPECT_NEAR(big.tail / big.total, poisson_tail(static_cast<int>(big.degree)), 1e-9 * tau);
    // A cap below the need binds.
    EXPECT_TRUE(choose_truncation(gaussian(1.0), tau, 100, rho).cap_binds);
}

TEST(KernelTruncation, PolynomialTailsAreFinite) {
    const KernelParams p = polynomial(3, 1.0, 1.0);  // (s + 1)^3 = 1 + 3s + 3s² + s³, C = 8
    // Binomial probabilities in log space: exact up to a few ulps.
    EXPECT_NEAR(truncation_at(p, 0).tail, 7.0, 1e-14);
    EXPECT_NEAR(truncation_at(p, 1).tail, 4.0, 1e-14);
    EXPECT_NEAR(truncation_at(p, 2).tail, 1.0, 1e-14);
    EXPECT_EQ(truncation_at(p, 3).tail, 0.0);
    EXPECT_EQ(truncation_at(p, 9).tail, 0.0);
    EXPECT_EQ(choose_truncation(p, 0.0, 100).degree, 3);
    EXPECT_EQ(choose_truncation(p, 0.2, 100).degree, 2);  // T_1 = 4 > 1.6 >= T_2 = 1
    // ρ = ‖x‖² bound: (2γ + c)^p with γ = 1, c = 1, ρ = 2: C = 27, T_2 = s³ at s = 2 = 8.
    EXPECT_NEAR(truncation_at(p, 2, 2.0).total, 27.0, 1e-13);
    EXPECT_NEAR(truncation_at(p, 2, 2.0).tail, 8.0, 1e-13);
    EXPECT_NEAR(truncation_at(polynomial(5, 2.0, 0.0), 4).tail, 32.0, 1e-13);  // (2s)^5 at s = 1
}

// ---- series arithmetic ---------------------------------------------------------------------------------------------

TEST(KernelSeries, MultiplyAndPower) {
    EXPECT_EQ(series_multiply({1, 1, 0, 0}, {1, -1, 0, 0}), (Series{1, 0, -1, 0}));
    EXPECT_EQ(series_multiply({2, 3}, {5, 7}), (Series{10, 29}));  // truncated: no t² term
    // (1 + 2t)^3 = 1 + 6t + 12t² + 8t³ (integer α: exact polynomial, zero afterwards).
    const Series cube = series_power({1, 2, 0, 0, 0, 0}, 3);
    const Series expected_cube{1, 6, 12, 8, 0, 0};
    for (int k = 0; k < 6; ++k) EXPECT_NEAR(cube[k], expected_cube[k], 1e-13);
    // (1 − t)^{−1/2} = Σ binom(2k, k)/4^k t^k; and (4 − 4t)^{1/2} = 2(1 − t)^{1/2}.
    Series h(30, 0.0);
    h[0] = 1;
    h[1] = -1;
    const Series r = series_power(h, -0.5);
    double central = 1;  // binom(2k, k)/4^k
    for (int k = 0; k < 30; ++k) {
        EXPECT_NEAR(r[k], central, 1e-15) << "k = " << k;
        central *= (2.0 * k + 1) / (2.0 * k + 2);
    }
    const Series s = series_power({4, -4, 0, 0}, 0.5);
    EXPECT_NEAR(s[0], 2, 1e-15);
    EXPECT_NEAR(s[1], -1, 1e-15);
    EXPECT_NEAR(s[2], -0.25, 1e-15);
    EXPECT_NEAR(s[3], -0.125, 1e-15);
}

TEST(KernelSeries, ArcsinAndKappaOfGeneralSeries) {
    // arcsin(t) = Σ a_k t^{2k+1}; κ₀(t), κ₁(t) = the arc-cos rows.
    Series t(41, 0.0);
    t[1] = 1;
    const Series k0 = series_kappa0(t), k1 = series_kappa1(t, k0);
    const std::vector<double> c0 = coefficients(of(Kernel::kArcCos0), 40), c1 = coefficients(of(Kernel::kArcCos1), 40);
    for (int k = 0; k <= 40; ++k) {
        EXPECT_NEAR(k0[k], c0[k], 1e-15) << "k = " << k;
        EXPECT_NEAR(k1[k], c1[k], 1e-15) << "k = " << k;
    }
    // A series with g_0 ≠ 0: g(t) = 0.3 + 0.2t − 0.1t². Evaluated at t = 0.1 (fast convergence) the composed
    // series equal the functions of g(0.1) = 0.319.
    Series g(41, 0.0);
    g[0] = 0.3;
    g[1] = 0.2;
    g[2] = -0.1;
    const double g01 = 0.3 + 0.02 - 0.001;
    EXPECT_NEAR(evaluate(series_arcsin(g), 0.1), std::asin(g01), 1e-14);
    const Series gk0 = series_kappa0(g);
    EXPECT_NEAR(evaluate(gk0, 0.1), kappa0(g01), 1e-14);
    EXPECT_NEAR(evaluate(series_kappa1(g, gk0), 0.1), kappa1(g01), 1e-14);
}

TEST(KernelSeries, Errors) {
    expect_error([] { series_arcsin({1.0, 0.5}); }, SUBQ_ERR_INVALID_ARG, "|g_0|");
    expect_error([] { series_kappa0({-1.5, 0.5}); }, SUBQ_ERR_INVALID_ARG, "|g_0|");
    expect_error([] { series_power({0.0, 1.0}, 0.5); }, SUBQ_ERR_INVALID_ARG, "h_0");
    expect_error([] { series_multiply({1.0, 2.0}, {1.0}); }, SUBQ_ERR_DIMENSION, "lengths");
    expect_error([] { series_kappa1({0.1, 1.0}, {0.5}); }, SUBQ_ERR_DIMENSION, "lengths");
    expect_error([] { series_power({}, 0.5); }, SUBQ_ERR_DIMENSION, "empty");
}

// ---- parameter checks ----------------------------------------------------------------------------------------------

TEST(KernelParamsCheck, OutOfRange) {
    expect_error([] { validate(gaussian(0.0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
    expect_error([] { validate(gaussian(NAN)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
    expect_error([] { validate(polynomial(2, -1.0, 0.0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_GAMMA");
    expect_error([] { validate(polynomial(2, 1.0, -0.5)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_COEF0");
    expect_error([] { validate(polynomial(-1, 1.0, 0.0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE");
    expect_error([] { validate(polynomial(1025, 1.0, 0.0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_DEGREE");
    expect_error([] { validate(ntk(0)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NTK_DEPTH");
    expect_error([] { validate(ntk(65)); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_NTK_DEPTH");
    expect_error([] { validate(ntk(2, static_cast<NtkConvention>(0))); }, SUBQ_ERR_PARAM_RANGE, "convention");
    expect_error([] { validate(of(static_cast<Kernel>(0))); }, SUBQ_ERR_PARAM_RANGE, "SUBQ_P_KERNEL");
    // Fields a kernel does not use are not checked.
    KernelParams p = of(Kernel::kArcCos1);
    p.gamma = -1;
    p.depth = 0;
    EXPECT_NO_THROW(validate(p));

    expect_error([] { coefficients(of(Kernel::kArcCos0), -1); }, SUBQ_ERR_PARAM_RANGE, "series degree");
    expect_error([] { coefficients(of(Kernel::kArcCos0), kMaxSeriesDegree + 1); }, SUBQ_ERR_PARAM_RANGE,
                 "series degree");
    expect_error([] { coefficients(polynomial(1024, 1e10, 0.0), 1024); }, SUBQ_ERR_NUMERICAL, "overflows");
    expect_error([] { choose_truncation(of(Kernel::kArcCos1), -0.1, 10); }, SUBQ_ERR_PARAM_RANGE, "tau");
    expect_error([] { choose_truncation(of(Kernel::kArcCos1), 1.5, 10); }, SUBQ_ERR_PARAM_RANGE, "tau");
    expect_error([] { choose_truncation(of(Kernel::kArcCos1), 0.1, -1); }, SUBQ_ERR_PARAM_RANGE, "q_cap");
    expect_error([] { truncation_at(of(Kernel::kArcCos1), 10, 1.5); }, SUBQ_ERR_PARAM_RANGE, "rho");
    expect_error([] { truncation_at(gaussian(1.0), 10, 800.0); }, SUBQ_ERR_PARAM_RANGE, "rho");
    expect_error([] { truncation_at(gaussian(1.0), 10, 0.0); }, SUBQ_ERR_PARAM_RANGE, "rho");
    expect_error([] { truncation_at(polynomial(1024, 1.0, 1.0), 10, 1e6); }, SUBQ_ERR_NUMERICAL, "overflows");
}
