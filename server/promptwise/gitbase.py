"""Read a git repository without letting it run anything: the base to compare
with, what changed in the work tree, and old contents.

A repository is untrusted input. Its ``.git/config`` comes with any copied or
extracted repository and its ``.gitattributes`` is committed, and between
them they can name programs that ordinary git commands run: an fsmonitor
hook and index hooks (any command that refreshes the index), clean, smudge
and process filters (any command that reads work-tree files through git),
textconv and external diff drivers, a pager, aliases, and the ssh or ``ext::``
transport a partial clone uses to fetch a missing object. So:

* git is only asked to read objects, refs and the index, with the
  subcommands in ``_READ_ONLY``; none of them reads work-tree content, so no
  filter, fsmonitor or index write (and so no hook) is ever involved;
* every setting that could still start a program is overridden on the
  command line, which wins over every configuration file; the system file is
  skipped, lazy fetching and every transport are off, replace refs are
  ignored, and the caller's ``GIT_*`` variables are dropped;
* revisions never look like options: they are checked here and passed after
  ``--end-of-options``;
* the work tree is read by Python, not git: each file's blob id is hashed
  from its raw bytes (a symlink from its target text, as git stores it) and
  compared with the base tree. No clean filter runs, so a file with one
  (Git LFS, for example) is compared in its raw form; a CRLF-only difference
  counts as unchanged, as ``core.autocrlf`` would make it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from promptwise.errors import InputError, PromptwiseError
from promptwise.reading import chunks, open_regular, read_regular


class GitError(PromptwiseError):
    """Not a repository, an unknown revision, or git itself is missing."""


# Subcommands that read objects, refs or the index and never the work tree's
# content: nothing here refreshes or writes the index, converts a file or
# starts a pager, a hook or a transport (those are also switched off below).
_READ_ONLY = frozenset(
    {"rev-parse", "cat-file", "ls-tree", "merge-base", "symbolic-ref", "ls-files"}
)

_OVERRIDES = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "core.sshCommand=",
    "core.gitProxy=",
    "core.askPass=",
    "credential.helper=",
    "diff.external=",
    "protocol.allow=never",
    "safe.bareRepository=explicit",
    "gc.auto=0",
    "maintenance.auto=false",
)

_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_ALLOW_PROTOCOL": "",  # overrides any protocol.<name>.allow: no transport at all
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_PAGER": "cat",
}

_TIMEOUT = 60
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")

# Rename detection compares contents pairwise; past this many pairs (or for
# files this large) only exact renames are found, so the work stays bounded.
MAX_RENAME_PAIRS = 10_000
MAX_RENAME_BYTES = 1 << 20
RENAME_SIMILARITY = 0.5  # git's default for -M


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_ENVIRONMENT)
    return env


def _git(
    root: Path, *args: str, check: bool = True, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    if args[0] not in _READ_ONLY:
        raise ValueError(f"git {args[0]} is not one of the read-only subcommands")
    command = ["git", "--no-pager", "--no-replace-objects", "--no-optional-locks"]
    for override in _OVERRIDES:
        command += ["-c", override]
    command += ["-C", os.path.abspath(root), *args]
    try:
        result = subprocess.run(
            command,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=_TIMEOUT,
            env=_environment(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {' '.join(args)}` took more than {_TIMEOUT} s") from None
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"`git {' '.join(args)}` failed: {message[-1] if message else 'error'}")
    return result


def _usable_revision(rev: str) -> bool:
    """Can ``rev`` be passed to git as a revision and never be read as an option?"""
    return bool(rev) and not rev.startswith("-") and not any(c in rev for c in "\0\n\r")


def repo_root(start: Path) -> Path | None:
    """The top of the work tree holding ``start``, or None outside a repository.

    The top must hold the ``.git`` entry itself: a ``core.worktree`` setting
    could otherwise point the work tree anywhere (``/``), and every file under
    it would be hashed and listed.
    """
    folder = start if start.is_dir() else start.parent
    try:
        result = _git(folder, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if result.returncode != 0:
        return None
    root = Path(os.fsdecode(result.stdout.rstrip(b"\n")))
    if not os.path.lexists(root / ".git"):
        return None
    return root


def _commit_id(root: Path, rev: str) -> str | None:
    if not _usable_revision(rev):
        return None
    verify = ("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    result = _git(root, *verify, check=False)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def default_base(root: Path) -> str:
    """The merge base with the default branch, else ``HEAD``.

    The default branch is origin's HEAD when known, else ``main`` or
    ``master`` (remote-tracking first). On the default branch itself the
    merge base is HEAD, so the diff shows uncommitted work.
    """
    candidates: list[str] = []
    head = _git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False)
    if head.returncode == 0:
        candidates.append(os.fsdecode(head.stdout.strip()).removeprefix("refs/remotes/"))
    candidates += ["origin/main", "origin/master", "main", "master"]
    for candidate in candidates:
        if _commit_id(root, candidate):
            merge = _git(root, "merge-base", "--end-of-options", "HEAD", candidate, check=False)
            if merge.returncode == 0:
                return merge.stdout.decode().strip()
    if not _commit_id(root, "HEAD"):
        raise GitError("the repository has no commits yet; there is nothing to compare with")
    return "HEAD"


def resolve(root: Path, base: str) -> str:
    """The commit id of ``base``; a clear error when it names nothing."""
    commit = _commit_id(root, base)
    if commit is None:
        raise GitError(f"`{base}` is not a commit in {root}")
    return commit


@dataclass(frozen=True)
class Change:
    status: str  # "added" | "modified" | "deleted" | "renamed"
    path: str  # repository-relative path in the work tree (old path when deleted)
    old_path: str | None  # path at the base (None when added)


@dataclass(frozen=True)
class _Blob:
    oid: str
    size: int | None


def _safe_relative(path: str) -> bool:
    """A repository path that stays inside the work tree (a crafted tree could say ``..``)."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _base_tree(root: Path, commit: str) -> dict[str, _Blob]:
    """Files and symlinks at ``commit``: path -> blob id and size (submodules left out)."""
    raw = _git(root, "ls-tree", "-r", "-z", "-l", "--full-tree", "--end-of-options", commit).stdout
    tree: dict[str, _Blob] = {}
    for record in raw.split(b"\0"):
        meta, tab, name = record.partition(b"\t")
        fields = meta.split()
        if not tab or len(fields) != 4 or fields[1] != b"blob":
            continue
        path = name.decode("utf-8", "surrogateescape")
        if _safe_relative(path):
            size = int(fields[3]) if fields[3].isdigit() else None
            tree[path] = _Blob(fields[2].decode(), size)
    return tree


