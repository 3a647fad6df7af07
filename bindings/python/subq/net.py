"""Wide shifted-ReLU networks with sub-quadratic training steps (include/subq/net.h)."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_double, c_int, c_int64, c_void_p

import numpy as np

from . import _lib
from ._lib import DType, Kind, Param, c_index

_create = _lib.declare_status("subq_net_create", [c_void_p, POINTER(c_void_p)])
_destroy = _lib.declare("subq_net_destroy", None, [c_void_p])
_get_int = _lib.declare_status("subq_net_get_int", [c_void_p, c_int, POINTER(c_int64)])
_get_double = _lib.declare_status("subq_net_get_double", [c_void_p, c_int, POINTER(c_double)])
_predict = {
    DType.F64: _lib.declare_status("subq_net_predict_f64", [c_void_p, c_int, c_index, c_index, _lib.c_double_p,
                                                            c_index, _lib.c_double_p, c_index]),
    DType.F32: _lib.declare_status("subq_net_predict_f32", [c_void_p, c_int, c_index, c_index, _lib.c_float_p,
                                                            c_index, _lib.c_float_p, c_index]),
}
_step_gd = {
    DType.F64: _lib.declare_status("subq_net_step_gd_f64", [c_void_p, c_int, c_index, c_index, _lib.c_double_p,
                                                            c_index, _lib.c_double_p, c_index, POINTER(c_double)]),
    DType.F32: _lib.declare_status("subq_net_step_gd_f32", [c_void_p, c_int, c_index, c_index, _lib.c_float_p,
                                                            c_index, _lib.c_float_p, c_index, POINTER(c_double)]),
}
_step_gn = {
    DType.F64: _lib.declare_status("subq_net_step_gn_f64", [c_void_p, c_int, c_index, c_index, _lib.c_double_p,
                                                            c_index, _lib.c_double_p, c_index, POINTER(c_double)]),
    DType.F32: _lib.declare_status("subq_net_step_gn_f32", [c_void_p, c_int, c_index, c_index, _lib.c_float_p,
                                                            c_index, _lib.c_float_p, c_index, POINTER(c_double)]),
}
_PROGRESS = ctypes.CFUNCTYPE(c_int, c_void_p, c_int64, c_double, c_double, c_double, c_double)
_fit = {
    DType.F64: _lib.declare_status("subq_net_fit_f64", [c_void_p, c_int, c_index, c_index, _lib.c_double_p, c_index,
                                                        _lib.c_double_p, c_index, _PROGRESS, c_void_p,
                                                        POINTER(c_int64)]),
    DType.F32: _lib.declare_status("subq_net_fit_f32", [c_void_p, c_int, c_index, c_index, _lib.c_float_p, c_index,
                                                        _lib.c_float_p, c_index, _PROGRESS, c_void_p,
                                                        POINTER(c_int64)]),
}
_save = _lib.declare_status("subq_net_save", [c_void_p, ctypes.c_char_p])
_load = _lib.declare_status("subq_net_load", [ctypes.c_char_p, POINTER(c_void_p)])
_step_info = _lib.declare_status("subq_net_step_info", [c_void_p, c_int, POINTER(c_double)])
_layer_stat = _lib.declare_status("subq_net_layer_stat", [c_void_p, c_index, c_int, POINTER(c_double)])
_counter = _lib.declare_status("subq_net_counter", [c_void_p, c_int, c_int, POINTER(c_int64)])
_reset_counters = _lib.declare_status("subq_net_reset_counters", [c_void_p])
_get_weights = _lib.declare_status("subq_net_get_weights_f64", [c_void_p, c_index, c_int, _lib.c_double_p, c_index])

__all__ = ["Network", "WideNetClassifier", "WideNetRegressor"]

VARIANTS = {"normalized": 0, "paper": 1}
UPDATES = {"auto": 0, "eager": 1, "lazy": 2}
MODES = {"sparse": 0, "dense": 1}
STATS = {"fired_mean": 1, "fired_min": 2, "fired_max": 3, "dead_points": 4, "drift": 5, "coverage": 6, "rank": 7}
PHASES = {"total": 0, "forward": 1, "backward": 2, "update": 3, "rebuild": 4, "gram": 5, "solve": 6}
SOLVERS = {"gn": 1, "gd": 2}
GN_SOLVERS = {"auto": 0, "cholesky": 1, "sketched": 2}
STEP_INFO = {"loss_before": 1, "loss_after": 2, "damping": 3, "solver": 4, "cg_iterations": 5, "cg_residual": 6,
             "retries": 7, "accepted": 8, "learning_rate": 9}


def _choice(name, value, choices):
    try:
        return choices[value]
    except KeyError:
        raise ValueError(f"subq: {name} must be one of {sorted(choices)}, not {value!r}") from None


class Network(_lib.Handle):
    """A wide ReLU network with a shifted-ReLU sparsifier (see net.h for the model).

    >>> net = subq.Network(input_dim=784, width=4096, depth=3, outputs=10, seed=0)
    >>> loss = net.step_gd(X[:64], Y[:64])          # one gradient step; returns the loss before it
    >>> F = net.predict(X_test)                      # (n, 10) outputs
    >>> net.layer_stats(1)["fired_mean"], net.counters()["forward"]
    """

    _destroy = _destroy

    def __init__(self, input_dim: int, width: int, depth: int = 2, outputs: int = 1, *, threshold=None,
                 active_fraction=None, variant="normalized", update="auto", max_rank=0, mode="sparse",
                 dtype=np.float32, learning_rate=0.0, solver="gn", iterations=10, tolerance=0.0, batch_size=64,
                 gn_solver="auto", damping=1e-10, seed=0, num_threads=0, _ptr=None):
        if _ptr is not None:  # Network.load
            super().__init__(_ptr)
            self._describe()
            return
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"subq: dtype must be float32 or float64, not {dtype}")
        params = {
            Param.NET_SOLVER: _choice("solver", solver, SOLVERS), Param.NET_ITERATIONS: int(iterations),
            Param.NET_TOLERANCE: float(tolerance), Param.NET_BATCH_SIZE: int(batch_size),
            Param.NET_GN_SOLVER: _choice("gn_solver", gn_solver, GN_SOLVERS), Param.NET_GN_DAMPING: float(damping),
            Param.INPUT_DIM: int(input_dim), Param.NET_WIDTH: int(width), Param.NET_DEPTH: int(depth),
            Param.NET_OUTPUTS: int(outputs), Param.NET_VARIANT: _choice("variant", variant, VARIANTS),
            Param.NET_UPDATE: _choice("update", update, UPDATES), Param.NET_MAX_RANK: int(max_rank),
            Param.NET_MODE: _choice("mode", mode, MODES),
            Param.DTYPE: int(DType.F32 if dtype == np.float32 else DType.F64),
            Param.LEARNING_RATE: float(learning_rate), Param.SEED: int(seed), Param.NUM_THREADS: int(num_threads),
        }
        if threshold is not None:
            params[Param.NET_THRESHOLD] = float(threshold)
        if active_fraction is not None:
            params[Param.NET_ACTIVE_FRACTION] = float(active_fraction)
        ptr = c_void_p()
        with _lib.Config(Kind.NET, params) as cfg:
            _create(cfg.ptr, ctypes.byref(ptr))
        super().__init__(ptr)
        self._describe()

    def _describe(self) -> None:
        self._dt = DType(self._int(Param.DTYPE))
        self.dtype = _lib.NUMPY_DTYPES[self._dt]
        self.input_dim = self._int(Param.INPUT_DIM)
        self.width = self._int(Param.NET_WIDTH)
        self.depth = self._int(Param.NET_DEPTH)
        self.outputs = self._int(Param.NET_OUTPUTS)

    def _int(self, key) -> int:
        v = c_int64()
        _get_int(self.ptr, int(key), ctypes.byref(v))
        return int(v.value)

    def _double(self, key) -> float:
        v = c_double()
        _get_double(self.ptr, int(key), ctypes.byref(v))
        return float(v.value)

    @property
    def threshold(self) -> float:
        """The shifted-ReLU threshold b in use."""
        return self._double(Param.NET_THRESHOLD)

    @property
    def learning_rate(self) -> float:
        """The step size of the last GD step (before any step: the configured one, 0 meaning automatic)."""
        return self._double(Param.LEARNING_RATE)

    def predict(self, X) -> np.ndarray:
        """Outputs for the rows of X: an (n, outputs) array of the network's dtype."""
        x, layout, n, d, ldx = _lib.as_matrix(X, self.dtype)
        f, ldf = _lib.new_matrix(n, self.outputs, self.dtype)
        if layout != _lib.Layout.ROW_MAJOR:  # f must share x's layout: pass a row-major copy of x
            x, layout, n, d, ldx = _lib.as_matrix(np.ascontiguousarray(x), self.dtype)
        _predict[self._dt](self.ptr, int(layout), n, d, _lib.pointer(x), ldx, _lib.pointer(f), ldf)
        return f

    def step_gd(self, X, Y) -> float:
        """One gradient-descent step on the batch (X: (n, d); Y: (n,) or (n, outputs)); the loss before it."""
        x, y = self._xy(X, Y)
        loss = c_double()
        _step_gd[self._dt](self.ptr, int(_lib.Layout.ROW_MAJOR), x.shape[0], x.shape[1], _lib.pointer(x),
                           max(1, x.shape[1]), _lib.pointer(y), max(1, self.outputs), ctypes.byref(loss))
        return float(loss.value)

    def _xy(self, X, Y):
        x = np.ascontiguousarray(X, dtype=self.dtype)
        y = np.ascontiguousarray(Y, dtype=self.dtype)
        if x.ndim != 2:
            raise ValueError(f"subq: X must be 2-D, got shape {x.shape}")
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape != (x.shape[0], self.outputs):
            raise ValueError(f"subq: Y must have shape ({x.shape[0]}, {self.outputs}), got {y.shape}")
        return x, y

    def step_gn(self, X, Y) -> float:
        """One Gauss–Newton step on the batch; the loss before it (see step_info() for the rest)."""
        x, y = self._xy(X, Y)
        loss = c_double()
        _step_gn[self._dt](self.ptr, int(_lib.Layout.ROW_MAJOR), x.shape[0], x.shape[1], _lib.pointer(x),
                           max(1, x.shape[1]), _lib.pointer(y), max(1, self.outputs), ctypes.byref(loss))
        return float(loss.value)

    def fit(self, X, Y, progress=None) -> int:
        """Train with the configured solver, iterations, tolerance and batch size; returns the iterations run.

        ``progress(iteration, loss, fired_fraction, rank, seconds)`` is called after each iteration; returning
        True stops the fit with ``subq.CancelledError``. An exception raised by it stops the fit and is re-raised.
        """
        x, y = self._xy(X, Y)
        raised = []

        def trampoline(_user, iteration, loss, fired, rank, seconds):
            try:
                return 1 if (progress is not None and progress(iteration, loss, fired, rank, seconds)) else 0
            except BaseException as e:  # noqa: BLE001 - re-raised after the C call returns
                raised.append(e)
                return 1

        callback = _PROGRESS(trampoline)
        its = c_int64()
        try:
            _fit[self._dt](self.ptr, int(_lib.Layout.ROW_MAJOR), x.shape[0], x.shape[1], _lib.pointer(x),
                           max(1, x.shape[1]), _lib.pointer(y), max(1, self.outputs), callback, None,
                           ctypes.byref(its))
        except _lib.SubqError:
            if raised:
                raise raised[0] from None
            raise
        return int(its.value)

    def save(self, path) -> None:
        """Write the network to a versioned, checksummed file, atomically."""
        _save(self.ptr, _lib.fspath_bytes(path))

    @classmethod
    def load(cls, path) -> "Network":
        """A network saved by save(); a truncated or corrupted file raises SubqIOError."""
        ptr = c_void_p()
        _load(_lib.fspath_bytes(path), ctypes.byref(ptr))
        return cls(0, 0, _ptr=ptr)

    def step_info(self) -> dict:
        """Facts about the last step: loss_before/after, damping, solver, cg_iterations, retries, accepted, ..."""
        out = {}
        for name, key in STEP_INFO.items():
            v = c_double()
            _step_info(self.ptr, key, ctypes.byref(v))
            out[name] = float(v.value)
        return out

    def layer_stats(self, layer: int) -> dict:
        """Statistics of layer 1..depth from the last step: fired_mean/min/max, dead_points, drift, coverage, rank."""
        out = {}
        for name, key in STATS.items():
            v = c_double()
            _layer_stat(self.ptr, int(layer), key, ctypes.byref(v))
            out[name] = float(v.value)
        return out

    def counters(self, kind: str = "muladds") -> dict:
        """Work counted over all steps per phase: multiply-adds ("muladds") or weight bytes ("bytes")."""
        k = {"muladds": 1, "bytes": 2}[kind]
        out = {}
        for name, phase in PHASES.items():
            v = c_int64()
            _counter(self.ptr, phase, k, ctypes.byref(v))
            out[name] = int(v.value)
        return out

    def reset_counters(self) -> None:
        _reset_counters(self.ptr)

    def weights(self, layer: int) -> np.ndarray:
        """W_layer as a float64 array of shape (width, input_dim or width)."""
        cols = self.input_dim if layer == 1 else self.width
        w, ldw = _lib.new_matrix(self.width, cols, np.float64)
        _get_weights(self.ptr, int(layer), int(_lib.Layout.ROW_MAJOR), _lib.pointer(w), ldw)
        return w


