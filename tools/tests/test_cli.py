"""Tests of the subq command-line tool: exit codes, the error line, and the JSON keys of each command.

Run by ctest (tools/CMakeLists.txt) with SUBQ_CLI set to the built binary, or by hand:
    SUBQ_CLI=build/tools/subq /usr/bin/python3 -m pytest tools/tests
The JSON keys checked here are the ones README.md documents.
"""

import json
import os
import subprocess

import pytest

CLI = os.environ.get("SUBQ_CLI", "subq")
FMNIST_DIR = os.environ.get("SUBQ_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")

INFO_KEYS = ["version", "version_number", "abi_version", "header_version", "build_type", "compiler", "blas_vendor",
             "blas_config", "blas_threads", "fftw_version", "max_threads", "simd_width"]
DATA_KEYS = ["path", "rows", "cols", "dtype", "storage", "stored_entries", "nonzeros", "density", "has_labels",
             "distinct_labels", "label_counts"]
ERROR_KEYS = ["status", "status_name", "status_string", "message"]


def run(*args, stdin=subprocess.DEVNULL):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, stdin=stdin, timeout=240)


def run_json(*args):
    r = run(*args, "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.count("\n") == 1, "exactly one JSON object on one line"
    return json.loads(r.stdout)


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("subq ")
    assert r.stdout.count("\n") == 1


def test_version_json():
    out = run_json("--version")
    assert set(out) == {"version", "abi_version", "header_version"}


def test_help():
    r = run("--help")
    assert r.returncode == 0
    assert "info" in r.stdout and "data" in r.stdout


def test_no_command_is_a_usage_error():
    r = run()
    assert r.returncode == 2
    assert "subq: usage error" in r.stderr


def test_unknown_option_is_a_usage_error():
    r = run("data", "x.csv", "--no-such-option")
    assert r.returncode == 2
    assert r.stderr.startswith("subq: usage error: ")


def test_info_text():
    r = run("info")
    assert r.returncode == 0, r.stderr
    assert "version: " in r.stdout and "blas_vendor: " in r.stdout


@pytest.mark.parametrize("order", ["after", "before"])
def test_info_json(order):
    r = run("info", "--json") if order == "after" else run("--json", "info")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == INFO_KEYS
    assert out["abi_version"] == 0 or isinstance(out["abi_version"], int)
    assert out["version"] == out["header_version"]
    assert out["blas_threads"] >= 1 and out["max_threads"] >= 1


def test_data_csv(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("a,b,c,label\n1,0,2,1\n0,0,0,0\n3,4,0,1\n0,5,0,2\n")
    out = run_json("data", path, "--label-column", "last")
    assert list(out) == DATA_KEYS
    assert out["path"] == str(path)
    assert (out["rows"], out["cols"]) == (4, 3)
    assert out["dtype"] == "float64" and out["storage"] == "dense"
    assert out["stored_entries"] == 12 and out["nonzeros"] == 5
    assert out["density"] == pytest.approx(5 / 12)
    assert out["has_labels"] is True and out["distinct_labels"] == 3
    assert out["label_counts"] == {"0": 1, "1": 2, "2": 1}
    text = run("data", path, "--label-column", "3")
    assert text.returncode == 0 and "rows: 4" in text.stdout and "label_counts:" in text.stdout


def test_data_csv_without_labels(tmp_path):
    path = tmp_path / "nolabels.csv"
    path.write_text("1,2\n3,4\n")
    out = run_json("data", path, "--header", "no", "--format", "csv")
    assert (out["rows"], out["cols"], out["has_labels"]) == (2, 2, False)
    assert out["label_counts"] is None and out["distinct_labels"] is None


def test_data_libsvm(tmp_path):
    path = tmp_path / "small.svm"
    path.write_text("+1 0:1 2:3\n-1 1:2\n")
    out = run_json("data", path, "--format", "libsvm", "--zero-based", "--num-features", "4")
    assert (out["rows"], out["cols"], out["storage"]) == (2, 4, "sparse")
    assert out["stored_entries"] == 3 and out["density"] == pytest.approx(3 / 8)
    assert out["label_counts"] == {"-1": 1, "1": 1}


def test_missing_file(tmp_path):
    path = tmp_path / "missing.npy"
    r = run("data", path)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("subq: I/O error: ") and str(path) in lines[0]


def test_missing_file_json(tmp_path):
    path = tmp_path / "missing.npy"
    r = run("data", path, "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert list(out) == ["error"] and list(out["error"]) == ERROR_KEYS
    assert out["error"]["status"] == 13 and out["error"]["status_name"] == "SUBQ_ERR_IO"
    assert str(path) in out["error"]["message"]
    assert r.stderr.startswith("subq: I/O error: ")


def test_malformed_file_fails_cleanly(tmp_path):
    path = tmp_path / "bad.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00garbage")
    r = run("data", path)
    assert r.returncode == 1
    assert r.stderr.startswith("subq: I/O error: ") and len(r.stderr.splitlines()) == 1


def test_bad_option_value_is_reported(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("1,2\n")
    r = run("data", path, "--label-column", "-7")
    assert r.returncode == 1
    assert r.stderr.startswith("subq: parameter out of range: ")
    r = run("data", path, "--format", "xml")
    assert r.returncode == 2


@pytest.mark.skipif(not os.path.isdir(FMNIST_DIR), reason="dataset-fashion-mnist is not installed")
def test_data_fmnist_train():
    out = run_json("data", "fmnist-train")
    assert (out["rows"], out["cols"], out["dtype"], out["storage"]) == (60000, 784, "float32", "dense")
    assert 0 < out["density"] < 1
    assert out["label_counts"] == {str(k): 6000 for k in range(10)}
