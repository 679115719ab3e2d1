"""Memory per input byte: reading and predicting cost what the data really holds.

Each trial draws a file of a random size and kind and measures the most memory
held at once (``tracemalloc``: numpy reports its arrays to it) while it is read
or predicted, against what its numbers take as float64 (its *numeric size*):

- ``idx``: an IDX file of images, plain or gzip, blank (1000:1 compressible) or
  noise: ``read_idx`` holds at most the data plus 1 MiB;
- ``predict``: ``perceptron predict`` on such a file: the data plus a few 4 MiB
  blocks of float64 rows, however many images the file holds;
- ``csv``: a CSV file, wide (hundreds of columns) or narrow (three columns, a
  fractional target): ``read_labelled`` holds at most 3× its numeric size plus 2 MiB.
"""

from __future__ import annotations

import contextlib
import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rigging import write_idx

import perceptron as pc
from perceptron.cli import main as cli
from perceptron.cli import use as cli_use
from perceptron.io.csvfile import read_labelled
from perceptron.io.idx import read_idx

KINDS = ("idx", "predict", "csv")
MiB = 1 << 20
#: (kind, numeric size in bytes, peak / numeric size) of each trial, for the report
MEASURED: list[tuple[str, int, float]] = []


def peak(call: Callable[[], Any]) -> int:
    """The most memory ``call()`` held at once, in bytes."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _images(rng: np.random.Generator, folder: Path) -> tuple[Path, int]:
    """An IDX file of 28×28 images (blank or noise, plain or gzip); its pixel count."""
    count = int(rng.integers(1_000, 12_000))
    images = np.zeros((count, 28, 28), np.uint8)
    if rng.integers(2):
        images[:] = rng.integers(0, 256, images.shape, dtype=np.uint8)
    path = folder / ("images.idx.gz" if rng.integers(2) else "images.idx")
    write_idx(path, images)
    return path, images.size


def _idx(rng: np.random.Generator, folder: Path) -> bool:
    path, pixels = _images(rng, folder)
    used = peak(lambda: read_idx(path))
    MEASURED.append(("idx", pixels * 8, used / (pixels * 8)))
    return used <= pixels + MiB


def _predict(rng: np.random.Generator, folder: Path, model: Path) -> bool:
    path, pixels = _images(rng, folder)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        used = peak(lambda: cli(["predict", str(model), str(path)]))
    MEASURED.append(("predict", pixels * 8, used / (pixels * 8)))
    right = len(out.getvalue().splitlines()) == pixels // 784
    return right and used <= pixels + 4 * cli_use.PREDICT_BLOCK_BYTES + 4 * MiB


def _csv(rng: np.random.Generator, folder: Path) -> bool:
    wide = bool(rng.integers(2))
    rows, columns = (
        (int(rng.integers(500, 2_000)), 301) if wide else (int(rng.integers(20_000, 80_000)), 3)
    )
    values = rng.normal(size=(rows, columns))
    path = folder / "table.csv"
    with open(path, "w") as handle:
        handle.write(",".join(f"x{j}" for j in range(columns - 1)) + ",target\n")
        for row in values:
            handle.write(",".join(repr(float(v)) for v in row) + "\n")
    numeric = rows * columns * 8
    used = peak(lambda: read_labelled(path))
    MEASURED.append(("csv", numeric, used / numeric))
    return used <= 3 * numeric + 2 * MiB


def memory_campaign(rng: np.random.Generator, trials: int, folder: Path) -> dict[str, list[int]]:
    """[tried, within its bound] per kind of input."""
    model = folder / "memory_model.npz"
    pc.save(pc.network([784, 30, 10], "sigmoid", rng=0), model)
    counts = {kind: [0, 0] for kind in KINDS}
    for trial in range(trials):
        kind = KINDS[trial % len(KINDS)]
        if kind == "idx":
            ok = _idx(rng, folder)
        elif kind == "predict":
            ok = _predict(rng, folder, model)
        else:
            ok = _csv(rng, folder)
        counts[kind][0] += 1
        counts[kind][1] += int(ok)
    return counts
