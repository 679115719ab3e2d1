#!/usr/bin/env python3
"""the spiral article's experiment: SGD (decay, momentum) against Adam on the 3-class spiral.

The network is the article's: 2 inputs -> 64 ReLU units -> 3 softmax outputs under
categorical cross-entropy. Both optimizers train it on 100 points per class
(``spiral(100, 3, rng=0)``), full batch as in the article, and are then scored on
the training points and on a fresh, larger sample of the same spiral
(``spiral(1000, 3, rng=1)``), which the networks never saw.

It then shows what L2 regularization and ten times more data (1000 points per
class) do to the held-out accuracy, and, with matplotlib installed
(``pip install ".[plot]"``), saves the decision regions of both models and their
loss curves as PNG files.

The script checks itself: Adam must reach 95 % training and 80 % held-out accuracy,
else it exits with status 1. ``--quick`` trains a few epochs only (for the tests)
and checks no more than that the loss fell and the accuracy beats chance.

    python scripts/spiral.py             # full run, pictures into the current folder
    python scripts/spiral.py --out /tmp  # pictures elsewhere
    python scripts/spiral.py --quick     # a few seconds, no pictures
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from perceptron import SGD, Adam, Network, accuracy, network, one_hot, predict, sgd, spiral
from perceptron.optimizers import Optimizer

ROOT = Path(__file__).resolve().parents[1]
CLASSES = 3
HIDDEN = 64
TRAIN_SEED, HELDOUT_SEED, BIG_SEED, NET_SEED = 0, 1, 2, 0

# Hyper-parameters, tuned with the seeds above fixed. The article (and the book it
# follows) trains full batch; SGD gets its rate decay and momentum, Adam a slight decay.
SGD_LR, SGD_DECAY, SGD_MOMENTUM = 1.0, 1e-3, 0.9
ADAM_LR, ADAM_DECAY = 0.05, 5e-7
EPOCHS, QUICK_EPOCHS = 2000, 60
L2_VALUES = (0.01, 0.1)
BIG_PER_CLASS, BIG_BATCH = 1000, 300  # 10 updates an epoch: EPOCHS/10 epochs, same updates

TRAIN_BAR, HELDOUT_BAR = 0.95, 0.80
HELDOUT_EVERY = 25  # epochs between held-out loss measurements for the loss plot


@dataclass
class Run:
    """One trained model and what was measured on it."""

    name: str
    net: Network
    train_acc: float
    heldout_acc: float
    loss: list[float]
    heldout_loss: list[tuple[int, float]] = field(default_factory=list)
    first_epoch: int | None = None  # first epoch with training accuracy >= TRAIN_BAR
    seconds: float = 0.0


def cross_entropy_rows(net: Network, X: np.ndarray, labels: np.ndarray) -> float:
    """Mean −log p(true class) over rows, clipped as the spiral article clips (no log 0)."""
    p = predict(net, X)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(p, 1e-7, 1 - 1e-7))))


def train(
    name: str,
    optimizer: Optimizer,
    lr: float,
    X: np.ndarray,
    labels: np.ndarray,
    heldout: tuple[np.ndarray, np.ndarray],
    epochs: int,
    batchsize: int,
    l2: float = 0.0,
) -> Run:
    net = network(
        [2, HIDDEN, CLASSES],
        activation="relu",
        cost="cross_entropy",
        output_activation="softmax",
        rng=NET_SEED,
    )
    run = Run(name, net, 0.0, 0.0, [])
    Xh, yh = heldout

    def on_epoch(epoch: int, history: Any, net: Network) -> None:
        if run.first_epoch is None and accuracy(net, X, labels) >= TRAIN_BAR:
            run.first_epoch = epoch
        if (epoch + 1) % HELDOUT_EVERY == 0 or epoch == 0:
            run.heldout_loss.append((epoch, cross_entropy_rows(net, Xh, yh)))

    started = time.perf_counter()
    history = sgd(
        net,
        X,
        one_hot(labels, CLASSES),
        batchsize,
        epochs,
        lr,
        rng=NET_SEED,
        optimizer=optimizer,
        l2=l2,
        on_epoch=on_epoch,
        engine="batch",  # the same sums as engine="sample", one matrix a batch
    )
    run.seconds = time.perf_counter() - started
    run.loss = history.loss
    run.train_acc = accuracy(net, X, labels)
    run.heldout_acc = accuracy(net, Xh, yh)
    return run


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def save_pictures(runs: list[Run], X: np.ndarray, labels: np.ndarray, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    out.mkdir(parents=True, exist_ok=True)
    colors = ["#1f77b4", "#9467bd", "#ff7f0e"]
    light = ListedColormap(["#c6dbef", "#dadaeb", "#fdd0a2"])
    grid = np.linspace(-1.15, 1.15, 300)
    gx, gy = np.meshgrid(grid, grid)
    points = np.column_stack([gx.ravel(), gy.ravel()])

    fig, axes = plt.subplots(1, len(runs), figsize=(5.2 * len(runs), 5.0), squeeze=False)
    for ax, run in zip(axes[0], runs, strict=True):
        regions = predict(run.net, points).argmax(axis=1).reshape(gx.shape)
        ax.pcolormesh(gx, gy, regions, cmap=light, shading="auto", vmin=0, vmax=CLASSES - 1)
        for c in range(CLASSES):
            pick = labels == c
            ax.scatter(X[pick, 0], X[pick, 1], s=12, color=colors[c], edgecolors="k", lw=0.3)
        ax.set_title(
            f"{run.name}\ntraining {run.train_acc:.1%}, held-out {run.heldout_acc:.1%}",
            fontsize=10,
        )
        ax.set_aspect("equal")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(grid[0], grid[-1])
    fig.suptitle("Decision regions on the 3-class spiral (training points shown)")
    fig.tight_layout()
    regions_path = out / "spiral_regions.png"
    fig.savefig(regions_path, dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for run, color in zip(runs, ("#d62728", "#2ca02c"), strict=True):
        epochs = np.arange(len(run.loss))
        ax.plot(epochs, run.loss, color=color, lw=1.2, label=f"{run.name}: training")
        at, values = zip(*run.heldout_loss, strict=True)
        ax.plot(at, values, color=color, lw=1.2, ls="--", label=f"{run.name}: held-out")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (mean per sample)")
    ax.set_title("Loss on the spiral: training (per epoch) and held-out")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    loss_path = out / "spiral_loss.png"
    fig.savefig(loss_path, dpi=90)
    plt.close(fig)
    return [regions_path, loss_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few epochs, sanity checks only")
    parser.add_argument(
        "--out", type=Path, default=Path("."), help="folder for the PNGs (default: the current one)"
    )
    parser.add_argument("--plot", action="store_true", help="save the pictures in --quick mode too")
    parser.add_argument("--no-plot", action="store_true", help="do not save pictures")
    args = parser.parse_args(argv)
    epochs = QUICK_EPOCHS if args.quick else EPOCHS

    X, labels = spiral(100, CLASSES, rng=TRAIN_SEED)
    heldout = spiral(1000, CLASSES, rng=HELDOUT_SEED)
    n = len(X)
    print(f"spiral: {CLASSES} classes x 100 points (rng={TRAIN_SEED}) to train on,")
    print(f"        {CLASSES} x 1000 fresh points (rng={HELDOUT_SEED}) held out")
    print(f"network: 2 -> {HIDDEN} relu -> {CLASSES} softmax, cross-entropy; full batch ({n})")
    print()

    runs = [
        train(
            f"SGD(momentum={SGD_MOMENTUM}, decay={SGD_DECAY:g}), lr={SGD_LR:g}",
            SGD(momentum=SGD_MOMENTUM, decay=SGD_DECAY),
            SGD_LR,
            X,
            labels,
            heldout,
            epochs,
            n,
        ),
        train(
            f"Adam(decay={ADAM_DECAY:g}), lr={ADAM_LR:g}",
            Adam(decay=ADAM_DECAY),
            ADAM_LR,
            X,
            labels,
            heldout,
            epochs,
            n,
        ),
    ]
    header = f"{'optimizer':<38} {'epochs':>6} {'loss':>7} {'train':>7} {'held-out':>9}"
    print(header + "  train >= 95% from epoch")
    for run in runs:
        first = "never" if run.first_epoch is None else str(run.first_epoch)
        print(
            f"{run.name:<38} {len(run.loss):>6} {run.loss[-1]:>7.4f} {run.train_acc:>7.1%} "
            f"{run.heldout_acc:>9.1%}  {first}"
        )
    adam = runs[1]
    print()

    print("Adam again, with L2 regularization or more data (held-out: the same 3000 points):")
    print(f"{'variant':<46} {'train':>7} {'held-out':>9}")
    print(f"{'100 per class, l2=0 (above)':<46} {adam.train_acc:>7.1%} {adam.heldout_acc:>9.1%}")
    for l2 in L2_VALUES:
        run = train(
            f"l2={l2:g}", Adam(decay=ADAM_DECAY), ADAM_LR, X, labels, heldout, epochs, n, l2=l2
        )
        name = f"100 per class, l2={l2:g}"
        print(f"{name:<46} {run.train_acc:>7.1%} {run.heldout_acc:>9.1%}")
    big_X, big_labels = spiral(BIG_PER_CLASS, CLASSES, rng=BIG_SEED)
    big_epochs = max(1, epochs * BIG_BATCH // len(big_X))
    big = train(
        "more data",
        Adam(decay=ADAM_DECAY),
        ADAM_LR,
        big_X,
        big_labels,
        heldout,
        big_epochs,
        BIG_BATCH,
    )
    name = f"{BIG_PER_CLASS} per class (rng={BIG_SEED}), batch {BIG_BATCH}, {big_epochs} epochs"
    print(f"{name:<46} {big.train_acc:>7.1%} {big.heldout_acc:>9.1%}")
    print()

    if not args.no_plot and (args.plot or not args.quick):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print('pictures: matplotlib is not installed; pip install ".[plot]" to get')
            print("          the decision regions and loss curves as PNG files")
        else:
            for path in save_pictures(runs, X, labels, args.out):
                print(f"saved {shown(path)}")
        print()

    failures = []
    for run in runs:
        if not all(np.isfinite(run.loss)):
            failures.append(f"{run.name}: the loss is not finite")
        elif not run.loss[-1] < run.loss[0]:
            failures.append(f"{run.name}: the loss did not fall ({run.loss[0]} -> {run.loss[-1]})")
        if run.train_acc <= 1.0 / CLASSES + 0.05:
            failures.append(f"{run.name}: training accuracy {run.train_acc:.1%} is at chance")
    if not args.quick:
        if adam.train_acc < TRAIN_BAR:
            failures.append(f"Adam: training accuracy {adam.train_acc:.1%} < {TRAIN_BAR:.0%}")
        if adam.heldout_acc < HELDOUT_BAR:
            failures.append(f"Adam: held-out accuracy {adam.heldout_acc:.1%} < {HELDOUT_BAR:.0%}")
    if failures:
        for failure in failures:
            print("FAIL:", failure)
        return 1
    if args.quick:
        print("OK (quick: the losses fell and both models beat chance)")
    else:
        print(
            f"OK: Adam reached {adam.train_acc:.1%} training (>= {TRAIN_BAR:.0%}) and "
            f"{adam.heldout_acc:.1%} held-out (>= {HELDOUT_BAR:.0%}) accuracy; "
            f"training accuracy first reached {TRAIN_BAR:.0%} in epoch {adam.first_epoch} "
            "(epochs count from 0)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
