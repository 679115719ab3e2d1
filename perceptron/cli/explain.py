"""``perceptron explain``: one training step with every number, the article's or a model's."""

from __future__ import annotations

import argparse

import numpy as np

from ..reports.explain import article_comparison, article_network, explain_step
from ..reports.step_text import format_step
from .console import UsageError, out
from .data import targets
from .modeldata import label_names, load_model, model_data
from .prepare import in_target_units, scaled_targets


def _article(args: argparse.Namespace) -> int:
    net, x, y, lr = article_network()
    step = explain_step(net, x, y, args.lr if args.lr is not None else lr)
    title = (
        "The MNIST article's worked example: one training step of its 1-1-1 sigmoid network, "
        "cost ½(a − y)²"
    )
    out(format_step(step, title, precision=args.precision))
    if args.lr is None:
        rows = article_comparison(step)
        same = sum(ours == theirs for _, ours, theirs in rows)
        out("")
        out(f"{same} of {len(rows)} numbers equal those printed in the article, to the last digit")
        for name, ours, theirs in rows:
            if ours != theirs:
                out(f"  differs: {name}: {ours!r} here, {theirs!r} in the article")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    if args.model is None:
        return _article(args)
    net, meta = load_model(args.model)
    names = label_names(meta, net, args.model)
    data = model_data(args, net, meta)
    if args.index >= len(data.y_train):
        raise UsageError(
            f"--index: expected a training row from 0 to {len(data.y_train) - 1}, got {args.index}"
        )
    x = data.X_train[args.index]
    recorded = meta.get("lr")
    lr = args.lr if args.lr is not None else recorded if isinstance(recorded, float) else 0.1
    where = f"One training step of {args.model} on training row {args.index} of {data.name}"
    if data.regression:
        target = float(data.y_train[args.index])
        scaled = scaled_targets(np.array([target]), data.prepare)[0]
        step = explain_step(net, x, scaled, lr)
        guess = float(in_target_units(step.output, data.prepare)[0, 0])
        title = f"{where} ({names[0]} {target:.6g}; the network predicts {guess:.6g})"
        if "target" in data.prepare:
            title += (
                f"; the network works on the standardised target {float(scaled[0]):.6g} "
                "(target − mean) / std"
            )
    else:
        label = int(data.y_train[args.index])
        y = targets(np.array([label]), net.outputdim, len(names))[0]
        step = explain_step(net, x, y, lr)
        guess = int(np.argmax(step.output)) if net.outputdim > 1 else int(step.output[0, 0] >= 0.5)
        title = f"{where} (label {names[label]}; the network predicts {names[guess]})"
    out(format_step(step, title, precision=args.precision))
    return 0
