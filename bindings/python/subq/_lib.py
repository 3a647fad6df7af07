"""Loading libsubq, errors, enums, and the helpers every wrapper module uses.

A wrapper module (core.py, io.py, net.py, and later sketch.py, ...) does four things:

1. declare each C function it calls, once, at import time::

       _load = _lib.declare_status("subq_dataset_load", [c_char_p, c_void_p, POINTER(c_void_p)])
       _destroy = _lib.declare("subq_dataset_destroy", None, [c_void_p])

   ``declare_status`` is for functions returning ``subq_status``: a non-OK status raises ``SubqError`` (the subclass
   for that status) with ``subq_last_error_message()``, read on the same thread right after the call.
2. pass arrays through ``as_matrix`` (inputs: C- or F-ordered arrays go as they are, with the matching layout and
   leading dimension; anything else is copied once) and ``new_matrix`` (outputs: fresh C-contiguous arrays);
3. wrap handles in a ``Handle`` subclass (set ``_destroy``) so they are destroyed exactly once, and build configs
   with ``Config(Kind.X, {Param.KEY: value, ...})``. ``Param`` is built at import from ``subq_param_info()``, so
   every key of the loaded library is there (named without ``SUBQ_P_``) without editing this file;
4. define ``__all__``: ``subq/__init__.py`` imports every public module and re-exports the names in it.

The library is found through, in order:

1. ``$SUBQ_LIBRARY`` (a path to ``libsubq.so.<ABI>``; nothing else is tried when it is set);
2. a build tree: walking up from this package's directory, the first directory that has ``build*/libsubq.so.<ABI>``
   (if several build directories have one, the most recently built library that loads wins; sanitizer builds
   and libraries that do not load are skipped), or an install prefix: ``lib/``, ``lib64/`` or ``lib/<multiarch>/``
   holding ``libsubq.so.<ABI>`` (the package installed as ``PREFIX/lib/python3/dist-packages/subq``);
3. the system loader: ``libsubq.so.<ABI>`` on the default search path and ``$LD_LIBRARY_PATH``.

The binding refuses to load a library whose ``subq_abi_version()`` differs from ``EXPECTED_ABI``.
"""

from __future__ import annotations

import ctypes
import enum
import os
import sysconfig
from ctypes import POINTER, c_char_p, c_double, c_float, c_int, c_int64, c_uint, c_void_p
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

#: ABI major version this binding was written for; the SOVERSION of libsubq.so.
EXPECTED_ABI = 0
SONAME = f"libsubq.so.{EXPECTED_ABI}"
LIBRARY_ENV = "SUBQ_LIBRARY"


# ---- enums mirrored from include/subq/core.h (values are pinned there) ------------------------------------------


class Status(enum.IntEnum):
    OK = 0
    ERR_INVALID_ARG = 1
    ERR_NULL_POINTER = 2
    ERR_DIMENSION = 3
    ERR_LAYOUT = 4
    ERR_UNKNOWN_PARAM = 5
    ERR_PARAM_TYPE = 6
    ERR_PARAM_RANGE = 7
    ERR_OUT_OF_MEMORY = 8
    ERR_NOT_CONVERGED = 9
    ERR_NUMERICAL = 10
    ERR_STATE = 11
    ERR_UNSUPPORTED = 12
    ERR_IO = 13
    ERR_VERSION = 14
    ERR_CANCELLED = 15
    ERR_INTERNAL = 99


class Layout(enum.IntEnum):
    ROW_MAJOR = 101
    COL_MAJOR = 102


class DType(enum.IntEnum):
    F32 = 1
    F64 = 2


class Kind(enum.IntEnum):
    SKETCH = 1
    TREE_SKETCH = 2
    FEATUREMAP = 3
    KRR = 4
    NET = 5
    DATASET = 6


class Info(enum.IntEnum):
    BUILD_TYPE = 1
    BLAS_VENDOR = 2
    BLAS_CONFIG = 3
    FFTW_VERSION = 4
    COMPILER = 5
    BLAS_THREADS = 100
    MAX_THREADS = 101
    SIMD_WIDTH = 102


NUMPY_DTYPES = {DType.F32: np.dtype(np.float32), DType.F64: np.dtype(np.float64)}


# ---- errors -------------------------------------------------------------------------------------------------------


