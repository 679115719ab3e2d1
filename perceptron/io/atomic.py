"""Writing a file atomically: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on POSIX and Windows, so a crash mid-write leaves either the old
    file or the new one, never a broken one; the temporary file is removed on any error.
    A re-save keeps the target's permissions; a new file gets those a plain ``open()``
    would give it. Temporary files left by killed writers (``.NAME.PID.*.tmp`` whose
    process is gone) are removed.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"path: folder {str(folder)!r} does not exist")
    if target.is_dir() or not target.name:
        raise ValueError(f"path: {str(target)!r} is a folder; expected a file name")
    _remove_stale(folder, target.name)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp makes the file private (0600)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    """The process's umask, read without changing it (Linux); 0o022 where it cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _remove_stale(folder: Path, name: str) -> None:
    """Delete ``.NAME.PID.*.tmp`` files whose writing process no longer exists."""
    for leftover in folder.glob(f".{glob.escape(name)}.*.tmp"):
        parts = leftover.name[len(name) + 2 :].split(".")
        if not parts or not parts[0].isdigit() or int(parts[0]) == os.getpid():
            continue
        try:
            os.kill(int(parts[0]), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                leftover.unlink()
        except (PermissionError, OverflowError, OSError):
            continue  # alive under another user, or not a process id
