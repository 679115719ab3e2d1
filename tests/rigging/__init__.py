"""Helpers for testing code built on perceptron: injected faults and hostile inputs.

Like ``numpy.testing``, for the project's own tests, its fault drill, and
anyone who wants to check that their training code survives an interrupt, a
broken optimizer or a corrupted file.
"""

from .faults import (
    Bomb,
    FailingAdam,
    FailingSGD,
    at_completed_update,
    finish,
    identical,
    params,
    prepared_net,
    rig,
    same,
    snapshot,
    terminal_sigint,
)
from .hostile import IDX_TYPES, mutate, parse_idx, write_csv
from .idxfile import write_idx

__all__ = [
    "IDX_TYPES",
    "Bomb",
    "FailingAdam",
    "FailingSGD",
    "at_completed_update",
    "finish",
    "identical",
    "mutate",
    "params",
    "parse_idx",
    "prepared_net",
    "rig",
    "same",
    "snapshot",
    "terminal_sigint",
    "write_csv",
    "write_idx",
]