class SubqError(RuntimeError):
    """A subq call failed. ``status`` is a ``Status``; ``message`` is ``subq_last_error_message()``."""

    def __init__(self, status: int, message: str):
        try:
            status = Status(status)
        except ValueError:
            pass
        super().__init__(status, message)
        self.status = status
        self.message = message

    @property
    def status_string(self) -> str:
        return _status_string(self.status)

    def __str__(self) -> str:
        return f"{self.status_string}: {self.message}"


def _status_class(name: str, status: Status, doc: str) -> type:
    return type(name, (SubqError,), {"__doc__": doc, "STATUS": status})


InvalidArgError = _status_class("InvalidArgError", Status.ERR_INVALID_ARG, "SUBQ_ERR_INVALID_ARG")
NullPointerError = _status_class("NullPointerError", Status.ERR_NULL_POINTER, "SUBQ_ERR_NULL_POINTER")
DimensionError = _status_class("DimensionError", Status.ERR_DIMENSION, "SUBQ_ERR_DIMENSION")
LayoutError = _status_class("LayoutError", Status.ERR_LAYOUT, "SUBQ_ERR_LAYOUT")
UnknownParamError = _status_class("UnknownParamError", Status.ERR_UNKNOWN_PARAM, "SUBQ_ERR_UNKNOWN_PARAM")
ParamTypeError = _status_class("ParamTypeError", Status.ERR_PARAM_TYPE, "SUBQ_ERR_PARAM_TYPE")
ParamRangeError = _status_class("ParamRangeError", Status.ERR_PARAM_RANGE, "SUBQ_ERR_PARAM_RANGE")
OutOfMemoryError = _status_class("OutOfMemoryError", Status.ERR_OUT_OF_MEMORY, "SUBQ_ERR_OUT_OF_MEMORY")
NotConvergedError = _status_class("NotConvergedError", Status.ERR_NOT_CONVERGED, "SUBQ_ERR_NOT_CONVERGED")
NumericalError = _status_class("NumericalError", Status.ERR_NUMERICAL, "SUBQ_ERR_NUMERICAL")
StateError = _status_class("StateError", Status.ERR_STATE, "SUBQ_ERR_STATE")
UnsupportedError = _status_class("UnsupportedError", Status.ERR_UNSUPPORTED, "SUBQ_ERR_UNSUPPORTED")
SubqIOError = _status_class("SubqIOError", Status.ERR_IO, "SUBQ_ERR_IO: a file is missing, unreadable or malformed")
VersionError = _status_class("VersionError", Status.ERR_VERSION, "SUBQ_ERR_VERSION")
CancelledError = _status_class("CancelledError", Status.ERR_CANCELLED, "SUBQ_ERR_CANCELLED: a callback asked to stop")
InternalError = _status_class("InternalError", Status.ERR_INTERNAL, "SUBQ_ERR_INTERNAL: a bug in subq")

ERROR_CLASSES: dict[int, type] = {
    cls.STATUS: cls
    for cls in (InvalidArgError, NullPointerError, DimensionError, LayoutError, UnknownParamError, ParamTypeError,
                ParamRangeError, OutOfMemoryError, NotConvergedError, NumericalError, StateError, UnsupportedError,
                SubqIOError, VersionError, CancelledError, InternalError)
}


def error_for(status: int, message: str) -> SubqError:
    """The exception for a status: its subclass of SubqError, or SubqError itself for unknown values."""
    return ERROR_CLASSES.get(int(status), SubqError)(status, message)


# ---- finding and loading the library ------------------------------------------------------------------------------


def _multiarch() -> str | None:
    return sysconfig.get_config_var("MULTIARCH") or None


def _sanitized_build(build_dir: Path) -> bool:
    """A build with SUBQ_SANITIZE=ON: loading its library into a python without the ASan runtime preloaded would
    end the process (not raise), so such builds are only used through $SUBQ_LIBRARY."""
    try:
        return "SUBQ_SANITIZE:BOOL=ON" in (build_dir / "CMakeCache.txt").read_text(errors="replace")
    except OSError:
        return False


def candidate_paths(start: Path | None = None) -> list[Path]:
    """Library files to try, best first (without $SUBQ_LIBRARY and the system loader)."""
    here = (start or Path(__file__)).resolve().parent
    arch = _multiarch()
    for directory in [here, *here.parents]:
        builds = [p for p in directory.glob(f"build*/{SONAME}") if p.is_file() and not _sanitized_build(p.parent)]
        if builds:
            return sorted(builds, key=lambda p: p.stat().st_mtime, reverse=True)
        prefix_libs = [directory / "lib" / SONAME, directory / "lib64" / SONAME]
        if arch:
            prefix_libs.append(directory / "lib" / arch / SONAME)
        found = [p for p in prefix_libs if p.is_file()]
        if found:
            return found
    return []


