"""Kernel ridge regression on kernel features, exact KRR, and low-rank kernel approximation (include/subq/krr.h).

    >>> model = subq.KernelRidge(kernel="gaussian", gamma=5.0, method="nystrom", n_components=4096,
    ...                          normalize=True, random_state=0)
    >>> model.fit(X_train, labels_train).score(X_test, labels_test)     # accuracy for class labels
    >>> model.alpha_, model.lambda_grid_                                # the λ selected, and the grid scored
    >>> F = subq.low_rank(X, 50, kernel="gaussian", gamma=1.0, n_components=2048)   # K ≈ F Fᵀ, F is (n, 50)

``KernelRidge`` is a scikit-learn estimator (get_params / set_params, clone, Pipeline, cross_val_score): the
features are generated and CᵀC, CᵀY accumulated in row blocks inside the library, so the n × D feature matrix
never exists. ``KrrModel`` is the thin handle on a fitted ``subq_krr`` (it keeps its feature map alive: the C model
borrows it).
"""

from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, c_double, c_int, c_int64, c_void_p

import numpy as np

from . import _lib
from ._lib import Kind, Param, c_index
from .featuremap import FeatureMap, _is_sparse, kernel_matrix
from .sketch import _not_fitted, _seed_from

__all__ = ["KernelRidge", "KrrModel", "low_rank", "KRR_METHODS", "LAMBDA_SELECT"]

_PROGRESS = ctypes.CFUNCTYPE(c_int, c_void_p, c_int64, c_int64)
_fit = {
    np.dtype(np.float64): _lib.declare_status("subq_krr_fit_f64", [c_void_p, c_void_p, c_int, c_index, c_index,
                                                                  _lib.c_double_p, c_index, c_index,
                                                                  _lib.c_double_p, c_index, _PROGRESS, c_void_p,
                                                                  POINTER(c_void_p)]),
    np.dtype(np.float32): _lib.declare_status("subq_krr_fit_f32", [c_void_p, c_void_p, c_int, c_index, c_index,
                                                                  _lib.c_float_p, c_index, c_index,
                                                                  _lib.c_double_p, c_index, _PROGRESS, c_void_p,
                                                                  POINTER(c_void_p)]),
}
_destroy = _lib.declare("subq_krr_destroy", None, [c_void_p])
_predict = {
    np.dtype(np.float64): _lib.declare_status("subq_krr_predict_f64", [c_void_p, c_int, c_index, c_index,
                                                                      _lib.c_double_p, c_index, _lib.c_double_p,
                                                                      c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_krr_predict_f32", [c_void_p, c_int, c_index, c_index,
                                                                      _lib.c_float_p, c_index, _lib.c_double_p,
                                                                      c_index]),
}
_get_int = _lib.declare_status("subq_krr_get_int", [c_void_p, c_int, POINTER(c_int64)])
_get_double = _lib.declare_status("subq_krr_get_double", [c_void_p, c_int, POINTER(c_double)])
_grid = _lib.declare_status("subq_krr_grid", [c_void_p, c_int64, POINTER(c_double), POINTER(c_double)])
_low_rank = {
    np.dtype(np.float64): _lib.declare_status("subq_low_rank_f64", [c_void_p, c_int, c_index, c_index,
                                                                   _lib.c_double_p, c_index, c_index,
                                                                   _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_low_rank_f32", [c_void_p, c_int, c_index, c_index,
                                                                   _lib.c_float_p, c_index, c_index,
                                                                   _lib.c_double_p, c_index]),
}
_fm_fit = {
    np.dtype(np.float64): _lib.declare_status("subq_featuremap_fit_f64", [c_void_p, c_int, c_index, c_index,
                                                                         _lib.c_double_p, c_index]),
    np.dtype(np.float32): _lib.declare_status("subq_featuremap_fit_f32", [c_void_p, c_int, c_index, c_index,
                                                                         _lib.c_float_p, c_index]),
}

