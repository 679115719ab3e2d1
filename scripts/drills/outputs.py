"""The output plan: targets that are not the run's own, colliding outputs, and every way a
run can end after its last epoch. Each trial draws one kind and must end with the model
kept and nothing else touched:

- ``special``: ``--save``/``--checkpoint``/``--report``/``--plot`` naming a FIFO, a folder,
  a private character device (as root), or a symlink to one of them: refused before the
  first epoch (status 2), the target exactly as it was;
- ``symlink``: an output through a symlink to a regular file or a new name: written through,
  the link still a link, no other file in the folder changed;
- ``collide``: two outputs on one file (same name, ``..``, a hard link, the checkpoint's
  ``.history`` or ``.lock``): refused before the first epoch, nothing written;
- ``signal``: SIGINT or SIGTERM (sent to this process) at a random point after the last
  epoch (the last batch, the last epoch line, the save, the final evaluation): status
  128 + signal and the model, whole, in ``--save``;
- ``stdout``: stdout's disk full after a random number of writes: status 1, a message,
  the model saved;
- ``diverge``: a run that diverges with ``--save``: status 1, the last finite weights saved;
- ``lock``: a second run on a ``--checkpoint`` another run holds: refused, the first run's
  files untouched; after the holder is gone the run resumes.

``overflow`` (measured, not yet counted: the core's fix): Adam on a 1-1 identity network with
inputs of ±1e150, whose second moment overflows while the weights stay finite: the run must
stop with ``TrainingDiverged`` or end with a finite optimizer state.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import perceptron as pc
from perceptron.cli import main as cli
from perceptron.cli import outputs as cli_outputs
from perceptron.cli import progress as cli_progress
from perceptron.cli import train as cli_train
from perceptron.io.atomic import exclusive_lock
from perceptron.io.model import load_with_meta
from perceptron.reports.plots import plotting_available

KINDS = ("special", "symlink", "collide", "signal", "stdout", "diverge", "lock")
BASE = ["train", "--data", "spiral", "--layers", "8,3", "--seed", "1"]
SUFFIX = {"--report": ".html", "--plot": ".png"}


def _cli(args: list[str], stdout: Any = None) -> tuple[int, str, str]:
    out, err = stdout or io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli([str(a) for a in args])
    return code, out.getvalue() if stdout is None else "", err.getvalue()


def _options() -> list[str]:
    return ["--save", "--checkpoint"] + (["--report", "--plot"] if plotting_available() else [])


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """Every entry of ``folder``: mode, inode, device number and (regular files) contents."""
    found = {}
    for path in folder.iterdir():
        info = path.lstat()
        data = path.read_bytes() if stat.S_ISREG(info.st_mode) else b""
        found[path.name] = (info.st_mode, info.st_ino, info.st_rdev, data)
    return found


def _fresh(folder: Path, name: str) -> Path:
    place = folder / name
    place.mkdir()
    return place


def _special(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    place = _fresh(folder, f"special{trial}")
    option = _options()[int(rng.integers(len(_options())))]
    suffix = SUFFIX.get(option, "")
    kinds = ["fifo", "folder"] + (["device"] if os.geteuid() == 0 else [])
    kind = kinds[int(rng.integers(len(kinds)))]
    target = place / f"target{suffix}"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    given = target
    if rng.random() < 0.5:
        given = place / f"link{suffix}"
        given.symlink_to(target.name)
    before = _snapshot(place)
    code, out, _ = _cli([*BASE, "--epochs", "2", option, given])
    return code == 2 and "Epoch" not in out and _snapshot(place) == before


def _symlink(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    place = _fresh(folder, f"symlink{trial}")
    option = _options()[int(rng.integers(len(_options())))]
    suffix = SUFFIX.get(option, "")
    (place / "real").mkdir()
    target = place / "real" / f"out{suffix}"
    if rng.random() < 0.5 and option != "--checkpoint":  # a checkpoint there would resume
        target.write_bytes(b"old contents")
    link = place / f"link{suffix}"
    link.symlink_to(Path("real") / target.name)
    bystander = place / "bystander.txt"
    bystander.write_text("not an output\n")
    code, _, _ = _cli([*BASE, "--epochs", "2", option, link])
    ok = code == 0 and link.is_symlink() and bystander.read_text() == "not an output\n"
    ok &= target.is_file() and target.read_bytes() != b"old contents"
    if option == "--save":
        ok &= load_with_meta(link)[1]["epochs"] == 2
    return ok


def _collide(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    place = _fresh(folder, f"collide{trial}")
    (place / "sub").mkdir()
    (place / "same.png").write_bytes(b"picture")
    os.link(place / "same.png", place / "hard.npz")
    pairs = [
        ["--save", "x", "--checkpoint", "x"],
        ["--save", "c.ckpt.history", "--checkpoint", "c.ckpt"],
        ["--save", "c.ckpt.lock", "--checkpoint", "c.ckpt"],
        ["--save", "m.npz", "--checkpoint", "sub/../m.npz"],
    ]
    if plotting_available():
        pairs += [
            ["--save", "out.html", "--report", "out.html"],
            ["--save", "p.png", "--plot", "p.png"],
            ["--plot", "same.png", "--save", "hard.npz"],
        ]
    chosen = pairs[int(rng.integers(len(pairs)))]
    argv = [str(place / a) if i % 2 else a for i, a in enumerate(chosen)]
    before = _snapshot(place)
    code, out, err = _cli([*BASE, "--epochs", "2", *argv])
    return code == 2 and "Epoch" not in out and "same file" in err and _snapshot(place) == before


def _signalling(signum: int, real: Callable[..., Any], when: Callable[..., bool]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if when(*args):
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)

    return wrapper


def _signal(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    epochs = int(rng.integers(1, 4))
    signum = (signal.SIGINT, signal.SIGTERM)[int(rng.integers(2))]
    point = ("last-epoch-line", "save", "final-evaluation", "last-batch")[int(rng.integers(4))]
    model = folder / f"signal{trial}.npz"
    patched: list[tuple[Any, str, Any]] = []
    if point == "last-epoch-line":
        last = _signalling(signum, cli_progress.Progress.on_epoch, lambda s, e, *a: e == epochs - 1)
        patched.append((cli_progress.Progress, "on_epoch", last))
    elif point == "save":
        patched.append((cli_outputs, "save", _signalling(signum, cli_outputs.save, lambda *a: 1)))
    elif point == "final-evaluation":
        patched.append((cli_train, "_finish", _signalling(signum, cli_train._finish, lambda *a: 1)))
    else:
        real_sgd = cli_train.sgd

        def sgd(*args: Any, on_batch: Any = None, **kwargs: Any) -> Any:
            def hook(epoch: int, batch: int, batches: int) -> None:
                if epoch == epochs - 1 and batch == batches - 1:
                    os.kill(os.getpid(), signum)
                on_batch(epoch, batch, batches)

            return real_sgd(*args, on_batch=hook, **kwargs)

        patched.append((cli_train, "sgd", sgd))
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
    try:
        for owner, name, value in patched:
            setattr(owner, name, value)
        code, _, _ = _cli([*BASE, "--epochs", str(epochs), "--save", model])
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)
    try:
        net, meta = load_with_meta(model)
    except (OSError, ValueError):
        return False
    return code == 128 + signum and meta["epochs"] == epochs and net.sizes == [2, 8, 3]


class _FullDisk(io.StringIO):
    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, text: str) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= 1
        return len(text)

    def isatty(self) -> bool:
        return False


def _stdout(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    model = folder / f"stdout{trial}.npz"
    code, _, err = _cli([*BASE, "--epochs", "4", "--save", model], _FullDisk(int(rng.integers(8))))
    try:
        kept = load_with_meta(model)[1]["epochs"] == 4
    except (OSError, ValueError):
        kept = False
    return code == 1 and "No space left on device" in err and kept


def _diverge(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    model = folder / f"diverge{trial}.npz"
    lr = f"{float(rng.uniform(1e3, 1e4)):.0f}"
    code, _, err = _cli(
        ["train", "--data", "spiral", "--seed", str(int(rng.integers(100))), "--lr", lr,
         "--activation", "relu", "--cost", "mse", "--output-activation", "identity",
         "--epochs", "50", "--save", model]
    )  # fmt: skip
    if code == 0:
        return load_with_meta(model)[1]["epochs"] == 50  # did not diverge: finished, saved
    try:
        net = pc.load(model)
    except (OSError, ValueError):
        return False
    finite = all(np.isfinite(layer.weights).all() for layer in net.layers)
    return code == 1 and "last finite weights" in err and finite


def _lock(rng: np.random.Generator, folder: Path, trial: int) -> bool:
    checkpoint = folder / f"lock{trial}.ckpt"
    epochs = int(rng.integers(1, 3))
    ok = _cli([*BASE, "--epochs", str(epochs), "--checkpoint", checkpoint])[0] == 0
    history = Path(f"{checkpoint}.history").read_bytes()
    with exclusive_lock(f"{checkpoint}.lock"):
        code, out, err = _cli([*BASE, "--epochs", str(epochs + 2), "--checkpoint", checkpoint])
    ok &= code == 1 and "another run" in err and "Epoch" not in out
    ok &= Path(f"{checkpoint}.history").read_bytes() == history
    code, out, _ = _cli([*BASE, "--epochs", str(epochs + 2), "--checkpoint", checkpoint])
    return ok and code == 0 and "Resuming" in out and not Path(f"{checkpoint}.lock").exists()


def _overflow(rng: np.random.Generator) -> bool:
    net = pc.network([1, 1], "identity", "quadratic", rng=int(rng.integers(1000)))
    X = np.array([[1e150], [-1e150]]) * float(rng.uniform(0.5, 2))
    optimizer = pc.Adam()
    try:
        pc.sgd(net, X, X.copy(), 2, 3, 0.001, rng=0, optimizer=optimizer)
    except pc.TrainingDiverged:
        return True
    return all(np.isfinite(v).all() for v in optimizer.state_dict().values())


TRIALS = {
    "special": _special,
    "symlink": _symlink,
    "collide": _collide,
    "signal": _signal,
    "stdout": _stdout,
    "diverge": _diverge,
    "lock": _lock,
}


def output_campaign(rng: np.random.Generator, trials: int, folder: Path) -> dict[str, list[int]]:
    """[tried, passed] per kind (``overflow`` included, reported apart)."""
    counts = {kind: [0, 0] for kind in (*KINDS, "overflow")}
    for trial in range(trials):
        kind = KINDS[trial % len(KINDS)]
        ok = TRIALS[kind](rng, folder, trial)
        counts[kind][0] += 1
        counts[kind][1] += int(ok)
    for _ in range(max(1, trials // len(KINDS))):
        counts["overflow"][0] += 1
        counts["overflow"][1] += int(_overflow(rng))
    return counts
