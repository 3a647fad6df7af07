"""Base sketches (include/subq/sketch.h): CountSketch, OSNAP, SRHT, Gaussian, TensorSketch, TensorSRHT."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_int, c_void_p

import numpy as np

from . import _lib
from ._lib import Kind, Param, c_index, c_index_p

__all__ = ["Sketch", "SKETCH_TYPES"]

_create = _lib.declare_status("subq_sketch_create", [c_void_p, POINTER(c_void_p)])
_destroy = _lib.declare("subq_sketch_destroy", None, [c_void_p])
_input_dim = _lib.declare_status("subq_sketch_input_dim", [c_void_p, c_index_p])
_input_dim2 = _lib.declare_status("subq_sketch_input_dim2", [c_void_p, c_index_p])
_output_dim = _lib.declare_status("subq_sketch_output_dim", [c_void_p, c_index_p])
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
