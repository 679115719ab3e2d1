"""Hostile inputs: files corrupted in the ways disks, networks and attackers corrupt them."""

from __future__ import annotations

import csv
import gzip
import math
import os
import struct
from typing import Any

import numpy as np

#: IDX type codes and their big-endian numpy dtypes.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes) -> np.ndarray:
    """An independent reading of IDX bytes (plain or gzip), to compare the reader with."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] != b"\0\0" or data[2] not in IDX_TYPES:
        raise ValueError("bad magic")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    dtype = np.dtype(IDX_TYPES[data[2]])
    body = data[4 + 4 * ndim :]
    if len(body) != math.prod(shape) * dtype.itemsize:
        raise ValueError("size")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def write_csv(path: str | os.PathLike[str], header: list[str], rows: list[list[Any]]) -> Any:
    """A CSV file of ``header`` and ``rows``, as a user's spreadsheet would export it."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def mutate(data: bytes, rng: np.random.Generator, other: bytes) -> bytes:
    """One random corruption: flips, a truncation, a splice, an insertion or a deletion."""
    n = len(data)
    kind = int(rng.integers(6))
    if kind == 0:  # flip 1 to 4 bytes
        out = bytearray(data)
        for i in rng.integers(0, n, size=int(rng.integers(1, 5))):
            out[i] ^= int(rng.integers(1, 256))
        return bytes(out)
    if kind == 1:  # truncate
        return data[: int(rng.integers(0, n))]
    if kind == 2:  # splice: a segment of this file copied over another place
        a, b, length = int(rng.integers(n)), int(rng.integers(n)), int(rng.integers(1, 64))
        out = bytearray(data)
        chunk = data[a : a + length]
        out[b : b + len(chunk)] = chunk
        return bytes(out[:n])
    if kind == 3:  # insert random bytes
        at = int(rng.integers(n + 1))
        return data[:at] + rng.bytes(int(rng.integers(1, 16))) + data[at:]
    if kind == 4:  # delete a segment
        at = int(rng.integers(n))
        return data[:at] + data[at + int(rng.integers(1, 64)) :]
    # splice with another file: the head of one, the tail of the other
    cut = int(rng.integers(min(n, len(other)) + 1))
    return data[:cut] + other[cut:]
