"""Writing a file atomically: a temporary file beside the real target, then a rename.

What a path *is* is never changed: a symlink is written through (the file it points
to gets the new contents, the link stays a link), and a folder, device, FIFO or
socket is refused, never renamed over.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # not POSIX: no advisory locks
    fcntl = None  # type: ignore[assignment]


def regular_target(path: str | os.PathLike[str], name: str = "path") -> Path:
    """The file a write to ``path`` must replace: symlinks resolved, checked to be ordinary.

    Returns the resolved path: an existing regular file, or a new name in an existing
    folder. A folder, a device, a FIFO or a socket is refused with ``ValueError``
    naming ``name`` (a missing folder with ``FileNotFoundError``), so nothing that is
    not a plain file is ever touched.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a file path (str or pathlib.Path), got {path!r}")
    given = os.fspath(path)
    if not isinstance(given, str):
        raise TypeError(f"{name}: expected a text file path, got {given!r}")
    if not given or given.endswith(os.sep):
        raise ValueError(f"{name}: {given!r} is a folder; expected a file name")
    target = Path(os.path.realpath(given))
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{name}: the folder {str(Path(given).parent)!r} does not exist")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    if stat.S_ISDIR(mode):
        raise ValueError(f"{name}: {given!r} is a folder; expected a file name")
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "special file")
        raise ValueError(
            f"{name}: {given!r} is a {kind}, not a regular file; it is never written over. "
            "Choose a file name"
        )
    return target


_KINDS = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO (named pipe)",
    stat.S_IFSOCK: "socket",
}


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object], name: str = "path"
) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``'s target, then rename it there.

    The rename is atomic on POSIX and Windows, so a crash mid-write leaves either the old
    file or the new one, never a broken one; the temporary file is removed on any error.
    The target is :func:`regular_target` of ``path``, checked again just before the rename.
    A re-save keeps the target's permissions; a new file gets those a plain ``open()``
    would give it. Temporary files left by killed writers (``.NAME.PID.*.tmp`` whose
    process is gone) are removed.
    """
    target = regular_target(path, name)
    folder = target.parent
    _remove_stale(folder, target.name)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp makes the file private (0600)
        regular_target(target, name)  # it may have been replaced meanwhile
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
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


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], name: str = "path") -> Iterator[None]:
    """Hold an advisory lock (``flock``) on the file ``path`` while the body runs.

    Another process holding it: ``ValueError`` naming ``name``. The kernel drops a
    lock when its holder dies, so a lock file left by a killed run does not block
    the next one. The file is removed on the way out. Where ``flock`` does not exist
    (Windows) nothing is locked.
    """
    if fcntl is None:
        yield
        return
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ValueError(
                f"{name}: another run holds the lock {str(path)!r} and is writing there; "
                "wait for it to finish, or choose another path"
            ) from None
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(os.fstat(fd), current):
            break
        os.close(fd)  # its holder removed it while we opened it: take the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)
