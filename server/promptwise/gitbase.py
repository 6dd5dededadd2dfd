"""Read a git repository: the base to compare with, what changed, old contents.

Everything goes through ``git`` subprocesses with fixed argument lists (no
shell) and read-only commands; nothing here ever writes to the repository.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from promptwise.errors import PromptwiseError


class GitError(PromptwiseError):
    """Not a repository, an unknown revision, or git itself is missing."""


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {' '.join(args)}` took more than 60 s") from None
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"`git {' '.join(args)}` failed: {message[-1] if message else 'error'}")
    return result


def repo_root(start: Path) -> Path | None:
    """The top of the work tree holding ``start``, or None outside a repository."""
    folder = start if start.is_dir() else start.parent
    try:
        result = _git(folder, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if result.returncode != 0:
        return None
    return Path(result.stdout.decode().strip())


def _exists(root: Path, rev: str) -> bool:
    return (
        _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).returncode
        == 0
    )


def default_base(root: Path) -> str:
    """The merge base with the default branch, else ``HEAD``.

    The default branch is origin's HEAD when known, else ``main`` or
    ``master`` (remote-tracking first). On the default branch itself the
    merge base is HEAD, so the diff shows uncommitted work.
    """
    candidates: list[str] = []
    head = _git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False)
    if head.returncode == 0:
        candidates.append(head.stdout.decode().strip().removeprefix("refs/remotes/"))
    candidates += ["origin/main", "origin/master", "main", "master"]
    for candidate in candidates:
        if _exists(root, candidate):
            merge = _git(root, "merge-base", "HEAD", candidate, check=False)
            if merge.returncode == 0:
                return merge.stdout.decode().strip()
    if not _exists(root, "HEAD"):
        raise GitError("the repository has no commits yet; there is nothing to compare with")
    return "HEAD"


def resolve(root: Path, base: str) -> str:
    """The commit id of ``base``; a clear error when it names nothing."""
    result = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", check=False)
    if result.returncode != 0:
        raise GitError(f"`{base}` is not a commit in {root}")
    return result.stdout.decode().strip()


@dataclass(frozen=True)
class Change:
    status: str  # "added" | "modified" | "deleted" | "renamed"
    path: str  # repository-relative path in the work tree (old path when deleted)
    old_path: str | None  # path at the base (None when added)


def changes(root: Path, base: str) -> list[Change]:
    """Files that differ between ``base`` and the work tree, untracked ones included."""
    out: list[Change] = []
    raw = _git(root, "diff", "--name-status", "-z", "-M", "--no-color", base, "--").stdout
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i]
        if code.startswith("R") or code.startswith("C"):
            old, new = fields[i + 1], fields[i + 2]
            out.append(
                Change(
                    "renamed" if code.startswith("R") else "added",
                    new,
                    old if code.startswith("R") else None,
                )
            )
            i += 3
            continue
        path = fields[i + 1]
        status = {"A": "added", "D": "deleted", "M": "modified", "T": "modified"}.get(
            code[0], "modified"
        )
        out.append(Change(status, path, None if status == "added" else path))
        i += 2
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z").stdout
    for path in untracked.decode("utf-8", "surrogateescape").split("\0"):
        if path:
            out.append(Change("added", path, None))
    return sorted(out, key=lambda c: c.path)


def read_at(root: Path, rev: str, path: str) -> bytes | None:
    """A file's bytes at ``rev``, or None when it does not exist there."""
    result = _git(root, "cat-file", "blob", f"{rev}:{path}", check=False)
    return result.stdout if result.returncode == 0 else None


def read_object(root: Path, object_id: str) -> bytes | None:
    """The bytes of a blob by its id."""
    result = _git(root, "cat-file", "blob", object_id, check=False)
    return result.stdout if result.returncode == 0 else None


def blob_id(root: Path, rev: str, path: str) -> str | None:
    """The object id of ``path`` at ``rev`` (None when it does not exist there)."""
    result = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}:{path}", check=False)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def is_tracked_and_modified(root: Path, path: Path) -> bool:
    """Does ``path`` differ from what HEAD has (and does HEAD have it)?"""
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    if _git(root, "cat-file", "-e", f"HEAD:{rel}", check=False).returncode != 0:
        return False
    return _git(root, "diff", "--quiet", "HEAD", "--", rel, check=False).returncode == 1
