"""A CSV file's label column: its classes (the distinct values, as names) or its targets.

The classes of a label column are its distinct values, whatever they look like:
``1, 2, 3`` are three classes, ``2, 4`` two, ``2019, 2020`` two, named by their
values. When every label is a number they are sorted as numbers (``-2, 3, 10``),
else as text (``10, 3, setosa``). A number is named and compared by its value, not
its spelling: ``1``, ``1.0`` and ``1e0`` are one class ``1``; ``1.50`` and ``1.5``
one class ``1.5``. A number that float64 cannot hold exactly, such as
9007199254740993 (2⁵³ + 1, which float64 rounds to 2⁵³) or a decimal of more than
15 significant digits that is not the shortest spelling of a float64, is kept as
its exact decimal value, so 9007199254740992 and 9007199254740993 are two classes.
``inf``, ``nan`` and other non-finite cells are names like any text.

Classification or regression, when not told (:meth:`LabelledTable.guess_task`): text
labels are classes; numbers with fractions are a regression target; whole numbers are
classes unless there are many of them, more than :data:`MANY_VALUES` distinct values
and fewer than :data:`ROWS_PER_VALUE` rows a value on average (the diabetes data's
214 different progressions in 442 rows are a regression; 10 digits in 1,797 rows,
or 40 people photographed 10 times each, are classes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from ..types import Array

MANY_VALUES = 20  # more distinct whole numbers than this may be quantities, not classes
ROWS_PER_VALUE = 5  # ... when there are fewer rows than this a value, on average
_EXACT_DIGITS = 15  # a decimal of at most 15 digits is one float64 and no other's spelling


def exact_key(text: str, value: float) -> str | None:
    """The exact decimal name of a number cell that float64 does not hold exactly, else None.

    ``text`` is the stripped cell and ``value`` its finite float. A cell of at most 15
    characters has at most 15 significant digits, so its float stands for it alone.
    """
    if len(text) <= _EXACT_DIGITS:
        return None
    exact = Decimal(text)
    if exact == Decimal(repr(value)):
        return None
    if exact == exact.to_integral_value() and exact.adjusted() < 21:
        return str(int(exact))
    return format(exact.normalize(), "f") if exact.adjusted() < 21 else str(exact.normalize())


def number_name(value: float) -> str:
    """A float class's name: ``7`` for a whole number (below 10²¹), else its shortest repr."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


