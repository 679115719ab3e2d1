"""Rich displays: a notebook shows a network, a history and a summary as HTML with
pictures (inline SVG, no matplotlib); a console shows a few lines of text."""

from __future__ import annotations

import math
import pickle
import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron.activations import Activation

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def spiral_run() -> tuple[pc.Network, pc.History]:
    X, y = pc.spiral(30, 3, rng=0)
    Xv, yv = pc.spiral(20, 3, rng=1)
    net = pc.network([2, 16, 3], "relu", "cross_entropy", rng=0)
    history = pc.sgd(
        net, X, pc.one_hot(y, 3), 90, 200, 0.05, optimizer=pc.Adam(), rng=0,
        validation=(Xv, pc.one_hot(yv, 3)), engine="batch",
    )  # fmt: skip
    return net, history


def _parse(markup: str) -> ET.Element:
    """The markup is well-formed XML (so every browser and notebook draws it alike)."""
    return ET.fromstring(markup)


def _svgs(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(SVG + "svg"))


def test_history_repr_is_a_few_lines(spiral_run: tuple[pc.Network, pc.History]) -> None:
    _, history = spiral_run
    text = repr(history)
    assert len(text) < 400, text
    assert len(text.splitlines()) <= 6
    assert text.startswith("History: 200 epochs in ")
    for name in ("loss", "val_loss", "val_accuracy"):
        assert re.search(rf"^  {name} +\S+ -> \S+ \((lowest|highest) ", text, re.M), name
    assert f"{history.loss[-1]:.5g}" in text


def test_history_html_has_curves_and_a_table(spiral_run: tuple[pc.Network, pc.History]) -> None:
    _, history = spiral_run
    root = _parse(history._repr_html_())
    svgs = _svgs(root)
    assert [s.get("aria-label") for s in svgs] == ["loss per epoch", "accuracy per epoch"]
    # training and validation loss, then validation accuracy: one line each, 200 points
    lines = [p for s in svgs for p in s.iter(SVG + "polyline")]
    assert [len(p.get("points", "").split()) for p in lines] == [200, 200, 200]
    table = root.find(".//table")
    assert table is not None
    header = [th.text for th in table.iter("th")]
    assert header == ["epoch", "loss", "val_loss", "val_accuracy", "time"]
    first = [td.text for td in table.find("tbody").find("tr")]  # type: ignore[union-attr]
    assert first[:2] == ["0", f"{history.loss[0]:.5g}"]
    assert "⋮" in ET.tostring(table, encoding="unicode")


def test_network_and_summary_show_the_table_and_a_diagram(
    spiral_run: tuple[pc.Network, pc.History],
) -> None:
    net, _ = spiral_run
    for markup in (net._repr_html_(), pc.summary(net)._repr_html_()):
        root = _parse(markup)
        rows = [[td.text for td in tr.iter("td")] for tr in root.iter("tr")][1:]
        assert rows == [
            ["0", "Dense", "2", "16", "relu", "(16, 2)", "(16, 1)", "48", "he_normal"],
            ["1", "Dense", "16", "3", "softmax", "(3, 16)", "(3, 1)", "51", "glorot_normal"],
        ]
        (diagram,) = _svgs(root)
        # 2 inputs, 16 relu units drawn as 4 + ⋮ + 5, 3 outputs
        assert len(list(diagram.iter(SVG + "circle"))) == 2 + 9 + 3
        assert len(list(diagram.iter(SVG + "line"))) == 2 * 9 + 9 * 3


def test_summary_is_the_old_text_that_a_console_prints_plain() -> None:
    net = pc.network([784, 30, 10], init="standard_normal", rng=0)
    shown = pc.summary(net)
    assert isinstance(shown, str)
    assert type(str(shown)) is str and str(shown) == shown
    assert repr(shown) == str(shown)  # no quotes, no \n escapes
    assert repr(shown).splitlines()[0] == "Network(inputdim=784, cost=quadratic, dtype=float64)"
    assert "<svg" in shown._repr_html_()
    assert pickle.loads(pickle.dumps(shown)) == shown


def _plain(formatters: Any, obj: object) -> str:
    return str(formatters.DisplayFormatter().format(obj)[0]["text/plain"])


def test_an_ipython_display_picks_the_html() -> None:
    formatters = pytest.importorskip(
        "IPython.core.formatters", reason="IPython is not installed (a notebook installs it)"
    )
    net = pc.network([4, 3, 2], rng=0)
    history = pc.sgd(net, np.eye(4), np.eye(4)[:, :2], 2, 3, 0.1, rng=0)
    for obj in (net, history, pc.summary(net)):
        data, _ = formatters.DisplayFormatter().format(obj)
        assert "<svg" in data["text/html"]
        assert "\\n" not in data["text/plain"]
    assert _plain(formatters, pc.summary(net)) == pc.summary(net)
    assert len(_plain(formatters, history)) < 400


def test_empty_and_unmeasured_things_still_display() -> None:
    net = pc.Network(3, "mse")
    _parse(net._repr_html_())
    _parse(pc.summary(net)._repr_html_())
    empty = pc.History()
    assert repr(empty) == "History: 0 epochs in 0 s"
    _parse(empty._repr_html_())
    # a regression: validation loss but no accuracy (NaN) draws the loss chart only
    history = pc.History(loss=[1.0, 0.5], val_loss=[1.2, 0.7], val_accuracy=[math.nan] * 2,
                         epoch_time=[0.1, 0.1])  # fmt: skip
    assert [s.get("aria-label") for s in _svgs(_parse(history._repr_html_()))] == ["loss per epoch"]
    assert "val_accuracy" not in repr(history)


def test_names_are_escaped() -> None:
    odd = Activation("<b>&odd", lambda z: z, lambda z: np.ones_like(z))
    net = pc.Network(2, "mse")
    pc.add_layer(net, 2, odd, rng=0)
    markup = net._repr_html_()
    _parse(markup)
    assert "<b>&odd" not in markup and "&lt;b&gt;&amp;odd" in markup


values = st.lists(
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 10)), max_size=300
)


@settings(max_examples=40, deadline=None)
@given(loss=values, val=st.booleans(), stopped=st.booleans())
def test_any_history_displays_briefly(loss: list[float], val: bool, stopped: bool) -> None:
    n = len(loss)
    history = pc.History(
        loss=loss,
        val_loss=list(reversed(loss)) if val else [],
        val_accuracy=[min(1.0, abs(v)) if v == v else v for v in loss] if val else [],
        epoch_time=[0.01] * n,
        best_epoch=n // 2 if stopped and n else None,
        stopped_early=stopped and n > 0,
    )
    assert len(repr(history)) < 400
    root = _parse(history._repr_html_())
    for svg in _svgs(root):
        assert "nan" not in ET.tostring(svg, encoding="unicode").lower()
