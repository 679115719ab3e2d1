"""A network described as a table, as Keras and PyTorch users expect.

``summary(net)`` lists one row per layer l: its input and output sizes, its
activation, the shapes of W_l (out×in) and b_l (out×1), its parameter count
out·in + out, and the initializer that drew its weights; then the total
parameter count and memory, the sizes and the cost. The table itself is drawn
by :mod:`perceptron.display`.
"""

from __future__ import annotations

from ..display import Summary, network_html, summary_text
from ..display.tables import COST_FORMULAS, HEADER, layer_rows, total_text
from ..structs import Network

__all__ = ["COST_FORMULAS", "HEADER", "Summary", "layer_rows", "summary", "total_text"]


def summary(net: Network) -> Summary:
    """A table of the layers and the cost of ``net``: a ``str`` that a notebook shows as HTML.

    One row per layer: index, type (``Dense``), input and output sizes,
    activation, shapes of W (out×in) and b (out×1), parameters out·(in + 1) and
    initializer; then the total parameters and their memory in the network's
    dtype, the sizes [inputdim, out_0, ..., out_{L-1}] and the cost with its
    formula for one sample. ``print`` it in a console; in a notebook it shows
    as an HTML table with a diagram of the layers. It is a ``str`` subclass, so
    code that expects the text keeps working (``str(summary(net))`` gives it plain).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    return Summary(summary_text(net), network_html(net))
