"""A checkpoint's companion file: one fixed-size record of the history per epoch.

Layout: the 16-byte magic ``PERCEPTRON-HIST1``, then for epoch e (from 0) at
offset 16 + 32·e four little-endian float64 numbers: loss, validation loss,
validation accuracy (NaN when there is no validation) and epoch time. A save
writes one record in place, so its cost does not grow with the run; the
checkpoint says how many records are valid, and a record beyond that (a run
killed between the two writes) is simply overwritten by the next save.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..epochs import History
from .npz import ModelFileError

MAGIC = b"PERCEPTRON-HIST1"
RECORD = np.dtype("<f8")
FIELDS = 4


def write_record(path: Path, epoch: int, history: History) -> None:
    """Write epoch ``epoch``'s record (and the magic, for the first one), durably."""
    val_loss = history.val_loss[epoch] if history.val_loss else math.nan
    val_acc = history.val_accuracy[epoch] if history.val_accuracy else math.nan
    values = np.array(
        [history.loss[epoch], val_loss, val_acc, history.epoch_time[epoch]], dtype=RECORD
    )
    flags = os.O_RDWR | os.O_CREAT | (os.O_TRUNC if epoch == 0 else 0)
    fd = os.open(path, flags, 0o644)
    try:
        if epoch == 0:
            os.write(fd, MAGIC)
        os.pwrite(fd, values.tobytes(), len(MAGIC) + epoch * FIELDS * RECORD.itemsize)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_history(path: Path, epochs: int, validated: bool) -> list[list[float]]:
    """The first ``epochs`` records as four lists (loss, val_loss, val_accuracy, time).

    Validation lists are empty when the run has no validation set.
    """
    size = epochs * FIELDS * RECORD.itemsize
    try:
        with open(path, "rb") as handle:
            # The count comes from a file: compare it with the size before reading.
            enough = os.fstat(handle.fileno()).st_size >= len(MAGIC) + size
            magic = handle.read(len(MAGIC))
            data = handle.read(size) if enough else b""
    except OSError as error:
        raise ModelFileError(
            f"{path}: the checkpoint's history file cannot be read ({error.strerror}); "
            "delete the checkpoint to start afresh"
        ) from None
    if magic != MAGIC or len(data) != size:
        raise ModelFileError(
            f"{path}: the checkpoint's history file is corrupted or shorter than its "
            f"{epochs} epoch(s); delete the checkpoint to start afresh"
        )
    table = np.frombuffer(data, dtype=RECORD).reshape(epochs, FIELDS)
    columns = [table[:, i].tolist() for i in range(FIELDS)]
    if not validated:
        columns[1] = columns[2] = []
    return columns