def _listed(root: Path) -> tuple[set[str], set[str], set[str]]:
    """Paths in the index, untracked files git does not ignore, and skip-worktree entries.

    ``ls-files`` reads the index and the ignore files and nothing else (the
    fsmonitor and the untracked cache are off). Skip-worktree entries (a
    sparse checkout) are absent from the work tree on purpose; git treats
    them as unchanged, and so does :func:`changes`.
    """
    raw = _git(
        root, "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard", "--full-name"
    ).stdout
    tracked: set[str] = set()
    untracked: set[str] = set()
    skipped: set[str] = set()
    for record in raw.split(b"\0"):
        tag, _, name = record.partition(b" ")
        path = name.decode("utf-8", "surrogateescape")
        if name and _safe_relative(path):
            {b"?": untracked, b"S": skipped}.get(tag, tracked).add(path)
    return tracked, untracked, skipped


class _WorkTree:
    """Blob ids of work-tree files, computed the way git stores them (no filters)."""

    def __init__(self, root: Path, algorithm: str) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.algorithm = algorithm
        self._folders: dict[str, bool] = {}

    def path(self, rel: str) -> Path | None:
        """The file's path, or None when a folder on the way is a symlink (git sees no file)."""
        folder = rel.rpartition("/")[0]
        inside = self._folders.get(folder)
        if inside is None:
            real = os.path.realpath(os.path.join(self.root, folder))
            inside = real == os.path.join(self.real_root, folder).rstrip("/")
            self._folders[folder] = inside
        return Path(self.root, rel) if inside else None

    def _hash(self, blocks: Iterable[bytes], size: int) -> str:
        digest = hashlib.new(self.algorithm)
        digest.update(b"blob %d\0" % size)
        for block in blocks:
            digest.update(block)
        return digest.hexdigest()

    def blob_ids(self, rel: str) -> tuple[str, ...]:
        """The file's blob id (and its id with CRLF as LF, when that differs); () when absent."""
        path = self.path(rel)
        if path is None:
            return ()
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                target = os.fsencode(os.readlink(path))
                return (self._hash([target], len(target)),)
            if not stat.S_ISREG(mode):
                return ()
            fd = open_regular(path, follow=False)
        except (OSError, InputError):
            return ()
        try:
            size = os.fstat(fd).st_size
            if size <= MAX_RENAME_BYTES:
                data = b"".join(chunks(fd, None))
                ids = [self._hash([data], len(data))]
                if b"\r\n" in data:
                    lf = data.replace(b"\r\n", b"\n")
                    ids.append(self._hash([lf], len(lf)))
                return tuple(ids)
            return (self._hash(chunks(fd, None), size),)
        except OSError:
            return ()
        finally:
            os.close(fd)

    def exists(self, rel: str) -> bool:
        """Is there a file or symlink at ``rel`` as git would see it?"""
        path = self.path(rel)
        try:
            mode = os.lstat(path).st_mode if path is not None else 0
        except OSError:
            return False
        return stat.S_ISREG(mode) or stat.S_ISLNK(mode)

    def content(self, rel: str) -> bytes | None:
        """The bytes git would store for ``rel`` (a symlink's target text), capped for renames."""
        path = self.path(rel)
        if path is None:
            return None
        try:
            if os.path.islink(path):
                return os.fsencode(os.readlink(path))
            return read_regular(path, MAX_RENAME_BYTES, follow=False)
        except (OSError, InputError):
            return None