#: Values pinned in krr.h: subq_lambda_select, subq_holdout_score, subq_krr_solver, subq_krr_stat.
LAMBDA_SELECT = {"holdout": 1, "gcv": 2}
_SCORE_SQUARED_ERROR, _SCORE_ACCURACY = 1, 2
SOLVERS = {0: "auto", 1: "cholesky", 2: "exact", 3: "pcg"}
_SOLVER_CODES = {"auto": 0, "cholesky": 1, "pcg": 3}
_SOLVER_EXACT = 2
#: method → how the kernel is represented: feature maps (featuremap.h) or the exact kernel.
KRR_METHODS = ("taylor", "rff", "nystrom", "exact")
_DOUBLE_STATS = {"lambda": 1, "scale": 2, "seconds_features": 3, "seconds_gram": 4, "seconds_solve": 5}
_INT_STATS = {"rows": 100, "holdout_rows": 101, "retries": 102, "outputs": 103, "width": 104, "grid_points": 105,
              "solver_used": 106, "iterations": 107}


def _float_dtype(a: np.ndarray) -> np.dtype:
    return np.dtype(np.float32) if a.dtype == np.float32 else np.dtype(np.float64)


def _dense(X) -> np.ndarray:
    """X as a 2-D float32 (kept) or float64 array; sparse input is densified (the C API takes dense rows)."""
    if _is_sparse(X):
        X = X.toarray()
    a = np.asarray(X)
    if a.ndim != 2:
        raise ValueError(f"subq: X must be 2-D, got shape {a.shape}")
    if a.dtype != np.float32 and a.dtype != np.float64:
        if a.dtype.kind not in "biuf":
            raise ValueError(f"subq: X must hold numbers, got dtype {a.dtype}")
        a = a.astype(np.float64)
    return a


