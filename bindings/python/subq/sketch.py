"""Sketches (include/subq/sketch.h): the base sketches (CountSketch, OSNAP, SRHT, Gaussian, TensorSketch,
TensorSRHT), the tree sketch of x^{⊗q} (``TreeSketch``), and ``PolynomialSketch``, a scikit-learn-style transformer
of the polynomial kernel (γ⟨x,y⟩ + c)^q built on them."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_int, c_int64, c_void_p

import numpy as np

from . import _lib
from ._lib import Kind, Param, c_index, c_index_p

__all__ = ["Sketch", "SKETCH_TYPES", "TreeSketch", "PolynomialSketch", "LEAF_MODES", "LEAF_TYPES", "NODE_TYPES"]

_create = _lib.declare_status("subq_sketch_create", [c_void_p, POINTER(c_void_p)])
_destroy = _lib.declare("subq_sketch_destroy", None, [c_void_p])
_input_dim = _lib.declare_status("subq_sketch_input_dim", [c_void_p, c_index_p])
_input_dim2 = _lib.declare_status("subq_sketch_input_dim2", [c_void_p, c_index_p])
_output_dim = _lib.declare_status("subq_sketch_output_dim", [c_void_p, c_index_p])
_get_type = _lib.declare_status("subq_sketch_get_type", [c_void_p, POINTER(c_int)])
_get_int = _lib.declare_status("subq_sketch_get_int", [c_void_p, c_int, POINTER(c_int64)])
_dense = {
    np.dtype(np.float64): _lib.declare_status("subq_sketch_apply_f64", [c_void_p, c_int, c_index, c_index,
                                                                       _lib.c_double_p, c_index, _lib.c_double_p,
                                                                       c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_sketch_apply_f32", [c_void_p, c_int, c_index, c_index,
                                                                       _lib.c_float_p, c_index, _lib.c_float_p,
                                                                       c_index]),
}
_csr = {
    np.dtype(np.float64): _lib.declare_status("subq_sketch_apply_csr_f64", [c_void_p, c_index, c_index, c_index_p,
                                                                           c_index_p, _lib.c_double_p, c_int,
                                                                           _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_sketch_apply_csr_f32", [c_void_p, c_index, c_index, c_index_p,
                                                                           c_index_p, _lib.c_float_p, c_int,
                                                                           _lib.c_float_p, c_index]),
}
_pair = {
    np.dtype(np.float64): _lib.declare_status("subq_sketch_apply_pair_f64", [c_void_p, c_int, c_index, c_index,
                                                                            _lib.c_double_p, c_index, c_index,
                                                                            _lib.c_double_p, c_index,
                                                                            _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_sketch_apply_pair_f32", [c_void_p, c_int, c_index, c_index,
                                                                            _lib.c_float_p, c_index, c_index,
                                                                            _lib.c_float_p, c_index,
                                                                            _lib.c_float_p, c_index]),
}

SKETCH_TYPES = {"countsketch": 1, "osnap": 2, "srht": 3, "gaussian": 4, "tensorsketch": 5, "tensorsrht": 6}
#: subq_leaf_mode, subq_leaf_type and the node types of a tree sketch (values pinned in sketch.h).
LEAF_MODES = {"auto": 0, "identity": 1, "independent": 2, "shared": 3}
LEAF_TYPES = {"auto": 0, "countsketch": 1, "osnap": 2, "srht": 3, "osnap+srht": 4}
NODE_TYPES = {"tensorsketch": 5, "tensorsrht": 6}


def _float_dtype(a) -> np.dtype:
    return np.dtype(np.float32) if np.asarray(a).dtype == np.float32 else np.dtype(np.float64)


class Sketch(_lib.Handle):
    """A sketch plan: created once, applied many times; float32 inputs give float32 outputs.

    >>> S = subq.Sketch("srht", input_dim=784, output_dim=4096, seed=1)
    >>> Z = S.apply(X)                      # (n, 4096); scipy.sparse CSR inputs are sketched in O(nnz)
    """

    _destroy = _destroy

    def __init__(self, kind: str, input_dim: int, output_dim: int, *, degree: int = 2, sparsity: int = 4,
                 input_dim2: int = 0, seed: int = 0, num_threads: int = 0, block_rows: int = 0):
        try:
            type_value = SKETCH_TYPES[kind]
        except KeyError:
            raise ValueError(f"subq: kind must be one of {sorted(SKETCH_TYPES)}, not {kind!r}") from None
        params = {Param.SKETCH_TYPE: type_value, Param.INPUT_DIM: int(input_dim), Param.OUTPUT_DIM: int(output_dim),
                  Param.SEED: int(seed), Param.NUM_THREADS: int(num_threads), Param.BLOCK_ROWS: int(block_rows)}
        if kind == "tensorsketch":
            params[Param.DEGREE] = int(degree)
        if kind == "osnap":
            params[Param.SPARSITY] = int(sparsity)
        if input_dim2:
            params[Param.INPUT_DIM2] = int(input_dim2)
        ptr = c_void_p()
        with _lib.Config(Kind.SKETCH, params) as cfg:
            _create(cfg.ptr, ctypes.byref(ptr))
        super().__init__(ptr)
        self.kind = kind
        self.input_dim = self._size(_input_dim)
        self.input_dim2 = self._size(_input_dim2)
        self.output_dim = self._size(_output_dim)

    def _size(self, fn) -> int:
        v = c_index()
        fn(self.ptr, ctypes.byref(v))
        return int(v.value)

    def get_int(self, key: int) -> int:
        """A resolved integer parameter (subq_sketch_get_int): what the sketch was created with, after defaults and
        `auto` choices, e.g. ``S.get_int(subq.Param.SPARSITY)``. UnknownParamError for a key it does not have."""
        v = c_int64()
        _get_int(self.ptr, int(key), ctypes.byref(v))
        return int(v.value)

    def transform(self, X) -> np.ndarray:
        """Same as apply()."""
        return self.apply(X)

    def apply(self, X) -> np.ndarray:
        """Sketch the rows of X (a dense array, or anything with .tocsr(), e.g. a scipy.sparse matrix)."""
        if hasattr(X, "tocsr") and not isinstance(X, np.ndarray):
            return self._apply_csr(X.tocsr())
        dtype = _float_dtype(X)
        x, layout, n, d, ldx = _lib.as_matrix(X, dtype)
        if layout != _lib.Layout.ROW_MAJOR:
            x, layout, n, d, ldx = _lib.as_matrix(np.ascontiguousarray(x), dtype)
        z, ldz = _lib.new_matrix(n, self.output_dim, dtype)
        _dense[dtype](self.ptr, int(layout), n, d, _lib.pointer(x), ldx, _lib.pointer(z), ldz)
        return z

    def _apply_csr(self, X) -> np.ndarray:
        dtype = _float_dtype(X.data)
        n, d = X.shape
        indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(X.indices, dtype=np.int64)
        values = np.ascontiguousarray(X.data, dtype=dtype)
        z, ldz = _lib.new_matrix(n, self.output_dim, dtype)
        _csr[dtype](self.ptr, n, d, _lib.pointer(indptr), _lib.pointer(indices), _lib.pointer(values),
                    int(_lib.Layout.ROW_MAJOR), _lib.pointer(z), ldz)
        return z

    def apply_pair(self, A, B) -> np.ndarray:
        """Sketch a_i ⊗ b_i for the rows of A and B without forming the products (TensorSRHT, TensorSketch p = 2)."""
        dtype = _float_dtype(A)
        a = np.ascontiguousarray(A, dtype=dtype)
        b = np.ascontiguousarray(B, dtype=dtype)
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
            raise ValueError(f"subq: A and B must be 2-D with the same number of rows, got {a.shape} and {b.shape}")
        n = a.shape[0]
        z, ldz = _lib.new_matrix(n, self.output_dim, dtype)
        _pair[dtype](self.ptr, int(_lib.Layout.ROW_MAJOR), n, a.shape[1], _lib.pointer(a), max(1, a.shape[1]),
                     b.shape[1], _lib.pointer(b), max(1, b.shape[1]), _lib.pointer(z), ldz)
        return z


def _choice(names: dict, value, what: str) -> int:
    if isinstance(value, str) and value in names:
        return names[value]
    raise ValueError(f"subq: {what} must be one of {sorted(names)}, not {value!r}")


def _name(names: dict, value: int) -> str:
    return next((k for k, v in names.items() if v == value), str(value))


class TreeSketch(Sketch):
    """The tree sketch of x̃^{⊗q}, x̃ = [√γ·x; √c], with E⟨z_x, z_y⟩ = (γ⟨x,y⟩ + c)^q for identity and
    independent leaves (sketch.h, "Tree sketches of x^{⊗q}"); x^{⊗q} is never formed.

    >>> T = subq.TreeSketch(784, 4096, degree=32, seed=1)          # auto leaves: identity for d = 784
    >>> Z = T.transform(X)                                         # (n, 4096); float32 in, float32 out
    >>> T.leaf_mode, T.leaf_dim, T.node_dim                        # ('identity', 784, 4096)

    ``output_dim`` (alias ``n_components``) is the width D of the degree-q block; with ``all_degrees=True`` the
    output has q·D columns, block l (columns (l-1)·D .. l·D-1) for degree l. The other arguments are the
    SUBQ_P_* keys of the same names; 0 or "auto" keeps the library's documented default. Resolved values are
    properties read back with subq_sketch_get_int (``leaf_mode``, ``leaf_type``, ``leaf_dim``, ``node_type``,
    ``node_dim``, ``degree``, ``all_degrees``, ``output_dim``). Dense input may be float32 or float64 in C or F
    order (F-ordered input is copied once to C order); scipy.sparse input is sketched from CSR (equal to the dense
    result when its column indices are sorted and unique).
    """

    def __init__(self, input_dim: int, output_dim: int | None = None, *, degree: int = 2,
                 n_components: int | None = None, gamma: float = 1.0, coef0: float = 0.0, leaf_mode: str = "auto",
                 leaf_type: str = "auto", leaf_dim: int = 0, leaf_hash_dim: int = 0, sparsity: int = 4,
                 node_type: str = "tensorsrht", node_dim: int = 0, all_degrees: bool = False, seed: int = 0,
                 num_threads: int = 0, block_rows: int = 0):
        if output_dim is None and n_components is None:
            raise ValueError("subq: TreeSketch needs output_dim (or n_components)")
        if output_dim is not None and n_components is not None and int(output_dim) != int(n_components):
            raise ValueError(f"subq: output_dim = {output_dim} and n_components = {n_components} differ")
        width = int(output_dim if output_dim is not None else n_components)
        params = {Param.INPUT_DIM: int(input_dim), Param.OUTPUT_DIM: width, Param.DEGREE: int(degree),
                  Param.GAMMA: float(gamma), Param.COEF0: float(coef0),
                  Param.LEAF_MODE: _choice(LEAF_MODES, leaf_mode, "leaf_mode"),
                  Param.LEAF_TYPE: _choice(LEAF_TYPES, leaf_type, "leaf_type"),
                  Param.LEAF_DIM: int(leaf_dim), Param.LEAF_HASH_DIM: int(leaf_hash_dim),
                  Param.SPARSITY: int(sparsity), Param.NODE_TYPE: _choice(NODE_TYPES, node_type, "node_type"),
                  Param.NODE_DIM: int(node_dim), Param.ALL_DEGREES: 1 if all_degrees else 0, Param.SEED: int(seed),
                  Param.NUM_THREADS: int(num_threads), Param.BLOCK_ROWS: int(block_rows)}
        ptr = c_void_p()
        with _lib.Config(Kind.TREE_SKETCH, params) as cfg:
            _create(cfg.ptr, ctypes.byref(ptr))
        _lib.Handle.__init__(self, ptr)
        self.kind = "tree"
        self.gamma = float(gamma)
        self.coef0 = float(coef0)
        self.input_dim = self._size(_input_dim)
        self.input_dim2 = 0
        self.output_dim = self._size(_output_dim)
        #: width D of each degree block
        self.block_dim = width

    @property
    def sketch_type(self) -> int:
        """SUBQ_SKETCH_TREE (7), from subq_sketch_get_type."""
        v = c_int()
        _get_type(self.ptr, ctypes.byref(v))
        return int(v.value)

    @property
    def degree(self) -> int:
        return self.get_int(Param.DEGREE)

    @property
    def leaf_mode(self) -> str:
        """The resolved leaf mode: "identity", "independent" or "shared" (never "auto")."""
        return _name(LEAF_MODES, self.get_int(Param.LEAF_MODE))

    @property
    def leaf_type(self) -> str | None:
        """The resolved leaf map ("srht", "countsketch", "osnap", "osnap+srht"); None for identity leaves."""
        v = self.get_int(Param.LEAF_TYPE)
        return None if v == LEAF_TYPES["auto"] else _name(LEAF_TYPES, v)

    @property
    def leaf_dim(self) -> int:
        """Width of every leaf output (d̃ = d, or d + 1 when coef0 > 0, for identity leaves)."""
        return self.get_int(Param.LEAF_DIM)

    @property
    def node_type(self) -> str:
        return _name(NODE_TYPES, self.get_int(Param.NODE_TYPE))

    @property
    def node_dim(self) -> int:
        return self.get_int(Param.NODE_DIM)

    @property
    def all_degrees(self) -> bool:
        return bool(self.get_int(Param.ALL_DEGREES))

    def __repr__(self) -> str:
        if not getattr(self, "_ptr", None):
            return "TreeSketch(closed)"
        return (f"TreeSketch(input_dim={self.input_dim}, output_dim={self.block_dim}, degree={self.degree}, "
                f"gamma={self.gamma!r}, coef0={self.coef0!r}, leaf_mode={self.leaf_mode!r}, "
                f"leaf_dim={self.leaf_dim}, node_type={self.node_type!r}, node_dim={self.node_dim}, "
                f"all_degrees={self.all_degrees})")


# ---- scikit-learn-style transformer ----------------------------------------------------------------------------

_POLY_METHODS = ("tree", "shared", "tensorsketch")


class _NotFittedError(ValueError, AttributeError):
    """Raised by transform before fit (scikit-learn's NotFittedError when scikit-learn is installed)."""


def _not_fitted(name: str) -> Exception:
    message = f"subq: this {name} instance is not fitted yet; call fit first"
    try:
        from sklearn.exceptions import NotFittedError  # only on this error path: importing sklearn is slow
    except ImportError:
        return _NotFittedError(message)
    return NotFittedError(message)


def _seed_from(random_state) -> int:
    """An int seed as scikit-learn reads random_state: an int as it is, None from numpy's global RNG (a new map
    each fit, as scikit-learn does), a RandomState or Generator by drawing from it."""
    if random_state is None:
        return int(np.random.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"subq: random_state must be >= 0, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    raise ValueError(f"subq: random_state must be None, an int, a numpy RandomState or Generator, "
                     f"not {random_state!r}")


class PolynomialSketch(_lib.Transformer):
    """Features of the polynomial kernel (γ⟨x,y⟩ + c)^q with the scikit-learn transformer conventions: a drop-in
    alternative to ``sklearn.kernel_approximation.PolynomialCountSketch`` (same parameter names), usable in a
    ``Pipeline``.

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import Ridge
    >>> model = make_pipeline(subq.PolynomialSketch(degree=8, n_components=4096, random_state=0), Ridge())

    method: "tree" (default; the tree sketch with automatic leaves, unbiased, accurate at high degree), "shared"
    (one shared leaf map: the data is read once whatever the degree; biased) or "tensorsketch" (TensorSketch of
    [√γ·x; √c], the algorithm of PolynomialCountSketch). The map is drawn in fit from random_state (an int, None,
    a numpy RandomState or Generator); fit reads only X's number of columns. transform keeps float32 input as
    float32 (anything else becomes float64) and takes dense arrays or scipy.sparse matrices (sketched from CSR).
    num_threads = 0 uses every thread; the result does not depend on it.
    """

    _PARAMS = ("degree", "gamma", "coef0", "n_components", "method", "random_state", "num_threads")

    def __init__(self, degree=2, gamma=1.0, coef0=0.0, n_components=100, method="tree", random_state=None,
                 num_threads=0):
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.n_components = n_components
        self.method = method
        self.random_state = random_state
        self.num_threads = num_threads

    # -- fit / transform --

    def fit(self, X, y=None):
        """Draw the map for X's number of columns (the values of X are not used)."""
        shape = getattr(X, "shape", None)
        if shape is None:
            shape = np.asarray(X).shape
        if len(shape) != 2:
            raise ValueError(f"subq: X must be 2-D, got shape {tuple(shape)}")
        if self.method not in _POLY_METHODS:
            raise ValueError(f"subq: method must be one of {list(_POLY_METHODS)}, not {self.method!r}")
        d = int(shape[1])
        gamma, coef0 = float(self.gamma), float(self.coef0)
        seed = _seed_from(self.random_state)
        if self.method == "tensorsketch":
            if not (np.isfinite(gamma) and gamma > 0):
                raise _lib.ParamRangeError(_lib.Status.ERR_PARAM_RANGE, f"gamma = {gamma!r} must be finite and > 0")
            if not (np.isfinite(coef0) and coef0 >= 0):
                raise _lib.ParamRangeError(_lib.Status.ERR_PARAM_RANGE, f"coef0 = {coef0!r} must be finite and >= 0")
            extra = 1 if coef0 > 0 else 0
            self.sketch_ = Sketch("tensorsketch", d + extra, int(self.n_components), degree=int(self.degree),
                                  seed=seed, num_threads=int(self.num_threads))
        else:
            self.sketch_ = TreeSketch(d, int(self.n_components), degree=int(self.degree), gamma=gamma, coef0=coef0,
                                      leaf_mode="shared" if self.method == "shared" else "auto", seed=seed,
                                      num_threads=int(self.num_threads))
        self.n_features_in_ = d
        self.seed_ = seed
        return self

    def transform(self, X):
        """The features Z (n × n_components) of the rows of X: ZZᵀ ≈ (γXXᵀ + c)^q."""
        sketch = getattr(self, "sketch_", None)
        if sketch is None:
            raise _not_fitted(type(self).__name__)
        sparse = hasattr(X, "tocsr") and not isinstance(X, np.ndarray)
        if not sparse:
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"subq: X must be 2-D, got shape {X.shape}")
        if X.shape[1] != self.n_features_in_:
            raise _lib.DimensionError(_lib.Status.ERR_DIMENSION,
                                      f"X has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                                      f"{self.n_features_in_}")
        if self.method == "tensorsketch":
            X = self._augment(X, sparse)
        return sketch.apply(X)

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Output feature names, as scikit-learn's PolynomialCountSketch names them: polynomialsketch0, ..."""
        if getattr(self, "sketch_", None) is None:
            raise _not_fitted(type(self).__name__)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.sketch_.output_dim)], dtype=object)

    def _augment(self, X, sparse):
        """x̃ = [√γ·x; √c] (the √c column only when c > 0): TensorSketch has no γ or c of its own."""
        g, c = np.sqrt(float(self.gamma)), np.sqrt(float(self.coef0))
        if sparse:
            from scipy import sparse as sp
            X = X.tocsr()
            dtype = _float_dtype(X.data)
            Xs = X.astype(dtype) * dtype.type(g) if g != 1 else X.astype(dtype)
            if c > 0:
                Xs = sp.hstack([Xs, sp.csr_matrix(np.full((X.shape[0], 1), c, dtype=dtype))], format="csr")
            return Xs
        dtype = _float_dtype(X)
        n, d = X.shape
        out = np.empty((n, d + (1 if c > 0 else 0)), dtype=dtype)
        np.multiply(X.astype(dtype, copy=False), dtype.type(g), out=out[:, :d])  # in dtype, as the sparse path
        if c > 0:
            out[:, d] = c
        return out