def _read_blobs(root: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """Several blobs in one ``cat-file --batch``; missing or oversized ones are left out."""
    wanted = sorted({oid for oid in oids if _HEX.fullmatch(oid)})
    if not wanted:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(o + "\n" for o in wanted).encode()).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:
            continue  # "<oid> missing"
        size = int(header[2])
        if header[1] == b"blob" and size <= MAX_RENAME_BYTES:
            blobs[header[0].decode()] = out[pos : pos + size]
        pos += size + 1
    return blobs


@dataclass
class RenameBudget:
    """How much work inexact rename detection may do, counted as it goes.

    Comparing every added file with every deleted one is quadratic, and each
    comparison is linear in the files' lines: a change that adds and deletes
    hundreds of large files would take minutes. The budget caps the bytes
    read for candidates and the line look-ups across all pairs; past either,
    the remaining files are reported as added and deleted (exact renames are
    always found, by blob id).
    """

    read_bytes: int = 16 << 20
    lookups: int = 2_000_000

    def read(self, size: int) -> bool:
        self.read_bytes -= size
        return self.read_bytes >= 0

    def look_up(self, count: int) -> bool:
        self.lookups -= count
        return self.lookups >= 0


def _lines(data: bytes) -> tuple[Counter[bytes], int]:
    return Counter(data.splitlines(keepends=True)), len(data)


def _similarity(old: tuple[Counter[bytes], int], new: tuple[Counter[bytes], int]) -> float:
    """Share of the larger file made of lines the two have in common (by bytes)."""
    (before, old_size), (after, new_size) = old, new
    if not old_size and not new_size:
        return 1.0
    small, large = (before, after) if len(before) <= len(after) else (after, before)
    common = sum(min(n, large[line]) * len(line) for line, n in small.items() if line in large)
    return common / max(old_size, new_size)


