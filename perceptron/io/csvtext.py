"""How a CSV file is laid out: which cells are numbers, its delimiter, and its header.

Numbers are ASCII decimal numbers only: an optional sign, digits with an optional
decimal point, an optional exponent (``12``, ``-0.5``, ``2.5e-3``), or ``inf`` and
``nan`` (read, then refused as not finite). Python's ``float`` also accepts digit
separators (``1_000``) and the digits of other scripts (Arabic-Indic ``٣``, full-width
``１２``); here those are cells that *look* like numbers but are refused, with a message
saying what to write instead.

The delimiter is sniffed from the file's first rows (at most :data:`SAMPLE_ROWS`
rows or :data:`SAMPLE_BYTES` bytes): comma, semicolon or tab, the one that splits
every sampled row into the same number (two or more) of cells, the most of them
numbers; comma when none does. The first row is a header when one of its cells is
text; when all its cells are numbers it is data, unless a column below it holds
text in every sampled row (a label column of names under column numbers ``0,1,2``)
or it is the column numbers pandas writes for unnamed columns (``0,1,2,…`` or
``1,2,3,…``, three or more). A layout that was a guess carries a note saying how to
override it (``header=True``/``False``, ``--header``/``--no-header``).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

SAMPLE_ROWS = 50  # rows of the file's start that decide its delimiter and header
SAMPLE_BYTES = 1 << 20  # and at most this much of it
DELIMITERS = {",": "commas (',')", ";": "semicolons (';')", "\t": "tabs"}
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


class CSVError(ValueError):
    """A CSV file that cannot be read as a numeric table."""


def looks_numeric(cell: str) -> bool:
    """Whether Python's ``float`` reads the cell (``1_000`` and ``٣`` included)."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def is_number(cell: str) -> bool:
    """Whether the cell is an ASCII decimal number (or ``inf``/``nan``): ``float`` reads it
    and it holds no digit separator and no character outside ASCII."""
    return cell.isascii() and "_" not in cell and looks_numeric(cell)


def number_hint(cell: str) -> str:
    """What to write instead of a cell that is not a number, when that can be guessed."""
    text = cell.strip()
    if looks_numeric(text) and not is_number(text):  # a digit separator or other digits
        return (
            f" (only ASCII decimal numbers are read, no digit separators or other digits: "
            f"write {float(text):.17g})"
        )
    if _DECIMAL_COMMA.fullmatch(text):
        return f" (a decimal comma? write {text.replace(',', '.')})"
    return ""


@dataclass
class Layout:
    """The delimiter, whether the first row is a header, and the notes on what was guessed."""

    delimiter: str = ","
    header: bool | None = None  # None: decided by the first row alone (an empty sample)
    notes: list[str] = field(default_factory=list)


def _sample(path: Path) -> str:
    """The start of the file: at most SAMPLE_ROWS lines and about SAMPLE_BYTES characters."""
    lines: list[str] = []
    size = 0
    with open(path, newline="", encoding="utf-8-sig") as handle:
        while len(lines) < SAMPLE_ROWS and size < SAMPLE_BYTES:
            line = handle.readline(SAMPLE_BYTES)
            if not line:
                break
            lines.append(line)
            size += len(line)
    return "".join(lines)


def _parse(text: str, delimiter: str) -> list[list[str]]:
    """The sample's non-blank rows, split by ``delimiter``; a cut last row is dropped."""
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True))
    except csv.Error:
        return []
    if rows and text and not text.endswith(("\n", "\r")):
        rows.pop()  # the sample may end in the middle of a row
    return [[cell.strip() for cell in row] for row in rows if any(c.strip() for c in row)]


