"""The network binding: predictions, the loss identity of a step, layouts, statistics, counters, errors."""

import pytest

np = pytest.importorskip("numpy")

import subq  # noqa: E402


def test_predict_step_loss_identity_and_layouts():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 9))
    Y = rng.standard_normal((12, 2))
    net = subq.Network(9, 80, depth=3, outputs=2, dtype=np.float64, seed=4, learning_rate=0.05)
    assert (net.input_dim, net.width, net.depth, net.outputs) == (9, 80, 3, 2)
    assert net.threshold == pytest.approx(np.sqrt(0.4 * np.log(80)))
    F = net.predict(X)
    assert F.shape == (12, 2) and F.dtype == np.float64
    weights = [net.weights(l) for l in (1, 2, 3)]
    assert weights[0].shape == (80, 9) and weights[1].shape == (80, 80)
    loss0 = net.step_gd(X, Y)
    assert loss0 == pytest.approx(0.5 * np.sum((F - Y) ** 2), rel=1e-12)
    losses = [net.step_gd(X, Y) for _ in range(20)]
    assert losses[-1] < loss0
    # Fortran-ordered inputs give the same predictions.
    np.testing.assert_array_equal(net.predict(np.asfortranarray(X)), net.predict(X))


def test_stats_counters_and_errors():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((16, 20)).astype(np.float32)
    Y = np.eye(4, dtype=np.float32)[np.arange(16) % 4]
    net = subq.Network(20, 512, depth=2, outputs=4, seed=1)
    with pytest.raises(subq.StateError):
        net.layer_stats(1)
    net.step_gd(X, Y)
    net.step_gd(X, Y)
    s = net.layer_stats(1)
    assert 0 < s["fired_mean"] < 512 and s["dead_points"] == 0 and s["drift"] >= 0 and 0 < s["coverage"] <= 1
    c = net.counters()
    assert c["forward"] > 0 and c["total"] == sum(v for k, v in c.items() if k != "total")
    net.reset_counters()
    assert net.counters("bytes")["total"] == 0
    with pytest.raises(subq.DimensionError, match="differs from the network's input dimension"):
        net.predict(np.ones((3, 19), dtype=np.float32))
    bad = X.copy()
    bad[2, 3] = np.nan
    with pytest.raises(subq.NumericalError, match="row 2, column 3"):
        net.step_gd(bad, Y)
    with pytest.raises(subq.InvalidArgError):
        net.layer_stats(3)
    with pytest.raises(subq.InvalidArgError, match="both set"):
        subq.Network(20, 64, threshold=1.0, active_fraction=0.1)
    with pytest.raises(subq.ParamRangeError):
        subq.Network(20, 64, depth=0)
    with pytest.raises(subq.DimensionError):
        subq.Network(20, 0)


def test_gauss_newton_fit_save_load(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 10))
    y = np.sin(np.arange(40.0))
    net = subq.Network(10, 400, depth=3, dtype=np.float64, seed=9, solver="gn", iterations=20, tolerance=1e-6,
                       batch_size=0)
    seen = []
    iterations = net.fit(X, y, progress=lambda it, loss, fired, rank, s: seen.append((it, loss)) and False)
    assert 1 <= iterations < 20 and len(seen) == iterations
    info = net.step_info()
    assert info["accepted"] == 1.0 and info["loss_after"] <= 1e-12 * seen[0][1]
    # Saving and loading gives the same predictions.
    path = tmp_path / "net.subqnet"
    net.save(path)
    loaded = subq.Network.load(path)
    assert (loaded.width, loaded.depth, loaded.dtype) == (400, 3, np.float64)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    # Corruption is detected.
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    bad = tmp_path / "bad.subqnet"
    bad.write_bytes(bytes(data))
    with pytest.raises(subq.SubqIOError, match="checksum"):
        subq.Network.load(bad)
    bad.write_bytes(bytes(data[:300]))
    with pytest.raises(subq.SubqIOError, match="truncated|the file has"):
        subq.Network.load(bad)


def test_fit_progress_can_cancel_and_reraise():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20, 5)).astype(np.float32)
    y = rng.standard_normal(20).astype(np.float32)
    net = subq.Network(5, 128, solver="gd", iterations=10, batch_size=8, seed=1)
    calls = []
    with pytest.raises(subq.CancelledError, match="cancelled"):
        net.fit(X, y, progress=lambda it, *rest: calls.append(it) or it >= 3)
    assert calls == [1, 2, 3]

    def boom(*args):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        net.fit(X, y, progress=boom)


def test_estimators_follow_sklearn_conventions():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 8))
    labels = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, "pos", "neg")
    clf = subq.WideNetClassifier(width=512, depth=2, iterations=15, batch_size=0, dtype="float64", random_state=3)
    assert clf.get_params()["width"] == 512
    assert clf.set_params(iterations=12) is clf and clf.iterations == 12
    with pytest.raises(ValueError):
        clf.set_params(no_such=1)
    with pytest.raises(AttributeError):
        clf.predict(X)
    assert clf.fit(X, labels) is clf
    assert list(clf.classes_) == ["neg", "pos"] and clf.n_features_in_ == 8
    assert clf.score(X, labels) == 1.0  # Gauss–Newton interpolates the training set
    assert clf.decision_function(X).shape == (60, 2)
    assert clf.losses_[-1] < clf.losses_[0]

    # The normalised network sees only directions x/|x| and outputs of order 1: fit such a target.
    y = np.sin(2 * X[:, 0] / np.linalg.norm(X, axis=1))
    reg = subq.WideNetRegressor(width=512, depth=3, iterations=20, batch_size=0, tolerance=1e-8, dtype="float64",
                                random_state=1)
    reg.fit(X, y)
    assert reg.predict(X).shape == (60,)
    assert reg.score(X, y) > 0.999


def test_estimators_clone_with_sklearn():
    sklearn_base = pytest.importorskip("sklearn.base")
    reg = subq.WideNetRegressor(width=256, iterations=3, random_state=7)
    clone = sklearn_base.clone(reg)
    assert clone.get_params() == reg.get_params() and clone is not reg
