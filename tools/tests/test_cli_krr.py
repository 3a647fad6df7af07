"""Tests of `subq krr` (tools/cmd_krr.cpp): the JSON summary, accuracy on small labelled files, exact against
Nyström with every training row a centre, --predictions, and the errors (exit status 1, one message line, no
output file left behind).

Pure Python (no numpy: ctest runs Debian's /usr/bin/python3, which may not have it): data files are written as
CSV/IDX text and bytes here, and .npy predictions are read with a small reader. Every run uses a few hundred rows
at most, so each test takes a second or two.

Run by ctest (tools/CMakeLists.txt, test 'cli') with SUBQ_CLI set to the built binary, or by hand:
    SUBQ_CLI=build/tools/subq /usr/bin/python3 -m pytest tools/tests/test_cli_krr.py
"""

import ast
import json
import math
import os
import random
import struct
import subprocess

import pytest

CLI = os.environ.get("SUBQ_CLI", "subq")
FMNIST_DIR = os.environ.get("SUBQ_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")

# README.md, "JSON output", `subq krr`; test_rows and test_accuracy/test_rmse come with --test.
KRR_KEYS = ["kernel", "method", "dim", "gamma", "depth", "normalize", "task", "classes", "train_rows", "holdout_rows",
            "lambda", "lambda_select", "lambda_grid", "retries", "solver", "cg_iterations", "seconds_load", "seconds_landmarks",
            "seconds_features", "seconds_gram", "seconds_solve", "seconds_fit", "seconds_predict", "seconds_total",
            "peak_rss_bytes", "seed", "train", "test"]
ERROR_KEYS = ["status", "status_name", "status_string", "message"]


# The matrices here are tiny: BLAS threads buy nothing, and on a busy machine OpenBLAS's spinning threads made a
# 512×512 solve take seconds instead of milliseconds. One BLAS thread unless the caller chose otherwise.
ENV = dict(os.environ)
ENV.setdefault("OPENBLAS_NUM_THREADS", "1")


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120, env=ENV)


