"""``perceptron diagnose MODEL``: why a saved network does not learn, measured on its data."""

from __future__ import annotations

import argparse

import numpy as np

from ..diagnosis import diagnose
from .console import out
from .data import label_names, load_model, model_data, targets


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Print ``diagnose``'s findings for MODEL on the rows of --data (exit 0 whatever they are)."""
    net, meta = load_model(args.model)
    names = label_names(meta, net, args.model)
    data = model_data(args, net, meta)
    if args.split == "train":
        X, y = data.X_train, data.y_train
    else:
        X, y = data.X_test, data.y_test
    if data.regression:
        Y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    else:
        Y = targets(y, net.outputdim, len(names))
    findings = diagnose(net, X, Y, rows=args.rows, rng=0)
    used = min(args.rows, len(X))
    out(
        f"Diagnosis of {args.model} ({'-'.join(map(str, net.sizes))}, cost {net.cost.name}) "
        f"on {used} of the {len(X)} {args.split} rows of {data.name}"
    )
    if not findings:
        out("nothing found: no saturated or dead units, finite numbers, well-scaled inputs")
    for finding in findings:
        out(str(finding))
    return 0
