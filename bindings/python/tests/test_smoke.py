"""Smoke test of the ctypes binding: versions, info, errors, loading, .npy output.

Run by ctest (bindings/python/CMakeLists.txt) with SUBQ_LIBRARY set to the library just built, or by hand:
    SUBQ_LIBRARY=build/libsubq.so.0 PYTHONPATH=bindings/python /usr/bin/python3 -m pytest bindings/python/tests
"""

import os
import re
import threading

import pytest

np = pytest.importorskip("numpy")

import subq  # noqa: E402  (after the numpy check)
from subq import _lib  # noqa: E402

FMNIST_DIR = os.environ.get("SUBQ_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def test_version():
    v = subq.version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", v)
    major, minor, patch = map(int, v.split("."))
    assert subq.version_number() == major * 10000 + minor * 100 + patch
    assert subq.abi_version() == subq.EXPECTED_ABI
    assert subq.__version__ == v


def test_info():
    info = subq.info()
    for key in ("version", "build_type", "compiler", "blas_vendor", "blas_config", "fftw_version"):
        assert isinstance(info[key], str), key
    assert info["version"] == subq.version()
    assert info["blas_threads"] >= 1
    assert info["max_threads"] >= 1
    assert info["simd_width"] in (16, 32, 64)
    assert "fftw" in info["fftw_version"].lower()


def test_param_keys_come_from_the_library():
    assert subq.Param.SEED == 1 and subq.Param.FORMAT == 500 and subq.Param.MAX_BYTES == 505
    lo, hi, is_integer = _lib.PARAM_BOUNDS[subq.Param.LABEL_COLUMN]
    assert (lo, is_integer) == (-2, True)


def test_missing_file_raises_io_error(tmp_path):
    path = tmp_path / "does-not-exist.csv"
    with pytest.raises(subq.SubqError) as excinfo:
        subq.load(path)
    err = excinfo.value
    assert err.status == subq.Status.ERR_IO
    assert isinstance(err, subq.SubqIOError)
    assert str(path) in err.message
    assert str(err).startswith(err.status_string + ": ")


def test_param_error_carries_message():
    with pytest.raises(subq.ParamRangeError) as excinfo:
        _lib.Config(subq.Kind.DATASET, {subq.Param.NUM_THREADS: -1})
    assert excinfo.value.status == subq.Status.ERR_PARAM_RANGE
    assert "subq_config_set_int" in excinfo.value.message


def test_errors_are_per_thread(tmp_path):
    messages = {}

    def fail(name):
        try:
            subq.load(tmp_path / name)
        except subq.SubqError as e:
            messages[name] = e.message

    threads = [threading.Thread(target=fail, args=(f"missing-{i}.npy",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(name in msg for name, msg in messages.items()) and len(messages) == 4


def test_load_csv_with_labels(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("a,b,label\n1,2.5,0\n-3,0,1\n0,0,1\n")
    X, y = subq.load(path, label_column="last")
    assert X.dtype == np.float64 and X.flags.c_contiguous
    np.testing.assert_array_equal(X, [[1, 2.5], [-3, 0], [0, 0]])
    np.testing.assert_array_equal(y, [0, 1, 1])
    X2, y2 = subq.load(path, format="csv", header=True)
    assert X2.shape == (3, 3) and y2 is None


def test_load_npy_keeps_dtype(tmp_path):
    for dtype in (np.float32, np.float64):
        a = np.arange(12, dtype=dtype).reshape(4, 3) / 7
        path = tmp_path / f"a_{np.dtype(dtype).name}.npy"
        np.save(path, a)
        X, y = subq.load(path)
        assert X.dtype == dtype and y is None
        np.testing.assert_array_equal(X, a)
        np.testing.assert_array_equal(subq.load(path, dtype=np.float64)[0], a.astype(np.float64))


def test_load_libsvm_is_densified(tmp_path):
    path = tmp_path / "small.svm"
    path.write_text("1 1:0.5 3:2\n-1 2:1\n")
    X, y = subq.load(path, format="libsvm")
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, [[0.5, 0, 2], [0, 1, 0]])
    np.testing.assert_array_equal(y, [1, -1])
    with subq.Dataset(path, format="libsvm", num_features=5) as ds:
        assert ds.is_sparse and ds.shape == (2, 5) and ds.stored_entries == 3 and ds.has_labels


@pytest.mark.parametrize("make", [
    lambda a: a,                                # C order
    lambda a: np.asfortranarray(a),             # F order
    lambda a: a.astype(np.float32),             # float32 stays float32
    lambda a: np.hstack([a, a])[:, :4],         # rows contiguous, ld > cols
    lambda a: np.asfortranarray(np.vstack([a, a]))[:5],  # columns contiguous, ld > rows
    lambda a: np.repeat(a, 2, axis=1)[::1, ::2],  # neither: copied once
    lambda a: a.astype(np.int32),               # integers: written as float64
], ids=["C", "F", "f32", "row-ld", "col-ld", "strided", "int"])
def test_save_npy_round_trip(tmp_path, make):
    base = np.arange(20, dtype=np.float64).reshape(5, 4) * 0.5 - 3
    x = make(base)
    path = tmp_path / "out.npy"
    subq.save_npy(path, x)
    back = np.load(path)
    assert back.shape == x.shape
    assert back.dtype == (np.float32 if x.dtype == np.float32 else np.float64)
    np.testing.assert_array_equal(back, x)
    assert not list(tmp_path.glob("*.tmp*")), "no temporary file is left behind"
    X, _ = subq.load(path)
    np.testing.assert_array_equal(X, x)


def test_as_matrix_passes_contiguous_arrays_without_copy():
    a = np.zeros((6, 4))
    for view, layout, ld in [(a, subq.Layout.ROW_MAJOR, 4), (a.T, subq.Layout.COL_MAJOR, 4),
                             (a[:, :3], subq.Layout.ROW_MAJOR, 4), (a[1:5].T[:2], subq.Layout.COL_MAJOR, 4)]:
        arr, got_layout, rows, cols, got_ld = _lib.as_matrix(view, np.float64)
        assert np.shares_memory(arr, a) and got_layout == layout and got_ld == ld
        assert (rows, cols) == view.shape
    arr, got_layout, _, _, ld = _lib.as_matrix(a[::2, ::2], np.float64)
    assert not np.shares_memory(arr, a) and arr.flags.c_contiguous and ld == 2


@pytest.mark.skipif(not os.path.isdir(FMNIST_DIR), reason="dataset-fashion-mnist is not installed")
def test_fmnist_train():
    X, y = subq.load("fmnist-train")
    assert X.shape == (60000, 784) and X.dtype == np.float32
    assert y.shape == (60000,)
    np.testing.assert_array_equal(np.bincount(y.astype(np.int64)), [6000] * 10)
    assert 0 <= X.min() and X.max() <= 255
