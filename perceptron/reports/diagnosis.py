"""The report's Diagnosis section: ``diagnose``'s findings, and per-layer pictures of z and δ."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..diagnosis import Finding, diagnose
from ..diagnosis.passes import Caches, backward, forward
from ..epochs import History
from ..structs import Network
from ..types import Array
from . import figures
from .page import Section

#: Rows used for the section's pass (a seeded sample of the held-out rows).
ROWS = 1000
#: |z| beyond which a unit is saturated, drawn as dashed lines on its layer's histogram.
KNEE = {"sigmoid": 4.0, "tanh": 2.0}


def _targets(net: Network, truth: Array, kind: str) -> Array:
    """The rows the cost compares outputs with: one-hot rows for a classifier of m > 1."""
    if kind == "regression":
        return truth.reshape(len(truth), -1)
    if net.outputdim > 1:
        return np.eye(net.outputdim)[truth]
    return truth.reshape(-1, 1).astype(np.float64)


def _findings_html(findings: list[Finding]) -> str:
    if not findings:
        return (
            "<p>Nothing found: finite numbers, no saturated or dead units, δ of a similar "
            "size in every layer, well-scaled inputs.</p>"
        )
    e = html.escape
    items = "".join(
        f"<li><strong>{e(f.severity)}</strong> <code>{e(f.code)}</code>"
        + (f" (layer {f.layer})" if f.layer is not None else "")
        + f": {e(f.message)}</li>"
        for f in findings
    )
    return f'<ul id="findings">{items}</ul>'


def _layers_figure(net: Network, caches: Caches) -> Any:
    """One histogram of z per layer, then the size of δ per layer."""
    plt = figures.pyplot()
    L = len(net.layers)
    fig, axes = plt.subplots(1, L + 1, figsize=(3.0 * (L + 1), 2.6))
    for l, (ax, layer) in enumerate(zip(axes, net.layers, strict=False)):
        z = caches.z[l].ravel()
        ax.hist(z, bins=40, color="#3b6ea5")
        knee = KNEE.get(layer.activation.name)
        if knee is not None:
            for edge in (-knee, knee):
                ax.axvline(edge, color="#c0392b", linestyle="--", linewidth=1)
        if layer.activation.name == "relu":
            off = float(np.mean(~np.any(caches.a[l] > 0, axis=1)))
            ax.set_title(f"layer {l}: z ({layer.activation.name}, {off:.0%} dead)", fontsize=9)
        else:
            ax.set_title(f"layer {l}: z ({layer.activation.name})", fontsize=9)
        ax.set_yticks([])
    sizes = [float(np.sqrt(np.mean(np.square(d)))) if d.size else 0.0 for d in caches.delta]
    bars = axes[-1]
    shown = [s if np.isfinite(s) else 0.0 for s in sizes]
    drawn = bars.bar(range(L), shown, color="#e67e22")
    bars.bar_label(drawn, labels=[f"{s:.2g}" for s in sizes], fontsize=8)
    if min(shown) > 0:  # sizes may differ by powers of ten; a dead layer's δ is 0
        bars.set_yscale("log")
        bars.set_ylim(min(shown) / 3, max(shown) * 10)
    else:
        bars.margins(y=0.3)
    bars.set_yticks([])
    bars.minorticks_off()
    bars.set_xticks(range(L))
    bars.set_xlabel("layer")
    bars.set_title("size of δ (root mean square)", fontsize=9)
    fig.tight_layout()
    return fig


def diagnosis_section(net: Network, X: Array, truth: Array, history: History, kind: str) -> Section:
    """``diagnose`` on held-out rows, with a histogram of z per layer and δ's size per layer."""
    Y = _targets(net, truth, kind)
    findings = diagnose(net, X, Y, history, rows=ROWS)
    pick = np.random.default_rng(0).permutation(len(X))[:ROWS]
    caches = Caches()
    broken = forward(net, X[pick], caches)
    if broken is None:
        broken = backward(net, X[pick], Y[pick].T, caches)
    body = _findings_html(findings)
    if broken is None:
        body += figures.embed(_layers_figure(net, caches), "svg", "z and δ per layer")
    return Section(
        "diagnosis",
        "Diagnosis",
        body,
        "The findings of diagnose on the held-out rows (most severe first). Pictures: the "
        "inputs z of each layer's units over those rows (dashed: where sigmoid or tanh "
        "saturates, σ′ ≈ 0), and the size of the gradient δ in each layer, from the input "
        "side to the output; sizes that differ by powers of ten between layers mean some "
        "layers learn far slower than others.",
    )
