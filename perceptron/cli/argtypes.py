"""The command line's argument types: text converted, then checked by :mod:`perceptron.checks`
(the same checks the library runs, so a value it would refuse is refused with its reason),
and the parser and help formatter every command uses."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from ..checks import check_int, check_real
from .console import UsageError


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class Help(argparse.HelpFormatter):
    """Shows every default: '(default: …)' after an option's help, unless it names its own."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default in (None, argparse.SUPPRESS):
            return text
        if action.option_strings or action.nargs in ("?", "*"):
            text += " (default: %(default)s)"
        return text


def _checked(convert: Callable[[str], Any], check: Callable[..., Any], **limits: Any) -> Any:
    def parse(text: str) -> Any:
        try:
            return check(convert(text), "value", **limits)
        except (TypeError, ValueError) as error:
            reason = str(error).removeprefix("value: ")
            if isinstance(error, ValueError) and "could not convert" in reason:
                reason = f"expected a number, got {text!r}"
            if "invalid literal" in reason:
                reason = f"expected a whole number, got {text!r}"
            raise argparse.ArgumentTypeError(reason) from None

    return parse


positive_int = _checked(int, check_int, minimum=1)
nonnegative_int = _checked(int, check_int, minimum=0)
positive_real = _checked(float, check_real, positive=True)
nonnegative_real = _checked(float, check_real, nonnegative=True)
fraction = _checked(float, check_real, nonnegative=True, below=1.0)


def layers(text: str) -> list[int]:
    """``30,10``: hidden sizes and the output size."""
    size = _checked(int, check_int, minimum=1, maximum=1_000_000)
    try:
        return [size(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(
            f"expected sizes from 1 to 1000000 separated by commas such as 30,10, got {text!r} "
            f"({error})"
        ) from None
