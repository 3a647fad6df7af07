#!/usr/bin/python3
"""Scaling benchmark of one training iteration (issue "Subquadratic training"), all in one run.

For m in {2048, 4096, 8192, 16384}, n = 64 Fashion-MNIST images (unit rows, d = 784), L = 3, one output, float32:

  (a) subq Gauss-Newton step, sparse network          (b) the same step in the dense BLAS-3 mode (baseline)
  (c) subq gradient-descent step, sparse network      (d) the same GD step in the dense mode
  (e) PyTorch on CPU: the same network (N(0,1) weights, shifted ReLU, per-point normalised layers, fixed +-1
      output weights), float32, one autograd gradient step (forward, loss.backward(), W -= lr * grad)

At each width the methods run in two groups, so that at most three networks are in memory at once (an m x m
float32 layer is 1 GiB at m = 16384): first the two Gauss-Newton networks (a, b), then the three gradient-step
networks (c, d, e). Within a group every method takes one warm-up step, and then they take R timed steps in turns
(round r: every method steps once, in an order rotated from round to round), each step on a fresh batch of 64 images
(so no step reuses the previous step's forward pass), so that the methods compared with each other see the same
machine load; the table gives medians. subq runs in this process through the ctypes binding (2 OpenMP threads,
OpenBLAS with 2 threads); PyTorch runs in a child process of this script driven over a pipe, with
torch.set_num_threads(2), so the two libraries never share a process or a thread pool. Counted work is read from
the library's per-phase counters (subq_net_counter) over the timed steps.

    SUBQ_LIBRARY=build/libsubq.so.0 /usr/bin/python3 benchmarks/train_scaling.py [--repeats 5] [--quick]

Needs python3-numpy and python3-torch (Debian); prints markdown for benchmarks/RESULTS.md (--json FILE also
writes the raw figures).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FMNIST = os.environ.get("SUBQ_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load_fmnist_images(count: int) -> np.ndarray:
    """The first `count` Fashion-MNIST training images as float32 rows scaled to unit norm (d = 784)."""
    with gzip.open(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784)[:count].astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def load_fmnist_labels(count: int) -> np.ndarray:
    with gzip.open(os.path.join(FMNIST, "train-labels-idx1-ubyte.gz"), "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=8)[:count].astype(np.int64)


def threshold(m: int) -> float:
    return math.sqrt(0.4 * math.log(m))


def slope(xs, ys) -> float:
    lx, ly = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    return float(np.polyfit(lx, ly, 1)[0])


# ---------------------------------------------------------------------------------------------------- PyTorch ---

def torch_worker(args) -> None:
    """Child process: the same network in PyTorch. Reads "step R" lines (R: batch index) from stdin and answers each
    with the step's seconds and loss; batch 0 is the warm-up."""
    import torch

    torch.set_num_threads(args.threads)
    data = np.load(args.batches)
    X, Y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    n, m, d, L, k = args.batch, args.width, X.shape[1], args.depth, Y.shape[1]
    b = threshold(m)
    gen = torch.Generator().manual_seed(1)
    Ws = [torch.randn(m, d if l == 0 else m, generator=gen, dtype=torch.float32).requires_grad_(True)
          for l in range(L)]
    A = (torch.randint(0, 2, (k, m), generator=gen) * 2 - 1).to(torch.float32)

    def step(x, y):
        u = x / x.norm(dim=1, keepdim=True).clamp_min(1e-30)
        for W in Ws:
            h = torch.relu(u @ W.t() - b)                         # shifted ReLU max(g - b, 0)
            u = h / h.norm(dim=1, keepdim=True).clamp_min(1e-30)  # per-point normalised layer (variant N)
        f = u @ A.t()                                             # fixed +-1 output weights
        loss = 0.5 * ((f - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for W in Ws:
                W.add_(W.grad, alpha=-args.lr)
                W.grad = None
        return float(loss)

    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        r = int(line.split()[1])
        x, y = X[r * n:(r + 1) * n], Y[r * n:(r + 1) * n]
        t0 = time.perf_counter()
        loss = step(x, y)
        print(json.dumps({"seconds": time.perf_counter() - t0, "loss": loss}), flush=True)


class TorchMethod:
    """The PyTorch child process, one step per call."""

    def __init__(self, width, depth, x, y, threads, lr, tmp):
        path = os.path.join(tmp, "batches.npz")
        np.savez(path, x=x, y=y)
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--torch-worker", "--width",
                                      str(width), "--depth", str(depth), "--threads", str(threads), "--lr", repr(lr),
                                      "--batches", path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.proc.stdout.readline())
        self.times, self.losses = [], []

    def step(self, r, timed=True):
        self.proc.stdin.write(f"step {r}\n")
        self.proc.stdin.flush()
        out = json.loads(self.proc.stdout.readline())
        if timed:
            self.times.append(out["seconds"])
            self.losses.append(out["loss"])

    def result(self):
        self.proc.stdin.close()
        self.proc.wait()
        return {"times": self.times, "losses": self.losses, **self.info}


class SubqMethod:
    """One subq network (solver gn/gd, mode sparse/dense), one step per call."""

    def __init__(self, subq, width, depth, x, y, solver, mode, lr, threads):
        self.net = subq.Network(x.shape[1], width, depth=depth, outputs=y.shape[1], mode=mode, solver=solver,
                                learning_rate=lr if solver == "gd" else 0.0, dtype=np.float32, seed=1,
                                num_threads=threads)
        self.x, self.y, self.solver, self.depth = x, y, solver, depth
        self._step = self.net.step_gn if solver == "gn" else self.net.step_gd
        self.times, self.losses, self.fired, self.coverage, self.retries = [], [], [], [], 0

    def step(self, r, timed=True):
        n = 64
        xb, yb = np.ascontiguousarray(self.x[r * n:(r + 1) * n]), np.ascontiguousarray(self.y[r * n:(r + 1) * n])
        if not timed:
            self._step(xb, yb)
            self.net.reset_counters()
            return
        t0 = time.perf_counter()
        loss = self._step(xb, yb)
        self.times.append(time.perf_counter() - t0)
        self.losses.append(loss)
        if self.solver == "gn":
            self.retries += int(self.net.step_info()["retries"])
        stats = [self.net.layer_stats(l) for l in range(2, self.depth + 1)]
        self.fired.append(float(np.mean([s["fired_mean"] for s in stats])))
        self.coverage.append(float(np.mean([s["coverage"] for s in stats])))

    def result(self):
        counters = {phase: v / len(self.times) for phase, v in self.net.counters().items()}
        del self.net
        return {"times": self.times, "losses": self.losses, "counters": counters, "fired": float(np.mean(self.fired)),
                "coverage": float(np.mean(self.coverage)), "retries": self.retries}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--widths", type=int, nargs="+", default=[2048, 4096, 8192, 16384])
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-2, help="fixed GD step size (subq and PyTorch)")
    p.add_argument("--quick", action="store_true", help="m = 1024, 2048; 3 repeats")
    p.add_argument("--json", help="also write the raw figures to this file")
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--width", type=int, help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=64, help=argparse.SUPPRESS)
    p.add_argument("--batches", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_worker:
        torch_worker(args)
        return
    if args.quick:
        args.widths, args.repeats = [1024, 2048], 3

    sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
    import subq

    n, R, L = 64, args.repeats, args.depth
    x = load_fmnist_images((R + 1) * n)
    labels = load_fmnist_labels((R + 1) * n)
    y = np.where(labels % 2 == 0, 1.0, -1.0).astype(np.float32).reshape(-1, 1)  # one output: +-1 by label parity

    info = subq.info()
    load = os.getloadavg()[0]
    print(f"subq {info['version']} ({info['blas_vendor']}, {info['max_threads']} OpenMP threads), PyTorch run in a "
          f"child process; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"1-minute load average {load:.2f} at the start.\n", flush=True)
    methods = [("gn", "sparse"), ("gn", "dense"), ("gd", "sparse"), ("gd", "dense")]
    keys = [f"{solver}-{mode}" for solver, mode in methods] + ["torch"]
    groups = [["gn-sparse", "gn-dense"], ["gd-sparse", "gd-dense", "torch"]]
    results, loads = {}, []
    for m in args.widths:
        results[m] = {}
        for group in groups:
            with tempfile.TemporaryDirectory() as tmp:
                runners = {}
                for key in group:
                    if key == "torch":
                        runners[key] = TorchMethod(m, L, x, y, args.threads, args.lr, tmp)
                    else:
                        solver, mode = key.split("-")
                        runners[key] = SubqMethod(subq, m, L, x, y, solver, mode, args.lr, args.threads)
                for key in group:
                    runners[key].step(0, timed=False)  # warm-up
                for r in range(1, R + 1):
                    loads.append(os.getloadavg()[0])
                    shift = (r - 1) % len(group)
                    for key in group[shift:] + group[:shift]:
                        runners[key].step(r)
                for key in group:
                    results[m][key] = runners[key].result()
                del runners
        print(f"  m={m}: " + ", ".join(f"{key} {statistics.median(results[m][key]['times']):.4f} s" for key in keys),
              file=sys.stderr, flush=True)
    load_end = os.getloadavg()[0]

    med = {m: {key: statistics.median(v["times"]) for key, v in row.items()} for m, row in results.items()}
    print(f"n = {n}, L = {L}, d = 784, one output, float32, b = sqrt(0.4 ln m); medians of {R} steps on fresh "
          f"batches after one warm-up, methods in turns within each group; torch {results[args.widths[0]]['torch']['torch']} with "
          f"{results[args.widths[0]]['torch']['threads']} threads. 1-minute load average during the timed rounds: "
          f"{min(loads):.2f} to {max(loads):.2f} (median {statistics.median(loads):.2f}); {load_end:.2f} at the end."
          "\n")
    print("| m | fired s (layers 2-3) | union coverage | subq GN (s) | dense GN (s) | GN speed-up | subq GD (s) | "
          "dense GD (s) | PyTorch GD (s) | GD vs dense | GD vs PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for m in args.widths:
        t, r = med[m], results[m]
        print(f"| {m} | {r['gd-sparse']['fired']:.1f} | {r['gd-sparse']['coverage']:.3f} | {t['gn-sparse']:.4f} | "
              f"{t['gn-dense']:.4f} | **{t['gn-dense'] / t['gn-sparse']:.2f}x** | {t['gd-sparse']:.4f} | "
              f"{t['gd-dense']:.4f} | {t['torch']:.4f} | {t['gd-dense'] / t['gd-sparse']:.2f}x | "
              f"**{t['torch'] / t['gd-sparse']:.2f}x** |")
    print("\nCounted multiply-adds per iteration (all phases, subq_net_counter) and fitted log-log slopes in m:\n")
    print("| m | subq GN | dense GN | subq GD | dense GD |")
    print("|---|---|---|---|---|")
    for m in args.widths:
        r = results[m]
        print(f"| {m} | " + " | ".join(f"{r[key]['counters']['total']:.3e}" for key, _ in
                                       zip(["gn-sparse", "gn-dense", "gd-sparse", "gd-dense"], methods)) + " |")
    work_slopes = {key: slope(args.widths, [results[m][key]["counters"]["total"] for m in args.widths])
                   for key in ["gn-sparse", "gn-dense", "gd-sparse", "gd-dense"]}
    time_slopes = {key: slope(args.widths, [med[m][key] for m in args.widths])
                   for key in ["gn-sparse", "gn-dense", "gd-sparse", "gd-dense", "torch"]}
    print("| slope (work) | " + " | ".join(f"**{work_slopes[k]:.3f}**" if "sparse" in k else f"{work_slopes[k]:.3f}"
                                          for k in ["gn-sparse", "gn-dense", "gd-sparse", "gd-dense"]) + " |")
    print("\nWall-time slopes: " + ", ".join(f"{k} {v:.3f}" for k, v in time_slopes.items()) + ".")
    print("\nCounted work by phase at the largest m (multiply-adds per iteration):\n")
    m = args.widths[-1]
    phases = ["forward", "backward", "update", "rebuild", "gram", "solve"]
    print("| method | " + " | ".join(phases) + " |")
    print("|---|" + "---|" * len(phases))
    for key in ["gn-sparse", "gn-dense", "gd-sparse", "gd-dense"]:
        c = results[m][key]["counters"]
        print(f"| {key} | " + " | ".join(f"{c[ph]:.3e}" for ph in phases) + " |")
    retries = {f"{key} m={m}": results[m][key]["retries"] for m in args.widths for key in ["gn-sparse", "gn-dense"]}
    if any(retries.values()):
        print(f"\nGauss-Newton Levenberg-Marquardt retries (each one more solve, update and trial forward): "
              + ", ".join(f"{k} {v}" for k, v in retries.items() if v))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"widths": args.widths, "repeats": R, "results": {str(k): v for k, v in results.items()},
                       "work_slopes": work_slopes, "time_slopes": time_slopes}, f, indent=1)


if __name__ == "__main__":
    main()
