"""``check --fix``: apply the rules' fixes to files on disk, as ruff does.

Which fixes: the safe ones with ``--fix``, every one with ``--unsafe-fixes``;
never a fix whose text has snippet placeholders (``${1:N}`` stands for a
value only the author knows: the editor offers it as a tab stop, the command
line leaves it). The choice is :func:`promptwise.edits.chosen_fixes`, the
one the editor's "fix all" makes, over fixes the engine has already written
in the file's own syntax (:func:`promptwise.edits.fit_fixes`).

A file is fixed in passes: apply the chosen fixes, analyse the new text,
apply what its findings offer, until nothing applies (one fix can uncover
another) or :data:`MAX_PASSES` is reached. The result must parse as well as
the original (no parse problem that was not there before) or nothing is
written. Writing is atomic (a temporary file in the same folder, then a
rename) and happens only while the file on disk still holds the bytes that
were read: an editor or another tool that saved the file meanwhile wins.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from promptwise.document import parse_document
from promptwise.edits import chosen_fixes
from promptwise.findings import Finding, apply_edits

MAX_PASSES = 10
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FixedFile:
    """What fixing one file did, or would do (``--diff``)."""

    path: str
    before: str
    after: str
    applied: int  # fixes applied, over every pass
    findings: tuple[Finding, ...]  # what remains: of ``after``, or of ``before`` when refused
    refused: str | None = None  # why nothing is written although fixes apply

    @property
    def changed(self) -> bool:
        return self.refused is None and self.after != self.before

    def diff(self) -> str:
        """The fix as a unified diff, ``--- a/path`` / ``+++ b/path`` as git shows one."""
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{self.path}",
                f"b/{self.path}",
            )
        )


def _problems(text: str, path: str) -> set[tuple[str, str]]:
    return {(p.code, p.message) for p in parse_document(text, path).problems}


def fix_text(
    path: str,
    text: str,
    findings: Sequence[Finding],
    reanalyse: Callable[[str], Sequence[Finding]],
    *,
    unsafe: bool,
) -> FixedFile:
    """Apply fixes to ``text`` pass by pass; ``reanalyse`` gives the findings of a new text."""
    current, remaining, applied = text, tuple(findings), 0
    for _ in range(MAX_PASSES):
        fixes = chosen_fixes(remaining, unsafe=unsafe)
        if not fixes:
            break
        candidate = apply_edits(current, [edit for fix in fixes for edit in fix.edits])
        if candidate == current:
            break
        applied += len(fixes)
        current = candidate
        remaining = tuple(reanalyse(current))
    if current == text:
        return FixedFile(path, text, text, 0, tuple(findings))
    new = _problems(current, path) - _problems(text, path)
    if new:
        code, message = min(new)
        return FixedFile(
            path,
            text,
            current,
            applied,
            tuple(findings),
            refused=f"the fixed text would not parse ({code}: {message})",
        )
    return FixedFile(path, text, current, applied, remaining)


class ChangedOnDisk(Exception):
    """The file no longer holds what was read: someone saved it meanwhile."""


def write_atomically(path: Path, before: str, after: str) -> None:
    """Replace ``path``, which must still hold ``before``, with ``after``.

    Raises :class:`ChangedOnDisk` (and writes nothing) when the file's text
    is not ``before``, checked again just before the rename. A BOM and the
    file's permission bits are kept.
    """
    data = path.read_bytes()
    bom = data.startswith(BOM)
    try:
        on_disk = data[len(BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        raise ChangedOnDisk(str(path)) from None
    if on_disk != before:
        raise ChangedOnDisk(str(path))
    payload = (BOM if bom else b"") + after.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".promptwise-fix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        if path.read_bytes() != data:
            raise ChangedOnDisk(str(path))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
