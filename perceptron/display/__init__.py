"""How a network, a training history and a summary show themselves: text and HTML.

In a console, ``repr(history)`` is a few lines (not every number) and
``summary(net)`` prints the layer table; in a Jupyter notebook,
``Network._repr_html_``, ``History._repr_html_`` and :class:`Summary` give HTML
with inline SVG pictures (the layer diagram; the loss and accuracy curves),
drawn here without matplotlib.

Everything here reads public fields only and imports nothing from the rest of
the package, so the core classes can call it.
"""

from __future__ import annotations

import html
import math
from typing import Any

from .svg import BLUE, RED, chart, diagram
from .tables import history_table_html, layer_table_html, summary_text

__all__ = ["Summary", "history_html", "history_repr", "network_html", "summary_text"]

TABLE = "perceptron-table"
STYLE = "font-family: sans-serif; font-size: 13px"
# A notebook keeps an output's <style>; the class keeps it to these tables.
TABLE_STYLE = (
    "<style>.perceptron-table th, .perceptron-table td "
    "{padding: 2px 10px; text-align: right}</style>"
)


class Summary(str):
    """The summary table: a ``str`` (print it, compare it, write it to a file) that a
    notebook shows as HTML, with the layer diagram.

    ``repr`` gives the table itself, so a console shows it without quotes or ``\\n``.
    """

    html: str

    def __new__(cls, text: str, html: str = "") -> Summary:
        obj = super().__new__(cls, text)
        obj.html = html
        return obj

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return self.html or f"<pre>{html.escape(str(self))}</pre>"


def network_html(net: Any) -> str:
    """The network as HTML: a heading line, the layer table and a diagram of the layers."""
    sizes = "-".join(str(s) for s in net.sizes)
    head = (
        f"<p><b>Network</b> {html.escape(sizes)}: {len(net.layers)} layer(s), "
        f"{net.nparams:,} parameters</p>"
    )
    if not net.layers:
        return f'<div style="{STYLE}">{head}<p>no layers yet: add one with add_layer</p></div>'
    names = ["input"] + [layer.activation.name for layer in net.layers]
    table = layer_table_html(net, css_class=TABLE)
    return f'<div style="{STYLE}">{TABLE_STYLE}{head}{table}{diagram(net.sizes, names)}</div>'


def _extreme(values: list[float], best: str) -> tuple[float, int] | None:
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        return None
    return min(finite) if best == "min" else max((v, -i) for v, i in finite)


def _line(name: str, values: list[float], best: str, percent: bool = False) -> str | None:
    found = _extreme(values, best)
    if found is None:
        return None
    value, epoch = found[0], abs(found[1])

    def show(v: float) -> str:
        return f"{v:.2%}" if percent else f"{v:.5g}"

    word = "lowest" if best == "min" else "highest"
    return (
        f"  {name:<13}{show(values[0])} -> {show(values[-1])} ({word} {show(value)}, epoch {epoch})"
    )


def history_repr(history: Any) -> str:
    """A few lines: the epochs and time, then each measure's first, last and best value."""
    n = len(history.loss)
    lines = [f"History: {n} epoch{'s' if n != 1 else ''} in {sum(history.epoch_time):.3g} s"]
    if n:
        for line in (
            _line("loss", history.loss, "min"),
            _line("val_loss", history.val_loss, "min"),
            _line("val_accuracy", history.val_accuracy, "max", percent=True),
        ):
            if line is not None:
                lines.append(line)
    if history.stopped_early:
        lines.append(f"  stopped early; the weights of epoch {history.best_epoch} were restored")
    return "\n".join(lines)


def history_html(history: Any) -> str:
    """The history as HTML: the loss curves and the accuracy curve as SVG, then a table."""
    n = len(history.loss)
    head = f"<p><b>History</b>: {n} epoch{'s' if n != 1 else ''}"
    if history.best_epoch is not None:
        head += f", best epoch {history.best_epoch}"
    if history.stopped_early:
        head += " (stopped early, its weights restored)"
    head += "</p>"
    if not n:
        return f'<div style="{STYLE}">{head}</div>'
    losses = [("training", history.loss, BLUE)]
    if history.val_loss:
        losses.append(("validation", history.val_loss, RED))
    pictures = chart(losses, "loss", log=True)
    if any(math.isfinite(a) for a in history.val_accuracy):
        pictures += chart([("validation", history.val_accuracy, RED)], "accuracy", percent=True)
    table = history_table_html(history, css_class=TABLE)
    return f'<div style="{STYLE}">{TABLE_STYLE}{head}<div>{pictures}</div>{table}</div>'
