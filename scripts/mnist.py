"""the MNIST article's MNIST table, reproduced on the shipped 8,000/2,000 split.

the MNIST article trains Nielsen's network on MNIST with batch 10, rate 3.0 and 30
epochs, N(0, 1) initial weights and biases, sigmoid units and the quadratic
cost, and reports the last epoch's test accuracy:

    784-30-10      94.58%   (Epoch 29: 9458 / 10000)
    784-16-16-10   93.85%   (Epoch 29: 9385 / 10000)
    784-10         about 75%

Those were measured with 50,000 training images and the 10,000-image test
set. Here the networks train on the 8,000 training images of the shipped
test set and are scored on its 2,000 held-out images, so lower figures are
expected. Each network is trained with three seeds (initial weights and
shuffling); the split is the same for all.

Checks (exit status 1 on failure): the split is 8,000/2,000 with 80% of each
class; every network beats chance by far; the hidden-layer networks reach
at least 88% (full run). ``--quick``: one seed, 2 epochs, 2,000 training images.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from perceptron import accuracy, network, one_hot, sgd
from perceptron.datasets.mnist import load_digits

ARTICLE = {
    "784-30-10": "94.58%",
    "784-16-16-10": "93.85%",
    "784-10": "about 75%",
}
SIZES = {
    "784-30-10": [784, 30, 10],
    "784-16-16-10": [784, 16, 16, 10],
    "784-10": [784, 10],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 2 epochs, 2000 images")
    parser.add_argument("--engine", default="batch", choices=("sample", "batch"))
    args = parser.parse_args()

    X_train, y_train, X_test, y_test = load_digits()
    failures = []
    counts_all = np.bincount(np.concatenate([y_train, y_test]), minlength=10)
    counts_train = np.bincount(y_train, minlength=10)
    if len(y_train) != 8000 or len(y_test) != 2000:
        failures.append(f"split is {len(y_train)}/{len(y_test)}, expected 8000/2000")
    if not np.array_equal(counts_train, np.round(0.8 * counts_all).astype(int)):
        failures.append("the training part does not hold 80% of each class")

    seeds = [0] if args.quick else [0, 1, 2]
    epochs = 2 if args.quick else 30
    if args.quick:
        X_train, y_train = X_train[:2000], y_train[:2000]
    Y_train = one_hot(y_train, 10)

    print(
        f"the MNIST article's networks: sigmoid, quadratic cost, N(0, 1) init, batch 10, rate 3.0, "
        f"{epochs} epochs, engine {args.engine}"
    )
    print(
        f"trained on {len(y_train)} images of the shipped MNIST test set, scored on its "
        f"{len(y_test)} held-out images; seeds {seeds}"
    )
    print()
    header = f"{'network':<14} {'held-out accuracy':<30} {'per seed':<26} {'the MNIST article':>10}"
    print(header)
    print("-" * len(header))
    started = time.perf_counter()
    results = {}
    for name, sizes in SIZES.items():
        scores = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            net = network(sizes, "sigmoid", "quadratic", init="standard_normal", rng=rng)
            sgd(net, X_train, Y_train, 10, epochs, 3.0, rng=rng, engine=args.engine)
            scores.append(accuracy(net, X_test, y_test))
        a = np.array(scores)
        results[name] = a
        spread = (
            f"{100 * a.mean():.2f}% ± {100 * a.std(ddof=1):.2f} (min {100 * a.min():.2f})"
            if len(a) > 1
            else f"{100 * a.mean():.2f}%"
        )
        per_seed = " ".join(f"{100 * s:.2f}" for s in a)
        print(f"{name:<14} {spread:<30} {per_seed:<26} {ARTICLE[name]:>10}", flush=True)
        if a.min() < 0.25:
            failures.append(f"{name}: accuracy {a.min():.2%} is barely above chance")
        if not args.quick and name != "784-10" and a.mean() < 0.88:
            failures.append(f"{name}: mean accuracy {a.mean():.2%} is below 88%")
    print()
    if len(seeds) > 1:
        print("± is the standard deviation over the seeds, min the lowest seed's accuracy.")
    print(
        "the MNIST article's figures come from 50,000 training images"
        " and the 10,000-image test set;\n"
        f"with {len(y_train):,} training images the figures here are expected to be lower."
    )
    print(f"total time {time.perf_counter() - started:.1f} s")
    if failures:
        for failure in failures:
            print(f"MISMATCH: {failure}", file=sys.stderr)
        return 1
    print("checks passed: split 8000/2000 stratified; accuracies well above chance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
