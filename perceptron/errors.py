"""Errors that training raises on its own account."""

from __future__ import annotations


class TrainingDiverged(FloatingPointError):
    """A loss, gradient or step became non-finite; the network keeps its last finite weights.

    Raised before the step that would have made a weight non-finite, so the
    weights, the optimizer's state and the sums are those of the last good update.
    """
