"""Numeric tables from CSV files, read in bounded memory: features X and labels.

A file is rows of numbers separated by commas, optionally under a header row of
column names (the first non-blank row, when any of its cells is text that is not
a number); blank rows are skipped. The label is the column named by ``label``
(which needs a header) or else the last. Labels may be integers (0, 1, 2, …: the
class index is the integer itself) or any text (``setosa``: the classes are the
distinct values in sorted order of their text); a number among text is named by
its value, not its spelling (``1.50`` and ``1.5`` are one class ``1.5``).

Memory: rows are parsed one at a time, their numbers put straight into float64
chunks joined once at the end; no row is kept as text (the label column is float64
values and int32 codes into its distinct non-numeric texts). A read peaks at about
twice the arrays it returns (N rows x columns x 8 bytes) plus one chunk. Errors
are :class:`CSVError` (a ``ValueError``) naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from ..types import Array

PathLike = str | os.PathLike[str]
Row = tuple[int, list[str]]  # (file line number, cells)
Header = list[str] | None
_RAGGED = "{}: line {} has {} cells, expected {} (every row must have as many cells as the first)"

_MAX_INTEGER_CLASS = 10_000  # integer labels above this are names, not class indices
_CHUNK_ROWS, _CHUNK_BYTES = 4096, 1 << 20  # a chunk's rows at most, and about its bytes


class CSVError(ValueError):
    """A CSV file that cannot be read as a numeric table."""


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _rows(source: Path, handle: IO[str], delimiter: str) -> Iterator[Row]:
    """The non-blank rows of an open file, parsed one at a time."""
    # skipinitialspace: `1, "a b"` is the cell a b, as spreadsheets write it, not "a b" quoted.
    reader = csv.reader(handle, delimiter=delimiter, skipinitialspace=True)
    line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise CSVError(f"{source}: not a UTF-8 text file ({error.reason})") from None
        except csv.Error as error:  # the record began on the line after the last one read
            limit = f"a cell of more than {csv.field_size_limit()} characters; expected numbers"
            problem = limit if "field limit" in str(error) else f"malformed CSV ({error})"
            raise CSVError(f"{source}: line {line + 1}: {problem}") from None
        line = reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, cells


def _header(cells: list[str]) -> Header:
    """A row's stripped cells if it is a header: a cell is text (an empty one is no number)."""
    stripped = [cell.strip() for cell in cells]
    return stripped if any(cell and not _is_number(cell) for cell in stripped) else None


def _first_rows(source: Path, rows: Iterator[Row]) -> tuple[Header, Row]:
    """The header (or None) and the first data row."""
    first = next(rows, None)
    if first is None:
        raise CSVError(f"{source}: the file is empty; expected rows of numbers")
    header = _header(first[1])
    if header is None:
        return None, first
    if len(set(header)) != len(header):
        raise CSVError(f"{source}: the header repeats a column name: {header}")
    data = next(rows, None)
    if data is None:
        raise CSVError(f"{source}: the file has a header but no data rows")
    if len(data[1]) != len(header):
        raise CSVError(_RAGGED.format(source, data[0], len(data[1]), len(header)))
    return header, data


def _bad_cell(path: PathLike, line: int, column: int, header: Header, cell: str) -> CSVError:
    """The error for a cell that is not a finite number."""
    where = f"column {column + 1}" + (f" ({header[column]!r})" if header is not None else "")
    expected = "a finite number" if _is_number(cell) else "a number"
    return CSVError(f"{path}: line {line}, {where}: expected {expected}, got {cell.strip()!r}")


