"""subq: Python binding (ctypes + NumPy) of the subq C library.

    >>> import subq
    >>> subq.version()
    '0.1.0'
    >>> X, y = subq.load("fmnist-train")        # (60000, 784) float32, labels float64
    >>> subq.save_npy("X.npy", X[:100])

Every failed call raises ``subq.SubqError`` (a subclass per status, e.g. ``subq.SubqIOError``) with
``.status`` (a ``subq.Status``) and ``.message`` (the library's ``subq_last_error_message()``).

Adding a module: write ``subq/<name>.py`` (see ``subq._lib`` for declaring C functions, errors, arrays and
handles). Every public module of this package is imported here, and its public names are re-exported as
``subq.<Name>``: those listed in its ``__all__``, or else the functions and classes it defines whose names do not
start with an underscore.
"""

import importlib as _importlib
import inspect as _inspect
import pkgutil as _pkgutil

from ._lib import (EXPECTED_ABI, CancelledError, DimensionError, DType, InternalError, InvalidArgError, Kind, Layout, LayoutError,
                   NotConvergedError, NullPointerError, NumericalError, OutOfMemoryError, Param, ParamRangeError,
                   ParamTypeError, StateError, Status, SubqError, SubqIOError, UnknownParamError, UnsupportedError,
                   VersionError, library_path)

__all__ = [
    "EXPECTED_ABI", "CancelledError", "DType", "DimensionError", "InternalError", "InvalidArgError", "Kind", "Layout", "LayoutError",
    "NotConvergedError", "NullPointerError", "NumericalError", "OutOfMemoryError", "Param", "ParamRangeError",
    "ParamTypeError", "StateError", "Status", "SubqError", "SubqIOError", "UnknownParamError", "UnsupportedError",
    "VersionError", "library_path",
]


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name, obj in vars(module).items()
                 if not name.startswith("_") and (_inspect.isfunction(obj) or _inspect.isclass(obj))
                 and getattr(obj, "__module__", None) == module.__name__]
    return names


# core.py and io.py first (version(), info(), load(), save_npy()), then every other module in name order.
_modules = ["core", "io"] + sorted(m.name for m in _pkgutil.iter_modules(__path__)
                                   if not m.name.startswith("_") and m.name not in ("core", "io"))


def _export(names):
    for name in names:
        module = _importlib.import_module(f".{name}", __name__)
        for public in _public_names(module):
            globals()[public] = getattr(module, public)
            if public not in __all__:
                __all__.append(public)


_export(_modules)

__version__ = version()  # noqa: F821  (imported from core above)
