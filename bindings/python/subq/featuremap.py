"""Kernel feature maps and exact kernel matrices (include/subq/featuremap.h): features Z with ZZᵀ ≈ K for the
polynomial, Gaussian (RBF), arc-cosine (order 0 and 1) and ReLU neural-tangent kernels, by sketched Taylor series
(default), random Fourier features (Gaussian only) or Nyström; and the exact Gram matrix to measure them against.

    >>> F = subq.FeatureMap("gaussian", input_dim=784, output_dim=4096, gamma=0.5, seed=1)
    >>> Z = F.transform(X)                                    # (n, 4096), ZZᵀ ≈ exp(-0.5‖x - y‖²)
    >>> K = subq.kernel_matrix(X[:500], kernel="gaussian", gamma=0.5)

``KernelFeatures`` is the scikit-learn-style transformer (a drop-in for ``sklearn.kernel_approximation.RBFSampler``
or ``Nystroem`` inside a ``Pipeline``).
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_double, c_int, c_int64, c_void_p

import numpy as np

from . import _lib
from ._lib import Kind, Param, c_index, c_index_p
from .sketch import _not_fitted, _seed_from

__all__ = ["FeatureMap", "KernelFeatures", "kernel_matrix", "KERNELS", "FEATURE_METHODS", "NTK_CONVENTIONS"]

_create = _lib.declare_status("subq_featuremap_create", [c_void_p, POINTER(c_void_p)])
_destroy = _lib.declare("subq_featuremap_destroy", None, [c_void_p])
_input_dim = _lib.declare_status("subq_featuremap_input_dim", [c_void_p, c_index_p])
_output_dim = _lib.declare_status("subq_featuremap_output_dim", [c_void_p, c_index_p])
_truncation = _lib.declare_status("subq_featuremap_truncation", [c_void_p, POINTER(c_int64), POINTER(c_double),
                                                                 POINTER(c_int)])
_fit = _lib.declare_status("subq_featuremap_fit_f64", [c_void_p, c_int, c_index, c_index, _lib.c_double_p, c_index])
_set_landmarks = _lib.declare_status("subq_featuremap_set_landmarks_f64", [c_void_p, c_int, c_index, c_index,
                                                                           _lib.c_double_p, c_index])
_dense = {
    np.dtype(np.float64): _lib.declare_status("subq_featuremap_transform_f64", [c_void_p, c_int, c_index, c_index,
                                                                               _lib.c_double_p, c_index,
                                                                               _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_featuremap_transform_f32", [c_void_p, c_int, c_index, c_index,
                                                                               _lib.c_float_p, c_index,
                                                                               _lib.c_float_p, c_index]),
}
_csr = {
    np.dtype(np.float64): _lib.declare_status("subq_featuremap_transform_csr_f64", [c_void_p, c_index, c_index,
                                                                                   c_index_p, c_index_p,
                                                                                   _lib.c_double_p, c_int,
                                                                                   _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_featuremap_transform_csr_f32", [c_void_p, c_index, c_index,
                                                                                   c_index_p, c_index_p,
                                                                                   _lib.c_float_p, c_int,
                                                                                   _lib.c_float_p, c_index]),
}
_gram = {
    np.dtype(np.float64): _lib.declare_status("subq_kernel_gram_f64", [c_void_p, c_int, c_index, c_index, c_index,
                                                                      _lib.c_double_p, c_index, _lib.c_double_p,
                                                                      c_index, _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_kernel_gram_f32", [c_void_p, c_int, c_index, c_index, c_index,
                                                                      _lib.c_float_p, c_index, _lib.c_float_p,
                                                                      c_index, _lib.c_float_p, c_index]),
}

#: subq_kernel, subq_feature_method and subq_ntk_convention values (pinned in featuremap.h). "rbf" and
#: "polynomial" are aliases of "gaussian" and "poly".
KERNELS = {"poly": 1, "polynomial": 1, "gaussian": 2, "rbf": 2, "arccos0": 3, "arccos1": 4, "ntk": 5}
FEATURE_METHODS = {"taylor": 1, "rff": 2, "nystrom": 3}
NTK_CONVENTIONS = {"first": 1, "both": 2}
_ALLOCATIONS = {"sampled": 0, "deterministic": 1}
_LEAF_MODES = {"auto": 0, "identity": 1, "independent": 2, "shared": 3}


def _choice(names: dict, value, what: str) -> int:
    if isinstance(value, str) and value in names:
        return names[value]
    raise ValueError(f"subq: {what} must be one of {sorted(names)}, not {value!r}")


def _kernel_params(kernel, gamma, coef0, degree, depth, ntk_convention) -> dict:
    """The SUBQ_P_* keys of a kernel and its parameters (only the ones the kernel reads)."""
    k = _choice(KERNELS, kernel, "kernel")
    params = {Param.KERNEL: k}
    if k in (KERNELS["poly"], KERNELS["gaussian"]):
        params[Param.GAMMA] = float(gamma)
    if k == KERNELS["poly"]:
        params[Param.COEF0] = float(coef0)
        params[Param.DEGREE] = int(degree)
    if k == KERNELS["ntk"]:
        params[Param.NTK_DEPTH] = int(depth)
        params[Param.NTK_CONVENTION] = _choice(NTK_CONVENTIONS, ntk_convention, "ntk_convention")
    return params


def _float_dtype(a) -> np.dtype:
    return np.dtype(np.float32) if np.asarray(a).dtype == np.float32 else np.dtype(np.float64)


def _is_sparse(X) -> bool:
    return hasattr(X, "tocsr") and not isinstance(X, np.ndarray)


def _dense_f64(X) -> tuple[np.ndarray, _lib.Layout, int, int, int]:
    if _is_sparse(X):
        X = X.toarray()
    return _lib.as_matrix(X, np.float64)


class FeatureMap(_lib.Handle):
    """A kernel feature map (subq_featuremap): z = φ(x) with ⟨φ(x), φ(y)⟩ ≈ k(x, y).

    kernel: "poly", "gaussian" (alias "rbf"), "arccos0", "arccos1" or "ntk". method: "taylor" (default; oblivious),
    "rff" (Gaussian only; oblivious) or "nystrom" (needs fit() or set_landmarks() before transform()). The other
    arguments are the SUBQ_P_* keys of the same names (featuremap.h); 0 keeps the library's default. Taylor maps
    report their truncation with ``truncation()`` → (q_max, tail bound, cap_binds). float32 input gives float32
    features; scipy.sparse input is transformed from CSR.
    """

    _destroy = _destroy

    def __init__(self, kernel: str, input_dim: int, output_dim: int, *, method: str = "taylor", gamma: float = 1.0,
                 coef0: float = 0.0, degree: int = 2, depth: int = 1, ntk_convention: str = "both",
                 tolerance: float = 1e-3, max_degree: int = 0, granularity: int = 64, radius: float = 1.0,
                 allocation: str = "sampled", leaf_mode: str = "auto", seed: int = 0, num_threads: int = 0,
                 block_rows: int = 0):
        params = _kernel_params(kernel, gamma, coef0, degree, depth, ntk_convention)
        m = _choice(FEATURE_METHODS, method, "method")
        params.update({Param.INPUT_DIM: int(input_dim), Param.OUTPUT_DIM: int(output_dim),
                       Param.FEATURE_METHOD: m, Param.SEED: int(seed), Param.NUM_THREADS: int(num_threads),
                       Param.BLOCK_ROWS: int(block_rows)})
        if m == FEATURE_METHODS["taylor"]:
            params.update({Param.TAYLOR_TOLERANCE: float(tolerance), Param.MAX_DEGREE: int(max_degree),
                           Param.GRANULARITY: int(granularity), Param.RADIUS: float(radius),
                           Param.DEGREE_ALLOCATION: _choice(_ALLOCATIONS, allocation, "allocation"),
                           Param.LEAF_MODE: _choice(_LEAF_MODES, leaf_mode, "leaf_mode")})
        ptr = c_void_p()
        with _lib.Config(Kind.FEATUREMAP, params) as cfg:
            _create(cfg.ptr, ctypes.byref(ptr))
        super().__init__(ptr)
        self.kernel = kernel
        self.method = method

    def _size(self, fn) -> int:
        v = c_index()
        fn(self.ptr, ctypes.byref(v))
        return int(v.value)

    @property
    def input_dim(self) -> int:
        return self._size(_input_dim)

    @property
    def output_dim(self) -> int:
        """Columns of the features (Nyström: the number of landmarks, known after a fit)."""
        return self._size(_output_dim)

    def truncation(self) -> tuple[int, float, bool]:
        """Taylor maps: (q_max, tail bound T, whether max_degree stopped the degree before the tolerance was met).
        UnsupportedError for RFF and Nyström."""
        q, tail, cap = c_int64(), c_double(), c_int()
        _truncation(self.ptr, ctypes.byref(q), ctypes.byref(tail), ctypes.byref(cap))
        return int(q.value), float(tail.value), bool(cap.value)

    def fit(self, X) -> "FeatureMap":
        """Nyström: choose landmarks uniformly among the rows of X (float64; sparse input is densified). Taylor
        and RFF maps only check X's number of columns."""
        x, layout, n, d, ldx = _dense_f64(X)
        _fit(self.ptr, int(layout), n, d, _lib.pointer(x), ldx)
        return self

    def set_landmarks(self, L) -> "FeatureMap":
        """Nyström: use the rows of L as the landmarks (output_dim becomes their number)."""
        x, layout, k, d, ld = _dense_f64(L)
        _set_landmarks(self.ptr, int(layout), k, d, _lib.pointer(x), ld)
        return self

    def transform(self, X) -> np.ndarray:
        """The features of the rows of X (dense C/F-ordered float32/float64, or a scipy.sparse matrix)."""
        if _is_sparse(X):
            X = X.tocsr()
            dtype = _float_dtype(X.data)
            n, d = X.shape
            indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
            indices = np.ascontiguousarray(X.indices, dtype=np.int64)
            values = np.ascontiguousarray(X.data, dtype=dtype)
            z, ldz = _lib.new_matrix(n, self.output_dim, dtype)
            _csr[dtype](self.ptr, n, d, _lib.pointer(indptr), _lib.pointer(indices), _lib.pointer(values),
                        int(_lib.Layout.ROW_MAJOR), _lib.pointer(z), ldz)
            return z
        dtype = _float_dtype(X)
        x, layout, n, d, ldx = _lib.as_matrix(X, dtype)
        if layout != _lib.Layout.ROW_MAJOR:  # z is row-major: give x the same layout
            x, layout, n, d, ldx = _lib.as_matrix(np.ascontiguousarray(x), dtype)
        z, ldz = _lib.new_matrix(n, self.output_dim, dtype)
        _dense[dtype](self.ptr, int(layout), n, d, _lib.pointer(x), ldx, _lib.pointer(z), ldz)
        return z

    def __repr__(self) -> str:
        if not getattr(self, "_ptr", None):
            return "FeatureMap(closed)"
        return (f"FeatureMap({self.kernel!r}, input_dim={self.input_dim}, output_dim={self.output_dim}, "
                f"method={self.method!r})")