def _score(rows: list[list[str]], delimiter: str) -> int:
    """-1 when ``delimiter`` splits the rows unevenly or into one cell; else the count of
    their cells that are numbers (or numbers with a decimal comma, under ';' or tab)."""
    if not rows or len({len(row) for row in rows}) != 1 or len(rows[0]) < 2:
        return -1
    count = sum(looks_numeric(c) for row in rows for c in row)
    if delimiter != ",":
        count += sum(bool(_DECIMAL_COMMA.fullmatch(c)) for row in rows for c in row)
    return count


def _is_column_numbers(first: list[str]) -> bool:
    """``0,1,2,…`` or ``1,2,3,…`` written as plain integers: how pandas names columns."""
    if not all(c.isdigit() and c.isascii() for c in first):
        return False
    numbers = [int(c) for c in first]
    return numbers in (list(range(len(first))), list(range(1, len(first) + 1)))


def _header(rows: list[list[str]], source: Path) -> tuple[bool, str | None]:
    """Whether the first sampled row is a header, and a note when that was a guess."""
    first, below = rows[0], rows[1:]
    if any(cell and not looks_numeric(cell) for cell in first):
        return True, None
    shown = ",".join(first) if len(",".join(first)) <= 40 else ",".join(first)[:37] + "..."
    for j in range(len(first)):
        column = [row[j] for row in below if j < len(row)]
        if column and all(c and not looks_numeric(c) for c in column):
            return True, (
                f"{source}: the first row ({shown}) is all numbers, but column {j + 1} below it "
                "holds text: read it as a header of column names (--no-header to read it as data)"
            )
    if _is_column_numbers(first):
        if len(first) >= 3:
            return True, (
                f"{source}: the first row ({shown}) numbers the columns, as pandas writes them: "
                "read it as a header (--no-header to read it as data)"
            )
        return False, (
            f"{source}: the first row ({shown}) could be column numbers or data: read it as data "
            "(--header to read it as column names)"
        )
    return False, None


def sniff(path: Path, header: bool | None = None, delimiter: str | None = None) -> Layout:
    """The file's layout, from its first rows: ``delimiter`` and ``header`` when given, else
    guessed (see the module's docstring). A file that cannot be decoded gets the defaults;
    the full read reports what is wrong with it."""
    try:
        text = _sample(path)
    except (UnicodeDecodeError, OSError):
        return Layout(delimiter or ",", header)
    notes = []
    if delimiter is None:
        scores = {d: _score(_parse(text, d), d) for d in DELIMITERS}
        delimiter = max(DELIMITERS, key=lambda d: scores[d])  # the first of equals: ','
        if scores[delimiter] < 0:
            delimiter = ","
        elif delimiter != ",":
            notes.append(f"{path}: the cells are separated by {DELIMITERS[delimiter]}")
    rows = _parse(text, delimiter)
    if header is None and rows:
        header, note = _header(rows, path)
        notes += [note] if note else []
    return Layout(delimiter, header, notes)


def csv_rows(source: Path, handle: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
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


def read_header(path: str | os.PathLike[str], *, header: bool | None = None) -> list[str] | None:
    """The column names of the header row, or None when the first row is data (or the
    file cannot be read: the full read reports why)."""
    source = Path(path)
    layout = sniff(source, header)
    try:
        with open(source, newline="", encoding="utf-8-sig") as handle:
            first = next(csv_rows(source, handle, layout.delimiter), None)
    except (CSVError, OSError):
        return None
    if first is None or layout.header is False:
        return None
    names = [cell.strip() for cell in first[1]]
    text = any(cell and not looks_numeric(cell) for cell in names)
    return names if layout.header or text else None


def first_row(path: str | os.PathLike[str]) -> list[str] | None:
    """The stripped cells of the file's first non-blank row (None when it cannot be read)."""
    source = Path(path)
    layout = sniff(source, False)
    try:
        with open(source, newline="", encoding="utf-8-sig") as handle:
            first = next(csv_rows(source, handle, layout.delimiter), None)
    except (CSVError, OSError):
        return None
    return None if first is None else [cell.strip() for cell in first[1]]
