"""Training speed on the shipped MNIST digits: our engines beside PyTorch and scikit-learn.

Usage::

    python scripts/bench.py                 # full run (a few minutes)
    python scripts/bench.py --quick         # tiny repeats, one thread only (a smoke test)
    python scripts/bench.py --json out.json # also write the figures as JSON

Every measurement runs in its own subprocess, with the thread count fixed
before numpy (or torch) is imported: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and
MKL_NUM_THREADS set to 1 (plus threadpoolctl and torch.set_num_threads when
installed) for the "1 thread" rows, unset for the "default" rows. The four
rows of a group (same workload, batch size, dtype and threads) start together;
each loads the data and trains one warm-up pass, then the parent has them time
one epoch each in turn, several rounds, so that a change in the machine's load
(it may be shared) hits every row alike. A row reports the median samples per
second of its epochs, and its peak resident memory (ru_maxrss) when it exits.
Ratios between rows come from the same run.

Workloads (the MNIST article's network, a larger one, and scikit-learn's defaults):

1. 784-30-10, sigmoid, quadratic cost ½‖a−y‖², float64, lr 3.0, batch 10 and 100;
2. 784-128-64-10, relu, softmax + cross-entropy, lr 0.1, batch 32, float64 and float32;
3. scikit-learn's MLPClassifier defaults: 784-100-10, relu, softmax + log-loss, Adam
   (lr 0.001), batch 200, L2 alpha 1e-4, float64 and float32, on Fashion-MNIST's
   60,000 training images when Debian's dataset-fashion-mnist package is installed
   (/usr/share/datasets/fashion-mnist), else on the shipped digits. Rows:
   ``PerceptronClassifier`` (its batch engine) against ``MLPClassifier``, one epoch
   a ``partial_fit`` call each, and PyTorch with Adam.

Rows: ``perceptron`` engine="sample" and engine="batch", PyTorch (CPU, eager,
the same layers and loss, plain SGD) and scikit-learn's MLPClassifier
(solver="sgd", no momentum, alpha=0; its output layer is always softmax with
log-loss, whatever the workload says). A library that is not installed is
listed as skipped, with the reason.

Achieved GFLOP/s counts the floating-point operations of the matrix products every
implementation performs for one sample: for a layer of out×in weights, the forward
W·a and the backward δ·aᵀ (2·in·out each), and Wᵀ·δ (2·in·out) only below the
first layer (nothing needs the gradient of the input); element-wise work is left out.
The ceilings are large float64 and float32 matrix products, measured in the same run
at the same thread count; "% ceil" is a row's GFLOP/s over the ceiling of its dtype.

The command line's float32 gain is measured too: ``perceptron train --batchsize 100``
with ``--dtype float64`` and ``--dtype float32``, the CPU time of each whole process.

The script checks itself: the two engines, trained from the same seed on the
same samples, must end with the same weights (else it exits with status 1).
Speed targets are reported, not enforced: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

WORKLOADS: dict[str, dict[str, Any]] = {
    "w1": {
        "title": "784-30-10 sigmoid, quadratic",
        "sizes": [784, 30, 10],
        "activation": "sigmoid",
        "output": "sigmoid",
        "cost": "quadratic",
        "lr": 3.0,
    },
    "w2": {
        "title": "784-128-64-10 relu, softmax+CE",
        "sizes": [784, 128, 64, 10],
        "activation": "relu",
        "output": "softmax",
        "cost": "cross_entropy",
        "lr": 0.1,
    },
    "w3": {
        "title": "sklearn defaults 784-100-10 Adam",
        "sizes": [784, 100, 10],
        "activation": "relu",
        "output": "softmax",
        "cost": "cross_entropy",
        "lr": 0.001,
        "optimizer": "adam",
        "alpha": 1e-4,  # MLPClassifier's default L2 penalty
        "data": "fashion",
    },
}
# (workload, batch size, dtype)
CONFIGS = [
    ("w1", 10, "float64"),
    ("w1", 100, "float64"),
    ("w2", 32, "float64"),
    ("w2", 32, "float32"),
    ("w3", 200, "float64"),
    ("w3", 200, "float32"),
]
IMPLS = ("reference", "sample", "batch", "torch", "sklearn")
# The rows of scikit-learn's default workload: the estimators face to face.
ESTIMATOR_IMPLS = ("estimator", "torch", "sklearn")
FASHION = Path("/usr/share/datasets/fashion-mnist")
# With --before PATH: the same engines from another checkout of perceptron, side by side.
BEFORE = ("before-sample", "before-batch")
IMPL_LABEL = {
    "reference": "perceptron reference",
    "sample": "perceptron sample",
    "batch": "perceptron batch",
    "before-sample": "before: sample",
    "before-batch": "before: batch",
    "torch": "PyTorch eager",
    "sklearn": "sklearn MLP*",
    "estimator": "PerceptronClassifier",
}


def nparams(sizes: list[int]) -> int:
    return sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:], strict=False))


def flops_per_sample(sizes: list[int]) -> int:
    """Forward W·a and backward δ·aᵀ in every layer, Wᵀ·δ below the first: 2·in·out each."""
    products = [i * o for i, o in zip(sizes[:-1], sizes[1:], strict=False)]
    return 4 * sum(products) + 2 * sum(products[1:])


def fashion_available() -> bool:
    return (FASHION / "train-images-idx3-ubyte.gz").is_file()


# ---------------------------------------------------------------------------
# worker side: one measurement, run in a fresh subprocess
# ---------------------------------------------------------------------------
def _limit_threads(threads: str) -> None:
    if threads != "1":
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _data(n: int, dtype: str, source: str = "digits") -> tuple[Any, Any, Any]:
    import numpy as np

    from perceptron import load_digits

    if source == "fashion" and fashion_available():
        from perceptron.io.idx import read_idx

        images = read_idx(FASHION / "train-images-idx3-ubyte.gz")
        X_train = images.reshape(len(images), -1) / 255.0
        y_train = read_idx(FASHION / "train-labels-idx1-ubyte.gz").astype(np.int64)
    else:
        X_train, y_train, _, _ = load_digits()
    X = np.ascontiguousarray(X_train[:n], dtype=dtype)
    y = y_train[:n]
    Y = np.eye(10, dtype=dtype)[y]
    return X, Y, y


Epoch = Any  # run_epoch(n, seed) -> mean loss


def serve(run_epoch: Epoch, final: Any, spec: dict[str, Any]) -> None:
    """Warm up, say ready, then time one epoch per "run" line read from stdin.

    The parent drives the workers of one table group in turn, so that their
    repeats interleave and a change in the machine's load hits every row alike.
    """
    run_epoch(spec["warmup"], 0)  # warm-up: caches, buffers, lazy imports
    _say({"ready": True})
    loss = None
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] != "run":
            break
        start = time.perf_counter()
        loss = run_epoch(spec["n"], int(command[1]))
        _say({"time": time.perf_counter() - start})
    _say({"loss": loss, **final()})


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def work_perceptron(spec: dict[str, Any]) -> None:
    import numpy as np

    from perceptron import network, sgd

    w = WORKLOADS[spec["workload"]]
    X, Y, _ = _data(spec["n"], spec["dtype"])
    net = network(
        w["sizes"],
        w["activation"],
        w["cost"],
        output_activation=w["output"],
        rng=0,
        dtype=getattr(np, spec["dtype"]),
    )

    def run_epoch(n: int, seed: int) -> float:
        history = sgd(net, X[:n], Y[:n], spec["batch"], 1, w["lr"], rng=seed, engine=spec["impl"])
        return history.loss[-1]

    def final() -> dict[str, Any]:
        return {"checksum": float(sum(np.abs(layer.weights).sum() for layer in net.layers))}

    serve(run_epoch, final, spec)


def work_torch(spec: dict[str, Any]) -> None:
    import numpy as np

    try:
        import torch
    except ImportError as error:
        return _say({"skipped": f"PyTorch is not installed ({error.msg})"})
    if spec["threads"] == "1":
        torch.set_num_threads(1)
    w = WORKLOADS[spec["workload"]]
    X, Y, y = _data(spec["n"], spec["dtype"], w.get("data", "digits"))
    dtype = getattr(torch, spec["dtype"])
    torch.manual_seed(0)
    layers: list[Any] = []
    sizes = w["sizes"]
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        last = i == len(sizes) - 2
        if w["activation"] == "sigmoid":
            layers.append(torch.nn.Sigmoid())
        elif not last:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dtype)
    if w.get("optimizer") == "adam":  # scikit-learn's Adam: epsilon 1e-8, alpha as decay
        optimizer: Any = torch.optim.Adam(
            model.parameters(), lr=w["lr"], eps=1e-8, weight_decay=w["alpha"]
        )
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=w["lr"])
    X_t = torch.from_numpy(X)
    target = torch.from_numpy(Y) if w["cost"] == "quadratic" else torch.from_numpy(y)
    bs = spec["batch"]

    def loss_fn(out: Any, t: Any) -> Any:
        if w["cost"] == "quadratic":  # ½‖a−y‖² per sample, averaged over the batch
            return 0.5 * ((out - t) ** 2).sum(dim=1).mean()
        return torch.nn.functional.cross_entropy(out, t)  # softmax + cross-entropy

    def run_epoch(n: int, seed: int) -> float:
        order = torch.from_numpy(np.random.default_rng(seed).permutation(n))
        Xs, Ts = X_t[:n][order], target[:n][order]
        total = 0.0
        for begin in range(0, n, bs):
            xb, tb = Xs[begin : begin + bs], Ts[begin : begin + bs]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), tb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        return total / n

    serve(run_epoch, lambda: {"version": torch.__version__}, spec)


def work_sklearn(spec: dict[str, Any]) -> None:
    import warnings

    import numpy as np

    try:
        import sklearn
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError as error:
        return _say({"skipped": f"scikit-learn is not installed ({error.msg})"})
    w = WORKLOADS[spec["workload"]]
    X, _, y = _data(spec["n"], spec["dtype"], w.get("data", "digits"))
    if w.get("optimizer") == "adam":  # scikit-learn's own defaults, but for the batch
        clf = MLPClassifier(hidden_layer_sizes=tuple(w["sizes"][1:-1]), random_state=0)
        clf.set_params(batch_size=spec["batch"])
    else:
        clf = _sgd_classifier(w, spec["batch"])
    classes = np.arange(10)

    def run_epoch(n: int, seed: int) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(X[:n], y[:n], classes=classes)  # one epoch per call
        return float(clf.loss_)

    serve(run_epoch, lambda: {"version": sklearn.__version__}, spec)


def _sgd_classifier(w: dict[str, Any], batch: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=tuple(w["sizes"][1:-1]),
        activation="logistic" if w["activation"] == "sigmoid" else "relu",
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        batch_size=batch,
        learning_rate="constant",
        learning_rate_init=w["lr"],
        alpha=0.0,
        max_iter=1,
        shuffle=True,
        random_state=0,
    )


def work_estimator(spec: dict[str, Any]) -> None:
    """PerceptronClassifier at scikit-learn's defaults, one epoch a partial_fit call."""
    import numpy as np

    try:
        from perceptron.sklearn import PerceptronClassifier
    except ImportError as error:
        return _say({"skipped": f"scikit-learn is not installed ({error.msg})"})
    w = WORKLOADS[spec["workload"]]
    X, _, y = _data(spec["n"], spec["dtype"], w.get("data", "digits"))
    clf = PerceptronClassifier(
        tuple(w["sizes"][1:-1]),
        "relu",
        optimizer="adam",
        lr=w["lr"],
        epsilon=1e-8,  # scikit-learn's
        batchsize=spec["batch"],
        # MLPClassifier adds alpha·W / (batch rows) to a batch's mean gradient; ours adds
        # (l2 / N)·W, so l2 = alpha·N / batch is the same penalty.
        l2=w["alpha"] * spec["n"] / spec["batch"],
        dtype=spec["dtype"],
        random_state=0,
    )
    classes = np.arange(10)

    def run_epoch(n: int, seed: int) -> float:
        clf.partial_fit(X[:n], y[:n], classes=classes)  # one epoch per call
        return float(clf.loss_curve_[-1])

    serve(run_epoch, lambda: {}, spec)


