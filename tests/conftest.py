"""Test configuration: one hypothesis profile, quick and free of flakes on 2 cores."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def scripts_dir() -> Path:
    return SCRIPTS


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """Tests see Ctrl-C as a terminal gives it, however pytest was started.

    Started in the background (``&``, ``nohup``), a process has SIGINT ignored and
    Python installs no ``KeyboardInterrupt`` handler; the interrupt tests would then
    test the shell's choice instead of the library.
    """
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
