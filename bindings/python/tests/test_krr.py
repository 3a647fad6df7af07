"""Kernel ridge regression (subq.KernelRidge, subq.KrrModel) and low-rank kernel approximation (subq.low_rank):
exact and Nyström fits against numpy's (K + λI)⁻¹Y, classification with string labels, λ selection, scikit-learn
conventions (clone, Pipeline, cross_val_score, GridSearchCV), the feature map's lifetime, errors."""

import gc
import pickle

import pytest

np = pytest.importorskip("numpy")

import subq  # noqa: E402


def unit_rows(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def gaussian(X, Y, gamma):
    """The exact Gaussian kernel, in numpy (independent of subq.kernel_matrix)."""
    sq = (X ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None, :] - 2 * X @ Y.T
    return np.exp(-gamma * np.maximum(sq, 0))


def target(X):
    return np.stack([np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2], np.cos(2 * X[:, 3])], axis=1)


def krr_reference(X, Y, Xt, gamma, lam):
    alpha = np.linalg.solve(gaussian(X, X, gamma) + lam * np.eye(len(X)), Y)
    return gaussian(Xt, X, gamma) @ alpha


def test_exact_and_nystrom_match_numpy():
    X, Xt = unit_rows(150, 5, 0), unit_rows(60, 5, 1)
    Y = target(X)
    gamma, lam = 1.5, 1e-2
    ref = krr_reference(X, Y, Xt, gamma, lam)
    exact = subq.KernelRidge(kernel="gaussian", gamma=gamma, method="exact", alpha=lam).fit(X, Y)
    assert exact.solver_ == "exact" and exact.alpha_ == lam and exact.n_outputs_ == 2
    np.testing.assert_allclose(exact.predict(Xt), ref, rtol=0, atol=1e-9 * np.abs(ref).max())
    assert exact.predict(Xt).shape == (60, 2)
    # Nyström with every row a landmark is the exact predictor: (K² + λ(K + δI))W = KY gives W ≈ (K + λI)⁻¹Y, up to
    # the δ = 1e-8·max K jitter. n_components > n takes all n rows.
    for m in (150, 400):
        nys = subq.KernelRidge(kernel="gaussian", gamma=gamma, method="nystrom", n_components=m, alpha=lam,
                               random_state=0).fit(X, Y)
        assert nys.map_.output_dim == 150 and nys.fit_stats_["width"] == 150
        np.testing.assert_allclose(nys.predict(Xt), ref, rtol=0, atol=1e-4 * np.abs(ref).max())
    # float32 and column-major input give the same fit (float32 to its precision).
    nys64 = subq.KernelRidge(gamma=gamma, method="nystrom", n_components=150, alpha=lam, random_state=0)
    p_f = nys64.fit(np.asfortranarray(X), np.asfortranarray(Y)).predict(np.asfortranarray(Xt))
    np.testing.assert_allclose(p_f, nys.predict(Xt), rtol=0, atol=1e-9)
    p32 = subq.KernelRidge(gamma=gamma, method="nystrom", n_components=150, alpha=lam, random_state=0) \
        .fit(X.astype(np.float32), Y).predict(Xt.astype(np.float32))
    assert p32.dtype == np.float64
    assert np.abs(p32 - ref).max() < 0.05 * np.abs(ref).max()


# Test MSE of the sketched predictors against the exact KRR predictor's (150 training rows, D = 2048; measured
# ratios stay within 1.5 of exact): a broken map or solver leaves the variance of Y (≈ 0.3 per output).
@pytest.mark.parametrize("method", ["taylor", "rff", "nystrom"])
def test_sketched_methods_approach_exact(method):
    X, Xt = unit_rows(300, 5, 2), unit_rows(100, 5, 3)
    Y, Yt = target(X), target(Xt)
    gamma, lam = 1.0, 1e-3
    ref = np.mean((krr_reference(X, Y, Xt, gamma, lam) - Yt) ** 2)
    model = subq.KernelRidge(gamma=gamma, method=method, n_components=2048, alpha=lam, random_state=4).fit(X, Y)
    mse = np.mean((model.predict(Xt) - Yt) ** 2)
    assert mse < max(3 * ref, 0.01), (method, mse, ref)
    assert model.score(Xt, Yt) > 0.9


