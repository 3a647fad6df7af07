#!/usr/bin/python3
"""Fashion-MNIST classification with a wide shifted-ReLU network, sparse beside dense (issue "Subquadratic training").

The same network (same seed, so the same initial weights and the same mini-batch order) is trained twice through
the subq Python binding, once in the sparse mode and once in the dense BLAS-3 mode (`--mode dense` of `subq
train`): 10 outputs with one-hot targets, inputs scaled to unit rows (d = 784), mini-batches of 64 drawn by
subq_net_fit from a per-epoch shuffle of the training rows. After every epoch the train and test accuracies
(argmax of the 10 outputs over all training rows and all 10,000 test rows) are recorded; evaluation time is not
included in the training time.

    SUBQ_LIBRARY=build/libsubq.so.0 /usr/bin/python3 benchmarks/train_fmnist.py \\
        [--width 4096] [--depth 3] [--solver gn] [--damping 1] [--epochs 2] [--train-rows 60000] [--modes sparse dense]

Prints markdown for benchmarks/RESULTS.md (--json FILE also writes the raw figures, including every iteration's
loss and time).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def accuracy(net, X, labels, chunk=2048) -> float:
    correct = 0
    for s in range(0, X.shape[0], chunk):
        F = net.predict(X[s:s + chunk])
        correct += int(np.sum(np.argmax(F, axis=1) == labels[s:s + chunk]))
    return correct / X.shape[0]


def train(subq, mode, args, X, Y, labels, Xt, labels_t) -> dict:
    rows = X.shape[0]
    per_epoch = math.ceil(rows / args.batch)
    net = subq.Network(X.shape[1], args.width, depth=args.depth, outputs=10, mode=mode, solver=args.solver,
                       iterations=per_epoch * args.epochs, batch_size=args.batch, damping=args.damping,
                       seed=args.seed, num_threads=args.threads, dtype=np.float32)
    epochs, current = [], {"losses": [], "seconds": []}
    log = []

    def progress(it, loss, fired, rank, seconds):
        current["losses"].append(loss)
        current["seconds"].append(seconds)
        info = net.step_info()
        log.append({"iteration": it, "loss": loss, "seconds": seconds, "fired_fraction": fired,
                    "loss_after": info["loss_after"], "retries": info["retries"]})
        if it % per_epoch == 0:
            t0 = time.perf_counter()
            tr, te = accuracy(net, X, labels), accuracy(net, Xt, labels_t)
            epoch = {"epoch": it // per_epoch, "train_accuracy": tr, "test_accuracy": te,
                     "mean_batch_loss": float(np.mean(current["losses"])), "train_seconds": sum(current["seconds"]),
                     "median_iteration_seconds": statistics.median(current["seconds"]),
                     "fired_fraction": fired, "eval_seconds": time.perf_counter() - t0}
            epochs.append(epoch)
            print(f"  {mode} epoch {epoch['epoch']}: train {tr:.4f} test {te:.4f} loss {epoch['mean_batch_loss']:.3f} "
                  f"{epoch['train_seconds']:.1f} s ({epoch['median_iteration_seconds']:.3f} s/it)", file=sys.stderr,
                  flush=True)
            current["losses"], current["seconds"] = [], []
        return False

    t0 = time.perf_counter()
    net.fit(X, Y, progress=progress)
    wall = time.perf_counter() - t0
    counters = net.counters()
    return {"epochs": epochs, "wall_seconds": wall, "threshold": net.threshold, "muladds": counters["total"],
            "iterations": log}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=int, default=4096)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--solver", choices=["gn", "gd"], default="gn")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--damping", type=float, default=1.0,
                   help="Gauss-Newton damping relative to tr(G)/(n k), in [0, 1]; the library default 1e-10 makes "
                        "every mini-batch step interpolate its batch (see RESULTS.md)")
    p.add_argument("--train-rows", type=int, default=60000, help="use the first N training rows")
    p.add_argument("--modes", nargs="+", default=["sparse", "dense"], choices=["sparse", "dense"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="also write the raw figures to this file")
    args = p.parse_args()

    sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
    import subq

    def unit_rows(X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        return X / np.linalg.norm(X, axis=1, keepdims=True)

    X, y = subq.load("fmnist-train")
    Xt, yt = subq.load("fmnist-test")
    X, y = unit_rows(X[:args.train_rows]), y[:args.train_rows].astype(np.int64)
    Xt, yt = unit_rows(Xt), yt.astype(np.int64)
    Y = np.zeros((X.shape[0], 10), dtype=np.float32)
    Y[np.arange(X.shape[0]), y] = 1.0

    info = subq.info()
    print(f"subq {info['version']} ({info['blas_vendor']}, {args.threads} threads); {os.cpu_count()} CPUs; "
          f"1-minute load average {os.getloadavg()[0]:.2f} at the start.\n", flush=True)
    results = {mode: train(subq, mode, args, X, Y, y, Xt, yt) for mode in args.modes}

    per_epoch = math.ceil(X.shape[0] / args.batch)
    r0 = results[args.modes[0]]
    print(f"Fashion-MNIST: {X.shape[0]} training rows, 10,000 test rows, d = 784 (unit rows); m = {args.width}, "
          f"L = {args.depth}, k = 10, one-hot targets, b = {r0['threshold']:.4f}, float32, solver {args.solver}"
          + (f" (damping {args.damping:g} tr(G)/(n k))" if args.solver == "gn" else "")
          + f", batches of {args.batch} ({per_epoch} iterations per epoch), seed {args.seed}. "
          f"1-minute load average {os.getloadavg()[0]:.2f} at the end.\n")
    header = "| epoch |" + "".join(f" {mode} train acc | {mode} test acc | {mode} mean batch loss | {mode} s/epoch |"
                                   for mode in args.modes)
    print(header)
    print("|---|" + "---|---|---|---|" * len(args.modes))
    for e in range(args.epochs):
        cells = []
        for mode in args.modes:
            ep = results[mode]["epochs"][e]
            cells.append(f" {ep['train_accuracy']:.4f} | {ep['test_accuracy']:.4f} | {ep['mean_batch_loss']:.3f} | "
                         f"{ep['train_seconds']:.1f} |")
        print(f"| {e + 1} |" + "".join(cells))
    print()
    for mode in args.modes:
        its = results[mode]["iterations"]
        med = statistics.median(it["seconds"] for it in its)
        print(f"* {mode}: median {med:.3f} s per iteration, {sum(it['seconds'] for it in its):.0f} s of training, "
              f"{results[mode]['muladds']:.3e} counted multiply-adds, "
              f"{sum(1 for it in its if it['retries'] > 0)} iterations with Levenberg-Marquardt retries.")
    if len(args.modes) == 2:
        a, b = (results[m] for m in args.modes)
        ma = statistics.median(it["seconds"] for it in a["iterations"])
        mb = statistics.median(it["seconds"] for it in b["iterations"])
        diff = max(abs(x["test_accuracy"] - z["test_accuracy"]) for x, z in zip(a["epochs"], b["epochs"]))
        print(f"* per-iteration time {args.modes[1]} / {args.modes[0]}: {mb / ma:.2f}x; largest test-accuracy "
              f"difference between the modes over the epochs: {diff:.4f}.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f)


if __name__ == "__main__":
    main()
