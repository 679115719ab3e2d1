"""The one array alias the package's type hints share."""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]
"""A numpy array of any dtype and shape (the docstrings give the shapes)."""
