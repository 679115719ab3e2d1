"""A progress callback for ``sgd``: one line an epoch in a console, a live bar in a notebook.

``make_progress(epochs)`` returns a :class:`Progress`, an ``on_epoch(epoch,
history, net)`` callback (it never stops training). In a Jupyter notebook, with
tqdm installed (``pip install ".[notebook]"``), it draws a bar of the epochs with
the last loss beside it; elsewhere, or without tqdm, it writes one line an epoch::

    Epoch 3 (4/30): loss 0.10224, val_loss 0.13125, val_accuracy 91.20%, 0.41 s

It reads the history's public lists only and writes to ``sys.stdout`` (the
bar: ``sys.stderr``) as they are when it is called, so a notebook or pytest that
swaps them sees the output.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from typing import IO, Any

from .checks import check_int

KINDS = ("auto", "bar", "lines")


def in_notebook() -> bool:
    """Whether this runs inside a Jupyter kernel (IPython's ZMQ shell); imports nothing new."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _tqdm_class(notebook: bool) -> Any:
    """tqdm's notebook widget when ipywidgets is there, else its text bar; None without tqdm."""
    if importlib.util.find_spec("tqdm") is None:
        return None
    if notebook and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as notebook_tqdm

        return notebook_tqdm
    from tqdm import tqdm as text_tqdm

    return text_tqdm


def epoch_line(epoch: int, epochs: int, history: Any) -> str:
    """``Epoch k (k+1/E): loss L[, val_loss V, val_accuracy A], t s`` for the epoch just done.

    ``k`` counts from 0 as ``sgd`` does; ``E`` is the number of epochs asked for.
    """
    parts = [f"loss {history.loss[-1]:.5g}"]
    if history.val_loss:
        parts.append(f"val_loss {history.val_loss[-1]:.5g}")
        if history.val_accuracy and math.isfinite(history.val_accuracy[-1]):
            parts.append(f"val_accuracy {history.val_accuracy[-1]:.2%}")
    if history.epoch_time:
        parts.append(f"{history.epoch_time[-1]:.2f} s")
    return f"Epoch {epoch} ({epoch + 1}/{epochs}): " + ", ".join(parts)


class Progress:
    """The callback :func:`make_progress` returns: call it as ``on_epoch``; ``close()`` ends it.

    ``kind`` is what it draws, after ``"auto"`` was resolved: ``"bar"`` (tqdm) or
    ``"lines"``. It returns None, so it never stops training; when training
    ends before the last epoch (early stopping, an error), call ``close()``.
    """

    def __init__(self, epochs: int, kind: str, bar_class: Any, file: IO[str] | None) -> None:
        self.epochs, self.kind, self.file = epochs, kind, file
        self._bar_class = bar_class
        # The bar starts now, so that its clock (and rate) counts the first epoch too.
        self._bar: Any = self._new_bar() if kind == "bar" else None

    def _new_bar(self) -> Any:
        return self._bar_class(
            total=self.epochs, unit="epoch", file=self.file, leave=True, desc="training"
        )

    def __call__(self, epoch: int, history: Any, net: Any) -> None:
        if self.kind == "lines":
            out = self.file if self.file is not None else sys.stdout
            out.write(epoch_line(epoch, self.epochs, history) + "\n")
            out.flush()
            return
        if self._bar is None:  # used again, for another run
            self._bar = self._new_bar()
        self._bar.n = min(epoch + 1, self.epochs)
        postfix = {"loss": f"{history.loss[-1]:.4g}"}
        if history.val_loss:
            postfix["val_loss"] = f"{history.val_loss[-1]:.4g}"
        self._bar.set_postfix(postfix, refresh=False)
        self._bar.refresh()
        if epoch + 1 >= self.epochs:
            self.close()

    def close(self) -> None:
        """End the bar (nothing for lines); safe to call twice."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def make_progress(
    epochs: int, kind: str | bool = "auto", *, file: IO[str] | None = None
) -> Progress:
    """An ``on_epoch`` callback that shows the progress of ``epochs`` epochs.

    ``kind``: ``"auto"`` or True (a bar in a Jupyter notebook when tqdm is installed,
    else lines), ``"bar"`` (a tqdm bar anywhere; lines when tqdm is missing) or
    ``"lines"`` (one line an epoch, see :func:`epoch_line`). ``file``: where to
    write (default: ``sys.stdout`` for lines, ``sys.stderr`` for the bar).

    Use it as ``sgd(net, X, Y, 10, 30, 3.0, on_epoch=make_progress(30))``.
    """
    epochs = check_int(epochs, "epochs", 0)
    kind = "auto" if kind is True else kind
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    notebook = in_notebook()
    if kind == "auto":
        kind = "bar" if notebook else "lines"
    bar_class = _tqdm_class(notebook) if kind == "bar" else None
    if bar_class is None:
        kind = "lines"
    return Progress(epochs, kind, bar_class, file)
