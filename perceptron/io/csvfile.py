"""Numeric tables from CSV files: features X and class labels, with clear errors.

A file is rows of numbers separated by commas, optionally under a header row
of column names (detected: the first row is a header when any of its cells is
text that is not a number). The label is the column named by ``label`` (which needs a
header) or else the last column. Labels may be integers (0, 1, 2, …: the
class index is the integer itself) or any text (``setosa``, ``versicolor``:
the classes are the distinct values in sorted order).

Only the ``csv`` module and numpy are used. Ragged rows, non-numeric or
non-finite cells and files without data raise :class:`CSVError` (a
``ValueError``) naming the line and the column.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..types import Array

PathLike = str | os.PathLike[str]

#: Integer labels above this are taken as names, not as class indices.
_MAX_INTEGER_CLASS = 10_000


class CSVError(ValueError):
    """A CSV file that cannot be read as a numeric table."""


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_rows(
    path: PathLike, delimiter: str
) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """(header or None, [(line number, cells)]) with blank lines skipped."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no CSV file at {str(source)!r}")
    rows: list[tuple[int, list[str]]] = []
    try:
        with open(source, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            for cells in reader:
                if not cells or all(not c.strip() for c in cells):
                    continue
                rows.append((reader.line_num, [c.strip() for c in cells]))
    except UnicodeDecodeError as error:
        raise CSVError(f"{source}: not a UTF-8 text file ({error.reason})") from None
    except csv.Error as error:
        raise CSVError(f"{source}: malformed CSV ({error})") from None
    if not rows:
        raise CSVError(f"{source}: the file is empty; expected rows of numbers")
    header = None
    first = rows[0][1]
    # A header has a cell that is text; an empty cell alone is a missing number.
    if any(cell and not _is_number(cell) for cell in first):
        header = first
        rows = rows[1:]
        if len(set(header)) != len(header):
            raise CSVError(f"{source}: the header repeats a column name: {header}")
    if not rows:
        raise CSVError(f"{source}: the file has a header but no data rows")
    width = len(header) if header is not None else len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            raise CSVError(
                f"{source}: line {line} has {len(cells)} cells, expected {width} "
                "(every row must have as many cells as the first)"
            )
    return header, rows


def _to_float(
    source: PathLike, rows: list[tuple[int, list[str]]], columns: list[int], names: list[str] | None
) -> Array:
    X = np.empty((len(rows), len(columns)), dtype=np.float64)
    for r, (line, cells) in enumerate(rows):
        for c, column in enumerate(columns):
            cell = cells[column]
            try:
                value = float(cell)
            except ValueError:
                where = f"column {column + 1}" + (f" ({names[column]!r})" if names else "")
                raise CSVError(
                    f"{source}: line {line}, {where}: expected a number, got {cell!r}"
                ) from None
            if not math.isfinite(value):
                where = f"column {column + 1}" + (f" ({names[column]!r})" if names else "")
                raise CSVError(
                    f"{source}: line {line}, {where}: expected a finite number, got {cell!r}"
                )
            X[r, c] = value
    return X


def _encode_labels(cells: list[str]) -> tuple[Array, list[str]]:
    """Class indices and names: integers as themselves, other text in sorted order."""
    integers: list[int] | None = []
    for cell in cells:
        try:
            value = float(cell)
        except ValueError:
            integers = None
            break
        if not value.is_integer() or not 0 <= value <= _MAX_INTEGER_CLASS:
            integers = None
            break
        integers.append(int(value))  # type: ignore[union-attr]
    if integers is not None:
        labels = np.asarray(integers, dtype=np.int64)
        return labels, [str(i) for i in range(int(labels.max()) + 1)]
    names = sorted(set(cells))
    index = {name: i for i, name in enumerate(names)}
    return np.asarray([index[c] for c in cells], dtype=np.int64), names


@dataclass
class LabelledTable:
    """A CSV table read once: the features X (N×k), the label column's cells as text,
    their line numbers, the header (or None) and the label column's index in it."""

    X: Array
    cells: list[str]
    lines: list[int]  # the file line of each row, for error messages
    header: list[str] | None
    target: int

    @property
    def label_name(self) -> str | None:
        return self.header[self.target] if self.header is not None else None

    @property
    def feature_names(self) -> list[str] | None:
        if self.header is None:
            return None
        return [name for i, name in enumerate(self.header) if i != self.target]

    def classes(self) -> tuple[Array, list[str]]:
        """Class indices and names: integers as themselves, other text in sorted order."""
        return _encode_labels(self.cells)

    def has_fractions(self) -> bool:
        """Whether the labels are all numbers, some not whole: a regression target."""
        if not all(_is_number(c) for c in self.cells):
            return False
        values = [float(c) for c in self.cells]
        return all(math.isfinite(v) for v in values) and any(not v.is_integer() for v in values)


def read_labelled(
    path: PathLike, label: str | None = None, *, delimiter: str = ","
) -> LabelledTable:
    """Read a labelled table once; the label column is ``label`` (needs a header) or the last."""
    header, rows = _read_rows(path, delimiter)
    width = len(rows[0][1])
    target = _label_column(path, header, width, label)
    features = [c for c in range(width) if c != target]
    X = _to_float(path, rows, features, header)
    labels = [cells[target] for _, cells in rows]
    return LabelledTable(X, labels, [line for line, _ in rows], header, target)


def read_csv(
    path: PathLike, label: str | None = None, *, delimiter: str = ","
) -> tuple[Array, Array, list[str]]:
    """Read a labelled table: (X, labels, label_names).

    X is float64 N×k (every column but the label), labels int64 (N,) class
    indices, and ``label_names[i]`` the name of class i. ``label`` names the
    label column (the file needs a header row); None takes the last column.
    """
    table = read_labelled(path, label, delimiter=delimiter)
    labels, names = table.classes()
    return table.X, labels, names


def _label_column(path: PathLike, header: list[str] | None, width: int, label: str | None) -> int:
    """The index of the label column: ``label`` by name (needs a header), else the last."""
    if width < 2:
        raise CSVError(f"{path}: expected at least two columns (features and a label), got {width}")
    if label is None:
        return width - 1
    if header is None:
        raise CSVError(
            f"{path}: label column {label!r} asked for, but the file has no header row; "
            "omit the label name to use the last column"
        )
    if label not in header:
        raise CSVError(f"{path}: no column named {label!r}; the columns are {header}")
    return header.index(label)


def targets_of(path: PathLike, table: LabelledTable) -> Array:
    """The label column as float64 numbers (N,) for a regression; each must be finite."""
    where = f"column {table.target + 1}" + (
        f" ({table.label_name!r})" if table.header is not None else ""
    )
    t = np.empty(len(table.cells), dtype=np.float64)
    for i, (line, cell) in enumerate(zip(table.lines, table.cells, strict=True)):
        try:
            value = float(cell)
        except ValueError:
            raise CSVError(
                f"{path}: line {line}, {where}: expected a number, got {cell!r}"
            ) from None
        if not math.isfinite(value):
            raise CSVError(f"{path}: line {line}, {where}: expected a finite number, got {cell!r}")
        t[i] = value
    return t


def read_csv_targets(
    path: PathLike, label: str | None = None, *, delimiter: str = ","
) -> tuple[Array, Array, str]:
    """Read a table for a regression: (X, t, name of the target column).

    X is float64 N×k (every column but the target), t float64 (N,) the target
    column (the one named ``label``, else the last), which must hold numbers.
    """
    table = read_labelled(path, label, delimiter=delimiter)
    return table.X, targets_of(path, table), table.label_name or f"column {table.target + 1}"


def read_header(path: PathLike, *, delimiter: str = ",") -> list[str] | None:
    """The column names of the header row, or None when the first row is data."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for cells in csv.reader(handle, delimiter=delimiter):
                first = [c.strip() for c in cells]
                if any(first):
                    return first if any(c and not _is_number(c) for c in first) else None
    except (UnicodeDecodeError, csv.Error):
        return None  # the full read reports what is wrong with the file
    return None


def read_csv_features(path: PathLike, *, delimiter: str = ",") -> Array:
    """Read an unlabelled table (every column a feature): X, float64 N×k."""
    header, rows = _read_rows(path, delimiter)
    width = len(rows[0][1])
    return _to_float(path, rows, list(range(width)), header)