def work_ceiling(spec: dict[str, Any]) -> None:
    import numpy as np

    n = spec["size"]
    rng = np.random.default_rng(0)
    A, B = (rng.random((n, n)).astype(spec["dtype"]) for _ in range(2))
    A @ B
    times = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        A @ B
        times.append(time.perf_counter() - start)
    _say({"gflops": 2 * n**3 / statistics.median(times) / 1e9})


def work_products(spec: dict[str, Any]) -> None:
    """The matrix products the batch engine computes for one batch, and nothing else.

    Same shapes and memory layouts as the engine (rows are samples): Z = A Wᵀ per
    layer, D_lᵀ A_{l−1} per layer and D_{l+1} W_{l+1} below the first. Their
    GFLOP/s bound what an engine made of them can reach on this machine.
    """
    import numpy as np

    sizes, n, dtype = spec["sizes"], spec["batch"], spec["dtype"]
    rng = np.random.default_rng(0)
    W = [rng.random((o, i)).astype(dtype) for i, o in zip(sizes[:-1], sizes[1:], strict=False)]
    A = [rng.random((n, k)).astype(dtype) for k in sizes]  # A[0] = X, A[l+1] = layer l's a
    D = [rng.random((n, w.shape[0])).astype(dtype) for w in W]
    G = [np.empty_like(d) for d in D]
    grads = [np.empty_like(w) for w in W]

    def batch() -> None:
        for l, w in enumerate(W):
            np.matmul(A[l], w.T, out=A[l + 1])
        for l in range(len(W) - 1, -1, -1):
            np.matmul(D[l].T, A[l], out=grads[l])
            if l > 0:
                np.matmul(D[l], W[l], out=G[l - 1])

    batch()
    times = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        for _ in range(50):
            batch()
        times.append((time.perf_counter() - start) / 50)
    _say({"gflops": flops_per_sample(sizes) * n / statistics.median(times) / 1e9})


