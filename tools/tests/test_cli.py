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


def test_train_gd_dense_regression_plain_progress(tmp_path):
    csv = tmp_path / "reg.csv"
    csv.write_text("".join(",".join(f"{((i * 5 + j * 7) % 13) / 13.0 - 0.45:.6f}" for j in range(4))
                           + f",{0.1 * i - 1.05:.3f}\n" for i in range(24)))
    args = ["train", "--width", 128, "--depth", 2, "--solver", "gd", "--mode", "dense", "--iters", 3, "--batch", 16,
            "--train", csv, "--label-column", "last"]
    r = run(*args)  # not a terminal: one plain progress line per iteration on stderr
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("iter ")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"] and all("loss" in line for line in lines)
    j = run_json(*args)
    assert (j["task"], j["solver"], j["mode"], j["outputs"], j["batch"]) == ("regression", "gd", "dense", 1, 16)
    assert len(j["iterations"]) == 3 and "train_accuracy" not in j and "test_accuracy" not in j
    for it in j["iterations"]:
        assert it["learning_rate"] > 0 and "loss_after" not in it and it["seconds"] >= 0


def test_train_rejects_bad_options(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("0.1,0.2,1\n0.3,0.1,0\n")
    r = run("train", "--width", 64, "--solver", "sgd", "--train", csv, "--label-column", "last")
    assert r.returncode == 1 and "--solver" in r.stderr
    r = run("train", "--width", 64, "--train", tmp_path / "missing.csv")
    assert r.returncode == 1 and "cannot open" in r.stderr
    r = run("train", "--width", 64, "--depth", 0, "--train", csv, "--label-column", "last")
    assert r.returncode == 1 and "SUBQ_P_NET_DEPTH" in r.stderr
    csv.write_text("0.1,0.2,1\n0.3,0.1,nan\n")
    r = run("train", "--width", 64, "--train", csv, "--label-column", "last")
    assert r.returncode == 1 and "non-finite target at row 1" in r.stderr


# ---- subq featurize ------------------------------------------------------------------------------------------------

FEATURIZE_KEYS = ["kernel", "method", "degree", "gamma", "coef0", "depth", "ntk_convention", "dim", "all_degrees",
                  "rows", "input_dim", "leaf_mode", "leaf_type", "leaf_dim", "node_type", "node_dim", "tolerance",
                  "max_degree", "granularity", "radius", "taylor_degree", "taylor_tail", "taylor_cap_binds",
                  "normalize", "seed", "fit_seconds", "apply_seconds", "dtype", "in", "out"]
KERNEL_KEYS = ["kernel", "degree", "gamma", "coef0", "depth", "ntk_convention", "rows", "input_rows", "input_dim",
               "normalize", "seconds", "dtype", "in", "out"]


def _small_matrix():
    """8 rows of 5 features, multiples of 1/1000 (exact in CSV and LIBSVM text), one all-zero row."""
    rows = []
    for i in range(8):
        rows.append([round((((i * 7 + j * 5) % 13) - 6) / 8.0 + 0.001 * (i + j), 3) for j in range(5)])
    rows[5] = [0.0] * 5
    return rows


def _write_csv(path, rows):
    path.write_text("".join(",".join(f"{v:.3f}" for v in r) + "\n" for r in rows))


def _write_libsvm(path, rows):
    lines = []
    for r in rows:
        feats = " ".join(f"{j + 1}:{v:.3f}" for j, v in enumerate(r) if v != 0)
        lines.append(f"0 {feats}".rstrip() + "\n")
    path.write_text("".join(lines))


def _relative_kernel_error(np, Z, X, gamma, coef0, degree):
    K = (gamma * X @ X.T + coef0) ** degree
    return np.linalg.norm(Z.astype(np.float64) @ Z.T.astype(np.float64) - K) / np.linalg.norm(K)


# Tolerances of the ZZᵀ ≈ K checks: on these 8 rows at D = 8192 the relative Frobenius error of the tree sketch
# (q = 3) and of the shared leaf (q = 2) was at most 0.05 and 0.08 over 10 seeds (typically 0.03, the O(√(q/D))
# behaviour of the sketch); 0.15 leaves a factor of two or more, while a wrong scale, a missing √c coordinate or
# a wrong degree gives errors of order 1.
KERNEL_TOLERANCE = 0.15


def test_featurize_poly_tree(tmp_path):
    np = pytest.importorskip("numpy")
    rows = _small_matrix()
    csv = tmp_path / "x.csv"
    _write_csv(csv, rows)
    out = tmp_path / "z.npy"
    r = run_json("featurize", "--kernel", "poly", "--degree", 3, "--gamma", 0.5, "--coef0", 1, "--dim", 8192,
                 "--seed", 1, "--in", csv, "--out", out)
    assert list(r) == FEATURIZE_KEYS
    assert (r["kernel"], r["method"], r["degree"], r["gamma"], r["coef0"]) == ("poly", "tree", 3, 0.5, 1.0)
    assert (r["dim"], r["rows"], r["input_dim"], r["dtype"]) == (8192, 8, 5, "float64")
    # auto leaves: identity for d = 5 (x̃ = [√γ·x; √c] has 6 coordinates), no leaf map; node width P(D) = D
    assert (r["leaf_mode"], r["leaf_type"], r["leaf_dim"]) == ("identity", None, 6)
    assert (r["node_type"], r["node_dim"]) == ("tensorsrht", 8192)
    assert r["normalize"] is False and r["all_degrees"] is False and r["seed"] == 1
    assert (r["depth"], r["ntk_convention"], r["taylor_degree"], r["radius"], r["fit_seconds"]) == \
        (None, None, None, None, 0)
    assert r["apply_seconds"] >= 0 and (r["in"], r["out"]) == (str(csv), str(out))
    Z = np.load(out)
    assert Z.shape == (8, 8192) and Z.dtype == np.float64
    X = np.array(rows)
    assert _relative_kernel_error(np, Z, X, 0.5, 1.0, 3) < KERNEL_TOLERANCE
    # The same seed gives the same file; another seed another one.
    out2 = tmp_path / "z2.npy"
    run_json("featurize", "--degree", 3, "--gamma", 0.5, "--coef0", 1, "--dim", 8192, "--seed", 1, "--in", csv,
             "--out", out2)
    assert out2.read_bytes() == out.read_bytes()
    run_json("featurize", "--degree", 3, "--gamma", 0.5, "--coef0", 1, "--dim", 8192, "--seed", 2, "--in", csv,
             "--out", out2)
    assert out2.read_bytes() != out.read_bytes()
    # Text output: "key: value" lines.
    text = run("featurize", "--degree", 2, "--dim", 16, "--in", csv, "--out", tmp_path / "z3.npy")
    assert text.returncode == 0, text.stderr
    assert "method: tree" in text.stdout and "leaf_mode: identity" in text.stdout and "dim: 16" in text.stdout


def test_featurize_normalize(tmp_path):
    np = pytest.importorskip("numpy")
    rows = _small_matrix()
    csv = tmp_path / "x.csv"
    _write_csv(csv, rows)
    out = tmp_path / "z.npy"
    r = run_json("featurize", "--degree", 3, "--dim", 8192, "--normalize", "--seed", 4, "--in", csv, "--out", out)
    assert r["normalize"] is True
    Z = np.load(out)
    X = np.array(rows)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    U = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    assert _relative_kernel_error(np, Z, U, 1.0, 0.0, 3) < KERNEL_TOLERANCE
    # c = 0: the zero row stays zero, so its features are exactly zero (and not NaN).
    assert np.all(Z[5] == 0)
    assert np.all(np.isfinite(Z))
    # Equal to featurizing rows normalised beforehand (the same up to the rounding of the division).
    pre = tmp_path / "u.npy"
    np.save(pre, U)
    out_pre = tmp_path / "zu.npy"
    run_json("featurize", "--degree", 3, "--dim", 8192, "--seed", 4, "--in", pre, "--out", out_pre)
    np.testing.assert_allclose(Z, np.load(out_pre), rtol=1e-12, atol=1e-14)


def test_featurize_methods_tensorsketch_and_shared(tmp_path):
    np = pytest.importorskip("numpy")
    rows = _small_matrix()
    csv = tmp_path / "x.csv"
    _write_csv(csv, rows)
    X = np.array(rows)
    ts = tmp_path / "ts.npy"
    r = run_json("featurize", "--method", "tensorsketch", "--degree", 2, "--gamma", 0.5, "--coef0", 1,
                 "--dim", 8192, "--in", csv, "--out", ts)
    assert list(r) == FEATURIZE_KEYS and r["method"] == "tensorsketch" and r["dim"] == 8192
    assert all(r[k] is None for k in ("leaf_mode", "leaf_type", "leaf_dim", "node_type", "node_dim"))
    Z = np.load(ts)
    assert Z.shape == (8, 8192)
    # TensorSketch of x̃ = [√γ·x; √c] (6 coordinates, 36 products hashed into 8192 buckets): unbiased, and with few
    # collisions close to exact.
    assert _relative_kernel_error(np, Z, X, 0.5, 1.0, 2) < KERNEL_TOLERANCE

    sh = tmp_path / "sh.npy"
    r = run_json("featurize", "--method", "shared", "--degree", 2, "--dim", 8192, "--seed", 3, "--in", csv,
                 "--out", sh)
    assert (r["method"], r["leaf_mode"], r["leaf_type"]) == ("shared", "shared", "srht")
    # The documented default width node_dim·clamp(q, 4, 32), capped for SRHT leaves at P(d) = 8 (an exact map).
    assert (r["node_dim"], r["leaf_dim"]) == (8192, 8)
    assert _relative_kernel_error(np, np.load(sh), X, 1.0, 0.0, 2) < KERNEL_TOLERANCE

    # Expert options reach the tree: independent OSNAP leaves, TensorSketch nodes, all degrees.
    ex = tmp_path / "ex.npy"
    r = run_json("featurize", "--degree", 3, "--dim", 64, "--leaf", "independent", "--leaf-type", "osnap",
                 "--leaf-dim", 30, "--sparsity", 2, "--node", "tensorsketch", "--node-dim", 128, "--all-degrees",
                 "--in", csv, "--out", ex)
    assert (r["leaf_mode"], r["leaf_type"], r["leaf_dim"]) == ("independent", "osnap", 30)
    assert (r["node_type"], r["node_dim"], r["dim"], r["all_degrees"]) == ("tensorsketch", 128, 3 * 64, True)
    assert np.load(ex).shape == (8, 192)


@pytest.mark.parametrize("method", ["tree", "tensorsketch", "shared"])
def test_featurize_sparse_input_equals_dense(tmp_path, method):
    np = pytest.importorskip("numpy")
    rows = _small_matrix()
    csv, svm = tmp_path / "x.csv", tmp_path / "x.svm"
    _write_csv(csv, rows)
    _write_libsvm(svm, rows)
    args = ["featurize", "--method", method, "--degree", 3, "--gamma", 0.25, "--coef0", 0.5, "--dim", 512,
            "--normalize", "--seed", 5]
    rd = run_json(*args, "--in", csv, "--out", tmp_path / "d.npy")
    rs = run_json(*args, "--in", svm, "--num-features", 5, "--out", tmp_path / "s.npy")
    assert rd["dtype"] == rs["dtype"] == "float64"
    # Same values in CSR and dense form (sorted, unique columns): bit-identical features.
    np.testing.assert_array_equal(np.load(tmp_path / "d.npy"), np.load(tmp_path / "s.npy"))


def _expect_failure(r, text, status=1):
    assert r.returncode == status, (r.returncode, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("subq: "), r.stderr
    assert text in lines[0], lines[0]


def test_featurize_errors_leave_no_output(tmp_path):
    csv = tmp_path / "x.csv"
    _write_csv(csv, _small_matrix())
    out = tmp_path / "z.npy"
    base = ["featurize", "--dim", 16, "--in", csv, "--out", out]
    r = run(*base, "--degree", 2, "--kernel", "gaussian")
    _expect_failure(r, "--degree applies to --kernel poly")
    assert r.stderr.startswith("subq: invalid argument: ")
    _expect_failure(run(*base, "--degree", 2, "--kernel", "rbf2"), "unknown --kernel 'rbf2'")
    _expect_failure(run(*base, "--degree", 0), "--degree 0")
    r = run(*base, "--degree", 1025)
    _expect_failure(r, "SUBQ_P_DEGREE = 1025 is outside [1, 1024]")
    assert r.stderr.startswith("subq: parameter out of range: ")
    _expect_failure(run(*base, "--degree", 2, "--gamma", 0), "--gamma 0")
    _expect_failure(run(*base, "--degree", 2, "--coef0", -1), "--coef0 -1")
    _expect_failure(run(*base, "--degree", 2, "--method", "nystroem"), "unknown --method 'nystroem'")
    _expect_failure(run(*base, "--degree", 2, "--method", "rff"), "--kernel gaussian only")
    _expect_failure(run(*base, "--degree", 2, "--method", "taylor"), "--method tree")
    _expect_failure(run(*base, "--degree", 2, "--method", "tensorsketch", "--leaf", "shared"), "--method tree")
    _expect_failure(run(*base, "--degree", 2, "--method", "shared", "--leaf", "identity"), "--leaf identity")
    _expect_failure(run(*base, "--degree", 2, "--leaf", "sideways"), "unknown --leaf 'sideways'")
    # Errors found once the data is read (the sketch's create): identity leaves take no leaf dimension.
    _expect_failure(run(*base, "--degree", 2, "--leaf", "identity", "--leaf-dim", 8), "identity leaves")
    missing = tmp_path / "missing.csv"
    r = run("featurize", "--degree", 2, "--dim", 16, "--in", missing, "--out", out)
    _expect_failure(r, "cannot open")
    assert r.stderr.startswith("subq: I/O error: ") and str(missing) in r.stderr
    # Usage errors: a required option missing, a non-integer degree.
    _expect_failure(run("featurize", "--dim", 16, "--in", csv, "--out", out), "--degree", status=2)
    _expect_failure(run(*base, "--degree", "two"), "--degree", status=2)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]  # no partial or temporary file either


def test_featurize_error_json(tmp_path):
    csv = tmp_path / "x.csv"
    _write_csv(csv, _small_matrix())
    r = run("featurize", "--degree", 2048, "--dim", 16, "--in", csv, "--out", tmp_path / "z.npy", "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert list(out) == ["error"] and list(out["error"]) == ERROR_KEYS
    assert out["error"]["status_name"] == "SUBQ_ERR_PARAM_RANGE" and "--degree 2048" in out["error"]["message"]
    assert not (tmp_path / "z.npy").exists()


@pytest.mark.skipif(not os.path.isdir(FMNIST_DIR), reason="dataset-fashion-mnist is not installed")
def test_featurize_fmnist_test_float32(tmp_path):
    np = pytest.importorskip("numpy")
    out = tmp_path / "z.npy"
    r = run_json("featurize", "--degree", 4, "--dim", 1024, "--normalize", "--in", "fmnist-test", "--out", out)
    assert (r["rows"], r["input_dim"], r["dtype"], r["leaf_mode"], r["leaf_dim"]) == \
        (10000, 784, "float32", "identity", 784)
    Z = np.load(out, mmap_mode="r")
    assert Z.shape == (10000, 1024) and Z.dtype == np.float32
    # Against the exact kernel ⟨x,y⟩⁴ of the first 300 unit rows (the raw IDX bytes: normalising removes any
    # scaling the loader applies). Over seeds 0-5 the relative Frobenius error was 0.13-0.19; 0.4 is a loose bound
    # that a wrong degree or scale (errors of order 1) does not meet.
    import gzip
    path = os.path.join(FMNIST_DIR, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        pytest.skip("t10k-images-idx3-ubyte.gz not found")
    with gzip.open(path, "rb") as f:
        raw = f.read(16 + 300 * 784)
    X = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(300, 784).astype(np.float64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    assert _relative_kernel_error(np, np.asarray(Z[:300]), X, 1.0, 0.0, 4) < 0.4


# ---- subq featurize: the other kernels, and subq kernel ---------------------------------------------------------------


def _unit_rows(np, n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _gram(np, K, Z):
    Z = Z.astype(np.float64)
    return np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K)


# Relative Frobenius errors of ZZᵀ against `subq kernel` on these 60 unit rows of R^6 at D = 4097, measured over
# seeds 1-8 (mean / worst): gaussian γ = 0.5 0.027 / 0.037, arccos0 0.025 / 0.052, arccos1 0.022 / 0.034, ntk L = 1
# 0.047 / 0.057, RFF γ = 1 0.051 / 0.061; ntk L = 2 0.068 / 0.16 (seed 1, the one used here, is its worst: the
# slowly decaying depth-2 coefficients make the sampled high-degree blocks noisy). Bounds: 0.1, and 0.3 for ntk L = 2
# (about twice the worst seed); a wrong scale, degree or norm factor gives errors of order 1.
@pytest.mark.parametrize("kernel,extra,bound", [("gaussian", ["--gamma", 0.5], 0.1), ("arccos0", [], 0.1),
                                                ("arccos1", [], 0.1), ("ntk", ["--depth", 2], 0.3),
                                                ("ntk", ["--depth", 1, "--ntk-convention", "both"], 0.1),
                                                ("gaussian", ["--method", "rff"], 0.1)])
def test_featurize_kernels_match_subq_kernel(tmp_path, kernel, extra, bound):
    np = pytest.importorskip("numpy")
    x = tmp_path / "x.npy"
    np.save(x, _unit_rows(np, 60, 6, 0))
    kern = [e for e in extra if e not in ("--method", "rff")]
    k = run_json("kernel", "--kernel", kernel, *kern, "--in", x, "--out", tmp_path / "k.npy")
    assert list(k) == KERNEL_KEYS
    assert (k["kernel"], k["rows"], k["input_rows"], k["input_dim"], k["dtype"]) == (kernel, 60, 60, 6, "float64")
    K = np.load(tmp_path / "k.npy")
    assert K.shape == (60, 60)
    r = run_json("featurize", "--kernel", kernel, *extra, "--dim", 4097, "--seed", 1, "--in", x,
                 "--out", tmp_path / "z.npy")
    assert list(r) == FEATURIZE_KEYS
    method = "rff" if "rff" in extra else "taylor"
    assert (r["kernel"], r["method"], r["dim"], r["rows"], r["input_dim"]) == (kernel, method, 4097, 60, 6)
    assert r["degree"] is None and r["coef0"] is None and r["leaf_mode"] is None
    assert (r["gamma"] is None) == (kernel != "gaussian")
    assert (r["depth"] is None) == (kernel != "ntk")
    if method == "taylor":
        assert r["taylor_degree"] >= 1 and r["taylor_tail"] >= 0 and isinstance(r["taylor_cap_binds"], bool)
        assert r["tolerance"] == 1e-3 and r["granularity"] == 64
        assert r["max_degree"] == (64 if kernel == "gaussian" else 1024)
        assert (r["radius"] == 1.0) if kernel == "gaussian" else (r["radius"] is None)
    else:
        assert r["taylor_degree"] is None and r["tolerance"] is None
    assert _gram(np, K, np.load(tmp_path / "z.npy")) < bound


def test_featurize_gaussian_taylor_truncation_and_options(tmp_path):
    np = pytest.importorskip("numpy")
    x = tmp_path / "x.npy"
    np.save(x, _unit_rows(np, 10, 4, 1).astype(np.float32))
    r = run_json("featurize", "--kernel", "gaussian", "--dim", 600, "--in", x, "--out", tmp_path / "z.npy")
    # γ = R = 1: the series Σ 2^ℓ/ℓ! (total e²) first has a tail <= 1e-3·e² at ℓ = 8 (C API test).
    assert (r["taylor_degree"], r["taylor_cap_binds"], r["dtype"]) == (8, False, "float32")
    tail = np.exp(2) - sum(2.0 ** l / np.prod(np.arange(1, l + 1)) for l in range(9))
    assert r["taylor_tail"] == pytest.approx(tail, rel=1e-9)
    assert np.load(tmp_path / "z.npy").dtype == np.float32
    r = run_json("featurize", "--kernel", "gaussian", "--dim", 600, "--max-degree", 5, "--tolerance", 1e-6,
                 "--granularity", 64, "--radius", 2, "--in", x, "--out", tmp_path / "z.npy")
    assert (r["taylor_degree"], r["taylor_cap_binds"], r["max_degree"], r["granularity"], r["radius"]) == \
        (5, True, 5, 64, 2.0)
    assert r["tolerance"] == 1e-6


def test_featurize_nystrom_reproduces_the_kernel(tmp_path):
    np = pytest.importorskip("numpy")
    X = _unit_rows(np, 30, 5, 2)
    x, svm = tmp_path / "x.npy", tmp_path / "x.svm"
    np.save(x, X)
    run_json("kernel", "--kernel", "arccos1", "--in", x, "--out", tmp_path / "k.npy")
    K = np.load(tmp_path / "k.npy")
    # --dim above the number of rows: every row is a landmark, ZZᵀ = K up to rounding.
    r = run_json("featurize", "--kernel", "arccos1", "--method", "nystrom", "--dim", 100, "--in", x,
                 "--out", tmp_path / "z.npy")
    assert (r["method"], r["dim"], r["taylor_degree"], r["tolerance"]) == ("nystrom", 30, None, None)
    assert r["fit_seconds"] >= 0
    Z = np.load(tmp_path / "z.npy")
    assert Z.shape == (30, 30)
    np.testing.assert_allclose(Z @ Z.T, K, atol=1e-8)
    # Poly through Nyström too, and sparse input (densified for the fit only).
    _write_libsvm(svm, X.round(3).tolist())
    r = run_json("featurize", "--kernel", "poly", "--degree", 2, "--method", "nystrom", "--dim", 10, "--in", svm,
                 "--out", tmp_path / "zs.npy")
    assert (r["dim"], r["dtype"], r["degree"]) == (10, "float64", 2)
    assert np.load(tmp_path / "zs.npy").shape == (30, 10)


def test_featurize_kernel_sparse_equals_dense(tmp_path):
    np = pytest.importorskip("numpy")
    rows = _small_matrix()
    csv, svm = tmp_path / "x.csv", tmp_path / "x.svm"
    _write_csv(csv, rows)
    _write_libsvm(svm, rows)
    args = ["featurize", "--kernel", "ntk", "--depth", 3, "--dim", 300, "--normalize", "--seed", 5]
    run_json(*args, "--in", csv, "--out", tmp_path / "d.npy")
    run_json(*args, "--in", svm, "--num-features", 5, "--out", tmp_path / "s.npy")
    Zd = np.load(tmp_path / "d.npy")
    np.testing.assert_array_equal(Zd, np.load(tmp_path / "s.npy"))
    # The zero row of _small_matrix has zero features (the NTK is homogeneous of degree 1).
    assert np.all(Zd[5] == 0) and np.all(np.isfinite(Zd))


def test_kernel_command(tmp_path):
    np = pytest.importorskip("numpy")
    rows = _small_matrix()
    csv = tmp_path / "x.csv"
    _write_csv(csv, rows)
    X = np.array(rows)
    out = tmp_path / "k.npy"
    r = run_json("kernel", "--kernel", "poly", "--degree", 3, "--gamma", 0.5, "--coef0", 1, "--rows", 5,
                 "--in", csv, "--out", out)
    assert list(r) == KERNEL_KEYS
    assert (r["degree"], r["gamma"], r["coef0"], r["depth"], r["rows"], r["input_rows"]) == (3, 0.5, 1.0, None, 5, 8)
    np.testing.assert_allclose(np.load(out), (0.5 * X[:5] @ X[:5].T + 1) ** 3, rtol=1e-12)
    # --normalize, the Gaussian; the text output.
    t = run("kernel", "--kernel", "gaussian", "--gamma", 2, "--normalize", "--in", csv, "--out", out)
    assert t.returncode == 0, t.stderr
    assert "kernel: gaussian" in t.stdout and "rows: 8" in t.stdout
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    U = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    sq = (U ** 2).sum(1)[:, None] + (U ** 2).sum(1)[None, :] - 2 * U @ U.T
    np.testing.assert_allclose(np.load(out), np.exp(-2 * sq), rtol=1e-12, atol=1e-15)
    # The NTK, first-layer convention, depth 1: ½·t·κ₀(t)·‖x‖‖y‖ = ½⟨x,y⟩κ₀(t) (the zero row gives 0).
    r = run_json("kernel", "--kernel", "ntk", "--ntk-convention", "first", "--in", csv, "--out", out)
    assert (r["depth"], r["ntk_convention"], r["gamma"]) == (1, "first", None)
    t = np.clip(U @ U.T, -1, 1)
    # Near t = 1 (the diagonal) κ₀(t) = 1 − √(2(1 − t))/π + …: a rounding of 1e-16 in t moves it by up to
    # √2e-16/π ≈ 5e-9, so the entries (of size <= 1) agree to 1e-7 absolute; a wrong formula is off by O(0.1).
    np.testing.assert_allclose(np.load(out), 0.5 * (X @ X.T) * (1 - np.arccos(t) / np.pi), rtol=1e-12, atol=1e-7)


def test_kernel_and_featurize_errors_leave_no_output(tmp_path):
    np = pytest.importorskip("numpy")
    csv = tmp_path / "x.csv"
    _write_csv(csv, _small_matrix())
    out = tmp_path / "o.npy"
    fz = ["featurize", "--dim", 64, "--in", csv, "--out", out]
    _expect_failure(run(*fz, "--kernel", "gaussian", "--method", "tree"), "sketches the polynomial kernel only")
    _expect_failure(run(*fz, "--kernel", "arccos1", "--method", "rff"), "--kernel gaussian only")
    _expect_failure(run(*fz, "--kernel", "arccos1", "--depth", 2), "--depth applies to --kernel ntk")
    _expect_failure(run(*fz, "--kernel", "arccos0", "--gamma", 2), "--gamma applies to --kernel poly and gaussian")
    _expect_failure(run(*fz, "--kernel", "gaussian", "--coef0", 1), "--coef0 applies to --kernel poly")
    _expect_failure(run(*fz, "--kernel", "gaussian", "--gamma", -1), "--gamma -1")
    _expect_failure(run(*fz, "--kernel", "gaussian", "--method", "rff", "--tolerance", 0.1), "--method taylor")
    _expect_failure(run(*fz, "--kernel", "ntk", "--radius", 2), "--radius")
    _expect_failure(run(*fz, "--kernel", "ntk", "--ntk-convention", "last"), "unknown --ntk-convention 'last'")
    _expect_failure(run(*fz, "--kernel", "ntk", "--node", "tensorsketch"), "do not apply to --method taylor")
    r = run(*fz, "--kernel", "ntk", "--depth", 65)
    _expect_failure(r, "--depth 65")
    assert r.stderr.startswith("subq: parameter out of range: ") and "[1, 64]" in r.stderr
    _expect_failure(run(*fz, "--kernel", "ntk", "--depth", 0), "--depth 0")
    _expect_failure(run(*fz, "--kernel", "gaussian", "--tolerance", 2), "--tolerance 2")
    _expect_failure(run("featurize", "--kernel", "gaussian", "--dim", 1, "--in", csv, "--out", out), ">= 2")
    kn = ["kernel", "--in", csv, "--out", out]
    _expect_failure(run(*kn, "--kernel", "laplace"), "unknown --kernel 'laplace'")
    _expect_failure(run(*kn), "--degree", status=2)  # poly (the default) needs its degree
    _expect_failure(run(*kn, "--kernel", "gaussian", "--rows", 9), "--rows 9 exceeds the 8 rows")
    _expect_failure(run(*kn, "--kernel", "gaussian", "--rows", 0), "--rows 0")
    r = run(*kn, "--kernel", "gaussian", "--rows", 20001)
    _expect_failure(r, "--force")
    assert r.stderr.startswith("subq: dimension error: --rows 20001")
    _expect_failure(run(*kn, "--kernel", "ntk", "--depth", 65), "--depth 65")
    bad = tmp_path / "bad.npy"
    np.save(bad, np.array([[1.0, np.nan], [0.0, 1.0]]))
    _expect_failure(run("kernel", "--kernel", "gaussian", "--in", bad, "--out", out), "row 0")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npy", "x.csv"]  # no partial or temporary file
