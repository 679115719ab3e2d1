"""Writing IDX files, for tests and the fault drill (the package only reads them)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

# The IDX type codes (the third byte of the magic number) and their big-endian dtypes.
CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(">i2"): 0x0B,
    np.dtype(">i4"): 0x0C,
    np.dtype(">f4"): 0x0D,
    np.dtype(">f8"): 0x0E,
}


def write_idx(path: Any, array: Any, *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzip when ``compress``, or when the name ends ``.gz``).

    The element type follows the array's dtype (uint8, int8, int16, int32, float32, float64).
    """
    data = np.asarray(array)
    wire = data.dtype.newbyteorder(">") if data.dtype.itemsize > 1 else data.dtype
    code = CODES.get(wire)
    if code is None:
        raise TypeError(f"array: expected an IDX element type, got {data.dtype}")
    payload = (
        bytes([0, 0, code, data.ndim])
        + np.asarray(data.shape, dtype=">u4").tobytes()
        + np.ascontiguousarray(data, dtype=wire).tobytes()
    )
    target = Path(path)
    if target.name.endswith(".gz") if compress is None else compress:
        payload = gzip.compress(payload, mtime=0)  # mtime=0: the same array, the same bytes
    target.write_bytes(payload)