class _WideNetEstimator:
    """Shared scikit-learn conventions: constructor arguments stored as given, get_params/set_params, fit returns
    self, fitted attributes end with an underscore."""

    def __init__(self, width=4096, depth=2, *, solver="gn", iterations=10, batch_size=64, tolerance=0.0,
                 threshold=None, active_fraction=None, variant="normalized", update="auto", mode="sparse",
                 dtype="float32", learning_rate=0.0, gn_solver="auto", damping=1e-10, random_state=0,
                 num_threads=0):
        self.width = width
        self.depth = depth
        self.solver = solver
        self.iterations = iterations
        self.batch_size = batch_size
        self.tolerance = tolerance
        self.threshold = threshold
        self.active_fraction = active_fraction
        self.variant = variant
        self.update = update
        self.mode = mode
        self.dtype = dtype
        self.learning_rate = learning_rate
        self.gn_solver = gn_solver
        self.damping = damping
        self.random_state = random_state
        self.num_threads = num_threads

    _PARAMS = ("width", "depth", "solver", "iterations", "batch_size", "tolerance", "threshold", "active_fraction",
               "variant", "update", "mode", "dtype", "learning_rate", "gn_solver", "damping", "random_state",
               "num_threads")

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params):
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"subq: invalid parameter {name!r} for {type(self).__name__}")
            setattr(self, name, value)
        return self

    def _fit_targets(self, X, Y, outputs):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"subq: X must be 2-D, got shape {X.shape}")
        seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else 0
        self.network_ = Network(X.shape[1], self.width, self.depth, outputs, threshold=self.threshold,
                                active_fraction=self.active_fraction, variant=self.variant, update=self.update,
                                mode=self.mode, dtype=self.dtype, learning_rate=self.learning_rate,
                                solver=self.solver, iterations=self.iterations, tolerance=self.tolerance,
                                batch_size=self.batch_size, gn_solver=self.gn_solver, damping=self.damping,
                                seed=int(seed), num_threads=self.num_threads)
        self.n_features_in_ = X.shape[1]
        self.losses_ = []
        self.n_iter_ = self.network_.fit(X, Y, progress=lambda it, loss, *rest: self.losses_.append(loss) and False)
        return self

    def _outputs(self, X):
        if not hasattr(self, "network_"):
            raise AttributeError(f"subq: this {type(self).__name__} is not fitted yet; call fit first")
        return self.network_.predict(X)


