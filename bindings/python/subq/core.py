"""Versions and build information (include/subq/core.h)."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_int, c_int64, c_uint

from . import _lib
from ._lib import Info

__all__ = ["version", "version_number", "abi_version", "info", "info_string", "info_int"]

_version_string = _lib.declare("subq_version_string", c_char_p, [])
_version_number = _lib.declare("subq_version_number", c_uint, [])
_info_string = _lib.declare_status("subq_info_string", [c_int, POINTER(c_char_p)])
_info_int = _lib.declare_status("subq_info_int", [c_int, POINTER(c_int64)])


def version() -> str:
    """The library's release version, "MAJOR.MINOR.PATCH"."""
    return _version_string().decode()


def version_number() -> int:
    """The library's release version as MAJOR*10000 + MINOR*100 + PATCH."""
    return int(_version_number())


def abi_version() -> int:
    """The library's ABI major version (the SOVERSION of libsubq.so)."""
    return int(_lib.abi_version())


def info_string(key: Info) -> str:
    value = c_char_p()
    _info_string(int(key), ctypes.byref(value))
    return (value.value or b"").decode("utf-8", "replace")


def info_int(key: Info) -> int:
    value = c_int64()
    _info_int(int(key), ctypes.byref(value))
    return int(value.value)


def info() -> dict:
    """Build and runtime facts; the same keys as `subq info --json` (without header_version)."""
    return {
        "version": version(),
        "version_number": version_number(),
        "abi_version": abi_version(),
        "build_type": info_string(Info.BUILD_TYPE),
        "compiler": info_string(Info.COMPILER),
        "blas_vendor": info_string(Info.BLAS_VENDOR),
        "blas_config": info_string(Info.BLAS_CONFIG),
        "blas_threads": info_int(Info.BLAS_THREADS),
        "fftw_version": info_string(Info.FFTW_VERSION),
        "max_threads": info_int(Info.MAX_THREADS),
        "simd_width": info_int(Info.SIMD_WIDTH),
        "library_path": _lib.library_path,
    }
