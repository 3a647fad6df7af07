"""Kernel feature maps (subq.FeatureMap, subq.KernelFeatures) and exact kernels (subq.kernel_matrix): accuracy
against the exact kernel, the Taylor truncation, dense/CSR/float32 agreement, a scikit-learn Pipeline, errors."""

import pytest

np = pytest.importorskip("numpy")

import subq  # noqa: E402


def unit_rows(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def relative_error(Z, K):
    Z = Z.astype(np.float64)
    return np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K)


def test_kernel_matrix_against_formulas():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((6, 4)), rng.standard_normal((5, 4))
    sq = (X ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None, :] - 2 * X @ Y.T
    np.testing.assert_allclose(subq.kernel_matrix(X, Y, kernel="gaussian", gamma=0.3), np.exp(-0.3 * sq),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(subq.kernel_matrix(X, Y, kernel="poly", gamma=0.5, coef0=1.0, degree=3),
                               (0.5 * X @ Y.T + 1.0) ** 3, rtol=1e-12)
    nx, ny = np.linalg.norm(X, axis=1)[:, None], np.linalg.norm(Y, axis=1)[None, :]
    t = np.clip(X @ Y.T / (nx * ny), -1, 1)
    k0 = 1 - np.arccos(t) / np.pi
    k1 = (np.sqrt(1 - t ** 2) + t * (np.pi - np.arccos(t))) / np.pi
    np.testing.assert_allclose(subq.kernel_matrix(X, Y, kernel="arccos0"), k0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(subq.kernel_matrix(X, Y, kernel="arccos1"), nx * ny * k1, rtol=1e-12)
    # NTK of depth 1: t·κ₀(t) + κ₁(t) (both layers), t·κ₀(t)/2 (first layer), times the norms.
    np.testing.assert_allclose(subq.kernel_matrix(X, Y, kernel="ntk"), nx * ny * (t * k0 + k1), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(subq.kernel_matrix(X, Y, kernel="ntk", ntk_convention="first"),
                               nx * ny * t * k0 / 2, rtol=1e-12, atol=1e-14)
    # Y = None is X against itself; float32 in, float32 out (float64 arithmetic, one rounding).
    K = subq.kernel_matrix(X, kernel="rbf")
    np.testing.assert_allclose(K, subq.kernel_matrix(X, X), rtol=0, atol=0)
    K32 = subq.kernel_matrix(X.astype(np.float32), kernel="gaussian")
    assert K32.dtype == np.float32
    np.testing.assert_allclose(K32, subq.kernel_matrix(X.astype(np.float32).astype(np.float64)), rtol=1e-6)


# Relative Frobenius error of ZZᵀ against the exact kernel, 200 unit rows of R^10, D = 4097, seeds 1-5 (measured):
# gaussian 0.056-0.073, arccos1 0.016-0.033, ntk L = 2 0.036-0.062, arccos0 0.014-0.070. The bounds are about
# 1.5-2× the worst seed; a wrong scale, degree or norm factor gives errors of order 1.
@pytest.mark.parametrize("kernel,params,bound", [("gaussian", {"gamma": 1.0}, 0.12), ("arccos1", {}, 0.06),
                                                 ("ntk", {"depth": 2}, 0.1), ("arccos0", {}, 0.12)])
def test_taylor_features_accuracy(kernel, params, bound):
    X = unit_rows(200, 10, 0)
    K = subq.kernel_matrix(X, kernel=kernel, **params)
    F = subq.KernelFeatures(kernel=kernel, n_components=4097, random_state=3, **params)
    Z = F.fit_transform(X)
    assert Z.shape == (200, 4097) and Z.dtype == np.float64
    assert relative_error(Z, K) < bound
    # The truncation is reported after fit.
    assert F.taylor_degree_ >= 1 and F.taylor_tail_ >= 0 and isinstance(F.taylor_cap_binds_, bool)
    assert F.map_.truncation() == (F.taylor_degree_, F.taylor_tail_, F.taylor_cap_binds_)


def test_rff_and_nystrom():
    X = unit_rows(150, 8, 2)
    K = subq.kernel_matrix(X, kernel="gaussian", gamma=0.5)
    # RFF: error ≈ 1/√D; at D = 8192 measured about 0.02 on this data, the bound 0.06 leaves 3×.
    R = subq.KernelFeatures(kernel="gaussian", gamma=0.5, method="rff", n_components=8192, random_state=0)
    assert relative_error(R.fit_transform(X), K) < 0.06
    assert not hasattr(R, "taylor_degree_")
    # Nyström with every row a landmark reproduces K up to rounding (K is well conditioned for γ = 0.5 here).
    N = subq.KernelFeatures(kernel="gaussian", gamma=0.5, method="nystrom", n_components=500, random_state=0)
    Z = N.fit_transform(X)
    assert Z.shape == (150, 150) and N.map_.output_dim == 150
    np.testing.assert_allclose(Z @ Z.T, K, atol=1e-8)
    # The caller's landmarks.
    F = subq.FeatureMap("arccos1", 8, 10, method="nystrom").set_landmarks(X[:30])
    Zl = F.transform(X[:30])
    np.testing.assert_allclose(Zl @ Zl.T, subq.kernel_matrix(X[:30], kernel="arccos1"), atol=1e-8)
    with pytest.raises(subq.UnsupportedError):
        F.truncation()


def test_dense_csr_float32_and_order_agree():
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20, 12)) * (rng.random((20, 12)) < 0.4)
    F = subq.FeatureMap("ntk", 12, 300, depth=3, seed=5)
    Z = F.transform(X)
    np.testing.assert_array_equal(F.transform(sp.csr_matrix(X)), Z)
    np.testing.assert_array_equal(F.transform(np.asfortranarray(X)), Z)
    Z32 = F.transform(X.astype(np.float32))
    assert Z32.dtype == np.float32
    np.testing.assert_allclose(Z32, F.transform(X.astype(np.float32).astype(np.float64)), rtol=1e-6, atol=1e-7)
    KF = subq.KernelFeatures(kernel="arccos1", n_components=300, random_state=1).fit(sp.csr_matrix(X))
    np.testing.assert_array_equal(KF.transform(sp.csr_matrix(X)), KF.transform(X))


def test_sklearn_pipeline_ridge():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    Xt = rng.uniform(-1, 1, (100, 3))
    yt = np.sin(3 * Xt[:, 0]) + Xt[:, 1] * Xt[:, 2]
    # The reference: exact kernel ridge regression with the same kernel and regularisation.
    exact = KernelRidge(alpha=1e-2, kernel="rbf", gamma=0.5).fit(X, y)
    ref = np.mean((exact.predict(Xt) - yt) ** 2)
    for method in ("taylor", "rff", "nystrom"):
        model = make_pipeline(subq.KernelFeatures(kernel="gaussian", gamma=0.5, method=method, n_components=2048,
                                                  radius=np.sqrt(3), random_state=0), Ridge(alpha=1e-2))
        model.fit(X, y)
        mse = np.mean((model.predict(Xt) - yt) ** 2)
        # Features with ZZᵀ ≈ K give nearly the exact KRR predictor: within a few times its test error, and far
        # below the variance of y (≈ 0.55) that a broken map would leave.
        assert mse < max(5 * ref, 0.02), (method, mse, ref)
    # clone / get_params / set_params / GridSearchCV, as for RBFSampler.
    kf = subq.KernelFeatures(kernel="ntk", depth=2, n_components=512, random_state=1)
    c = clone(kf)
    assert c.get_params() == kf.get_params() and c is not kf
    assert kf.set_params(depth=3) is kf and kf.depth == 3
    with pytest.raises(ValueError, match="invalid parameter"):
        kf.set_params(n_landmarks=3)
    search = GridSearchCV(make_pipeline(subq.KernelFeatures(n_components=256, random_state=0), Ridge()),
                          {"kernelfeatures__gamma": [0.5, 1.0]}, cv=2).fit(X, y)
    assert search.best_params_["kernelfeatures__gamma"] in (0.5, 1.0)
    names = subq.KernelFeatures(n_components=257, random_state=0).fit(X).get_feature_names_out()
    assert len(names) == 257 and names[0] == "kernelfeatures0"


def test_errors():
    X = unit_rows(10, 4, 1)
    with pytest.raises(ValueError, match="kernel must be one of"):
        subq.KernelFeatures(kernel="laplacian").fit(X)
    with pytest.raises(ValueError, match="method must be one of"):
        subq.KernelFeatures(method="fastfood").fit(X)
    with pytest.raises(subq.UnsupportedError, match="Gaussian"):
        subq.KernelFeatures(kernel="arccos1", method="rff").fit(X)
    with pytest.raises(subq.ParamRangeError, match="SUBQ_P_NTK_DEPTH"):
        subq.KernelFeatures(kernel="ntk", depth=65).fit(X)
    with pytest.raises(subq.ParamRangeError):
        subq.KernelFeatures(gamma=-1.0).fit(X)
    with pytest.raises(subq.ParamRangeError, match="SUBQ_P_GAMMA"):
        subq.kernel_matrix(X, kernel="gaussian", gamma=0.0)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(subq.NumericalError, match="row 3"):
        subq.kernel_matrix(bad, kernel="gaussian")
    with pytest.raises(subq.DimensionError):
        subq.kernel_matrix(X, X[:, :3])
    F = subq.FeatureMap("gaussian", 4, 16, method="nystrom")
    with pytest.raises(subq.StateError):
        F.transform(X)
    kf = subq.KernelFeatures(n_components=64)
    with pytest.raises(ValueError, match="not fitted"):
        kf.transform(X)
    kf.fit(X)
    with pytest.raises(subq.DimensionError, match="3 features"):
        kf.transform(X[:, :3])
    with pytest.raises(ValueError, match="2-D"):
        kf.fit(np.ones(4))
