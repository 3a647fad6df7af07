#!/usr/bin/python3
"""Low-rank kernel approximation from sketches (issue "Kernel ridge regression and low-rank approximation").

On the first n unit-normalised Fashion-MNIST training rows, for each kernel: the relative Frobenius error
‖K − FFᵀ‖_F / ‖K‖_F of the rank-r factor F from subq.low_rank (Taylor features or Nyström landmarks, D columns)
against the best rank-r error of the exact kernel (its top eigenpairs), and their ratio.

    SUBQ_LIBRARY=build/libsubq.so.0 /usr/bin/python3 benchmarks/bench_low_rank.py [--rows 2000] [--dim 4096]
        [--ranks 10,50,200] [--kernels gaussian,arccos1,ntk]

Prints a markdown table for benchmarks/RESULTS.md.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings", "python"))
import subq  # noqa: E402


def fmnist(rows):
    with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 784)[:rows].astype(np.float64) / 255
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--dim", type=int, default=4096)
    ap.add_argument("--ranks", default="10,50,200")
    ap.add_argument("--kernels", default="gaussian,arccos1,ntk")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    x = fmnist(a.rows)
    ranks = [int(r) for r in a.ranks.split(",")]
    print(f"First {a.rows} unit-normalised Fashion-MNIST training rows; D = {a.dim}; seed {a.seed}; "
          f"relative Frobenius error of K ≈ FFᵀ (rank r) against the best rank-r error of the exact K.\n")
    print("| kernel | method | r | relF (sketch) | relF (best rank r) | ratio | seconds |")
    print("|---|---|---|---|---|---|---|")
    for kernel in a.kernels.split(","):
        kw = {"depth": 2} if kernel == "ntk" else {}
        K = subq.kernel_matrix(x, kernel=kernel, **kw)
        w = np.sort(np.clip(np.linalg.eigvalsh(K), 0, None))[::-1]
        norm = np.linalg.norm(K)
        for method in ("taylor", "nystrom"):
            for r in ranks:
                t0 = time.perf_counter()
                F = subq.low_rank(x, r, kernel, method=method, n_components=a.dim, random_state=a.seed, **kw)
                dt = time.perf_counter() - t0
                err = np.linalg.norm(K - F @ F.T) / norm
                best = np.sqrt(np.sum(w[r:] ** 2)) / norm
                print(f"| {kernel} | {method} | {r} | {err:.4f} | {best:.4f} | {err / best:.2f} | {dt:.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
