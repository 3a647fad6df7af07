#!/usr/bin/python3
"""Kernel ridge classification of Fashion-MNIST: subq.KernelRidge beside scikit-learn, in one run.

Same data for everyone: the first --train-rows training and --test-rows test images of Debian's
dataset-fashion-mnist, rows scaled to unit norm, as float32 (--dtype float64 for double); the Gaussian kernel
e^{−γ‖x−y‖²} with the same γ (scikit-learn's Nystroem(kernel="rbf") and RBFSampler use this convention) and the
same number D of features / landmarks:
  * scikit-learn: Nystroem(n_components=D) + RidgeClassifier, RBFSampler(n_components=D) + RidgeClassifier;
  * subq: KernelRidge(method="nystrom", n_components=D) and KernelRidge(method="taylor", n_components=D)
    (the features are streamed: the n × D matrix is never formed), plus any other --subq-methods.
λ: with --alpha every model uses that fixed λ (RidgeClassifier's alpha is the same λ: features with ZZᵀ ≈ K turn
(ZᵀZ + λI)W = ZᵀY into KRR's (K + λI)α = Y). Without it, subq selects λ by held-out accuracy inside its timed fit,
and each scikit-learn pipeline is given, untimed, the λ its subq counterpart selected (Nystroem ← subq nystrom,
RBFSampler ← subq taylor) — scikit-learn's fit times then leave out the tuning that subq's include.

Fit time covers everything from the training matrix to a fitted model (landmarks, features, solve); predict time
the test matrix to labels. Medians over --repeats runs (same seeds). "× sklearn" columns: the scikit-learn
counterpart's median time / subq's (> 1: subq is faster). Threads: BLAS and OpenMP defaults (all CPUs) for both.

Run with Debian's python3 (python3-sklearn) from the repository root after building (or with $SUBQ_LIBRARY):
    /usr/bin/python3 benchmarks/bench_krr_sklearn.py [--train-rows 10000] [--test-rows 10000] [--dims 4096]
        [--gamma 5] [--alpha L] [--repeats 1] [--subq-methods nystrom,taylor] [--dtype float32]
"""
import argparse
import gzip
import os
import shlex
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings", "python"))
import subq  # noqa: E402

