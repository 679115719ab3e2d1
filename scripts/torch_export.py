"""Export a trained MNIST network to PyTorch and check that PyTorch agrees.

Trains the MNIST article's 784-30-10 sigmoid network (quadratic cost, batch 10, rate
3.0) on the shipped MNIST digits, or loads one saved by ``perceptron.save``
(``--model PATH``), exports it with ``to_torch`` and evaluates the exported
``torch.nn.Sequential`` on the test images. Both sides compute the same
outputs, a = σ(W₁ σ(W₀ x + b₀) + b₁), in float64, so the predicted digits and
therefore the accuracies must be identical; the script prints both and exits 1
when they are not.

Run: ``python scripts/torch_export.py`` (10 epochs on 8,000 images) or with
``--quick`` (1 epoch on 2,000 images). Without PyTorch it prints how to install
it and exits 0.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import perceptron as pc
from perceptron.datasets.mnist import load_digits

INSTALL = 'PyTorch is not installed; this example needs it: pip install ".[torch]"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch on 2,000 images")
    parser.add_argument("--model", help="a network saved with perceptron.save (skips training)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 10)")
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        print(INSTALL)
        return 0

    X_train, y_train, X_test, y_test = load_digits()
    if args.model:
        net = pc.load(args.model)
        print(f"loaded {args.model}")
    else:
        epochs = args.epochs if args.epochs is not None else (1 if args.quick else 10)
        if args.quick:
            X_train, y_train = X_train[:2000], y_train[:2000]
        net = pc.network([784, 30, 10], "sigmoid", "quadratic", init="standard_normal", rng=0)
        history = pc.sgd(
            net, X_train, pc.one_hot(y_train, 10), 10, epochs, 3.0, rng=0, engine="batch"
        )
        print(
            f"trained {epochs} epoch(s) on {len(X_train)} images, "
            f"final training loss {history.loss[-1]:.4f}"
        )
    print(net)

    model = pc.to_torch(net)
    print(model)
    model.eval()
    with torch.no_grad():
        out_torch = model(torch.from_numpy(X_test.astype(net.dtype))).double().numpy()
    out_here = pc.predict(net, X_test)

    acc_here = pc.accuracy(net, X_test, y_test)
    correct_torch = int((out_torch.argmax(axis=1) == y_test).sum())
    acc_torch = correct_torch / len(y_test)
    differ = int((out_torch.argmax(axis=1) != out_here.argmax(axis=1)).sum())
    print(f"test images:          {len(y_test)}")
    print(f"accuracy, perceptron: {acc_here:.4f}")
    print(f"accuracy, PyTorch:    {acc_torch:.4f}")
    gap = float(np.abs(out_torch - out_here).max())
    # The last bits differ with the machine's BLAS kernels; the order of magnitude does not.
    shown = "below 1e-12 (rounding only)" if gap < 1e-12 else f"{gap:.2e}"
    print(f"largest output difference: {shown}")
    print(f"predictions that differ:   {differ}")
    if acc_here != acc_torch or differ:
        print("MISMATCH: the exported model does not predict like the network", file=sys.stderr)
        return 1
    print("OK: identical accuracies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