def worker(spec: dict[str, Any]) -> None:
    _limit_threads(spec["threads"])
    kind = spec["impl"]
    if kind in BEFORE:
        sys.path.insert(0, spec["before"])  # import that checkout's perceptron instead
        spec = {**spec, "impl": kind.removeprefix("before-")}
        kind = spec["impl"]
    if kind in ("reference", "sample", "batch"):
        work_perceptron(spec)
    elif kind == "torch":
        work_torch(spec)
    elif kind == "sklearn":
        work_sklearn(spec)
    elif kind == "estimator":
        work_estimator(spec)
    elif kind == "products":
        work_products(spec)
    else:
        work_ceiling(spec)


# ---------------------------------------------------------------------------
# parent side: spawn the measurements, print the table
# ---------------------------------------------------------------------------
def _env(threads: str) -> dict[str, str]:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env.pop(var, None)
        if threads == "1":
            env[var] = "1"
    return env


def _maxrss_mb(rusage: Any) -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1.0 if sys.platform == "darwin" else 1024.0
    return rusage.ru_maxrss * scale / 2**20


def run_child(
    argv: list[str], env: dict[str, str]
) -> tuple[int, str, str, float | None, float | None]:
    """Run argv to the end; return code, stdout, stderr, its peak resident MB and CPU s."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        peak = cpu = None
        if hasattr(os, "wait4"):
            # Reap the child ourselves: wait4 gives that one process's own rusage.
            _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            peak = _maxrss_mb(rusage)
            cpu = rusage.ru_utime + rusage.ru_stime
        else:
            proc.wait()
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), peak, cpu


class Child:
    """A worker subprocess: JSON lines out, commands in; its rusage when it ends."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.err = tempfile.TemporaryFile("w+")
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
        self.proc = subprocess.Popen(
            argv,
            env=_env(spec["threads"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            text=True,
        )

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        return json.loads(line) if line.strip() else {}

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def finish(self) -> tuple[int, str, float | None]:
        """Close stdin, reap the child; return code, stderr and peak resident MB."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.stdout.close()
        peak = None
        if hasattr(os, "wait4"):
            # Reap the child ourselves: wait4 gives that one process's own rusage.
            _, status, rusage = os.wait4(self.proc.pid, 0)
            self.proc.returncode = os.waitstatus_to_exitcode(status)
            peak = _maxrss_mb(rusage)
        else:
            self.proc.wait()
        self.err.seek(0)
        err = self.err.read()
        self.err.close()
        return self.proc.returncode, err, peak


SETTLE = 0.5  # seconds between two rows' epochs at default threads


def measure_group(specs: list[dict[str, Any]], repeats: int) -> list[dict[str, Any]]:
    """Time the rows of one group with their epochs interleaved (row 1, 2, ..., 1, 2, ...)."""
    children = [Child(spec) for spec in specs]
    rows = [dict(spec) for spec in specs]
    ready = []
    for child, row in zip(children, rows, strict=True):
        hello = child.read()  # waits for its data loading and warm-up
        if hello.get("ready"):
            ready.append((child, row))
            row["times"] = []
        elif "skipped" in hello:
            row["skipped"] = hello["skipped"]
    for r in range(repeats):
        for child, row in ready:
            if row["threads"] != "1":
                # A library's idle threads spin for a while after its epoch (OpenBLAS,
                # PyTorch's OpenMP pool); let them go to sleep before the next row's epoch.
                time.sleep(SETTLE)
            child.send(f"run {r + 1}")
            row["times"].append(child.read().get("time"))
    for child, row in ready:
        child.send("done")
        row.update(child.read())
    for child, row in zip(children, rows, strict=True):
        code, err, peak = child.finish()
        row["peak_mb"] = peak
        if code != 0 or None in row.get("times", []):
            tail = err.strip().splitlines()[-1:] or ["no output"]
            row["error"] = f"exit {code}: {tail[0]}"
            row.pop("times", None)
        elif "times" in row:
            row["samples_per_s"] = row["n"] / statistics.median(row["times"])
            flops = flops_per_sample(WORKLOADS[row["workload"]]["sizes"])
            row["gflops"] = row["samples_per_s"] * flops / 1e9
    return rows


def measure_ceiling(threads: str, size: int, dtype: str) -> float | None:
    spec = {"impl": "ceiling", "threads": threads, "size": size, "repeats": 5, "dtype": dtype}
    child = Child(spec)
    result = child.read()
    child.finish()
    return result.get("gflops")


def measure_products(threads: str, workload: str, batch: int, dtype: str) -> float | None:
    """GFLOP/s of the batch engine's matrix products alone (see work_products)."""
    spec = {"impl": "products", "threads": threads, "sizes": WORKLOADS[workload]["sizes"],
            "batch": batch, "dtype": dtype, "repeats": 5}  # fmt: skip
    child = Child(spec)
    result = child.read()
    child.finish()
    return result.get("gflops")


def measure_cli(quick: bool) -> dict[str, Any]:
    """Peak resident memory of `perceptron train` with its defaults."""
    argv = [sys.executable, "-m", "perceptron", "train"]
    if quick:
        argv += ["--epochs", "1"]
    started = time.perf_counter()
    code, out, err, peak, _ = run_child(argv, _env("default"))
    row: dict[str, Any] = {
        "command": "perceptron train" + (" --epochs 1" if quick else ""),
        "peak_mb": peak,
        "seconds": time.perf_counter() - started,
    }
    if code != 0:
        row["error"] = f"exit {code}: {(err.strip().splitlines() or ['no output'])[-1]}"
    return row


def measure_cli_dtypes(quick: bool, repeats: int) -> dict[str, Any]:
    """CPU seconds of `perceptron train --batchsize 100` in float64 and in float32.

    The two commands alternate, ``repeats`` times each, after one untimed run each; the
    median CPU time of each whole process (imports and data loading included) is kept.
    Python caches its bytecode as on a user's machine (PYTHONDONTWRITEBYTECODE, set in
    some sandboxes, is dropped): otherwise every run compiles the package again.
    """
    epochs = ["--epochs", "1"] if quick else []  # the command: the default 30 epochs
    cpu: dict[str, list[float]] = {"float64": [], "float32": []}
    errors = []
    env = {k: v for k, v in _env("default").items() if k != "PYTHONDONTWRITEBYTECODE"}
    for round_ in range(repeats + 1):
        for dtype in cpu:
            argv = [sys.executable, "-m", "perceptron", "train", "--batchsize", "100"]
            argv += [*epochs, "--dtype", dtype]
            code, _, err, _, seconds = run_child(argv, env)
            if code != 0 or seconds is None:
                errors.append(f"{dtype}: exit {code}: {err.strip()[-200:]}")
            elif round_:  # round 0 warms up (and writes the bytecode)
                cpu[dtype].append(seconds)
    result: dict[str, Any] = {
        "command": " ".join(["perceptron train --batchsize 100", *epochs, "--dtype D"]),
        "cpu_s": {d: statistics.median(t) if t else None for d, t in cpu.items()},
    }
    f64, f32 = result["cpu_s"]["float64"], result["cpu_s"]["float32"]
    result["ratio"] = f64 / f32 if f64 and f32 else None
    if errors:
        result["error"] = errors[0]
    return result


def _fmt(x: float | None, digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'threads':<8}{'workload':<33}{'batch':>6} {'dtype':<8}{'implementation':<21}"
        f"{'samples/s':>11}{'×torch':>8}{'×sklearn':>9}{'GFLOP/s':>9}{'% ceil':>8}"
        f"{'peak MB':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        w = WORKLOADS[row["workload"]]
        lead = (
            f"{row['threads']:<8}{w['title']:<33}{row['batch']:>6} {row['dtype']:<8}"
            f"{IMPL_LABEL[row['impl']]:<21}"
        )
        if "samples_per_s" not in row:
            print(f"{lead}skipped: {row.get('skipped') or row.get('error')}")
            continue
        print(
            f"{lead}{_fmt(row['samples_per_s']):>11}{_fmt(row.get('x_torch'), 2):>8}"
            f"{_fmt(row.get('x_sklearn'), 2):>9}{_fmt(row['gflops'], 2):>9}"
            f"{_fmt(row.get('pct_ceiling'), 1):>8}{_fmt(row['peak_mb']):>9}"
        )


def add_ceiling_fractions(rows: list[dict[str, Any]], ceilings: dict[str, Any]) -> None:
    """Each row's GFLOP/s as a percentage of the ceiling of its thread count and dtype."""
    for row in rows:
        ceiling = ceilings.get(row["threads"], {}).get(row["dtype"])
        if "gflops" in row and ceiling:
            row["pct_ceiling"] = 100 * row["gflops"] / ceiling


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """Speed-ups over PyTorch and scikit-learn: the median of the per-round ratios.

    Round r timed one epoch of every row of the group back to back, so
    t_other[r] / t_row[r] compares epochs run under the same machine load.
    """
    groups: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
    for row in rows:
        key = (row["threads"], row["workload"], row["batch"], row["dtype"])
        groups.setdefault(key, {})[row["impl"]] = row
    for group in groups.values():
        for other in ("torch", "sklearn"):
            base = group.get(other, {}).get("times")
            for row in group.values():
                if base and row.get("times") and len(row["times"]) == len(base):
                    paired = [b / t for b, t in zip(base, row["times"], strict=True)]
                    row[f"x_{other}"] = statistics.median(paired)


def find(rows: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    for row in rows:
        if all(row.get(k) == v for k, v in keys.items()):
            return row
    return {}


def _goal(label: str, value: float | None, goal: float) -> dict[str, Any]:
    return {"target": label, "value": value, "met": None if value is None else value >= goal}


def targets(
    rows: list[dict[str, Any]], cli: dict[str, Any], dtypes: dict[str, Any]
) -> list[dict[str, Any]]:
    """The issue's targets, from this run's figures (reported, never enforced)."""
    w1 = {"threads": "1", "workload": "w1", "impl": "batch"}
    out = [
        _goal(
            "batch engine, batch 100, % of the float64 ceiling (1 thread) >= 75",
            find(rows, batch=100, **w1).get("pct_ceiling"),
            75.0,
        ),
        _goal(
            "batch engine vs scikit-learn, batch 10 (1 thread) >= 1.5x",
            find(rows, batch=10, **w1).get("x_sklearn"),
            1.5,
        ),
        _goal(
            "batch engine vs PyTorch, batch 10 (1 thread) >= 4.0x",
            find(rows, batch=10, **w1).get("x_torch"),
            4.0,
        ),
    ]
    for threads in ("1", "default"):
        row = find(rows, threads=threads, workload="w3", dtype="float64", impl="estimator")
        if row or threads == "1":
            out.append(
                _goal(
                    f"PerceptronClassifier vs MLPClassifier at scikit-learn's defaults "
                    f"({threads} thread{'s' if threads != '1' else ''}) >= 1.2x",
                    row.get("x_sklearn"),
                    1.2,
                )
            )
    out.append(
        _goal(
            "perceptron train --batchsize 100: CPU float64 / float32 >= 1.4x",
            dtypes.get("ratio"),
            1.4,
        )
    )
    peak = cli.get("peak_mb")
    out.append(
        {
            "target": f"{cli['command']} peak resident < 200 MB",
            "value": peak,
            "met": None if peak is None or "error" in cli else peak < 200,
        }
    )
    return out


def check_engines(rows: list[dict[str, Any]]) -> list[str]:
    """The two engines, same seed and samples, must end with the same weights."""
    problems = []
    for row in rows:
        if row["impl"] != "sample" or "checksum" not in row:
            continue
        twin = find(
            rows,
            threads=row["threads"],
            workload=row["workload"],
            batch=row["batch"],
            dtype=row["dtype"],
            impl="batch",
        )
        if "checksum" not in twin:
            problems.append(f"no batch-engine twin for {row['workload']} batch {row['batch']}")
            continue
        tol = 1e-4 if row["dtype"] == "float32" else 1e-8
        rel = abs(row["checksum"] - twin["checksum"]) / abs(twin["checksum"])
        if rel > tol:
            problems.append(
                f"{row['threads']} thread(s), {row['workload']} batch {row['batch']} "
                f"{row['dtype']}: "
                f"the engines' weights differ by {rel:.2e} (relative), more than {tol:.0e}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny repeats, 1 thread only")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    parser.add_argument("--repeats", type=int, help="timed epochs per row (default 5, quick 2)")
    parser.add_argument(
        "--threads", choices=("1", "default", "both"), help="(default both, quick 1)"
    )
    parser.add_argument(
        "--before",
        metavar="CHECKOUT",
        help="also time the sample and batch engines of another checkout (a folder holding "
        "its perceptron/ package), e.g. a git worktree of an earlier commit",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return 0

    quick = args.quick
    repeats = args.repeats or (2 if quick else 5)
    threads = args.threads or ("1" if quick else "both")
    thread_list = ["1", "default"] if threads == "both" else [threads]
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(f"{describe_data(quick)}; median of {repeats} epochs per row\n")

    ceilings: dict[str, dict[str, float | None]] = {}
    size = 512 if quick else 2048
    for t in thread_list:
        ceilings[t] = {d: measure_ceiling(t, size, d) for d in ("float64", "float32")}
        print(
            f"ceiling ({t} thread{'s' if t != '1' else ''}): {size}x{size} matrix product: "
            f"float64 {_fmt(ceilings[t]['float64'], 1)} GFLOP/s, "
            f"float32 {_fmt(ceilings[t]['float32'], 1)} GFLOP/s"
        )
    print()

    rows = []
    for t in thread_list:
        for workload, batch, dtype in CONFIGS:
            if quick and (workload, dtype) == ("w3", "float32"):
                continue
            rows += measure_group(group_specs(workload, batch, dtype, t, quick, args), repeats)
    add_ratios(rows)
    add_ceiling_fractions(rows, ceilings)
    print_table(rows)
    print(LEGEND.format(**{k: f"{flops_per_sample(w['sizes']):,}" for k, w in WORKLOADS.items()}))

    cli = measure_cli(quick)
    print(
        f"\n{cli['command']}: peak resident {_fmt(cli['peak_mb'])} MB, "
        f"{cli['seconds']:.1f} s" + (f" ({cli['error']})" if "error" in cli else "")
    )
    dtypes = measure_cli_dtypes(quick, 1 if quick else 3)
    cpu = dtypes["cpu_s"]
    print(
        f"{dtypes['command']}: CPU float64 {_fmt(cpu['float64'], 2)} s, float32 "
        f"{_fmt(cpu['float32'], 2)} s: float32 takes {_fmt(dtypes['ratio'], 2)}x less CPU"
        + (f" ({dtypes['error']})" if "error" in dtypes else "")
    )

    bound = measure_products("1", "w1", 100, "float64")
    ceiling64 = ceilings.get("1", {}).get("float64")
    products_pct = 100 * bound / ceiling64 if bound and ceiling64 else None
    print(
        f"the batch engine's matrix products alone, {WORKLOADS['w1']['title']}, batch 100, "
        f"float64, 1 thread: {_fmt(bound, 1)} GFLOP/s = {_fmt(products_pct, 1)}% of the ceiling "
        "(what an engine made of these products can reach here)"
    )
    engine_pct = find(rows, threads="1", workload="w1", impl="batch", batch=100).get("pct_ceiling")
    if engine_pct and products_pct:
        print(
            f"the batch engine at batch 100 runs at {100 * engine_pct / products_pct:.0f}% of that"
        )

    goals = targets(rows, cli, dtypes)
    print("\ntargets (ratios and fractions from this run):")
    for goal in goals:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[goal["met"]]
        print(f"  {goal['target']}: {_fmt(goal['value'], 2)} -> {verdict}")

    problems = check_engines(rows)
    problems += [f"{r['impl']} row failed: {r['error']}" for r in rows if "error" in r]
    if "error" in dtypes:
        problems.append(f"perceptron train --dtype failed: {dtypes['error']}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "quick": quick,
                    "ceiling_gflops": ceilings,
                    "rows": rows,
                    "cli": cli,
                    "cli_dtypes": dtypes,
                    "targets": goals,
                    "products_gflops": bound,
                    "problems": problems,
                },
                indent=2,
            )
        )
    if problems:
        print("\nMISMATCH:\n  " + "\n  ".join(problems))
        return 1
    print("\nself-check: both engines ended with the same weights in every workload")
    return 0


LEGEND = """
×torch, ×sklearn: the median over rounds of the ratio of epoch times in one round.
* scikit-learn's MLPClassifier always ends in softmax with log-loss, so in workload 1
  its output layer and cost differ from the others (sigmoid, quadratic).
GFLOP/s = samples/s x FLOP a sample (forward W·a and backward δ·aᵀ in every layer, Wᵀ·δ
below the first, 2·in·out each): workload 1 {w1}, workload 2 {w2}, workload 3 {w3}.
% ceil = GFLOP/s over the ceiling of the row's thread count and dtype."""


def sizes_of(workload: str, quick: bool) -> tuple[int, int]:
    """(training rows, warm-up rows) of a workload."""
    if quick:
        return 400, 100
    if WORKLOADS[workload].get("data") == "fashion" and fashion_available():
        return 60000, 2000
    return 8000, 1000


def describe_data(quick: bool) -> str:
    n, warmup = sizes_of("w1", quick)
    text = f"workloads 1-2: {n} MNIST training digits, warm-up {warmup} samples"
    n3, warmup3 = sizes_of("w3", quick)
    source = (
        "Fashion-MNIST training images"
        if fashion_available()
        else "MNIST training digits (Fashion-MNIST not installed)"
    )
    return f"{text}; workload 3: {n3} {source}, warm-up {warmup3}"


def group_specs(
    workload: str, batch: int, dtype: str, threads: str, quick: bool, args: Any
) -> list[dict[str, Any]]:
    """The rows of one group: same workload, batch, dtype and threads."""
    n, warmup = sizes_of(workload, quick)
    impls = ESTIMATOR_IMPLS if workload == "w3" else IMPLS + (BEFORE if args.before else ())
    return [
        {
            "impl": impl,
            "threads": threads,
            "workload": workload,
            "batch": batch,
            "dtype": dtype,
            "n": n,
            "warmup": warmup,
            "before": args.before,
        }
        for impl in impls
    ]


if __name__ == "__main__":
    sys.exit(main())