def kernel_matrix(X, Y=None, kernel: str = "gaussian", *, gamma: float = 1.0, coef0: float = 0.0, degree: int = 2,
                  depth: int = 1, ntk_convention: str = "both", num_threads: int = 0,
                  block_rows: int = 0) -> np.ndarray:
    """The exact kernel matrix K[i, j] = k(X[i], Y[j]) (Y = X when None), computed blocked with BLAS
    (subq_kernel_gram_f64/f32): float32 when X and Y are float32, else float64. Sparse input is densified.
    Non-finite input raises NumericalError naming the row."""
    if _is_sparse(X):
        X = X.toarray()
    same = Y is None
    if same:
        Y = X
    elif _is_sparse(Y):
        Y = Y.toarray()
    dtype = np.dtype(np.float32) if _float_dtype(X) == np.float32 and _float_dtype(Y) == np.float32 \
        else np.dtype(np.float64)
    x = np.ascontiguousarray(X, dtype=dtype)
    y = x if same else np.ascontiguousarray(Y, dtype=dtype)
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(f"subq: X and Y must be 2-D, got shapes {x.shape} and {y.shape}")
    n, d = x.shape
    m = y.shape[0]
    if y.shape[1] != d:
        raise _lib.DimensionError(_lib.Status.ERR_DIMENSION,
                                  f"X has {d} columns and Y has {y.shape[1]}: they must match")
    params = _kernel_params(kernel, gamma, coef0, degree, depth, ntk_convention)
    params.update({Param.NUM_THREADS: int(num_threads), Param.BLOCK_ROWS: int(block_rows)})
    k, ldk = _lib.new_matrix(n, m, dtype)
    with _lib.Config(Kind.FEATUREMAP, params) as cfg:
        _gram[dtype](cfg.ptr, int(_lib.Layout.ROW_MAJOR), n, m, d, _lib.pointer(x), max(1, d), _lib.pointer(y),
                     max(1, d), _lib.pointer(k), ldk)
    return k