def _open(path: str) -> ctypes.CDLL:
    return ctypes.CDLL(path)


def _load_library() -> tuple[ctypes.CDLL, str]:
    env = os.environ.get(LIBRARY_ENV)
    if env:
        try:
            return _open(env), env
        except OSError as e:
            raise ImportError(f"subq: cannot load ${LIBRARY_ENV}={env}: {e}") from e
    errors = []
    for path in candidate_paths():
        try:
            return _open(str(path)), str(path)
        except OSError as e:  # e.g. a sanitizer build whose runtime is not preloaded
            errors.append(f"{path}: {e}")
    try:
        return _open(SONAME), SONAME
    except OSError as e:
        errors.append(f"{SONAME} (system loader): {e}")
    raise ImportError("subq: cannot find libsubq. Set $SUBQ_LIBRARY to the path of "
                      f"{SONAME}, build the project (build*/{SONAME}), or install it. Tried:\n  " +
                      "\n  ".join(errors))


lib, library_path = _load_library()


def declare(name: str, restype, argtypes: Sequence) -> Callable:
    """Declare a C function's result and argument types and return it."""
    try:
        fn = lib[name]  # a new function object: declarations in different modules do not share errcheck
    except AttributeError as e:
        raise ImportError(f"subq: {library_path} has no function {name}; is it an older libsubq than this "
                          f"binding? ({e})") from e
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


def _errcheck(result, func, args):
    if result != Status.OK:
        raise error_for(result, _last_error_message())
    return result


def declare_status(name: str, argtypes: Sequence) -> Callable:
    """Declare a function that returns subq_status: a non-OK status raises the matching SubqError."""
    fn = declare(name, c_int, argtypes)
    fn.errcheck = _errcheck
    return fn


_status_string_c = declare("subq_status_string", c_char_p, [c_int])
_last_error_c = declare("subq_last_error_message", c_char_p, [])
abi_version = declare("subq_abi_version", c_uint, [])


def _status_string(status: int) -> str:
    return _status_string_c(int(status)).decode("utf-8", "replace")


def _last_error_message() -> str:
    return (_last_error_c() or b"").decode("utf-8", "replace")


if abi_version() != EXPECTED_ABI:
    raise VersionError(Status.ERR_VERSION,
                       f"{library_path} has ABI version {abi_version()}, but this binding expects ABI version "
                       f"{EXPECTED_ABI}")


# ---- parameter keys, as the loaded library knows them ---------------------------------------------------------------

_param_info_raw = declare("subq_param_info", c_int, [c_int, POINTER(c_double), POINTER(c_double), POINTER(c_int),
                                                       POINTER(c_char_p)])


def _discover_params() -> tuple[type, dict[int, tuple[float, float, bool]]]:
    """subq_param from subq_param_info(): every key 0..999 the library accepts, named without "SUBQ_P_"."""
    members, bounds = {}, {}
    lo, hi, is_int, name = c_double(), c_double(), c_int(), c_char_p()
    for key in range(1000):
        if _param_info_raw(key, ctypes.byref(lo), ctypes.byref(hi), ctypes.byref(is_int), ctypes.byref(name)) != 0:
            continue
        text = (name.value or b"").decode()
        members[text[len("SUBQ_P_"):] if text.startswith("SUBQ_P_") else text or f"KEY_{key}"] = key
        bounds[key] = (lo.value, hi.value, bool(is_int.value))
    return enum.IntEnum("Param", members, module=__name__), bounds


#: Parameter keys (subq_param), e.g. Param.SEED, Param.FORMAT; built from the loaded library, so they always
#: match it. PARAM_BOUNDS[key] = (lo, hi, is_integer).
Param, PARAM_BOUNDS = _discover_params()


# ---- handles and configs ------------------------------------------------------------------------------------------


