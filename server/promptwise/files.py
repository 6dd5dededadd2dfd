"""Which files a run looks at: explicit paths always, directories by pattern.

Walking never follows directory symlinks (so a symlink loop cannot trap it)
and prunes the usual build and dependency folders before descending.
JSON/YAML files are taken only when they look like chat-message files.

A walk is over content someone else may have committed, so it is bounded and
stays where it was pointed: it keeps its own stack instead of recursing (a
tree thousands of folders deep cannot exhaust Python's stack), stops
descending past ``MAX_WALK_DEPTH`` levels, and a file symlink whose target
lies outside the walked folder is not followed (a committed link to
``/dev/zero`` or to ``~/.ssh/id_rsa``). Each of those, and a folder that
cannot be listed, becomes a candidate that carries the reason it was refused,
so the run reports it against that path and goes on. A path named on the
command line is always followed.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from promptwise.config import DEFAULT_EXCLUDE
from promptwise.document import parse
from promptwise.document.detect import CHAT_SUFFIXES, DEFAULT_INCLUDE
from promptwise.errors import InputError
from promptwise.reading import read_regular

MAX_WALK_DEPTH = 1000
_NAME_MAX = 255
_CONFIG_ROOM = 64


def _path_max(folder: Path) -> int:
    """The longest path the system takes (4096 on Linux, 1024 on macOS)."""
    try:
        return int(os.pathconf(folder, "PC_PATH_MAX"))
    except (AttributeError, OSError, ValueError):
        return 4096


@dataclass(frozen=True)
class Candidate:
    path: Path
    explicit: bool  # named on the command line: checked whatever its name
    sniff_chat: bool = False  # a JSON/YAML file found by walking: skip unless chat
    refused: str | None = None  # why the walk would not read it (reported, not read)


def read_candidate(candidate: Candidate) -> bytes:
    """The candidate's bytes, if it is a regular file within the size cap.

    Raises :class:`InputError` with the reason otherwise (a refusal from the
    walk, a FIFO, a device, too big), and ``OSError`` for what the system
    refuses (missing, permission, a folder, a symlink loop).
    """
    if candidate.refused is not None:
        raise InputError(candidate.refused, path=str(candidate.path))
    return read_regular(candidate.path, parse.MAX_FILE_BYTES)


def _spellings(pattern: str) -> list[str]:
    """``pattern`` with each ``**/`` kept or dropped: ``**/`` also means no folder at all.

    So ``prompts/**/*.txt`` takes ``prompts/a.txt`` as well as
    ``prompts/sub/a.txt``, as in gitignore and VS Code globs.
    """
    pieces = pattern.split("**/")
    if len(pieces) == 1:
        return [pattern]
    if len(pieces) > 5:  # beyond four `**/`: kept all, or dropped all
        return [pattern, "".join(pieces)]
    out = [pieces[0]]
    for piece in pieces[1:]:
        out = [f"{head}{joint}{piece}" for head in out for joint in ("**/", "")]
    return out


def glob_match(rel: str, name: str, pattern: str) -> bool:
    """One pattern against a file: see the README's *Patterns* for the rules.

    A pattern without ``/`` matches the name (ignoring case too); one with
    ``/`` matches the relative path. ``*`` and ``?`` are fnmatch's (``*``
    crosses ``/``), ``**/`` is zero or more folders, and a trailing ``/`` names
    a folder.
    """
    pattern = pattern.rstrip("/") or pattern  # `vendor/` names the folder `vendor`
    if "/" not in pattern:
        return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(
            name.lower(), pattern.lower()
        )
    return any(fnmatch.fnmatchcase(rel, p) for p in _spellings(pattern))


def _match(rel: str, name: str, patterns: Sequence[str], prefix: str | None = None) -> bool:
    """Does any pattern match, by name, by path from the walked folder, or from ``prefix``?

    ``prefix`` is the walked folder's path relative to the config file's
    folder, which ``include``/``exclude`` patterns in the config are written
    against: ``prompts/**/*.txt`` matches when walking ``prompts/`` itself.
    """
    full = f"{prefix}/{rel}" if prefix else None
    return any(
        glob_match(rel, name, pattern) or (full is not None and glob_match(full, name, pattern))
        for pattern in patterns
    )


def excluded(rel: str, name: str, exclude: Sequence[str], prefix: str | None = None) -> bool:
    return name in DEFAULT_EXCLUDE or _match(rel, name, exclude, prefix)


def excluded_by(path: Path, root: Path, exclude: Sequence[str]) -> bool:
    """Does ``exclude`` (the user's patterns, relative to ``root``) cover ``path``?

    For a file the editor opens, which no walk decides about: it is left alone
    when a walk from ``root`` would have skipped it or a folder above it.
    """
    if not exclude:
        return False
    try:
        rel = PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:  # outside the folder the patterns are relative to
        return False
    parts = rel.parts
    return any(_match("/".join(parts[: i + 1]), part, exclude) for i, part in enumerate(parts))


def is_prompt_path(
    rel: str, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> bool | None:
    """Would a walk pick up this repository-relative path?

    True for prompt file names (and ``include`` matches), None for JSON/YAML
    files that are prompts only if they hold chat messages, False otherwise.
    """
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts[:-1]):
        if excluded("/".join(parts[: i + 1]), part, exclude):
            return False
    name = parts[-1] if parts else rel
    if excluded(rel, name, exclude):
        return False
    if _match(rel, name, (*DEFAULT_INCLUDE, *include)):
        return None if name.lower().endswith(CHAT_SUFFIXES) else True
    return None if name.lower().endswith(CHAT_SUFFIXES) else False


def _prefix(root: Path, base: Path | None) -> str | None:
    """``root`` relative to ``base`` (the config's folder), when it lies below it."""
    if base is None:
        return None
    try:
        rel = Path(os.path.realpath(root)).relative_to(os.path.realpath(base)).as_posix()
    except ValueError:
        return None
    return None if rel in ("", ".") else rel


def walk(
    paths: Sequence[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    base: Path | None = None,
) -> Iterator[Candidate]:
    """Candidates from ``paths``; ``include``/``exclude`` are globs on names, on
    paths relative to the directory being walked, or relative to ``base`` (the
    folder of the config file that set them)."""
    patterns = (*DEFAULT_INCLUDE, *include)
    seen: set[str] = set()
    for raw in paths:
        root = Path(raw)
        if not root.is_dir():
            key = os.path.normpath(raw)
            if key not in seen:
                seen.add(key)
                yield Candidate(root, explicit=True)
            continue
        real_root = os.path.realpath(root)
        prefix = _prefix(root, base)
        # Room below a folder for one more name and a config file name: every
        # path the run then opens (a file, a folder's promptwise.yaml) fits.
        longest = _path_max(root) - _NAME_MAX - _CONFIG_ROOM
        stack: list[tuple[Path, str, int]] = [(root, "", 0)]
        while stack:
            folder, rel_dir, depth = stack.pop()
            if depth > MAX_WALK_DEPTH:
                yield Candidate(
                    folder,
                    explicit=False,
                    refused=f"folder nested more than {MAX_WALK_DEPTH:,} levels deep; "
                    "not descended into",
                )
                continue
            if len(os.fsencode(os.path.abspath(folder))) > longest:
                yield Candidate(
                    folder,
                    explicit=False,
                    refused="folder path too long for the system to open files below it; "
                    "not descended into",
                )
                continue
            try:
                folders, files = _list(folder)
            except OSError as exc:
                yield Candidate(
                    folder, explicit=False, refused=f"cannot list folder: {exc.strerror or exc}"
                )
                continue
            for name in sorted(files):
                rel = _join(rel_dir, name)
                if excluded(rel, name, exclude, prefix):
                    continue
                full = folder / name
                key = os.path.normpath(str(full))
                if key in seen:
                    continue
                chat_name = name.lower().endswith(CHAT_SUFFIXES)
                if _match(rel, name, patterns, prefix) or chat_name:
                    seen.add(key)
                    yield Candidate(
                        full, explicit=False, sniff_chat=chat_name, refused=_leaves(full, real_root)
                    )
            kept = sorted(d for d in folders if not excluded(_join(rel_dir, d), d, exclude, prefix))
            stack.extend((folder / d, _join(rel_dir, d), depth + 1) for d in reversed(kept))


def _list(folder: Path) -> tuple[list[str], list[str]]:
    """Sub-folders to descend into and files of ``folder``.

    A symlink to a folder is neither: it is not followed, so a loop cannot
    trap the walk. Types come from the listing itself, so a path too long
    to ``stat`` cannot fail here.
    """
    folders: list[str] = []
    files: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                linked = is_dir and entry.is_symlink()
            except OSError:
                is_dir = linked = False
            if not linked:
                (folders if is_dir else files).append(entry.name)
    return folders, files


def _leaves(path: Path, real_root: str) -> str | None:
    """Why a walked file is not followed: a symlink whose target is outside the walk."""
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    if target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return (
        "symbolic link to a file outside the checked folder; not followed "
        "(name it on the command line to check it)"
    )


def _join(rel_dir: str, name: str) -> str:
    return name if rel_dir in ("", ".") else str(PurePosixPath(rel_dir) / name)
