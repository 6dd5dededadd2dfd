"""References to files, resolved without ever leaving the workspace.

A prompt file comes from a repository someone else may have written, so a
reference is data, never a path to open blindly: ``../../../etc/passwd`` or
a committed symlink to ``~/.ssh`` must not be read, nor even said to exist.
A target is resolved lexically against the referring file's folder (a
leading ``/`` means the workspace root, as in VS Code), refused when that
path leaves the workspace, and refused again when the real path (after
every symlink) does. Only then is it looked up, and only a regular file
under the size cap is ever read (:func:`promptwise.reading.read_regular`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath

from promptwise.document.parse import MAX_FILE_BYTES
from promptwise.errors import InputError
from promptwise.project.references import Reference, ReferenceKind
from promptwise.reading import read_regular


class Status(str, Enum):
    FOUND = "found"
    MISSING = "missing"
    OUTSIDE = "outside"  # the path, or its real path, leaves the workspace


@dataclass(frozen=True)
class Resolution:
    """Where a reference leads.

    ``path`` is the file found or, when missing, the first place it was
    looked for (a partial is looked for in several folders: ``tried``).
    """

    status: Status
    path: str | None = None
    tried: tuple[str, ...] = ()
    is_dir: bool = False

    @property
    def found(self) -> bool:
        return self.status is Status.FOUND


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def workspace_root(path: str, settings_root: str | None = None) -> str:
    """The folder references may reach: the repository, else the config's folder.

    The nearest folder above ``path`` that holds ``.git``; else the folder
    of the configuration file (``settings_root``, which the language server
    sets to the workspace folder); else the current folder when the file is
    inside it; else the file's own folder.
    """
    file = Path(os.path.abspath(path))
    for folder in file.parents:
        if (folder / ".git").exists():
            return str(folder)
    candidates = [settings_root, os.getcwd()]
    for candidate in candidates:
        if candidate and _within(str(file), os.path.abspath(candidate)):
            return os.path.abspath(candidate)
    return str(file.parent)


@dataclass
class Project:
    """The workspace one analysis may read: its root, and the editor's unsaved texts.

    ``overlay`` maps absolute paths to the text an editor holds for them,
    which wins over the file on disk: what the user sees is what is counted.
    """

    root: str
    overlay: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = os.path.abspath(self.root)
        self._real_root = os.path.realpath(self.root)

    # ----------------------------------------------------------- resolution

    def resolve(self, reference: Reference, document_path: str) -> Resolution:
        folder = os.path.dirname(os.path.abspath(document_path))
        if reference.kind is ReferenceKind.PARTIAL:
            return self._partial(reference.target, folder)
        return self.locate(reference.target, folder)

    def locate(self, target: str, folder: str) -> Resolution:
        """``target`` (a relative path, or ``/``-rooted at the workspace) from ``folder``."""
        if target.startswith("/"):
            joined = os.path.join(self.root, target.lstrip("/"))
        else:
            joined = os.path.join(folder, target)
        candidate = os.path.normpath(joined)
        if not _within(candidate, self.root):
            return Resolution(Status.OUTSIDE, candidate, (candidate,))
        if candidate in self.overlay:
            return Resolution(Status.FOUND, candidate, (candidate,))
        if not os.path.lexists(candidate):
            return Resolution(Status.MISSING, candidate, (candidate,))
        if not _within(os.path.realpath(candidate), self._real_root):
            return Resolution(Status.OUTSIDE, candidate, (candidate,))
        if not os.path.exists(candidate):  # a dangling symlink
            return Resolution(Status.MISSING, candidate, (candidate,))
        return Resolution(Status.FOUND, candidate, (candidate,), is_dir=os.path.isdir(candidate))

    def _partial(self, name: str, folder: str) -> Resolution:
        """``{{> name}}`` is ``_name.prompt`` in the prompts folder; ``{{> sub/name}}``
        is ``sub/_name.prompt`` there.

        The prompts folder is the referring file's folder or one above it (a
        prompt in ``prompts/billing/`` may use a partial from ``prompts/``),
        up to the workspace root; the nearest one that has the file wins.
        """
        pure = PurePosixPath(name)
        relative = str(pure.parent / f"_{pure.name}.prompt") if pure.name else ""
        tried: list[str] = []
        current = folder
        while relative and _within(current, self.root):
            found = self.locate(relative, current)
            tried.append(found.path or os.path.join(current, relative))
            if found.found and not found.is_dir:
                return Resolution(Status.FOUND, found.path, tuple(tried))
            if found.status is Status.OUTSIDE:
                return Resolution(Status.OUTSIDE, found.path, tuple(tried))
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        return Resolution(Status.MISSING, tried[0] if tried else None, tuple(tried))

    # --------------------------------------------------------------- reading

    def read(self, path: str) -> str | None:
        """The text of a resolved file, or None when it cannot be read as text.

        Only paths :meth:`resolve` found are passed here; the checks are
        repeated anyway, since the file system may have changed since.
        """
        if path in self.overlay:
            return self.overlay[path]
        if not _within(os.path.realpath(path), self._real_root):
            return None
        try:
            data = read_regular(Path(path), MAX_FILE_BYTES)
        except (OSError, InputError):
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None

    def stamp(self, path: str) -> tuple[int, int] | None:
        """What changes when the file does (modification time, size); None if unreadable."""
        if path in self.overlay:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)
