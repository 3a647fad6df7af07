#include "train/solve.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace subq::train {

std::vector<double> cholesky_solve(const std::vector<double> &G, std::int64_t N, const std::vector<double> &r,
                                   double &mu) {
    require(static_cast<std::int64_t>(G.size()) == N * N && static_cast<std::int64_t>(r.size()) == N,
            SUBQ_ERR_DIMENSION, "cholesky_solve: sizes");
    for (int attempt = 0; attempt <= 3; ++attempt) {
        std::vector<double> A = G;
        for (std::int64_t i = 0; i < N; ++i) A[i * N + i] += mu;
        const lapack_int info =
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', static_cast<lapack_int>(N), A.data(), static_cast<lapack_int>(N));
        if (info == 0) {
            std::vector<double> c = r;
            const lapack_int info2 = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', static_cast<lapack_int>(N), 1, A.data(),
                                                    static_cast<lapack_int>(N), c.data(), 1);
            require(info2 == 0, SUBQ_ERR_NUMERICAL, "dpotrs failed with info " + std::to_string(info2));
            return c;
        }
        mu = mu > 0 ? mu * 100 : 1e-12;
    }
    fail(SUBQ_ERR_NUMERICAL, "the Gram matrix is not positive definite even with damping " + std::to_string(mu));
}

std::vector<double> qr_preconditioner(const std::vector<double> &SA, std::int64_t rows, std::int64_t N, double mu) {
    require(static_cast<std::int64_t>(SA.size()) == rows * N, SUBQ_ERR_DIMENSION, "qr_preconditioner: sizes");
    const std::int64_t M = rows + N;
    std::vector<double> A(static_cast<std::size_t>(M * N), 0.0);
    std::copy(SA.begin(), SA.end(), A.begin());
    const double s = std::sqrt(mu);
    for (std::int64_t i = 0; i < N; ++i) A[(rows + i) * N + i] = s;
    std::vector<double> tau(static_cast<std::size_t>(N));
    const lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, static_cast<lapack_int>(M), static_cast<lapack_int>(N),
                                           A.data(), static_cast<lapack_int>(N), tau.data());
    require(info == 0, SUBQ_ERR_NUMERICAL, "dgeqrf failed with info " + std::to_string(info));
    std::vector<double> R(static_cast<std::size_t>(N * N), 0.0);
    for (std::int64_t i = 0; i < N; ++i)
        for (std::int64_t j = i; j < N; ++j) R[i * N + j] = A[i * N + j];
    for (std::int64_t i = 0; i < N; ++i)
        require(R[i * N + i] != 0, SUBQ_ERR_NUMERICAL, "the sketched preconditioner is singular");
    return R;
}

namespace {

// z = R^{-1} R^{-T} v (two triangular solves).
void apply_preconditioner(const std::vector<double> &R, std::int64_t N, std::vector<double> &z) {
    cblas_dtrsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, static_cast<int>(N), R.data(),
                static_cast<int>(N), z.data(), 1);
    cblas_dtrsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, static_cast<int>(N), R.data(),
                static_cast<int>(N), z.data(), 1);
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

}  // namespace

CgResult conjugate_gradient(const std::vector<double> &G, std::int64_t N, double mu, const std::vector<double> &r,
                            const std::vector<double> &R, double tol, std::int64_t maxit) {
    CgResult out;
    out.x.assign(static_cast<std::size_t>(N), 0.0);
    const double rnorm = std::sqrt(dot(r, r));
    if (rnorm == 0) {
        out.converged = true;
        return out;
    }
    std::vector<double> res = r, z = r, w(static_cast<std::size_t>(N));
    if (!R.empty()) apply_preconditioner(R, N, z);
    std::vector<double> p = z;
    double rz = dot(res, z);
    for (out.iterations = 0; out.iterations < maxit;) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(N), static_cast<int>(N), 1.0, G.data(),
                    static_cast<int>(N), p.data(), 1, 0.0, w.data(), 1);
        for (std::int64_t i = 0; i < N; ++i) w[i] += mu * p[i];
        const double alpha = rz / dot(p, w);
        for (std::int64_t i = 0; i < N; ++i) {
            out.x[i] += alpha * p[i];
            res[i] -= alpha * w[i];
        }
        ++out.iterations;
        out.relative_residual = std::sqrt(dot(res, res)) / rnorm;
        if (out.relative_residual <= tol) {
            out.converged = true;
            break;
        }
        z = res;
        if (!R.empty()) apply_preconditioner(R, N, z);
        const double rz_new = dot(res, z);
        const double beta = rz_new / rz;
        rz = rz_new;
        for (std::int64_t i = 0; i < N; ++i) p[i] = z[i] + beta * p[i];
    }
    return out;
}

}  // namespace subq::train
