"""The tree sketch binding (subq.TreeSketch) and the scikit-learn-style transformer (subq.PolynomialSketch):
resolved parameters, unbiasedness and accuracy against the exact polynomial kernel, dense/CSR/float32/order
agreement, a scikit-learn Pipeline, and errors."""

import pytest

np = pytest.importorskip("numpy")

import subq  # noqa: E402

# Two fixed rows with ⟨x,y⟩ = 1.625 (exact in binary).
XY = np.array([[0.5, -0.25, 1.0, 0.75, 0.0, -0.5],
               [0.25, 0.5, 0.75, 1.0, -0.5, -0.25]])


def relative_kernel_error(Z, X, gamma, coef0, degree):
    K = (gamma * X @ X.T + coef0) ** degree
    Z = Z.astype(np.float64)
    return np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K)


def unit_rows(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_resolved_parameters():
    T = subq.TreeSketch(784, 4096, degree=32, seed=1)
    assert T.sketch_type == 7 and T.kind == "tree"
    assert (T.leaf_mode, T.leaf_type, T.leaf_dim) == ("identity", None, 784)
    assert (T.node_type, T.node_dim, T.degree, T.all_degrees) == ("tensorsrht", 4096, 32, False)
    assert (T.input_dim, T.output_dim, T.block_dim) == (784, 4096, 4096)
    assert T.get_int(subq.Param.SEED) == 1
    assert "leaf_mode='identity'" in repr(T)
    # c > 0 appends √c: identity leaves are d + 1 wide.
    assert subq.TreeSketch(784, 4096, coef0=1.0).leaf_dim == 785
    # d = 2^20: independent OSNAP leaves (O(nnz) on sparse input) of the node width.
    H = subq.TreeSketch(1 << 20, 4096, degree=2)
    assert (H.leaf_mode, H.leaf_type, H.leaf_dim, H.node_dim) == ("independent", "osnap", 4096, 4096)
    # Documented default widths: node = the power of two >= D; a shared leaf node_dim times a factor growing with
    # q, at most 32 (a calibration: only its shape is checked); an SRHT leaf at most P(d̃).
    S = subq.TreeSketch(5000, n_components=100, degree=3, leaf_mode="shared")
    assert (S.leaf_mode, S.leaf_type, S.node_dim, S.output_dim) == ("shared", "srht", 128, 100)
    widths = [subq.TreeSketch(5000, 100, degree=q, leaf_mode="shared").leaf_dim for q in (2, 3, 8, 16, 64)]
    assert all(w % 128 == 0 and 128 <= w <= 32 * 128 for w in widths) and widths == sorted(widths), widths
    assert subq.TreeSketch(5000, 100, degree=3, leaf_mode="independent").leaf_dim == 128
    assert subq.TreeSketch(100, 1000, degree=3, leaf_mode="shared").leaf_dim == 128       # P(100)
    # Every key set explicitly.
    E = subq.TreeSketch(50, 64, degree=5, gamma=0.5, coef0=1.5, leaf_mode="independent", leaf_type="osnap+srht",
                        leaf_dim=40, leaf_hash_dim=128, sparsity=2, node_type="tensorsketch", node_dim=32,
                        seed=9, num_threads=2, block_rows=3)
    assert (E.leaf_mode, E.leaf_type, E.leaf_dim, E.node_type, E.node_dim) == \
        ("independent", "osnap+srht", 40, "tensorsketch", 32)
    # All degrees: q blocks of D columns.
    A = subq.TreeSketch(10, 48, degree=5, all_degrees=True)
    assert (A.output_dim, A.block_dim, A.all_degrees) == (240, 48, True)
    assert A.transform(np.ones((3, 10))).shape == (3, 240)


@pytest.mark.parametrize("leaf_mode", ["identity", "independent"])
def test_unbiased_against_the_exact_kernel(leaf_mode):
    """Block l of an all-degrees sketch estimates (γ⟨x,y⟩ + c)^l without bias: the mean of ⟨z_x, z_y⟩ over 2000
    seeds is within 4 standard errors of the exact value for every l (fails with probability ~6e-5 per block for
    a correct sketch; the seeds are fixed, so the test is deterministic). Degree 3 is padded to 4 with e₁."""
    gamma, coef0, q, D, seeds = 0.8, 0.3, 3, 16, 2000
    extra = {"leaf_type": "srht", "leaf_dim": 8} if leaf_mode == "independent" else {}
    est = np.empty((seeds, q))
    for s in range(seeds):
        T = subq.TreeSketch(6, D, degree=q, gamma=gamma, coef0=coef0, all_degrees=True, leaf_mode=leaf_mode,
                            seed=1000 + s, **extra)
        Z = T.transform(XY).reshape(2, q, D)
        est[s] = np.sum(Z[0] * Z[1], axis=1)
    mean = est.mean(axis=0)
    se = est.std(axis=0, ddof=1) / np.sqrt(seeds)
    exact = (gamma * 1.625 + coef0) ** np.arange(1, q + 1)
    assert np.all(se < 0.1 * exact), "the test would be too weak"
    # + rounding: a block can have (almost) no variance, e.g. degree 1 when D is a multiple of the padded d̃ and
    # the SRHT rows are drawn balanced (every row of H equally often: ⟨z_x, z_y⟩ = ⟨x̃, ỹ⟩ up to rounding).
    assert np.all(np.abs(mean - exact) < 4 * se + 1e-12 * exact), (mean, exact, se)


def test_accuracy_on_small_data():
    """40 unit rows in 12 dimensions, D = 2048. Over seeds 0-9 the relative Frobenius error of ZZᵀ was at most
    0.11 (q = 2), 0.17 (q = 4, γ = 0.8, c = 0.2) and 0.19 (q = 8); the bounds leave a margin of about 1.6×,
    far below the errors of order 1 of a wrong scale or degree."""
    X = unit_rows(40, 12, 0)
    for q, gamma, coef0, bound in [(2, 1.0, 0.0, 0.18), (4, 0.8, 0.2, 0.28), (8, 1.0, 0.0, 0.3)]:
        Z = subq.TreeSketch(12, 2048, degree=q, gamma=gamma, coef0=coef0, seed=3).transform(X)
        assert relative_kernel_error(Z, X, gamma, coef0, q) < bound, q
    # At degree 8 the tree beats TensorSketch (PolynomialCountSketch's algorithm): over seeds 0-9 the means were
    # 0.17 and 0.33.
    tree = np.mean([relative_kernel_error(subq.PolynomialSketch(degree=8, n_components=2048, random_state=s)
                                          .fit_transform(X), X, 1.0, 0.0, 8) for s in range(5)])
    ts = np.mean([relative_kernel_error(subq.PolynomialSketch(degree=8, n_components=2048, method="tensorsketch",
                                                              random_state=s).fit_transform(X), X, 1.0, 0.0, 8)
                  for s in range(5)])
    assert tree < 0.75 * ts, (tree, ts)


def test_dense_csr_float32_and_orders_agree():
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(4)
    # Multiples of 2^-8: exact in float32, so the float32 path sees the same input.
    X = np.round(rng.standard_normal((15, 40)) * 64) / 256
    X[rng.random(X.shape) < 0.6] = 0.0
    X[3] = 0.0
    Xs = sparse.csr_matrix(X)
    Xs.sort_indices()
    for kwargs in [{}, {"leaf_mode": "independent", "leaf_type": "osnap", "leaf_dim": 32},
                   {"leaf_mode": "shared", "leaf_dim": 64}, {"all_degrees": True}]:
        T = subq.TreeSketch(40, 24, degree=5, gamma=0.7, coef0=0.4, seed=2, **kwargs)
        Z = T.transform(X)
        np.testing.assert_array_equal(T.transform(Xs), Z)
        np.testing.assert_array_equal(T.transform(np.asfortranarray(X)), Z)
        np.testing.assert_array_equal(T.transform(np.hstack([X, X])[:, :40]), Z)   # strided rows
        Z32 = T.transform(X.astype(np.float32))
        assert Z32.dtype == np.float32
        np.testing.assert_array_equal(Z32, Z.astype(np.float32))                   # one rounding of the f64 result
        np.testing.assert_array_equal(T.transform(Xs.astype(np.float32)), Z32)
        # A row sketched alone equals the same row in the batch.
        np.testing.assert_array_equal(T.transform(X[7:8]), Z[7:8])
    # The transformer with every method: CSR equals dense (TensorSketch on [√γ·x; √c] built sparse or dense).
    for method in ["tree", "shared", "tensorsketch"]:
        P = subq.PolynomialSketch(degree=3, gamma=0.5, coef0=2.0, n_components=64, method=method,
                                  random_state=7).fit(X)
        np.testing.assert_array_equal(P.transform(Xs), P.transform(X))
        np.testing.assert_array_equal(P.transform(Xs.astype(np.float32)), P.transform(X.astype(np.float32)))


def test_polynomial_sketch_estimator_conventions():
    X = unit_rows(30, 8, 1)
    P = subq.PolynomialSketch(degree=3, gamma=0.5, coef0=1.0, n_components=4096, random_state=0)
    assert P.get_params() == {"degree": 3, "gamma": 0.5, "coef0": 1.0, "n_components": 4096, "method": "tree",
                              "random_state": 0, "num_threads": 0}
    Z = P.fit_transform(X)
    assert Z.shape == (30, 4096) and P.n_features_in_ == 8
    assert relative_kernel_error(Z, X, 0.5, 1.0, 3) < 0.15  # D = 4096, q = 3: typically 0.03
    np.testing.assert_array_equal(P.transform(X), Z)          # transform is deterministic after fit
    np.testing.assert_array_equal(subq.PolynomialSketch(degree=3, gamma=0.5, coef0=1.0, n_components=4096,
                                                        random_state=0).fit_transform(X), Z)
    # A Generator or RandomState as random_state draws the seed; None draws a fresh one each fit.
    Pg = subq.PolynomialSketch(n_components=16, random_state=np.random.default_rng(5)).fit(X)
    assert Pg.transform(X).shape == (30, 16)
    subq.PolynomialSketch(n_components=16, random_state=np.random.RandomState(5)).fit(X)
    subq.PolynomialSketch(n_components=16).fit(X)
    names = P.get_feature_names_out()
    assert names[0] == "polynomialsketch0" and len(names) == 4096
    assert P.set_params(degree=4, method="shared") is P and P.degree == 4
    assert repr(P) == "PolynomialSketch(degree=4, gamma=0.5, coef0=1.0, n_components=4096, method='shared', " \
                      "random_state=0)"
    assert P.fit(X).sketch_.leaf_mode == "shared"
    assert P.fit_transform(X.astype(np.float32)).dtype == np.float32


def test_pipeline_with_ridge():
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from sklearn.base import clone
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(2)
    X = unit_rows(600, 6, 3)
    w = rng.standard_normal(6)
    y = (X @ w + 0.5) ** 2 + 0.01 * rng.standard_normal(600)
    Xtr, ytr, Xte, yte = X[:400], y[:400], X[400:], y[400:]
    model = make_pipeline(subq.PolynomialSketch(degree=2, coef0=1.0, n_components=2048, random_state=0),
                          Ridge(alpha=1e-3))
    model.fit(Xtr, ytr)
    # The exact kernel ridge regression with the same kernel (γ⟨x,y⟩ + c)^q and regulariser.
    exact = KernelRidge(alpha=1e-3, kernel="poly", degree=2, gamma=1.0, coef0=1.0).fit(Xtr, ytr)
    r2, r2_exact = model.score(Xte, yte), exact.score(Xte, yte)
    assert r2_exact > 0.99
    assert r2 > 0.95, (r2, r2_exact)  # the target is a degree-2 polynomial: the sketched model fits it too
    # Pipeline parameters reach the transformer, and clone gives an unfitted copy with the same parameters.
    model.set_params(polynomialsketch__degree=3, polynomialsketch__method="tensorsketch")
    assert model.named_steps["polynomialsketch"].degree == 3
    c = clone(model)
    assert c.named_steps["polynomialsketch"].get_params() == model.named_steps["polynomialsketch"].get_params()
    assert not hasattr(c.named_steps["polynomialsketch"], "sketch_")
    assert c.fit(Xtr, ytr).predict(Xte).shape == (200,)


def test_errors():
    with pytest.raises(subq.ParamRangeError) as e:
        subq.TreeSketch(10, 16, degree=0)
    assert "SUBQ_P_DEGREE = 0" in e.value.message
    with pytest.raises(subq.ParamRangeError):
        subq.TreeSketch(10, 16, degree=1025)
    with pytest.raises(subq.ParamRangeError) as e:
        subq.TreeSketch(10, 16, gamma=0.0)
    assert "SUBQ_P_GAMMA" in e.value.message
    with pytest.raises(subq.ParamRangeError):
        subq.TreeSketch(10, 16, coef0=-1.0)
    with pytest.raises(subq.InvalidArgError) as e:
        subq.TreeSketch(10, 16, leaf_mode="identity", leaf_dim=8)
    assert "identity leaves" in e.value.message
    with pytest.raises(subq.DimensionError):
        subq.TreeSketch(10, 0)
    with pytest.raises(subq.OutOfMemoryError):
        subq.TreeSketch(784, 4096, degree=1024, all_degrees=True)   # refused up front, nothing allocated
    T = subq.TreeSketch(10, 16, degree=3)
    with pytest.raises(subq.DimensionError) as e:
        T.transform(np.ones((2, 11)))
    assert "d = 11" in e.value.message
    with pytest.raises(subq.UnsupportedError):
        T.apply_pair(np.ones((2, 10)), np.ones((2, 10)))
    with pytest.raises(subq.UnknownParamError):
        subq.Sketch("srht", 10, 16).get_int(subq.Param.LEAF_MODE)
    with pytest.raises(ValueError):
        subq.TreeSketch(10, 16, leaf_mode="sideways")
    with pytest.raises(ValueError):
        subq.TreeSketch(10)                                         # no output dimension
    with pytest.raises(ValueError):
        subq.TreeSketch(10, 16, n_components=32)                    # two different ones
    # The transformer.
    X = np.ones((3, 4))
    with pytest.raises(ValueError):
        subq.PolynomialSketch().transform(X)                        # not fitted (NotFittedError is a ValueError)
    with pytest.raises(ValueError):
        subq.PolynomialSketch(method="nystroem").fit(X)
    with pytest.raises(ValueError):
        subq.PolynomialSketch().set_params(alpha=1.0)
    with pytest.raises(subq.ParamRangeError):
        subq.PolynomialSketch(degree=2000).fit(X)
    for method in ["tree", "tensorsketch"]:
        with pytest.raises(subq.ParamRangeError):
            subq.PolynomialSketch(gamma=0.0, method=method).fit(X)
        with pytest.raises(subq.ParamRangeError):
            subq.PolynomialSketch(coef0=-1.0, method=method).fit(X)
        P = subq.PolynomialSketch(n_components=8, method=method, random_state=0).fit(X)
        with pytest.raises(subq.DimensionError) as e:
            P.transform(np.ones((3, 5)))
        assert "fitted with 4" in e.value.message
