"""Reading a linted repository's files: only regular files of bounded size, never a device.

Everything in a linted repository is attacker-written: a ``*.py`` symlink to /dev/zero or a
FIFO would make a plain read take all memory or block forever.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Largest file read: generated or vendored modules above it are not hand-written CORS code,
# and ast.parse needs about 50 times the file size in memory.
MAX_FILE_BYTES = 2 * 1024 * 1024
# Opened without following a symlink (swapped in after the check) and without blocking on
# a FIFO; both flags are POSIX, and absent (0) elsewhere.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS |= getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def read_source(
    path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None
) -> bytes | str:
    """The bytes of a regular file of at most MAX_FILE_BYTES, or why it is not read.

    Everything in a linted repository is attacker-written: a ``*.py`` symlink to /dev/zero
    or a FIFO would make a plain read take all memory or block forever. So: lstat first; a
    symlink is followed only when it resolves to a regular file inside ``root``; the file is
    opened with O_NOFOLLOW|O_NONBLOCK, checked again with fstat on the open descriptor (the
    name may have been swapped in between), and read up to the cap plus one byte.
    """
    try:
        info = os.lstat(path)
        target = os.fspath(path)
        if stat.S_ISLNK(info.st_mode):
            resolved = os.path.realpath(path)
            base = os.path.realpath(root if root is not None else Path.cwd())
            if not _within(resolved, base):
                return "a symlink to a file outside the linted directory; skipped"
            info = os.stat(resolved)
            target = resolved
            kind = _kind(info.st_mode)
            if kind is not None:
                return f"a symlink to {kind}; skipped"
        kind = _kind(info.st_mode)
        if kind is not None:
            return f"{kind}, not a regular file; skipped"
        if info.st_size > MAX_FILE_BYTES:
            return f"larger than {MAX_FILE_BYTES} bytes ({info.st_size}); skipped"
        fd = os.open(target, _OPEN_FLAGS)
    except OSError as exc:
        return f"could not read: {exc.strerror or exc.__class__.__name__}; skipped"
    try:
        opened = os.fstat(fd)
        kind = _kind(opened.st_mode)
        if kind is not None:
            return f"{kind}, not a regular file; skipped"
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            return f"larger than {MAX_FILE_BYTES} bytes; skipped"
        return b"".join(chunks)
    except OSError as exc:
        return f"could not read: {exc.strerror or exc.__class__.__name__}; skipped"
    finally:
        os.close(fd)
