// Linear solves of the Gauss–Newton step (design/algorithms.md §6.6, §6.8): (G + mu I) c = r with G = J J^T
// symmetric positive semi-definite, by Cholesky, or by conjugate gradient with a sketched QR preconditioner.
#pragma once

#include <cstdint>
#include <vector>

namespace subq::train {

// Solves (G + mu I) c = r by Cholesky (LAPACKE dpotrf/dpotrs); G is N x N row-major. If the factorisation fails,
// mu is multiplied by 100 and the factorisation retried, at most 3 times (then SUBQ_ERR_NUMERICAL). `mu` returns the
// damping actually used.
std::vector<double> cholesky_solve(const std::vector<double> &G, std::int64_t N, const std::vector<double> &r,
                                   double &mu);

// The upper-triangular R of the QR factorisation of [SA; sqrt(mu) I] (SA: rows x N, row-major), so that
// R^T R = SA^T SA + mu I. Returned N x N row-major.
std::vector<double> qr_preconditioner(const std::vector<double> &SA, std::int64_t rows, std::int64_t N, double mu);

struct CgResult {
    std::vector<double> x;
    std::int64_t iterations = 0;
    double relative_residual = 0;  // ||r - (G + mu I) x|| / ||r|| as tracked by the recurrence
    bool converged = false;
};

// Conjugate gradient on (G + mu I) x = r to ||res|| <= tol ||r||, at most maxit iterations; preconditioned with
// M^{-1} = R^{-1} R^{-T} when R (N x N upper, row-major) is given, plain CG when R is empty.
CgResult conjugate_gradient(const std::vector<double> &G, std::int64_t N, double mu, const std::vector<double> &r,
                            const std::vector<double> &R, double tol, std::int64_t maxit);

}  // namespace subq::train