def test_lambda_selection_and_stats():
    X, Xt = unit_rows(400, 5, 5), unit_rows(100, 5, 6)
    y, yt = target(X)[:, 0], target(Xt)[:, 0]
    for select in ("holdout", "gcv"):
        model = subq.KernelRidge(gamma=1.0, method="nystrom", n_components=200, select=select, random_state=0)
        model.fit(X, y)
        grid = model.lambda_grid_
        assert grid.shape == (7, 2)
        assert model.alpha_ in grid[:, 0]
        # The library's grid: 1e-6·s to 1·s, s = mean k(x, x) = 1 for the Gaussian kernel.
        np.testing.assert_allclose(grid[[0, -1], 0], [1e-6, 1.0], rtol=1e-12)
        assert model.alpha_ == grid[np.argmin(grid[:, 1]), 0] or select == "holdout"
        held = model.fit_stats_["holdout_rows"]  # a seeded random 20% of the rows
        assert (50 <= held <= 110) if select == "holdout" else held == 0
        assert model.predict(Xt).shape == (100,)
        assert model.score(Xt, yt) > 0.9
    custom = subq.KernelRidge(gamma=1.0, method="nystrom", n_components=100, alpha_grid=(1e-4, 1e-1, 4),
                              random_state=0).fit(X, y)
    np.testing.assert_allclose(custom.lambda_grid_[:, 0], [1e-4, 1e-3, 1e-2, 1e-1], rtol=1e-9)
    fixed = subq.KernelRidge(gamma=1.0, method="nystrom", n_components=100, alpha=1e-3, random_state=0).fit(X, y)
    assert fixed.lambda_grid_.shape == (0, 2) and fixed.alpha_ == 1e-3


def test_classification_with_string_labels():
    rng = np.random.default_rng(7)
    centers = unit_rows(3, 6, 8) * 2
    names = np.array(["cat", "dog", "emu"])
    codes = rng.integers(0, 3, 240)
    X = centers[codes] + 0.6 * rng.standard_normal((240, 6))
    labels = names[codes]
    Xtr, Xte, ytr, yte = X[:180], X[180:], labels[:180], labels[180:]
    clf = subq.KernelRidge(gamma=0.5, method="exact", alpha=1e-1).fit(Xtr, ytr)
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    F = clf.decision_function(Xte)
    assert F.shape == (60, 3)
    # The targets are one-hot − 0.1: the exact model's outputs are the numpy solution for them.
    T = np.eye(3)[np.searchsorted(clf.classes_, ytr)] - 0.1
    np.testing.assert_allclose(F, krr_reference(Xtr, T, Xte, 0.5, 1e-1), rtol=0, atol=1e-9)
    pred = clf.predict(Xte)
    assert pred.dtype.kind == "U" and set(pred) <= set(names)
    acc = clf.score(Xte, yte)
    assert acc == np.mean(pred == yte) and acc > 0.85
    # Integer labels classify too (λ selected by held-out accuracy); float labels regress unless task="classify".
    clf2 = subq.KernelRidge(gamma=0.5, method="nystrom", n_components=180, random_state=1).fit(Xtr, codes[:180])
    assert list(clf2.classes_) == [0, 1, 2] and clf2.predict(Xte).dtype.kind == "i"
    assert clf2.score(Xte, codes[180:]) > 0.85
    reg = subq.KernelRidge(gamma=0.5, method="nystrom", n_components=180, alpha=0.1,
                           random_state=1).fit(Xtr, codes[:180].astype(float))
    assert not hasattr(reg, "classes_") and reg.predict(Xte).dtype == np.float64
    forced = subq.KernelRidge(gamma=0.5, method="nystrom", n_components=180, task="classify",
                              random_state=1).fit(Xtr, codes[:180].astype(float))
    assert list(forced.classes_) == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="two classes"):
        subq.KernelRidge(method="exact", alpha=1.0).fit(Xtr, np.array(["a"] * 180))


def test_r2_score_matches_definition():
    X = unit_rows(200, 5, 9)
    Y = target(X)
    model = subq.KernelRidge(gamma=1.0, method="nystrom", n_components=100, alpha=1e-2, random_state=0).fit(X, Y)
    P = model.predict(X)
    r2 = [1 - np.sum((Y[:, j] - P[:, j]) ** 2) / np.sum((Y[:, j] - Y[:, j].mean()) ** 2) for j in range(2)]
    assert model.score(X, Y) == pytest.approx(np.mean(r2), rel=1e-12)
    metrics = pytest.importorskip("sklearn.metrics")
    assert model.score(X, Y) == pytest.approx(metrics.r2_score(Y, P), rel=1e-12)


