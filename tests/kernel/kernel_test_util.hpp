// Helpers shared by the kernel tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "kernel/coefficients.hpp"

namespace subq::kernel::test {

inline KernelParams ntk(int depth, NtkConvention convention = NtkConvention::kBothLayers) {
    KernelParams p;
    p.kernel = Kernel::kNtk;
    p.depth = depth;
    p.convention = convention;
    return p;
}

inline KernelParams of(Kernel k) {
    KernelParams p;
    p.kernel = k;
    return p;
}

inline KernelParams polynomial(std::int64_t degree, double gamma, double coef0) {
    KernelParams p;
    p.kernel = Kernel::kPolynomial;
    p.degree = degree;
    p.gamma = gamma;
    p.coef0 = coef0;
    return p;
}

inline KernelParams gaussian(double gamma) {
    KernelParams p;
    p.kernel = Kernel::kGaussian;
    p.gamma = gamma;
    return p;
}

// Runs `body`, expecting subq::Error with `status` and a message containing `fragment`.
template <class Body>
void expect_error(Body &&body, subq_status status, const std::string &fragment) {
    try {
        body();
        ADD_FAILURE() << "no error; expected status " << status << " (" << fragment << ")";
    } catch (const Error &e) {
        EXPECT_EQ(e.status(), status) << e.what();
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}

}  // namespace subq::kernel::test