FMNIST = os.environ.get("SUBQ_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load(prefix, rows, dtype):
    with gzip.open(os.path.join(FMNIST, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(FMNIST, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)
    x, y = x[:rows].astype(np.float64), y[:rows]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return np.ascontiguousarray(x / norms, dtype=dtype), y


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def run(make, x, y, xt, yt, repeats):
    """Median fit and predict seconds over the repeats, the accuracy and the last fitted model."""
    fits, preds = [], []
    for _ in range(repeats):
        model = make()
        t0 = time.perf_counter()
        model.fit(x, y)
        fits.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        p = model.predict(xt)
        preds.append(time.perf_counter() - t0)
    return statistics.median(fits), statistics.median(preds), float(np.mean(p == yt)), model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train-rows", type=int, default=10000)
    ap.add_argument("--test-rows", type=int, default=10000)
    ap.add_argument("--dims", type=int, default=4096, help="D: features (RBFSampler, Taylor) or landmarks (Nyström)")
    ap.add_argument("--gamma", type=float, default=5.0, help="γ of e^{−γ‖x−y‖²} (rows have unit norm)")
    ap.add_argument("--alpha", type=float, default=None, help="fixed λ for every model (default: subq selects)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--subq-methods", default="nystrom,taylor")
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import sklearn
    from sklearn.kernel_approximation import Nystroem, RBFSampler
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline

    dtype = np.dtype(args.dtype)
    x, y = load("train", args.train_rows, dtype)
    xt, yt = load("t10k", args.test_rows, dtype)
    D, gamma = args.dims, args.gamma
    cmd = " ".join(shlex.quote(a) for a in ["/usr/bin/python3", "benchmarks/bench_krr_sklearn.py",
                                             f"--train-rows={args.train_rows}", f"--test-rows={args.test_rows}",
                                             f"--dims={D}", f"--gamma={gamma:g}", f"--repeats={args.repeats}",
                                             f"--subq-methods={args.subq_methods}", f"--dtype={args.dtype}"]
                   + ([f"--alpha={args.alpha:g}"] if args.alpha is not None else []))
    load_before = uptime()
    print(f"# Fashion-MNIST: {len(x)} training / {len(xt)} test rows × 784, unit rows, {args.dtype}; Gaussian "
          f"γ = {gamma:g}; D = {D}; {os.cpu_count()} CPUs; subq {subq.version()} ({subq.library_path}), "
          f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; median of {args.repeats} run(s)",
          flush=True)
    print(f"# before: {load_before}", flush=True)

    rows = []  # (name, acc, lam, fit, pred, partner)
    chosen = {}
    for method in [m for m in args.subq_methods.split(",") if m]:
        def make(method=method):
            return subq.KernelRidge(kernel="gaussian", gamma=gamma, method=method, n_components=D, alpha=args.alpha,
                                    random_state=args.seed)
        fit_s, pred_s, acc, model = run(make, x, y, xt, yt, args.repeats)
        chosen[method] = model.alpha_
        extra = "; λ selected by held-out accuracy" if args.alpha is None else ""
        rows.append((f"subq KernelRidge(method={method!r}){extra}", acc, model.alpha_, fit_s, pred_s))
        print(f"#   done: subq {method}: acc {acc:.4f}, λ {model.alpha_:.3g}, fit {fit_s:.2f} s, "
              f"predict {pred_s:.2f} s, solver {model.solver_}", flush=True)
        del model

    def sk_alpha(partner):
        if args.alpha is not None:
            return args.alpha
        return chosen.get(partner, next(iter(chosen.values()), 1e-3))

    sk = [("scikit-learn Nystroem + RidgeClassifier", "nystrom",
           lambda a: make_pipeline(Nystroem(kernel="rbf", gamma=gamma, n_components=D, random_state=args.seed),
                                   RidgeClassifier(alpha=a))),
          ("scikit-learn RBFSampler + RidgeClassifier", "taylor",
           lambda a: make_pipeline(RBFSampler(gamma=gamma, n_components=D, random_state=args.seed),
                                   RidgeClassifier(alpha=a)))]
    sk_times = {}
    for name, partner, build in sk:
        a = sk_alpha(partner)
        fit_s, pred_s, acc, model = run(lambda: build(a), x, y, xt, yt, args.repeats)
        note = "" if args.alpha is not None else f"; λ from subq {partner} (untimed)"
        rows.append((name + note, acc, a, fit_s, pred_s))
        sk_times[partner] = (fit_s, pred_s)
        print(f"#   done: {name}: acc {acc:.4f}, fit {fit_s:.2f} s, predict {pred_s:.2f} s", flush=True)
        del model
    load_after = uptime()

    print()
    print(f"Fashion-MNIST, {len(x)} training / {len(xt)} test images (unit rows, {args.dtype}), Gaussian "
          f"γ = {gamma:g}, D = {D}; {os.cpu_count()} CPUs; scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"median of {args.repeats} run(s).")
    print()
    print("| model | test accuracy | λ | fit s | predict s | fit × sklearn | predict × sklearn |")
    print("|---|---|---|---|---|---|---|")
    for name, acc, lam, fit_s, pred_s in rows:
        ratio_fit = ratio_pred = "—"
        for method in chosen:
            if name.startswith(f"subq KernelRidge(method={method!r})") and method in sk_times:
                sfit, spred = sk_times[method]
                counterpart = "Nystroem" if method == "nystrom" else "RBFSampler"
                ratio_fit = f"{sfit / fit_s:.2f} (vs {counterpart})"
                ratio_pred = f"{spred / pred_s:.2f}"
        print(f"| {name} | {acc:.4f} | {lam:.3g} | {fit_s:.2f} | {pred_s:.2f} | {ratio_fit} | {ratio_pred} |")
    print()
    print(f"Load before: `{load_before}`; after: `{load_after}`.")
    print()
    print(f"Command: `{cmd}`")


if __name__ == "__main__":
    main()
