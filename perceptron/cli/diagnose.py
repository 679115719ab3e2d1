"""``perceptron diagnose MODEL``: why a saved network does not learn, measured on its data."""

from __future__ import annotations

import argparse
import math

import numpy as np

from ..diagnosis import diagnose
from ..epochs import History
from ..errors import TrainingDiverged
from ..structs import Network
from .console import note, out
from .data import Dataset, predicted, targets, training_targets
from .modeldata import label_names, load_model, model_data


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
        Y = training_targets(data, y, net.outputdim)
    else:
        Y = targets(y, net.outputdim, len(names))
    findings = diagnose(net, X, Y, rows=args.rows, rng=0, classes=_names(net, names))
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


def _names(net: Network, names: list[str]) -> list[str] | None:
    """The class names for diagnose's messages, when there is one per class."""
    return names if len(names) == max(net.outputdim, 2) else None


#: How many findings ``train`` prints when a run diverges or ends near chance.
TOP = 3


def _print_top(data: Dataset, net: Network, history: History, why: str) -> None:
    try:
        Y = targets(data.y_train, net.outputdim, data.classes)
        found = diagnose(
            net, data.X_train, Y, history, rows=500, classes=_names(net, data.label_names)
        )
    except (ValueError, TypeError, MemoryError, FloatingPointError):
        return  # a diagnosis is advice: it never changes how the run ends
    findings = [f for f in found if f.severity != "info"]
    if not findings:
        return
    note(f"{why}; diagnose found (perceptron diagnose MODEL for a saved model):")
    for finding in findings[:TOP]:
        note(f"  {finding}")


def findings_when_diverged(data: Dataset, net: Network, history: History, ending: object) -> None:
    """In ``train``, when ``sgd`` ended by diverging: print the top findings."""
    if isinstance(ending, TrainingDiverged) and not data.regression:
        # The epoch that diverged is not in the history: its loss was not finite.
        _print_top(data, net, History(loss=[*history.loss, math.nan]), "the run diverged")


def findings_when_near_chance(data: Dataset, net: Network, history: History) -> None:
    """After ``train``: held-out accuracy within 5% of 1/k prints the top findings."""
    if data.regression or not len(data.y_test) or history.epochs == 0:
        return
    score = float(np.mean(predicted(net, data.X_test) == data.y_test))
    chance = 1.0 / max(net.outputdim, 2)
    if score <= chance + 0.05 * (1 - chance):
        _print_top(data, net, history, f"the run ended near chance ({score:.1%})")