class WideNetRegressor(_WideNetEstimator):
    """A wide shifted-ReLU network trained in sub-quadratic time per iteration, as a scikit-learn regressor."""

    def fit(self, X, y):
        y = np.asarray(y, dtype=np.float64)
        Y = y.reshape(len(y), -1)
        self._single = y.ndim == 1
        return self._fit_targets(X, Y, Y.shape[1])

    def predict(self, X):
        F = self._outputs(X).astype(np.float64)
        return F[:, 0] if self._single else F

    def score(self, X, y):
        """R^2 of the predictions."""
        y = np.asarray(y, dtype=np.float64)
        residual = np.sum((y - self.predict(X)) ** 2)
        total = np.sum((y - y.mean(axis=0)) ** 2)
        return 1.0 - residual / total if total > 0 else 0.0


class WideNetClassifier(_WideNetEstimator):
    """A wide shifted-ReLU network as a scikit-learn classifier: one output per class, one-hot targets."""

    def fit(self, X, y):
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        Y = np.zeros((len(y), len(self.classes_)))
        Y[np.arange(len(y)), codes] = 1.0
        return self._fit_targets(X, Y, len(self.classes_))

    def decision_function(self, X):
        return self._outputs(X)

    def predict(self, X):
        return self.classes_[np.argmax(self._outputs(X), axis=1)]

    def score(self, X, y):
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
