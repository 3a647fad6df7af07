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


SKETCH_KEYS = ["kind", "in", "out", "rows", "input_dim", "output_dim", "dtype", "input_storage", "seed"]
TRAIN_KEYS = ["train", "rows", "input_dim", "width", "depth", "outputs", "task", "solver", "mode", "dtype",
              "threshold", "batch", "init_seconds", "seconds_total", "muladds", "iterations"]


def test_sketch_writes_npy(tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("".join(f"{i},{i * 0.5},{-i},1\n" for i in range(6)))
    out = tmp_path / "z.npy"
    r = run_json("sketch", "--kind", "srht", "--dim", 8, "--seed", 3, "--in", csv, "--out", out)
    for key in SKETCH_KEYS:
        assert key in r, key
    assert (r["rows"], r["input_dim"], r["output_dim"], r["dtype"]) == (6, 4, 8, "float64")
    data = out.read_bytes()
    assert data.startswith(b"\x93NUMPY") and b"(6, 8)" in data
    # Same seed, same output; a bad dimension fails cleanly without writing.
    out2 = tmp_path / "z2.npy"
    run_json("sketch", "--kind", "srht", "--dim", 8, "--seed", 3, "--in", csv, "--out", out2)
    assert out2.read_bytes() == data
    bad = run("sketch", "--kind", "srht", "--dim", 0, "--in", csv, "--out", tmp_path / "z3.npy")
    assert bad.returncode == 1 and bad.stderr.startswith("subq: ")
    assert not (tmp_path / "z3.npy").exists()


def test_train_gauss_newton_json_and_save(tmp_path):
    csv = tmp_path / "train.csv"
    rows = []
    for i in range(40):
        x = [((i * 7 + j * 3) % 11) / 11.0 - 0.4 for j in range(5)]
        rows.append(",".join(f"{v:.6f}" for v in x) + f",{i % 3}\n")
    csv.write_text("".join(rows))
    saved = tmp_path / "net.subqnet"
    r = run_json("train", "--width", 256, "--depth", 2, "--solver", "gn", "--iters", 4, "--batch", 64,
                 "--train", csv, "--label-column", "last", "--save", saved, "--test", csv)
    for key in TRAIN_KEYS:
        assert key in r, key
    assert r["task"] == "classification" and r["outputs"] == 3 and len(r["iterations"]) == 4
    first = r["iterations"][0]
    for key in ("iteration", "loss", "seconds", "fired_fraction", "rank", "loss_after", "linear_solver"):
        assert key in first, key
    assert r["iterations"][-1]["loss_after"] < first["loss"]
    assert r["train_accuracy"] == r["test_accuracy"]
    assert saved.read_bytes().startswith(b"SUBQNET\0")


def test_train_rejects_bad_options(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("0.1,0.2,1\n0.3,0.1,0\n")
    r = run("train", "--width", 64, "--solver", "sgd", "--train", csv, "--label-column", "last")
    assert r.returncode == 1 and "--solver" in r.stderr
    r = run("train", "--width", 64, "--train", tmp_path / "missing.csv")
    assert r.returncode == 1 and "cannot open" in r.stderr
