#!/usr/bin/python3
"""Polynomial-kernel features on all 60,000 Fashion-MNIST training rows, subq beside scikit-learn, in one run.

Times the transform of the same unit-normalised float64 matrix (60,000 × 784) to D = 4096 features:
  * scikit-learn's PolynomialCountSketch (TensorSketch; fit is not timed),
  * subq.PolynomialSketch(method="tree") (the tree sketch; its automatic leaves are identity for d = 784),
    on float64 input and on float32 input (float32 output, what the CLI writes for F-MNIST),
  * subq.PolynomialSketch(method="tensorsketch") (the same algorithm as scikit-learn's),
for each degree q given. Medians of --runs runs after one warm-up run (scikit-learn: --sklearn-runs, no warm-up);
ratios are against scikit-learn's median in the same run. scikit-learn is skipped above --sklearn-max-degree: at
q = 8 its transform allocates n × q × D float64 values (29 GiB at n = 60,000).

Run with Debian's python3 (python3-sklearn, python3-numpy) from the repository root after building ./build:
    /usr/bin/python3 benchmarks/bench_poly_sklearn.py [--degrees 2,8,32] [--runs 5] [--sklearn-runs 3]
"""
import argparse
import gzip
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings", "python"))
import subq  # noqa: E402

FMNIST = os.environ.get("SUBQ_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load_fmnist_train():
    with gzip.open(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return x / norms


def timed(fn, runs, warmup):
    if warmup:
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--degrees", default="2,8,32")
    ap.add_argument("--dim", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sklearn-runs", type=int, default=3)
    ap.add_argument("--sklearn-max-degree", type=int, default=2)
    args = ap.parse_args()

    from sklearn.kernel_approximation import PolynomialCountSketch
    import sklearn

    x64 = load_fmnist_train()
    x32 = x64.astype(np.float32)
    n, d = x64.shape
    print(f"# {n} x {d} unit-normalised Fashion-MNIST training rows, D = {args.dim}; "
          f"{os.cpu_count()} CPUs; scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| q | method | input | seconds (median) | vs scikit-learn |")
    print("|---|---|---|---|---|")
    for q in [int(v) for v in args.degrees.split(",")]:
        base = None
        if q <= args.sklearn_max_degree:
            pcs = PolynomialCountSketch(degree=q, n_components=args.dim, random_state=0).fit(x64)
            base = timed(lambda: pcs.transform(x64), args.sklearn_runs, warmup=False)
            print(f"| {q} | scikit-learn PolynomialCountSketch | float64 | {base:.3f} | 1 |", flush=True)
        else:
            print(f"| {q} | scikit-learn PolynomialCountSketch | float64 | not run (needs n·q·D float64 = "
                  f"{n * q * args.dim * 8 / 2**30:.0f} GiB) | — |", flush=True)
        for method, x, label in (("tree", x64, "float64"), ("tree", x32, "float32"),
                                 ("tensorsketch", x64, "float64")):
            ps = subq.PolynomialSketch(degree=q, n_components=args.dim, method=method, random_state=0).fit(x)
            t = timed(lambda: ps.transform(x), args.runs, warmup=True)
            ratio = f"{base / t:.1f}x faster" if base else "—"
            print(f"| {q} | subq {method} | {label} | {t:.3f} | {ratio} |", flush=True)
    print(f"# load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