def test_sklearn_clone_pipeline_cross_val():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    est = subq.KernelRidge(kernel="ntk", depth=2, method="nystrom", n_components=64, alpha=1e-2, random_state=3)
    c = clone(est)
    assert c is not est and c.get_params() == est.get_params()
    assert subq.KernelRidge(**est.get_params()).get_params() == est.get_params()
    assert est.set_params(alpha=0.5, select="gcv") is est and est.alpha == 0.5 and est.select == "gcv"
    with pytest.raises(ValueError, match="invalid parameter"):
        est.set_params(lambda_=1.0)
    assert repr(subq.KernelRidge(gamma=2.0)) == "KernelRidge(gamma=2.0)"

    rng = np.random.default_rng(11)
    X = rng.uniform(-1, 1, (240, 4))
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    labels = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    pipe = make_pipeline(StandardScaler(), subq.KernelRidge(gamma=0.2, method="nystrom", n_components=150,
                                                             random_state=0))
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.8
    assert cross_val_score(pipe, X, labels, cv=3).mean() > 0.85
    fitted = clone(pipe).fit(X, labels)
    assert set(fitted.predict(X[:10])) <= {"pos", "neg"}
    search = GridSearchCV(make_pipeline(StandardScaler(), subq.KernelRidge(method="nystrom", n_components=100,
                                                                           alpha=1e-2, random_state=0)),
                          {"kernelridge__gamma": [0.05, 0.2], "kernelridge__normalize": [False, True]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["kernelridge__gamma"] in (0.05, 0.2)


def test_model_owns_its_feature_map():
    X, Xt = unit_rows(100, 4, 12), unit_rows(20, 4, 13)
    y = target(X)[:, 0]
    est = subq.KernelRidge(gamma=1.0, method="nystrom", n_components=50, alpha=1e-2, random_state=0).fit(X, y)
    expected = est.predict(Xt)
    model = est.model_
    assert model.feature_map is est.map_
    del est
    gc.collect()
    # The map survives with the model (the C model borrows it).
    np.testing.assert_allclose(model.predict(Xt)[:, 0], expected, rtol=0, atol=0)
    # Refitting an estimator draws a new map: an earlier model keeps its own.
    est = subq.KernelRidge(gamma=1.0, method="taylor", n_components=256, alpha=1e-2, random_state=0).fit(X, y)
    old_model, old = est.model_, est.predict(Xt)
    est.set_params(gamma=3.0).fit(X, y)
    gc.collect()
    np.testing.assert_allclose(old_model.predict(Xt)[:, 0], old, rtol=0, atol=0)
    with pytest.raises((TypeError, ValueError), match="pickle"):
        pickle.dumps(est)
    unfitted = pickle.loads(pickle.dumps(subq.KernelRidge(gamma=2.0)))
    assert unfitted.gamma == 2.0


def test_progress_can_cancel_and_reraise():
    X = unit_rows(400, 4, 14)
    y = target(X)
    fm = subq.FeatureMap("gaussian", 4, 64, method="rff", seed=0)
    params = {subq.Param.LAMBDA: 1e-2, subq.Param.BLOCK_ROWS: 100}
    calls = []
    model = subq.KrrModel.fit(params, fm, X, y, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (400, 400) and len(calls) >= 4
    assert model.stat("rows") == 400 and model.stat("outputs") == 2 and model.stat("width") == 64
    with pytest.raises(subq.CancelledError):
        subq.KrrModel.fit(params, fm, X, y, progress=lambda done, total: True)

    def boom(done, total):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        subq.KrrModel.fit(params, fm, X, y, progress=boom)
    # No map: the columns of X are the features (plain ridge regression).
    lin = subq.KernelRidge(kernel="linear", alpha=1e-3).fit(X, y)
    W = np.linalg.solve(X.T @ X + 1e-3 * np.eye(4), X.T @ y)
    np.testing.assert_allclose(lin.predict(X), X @ W, rtol=0, atol=1e-9)


def test_low_rank_against_best_rank_r():
    X = unit_rows(120, 5, 15)
    gamma, r = 1.0, 10
    K = gaussian(X, X, gamma)
    w = np.sort(np.linalg.eigvalsh(K))[::-1]
    best = np.sqrt(np.sum(w[r:] ** 2))  # ‖K − K_r‖_F of the best rank-r approximation
    F = subq.low_rank(X, r, kernel="gaussian", gamma=gamma, method="exact")
    assert F.shape == (120, r)
    assert np.linalg.norm(K - F @ F.T) == pytest.approx(best, rel=1e-8)
    # Nyström with all rows as landmarks: F Fᵀ = K_r up to the jitter.
    F = subq.low_rank(X, r, kernel="gaussian", gamma=gamma, method="nystrom", n_components=120, random_state=0)
    assert F.shape == (120, r) and F.dtype == np.float64
    assert np.linalg.norm(K - F @ F.T) < best * (1 + 1e-4) + 1e-6
    # Taylor features, D = 1024: ‖K − FFᵀ‖ exceeds the best by 0.02-0.04·‖K‖ (seeds 0-3, measured; 0.55 with a
    # wrong γ). The D³ eigendecomposition is why D stays small here.
    F = subq.low_rank(X, r, kernel="gaussian", gamma=gamma, n_components=1024, random_state=0)
    assert np.linalg.norm(K - F @ F.T) < best + 0.1 * np.linalg.norm(K)
    F32 = subq.low_rank(X.astype(np.float32), r, kernel="gaussian", gamma=gamma, n_components=1024, random_state=0)
    np.testing.assert_allclose(F32 @ F32.T, F @ F.T, rtol=0, atol=1e-4)
    # The estimator's method uses its fitted map.
    est = subq.KernelRidge(gamma=gamma, method="nystrom", n_components=120, alpha=1e-3, random_state=0)
    F = est.fit(X, target(X)).low_rank(X, r)
    assert np.linalg.norm(K - F @ F.T) < best * (1 + 1e-4) + 1e-6
    with pytest.raises(subq.DimensionError):
        subq.low_rank(X, 0, kernel="gaussian", n_components=64, random_state=0)


def test_errors_carry_the_library_message():
    X = unit_rows(60, 4, 16)
    y = target(X)[:, 0]
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(subq.NumericalError, match="row 3"):
        subq.KernelRidge(method="nystrom", n_components=20, alpha=1e-2, random_state=0).fit(bad, y)
    with pytest.raises(subq.NumericalError, match="row 3"):
        subq.KernelRidge(method="taylor", n_components=64, alpha=1e-2, random_state=0).fit(bad, y)
    ybad = y.copy()
    ybad[5] = np.inf
    with pytest.raises(subq.NumericalError, match="5"):
        subq.KernelRidge(method="rff", n_components=64, alpha=1e-2, random_state=0).fit(X, ybad)
    for alpha in (0, 0.0, -1.0):
        with pytest.raises(subq.ParamRangeError, match="must be > 0"):
            subq.KernelRidge(alpha=alpha).fit(X, y)
    with pytest.raises(subq.ParamRangeError):
        subq.KernelRidge(alpha=1e-2, holdout_fraction=1.5).fit(X, y)
    with pytest.raises(subq.ParamRangeError, match="SUBQ_P_LAMBDA_GRID"):
        subq.KernelRidge(alpha_grid=(1.0, 1e-3, 0)).fit(X, y)
    with pytest.raises(subq.InvalidArgError):  # the exact solver needs a fixed λ
        subq.KernelRidge(method="exact").fit(X, y)
    with pytest.raises(subq.UnsupportedError, match="Gaussian"):
        subq.KernelRidge(kernel="arccos1", method="rff", alpha=1.0).fit(X, y)
    with pytest.raises(ValueError, match="method must be one of"):
        subq.KernelRidge(method="fastfood").fit(X, y)
    with pytest.raises(ValueError, match="select must be one of"):
        subq.KernelRidge(select="loo").fit(X, y)
    with pytest.raises(subq.DimensionError, match="rows"):
        subq.KernelRidge(alpha=1.0).fit(X, y[:50])
    with pytest.raises(ValueError, match="2-D"):
        subq.KernelRidge(alpha=1.0).fit(X[:, 0], y)
    est = subq.KernelRidge(method="nystrom", n_components=20, alpha=1e-2, random_state=0)
    with pytest.raises(ValueError, match="not fitted"):
        est.predict(X)
    est.fit(X, y)
    with pytest.raises(subq.DimensionError, match="3 features"):
        est.predict(X[:, :3])
    with pytest.raises(subq.NumericalError, match="row 3"):
        est.predict(bad)
    model = est.model_
    with pytest.raises(subq.DimensionError):  # the C check, without the estimator's
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="unknown statistic"):
        model.stat("nope")