class Handle:
    """Owns one opaque subq handle. Subclasses set ``_destroy`` (a declared ``subq_<object>_destroy``)."""

    _destroy: Callable | None = None

    def __init__(self, ptr: c_void_p):
        self._ptr = ptr

    @property
    def ptr(self) -> c_void_p:
        if not self._ptr:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def close(self) -> None:
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr and type(self)._destroy is not None:
            type(self)._destroy(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


_config_create = declare_status("subq_config_create", [c_int, POINTER(c_void_p)])
_config_destroy = declare("subq_config_destroy", None, [c_void_p])
_config_set_int = declare_status("subq_config_set_int", [c_void_p, c_int, c_int64])
_config_set_double = declare_status("subq_config_set_double", [c_void_p, c_int, c_double])


class Config(Handle):
    """A subq_config: ``Config(Kind.DATASET, {Param.FORMAT: 2})``; closed (destroyed) by close() or ``with``."""

    _destroy = _config_destroy

    def __init__(self, kind: Kind, params: Mapping[int, int | float] | None = None):
        ptr = c_void_p()
        _config_create(int(kind), ctypes.byref(ptr))
        super().__init__(ptr)
        for key, value in (params or {}).items():
            self.set(key, value)

    def set(self, key: int, value: int | float) -> None:
        """Set a key with the setter of its type (subq_config_set_int for integer keys, else _set_double)."""
        integer = PARAM_BOUNDS[int(key)][2] if int(key) in PARAM_BOUNDS else isinstance(value, (int, np.integer))
        if integer:
            if isinstance(value, (float, np.floating)) and not float(value).is_integer():
                raise ValueError(f"subq: {Param(key).name if key in PARAM_BOUNDS else key} takes an integer, "
                                 f"not {value!r}")
            _config_set_int(self.ptr, int(key), int(value))
        else:
            _config_set_double(self.ptr, int(key), float(value))


# ---- arrays -------------------------------------------------------------------------------------------------------

c_double_p = POINTER(c_double)
c_float_p = POINTER(c_float)
c_index = c_int64
c_index_p = POINTER(c_int64)


def pointer(a: np.ndarray):
    """A typed ctypes pointer to an array's data (float32, float64 or int64)."""
    ctype = {np.dtype(np.float64): c_double, np.dtype(np.float32): c_float, np.dtype(np.int64): c_int64}[a.dtype]
    return a.ctypes.data_as(POINTER(ctype))


def as_matrix(x, dtype) -> tuple[np.ndarray, Layout, int, int, int]:
    """An input matrix as (array, layout, rows, cols, ld) with the given dtype.

    A 1-D input is a column (n×1). An array of that dtype whose rows (or columns) are contiguous is passed as it is,
    row-major (or column-major) with its leading dimension; anything else is copied once.
    """
    dtype = np.dtype(dtype)
    a = np.asarray(x)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"subq: expected a 1-D or 2-D array, got shape {a.shape}")
    if a.dtype != dtype:
        a = a.astype(dtype, order="K")  # the one copy; keeps C or F order
    rows, cols = a.shape
    item = a.itemsize
    s0, s1 = a.strides
    if a.flags.aligned:
        if a.flags.c_contiguous:
            return a, Layout.ROW_MAJOR, rows, cols, max(1, cols)
        if a.flags.f_contiguous:
            return a, Layout.COL_MAJOR, rows, cols, max(1, rows)
        # Contiguous rows with a larger row stride (e.g. X[:, :k] of a C array): row-major with ld > cols.
        if s1 == item and s0 > 0 and s0 % item == 0 and s0 // item >= cols:
            return a, Layout.ROW_MAJOR, rows, cols, s0 // item
        if s0 == item and s1 > 0 and s1 % item == 0 and s1 // item >= rows:
            return a, Layout.COL_MAJOR, rows, cols, s1 // item
    a = np.ascontiguousarray(a)
    return a, Layout.ROW_MAJOR, rows, cols, max(1, cols)


def new_matrix(rows: int, cols: int, dtype) -> tuple[np.ndarray, int]:
    """A fresh C-contiguous output array and its leading dimension."""
    return np.empty((rows, cols), dtype=np.dtype(dtype), order="C"), max(1, cols)


def fspath_bytes(path: str | os.PathLike) -> bytes:
    """A file name as the bytes the C API expects."""
    return os.fsencode(os.fspath(path))


class Transformer:
    """The scikit-learn estimator conventions for subq's transformers: get_params / set_params over the names in
    ``_PARAMS`` (the constructor's keyword arguments, stored as attributes of the same names), a repr that lists
    the non-default ones, and the estimator tags scikit-learn >= 1.6 asks for (a transformer accepting sparse
    input)."""

    _PARAMS: tuple = ()

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params):
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"subq: invalid parameter {name!r} for {type(self).__name__}; valid parameters: "
                                 f"{', '.join(self._PARAMS)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        args = [f"{k}={v!r}" for k, v in self.get_params().items() if k not in defaults or defaults[k] != v]
        return f"{type(self).__name__}({', '.join(args)})"

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags
        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(), input_tags=InputTags(sparse=True))
