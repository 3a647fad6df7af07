"""Reading data sets and writing .npy files (include/subq/io.h)."""

from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, c_char_p, c_int, c_int64, c_void_p

import numpy as np

from . import _lib
from ._lib import DType, Kind, Layout, Param, c_index, c_index_p

__all__ = ["Dataset", "load", "save_npy"]

_dataset_load = _lib.declare_status("subq_dataset_load", [c_char_p, c_void_p, POINTER(c_void_p)])
_dataset_destroy = _lib.declare("subq_dataset_destroy", None, [c_void_p])
_dataset_info = _lib.declare_status(
    "subq_dataset_info", [c_void_p, c_index_p, c_index_p, POINTER(c_int), POINTER(c_int), c_index_p, POINTER(c_int)])
_copy_dense_f64 = _lib.declare_status("subq_dataset_copy_dense_f64", [c_void_p, c_int, _lib.c_double_p, c_index])
_copy_dense_f32 = _lib.declare_status("subq_dataset_copy_dense_f32", [c_void_p, c_int, _lib.c_float_p, c_index])
_copy_labels = _lib.declare_status("subq_dataset_copy_labels", [c_void_p, _lib.c_double_p])
_npy_write_f64 = _lib.declare_status(
    "subq_npy_write_f64", [c_char_p, c_int, c_index, c_index, _lib.c_double_p, c_index])
_npy_write_f32 = _lib.declare_status(
    "subq_npy_write_f32", [c_char_p, c_int, c_index, c_index, _lib.c_float_p, c_index])

FORMATS = {"auto": 0, "npy": 1, "csv": 2, "libsvm": 3, "svmlight": 3, "idx": 4}
HEADERS = {False: 0, True: 1, "auto": 2, "no": 0, "yes": 1}
LABEL_COLUMNS = {None: -1, "none": -1, "last": -2}


class Dataset(_lib.Handle):
    """A loaded subq_dataset. Prefer ``subq.load``; use this to look at the shape before copying."""

    _destroy = _dataset_destroy

    def __init__(self, path, *, format="auto", label_column=None, header="auto", num_features=None,
                 zero_based=False, max_bytes=None):
        params = {Param.FORMAT: _choice("format", format, FORMATS)}
        if label_column is not None:
            params[Param.LABEL_COLUMN] = (LABEL_COLUMNS[label_column] if isinstance(label_column, str)
                                          else int(label_column))
        if header != "auto":
            params[Param.CSV_HEADER] = _choice("header", header, HEADERS)
        if num_features is not None:
            params[Param.NUM_FEATURES] = int(num_features)
        if zero_based:
            params[Param.ZERO_BASED] = 1
        if max_bytes is not None:
            params[Param.MAX_BYTES] = int(max_bytes)
        ptr = c_void_p()
        with _lib.Config(Kind.DATASET, params) as cfg:
            _dataset_load(_lib.fspath_bytes(path), cfg.ptr, ctypes.byref(ptr))
        super().__init__(ptr)
        rows, cols, nnz = c_int64(), c_int64(), c_int64()
        dtype, sparse, labels = c_int(), c_int(), c_int()
        _dataset_info(self.ptr, ctypes.byref(rows), ctypes.byref(cols), ctypes.byref(dtype), ctypes.byref(sparse),
                      ctypes.byref(nnz), ctypes.byref(labels))
        self.shape = (int(rows.value), int(cols.value))
        self.dtype = _lib.NUMPY_DTYPES[DType(dtype.value)]
        self.is_sparse = bool(sparse.value)
        self.stored_entries = int(nnz.value)
        self.has_labels = bool(labels.value)

    def dense(self, dtype=None) -> np.ndarray:
        """The matrix as a fresh C-contiguous array: the stored dtype (float64 for sparse data) unless given."""
        dtype = np.dtype(dtype) if dtype is not None else (np.dtype(np.float64) if self.is_sparse else self.dtype)
        x, ld = _lib.new_matrix(*self.shape, dtype)
        if dtype == np.float32:
            _copy_dense_f32(self.ptr, Layout.ROW_MAJOR, _lib.pointer(x), ld)
        elif dtype == np.float64:
            _copy_dense_f64(self.ptr, Layout.ROW_MAJOR, _lib.pointer(x), ld)
        else:
            raise ValueError(f"subq: dtype must be float32 or float64, not {dtype}")
        return x

    def labels(self) -> np.ndarray | None:
        """The n labels as float64, or None if the data set has none."""
        if not self.has_labels:
            return None
        y = np.empty(self.shape[0], dtype=np.float64)
        _copy_labels(self.ptr, _lib.pointer(y))
        return y


def _choice(name, value, choices):
    key = value.lower() if isinstance(value, str) else value
    if isinstance(key, (bool, str)) or key is None:
        if key not in choices:
            raise ValueError(f"subq: {name}={value!r}; expected one of {sorted(map(str, choices))}")
        return choices[key]
    return int(key)


def load(path, *, dtype=None, **options) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a data file, or "fmnist-train" / "fmnist-test".

    Returns (X, y): X an n×d C-contiguous array in the stored dtype (float32 for IDX, float64 for CSV; the file's
    for .npy; a dense float64 copy of LIBSVM's sparse data) unless ``dtype`` is given; y the n labels as float64,
    or None. Options: format ("auto", "npy", "csv", "libsvm", "idx"), label_column (int, "last" or None),
    header (True, False or "auto"), num_features, zero_based, max_bytes. Raises SubqError (SubqIOError for a
    missing or malformed file).
    """
    with Dataset(path, **options) as ds:
        return ds.dense(dtype), ds.labels()


def save_npy(path, x) -> None:
    """Write a 1-D (as n×1) or 2-D array as .npy, atomically; float32 stays '<f4', anything else is '<f8'."""
    dtype = np.float32 if np.asarray(x).dtype == np.float32 else np.float64
    a, layout, rows, cols, ld = _lib.as_matrix(x, dtype)
    write = _npy_write_f32 if dtype == np.float32 else _npy_write_f64
    write(_lib.fspath_bytes(path), layout, rows, cols, _lib.pointer(a), ld)
