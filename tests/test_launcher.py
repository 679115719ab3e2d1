"""The ``perceptron`` command's launcher: a Ctrl-C while the library loads ends quietly.

The interrupt is delivered at a fixed point of the import (a real SIGINT, sent by
the child to itself when numpy is looked up), so the test does not depend on timing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

import perceptron_main

#: Sends the child a real SIGINT when ``numpy`` is first looked up; with
#: ``convert``, turns the interrupt into an ImportError as a compiled module may.
CHILD = textwrap.dedent(
    """
    import os, signal, sys

    class Interrupter:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy":
                sys.meta_path.remove(self)
                try:
                    os.kill(os.getpid(), signal.SIGINT)
                except KeyboardInterrupt:
                    if {convert}:
                        raise ImportError("PyCapsule_Import could not import module")
                    raise
            return None

    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts it
    sys.meta_path.insert(0, Interrupter())
    import perceptron_main
    sys.exit(perceptron_main.main(["train", "--epochs", "1"]))
    """
)


@pytest.mark.parametrize("convert", [False, True], ids=["interrupt", "import-error"])
def test_a_ctrl_c_while_loading_ends_quietly(convert: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(convert=convert)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "perceptron: interrupted\n"
    assert done.stdout == ""


def test_a_ctrl_c_during_the_run_is_the_commands_own() -> None:
    # After loading, the command line's handler is back: training reports 130 itself.
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert perceptron_main.main(["--version"]) == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_unrelated_import_error_is_not_called_an_interrupt() -> None:
    child = textwrap.dedent(
        """
        import sys

        class Broken:
            def find_spec(self, name, path=None, target=None):
                if name == "numpy":
                    raise ImportError("numpy is broken here")
                return None

        sys.meta_path.insert(0, Broken())
        import perceptron_main
        sys.exit(perceptron_main.main(["--version"]))
        """
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True)
    assert done.returncode == 1 and "numpy is broken here" in done.stderr


def test_the_console_script_is_the_launcher() -> None:
    scripts = metadata.entry_points(group="console_scripts")
    (entry,) = [e for e in scripts if e.name == "perceptron"]
    assert entry.value == "perceptron_main:run"


def test_a_command_started_with_ctrl_c_ignored_keeps_it_ignored() -> None:
    # nohup and `&` start a command with SIGINT ignored; loading must not undo that.
    child = CHILD.replace(
        "sys.meta_path.insert(0, Interrupter())",
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\nsys.meta_path.insert(0, Interrupter())",
    ).replace('["train", "--epochs", "1"]', '["--version"]')
    done = subprocess.run(
        [sys.executable, "-c", child.format(convert=False)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("perceptron ") and done.stderr == ""


@pytest.mark.parametrize("argv", [["--version"], ["train", "--data", "xor", "--epochs", "2"]])
def test_a_ctrl_c_while_python_exits_is_ignored(argv: list[str]) -> None:
    # A real SIGINT sent from an exit handler: it lands while Python shuts down, as
    # the second of two quick Ctrl-Cs can. The command's work is done by then.
    child = textwrap.dedent(
        f"""
        import atexit, os, signal, sys
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts it
        atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))
        sys.argv = ["perceptron", *{argv!r}]
        import perceptron_main
        perceptron_main.run()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr == ""