def _unit_rows(a: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean norm (zero rows stay zero), in a's dtype; a new array."""
    norms = np.sqrt(np.einsum("ij,ij->i", a, a, dtype=np.float64))
    norms[norms == 0] = 1.0
    return (a / norms[:, None]).astype(a.dtype, copy=False)


def _num_threads(n_jobs) -> int:
    """scikit-learn's n_jobs as SUBQ_P_NUM_THREADS: None or -1 → 0 (the library's default: all threads), k > 0 → k,
    -2 → all but one, ..."""
    if n_jobs is None:
        return 0
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("subq: n_jobs == 0 has no meaning; use None, -1 or a positive count")
    if n_jobs > 0:
        return n_jobs
    if n_jobs == -1:
        return 0
    return max(1, (os.cpu_count() or 1) + 1 + n_jobs)


def _make_map(kernel, d, method, n_components, *, gamma, coef0, degree, depth, ntk_convention, tolerance, radius,
              seed, num_threads) -> FeatureMap | None:
    """The feature map of a method (None for kernel="linear": the columns of x are the features). "exact" gets a
    Nyström map that is never fitted: the exact solver reads only its kernel."""
    if kernel == "linear":
        if method == "exact":
            raise ValueError("subq: kernel='linear' has no exact solver here; use method='taylor' (the columns of X "
                             "are the features)")
        return None
    if method not in KRR_METHODS:
        raise ValueError(f"subq: method must be one of {list(KRR_METHODS)}, not {method!r}")
    extra = {"tolerance": float(tolerance), "radius": float(radius)} if method == "taylor" else {}
    return FeatureMap(kernel, d, 1 if method == "exact" else int(n_components),
                      method="nystrom" if method == "exact" else method, gamma=gamma, coef0=coef0, degree=degree,
                      depth=depth, ntk_convention=ntk_convention, seed=seed, num_threads=num_threads, **extra)


def _fit_landmarks(fm: FeatureMap, x: np.ndarray) -> None:
    """Nyström: landmarks drawn uniformly from the rows of x (float32 rows stay float32)."""
    a, layout, n, d, ld = _lib.as_matrix(x, _float_dtype(x))
    _fm_fit[a.dtype](fm.ptr, int(layout), n, d, _lib.pointer(a), ld)


# ---- the C model ------------------------------------------------------------------------------------------------


class KrrModel(_lib.Handle):
    """A fitted subq_krr. It holds a reference to its feature map, which the C model borrows, so the map lives at
    least as long as the model; do not refit that map (FeatureMap.fit / set_landmarks) while the model exists.

    ``KrrModel.fit(config_params, fm, X, Y, progress=None)``: Y is (n, k) float64 targets; config_params are the
    SUBQ_P_* keys of kind SUBQ_KIND_KRR ({Param.LAMBDA: 1e-3, ...}); fm a FeatureMap or None (X holds the
    features). ``progress(rows_done, rows_total)`` is called after each block; returning True cancels the fit with
    CancelledError, and an exception it raises (KeyboardInterrupt included) stops the fit and is re-raised.
    """

    _destroy = _destroy

    def __init__(self, ptr: c_void_p, fm: FeatureMap | None, input_dim: int):
        super().__init__(ptr)
        self._map = fm  # the C model borrows it: keep it alive as long as this handle
        self.input_dim = int(input_dim)

    @classmethod
    def fit(cls, params: dict, fm: FeatureMap | None, X, Y, progress=None) -> "KrrModel":
        x = _dense(X)
        x, layout, n, d, ldx = _lib.as_matrix(x, x.dtype)
        y = np.asarray(Y, dtype=np.float64)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2:
            raise ValueError(f"subq: Y must be 1-D or 2-D, got shape {y.shape}")
        if y.shape[0] != n:
            raise _lib.DimensionError(_lib.Status.ERR_DIMENSION,
                                      f"X has {n} rows but the targets have {y.shape[0]}: they must match")
        # y in x's layout (the C API reads both in one layout).
        y = np.ascontiguousarray(y) if layout == _lib.Layout.ROW_MAJOR else np.asfortranarray(y)
        k = y.shape[1]
        ldy = max(1, k) if layout == _lib.Layout.ROW_MAJOR else max(1, n)
        raised = []

        def trampoline(_user, done, total):
            try:
                return 1 if (progress is not None and progress(int(done), int(total))) else 0
            except BaseException as e:  # noqa: BLE001 - re-raised after the C call returns
                raised.append(e)
                return 1

        callback = _PROGRESS(trampoline)
        ptr = c_void_p()
        with _lib.Config(Kind.KRR, params) as cfg:
            try:
                _fit[x.dtype](cfg.ptr, fm.ptr if fm is not None else None, int(layout), n, d, _lib.pointer(x), ldx,
                              k, _lib.pointer(y), ldy, callback, None, ctypes.byref(ptr))
            except _lib.SubqError:
                if raised:
                    raise raised[0] from None
                raise
        return cls(ptr, fm, d)

    @property
    def feature_map(self) -> FeatureMap | None:
        return self._map

    def predict(self, X) -> np.ndarray:
        """f(X) as an (n, k) float64 array."""
        x = _dense(X)
        x, layout, n, d, ldx = _lib.as_matrix(x, x.dtype)
        if layout != _lib.Layout.ROW_MAJOR:  # out is row-major: give x the same layout
            x, layout, n, d, ldx = _lib.as_matrix(np.ascontiguousarray(x), x.dtype)
        k = self.stat("outputs")
        out, ldout = _lib.new_matrix(n, k, np.float64)
        _predict[x.dtype](self.ptr, int(layout), n, d, _lib.pointer(x), ldx, _lib.pointer(out), ldout)
        return out

    def stat(self, name: str):
        """One of lambda, scale, seconds_features, seconds_gram, seconds_solve (float) or rows, holdout_rows,
        retries, outputs, width, grid_points, solver_used, iterations (int)."""
        if name in _DOUBLE_STATS:
            v = c_double()
            _get_double(self.ptr, _DOUBLE_STATS[name], ctypes.byref(v))
            return float(v.value)
        if name in _INT_STATS:
            v = c_int64()
            _get_int(self.ptr, _INT_STATS[name], ctypes.byref(v))
            return int(v.value)
        raise ValueError(f"subq: unknown statistic {name!r}; one of {sorted({**_DOUBLE_STATS, **_INT_STATS})}")

    def stats(self) -> dict:
        return {name: self.stat(name) for name in (*_DOUBLE_STATS, *_INT_STATS)}

    def grid(self) -> np.ndarray:
        """The λ values scored by the selection and their scores (lower is better; +inf where the factorization
        failed), as a (points, 2) array; empty with a fixed λ."""
        points = self.stat("grid_points")
        out = np.empty((points, 2))
        lam, score = c_double(), c_double()
        for i in range(points):
            _grid(self.ptr, i, ctypes.byref(lam), ctypes.byref(score))
            out[i] = lam.value, score.value
        return out

    def __getstate__(self):
        raise TypeError("subq: a fitted KrrModel holds a C handle and cannot be pickled; refit it instead")


# ---- low-rank approximation --------------------------------------------------------------------------------------


def _low_rank_from_map(fm: FeatureMap | None, x: np.ndarray, rank: int) -> np.ndarray:
    a, layout, n, d, ldx = _lib.as_matrix(x, x.dtype)
    if layout != _lib.Layout.ROW_MAJOR:  # f is row-major: give x the same layout
        a, layout, n, d, ldx = _lib.as_matrix(np.ascontiguousarray(a), a.dtype)
    rank = int(rank)
    f, ldf = _lib.new_matrix(n, max(rank, 0), np.float64)
    _low_rank[a.dtype](fm.ptr if fm is not None else None, int(layout), n, d, _lib.pointer(a), ldx, rank,
                       _lib.pointer(f), max(ldf, 1))
    return f


def low_rank(X, rank: int, kernel: str = "gaussian", *, method: str = "taylor", n_components: int = 4096,
             gamma: float = 1.0, coef0: float = 0.0, degree: int = 2, depth: int = 1, ntk_convention: str = "both",
             tolerance: float = 1e-3, radius: float = 1.0, normalize: bool = False, random_state=None,
             n_jobs=None) -> np.ndarray:
    """F (n × rank, float64) with K(X, X) ≈ F Fᵀ, from a sketch (subq_low_rank_f64/f32).

    method "taylor" / "rff" / "nystrom" (n_components features or landmarks; Nyström draws its landmarks from the
    rows of X): F = C·V_r, the best rank-r approximation of the features' kernel CCᵀ (two streamed passes over X;
    about 2·D² doubles of memory). method "exact": the best rank-r approximation of the exact kernel (the top
    eigenvectors of the n × n matrix; O(n³), the reference). kernel "linear": the columns of X are the features.
    """
    x = _dense(X)
    if normalize:
        x = _unit_rows(x)
    if method == "exact":
        if kernel == "linear":
            K = x.astype(np.float64) @ x.astype(np.float64).T
        else:
            K = kernel_matrix(x.astype(np.float64), kernel=kernel, gamma=gamma, coef0=coef0, degree=degree,
                              depth=depth, ntk_convention=ntk_convention, num_threads=_num_threads(n_jobs))
        rank = int(rank)
        if not 1 <= rank <= K.shape[0]:
            raise _lib.DimensionError(_lib.Status.ERR_DIMENSION, f"rank {rank} must be in [1, {K.shape[0]}]")
        w, V = np.linalg.eigh(K)
        top = np.argsort(w)[::-1][:rank]
        return V[:, top] * np.sqrt(np.clip(w[top], 0, None))
    seed = _seed_from(random_state)
    fm = _make_map(kernel, x.shape[1], method, n_components, gamma=gamma, coef0=coef0, degree=degree, depth=depth,
                   ntk_convention=ntk_convention, tolerance=tolerance, radius=radius, seed=seed,
                   num_threads=_num_threads(n_jobs))
    try:
        if method == "nystrom":
            _fit_landmarks(fm, x)
        return _low_rank_from_map(fm, x, rank)
    finally:
        if fm is not None:
            fm.close()


# ---- scikit-learn estimator -------------------------------------------------------------------------------------


def _is_label_array(y: np.ndarray) -> bool:
    """Class labels: integers, booleans, strings or other objects (a float array is a regression target)."""
    return y.dtype.kind in "biuUSO"


class KernelRidge(_lib.Transformer):
    """Kernel ridge regression / classification on sketched kernel features, with scikit-learn conventions (a
    drop-in for ``sklearn.kernel_ridge.KernelRidge`` or a ``Nystroem``/``RBFSampler`` + ``Ridge``/``RidgeClassifier``
    pipeline, that never forms the n × D feature matrix).

    >>> clf = subq.KernelRidge("gaussian", gamma=5.0, method="nystrom", n_components=4096, normalize=True)
    >>> clf.fit(X, labels).score(X_test, labels_test)       # accuracy

    Targets: with task="auto", class labels (integers, booleans, strings: a 1-D array of a non-float dtype) make a
    classifier — ``classes_`` are the sorted distinct labels, one output per class with targets one-hot − 0.1, λ
    selected by held-out accuracy, predict returns labels and score the accuracy; a float y (1-D or 2-D) makes a
    regressor — score is R² (averaged over outputs). task="classify" / "regress" forces either (e.g. float labels
    from ``subq.load`` with task="classify").

    kernel: "gaussian" e^{−γ‖x−y‖²} (alias "rbf"), "poly" (γ⟨x,y⟩ + coef0)^degree, "arccos0", "arccos1", "ntk"
    (depth, ntk_convention), or "linear" (the columns of X are the features: plain ridge regression).
    method: "taylor" (sketched Taylor series; tolerance and radius tune the truncation — radius bounds the row
    norms, so pair it with normalize=True or set it), "rff" (Gaussian only), "nystrom" (n_components landmarks
    drawn uniformly from the training rows) or "exact" (the exact kernel, (K + λI)α = Y: n² memory, needs alpha).
    alpha: λ in the units of (K + λI)α = Y, > 0; None selects it on a grid (alpha_grid = (min, max, points),
    relative to the mean k(x, x); None for the library's default) by select="holdout" (a holdout_fraction of the
    rows, seeded by random_state) or "gcv". solver: "auto" (the library's choice by cost), "cholesky" (normal
    equations, SYRK + Cholesky; the only one that selects λ) or "pcg" (sketch-preconditioned conjugate gradients on
    the stored features; needs alpha). normalize: scale every row (fit and predict) to unit norm.
    random_state: the map's draw and the hold-out split (int, None, RandomState or Generator). n_jobs: threads
    (None / -1: all). block_rows: rows featurised per block (0: the library's choice).

    After fit: ``model_`` (KrrModel, which owns ``map_``), ``map_`` (FeatureMap, or None for "linear"),
    ``n_features_in_``, ``n_outputs_``, ``alpha_`` (the λ of the final fit), ``lambda_grid_`` ((points, 2): λ and
    score), ``solver_`` (the solver that ran), ``n_iter_`` (PCG iterations; 0 otherwise), ``fit_stats_`` (timings
    and counts from the library), ``seed_``, and ``classes_`` for a classifier. Fitted models cannot be pickled
    (they hold C handles).
    """

    _PARAMS = ("kernel", "gamma", "degree", "coef0", "depth", "ntk_convention", "method", "n_components", "alpha",
               "select", "holdout_fraction", "alpha_grid", "solver", "normalize", "task", "tolerance", "radius",
               "block_rows", "random_state", "n_jobs")

    def __init__(self, kernel="gaussian", gamma=1.0, degree=2, coef0=0.0, depth=1, ntk_convention="both",
                 method="taylor", n_components=4096, alpha=None, select="holdout", holdout_fraction=0.2,
                 alpha_grid=None, solver="auto", normalize=False, task="auto", tolerance=1e-3, radius=1.0,
                 block_rows=0, random_state=None, n_jobs=None):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.depth = depth
        self.ntk_convention = ntk_convention
        self.method = method
        self.n_components = n_components
        self.alpha = alpha
        self.select = select
        self.holdout_fraction = holdout_fraction
        self.alpha_grid = alpha_grid
        self.solver = solver
        self.normalize = normalize
        self.task = task
        self.tolerance = tolerance
        self.radius = radius
        self.block_rows = block_rows
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- helpers --

    def _prepare(self, X) -> np.ndarray:
        x = _dense(X)
        return _unit_rows(x) if self.normalize else x

    def _krr_params(self, classify: bool, seed: int) -> dict:
        if self.select not in LAMBDA_SELECT:
            raise ValueError(f"subq: select must be one of {sorted(LAMBDA_SELECT)}, not {self.select!r}")
        params = {Param.LAMBDA_SELECT: LAMBDA_SELECT[self.select],
                  Param.HOLDOUT_FRACTION: float(self.holdout_fraction),
                  Param.HOLDOUT_SCORE: _SCORE_ACCURACY if classify else _SCORE_SQUARED_ERROR, Param.SEED: seed,
                  Param.NUM_THREADS: _num_threads(self.n_jobs), Param.BLOCK_ROWS: int(self.block_rows)}
        if self.alpha is not None:
            alpha = float(self.alpha)
            if alpha <= 0:  # SUBQ_P_LAMBDA = 0 would mean "select": refuse it here rather than select silently
                raise _lib.ParamRangeError(_lib.Status.ERR_PARAM_RANGE,
                                           f"alpha = {self.alpha!r} must be > 0 (None selects λ by "
                                           f"{self.select!r})")
            params[Param.LAMBDA] = alpha
        if self.alpha_grid is not None:
            try:
                lo, hi, points = self.alpha_grid
            except (TypeError, ValueError):
                raise ValueError(f"subq: alpha_grid must be None or (min, max, points), not "
                                 f"{self.alpha_grid!r}") from None
            params.update({Param.LAMBDA_GRID_MIN: float(lo), Param.LAMBDA_GRID_MAX: float(hi),
                           Param.LAMBDA_GRID_POINTS: int(points)})
        if self.method == "exact":
            params[Param.KRR_SOLVER] = _SOLVER_EXACT
        elif self.solver in _SOLVER_CODES:
            params[Param.KRR_SOLVER] = _SOLVER_CODES[self.solver]
        else:
            raise ValueError(f"subq: solver must be one of {sorted(_SOLVER_CODES)}, not {self.solver!r}")
        return params

    def _targets(self, y) -> tuple[np.ndarray, bool]:
        y = np.asarray(y)
        if self.task not in ("auto", "classify", "regress"):
            raise ValueError(f"subq: task must be 'auto', 'classify' or 'regress', not {self.task!r}")
        classify = self.task == "classify" or (self.task == "auto" and _is_label_array(y))
        if classify:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            if y.ndim != 1:
                raise ValueError(f"subq: class labels must be 1-D, got shape {y.shape}")
            if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
                bad = int(np.flatnonzero(~np.isfinite(y))[0])
                raise _lib.NumericalError(_lib.Status.ERR_NUMERICAL, f"the label of row {bad} is not finite")
            self.classes_, codes = np.unique(y, return_inverse=True)
            if len(self.classes_) < 2:
                raise ValueError(f"subq: classification needs at least two classes, got {len(self.classes_)}")
            Y = np.full((len(y), len(self.classes_)), -0.1)
            Y[np.arange(len(y)), codes] = 0.9
            self._single_output = False
            return Y, True
        self.__dict__.pop("classes_", None)
        if y.dtype.kind not in "biuf":
            raise ValueError(f"subq: regression targets must be numbers, got dtype {y.dtype}")
        if y.ndim not in (1, 2):
            raise ValueError(f"subq: y must be 1-D or 2-D, got shape {y.shape}")
        self._single_output = y.ndim == 1
        return y.astype(np.float64, copy=False).reshape(len(y), -1), False

    # -- fit / predict --

    def fit(self, X, y):
        """Fit on the rows of X (float32 input is featurised in float32) with targets y."""
        x = self._prepare(X)
        Y, classify = self._targets(y)
        if Y.shape[0] != x.shape[0]:
            raise _lib.DimensionError(_lib.Status.ERR_DIMENSION,
                                      f"X has {x.shape[0]} rows but y has {Y.shape[0]}: they must match")
        seed = _seed_from(self.random_state)
        d = x.shape[1]
        fm = _make_map(self.kernel, d, self.method, self.n_components, gamma=self.gamma, coef0=self.coef0,
                       degree=self.degree, depth=self.depth, ntk_convention=self.ntk_convention,
                       tolerance=self.tolerance, radius=self.radius, seed=seed, num_threads=_num_threads(self.n_jobs))
        if self.method == "nystrom" and fm is not None:
            _fit_landmarks(fm, x)
        params = self._krr_params(classify, seed)
        model = KrrModel.fit(params, fm, x, Y)
        self.model_ = model
        self.map_ = fm
        self.n_features_in_ = d
        self.n_outputs_ = Y.shape[1]
        self.seed_ = seed
        self.alpha_ = model.stat("lambda")
        self.solver_ = SOLVERS.get(model.stat("solver_used"), "unknown")
        self.n_iter_ = model.stat("iterations")
        self.lambda_grid_ = model.grid()
        self.fit_stats_ = model.stats()
        return self

    def _model(self) -> KrrModel:
        model = getattr(self, "model_", None)
        if model is None:
            raise _not_fitted(type(self).__name__)
        return model

    def decision_function(self, X) -> np.ndarray:
        """The raw outputs f(X): (n, k) float64 (n for a single-output regressor)."""
        model = self._model()
        x = self._prepare(X)
        if x.shape[1] != self.n_features_in_:
            raise _lib.DimensionError(_lib.Status.ERR_DIMENSION,
                                      f"X has {x.shape[1]} features, but {type(self).__name__} was fitted with "
                                      f"{self.n_features_in_}")
        F = model.predict(x)
        return F[:, 0] if getattr(self, "_single_output", False) else F

    def predict(self, X):
        """Class labels (classifier) or the regression outputs (the shape of the fitted y)."""
        F = self.decision_function(X)
        if hasattr(self, "classes_"):
            return self.classes_[np.argmax(F, axis=1)]
        return F

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy (classifier) or R² averaged over outputs (regressor), as scikit-learn's score."""
        pred = self.predict(X)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        y = np.asarray(y)
        if hasattr(self, "classes_"):
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            return float(np.average(pred == y, weights=w))
        y = y.astype(np.float64).reshape(pred.shape)
        if y.ndim == 1:
            y, pred = y[:, None], pred[:, None]
        ww = np.ones(len(y)) if w is None else w
        mean = np.average(y, axis=0, weights=ww)
        residual = (ww[:, None] * (y - pred) ** 2).sum(axis=0)
        total = (ww[:, None] * (y - mean) ** 2).sum(axis=0)
        r2 = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0),
                      np.where(residual == 0, 1.0, 0.0))
        return float(np.mean(r2))

    def low_rank(self, X, rank: int) -> np.ndarray:
        """F (n × rank) with K(X, X) ≈ F Fᵀ through the fitted feature map (the same approximation of the kernel the
        model was fitted with; rows normalised as in fit)."""
        self._model()
        if self.method == "exact":
            raise ValueError("subq: method='exact' has no feature map; use subq.low_rank(X, rank, method='exact')")
        x = self._prepare(X)
        return _low_rank_from_map(self.map_, x, rank)

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags
        return Tags(estimator_type=None,
                    target_tags=TargetTags(required=True, two_d_labels=True, multi_output=True),
                    input_tags=InputTags(sparse=True))