@dataclass
class LabelledTable:
    """A CSV table read once: features X (N×k) and the label column as float64 ``values``
    and int32 ``codes`` (-1 for a number float64 holds; else an index into ``texts``, the
    distinct other cells in order seen: names, and numbers kept exactly (``exact``))."""

    X: Array
    values: Array  # NaN where the cell is text
    codes: Array
    texts: list[str]
    first_text_line: int | None  # the line of the first text, for error messages
    header: list[str] | None
    target: int
    exact: set[int] = field(default_factory=set)  # the codes of exactly kept numbers
    notes: list[str] = field(default_factory=list)  # what was guessed of the file's layout

    @property
    def label_name(self) -> str | None:
        return self.header[self.target] if self.header is not None else None

    @property
    def label_key(self) -> str | None:
        """What ``label=`` finds this label column by: its name, else its column number (as
        text), else None for the last column of a file without a header."""
        if self.header is not None:
            return self.header[self.target]
        return None if self.target == self.X.shape[1] else str(self.target + 1)

    @property
    def label_text(self) -> str:
        """The label column for a message: ``'kind' (column 3)`` or ``(column 3)``."""
        column = f"(column {self.target + 1})"
        return f"{self.label_name!r} {column}" if self.label_name is not None else column

    @property
    def feature_names(self) -> list[str] | None:
        if self.header is None:
            return None
        return [name for i, name in enumerate(self.header) if i != self.target]

    def _numbers(self) -> tuple[Array, Array]:
        """The distinct float64 labels (sorted) and each such row's index into them."""
        unique, inverse = np.unique(self.values[self.codes < 0], return_inverse=True)
        return unique, inverse.ravel()

    def has_text(self) -> bool:
        """Whether some label is a name rather than a number."""
        return len(self.exact) < len(self.texts)

    def classes(self) -> tuple[Array, list[str]]:
        """Class indices (N,) into the names: the distinct labels, sorted (see the module)."""
        unique, inverse = self._numbers()
        names = [number_name(v) for v in unique.tolist()] + self.texts
        if self.has_text():
            order = sorted(range(len(names)), key=names.__getitem__)
        else:  # numbers only: float and Decimal compare exactly
            values: list[float | Decimal] = unique.tolist()
            values += [Decimal(t) for t in self.texts]
            order = sorted(range(len(names)), key=values.__getitem__)
        keys = len(unique) + self.codes.astype(np.int64)
        keys[self.codes < 0] = inverse
        return np.argsort(order)[keys], [names[i] for i in order]

    def distinct(self) -> int:
        """The number of distinct labels: the classes there would be."""
        return len(self._numbers()[0]) + len(self.texts)

    def has_fractions(self) -> bool:
        """Whether the labels are all numbers, some not whole."""
        if self.has_text():
            return False
        finite = self.values[np.isfinite(self.values)]
        return bool(np.any(finite != np.floor(finite))) or any(
            "." in self.texts[c] or "E-" in self.texts[c] for c in self.exact
        )

    def guess_task(self) -> tuple[str, str | None]:
        """``("regression", why)`` or ``("classification", None)``, by the module's rule."""
        if self.has_text():
            return "classification", None
        if self.has_fractions():
            return "regression", f"the label column {self.label_text} holds numbers with fractions"
        rows, count = len(self.values), self.distinct()
        if count > MANY_VALUES and count * ROWS_PER_VALUE > rows:
            return "regression", (
                f"the label column {self.label_text} holds {count} different whole numbers in "
                f"{rows} rows, fewer than {ROWS_PER_VALUE} rows a value: quantities, not classes"
            )
        return "classification", None

    def single_value(self, path: object) -> str | None:
        """The message refusing a label column that holds one value only, else None."""
        if self.distinct() != 1:
            return None
        value = self.classes()[1][0]
        return (
            f"{path}: the label column {self.label_text} holds one value only ({value!r} in all "
            f"{len(self.values)} rows): there is nothing to tell apart or predict; is it the "
            "label column? (choose another with --label NAME or --label NUMBER)"
        )

    def code_column(self) -> str | None:
        """A note when the label column is the last and a regression target but the first
        column looks like class codes (the UCI wine layout, its class first)."""
        if self.target != self.X.shape[1] or self.X.shape[1] < 2:
            return None
        first = self.X[:, 0]
        unique = np.unique(first)
        if not (2 <= len(unique) <= MANY_VALUES and np.all(unique == np.floor(unique))):
            return None
        if len(unique) * ROWS_PER_VALUE > len(first) or not math.isfinite(unique[-1]):
            return None
        name = f"{self.header[0]!r}, " if self.header is not None else ""
        key = self.header[0] if self.header is not None else "1"
        return (
            f"the last column is taken as the target; the first ({name}column 1) holds "
            f"{len(unique)} whole numbers like class codes: to predict those instead, give "
            f"--label {key}"
        )

    def decide(self, task: str) -> tuple[str, list[str]]:
        """The task (``task`` itself unless ``"auto"``: guessed) and the notes to show: what
        was guessed of the file's layout, why it is a regression, which column is the label."""
        kind, why = self.guess_task() if task == "auto" else (task, None)
        notes = list(self.notes)
        if why:
            notes.append(f"{why}: training a regression (--task classification for classes)")
        if kind == "regression" and task == "auto" and (hint := self.code_column()):
            notes.append(hint)
        return kind, notes
