"""Lost work: unusable targets, failing checkpoints, double interrupts, long runs.

Each trial draws one of these and must end with nothing lost:

- ``targets``: ``perceptron train`` with a ``--save``, ``--checkpoint``, ``--plot`` or
  ``--report`` target it cannot use (no such folder, a folder, a path under a file,
  the training data itself, a format it cannot write): refused before the first
  epoch (status 2, no epoch line) and nothing written;
- ``ckpt_fail``: the k-th checkpoint write fails as a full disk would: the run stops
  with status 1 and ``--save`` holds exactly the k epochs done; run again, the
  same command resumes from the last good checkpoint to the very weights of an
  uninterrupted run;
- ``sigint2``: two real SIGINTs 0 to 30 ms apart to ``perceptron train --save``
  (a child process): status 130, no traceback, a whole model saved;
- ``launch``: one real SIGINT 30 to 300 ms after the command starts, while Python
  loads the library: status 130 and one line, no traceback;
- ``long``: a checkpointed run of many epochs (100,000 in the full drill): the
  checkpoint keeps its size, a save takes as long at the end as at the start, and
  the run resumes to the weights of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rigging import finish, identical, terminal_sigint, write_csv

import perceptron as pc
from perceptron.cli import main as cli
from perceptron.io import checkpoint as checkpoint_module
from perceptron.io.model import load_with_meta
from perceptron.reports.plots import plotting_available

KINDS = ("targets", "ckpt_fail", "sigint2", "launch", "long")
TRAIN = ["--layers", "6,3", "--lr", "0.5", "--seed", "1"]


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(args)
    return code, out.getvalue(), err.getvalue()


def _data(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    rows = [[*(f"{v:.4f}" for v in row), int(k)] for row, k in zip(X, y, strict=True)]
    return write_csv(folder / "lost_work.csv", ["a", "b", "c", "label"], rows)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _targets(rng: np.random.Generator, folder: Path, data: Path) -> bool:
    options = ["--save", "--checkpoint", "--plot"] + (["--report"] if plotting_available() else [])
    option = options[int(rng.integers(len(options)))]
    afile = folder / "a_file.txt"
    afile.write_text("not a folder\n")
    (folder / "a_folder").mkdir(exist_ok=True)
    bad = {
        "no folder": folder / "missing" / "out.npz",
        "a folder": folder / "a_folder",
        "under a file": afile / "out.npz",
        "the data": data,
    }
    if option in ("--plot", "--report"):
        bad["a format it cannot write"] = folder / "out.docx"
    how = sorted(bad)[int(rng.integers(len(bad)))]
    target, before = bad[how], _digest(data)
    code, out, _ = _cli(["train", "--data", str(data), *TRAIN, "--epochs", "20", option,
                         str(target)])  # fmt: skip
    written = how in ("no folder", "a format it cannot write") and target.exists()
    return code == 2 and "Epoch" not in out and not written and _digest(data) == before


def _ckpt_fail(rng: np.random.Generator, folder: Path, data: Path) -> bool:
    k = int(rng.integers(1, 5))
    model, ckpt = folder / "ckpt_fail.npz", folder / "ckpt_fail.ckpt"
    for stale in (model, ckpt, Path(f"{ckpt}.history")):
        stale.unlink(missing_ok=True)
    argv = ["train", "--data", str(data), *TRAIN, "--epochs", "5", "--save", str(model)]
    real, calls = checkpoint_module.write_npz_atomic, [0]

    def flaky(*args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == k:
            raise OSError(errno.ENOSPC, "No space left on device (injected)")
        real(*args, **kwargs)

    checkpoint_module.write_npz_atomic = flaky  # type: ignore[assignment]
    try:
        code, _, err = _cli([*argv, "--checkpoint", str(ckpt)])
    finally:
        checkpoint_module.write_npz_atomic = real
    saved, meta = load_with_meta(model)
    straight = folder / "ckpt_straight.npz"
    _cli(["train", "--data", str(data), *TRAIN, "--epochs", str(k), "--save", str(straight)])
    ok = code == 1 and "could not write" in err and meta["epochs"] == k
    ok &= identical(saved, pc.load(straight))
    # The same command again resumes from the checkpoint written before the failure.
    ok &= _cli([*argv, "--checkpoint", str(ckpt)])[0] == 0
    _cli(["train", "--data", str(data), *TRAIN, "--epochs", "5", "--save", str(straight)])
    return ok and identical(pc.load(model), pc.load(straight))


def _command() -> list[str]:
    """The installed ``perceptron`` command, or its launcher run by this Python."""
    found = shutil.which("perceptron")
    return [found] if found else [sys.executable, "-m", "perceptron_main"]


def _sigint2(rng: np.random.Generator, folder: Path) -> bool:
    model = folder / "sigint2.npz"
    model.unlink(missing_ok=True)
    child = subprocess.Popen(
        [*_command(), "train", "--data", "spiral", "--layers", "200,3", "--lr", "0.5",
         "--epochs", "1000000", "--save", str(model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
        preexec_fn=terminal_sigint,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("Epoch 0:"):
            break
    child.send_signal(signal.SIGINT)
    time.sleep(float(rng.uniform(0, 0.03)))
    child.send_signal(signal.SIGINT)
    try:
        _, err = finish(child, 120)
    except subprocess.TimeoutExpired:
        return False
    quiet = "Traceback" not in err and "Exception ignored" not in err
    try:
        whole = pc.load(model).sizes == [2, 200, 3]
    except (OSError, ValueError):
        whole = False
    return child.returncode in (130, -signal.SIGINT) and quiet and whole


def _launch(rng: np.random.Generator, folder: Path) -> bool:
    child = subprocess.Popen(
        [*_command(), "train", "--epochs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
        preexec_fn=terminal_sigint,
    )  # fmt: skip
    time.sleep(float(rng.uniform(0.03, 0.3)))
    child.send_signal(signal.SIGINT)
    try:
        _, err = finish(child, 120)
    except subprocess.TimeoutExpired:
        return False
    return child.returncode == 130 and "Traceback" not in err and err.count("\n") <= 2


def _long(rng: np.random.Generator, folder: Path, epochs: int) -> bool:
    X, Y = pc.xor()
    ckpt = folder / "long.ckpt"
    for stale in (ckpt, Path(f"{ckpt}.history")):
        stale.unlink(missing_ok=True)
    sizes, stamps = {}, []

    def watch(epoch: int, history: pc.History, net: pc.Network) -> None:
        stamps.append(time.perf_counter())
        if epoch in (9, epochs - 1):
            sizes[epoch] = ckpt.stat().st_size

    seed = int(rng.integers(1000))
    pc.sgd(pc.network([2, 2, 1], rng=seed), X, Y, 2, epochs, 0.5, rng=seed, checkpoint=ckpt,
           on_epoch=watch)  # fmt: skip
    window = max(10, epochs // 100)
    steps = np.diff(stamps)
    early, late = np.median(steps[window : 2 * window]), np.median(steps[-window:])
    again, straight = pc.network([2, 2, 1], rng=seed), pc.network([2, 2, 1], rng=seed)
    history = pc.sgd(again, X, Y, 2, epochs + 2, 0.5, rng=seed, checkpoint=ckpt)
    expected = pc.sgd(straight, X, Y, 2, epochs + 2, 0.5, rng=seed)
    LONG_RUNS.append((epochs, sizes[epochs - 1] - sizes[9], float(late / early)))
    # Time is judged only over long runs (medians of 1,000 epochs or more): a few
    # hundred epochs on a busy machine say nothing about the cost of a save.
    timed = epochs < 100_000 or late <= 2 * early
    return (
        abs(sizes[epochs - 1] - sizes[9]) <= 8  # only the digits of the epoch count grow
        and timed
        and history.loss == expected.loss
        and identical(again, straight)
    )


#: (epochs, growth of the checkpoint in bytes, late/early time per epoch) of each long run
LONG_RUNS: list[tuple[int, int, float]] = []


def lost_work_campaign(
    rng: np.random.Generator, trials: int, folder: Path, *, real_signals: int, long_epochs: int
) -> dict[str, list[int]]:
    """[tried, nothing lost] per kind; ``real_signals`` trials each of sigint2 and launch."""
    data = _data(folder)
    counts = {kind: [0, 0] for kind in KINDS}
    plan = [("targets", "ckpt_fail")[i % 2] for i in range(trials)]
    plan += ["sigint2", "launch"] * real_signals + ["long"]
    for kind in plan:
        if kind == "targets":
            ok = _targets(rng, folder, data)
        elif kind == "ckpt_fail":
            ok = _ckpt_fail(rng, folder, data)
        elif kind == "sigint2":
            ok = _sigint2(rng, folder)
        elif kind == "launch":
            ok = _launch(rng, folder)
        else:
            ok = _long(rng, folder, long_epochs)
        counts[kind][0] += 1
        counts[kind][1] += int(ok)
    return counts
