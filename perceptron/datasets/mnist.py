"""MNIST digits: the shipped 10,000-image test set, or any folder of MNIST-format files.

the MNIST article trains its networks on MNIST: 28×28 grey images lined up as 784
inputs with values in [0, 1], and 10 outputs, one per digit. The package
ships the MNIST test set (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0;
see ``perceptron/data/mnist-10k/README.md``), so no download is needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import check_real
from ..io.idx import IDXError, read_mnist
from ..types import Array
from .synthetic import stratified_split

PathLike = str | os.PathLike[str]

#: The folder of the shipped MNIST test set.
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "mnist-10k"
#: Pixels are bytes 0-255; the network sees them divided by 255, in [0, 1].
PIXEL_SCALE = 1.0 / 255.0
_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_files(folder: PathLike) -> dict[str, tuple[Path, Path]]:
    """The MNIST file pairs in ``folder``: {"train": (images, labels), "t10k": (...)}.

    Each name may carry ``.gz`` or not. A half pair (images without labels or
    the reverse) is an error; a folder without the t10k pair too.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"folder: no such folder {str(root)!r}")
    found: dict[str, tuple[Path, Path]] = {}
    for part, (images_name, labels_name) in _NAMES.items():
        images, labels = _find(root, images_name), _find(root, labels_name)
        if (images is None) != (labels is None):
            missing = images_name if images is None else labels_name
            raise IDXError(f"{root}: found the {part} pair half: {missing}[.gz] is missing")
        if images is not None and labels is not None:
            found[part] = (images, labels)
    if "t10k" not in found:
        raise IDXError(
            f"{root}: expected MNIST files t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
            "(with or without .gz), and optionally the train- pair"
        )
    return found


def read_pixels(images_path: PathLike, labels_path: PathLike) -> tuple[Array, Array]:
    """Images as rows of bytes N×(rows·cols), and int64 labels (N,)."""
    images, labels = read_mnist(images_path, labels_path)
    if images.dtype != np.uint8:
        raise IDXError(
            f"{images_path}: expected unsigned byte pixels (type 0x08), got {images.dtype}"
        )
    if len(images) == 0:
        raise IDXError(f"{images_path}: the file holds no images")
    return images.reshape(len(images), -1), labels.astype(np.int64)


def unit_pixels(pixels: Array, dtype: np.dtype[Any] | type = np.float64) -> Array:
    """Byte pixels k as k·(1/255) in ``dtype``: looked up in a table of the 256 values
    (one pass that writes only the result; float32 gets float64's values rounded)."""
    table = (np.arange(256) * PIXEL_SCALE).astype(dtype)
    return table.take(pixels)


def read_digits(images_path: PathLike, labels_path: PathLike) -> tuple[Array, Array]:
    """Images as float64 rows N×(rows·cols) scaled to [0, 1], and int64 labels (N,)."""
    pixels, labels = read_pixels(images_path, labels_path)
    return unit_pixels(pixels), labels


def load_digits(
    folder: PathLike | None = None,
    *,
    train_fraction: float = 0.8,
    seed: int = 0,
) -> tuple[Array, Array, Array, Array]:
    """MNIST digits as (X_train, y_train, X_test, y_test).

    X are float64 rows, one image a row (N×784 for 28×28 images), pixels in
    [0, 1]; y are int64 labels 0-9. ``folder=None`` reads the shipped 10,000
    test images and splits them by a seeded, stratified permutation:
    ``train_fraction`` of each class to training (8,000 and 2,000 images by
    default), the same split for the same ``seed`` every time. A folder with
    the ``train-`` and ``t10k-`` pairs gives train = train files, test = t10k
    files; a folder with only the t10k pair is split like the shipped set.
    """
    fraction = check_real(train_fraction, "train_fraction", positive=True)
    if fraction >= 1:
        raise ValueError(f"train_fraction: expected a number in (0, 1), got {fraction}")
    files = find_files(SHIPPED if folder is None else folder)
    if "train" in files:
        X_train, y_train = read_digits(*files["train"])
        X_test, y_test = read_digits(*files["t10k"])
        if X_train.shape[1] != X_test.shape[1]:
            raise IDXError(
                f"{folder}: train images have {X_train.shape[1]} pixels, t10k images "
                f"{X_test.shape[1]}; expected the same size"
            )
        return X_train, y_train, X_test, y_test
    X, y = read_digits(*files["t10k"])
    train, test = stratified_split(y, fraction, rng=seed)
    return X[train], y[train], X[test], y[test]
