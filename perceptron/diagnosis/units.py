"""Findings about the units and the gradient's flow: saturated, dead, vanishing, exploding."""

from __future__ import annotations

import numpy as np

from ..structs import Network
from ..types import Array
from .finding import Finding
from .passes import Caches

#: |z| beyond which σ′(z) is under 8% of its largest value (sigmoid 0.018 of 0.25; tanh 0.07 of 1).
SATURATION = {"sigmoid": 4.0, "tanh": 2.0}
#: A ratio of gradient sizes between neighbouring layers beyond this factor (either way).
FLOW_RATIO = 10.0


def _severity(share: float, all_is_error: bool = False) -> str:
    if all_is_error and share >= 1.0:
        return "error"
    return "warning" if share >= 0.5 else "info"


def _weights_note(net: Network, l: int) -> str:
    """Advice on the weights' scale: √in · std(W) is about 1 for Glorot or He weights."""
    W = net.layers[l].weights
    spread = float(W.std() * np.sqrt(W.shape[1]))
    if spread > 3:
        return (
            f"; W[{l}] has standard deviation {W.std():.3g} on {W.shape[1]} inputs "
            f"(√in·std = {spread:.3g}): initialise with glorot_normal (the default), "
            "whose √in·std is about 1"
        )
    return "; scale the inputs, or lower the learning rate if training made the weights grow"


def saturated(net: Network, caches: Caches, Y: Array | None) -> list[Finding]:
    """Sigmoid/tanh units with |z| beyond the knee on most rows (output: where also wrong)."""
    found = []
    last = len(net.layers) - 1
    for l, layer in enumerate(net.layers):
        knee = SATURATION.get(layer.activation.name)
        if knee is None:
            continue
        flat = np.abs(caches.z[l]) > knee
        if l == last:
            if Y is None:
                continue
            flat &= np.abs(caches.a[l] - Y) > 0.5  # stuck on the wrong side
        stuck = (flat.mean(axis=1) > 0.5) if l < last else flat.any(axis=0)
        share = float(stuck.mean())
        if share < 0.1:
            continue
        what = (
            f"{int(stuck.sum())} of {stuck.size} units ({share:.0%}) have |z| > {knee:g} on "
            f"most rows (median |z| {float(np.median(np.abs(caches.z[l]))):.3g})"
            if l < last
            else f"{share:.0%} of the rows have an output unit stuck at the wrong end "
            f"(|z| > {knee:g} and |a − y| > 0.5)"
        )
        found.append(
            Finding(
                "saturated",
                l,
                _severity(share),
                f"{what}; there σ′(z) is nearly 0, so these units (and every layer below them) "
                "learn slowly, the slowdown better initialisation cures" + _weights_note(net, l),
            )
        )
    return found


def dead(net: Network, caches: Caches) -> list[Finding]:
    """relu units that output 0 for every sampled row."""
    found = []
    for l, layer in enumerate(net.layers):
        if layer.activation.name != "relu":
            continue
        off = ~np.any(caches.a[l] > 0, axis=1)
        if not off.any():
            continue
        share = float(off.mean())
        rows = caches.a[l].shape[1]
        found.append(
            Finding(
                "dead",
                l,
                _severity(share, all_is_error=True),
                f"{int(off.sum())} of {off.size} relu units output 0 on all {rows} rows (their "
                f"largest z is {float(caches.z[l][off].max()):.3g}, their mean bias "
                f"{float(layer.bias[off].mean()):.3g}); a dead unit gets no gradient and never "
                "recovers"
                + (
                    ": re-initialise (He normal, biases 0) and lower the learning rate"
                    if share >= 0.5
                    else ""
                ),
            )
        )
    return found


def _rms(values: Array) -> float:
    largest = float(np.abs(values).max(initial=0.0))
    if largest == 0 or not np.isfinite(largest):
        return largest
    return largest * float(np.sqrt(np.mean(np.square(values / largest))))  # no overflow


def _flow(code: str, l: int, what: str, ratio: float) -> Finding:
    cure = (
        "saturated units or small weights shrink it: relu hidden layers with He weights, "
        "or Glorot weights for sigmoid/tanh"
        if code == "vanishing"
        else "large weights grow it: smaller initial weights (Glorot/He), a lower learning rate"
    )
    return Finding(
        code,
        l,
        "warning",
        f"{what}; the layers below "
        + ("learn far slower" if ratio < 1 else "take far larger steps")
        + f" than those above: {cure}",
    )


def gradient_flow(net: Network, caches: Caches) -> list[Finding]:
    """The size of δ (root mean square) layer after layer, from the output down.

    A ratio beyond 10 (either way) between neighbours is a finding at the lower
    layer; failing that, beyond 100 from the output layer to the first.
    """
    sizes = [_rms(d) for d in caches.delta]
    for l, layer in enumerate(net.layers):
        if layer.activation.name == "relu" and np.mean(~np.any(caches.a[l] > 0, axis=1)) >= 0.5:
            sizes[l] = 0.0  # mostly dead: the dead finding says it, and better
    found = []
    for l in range(len(sizes) - 2, -1, -1):
        above, here = sizes[l + 1], sizes[l]
        if above == 0 or here == 0:
            continue
        ratio = here / above
        if 1 / FLOW_RATIO <= ratio <= FLOW_RATIO:
            continue
        what = (
            f"δ[{l}] is {ratio:.3g} times the size of δ[{l + 1}] (root mean square "
            f"{here:.3g} against {above:.3g})"
        )
        found.append(_flow("vanishing" if ratio < 1 else "exploding", l, what, ratio))
    L = len(sizes)
    if found or L < 3 or sizes[0] == 0 or sizes[-1] == 0:
        return found
    total = sizes[0] / sizes[-1]
    if 1 / FLOW_RATIO**2 <= total <= FLOW_RATIO**2:
        return found
    what = (
        f"δ[0] is {total:.3g} times the size of δ[{L - 1}] at the output, about "
        f"{total ** (1 / (L - 1)):.3g} a layer over {L - 1} layers"
    )
    return [_flow("vanishing" if total < 1 else "exploding", 0, what, total)]
