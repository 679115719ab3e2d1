"""Loss and accuracy curves as a picture (matplotlib, an optional extra)."""

from __future__ import annotations

from pathlib import Path

from ..epochs import History
from ..io.atomic import atomic_write

#: Picture formats ``write_curves`` writes (matplotlib's names for them).
FORMATS = (".png", ".svg", ".pdf")


def plotting_available() -> bool:
    """Whether matplotlib can be imported (``pip install ".[plot]"``)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_curves(path: str | Path, history: History, accuracies: list[float]) -> None:
    """Training and held-out loss per epoch (left) and held-out accuracy (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = list(range(len(history.loss)))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, history.loss, label="training loss")
    if history.val_loss:
        left.plot(epochs[: len(history.val_loss)], history.val_loss, label="held-out loss")
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.legend()
    right.plot(epochs[-len(accuracies) :] if accuracies else [], accuracies, label="held-out")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.legend()
    fig.tight_layout()
    try:
        kind = Path(path).suffix.lower()[1:]
        atomic_write(path, lambda handle: fig.savefig(handle, format=kind), "--plot")
    finally:
        plt.close(fig)