# ---- scikit-learn-style transformer ----------------------------------------------------------------------------


class KernelFeatures(_lib.Transformer):
    """Features Z with ZZᵀ ≈ K for a kernel, with the scikit-learn transformer conventions: a drop-in for
    ``sklearn.kernel_approximation.RBFSampler`` (kernel="gaussian", method="rff" or "taylor") or ``Nystroem``
    (method="nystrom") inside a ``Pipeline``.

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import Ridge
    >>> model = make_pipeline(subq.KernelFeatures("ntk", n_components=4096, depth=2, random_state=0), Ridge())

    kernel: "gaussian" e^{−γ‖x−y‖²}, "poly" (γ⟨x,y⟩ + coef0)^degree, "arccos0", "arccos1", "ntk" (depth,
    ntk_convention "both" or "first"). method: "taylor" (sketched Taylor series; tolerance, max_degree,
    granularity, radius tune the truncation), "rff" (Gaussian only) or "nystrom" (n_components landmarks drawn
    uniformly from the rows given to fit; fewer rows give fewer features). The map is drawn in fit from
    random_state (an int, None, a numpy RandomState or Generator); Taylor and RFF maps read only X's number of
    columns. After fit: ``map_`` (a FeatureMap), ``n_features_in_``, ``seed_``, and for Taylor maps
    ``taylor_degree_``, ``taylor_tail_``, ``taylor_cap_binds_``. transform keeps float32 input as float32 and
    takes scipy.sparse matrices.
    """

    _PARAMS = ("kernel", "n_components", "gamma", "coef0", "degree", "depth", "ntk_convention", "method",
               "tolerance", "max_degree", "granularity", "radius", "random_state", "num_threads")

    def __init__(self, kernel="gaussian", n_components=4096, gamma=1.0, coef0=0.0, degree=2, depth=1,
                 ntk_convention="both", method="taylor", tolerance=1e-3, max_degree=0, granularity=64,
                 radius=1.0, random_state=None, num_threads=0):
        self.kernel = kernel
        self.n_components = n_components
        self.gamma = gamma
        self.coef0 = coef0
        self.degree = degree
        self.depth = depth
        self.ntk_convention = ntk_convention
        self.method = method
        self.tolerance = tolerance
        self.max_degree = max_degree
        self.granularity = granularity
        self.radius = radius
        self.random_state = random_state
        self.num_threads = num_threads

    # -- fit / transform --

    def fit(self, X, y=None):
        """Draw the map for X's number of columns; Nyström also picks its landmarks among the rows of X."""
        shape = getattr(X, "shape", None)
        if shape is None:
            X = np.asarray(X)
            shape = X.shape
        if len(shape) != 2:
            raise ValueError(f"subq: X must be 2-D, got shape {tuple(shape)}")
        d = int(shape[1])
        seed = _seed_from(self.random_state)
        fm = FeatureMap(self.kernel, d, int(self.n_components), method=self.method, gamma=self.gamma,
                        coef0=self.coef0, degree=self.degree, depth=self.depth, ntk_convention=self.ntk_convention,
                        tolerance=self.tolerance, max_degree=self.max_degree, granularity=self.granularity,
                        radius=self.radius, seed=seed, num_threads=self.num_threads)
        if self.method == "nystrom":
            fm.fit(X)
        else:
            for name in ("taylor_degree_", "taylor_tail_", "taylor_cap_binds_"):
                self.__dict__.pop(name, None)
        if self.method == "taylor":
            self.taylor_degree_, self.taylor_tail_, self.taylor_cap_binds_ = fm.truncation()
        self.map_ = fm
        self.n_features_in_ = d
        self.seed_ = seed
        return self

    def transform(self, X):
        """The features Z (n × output columns) of the rows of X: ZZᵀ ≈ K(X, X)."""
        fm = getattr(self, "map_", None)
        if fm is None:
            raise _not_fitted(type(self).__name__)
        if not _is_sparse(X):
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"subq: X must be 2-D, got shape {X.shape}")
        if X.shape[1] != self.n_features_in_:
            raise _lib.DimensionError(_lib.Status.ERR_DIMENSION,
                                      f"X has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                                      f"{self.n_features_in_}")
        return fm.transform(X)

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: kernelfeatures0, kernelfeatures1, ..."""
        fm = getattr(self, "map_", None)
        if fm is None:
            raise _not_fitted(type(self).__name__)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(fm.output_dim)], dtype=object)
