"""BLAS threads: the library's default against one thread, quiet and beside a busy process.

Usage::

    python scripts/threads_bench.py            # full run (about two minutes)
    python scripts/threads_bench.py --quick    # a smoke test (tests run it)

The workload is the one where several BLAS threads used to cost the most: one
epoch of 784-100-10 (relu, softmax + cross-entropy, plain SGD) with the batch
engine at batch 10, on the shipped digits. Three rows, each in its own
subprocess, their epochs interleaved round by round (the first two together, then
the third beside a fresh one-thread row):

* ``default``: ``sgd(...)`` as a user calls it (no thread option, no
  environment variable): the rule of :mod:`perceptron.threads` decides;
* ``one thread``: ``OPENBLAS_NUM_THREADS=1`` (and OMP, MKL) and ``threads=1``;
* ``all cores``: ``threads=os.cpu_count()``, what the BLAS library did on its
  own before the library chose (for comparison).

Each epoch's wall time (``perf_counter``) and CPU time (the process's user +
system time, all its threads) are measured inside the worker. A ratio is the
median over rounds of (row's epoch) / (one thread's epoch in the same round);
between two epochs the parent waits half a second, for the BLAS threads of the
last one (which spin for a while after their work) to go to sleep.
The rounds run twice: on a quiet machine, then with a competing busy process
(a Python loop pinned to the last CPU where ``sched_setaffinity`` exists).

The issue's targets, printed, not enforced (timings on a shared machine are
noisy): default CPU ≤ 1.25× one thread and wall ≤ 1.1× when quiet; default
wall ≤ 1.3× one thread beside the busy process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ROWS = ("default", "one thread", "all cores")
SETTLE = 0.5  # seconds between two rows' epochs


def worker(mode: str, n: int) -> None:
    """Train epochs on command ("run"), answering each with its wall and CPU seconds."""
    from perceptron import load_digits, network, one_hot, sgd

    X, y, _, _ = load_digits()
    X, Y = X[:n], one_hot(y[:n], 10)
    net = network([784, 100, 10], "relu", "cross_entropy", rng=0)
    threads = {"default": None, "one thread": 1, "all cores": os.cpu_count() or 1}[mode]

    def epoch(seed: int) -> None:
        sgd(net, X, Y, 10, 1, 0.05, rng=seed, engine="batch", threads=threads)

    epoch(0)  # warm-up
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.startswith("run"):
            break
        cpu0, wall0 = _cpu(), time.perf_counter()
        epoch(int(line.split()[1]))
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _env(mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    if mode == "one thread":
        env.update({var: "1" for var in THREAD_VARS})
    return env


def _start(mode: str, n: int) -> subprocess.Popen[str]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--n", str(n)]
    return subprocess.Popen(
        argv, env=_env(mode), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _ask(proc: subprocess.Popen[str], command: str | None = None) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    if command is not None:
        proc.stdin.write(command + "\n")
        proc.stdin.flush()
    line = proc.stdout.readline()
    if not line.strip():
        raise RuntimeError(f"a worker ended early (exit {proc.wait()})")
    return dict(json.loads(line))


def busy() -> subprocess.Popen[str]:
    """A competing process: a Python loop, on the last CPU when the OS lets us pin it."""
    code = (
        "import os\n"
        "if hasattr(os, 'sched_setaffinity') and (os.cpu_count() or 1) > 1:\n"
        "    os.sched_setaffinity(0, {os.cpu_count() - 1})\n"
        "while True:\n    pass\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], text=True)


def measure(n: int, rounds: int, competing: bool) -> dict[str, dict[str, float]]:
    """The rows in two phases, each beside its own one-thread epochs: default against
    one thread, then all cores against one thread (fewer rounds: its epochs are long,
    and its spinning threads must not slow the default row down)."""
    out = _phase(("default", "one thread"), n, rounds, competing)
    out["all cores"] = _phase(("all cores", "one thread"), n, min(rounds, 2), competing)[
        "all cores"
    ]
    return {mode: out[mode] for mode in ROWS}


def _phase(
    rows: tuple[str, ...], n: int, rounds: int, competing: bool
) -> dict[str, dict[str, float]]:
    """Median ratios to one thread, and median seconds, of every row's epochs."""
    workers = {mode: _start(mode, n) for mode in rows}
    load = None
    try:
        for proc in workers.values():
            _ask(proc)  # ready
        if competing:
            load = busy()
            time.sleep(0.5)
        times: dict[str, list[dict[str, Any]]] = {mode: [] for mode in rows}
        for r in range(rounds):
            for mode, proc in workers.items():
                times[mode].append(_ask(proc, f"run {r + 1}"))
                # An idle BLAS thread spins for a while before it sleeps: let the last
                # row's threads settle so that they do not slow the next row down.
                time.sleep(SETTLE)
    finally:
        if load is not None:
            load.kill()
            load.wait()
        for proc in workers.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    base = times["one thread"]
    out = {}
    for mode in rows:
        row: dict[str, float] = {}
        for key in ("cpu", "wall"):
            row[key] = statistics.median(t[key] for t in times[mode])
            row[f"{key}_ratio"] = statistics.median(
                t[key] / b[key] for t, b in zip(times[mode], base, strict=True)
            )
        out[mode] = row
    return out


def report(title: str, result: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'row':<12}{'wall s':>9}{'CPU s':>9}{'wall ratio':>12}{'CPU ratio':>11}")
    for mode, row in result.items():
        print(
            f"{mode:<12}{row['wall']:>9.2f}{row['cpu']:>9.2f}"
            f"{row['wall_ratio']:>12.2f}{row['cpu_ratio']:>11.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 samples, 2 rounds")
    parser.add_argument("--rounds", type=int, help="epochs per row (default 5, quick 2)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=8000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.n)
        return 0
    n = 400 if args.quick else 8000
    rounds = args.rounds or (2 if args.quick else 5)
    print(
        f"784-100-10 relu, softmax + cross-entropy, batch engine, batch 10, {n} digits an "
        f"epoch; {os.cpu_count()} CPUs; median of {rounds} rounds; ratios to one thread"
    )
    quiet = measure(n, rounds, competing=False)
    report("no competing process (of ours)", quiet)
    loaded = measure(n, rounds, competing=True)
    report("beside a busy process (a Python loop on the last CPU)", loaded)
    goals = [
        ("default CPU / one thread, quiet <= 1.25", quiet["default"]["cpu_ratio"], 1.25),
        ("default wall / one thread, quiet <= 1.1", quiet["default"]["wall_ratio"], 1.1),
        ("default wall / one thread, busy <= 1.3", loaded["default"]["wall_ratio"], 1.3),
    ]
    print("\ntargets (from this run):")
    for label, value, limit in goals:
        print(f"  {label}: {value:.2f} -> {'met' if value <= limit else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "quick": args.quick,
                    "quiet": quiet,
                    "busy": loaded,
                    "targets": [
                        {"target": label, "value": value, "met": value <= limit}
                        for label, value, limit in goals
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
