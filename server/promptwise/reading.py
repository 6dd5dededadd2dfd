"""Read a file from disk only when it is a regular file, and never past a cap.

A path in a workspace can name a FIFO (a reader blocks until someone
writes), a device (``/dev/zero`` never ends, ``/dev/tty`` waits for a key)
or a symbolic link to either, and a committed symlink is enough to plant
one. So files are opened without blocking, the *open descriptor* is checked
to be a regular file (no window between the check and the read), and the
size cap is counted while reading: ``st_size`` can be stale (the file grows)
or meaningless (``/proc`` files report 0), so it only serves to refuse a
file that is already too big without reading it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from promptwise.errors import InputError

_CHUNK = 1 << 20

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def too_large(size: int | None, limit: int) -> str:
    """The message for a file over ``limit`` bytes (``size`` None: found while reading)."""
    shown = f"over {limit // 1_048_576}" if size is None else f"{size / 1_048_576:.1f}"
    return f"file is {shown} MB; prompt files over {limit // 1_048_576} MB are not analysed"


def open_regular(path: Path, *, follow: bool = True) -> int:
    """A descriptor open for reading on ``path``, which must be a regular file.

    Raises ``IsADirectoryError`` for a folder, :class:`InputError` for any
    other kind of file (and for a symlink when ``follow`` is false), and
    ``OSError`` as ``os.open`` does (missing file, permission, loops).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP and os.path.islink(path):
            raise InputError("is a symbolic link; not followed", path=str(path)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise InputError(f"is {_kind(mode)}, not a regular file; not read", path=str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd


def chunks(fd: int, limit: int | None) -> Iterator[bytes]:
    """Blocks of the file; one byte past ``limit`` at most, so callers can tell it is over."""
    left = None if limit is None else limit + 1
    while left is None or left > 0:
        block = os.read(fd, _CHUNK if left is None else min(_CHUNK, left))
        if not block:
            return
        if left is not None:
            left -= len(block)
        yield block


def read_regular(path: Path, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; :class:`InputError` otherwise."""
    fd = open_regular(path, follow=follow)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise InputError(too_large(size, limit), path=str(path))
        data = b"".join(chunks(fd, limit))
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(too_large(None, limit), path=str(path))
    return data


def inside(path: Path, root: Path) -> bool:
    """Does ``path``, every symbolic link on the way followed, end inside ``root``?"""
    target = os.path.realpath(path)
    base = os.path.realpath(root)
    return target == base or target.startswith(base.rstrip(os.sep) + os.sep)


def links_out(path: Path, root: str | Path) -> bool:
    """Is ``path`` written inside ``root`` but led out of it by a symbolic link?"""
    written = os.path.normpath(os.path.abspath(path))
    base = os.path.normpath(os.path.abspath(root))
    lexically = written == base or written.startswith(base.rstrip(os.sep) + os.sep)
    return lexically and not inside(path, Path(root))


def read_settings_file(path: Path, limit: int, within: Path | None = None) -> str:
    """The text of a config, rule or price file a repository may have committed.

    Read as :func:`read_regular` reads (a regular file, the cap counted while
    reading) and decoded as UTF-8. With ``within``, a path whose symbolic
    links lead out of that folder is refused rather than followed: a
    committed ``promptwise.yaml`` linking to ``~/.ssh/id_rsa`` would otherwise
    have its lines quoted back in a parse error. Raises :class:`InputError`
    for a refused file, ``OSError`` as :func:`open_regular` does, and
    ``UnicodeDecodeError``.
    """
    if within is not None and not inside(path, within):
        raise InputError(
            f"symbolic link to a file outside {within}; not followed "
            "(name the file itself, e.g. on the command line, to use it)",
            path=str(path),
        )
    return read_regular(path, limit).decode("utf-8")