def run_json(*args):
    r = run(*args, "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", "no progress output under --json"
    assert r.stdout.count("\n") == 1, "exactly one JSON object on one line"
    return json.loads(r.stdout)


def expect_failure(r, text, status=1):
    """Exit status, nothing on stdout, and one error line on stderr (after the plain progress lines of the phases
    that ran, "subq krr: ...", when the failure comes after loading)."""
    assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines and lines[-1].startswith("subq: "), r.stderr
    assert all(line.startswith("subq krr: ") for line in lines[:-1]), r.stderr
    assert text in lines[-1], lines[-1]


def read_npy(path):
    """(shape, values) of a little-endian float64 C-order .npy file."""
    data = path.read_bytes()
    assert data[:6] == b"\x93NUMPY"
    major = data[6]
    if major == 1:
        hlen, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", data[8:12])[0], 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    assert header["descr"] == "<f8" and header["fortran_order"] is False, header
    shape = tuple(header["shape"])
    count = 1
    for s in shape:
        count *= s
    body = data[start + hlen:]
    assert len(body) == 8 * count
    return shape, list(struct.unpack(f"<{count}d", body))


def write_csv(path, rows, labels):
    path.write_text("".join(",".join(f"{v:.6f}" for v in r) + f",{y}\n" for r, y in zip(rows, labels)))


def blobs(n, d, classes, seed, spread=0.35):
    """n rows of R^d around `classes` orthogonal centres (3·e_c), labels 0..classes-1 in turn."""
    rng = random.Random(seed)
    rows, labels = [], []
    for i in range(n):
        c = i % classes
        rows.append([(3.0 if j == c else 0.0) + rng.gauss(0, spread) for j in range(d)])
        labels.append(c)
    return rows, labels


def labelled_files(tmp_path, n_train=150, n_test=60, d=4, classes=3):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    write_csv(train, *blobs(n_train, d, classes, 1))
    write_csv(test, *blobs(n_test, d, classes, 2))
    return train, test


def argmin_ties_larger(scores):
    """Index of the smallest score (None = +inf), ties to the later (larger λ) grid point."""
    best = 0
    vals = [math.inf if s is None else s for s in scores]
    for j in range(1, len(vals)):
        if vals[j] <= vals[best]:
            best = j
    return best


def write_idx(path, dims, values, type_code=0x08):
    """An IDX file (ubyte by default) of the given dims holding `values` (flattened)."""
    header = struct.pack(">BBBB", 0, 0, type_code, len(dims)) + b"".join(struct.pack(">I", n) for n in dims)
    path.write_bytes(header + bytes(values))


def test_krr_json_keys_and_accuracy(tmp_path):
    train, test = labelled_files(tmp_path)
    common = ["--label-column", "last"]
    r = run_json("krr", "--kernel", "gaussian", "--dim", 64, "--normalize", "--train", train, "--test", test, *common)
    for key in KRR_KEYS + ["test_rows", "test_accuracy"]:
        assert key in r, key
    assert "test_rmse" not in r
    assert (r["kernel"], r["method"], r["dim"], r["task"], r["classes"]) == ("gaussian", "taylor", 64, "classify", 3)
    assert (r["train_rows"], r["test_rows"], r["normalize"], r["seed"]) == (150, 60, True, 0)
    assert r["gamma"] == 1.0 and r["depth"] is None
    assert r["train"] == str(train) and r["test"] == str(test)
    # Three well separated blobs: the model classifies the test rows (all but a few) correctly.
    assert r["test_accuracy"] >= 0.9
    # λ selection on a held-out part (by accuracy): the default grid of 7 points, the argmin with ties to the
    # larger λ, refitted on all rows.
    assert r["lambda_select"] == "holdout"
    assert 0 < r["holdout_rows"] < 150
    grid = r["lambda_grid"]
    assert len(grid) == 7 and all(set(g) == {"lambda", "score"} for g in grid)
    lambdas = [g["lambda"] for g in grid]
    assert all(b > a for a, b in zip(lambdas, lambdas[1:]))
    assert lambdas[-1] / lambdas[0] == pytest.approx(1e6, rel=1e-9)
    for g in grid:  # held-out error rates: multiples of 1/holdout_rows
        assert g["score"] is None or (0 <= g["score"] <= 1 and
                                      abs(g["score"] * r["holdout_rows"] - round(g["score"] * r["holdout_rows"])) < 1e-9)
    assert r["lambda"] == lambdas[argmin_ties_larger([g["score"] for g in grid])]
    assert (r["retries"], r["solver"], r["cg_iterations"]) == (0, "cholesky", 0)  # λ selection: Cholesky
    for key in ("seconds_load", "seconds_landmarks", "seconds_features", "seconds_gram", "seconds_solve",
                "seconds_fit", "seconds_predict"):
        assert 0 <= r[key] <= r["seconds_total"], key
    assert r["peak_rss_bytes"] > 1 << 20
    # Without --test: no test keys; the grid options and the seed are honoured.
    r2 = run_json("krr", "--kernel", "gaussian", "--dim", 64, "--normalize", "--train", train, "--grid-points", 3,
                  "--grid-min", 1e-3, "--grid-max", 1e-1, "--holdout", 0.5, "--seed", 4, *common)
    assert "test_rows" not in r2 and "test_accuracy" not in r2 and r2["test"] is None
    assert len(r2["lambda_grid"]) == 3 and r2["seed"] == 4
    assert r2["lambda_grid"][2]["lambda"] / r2["lambda_grid"][0]["lambda"] == pytest.approx(100, rel=1e-9)
    assert r2["holdout_rows"] > r["holdout_rows"]


def test_krr_text_output_and_progress_lines(tmp_path):
    train, test = labelled_files(tmp_path)
    r = run("krr", "--kernel", "arccos1", "--dim", 64, "--train", train, "--test", test, "--label-column", "last")
    assert r.returncode == 0, r.stderr
    assert "test_accuracy: " in r.stdout and "lambda: " in r.stdout
    # Not a terminal: plain phase lines on stderr, no carriage-return bar.
    assert "subq krr: fitting on 150 rows" in r.stderr and "\r" not in r.stderr


def test_krr_methods_and_fixed_lambda(tmp_path):
    train, test = labelled_files(tmp_path)
    base = ["krr", "--normalize", "--train", train, "--test", test, "--label-column", "last", "--lambda", 0.01]
    for extra, method, dim in ((["--kernel", "gaussian", "--method", "rff", "--dim", 128], "rff", 128),
                               (["--kernel", "ntk", "--depth", 2, "--dim", 128], "taylor", 128),
                               (["--kernel", "poly", "--degree", 2, "--method", "nystrom", "--dim", 8], "nystrom", 8),
                               (["--kernel", "arccos0", "--method", "exact"], "exact", 150)):
        r = run_json(*base, *extra)
        assert (r["method"], r["dim"]) == (method, dim)
        assert (r["lambda"], r["lambda_select"], r["lambda_grid"], r["holdout_rows"]) == (0.01, "fixed", [], 0)
        assert r["test_accuracy"] >= 0.9, (method, r["test_accuracy"])
        assert (r["depth"] == 2) if extra[1] == "ntk" else (r["depth"] is None)
        assert r["solver"] == ("exact" if method == "exact" else "cholesky")  # D ≤ 240·k: Cholesky is cheaper


def test_krr_pcg_solver(tmp_path):
    # --solver pcg: conjugate gradients to the relative residual 1e-8 on the normal equations of the features; the
    # predictions agree with Cholesky's to about 1e-8·cond (cond of ZᵀZ + λI below 1e3 here: 150 rows, λ = 0.1), and
    # both are float32 fits (float features and products: about 1e-6 relative; measured 2e-6 with 9 iterations).
    # 1e-4 leaves a wide margin.
    train, test = labelled_files(tmp_path)
    base = ["krr", "--kernel", "gaussian", "--dim", 64, "--normalize", "--lambda", 0.1, "--train", train, "--test",
            test, "--label-column", "last"]
    pp, pc = tmp_path / "pcg.npy", tmp_path / "chol.npy"
    rp = run_json(*base, "--solver", "pcg", "--predictions", pp)
    rc = run_json(*base, "--solver", "cholesky", "--predictions", pc)
    assert (rp["solver"], rc["solver"], rc["cg_iterations"]) == ("pcg", "cholesky", 0)
    assert 1 <= rp["cg_iterations"] <= 500
    assert rp["test_accuracy"] == rc["test_accuracy"] >= 0.9
    (_, vp), (_, vc) = read_npy(pp), read_npy(pc)
    assert max(abs(a - b) for a, b in zip(vp, vc)) <= 1e-4 * max(abs(v) for v in vc)


def test_krr_nystrom_more_centres_than_the_kernel_rank(tmp_path):
    # (⟨x,y⟩)² on R^4 has rank 10; 20 centres make K(L, L) singular, which the jitter δ must absorb.
    train, test = labelled_files(tmp_path)
    r = run_json("krr", "--kernel", "poly", "--degree", 2, "--method", "nystrom", "--dim", 20, "--lambda", 0.01,
                 "--normalize", "--train", train, "--test", test, "--label-column", "last")
    assert r["dim"] == 20 and r["test_accuracy"] >= 0.9


def _unit_directions(n, d, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        v = [rng.gauss(0, 1) for _ in range(d)]
        s = math.sqrt(sum(t * t for t in v))
        rows.append([t / s for t in v])
    return rows


def test_krr_exact_equals_nystrom_with_all_rows_as_centres(tmp_path):
    # 40 random unit directions in R^8 at γ = 2: K is close to the identity (off-diagonal entries e^{-2‖x−y‖²}, mostly
    # below 0.1), so both systems are well conditioned. With every training row a centre the subset-of-regressors
    # system (K² + λK + λδI)W = KY has the solution of (K + λI)α = Y up to λδ/μ_min ≈ 1e-10; what remains is the
    # float32 arithmetic of the Nyström path (float features, ssyrk: about 1e-6 relative on a system of condition
    # number near 2; measured 2e-7). 1e-5 of the predictions' size is far above that and far below any real
    # disagreement.
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    xtr, xte = _unit_directions(40, 8, 5), _unit_directions(25, 8, 6)
    label = lambda row: max(range(3), key=lambda c: row[c])  # noqa: E731
    write_csv(train, xtr, [label(r) for r in xtr])
    write_csv(test, xte, [label(r) for r in xte])
    common = ["krr", "--kernel", "gaussian", "--gamma", 2, "--lambda", 0.05, "--train", train, "--test", test,
              "--label-column", "last"]
    pe, pn = tmp_path / "exact.npy", tmp_path / "nystrom.npy"
    re_ = run_json(*common, "--method", "exact", "--predictions", pe)
    rn = run_json(*common, "--method", "nystrom", "--dim", 1000, "--predictions", pn)
    assert (re_["dim"], rn["dim"]) == (40, 40)  # nystrom: --dim above the rows, every row a centre
    assert re_["test_accuracy"] == rn["test_accuracy"]
    (shape_e, ve), (shape_n, vn) = read_npy(pe), read_npy(pn)
    assert shape_e == shape_n == (25, 3)
    scale = max(abs(v) for v in ve)
    assert max(abs(a - b) for a, b in zip(ve, vn)) <= 1e-5 * scale  # measured: 2e-7


def test_krr_predictions_file(tmp_path):
    train, test = labelled_files(tmp_path, n_test=45)
    out = tmp_path / "pred.npy"
    r = run_json("krr", "--kernel", "gaussian", "--dim", 64, "--normalize", "--train", train, "--test", test,
                 "--label-column", "last", "--predictions", out, "--max-train", 120, "--max-test", 30)
    assert (r["train_rows"], r["test_rows"]) == (120, 30)
    shape, values = read_npy(out)
    assert shape == (30, 3)
    # The argmax of the written predictions reproduces the reported accuracy.
    labels = [int(line.rsplit(",", 1)[1]) for line in test.read_text().splitlines()[:30]]
    correct = sum(max(range(3), key=lambda c: values[3 * i + c]) == labels[i] for i in range(30))
    assert r["test_accuracy"] == pytest.approx(correct / 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pred.npy", "test.csv", "train.csv"]  # no temporary file


def test_krr_regression_and_gcv(tmp_path):
    rng = random.Random(7)
    rows = _unit_directions(120, 3, 8)
    y = [math.sin(2 * r[0]) + r[1] * r[2] + 0.05 * rng.gauss(0, 1) for r in rows]
    path = tmp_path / "reg.csv"
    path.write_text("".join(",".join(f"{v:.6f}" for v in r) + f",{t:.6f}\n" for r, t in zip(rows, y)))
    out = tmp_path / "pred.npy"
    # Taylor features need a few blocks of 64 columns per degree to represent odd and even degrees: D = 512.
    r = run_json("krr", "--kernel", "gaussian", "--dim", 512, "--select", "gcv", "--train", path, "--test", path,
                 "--label-column", "last", "--predictions", out)
    assert (r["task"], r["classes"], r["lambda_select"], r["holdout_rows"]) == ("regress", None, "gcv", 0)
    assert "test_rmse" in r and "test_accuracy" not in r
    assert len(r["lambda_grid"]) == 7
    assert r["lambda"] == r["lambda_grid"][argmin_ties_larger([g["score"] for g in r["lambda_grid"]])]["lambda"]
    # The labels have a standard deviation near 0.6 and noise 0.05: a kernel fit on its own training rows is far
    # better than the mean.
    mean = sum(y) / len(y)
    sd = math.sqrt(sum((t - mean) ** 2 for t in y) / len(y))
    assert r["test_rmse"] < 0.2 * sd
    shape, values = read_npy(out)
    assert shape == (120, 1)
    rmse = math.sqrt(sum((p - t) ** 2 for p, t in zip(values, y)) / len(y))
    assert r["test_rmse"] == pytest.approx(rmse, rel=1e-4, abs=1e-6)  # the labels were rounded to 6 decimals
    # --task regress on integer labels; --task classify refuses non-integer labels.
    train, _ = labelled_files(tmp_path)
    rr = run_json("krr", "--kernel", "gaussian", "--dim", 64, "--lambda", 0.1, "--task", "regress", "--train", train,
                  "--label-column", "last")
    assert (rr["task"], rr["classes"]) == ("regress", None)
    expect_failure(run("krr", "--kernel", "gaussian", "--dim", 64, "--task", "classify", "--train", path,
                       "--label-column", "last"), "integer labels")


def test_krr_idx_files_and_label_mismatch(tmp_path):
    # 24 "images" of 2×3 ubyte pixels in two classes, and a label file; then a label file one entry short.
    rng = random.Random(9)
    n = 24
    labels = [i % 2 for i in range(n)]
    pixels = []
    for c in labels:
        pixels += [min(255, max(0, int(rng.gauss(200 if (j < 3) == (c == 0) else 40, 10)))) for j in range(6)]
    images = tmp_path / "small-images-idx3-ubyte"
    write_idx(images, [n, 2, 3], pixels)
    write_idx(tmp_path / "small-labels-idx1-ubyte", [n], labels)
    out = tmp_path / "pred.npy"
    r = run_json("krr", "--kernel", "gaussian", "--dim", 32, "--normalize", "--lambda", 0.01, "--train", images,
                 "--test", images, "--predictions", out)
    assert (r["train_rows"], r["classes"], r["test_accuracy"]) == (n, 2, 1.0)
    assert read_npy(out)[0] == (n, 2)
    out.unlink()
    write_idx(tmp_path / "small-labels-idx1-ubyte", [n - 1], labels[:-1])
    r = run("krr", "--kernel", "gaussian", "--dim", 32, "--normalize", "--lambda", 0.01, "--train", images,
            "--test", images, "--predictions", out)
    expect_failure(r, "label")
    assert r.stderr.splitlines()[-1].startswith("subq: I/O error: ")
    assert not out.exists()


def test_krr_errors_leave_no_output(tmp_path):
    train, test = labelled_files(tmp_path, n_train=30, n_test=10)
    out = tmp_path / "pred.npy"
    base = ["krr", "--kernel", "gaussian", "--train", train, "--test", test, "--label-column", "last",
            "--predictions", out]
    r = run(*base, "--dim", 16, "--method", "nystroem")
    expect_failure(r, "unknown --method 'nystroem'")
    assert r.stderr.startswith("subq: invalid argument: ")  # options are checked before anything is loaded
    expect_failure(run(*base, "--method", "exact"), "--method exact needs --lambda")
    r = run(*base, "--dim", 16, "--lambda", 0)
    expect_failure(r, "--lambda 0")
    assert r.stderr.startswith("subq: parameter out of range: ")
    expect_failure(run(*base, "--dim", 16, "--lambda", -1), "--lambda -1")
    expect_failure(run(*base, "--method", "exact", "--lambda", 0), "--lambda 0")
    expect_failure(run(*base), "--dim")  # taylor needs --dim
    expect_failure(run(*base, "--dim", 16, "--select", "loo"), "unknown --select 'loo'")
    expect_failure(run(*base, "--dim", 16, "--task", "rank"), "unknown --task 'rank'")
    expect_failure(run(*base, "--dim", 16, "--solver", "lu"), "unknown --solver 'lu'")
    expect_failure(run(*base, "--dim", 16, "--solver", "pcg"), "--solver pcg needs --lambda")
    expect_failure(run("krr", "--kernel", "gaussian", "--dim", 16, "--train", train, "--label-column", "last",
                       "--predictions", out), "--predictions needs --test")
    expect_failure(run("krr", "--kernel", "arccos1", "--method", "rff", "--dim", 16, "--train", train, "--test", test,
                       "--label-column", "last", "--predictions", out), "--kernel gaussian only")
    expect_failure(run(*base, "--dim", 16, "--grid-min", 1, "--grid-max", 0.1), "grid")
    expect_failure(run(*base, "--dim", 16, "--holdout", 1.5), "--holdout")
    expect_failure(run(*base, "--dim", 16, "--grid-points", 0), "--grid-points")
    # Non-finite labels, in --train or in --test, name the row.
    bad = tmp_path / "bad.csv"
    bad.write_text(train.read_text().replace(",1\n", ",nan\n", 1))
    r = run("krr", "--kernel", "gaussian", "--dim", 16, "--train", bad, "--test", test, "--label-column", "last",
            "--predictions", out)
    expect_failure(r, "is not finite")
    assert "row 1" in r.stderr and r.stderr.splitlines()[-1].startswith("subq: numerical error: ")
    r = run("krr", "--kernel", "gaussian", "--dim", 16, "--train", train, "--test", bad, "--label-column", "last",
            "--predictions", out)
    expect_failure(r, "is not finite")
    bad.unlink()
    # Non-finite features.
    badx = tmp_path / "badx.csv"
    badx.write_text(train.read_text().replace("\n", "\ninf,0,0,0,1\n", 1))
    r = run("krr", "--kernel", "gaussian", "--dim", 16, "--lambda", 0.1, "--train", badx, "--test", test,
            "--label-column", "last", "--predictions", out)
    expect_failure(r, "row 1")
    badx.unlink()
    # Columns of --test against --train; a file without labels; one class only.
    wide = tmp_path / "wide.csv"
    wide.write_text("1,2,3,4,5,0\n2,3,4,5,6,1\n")
    expect_failure(run("krr", "--kernel", "gaussian", "--dim", 16, "--train", train, "--test", wide, "--label-column",
                       "last", "--predictions", out), "columns")
    wide.unlink()
    nolabels = tmp_path / "nolabels.csv"
    nolabels.write_text("1,2\n3,4\n")
    expect_failure(run("krr", "--kernel", "gaussian", "--dim", 16, "--train", nolabels, "--test", test,
                       "--predictions", out), "no labels")
    nolabels.unlink()
    one = tmp_path / "one.csv"
    one.write_text("1,2,0\n3,4,0\n5,1,0\n")
    expect_failure(run("krr", "--kernel", "gaussian", "--dim", 16, "--train", one, "--label-column", "last",
                       "--lambda", 1), "two classes")
    one.unlink()
    # Hold-out selection with a single training row.
    single = tmp_path / "single.csv"
    single.write_text("1,2,0.5\n")
    expect_failure(run("krr", "--kernel", "gaussian", "--dim", 16, "--train", single, "--test", single,
                       "--label-column", "last", "--predictions", out), "hold-out")
    single.unlink()
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.csv", "train.csv"]  # no partial or temporary file


def test_krr_error_json(tmp_path):
    train, _ = labelled_files(tmp_path, n_train=30, n_test=10)
    r = run("krr", "--kernel", "gaussian", "--dim", 16, "--lambda", 0, "--train", train, "--label-column", "last",
            "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert list(out) == ["error"] and list(out["error"]) == ERROR_KEYS
    assert out["error"]["status_name"] == "SUBQ_ERR_PARAM_RANGE" and "--lambda 0" in out["error"]["message"]


def _fmnist_subset(tmp_path, split, rows):
    """The first `rows` images and labels of an installed Fashion-MNIST split, as small IDX files (reading only the
    start of the .gz files keeps the test fast; `subq krr --train fmnist-train` reads all 60,000 images)."""
    import gzip
    prefix = {"train": "train", "test": "t10k"}[split]
    with gzip.open(os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        images = f.read(16 + rows * 784)[16:]
    with gzip.open(os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
        labels = f.read(8 + rows)[8:]
    path = tmp_path / f"{split}-images-idx3-ubyte"
    write_idx(path, [rows, 28, 28], images)
    write_idx(tmp_path / f"{split}-labels-idx1-ubyte", [rows], labels)
    return path


@pytest.mark.skipif(not os.path.isfile(os.path.join(FMNIST_DIR, "t10k-labels-idx1-ubyte.gz")),
                    reason="dataset-fashion-mnist is not installed")
def test_krr_fmnist_small(tmp_path):
    # The main job in miniature: 2,000 training and 500 test images, 1,024 Taylor features of the Gaussian kernel on
    # unit rows. scikit-learn's RBF KRR on 10,000 images reaches 0.87; on 2,000 images about 0.8 is typical, and
    # 0.7 only fails for a broken pipeline (chance is 0.1).
    train, test = _fmnist_subset(tmp_path, "train", 2000), _fmnist_subset(tmp_path, "test", 500)
    out = tmp_path / "pred.npy"
    r = run_json("krr", "--kernel", "gaussian", "--dim", 1024, "--normalize", "--train", train, "--test", test,
                 "--predictions", out)
    assert (r["train_rows"], r["test_rows"], r["classes"]) == (2000, 500, 10)
    assert r["test_accuracy"] >= 0.7
    assert r["seconds_total"] > 0 and r["peak_rss_bytes"] > 0
    assert read_npy(out)[0] == (500, 10)
