"""Workspace globs (``applyTo``): parsed, and whether any file of the workspace matches.

An ``applyTo`` that matches no file applies its instructions to nothing, and
nothing says so. Checking needs the workspace's file names: they are listed
once per workspace root, without following links, leaving out the folders
``check`` never walks (``.git``, ``node_modules``, ...), at most
:data:`MAX_FILES` names and for at most :data:`TTL_SECONDS` before being
listed again. A listing cut short answers "unknown", and the rule is then
silent: it must never claim that nothing matches when it did not look.
"""

from __future__ import annotations

import fnmatch
import os
import threading
import time
from functools import lru_cache

from promptwise.config import DEFAULT_EXCLUDE

MAX_FILES = 50_000
TTL_SECONDS = 10.0


MAX_ALTERNATIVES = 64


@lru_cache(maxsize=256)
def parse_glob(glob: str) -> tuple[tuple[str, ...], ...] | None:
    """A workspace glob as alternatives of ``/``-separated parts, braces expanded.

    ``**`` is a part of its own (any number of folders); every other part is
    matched against one path segment by :func:`fnmatch.fnmatchcase` (``*``,
    ``?``, ``[...]``), whose patterns cannot backtrack out of control. None
    for a glob that does not parse (PW010 reports it) or whose braces expand
    to more than :data:`MAX_ALTERNATIVES` globs.
    """
    expanded = _expand(glob.strip().lstrip("/"))
    if expanded is None:
        return None
    out = []
    for one in expanded:
        parts: list[str] = []
        for part in one.split("/"):
            if part == "**" and parts and parts[-1] == "**":
                continue  # `**/**` is `**`
            if part or not parts:
                parts.append(part)
        out.append(tuple(parts))
    return tuple(out)


def _expand(glob: str) -> list[str] | None:
    """``a{b,c}d`` -> ``[abd, acd]``, innermost-first; None when unbalanced or too many."""
    results = [glob]
    done: list[str] = []
    while results:
        current = results.pop()
        close = current.find("}")
        if close == -1:
            if "{" in current:
                return None
            done.append(current)
        else:
            opening = current.rfind("{", 0, close)
            if opening == -1:
                return None
            head, body, tail = current[:opening], current[opening + 1 : close], current[close + 1 :]
            results.extend(head + option + tail for option in body.split(","))
        if len(done) + len(results) > MAX_ALTERNATIVES:
            return None
    return done


def _parts_match(glob: tuple[str, ...], path: list[str]) -> bool:
    """Segment by segment, ``**`` taking any number of segments: O(parts x segments)."""
    width = len(path) + 1
    ok = [False] * (len(glob) + 1) * width
    ok[len(glob) * width + len(path)] = True
    for i in range(len(glob) - 1, -1, -1):
        part = glob[i]
        for j in range(len(path), -1, -1):
            if part == "**":
                hit = ok[(i + 1) * width + j] or (j < len(path) and ok[i * width + j + 1])
            else:
                hit = (
                    j < len(path)
                    and ok[(i + 1) * width + j + 1]
                    and fnmatch.fnmatchcase(path[j], part)
                )
            ok[i * width + j] = hit
    return ok[0]


_lock = threading.Lock()
_listings: dict[str, tuple[float, tuple[str, ...] | None]] = {}


def workspace_files(root: str) -> tuple[str, ...] | None:
    """Relative paths of the files under ``root``, or None when there are too many to list."""
    now = time.monotonic()
    with _lock:
        cached = _listings.get(root)
        if cached is not None and now - cached[0] < TTL_SECONDS:
            return cached[1]
    listing = _list(root)
    with _lock:
        _listings[root] = (now, listing)
    return listing


def _list(root: str) -> tuple[str, ...] | None:
    found: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name in DEFAULT_EXCLUDE:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    found.append(os.path.relpath(entry.path, root).replace(os.sep, "/"))
            except OSError:
                continue
            if len(found) > MAX_FILES:
                return None
    return tuple(found)


def matches_any(glob: str, files: tuple[str, ...]) -> bool | None:
    """Does ``glob`` match one of ``files``? None when the glob cannot be read.

    A glob without a ``/`` is also tried on each file's name alone (``*.py``
    is read as "Python files" by some tools and "Python files at the root" by
    others; the generous reading keeps the rule from a false alarm).
    """
    alternatives = parse_glob(glob)
    if alternatives is None:
        return None
    for path in files:
        segments = path.split("/")
        for parts in alternatives:
            if _parts_match(parts, segments):
                return True
            if len(parts) == 1 and fnmatch.fnmatchcase(segments[-1], parts[0]):
                return True
    return False