def _renames(
    root: Path,
    work: _WorkTree,
    added: list[str],
    deleted: dict[str, _Blob],
    budget: RenameBudget | None = None,
) -> dict[str, str]:
    """Pair added paths with deleted ones: same blob first, then similar content."""
    budget = budget or RenameBudget()
    pairs: dict[str, str] = {}
    by_oid: dict[str, list[str]] = {}
    for path in sorted(deleted):
        by_oid.setdefault(deleted[path].oid, []).append(path)
    if not by_oid:
        return pairs
    for path in added:
        for oid in work.blob_ids(path):
            if by_oid.get(oid):
                pairs[path] = by_oid[oid].pop(0)
                break
    taken = set(pairs.values())
    left_old = [p for p in sorted(deleted) if p not in taken]
    left_new = [p for p in added if p not in pairs]
    if not left_new or not left_old or len(left_new) * len(left_old) > MAX_RENAME_PAIRS:
        return pairs
    old_lines: dict[str, tuple[Counter[bytes], int]] = {}
    blobs = _read_blobs(root, (deleted[p].oid for p in left_old))
    for path in left_old:
        data = blobs.get(deleted[path].oid)
        if data is not None and budget.read(len(data)):
            old_lines[path] = _lines(data)
    new_lines: dict[str, tuple[Counter[bytes], int]] = {}
    for path in left_new:
        data = work.content(path)
        if data is not None and budget.read(len(data)):
            new_lines[path] = _lines(data)
    scored: list[tuple[float, str, str]] = []
    for new, after in new_lines.items():
        for old, before in old_lines.items():
            if not budget.look_up(min(len(before[0]), len(after[0])) + 1):
                break
            score = _similarity(before, after)
            if score >= RENAME_SIMILARITY:
                scored.append((-score, new, old))
    for _, new, old in sorted(scored):
        if new not in pairs and old not in taken:
            pairs[new] = old
            taken.add(old)
    return pairs


def changes(root: Path, base: str) -> list[Change]:
    """Files that differ between ``base`` and the work tree, untracked ones included.

    Renames are looked for among files in the index only, as ``git diff``
    does: an untracked file is always "added". Only files the base has are
    hashed; for the others, being there is enough.
    """
    commit = resolve(root, base)
    tree = _base_tree(root, commit)
    tracked, untracked, skipped = _listed(root)
    work = _WorkTree(root, "sha256" if len(commit) == 64 else "sha1")
    out: list[Change] = []
    added: list[str] = []
    present: set[str] = set()
    for path in sorted((set(tree) | tracked | untracked) - skipped):
        old = tree.get(path)
        if old is None:
            if work.exists(path):
                added.append(path)
            continue
        ids = work.blob_ids(path)
        if ids:
            present.add(path)
            if old.oid not in ids:
                out.append(Change("modified", path, path))
    deleted = {p: blob for p, blob in tree.items() if p not in present and p not in skipped}
    renamed = _renames(root, work, [p for p in added if p in tracked], deleted)
    for new, old_path in renamed.items():
        out.append(Change("renamed", new, old_path))
    out += [Change("added", path, None) for path in added if path not in renamed]
    gone = set(renamed.values())
    out += [Change("deleted", path, path) for path in deleted if path not in gone]
    return sorted(out, key=lambda c: c.path)


def read_at(root: Path, rev: str, path: str) -> bytes | None:
    """A file's bytes at ``rev``, or None when it does not exist there."""
    if not _usable_revision(rev):
        return None
    result = _git(root, "cat-file", "blob", "--end-of-options", f"{rev}:{path}", check=False)
    return result.stdout if result.returncode == 0 else None


def read_object(root: Path, object_id: str) -> bytes | None:
    """The bytes of a blob by its id."""
    if not _HEX.fullmatch(object_id):
        return None
    result = _git(root, "cat-file", "blob", "--end-of-options", object_id, check=False)
    return result.stdout if result.returncode == 0 else None


def blob_id(root: Path, rev: str, path: str) -> str | None:
    """The object id of ``path`` at ``rev`` (None when it does not exist there)."""
    if not _usable_revision(rev):
        return None
    result = _git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}:{path}", check=False
    )
    return result.stdout.decode().strip() if result.returncode == 0 else None


def worktree_bytes(root: Path, path: str, limit: int) -> bytes | None:
    """A changed file's bytes as git would store them, for the "after" side of a diff.

    A symlink gives its target text, like the base side's blob, so a link
    into another folder (or to ``/dev/zero``) is never followed; anything but
    a regular file or a symlink gives None. At most ``limit + 1`` bytes are
    read: enough for the decoder to refuse a file over the limit.
    """
    full = _WorkTree(root, "sha1").path(path) if _safe_relative(path) else None
    if full is None:
        return None
    try:
        if os.path.islink(full):
            return os.fsencode(os.readlink(full))
        fd = open_regular(full, follow=False)
    except (OSError, InputError):
        return None
    try:
        return b"".join(chunks(fd, limit))
    except OSError:
        return None
    finally:
        os.close(fd)
