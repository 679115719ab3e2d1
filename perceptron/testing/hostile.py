"""Hostile inputs: files corrupted in the ways disks, networks and attackers corrupt them."""

from __future__ import annotations

import numpy as np


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
