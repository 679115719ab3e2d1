"""Numeric tables from CSV files, read in bounded memory: features X and labels.

A file is rows of ASCII decimal numbers separated by commas, semicolons or tabs
(sniffed), optionally under a header row of column names; blank rows are skipped
(:mod:`.csvtext` says how the delimiter and the header are decided, and which cells
are numbers). The label is the column ``label`` names (a header name, or a column
number from 1), else the one header column named ``label``, ``class``, ``target`` or
``y``, else the last. The classes are the label column's distinct values, named by
them (:mod:`.csvlabels`): ``1, 2, 3`` are three classes, ``setosa`` is a name.

Memory: rows are parsed one at a time, their numbers put straight into float64
chunks joined once at the end; no row is kept as text (the label column is float64
values and int32 codes into its distinct non-numeric texts). A read peaks at about
twice the arrays it returns (N rows x columns x 8 bytes) plus one chunk. Errors
are :class:`CSVError` (a ``ValueError``) naming the file, the line and the column.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..types import Array
from .csvlabels import LabelledTable, exact_key
from .csvtext import (
    CSVError,
    Layout,
    csv_rows,
    first_row,
    is_number,
    looks_numeric,
    number_hint,
    read_header,
    sniff,
)

__all__ = [
    "CSVError",
    "LabelledTable",
    "read_csv",
    "first_row",
    "read_csv_features",
    "read_header",
    "read_labelled",
]

PathLike = str | os.PathLike[str]
Row = tuple[int, list[str]]  # (file line number, cells)
Header = list[str] | None
_RAGGED = "{}: line {} has {} cells, expected {} (every row must have as many cells as the first)"

LABEL_NAMES = ("label", "class", "target", "y")  # a header column so named is the label
_CHUNK_ROWS, _CHUNK_BYTES = 4096, 1 << 20  # a chunk's rows at most, and about its bytes


def _first_rows(source: Path, rows: Iterator[Row], header: bool | None) -> tuple[Header, Row]:
    """The header (or None) and the first data row; ``header`` None: a header when a cell
    of the first row is text (an empty one is no number)."""
    first = next(rows, None)
    if first is None:
        raise CSVError(f"{source}: the file is empty; expected rows of numbers")
    names = [cell.strip() for cell in first[1]]
    if header is None:
        header = any(cell and not looks_numeric(cell) for cell in names)
    if not header:
        return None, first
    if len(set(names)) != len(names):
        raise CSVError(f"{source}: the header repeats a column name: {names}")
    data = next(rows, None)
    if data is None:
        raise CSVError(f"{source}: the file has a header but no data rows")
    if len(data[1]) != len(names):
        raise CSVError(_RAGGED.format(source, data[0], len(data[1]), len(names)))
    return names, data


def _bad_cell(path: PathLike, line: int, column: int, header: Header, cell: str) -> CSVError:
    """The error for a cell that is not a finite number: where, what came, what to write."""
    where = f"column {column + 1}" + (f" ({header[column]!r})" if header is not None else "")
    expected = "a finite number" if is_number(cell) else "a number"
    return CSVError(
        f"{path}: line {line}, {where}: expected {expected}, got {cell.strip()!r}"
        + number_hint(cell)
    )


class _Chunks:
    """Rows put as they are read into fixed-size chunks: X, label values and label codes."""

    def __init__(self, path: PathLike, header: Header, width: int, target: int | None) -> None:
        self.path, self.header, self.width, self.target = path, header, width, target
        self.columns = [c for c in range(width) if c != target]
        self.size = max(1, min(_CHUNK_ROWS, _CHUNK_BYTES // (8 * len(self.columns))))
        self.parts: list[list[Array]] = [[], [], []]  # the kept chunks of X, values, codes
        self.texts: dict[str, int] = {}  # distinct label texts not held as float64, in order
        self.exact: set[int] = set()  # the codes of those that are numbers, kept exactly
        self.first_text: int | None = None  # the line of the first label that is no number
        self.n, self.chunk = 0, self._empty(self.size)

    def _empty(self, rows: int) -> list[Array]:
        labels = 0 if self.target is None else rows  # no label arrays without a label
        X = np.empty((rows, len(self.columns)), dtype=np.float64)
        return [X, np.empty(labels, dtype=np.float64), np.full(labels, -1, dtype=np.int32)]

    def _keep(self, rows: int) -> None:
        """Keep the chunk, cut in place to its rows, and start one of ``rows`` rows."""
        for part, chunk in zip(self.parts, self.chunk, strict=True):
            if self.n < len(chunk):
                chunk.resize((self.n, *chunk.shape[1:]), refcheck=False)
            part.append(chunk)
        self.n, self.chunk = 0, self._empty(rows)

    def add(self, line: int, cells: list[str]) -> None:
        """One row: its features into the chunk (checked), its label cell kept compactly."""
        if len(cells) != self.width:
            raise CSVError(_RAGGED.format(Path(self.path), line, len(cells), self.width))
        X = self.chunk[0]
        if self.target is not None:
            self._label(line, cells.pop(self.target).strip())
        try:
            numbers = list(map(float, cells))
        except ValueError:
            numbers = [math.nan]  # a cell that is not a number: found and reported below
        text = "".join(cells)  # float() also reads 1_000 and other scripts' digits: not here
        if not math.isfinite(sum(numbers)) or not text.isascii() or "_" in text:
            for cell, column in zip(cells, self.columns, strict=True):
                if not math.isfinite(float(cell) if is_number(cell) else math.nan):
                    raise _bad_cell(self.path, line, column, self.header, cell)
        X[self.n] = numbers
        self.n += 1
        if self.n == self.size:
            self._keep(self.size)

    def _label(self, line: int, cell: str) -> None:
        """A label cell: its float64 value, and a code when float64 does not name it."""
        value = float(cell) if is_number(cell) else math.nan
        code = -1
        if not math.isfinite(value):  # a name
            code = self.texts.setdefault(cell, len(self.texts))
            self.first_text = line if self.first_text is None else self.first_text
            value = math.nan
        elif (key := exact_key(cell, value)) is not None:  # a number float64 rounds
            code = self.texts.setdefault(key, len(self.texts))
            self.exact.add(code)
        self.chunk[1][self.n], self.chunk[2][self.n] = value, code

    def arrays(self) -> tuple[Array, Array, Array]:
        """(X, label values, label codes), each joined once (a single chunk is not copied)."""
        if self.n or not self.parts[0]:
            self._keep(0)
        joined, self.chunk = [], []  # the unused chunk let go
        while self.parts:  # each kind's chunks let go (at the next pop) once joined
            part = self.parts.pop(0)
            joined.append(part[0] if len(part) == 1 else np.concatenate(part))
        return joined[0], joined[1], joined[2]


def _read(
    path: PathLike, label: str | None, labelled: bool, header: bool | None, delimiter: str | None
) -> tuple[_Chunks, Layout]:
    """A whole file read into chunks, and its layout; the label column is found only when
    ``labelled`` (the layout's notes then say how it was found, when that was a guess)."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no CSV file at {str(source)!r}")
    layout = sniff(source, header, delimiter)
    with open(source, newline="", encoding="utf-8-sig") as handle:
        rows = csv_rows(source, handle, layout.delimiter)
        names, (line, cells) = _first_rows(source, rows, layout.header)
        width = len(names) if names is not None else len(cells)
        target = _label_column(path, names, width, label, layout) if labelled else None
        chunks = _Chunks(path, names, width, target)
        chunks.add(line, cells)
        for line, cells in rows:
            chunks.add(line, cells)
    return chunks, layout


def read_labelled(
    path: PathLike,
    label: str | None = None,
    *,
    header: bool | None = None,
    delimiter: str | None = None,
) -> LabelledTable:
    """A labelled table read once, in about twice the memory of its arrays plus one chunk.

    ``label``: the label column's header name or its number from 1 (default: a header
    column named label, class, target or y, else the last). ``header``: whether the first
    row names the columns (default: guessed); ``delimiter``: default sniffed. What was
    guessed is in the table's ``notes``.
    """
    c, layout = _read(path, label, True, header, delimiter)
    X, values, codes = c.arrays()
    return LabelledTable(
        X,
        values,
        codes,
        list(c.texts),
        c.first_text,
        c.header,
        c.target or 0,
        c.exact,
        layout.notes,
    )


def read_csv(
    path: PathLike,
    label: str | None = None,
    *,
    header: bool | None = None,
    delimiter: str | None = None,
) -> tuple[Array, Array, list[str]]:
    """Read a labelled table: (X, labels, label_names).

    X is float64 N×k (every column but the label), labels int64 (N,) class
    indices, and ``label_names[i]`` the name of class i: the label column's distinct
    values, sorted (as numbers when they all are), so labels 2 and 4 are the classes 0
    and 1 named "2" and "4". ``label``, ``header`` and ``delimiter`` as in
    :func:`read_labelled`.
    """
    table = read_labelled(path, label, header=header, delimiter=delimiter)
    labels, names = table.classes()
    return table.X, labels, names


def _label_column(
    path: PathLike, header: Header, width: int, label: str | None, layout: Layout
) -> int:
    """The index of the label column: ``label`` by name or number, else a header column
    named as in LABEL_NAMES (one only), else the last."""
    if width < 2:
        hint = "" if layout.delimiter != "," else ": no comma, semicolon or tab separates its cells"
        raise CSVError(
            f"{path}: expected at least two columns (features and a label), got {width}{hint}"
        )
    if label is None:
        named = [i for i, name in enumerate(header or []) if name.lower() in LABEL_NAMES]
        if len(named) == 1 and named[0] != width - 1 and header is not None:
            layout.notes.append(
                f"{path}: the label column is {header[named[0]]!r} (column {named[0] + 1}), "
                "found by its name; give --label NAME or --label NUMBER to choose another"
            )
            return named[0]
        return width - 1
    if header is not None and label in header:
        return header.index(label)
    if label.isdigit() and label.isascii() and 1 <= int(label) <= width:
        return int(label) - 1
    if header is None:
        raise CSVError(
            f"{path}: label column {label!r} asked for, but the file has no header row; give "
            f"the label column's number from 1 to {width}, or omit it to use the last column"
        )
    raise CSVError(f"{path}: no column named {label!r}; the columns are {header}")


def targets_of(path: PathLike, table: LabelledTable) -> Array:
    """The label column as float64 numbers (N,) for a regression; each must be finite."""
    if table.first_text_line is not None:  # the first name has the lowest code of the names
        first = min(set(range(len(table.texts))) - table.exact)
        cell = table.texts[first]
        raise _bad_cell(path, table.first_text_line, table.target, table.header, cell)
    return table.values.copy()


def read_features(
    path: PathLike, *, header: bool | None = None, delimiter: str | None = None
) -> tuple[Array, Header, list[str]]:
    """An unlabelled table (every column a feature): X, float64 N×k, in about twice its
    memory plus one chunk; the header's column names (or None); notes on what was guessed."""
    c, layout = _read(path, None, False, header, delimiter)
    return c.arrays()[0], c.header, layout.notes


def read_csv_features(
    path: PathLike, *, header: bool | None = None, delimiter: str | None = None
) -> Array:
    """Read an unlabelled table (every column a feature): X, float64 N×k."""
    return read_features(path, header=header, delimiter=delimiter)[0]
