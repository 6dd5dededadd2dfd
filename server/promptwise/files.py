"""Which files a run looks at: explicit paths always, directories by pattern.

Walking never follows directory symlinks (so a symlink loop cannot trap it)
and prunes the usual build and dependency folders before descending.
JSON/YAML files are taken only when they look like chat-message files.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from promptwise.config import DEFAULT_EXCLUDE
from promptwise.document.detect import CHAT_SUFFIXES, DEFAULT_INCLUDE


@dataclass(frozen=True)
class Candidate:
    path: Path
    explicit: bool  # named on the command line: checked whatever its name
    sniff_chat: bool = False  # a JSON/YAML file found by walking: skip unless chat


def _match(rel: str, name: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(rel, pattern):
            return True
        if pattern.startswith("**/") and fnmatch.fnmatchcase(rel, pattern[3:]):
            return True
        if "/" not in pattern and fnmatch.fnmatchcase(name.lower(), pattern.lower()):
            return True
    return False


def excluded(rel: str, name: str, exclude: Sequence[str]) -> bool:
    return name in DEFAULT_EXCLUDE or _match(rel, name, exclude)


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


def walk(
    paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> Iterator[Candidate]:
    """Candidates from ``paths``; ``include``/``exclude`` are globs on names or
    paths relative to the directory being walked."""
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
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            base = Path(dirpath)
            rel_dir = base.relative_to(root).as_posix()
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not excluded(_join(rel_dir, d), d, exclude) and not (base / d).is_symlink()
            )
            for name in sorted(filenames):
                rel = _join(rel_dir, name)
                if excluded(rel, name, exclude):
                    continue
                full = base / name
                key = os.path.normpath(str(full))
                if key in seen:
                    continue
                if _match(rel, name, patterns):
                    seen.add(key)
                    yield Candidate(
                        full, explicit=False, sniff_chat=name.lower().endswith(CHAT_SUFFIXES)
                    )
                elif name.lower().endswith(CHAT_SUFFIXES):
                    seen.add(key)
                    yield Candidate(full, explicit=False, sniff_chat=True)


def _join(rel_dir: str, name: str) -> str:
    return name if rel_dir in ("", ".") else str(PurePosixPath(rel_dir) / name)