class _Chunks:
    """Rows put as they are read into fixed-size chunks: X, label values and label codes."""

    def __init__(self, path: PathLike, header: Header, width: int, target: int | None) -> None:
        self.path, self.header, self.width, self.target = path, header, width, target
        self.columns = [c for c in range(width) if c != target]
        self.size = max(1, min(_CHUNK_ROWS, _CHUNK_BYTES // (8 * len(self.columns))))
        self.parts: list[list[Array]] = [[], [], []]  # the kept chunks of X, values, codes
        self.texts: dict[str, int] = {}  # distinct non-numeric label texts, in order seen
        self.first_text: int | None = None  # the line of the first one
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
        X, values, codes = self.chunk
        if self.target is not None:
            cell = cells.pop(self.target)
            value = float(cell) if _is_number(cell) else math.nan
            if not math.isfinite(value):
                codes[self.n] = self.texts.setdefault(cell.strip(), len(self.texts))
                self.first_text = line if self.first_text is None else self.first_text
                value = math.nan
            values[self.n] = value
        try:
            numbers = list(map(float, cells))
        except ValueError:
            numbers = [math.nan]  # a cell that is not a number: found and reported below
        if not math.isfinite(sum(numbers)):  # a NaN or an infinity (or a harmless overflow)
            for cell, column in zip(cells, self.columns, strict=True):
                if not math.isfinite(float(cell) if _is_number(cell) else math.nan):
                    raise _bad_cell(self.path, line, column, self.header, cell)
        X[self.n] = numbers
        self.n += 1
        if self.n == self.size:
            self._keep(self.size)

    def arrays(self) -> tuple[Array, Array, Array]:
        """(X, label values, label codes), each joined once (a single chunk is not copied)."""
        if self.n or not self.parts[0]:
            self._keep(0)
        joined, self.chunk = [], []  # the unused chunk let go
        while self.parts:  # each kind's chunks let go (at the next pop) once joined
            part = self.parts.pop(0)
            joined.append(part[0] if len(part) == 1 else np.concatenate(part))
        return joined[0], joined[1], joined[2]


def _read(path: PathLike, delimiter: str, label: str | None, labelled: bool) -> _Chunks:
    """A whole file read into chunks; the label column is found only when ``labelled``."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no CSV file at {str(source)!r}")
    with open(source, newline="", encoding="utf-8-sig") as handle:
        rows = _rows(source, handle, delimiter)
        header, (line, cells) = _first_rows(source, rows)
        width = len(header) if header is not None else len(cells)
        target = _label_column(path, header, width, label) if labelled else None
        chunks = _Chunks(path, header, width, target)
        chunks.add(line, cells)
        for line, cells in rows:
            chunks.add(line, cells)
    return chunks


@dataclass
class LabelledTable:
    """A CSV table read once: features X (N×k), the label column as float64 ``values`` and,
    for cells not finite numbers (NaN there), int32 ``codes`` into ``texts`` (else -1)."""

    X: Array
    values: Array
    codes: Array
    texts: list[str]
    first_text_line: int | None  # the line of the first text, for error messages
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
        """Class indices and names: integers as themselves, other labels in sorted order."""
        values = self.values
        if not self.texts and np.all(values == np.floor(values)):
            if values.min() >= 0 and values.max() <= _MAX_INTEGER_CLASS:
                labels = values.astype(np.int64)
                return labels, [str(i) for i in range(int(labels.max()) + 1)]
        numeric = self.codes < 0
        unique, inverse = np.unique(values[numeric], return_inverse=True)
        numbers = [str(int(v)) if v.is_integer() else repr(v) for v in unique.tolist()]
        names = numbers + self.texts  # numbers named by value: 1.50 and 1.5 are 1.5
        order = sorted(range(len(names)), key=names.__getitem__)
        keys = len(unique) + self.codes.astype(np.int64)  # into names: texts after numbers
        keys[numeric] = inverse.ravel()
        return np.argsort(order)[keys], [names[i] for i in order]

    def has_fractions(self) -> bool:
        """Whether the labels are all numbers, some not whole: a regression target."""
        return not self.texts and bool(np.any(self.values != np.floor(self.values)))


def read_labelled(
    path: PathLike, label: str | None = None, *, delimiter: str = ","
) -> LabelledTable:
    """A labelled table read once, in about twice the memory of its arrays plus one chunk;
    the label column is ``label`` (which needs a header) or else the last."""
    c = _read(path, delimiter, label, labelled=True)
    return LabelledTable(*c.arrays(), list(c.texts), c.first_text, c.header, c.target or 0)


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
    if table.first_text_line is not None:  # codes count from the first non-numeric cell
        raise _bad_cell(path, table.first_text_line, table.target, table.header, table.texts[0])
    return table.values.copy()


def read_header(path: PathLike, *, delimiter: str = ",") -> Header:
    """The column names of the header row, or None when the first row is data."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            first = next(_rows(Path(path), handle, delimiter), (0, []))
    except CSVError:
        return None  # the full read reports what is wrong with the file
    return _header(first[1])


def read_csv_features(path: PathLike, *, delimiter: str = ",") -> Array:
    """Read an unlabelled table (every column a feature): X, float64 N×k, in about twice
    its memory plus one chunk."""
    return _read(path, delimiter, None, labelled=False).arrays()[0]
