"""make_progress: an on_epoch callback that shows one line an epoch, or a tqdm bar."""

from __future__ import annotations

import io
import re
import sys
import types

import pytest

import perceptron as pc
from perceptron import progress
from perceptron.progress import make_progress


def _train(on_epoch: object, epochs: int = 4, **options: object) -> pc.History:
    X, y = pc.spiral(20, 3, rng=0)
    net = pc.network([2, 8, 3], "relu", "cross_entropy", rng=0)
    return pc.sgd(net, X, pc.one_hot(y, 3), 10, epochs, 0.1, rng=0, on_epoch=on_epoch, **options)  # type: ignore[arg-type]


def test_a_console_gets_one_line_an_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = pc.spiral(20, 3, rng=1)
    history = _train(make_progress(4), validation=(X, pc.one_hot(y, 3)))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == history.epochs == 4  # it never stops training
    for k, line in enumerate(lines):
        assert re.fullmatch(
            rf"Epoch {k} \({k + 1}/4\): loss \S+, val_loss \S+, val_accuracy \S+%, \S+ s", line
        ), line
        assert f"loss {history.loss[k]:.5g}," in line


def test_lines_go_to_the_file_given() -> None:
    out = io.StringIO()
    _train(make_progress(4, "lines", file=out))
    assert out.getvalue().count("\n") == 4 and "val_loss" not in out.getvalue()


def test_a_bar_with_tqdm() -> None:
    pytest.importorskip("tqdm", reason='tqdm is not installed (pip install ".[notebook]")')
    out = io.StringIO()
    callback = make_progress(4, "bar", file=out)
    assert callback.kind == "bar"
    _train(callback)
    text = out.getvalue()
    assert "4/4" in text and "loss=" in text and "Epoch" not in text
    callback.close()  # closed already at the last epoch; closing again is harmless


def test_a_bar_without_tqdm_falls_back_to_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress.importlib.util, "find_spec", lambda name: None)
    assert make_progress(4, "bar").kind == "lines"


def _fake_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = type("ZMQInteractiveShell", (), {})()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))


def test_auto_is_a_bar_in_a_notebook_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not progress.in_notebook()
    assert make_progress(3).kind == "lines"
    _fake_notebook(monkeypatch)
    assert progress.in_notebook()
    expected = "bar" if progress.importlib.util.find_spec("tqdm") else "lines"
    assert make_progress(3).kind == expected


def test_early_stopping_leaves_no_open_bar() -> None:
    pytest.importorskip("tqdm", reason='tqdm is not installed (pip install ".[notebook]")')
    out = io.StringIO()
    callback = make_progress(10, "bar", file=out)
    callback(0, pc.History(loss=[1.0], epoch_time=[0.1]), None)
    callback.close()
    assert "1/10" in out.getvalue() and callback._bar is None  # noqa: SLF001


@pytest.mark.parametrize(
    "args,error,name",
    [
        ((3, "tqdm"), ValueError, "kind"),
        ((-1,), ValueError, "epochs"),
        ((2.5,), TypeError, "epochs"),
    ],
)
def test_bad_arguments_are_named(args: tuple[object, ...], error: type, name: str) -> None:
    with pytest.raises(error, match=f"^{name}: "):
        make_progress(*args)  # type: ignore[arg-type]
