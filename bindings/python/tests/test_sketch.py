"""The sketch binding against explicit matrices built through the binding itself, plus errors."""

import pytest

np = pytest.importorskip("numpy")

import subq  # noqa: E402


@pytest.mark.parametrize("kind", ["countsketch", "osnap", "srht", "gaussian"])
def test_linear_sketches_equal_their_explicit_matrix(kind):
    rng = np.random.default_rng(0)
    S = subq.Sketch(kind, input_dim=50, output_dim=64, seed=3)
    explicit = S.apply(np.eye(50)).T            # column j = S e_j
    X = rng.standard_normal((7, 50))
    np.testing.assert_allclose(S.apply(X), X @ explicit.T, rtol=0, atol=1e-12)
    # float32 in, float32 out, agreeing to float32 precision.
    Z32 = S.apply(X.astype(np.float32))
    assert Z32.dtype == np.float32
    np.testing.assert_allclose(Z32, X @ explicit.T, rtol=1e-5, atol=1e-5)
    # Fortran-ordered input gives the same result; the same seed gives the same sketch.
    np.testing.assert_array_equal(S.apply(np.asfortranarray(X)), S.apply(X))
    np.testing.assert_array_equal(subq.Sketch(kind, 50, 64, seed=3).apply(X), S.apply(X))


def test_tensor_sketches_of_pairs_and_norms():
    rng = np.random.default_rng(1)
    S = subq.Sketch("tensorsrht", input_dim=8, output_dim=20, input_dim2=16, seed=2)
    a, b = rng.standard_normal((5, 8)), rng.standard_normal((5, 16))
    # Linear in the tensor product: compare with the explicit matrix on basis products e_i ⊗ e_j.
    basis = np.array([(i, j) for i in range(8) for j in range(16)])
    M = S.apply_pair(np.eye(8)[basis[:, 0]], np.eye(16)[basis[:, 1]]).T       # 20 x 128
    np.testing.assert_allclose(S.apply_pair(a, b), np.einsum("ni,nj->nij", a, b).reshape(5, -1) @ M.T, atol=1e-12)
    T = subq.Sketch("tensorsketch", input_dim=6, output_dim=32, degree=3, seed=4)
    assert T.apply(rng.standard_normal((3, 6))).shape == (3, 32)


def test_csr_input_equals_dense():
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(2)
    X = sparse.random(20, 300, density=0.05, format="csr", random_state=3)
    S = subq.Sketch("countsketch", 300, 128, seed=1)
    np.testing.assert_array_equal(S.apply(X), S.apply(X.toarray()))


def test_errors():
    S = subq.Sketch("srht", 10, 16)
    assert (S.input_dim, S.output_dim) == (10, 16)
    with pytest.raises(subq.DimensionError):
        S.apply(np.ones((3, 11)))
    with pytest.raises(ValueError):
        subq.Sketch("nope", 10, 16)
    with pytest.raises(subq.SubqError):
        subq.Sketch("srht", 10, 0)
    with pytest.raises(subq.SubqError):
        S.apply_pair(np.ones((2, 10)), np.ones((2, 10)))  # SRHT has no pair apply
