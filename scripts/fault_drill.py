"""A fault drill: interrupt training, corrupt files, make malformed calls — and count.

Seven campaigns, each from a seeded generator:

1. **Interrupts.** ``sgd(..., checkpoint=PATH)`` is stopped at a random point:
   a ``KeyboardInterrupt`` raised on the n-th call of an activation, of its
   derivative or of the cost's gradient, by the k-th step of the optimizer,
   an exception from ``on_epoch``, or (in the full drill) a real SIGINT sent to
   a child process. The network must be left at a completed update (sums
   zeroed); then a fresh ``sgd`` call with the same arguments resumes from
   the checkpoint, and its final weights must be bit-identical to those of a
   run that was never interrupted.
2. **Corrupted files.** Saved models, checkpoints and IDX files get byte
   flips, truncations, splices, insertions and deletions. Each must be
   refused with the documented error (``ModelFileError``/``IDXError``), or
   load only when what is left still describes a valid file whose arrays are
   exactly those in it (checked against an independent reader).
3. **Malformed calls.** The public functions (and ``perceptron.cli.main``)
   are called with values that are wrong for one or two of their arguments:
   each call must raise ``ValueError``/``TypeError`` (``main``: return a
   non-zero status) and leave the network exactly as it was.
4. **Silent wrong answers.** CSV columns in another order or renamed, files
   holding some of the classes, cross-entropy over a non-softmax output,
   learning rates far too large and spoilt networks saved over good files:
   each must give the right answer or be refused, never a wrong answer
   (``scripts/drills/answers.py``).
5. **Lost work.** Unusable ``--save``/``--checkpoint``/``--plot``/``--report``
   targets (refused before the first epoch), checkpoint writes that fail mid-run
   (``--save`` still honoured, the run resumable), two real SIGINTs in quick
   succession and one while the command loads, and a long checkpointed run
   (100,000 epochs in the full drill: constant checkpoint size and save time,
   exact resume) (``scripts/drills/lost_work.py``).
6. **Output plan.** Special-file and symlink targets, colliding outputs, SIGINT and
   SIGTERM at every point after the last epoch, a full stdout, divergence with
   ``--save`` and a second run on a held checkpoint: the model kept, nothing else
   touched; and Adam's state overflowing (measured, counted once the core's fix lands)
   (``scripts/drills/outputs.py``).
7. **Memory per input byte.** IDX and CSV files of random sizes and kinds, read
   and predicted under ``tracemalloc``: each within its bound
   (``scripts/drills/memory.py``).

Prints each campaign's counts as percentages; exits 1 unless all are 100%.
Run: ``python scripts/fault_drill.py`` (about four minutes) or ``--quick``
(a few seconds, for the tests). ``--seed`` changes the draw.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from drills.answers import answer_campaign  # noqa: E402  (after the path is set)
from drills.calls import call_campaign, calls  # noqa: E402
from drills.files import FILE_FAILURES, file_campaign  # noqa: E402
from drills.interrupts import interrupt_campaign  # noqa: E402
from drills.lost_work import LONG_RUNS, lost_work_campaign  # noqa: E402
from drills.memory import MEASURED, memory_campaign  # noqa: E402
from drills.outputs import output_campaign  # noqa: E402


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:6.2f}%" if whole else "   n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for the tests")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    size = (
        {
            "interrupts": 30,
            "sigints": 0,
            "files": 150,
            "calls": 300,
            "cli": 10,
            "answers": 48,
            "lost": 6,
            "signals": 0,  # real signals depend on timing: the full drill only
            "long": 300,
            "memory": 6,
            "outputs": 14,
        }
        if args.quick
        else {
            "interrupts": 600,
            "sigints": 6,
            "files": 3000,
            "calls": 4000,
            "cli": 200,
            "answers": 300,
            "lost": 40,
            "signals": 10,
            "long": 100_000,
            "memory": 30,
            "outputs": 140,
        }
    )
    print(f"fault drill: seed {args.seed}, {'quick' if args.quick else 'full'}")
    started = time.perf_counter()
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp, _chdir(Path(tmp)):
        folder = Path(tmp)
        c = interrupt_campaign(rng, size["interrupts"], size["sigints"], folder)
        print(
            f"interrupts: {c['injected']} injected at random points "
            f"({size['sigints']} of them real SIGINTs to a child process; "
            f"{c['no_fault']} more draws finished before their fault)"
        )
        print(f"  left at a completed update (sums zeroed):     {c['completed_update']:5d}  "
              f"{percent(c['completed_update'], c['injected'])}")  # fmt: skip
        print(f"  resumed from the checkpoint bit-identically: {c['resumed']:5d}  "
              f"{percent(c['resumed'], c['injected'])}")  # fmt: skip
        all_ok &= c["injected"] > 0 and c["resumed"] == c["injected"]
        all_ok &= c["completed_update"] == c["injected"]

        files = file_campaign(rng, size["files"], folder)
        tried = sum(sum(t.values()) for t in files.values())
        clean = sum(t["refused"] + t["intact"] for t in files.values())
        print(f"corrupted files: {tried} tried")
        for kind, t in files.items():
            total = sum(t.values())
            print(
                f"  {kind:10s} {total:5d} tried: refused {t['refused']:5d} "
                f"{percent(t['refused'], total)}, still valid and loaded exactly "
                f"{t['intact']:4d} {percent(t['intact'], total)}, other outcome {t['bad']}"
            )
        print(f"  handled cleanly: {clean:5d}  {percent(clean, tried)}")
        for line in FILE_FAILURES[:10]:
            print(f"  FAILED {' '.join(line.split())[:200]}")
        all_ok &= clean == tried

        calls_ = call_campaign(rng, size["calls"], size["cli"])
        print(f"malformed calls: {calls_['tried']} tried on {len(calls())} argument slots")
        print(f"  rejected (ValueError/TypeError), network unchanged: {calls_['rejected']:5d}  "
              f"{percent(calls_['rejected'], calls_['tried'])}")  # fmt: skip
        if calls_["cli_tried"]:
            print(f"  perceptron.cli.main: {calls_['cli_tried']} malformed command lines, "
                  f"non-zero exit without an exception: {calls_['cli_rejected']:4d}  "
                  f"{percent(calls_['cli_rejected'], calls_['cli_tried'])}")  # fmt: skip
        all_ok &= calls_["rejected"] == calls_["tried"]
        all_ok &= calls_["cli_rejected"] == calls_["cli_tried"]

        answers = answer_campaign(rng, size["answers"], folder)
        tried = sum(t for t, _ in answers.values())
        right = sum(r for _, r in answers.values())
        print(f"silent wrong answers: {tried} surprises from real data")
        for kind, (t, r) in answers.items():
            print(f"  {kind:8s} {t:4d} tried: right or refused {r:4d}  {percent(r, t)}")
        print(f"  never a wrong answer: {right:5d}  {percent(right, tried)}")
        all_ok &= right == tried
        all_ok &= _lost_work(rng, size, folder)
        all_ok &= _outputs(rng, size["outputs"], folder)
        all_ok &= _memory(rng, size["memory"], folder)
    print(f"{'all 100%: OK' if all_ok else 'FAILED: not all 100%'} "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    return 0 if all_ok else 1


def _lost_work(rng: np.random.Generator, size: dict[str, int], folder: Path) -> bool:
    counts = lost_work_campaign(
        rng, size["lost"], folder, real_signals=size["signals"], long_epochs=size["long"]
    )
    tried = sum(t for t, _ in counts.values())
    kept = sum(k for _, k in counts.values())
    print(f"lost work: {tried} trials")
    for kind, (t, k) in counts.items():
        print(f"  {kind:9s} {t:4d} tried: nothing lost {k:4d}  {percent(k, t)}")
    for epochs, growth, ratio in LONG_RUNS:
        timing = (
            f"; time per epoch at the end / at the start {ratio:.2f}" if epochs >= 100_000 else ""
        )
        print(f"  long run of {epochs} epochs: checkpoint grew {growth} bytes{timing}")
    print(f"  nothing lost: {kept:5d}  {percent(kept, tried)}")
    return kept == tried


def _outputs(rng: np.random.Generator, trials: int, folder: Path) -> bool:
    counts = output_campaign(rng, trials, folder)
    overflow = counts.pop("overflow")
    tried = sum(t for t, _ in counts.values())
    kept = sum(k for _, k in counts.values())
    print(f"output plan: {tried} trials")
    for kind, (t, k) in counts.items():
        print(f"  {kind:9s} {t:4d} tried: model kept, nothing else touched {k:4d}  {percent(k, t)}")
    print(f"  all kept: {kept:5d}  {percent(kept, tried)}")
    t, k = overflow
    print(f"  Adam state overflow {t:4d} tried: diverged or finite {k:4d}  {percent(k, t)}")
    return kept == tried and k == t


def _memory(rng: np.random.Generator, trials: int, folder: Path) -> bool:
    counts = memory_campaign(rng, trials, folder)
    tried = sum(t for t, _ in counts.values())
    within = sum(w for _, w in counts.values())
    print(f"memory per input byte: {tried} files")
    for kind, (t, w) in counts.items():
        ratios = [r for k, _, r in MEASURED if k == kind]
        worst = f", worst peak {max(ratios):.2f}× the numeric size" if ratios else ""
        print(f"  {kind:8s} {t:4d} tried: within the bound {w:4d}  {percent(w, t)}{worst}")
    print(f"  within the bound: {within:5d}  {percent(within, tried)}")
    return within == tried


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


if __name__ == "__main__":
    sys.exit(main())
