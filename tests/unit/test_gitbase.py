"""What changed in a work tree, found without asking git to read it (real repositories)."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from promptwise import gitbase

PROMPT = "---\nmodel: gpt-4o\n---\n" + "".join(
    f"Rule {i}: answer in one line.\n" for i in range(20)
)


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def make_repo(root: Path, *init: str, **files: str) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main", *init)
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "Test")
    for name, text in files.items():
        (root / name.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
        (root / name.replace("__", "/")).write_bytes(text.encode())
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def changed(root: Path) -> dict[str, tuple[str, str | None]]:
    return {c.path: (c.status, c.old_path) for c in gitbase.changes(root, "HEAD")}


def test_renamed_and_edited_file_is_a_rename(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", **{"old.prompt": PROMPT, "other.prompt": "Say hi.\n"})
    git(repo, "mv", "old.prompt", "new.prompt")
    (repo / "new.prompt").write_text(PROMPT + "Rule 21: cite the source.\n")
    assert changed(repo) == {"new.prompt": ("renamed", "old.prompt")}


def test_an_untracked_copy_of_a_deleted_file_is_added_not_renamed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", **{"old.prompt": PROMPT})
    (repo / "old.prompt").rename(repo / "new.prompt")  # moved without telling git
    assert changed(repo) == {
        "new.prompt": ("added", None),
        "old.prompt": ("deleted", "old.prompt"),
    }


def test_crlf_only_difference_is_unchanged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", **{"a.prompt": PROMPT})
    (repo / "a.prompt").write_bytes(PROMPT.replace("\n", "\r\n").encode())
    assert changed(repo) == {}
    (repo / "a.prompt").write_bytes((PROMPT + "More.\n").replace("\n", "\r\n").encode())
    assert changed(repo) == {"a.prompt": ("modified", "a.prompt")}


def test_ignored_files_are_left_out_and_untracked_ones_are_added(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", **{".gitignore": "build/\n", "a.prompt": PROMPT})
    (repo / "build").mkdir()
    (repo / "build" / "x.prompt").write_text("ignored\n")
    (repo / "b.prompt").write_text("new\n")
    assert changed(repo) == {"b.prompt": ("added", None)}


def test_a_file_with_a_clean_filter_is_compared_raw(tmp_path: Path) -> None:
    """Documented: no filter runs, so the raw bytes are what is compared."""
    repo = make_repo(tmp_path / "r", **{".gitattributes": "*.prompt filter=upper\n"})
    (repo / "a.prompt").write_text(PROMPT.upper())
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add")
    assert changed(repo) == {}
    git(repo, "config", "filter.upper.clean", "tr a-z A-Z")
    (repo / "a.prompt").write_text(PROMPT)  # git would store the same blob through the filter
    assert changed(repo) == {"a.prompt": ("modified", "a.prompt")}


def test_a_symlink_is_compared_by_its_target_text_and_never_read_through(tmp_path: Path) -> None:
    outside = tmp_path / "secret.prompt"
    outside.write_text("a secret\n")
    repo = make_repo(tmp_path / "r", **{"a.prompt": PROMPT})
    (repo / "link.prompt").symlink_to(outside)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "link")
    outside.write_text("another secret\n")
    assert changed(repo) == {}  # the link itself did not change
    assert gitbase.worktree_bytes(repo, "link.prompt", 1000) == os.fsencode(outside)


def test_a_file_below_a_symlinked_folder_counts_as_deleted(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.prompt").write_text(PROMPT)
    repo = make_repo(tmp_path / "r", **{"sub__a.prompt": PROMPT})
    (repo / "sub" / "a.prompt").unlink()
    (repo / "sub").rmdir()
    (repo / "sub").symlink_to(elsewhere)
    # git sees the untracked symlink itself, and no file below it
    assert changed(repo) == {"sub": ("added", None), "sub/a.prompt": ("deleted", "sub/a.prompt")}
    assert gitbase.worktree_bytes(repo, "sub/a.prompt", 1000) is None


def test_sparse_checkout_entries_are_unchanged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", **{"a.prompt": PROMPT, "b.prompt": PROMPT})
    git(repo, "update-index", "--skip-worktree", "b.prompt")
    (repo / "b.prompt").unlink()
    assert changed(repo) == {}


def test_sha256_repository(tmp_path: Path) -> None:
    try:
        repo = make_repo(tmp_path / "r", "--object-format=sha256", **{"a.prompt": PROMPT})
    except subprocess.CalledProcessError:
        pytest.skip("this git cannot create SHA-256 repositories")
    assert changed(repo) == {}
    (repo / "a.prompt").write_text(PROMPT + "More.\n")
    assert changed(repo) == {"a.prompt": ("modified", "a.prompt")}


def test_a_work_tree_moved_elsewhere_by_config_is_not_a_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", **{"a.prompt": PROMPT})
    assert gitbase.repo_root(repo / "a.prompt") == repo
    git(repo, "config", "core.worktree", str(tmp_path))
    assert gitbase.repo_root(repo / "a.prompt") is None  # would list all of tmp_path


@pytest.mark.parametrize("rev", ["--all", "-h", "--output=x", "HEAD\n--all", ""])
def test_option_like_revisions_are_not_commits(tmp_path: Path, rev: str) -> None:
    repo = make_repo(tmp_path / "r", **{"a.prompt": PROMPT})
    with pytest.raises(gitbase.GitError, match="is not a commit"):
        gitbase.resolve(repo, rev)
    assert gitbase.read_at(repo, rev, "a.prompt") is None
    assert gitbase.blob_id(repo, rev, "a.prompt") is None


def test_only_read_only_subcommands_can_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="read-only"):
        gitbase._git(tmp_path, "diff")


def test_inexact_rename_detection_does_bounded_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of added and deleted files cost at most the budget, whatever their number."""
    done: list[int] = []
    similarity = gitbase._similarity

    def counted(old: tuple[Counter[bytes], int], new: tuple[Counter[bytes], int]) -> float:
        done.append(min(len(old[0]), len(new[0])))
        return similarity(old, new)

    monkeypatch.setattr(gitbase, "_similarity", counted)
    limit = 200_000
    spent = []
    for count in (10, 40):
        files = {
            f"old{i}.prompt": "".join(f"{i} line {j}\n" for j in range(800)) for i in range(count)
        }
        repo = make_repo(tmp_path / f"r{count}", **files)
        for i in range(count):
            (repo / f"old{i}.prompt").unlink()
            (repo / f"new{i}.prompt").write_text("".join(f"{i} other {j}\n" for j in range(800)))
        git(repo, "add", "-A")
        done.clear()
        found = changed(repo)
        assert sum(s == "added" for s, _ in found.values()) == count  # nothing similar
        assert sum(s == "deleted" for s, _ in found.values()) == count
        work = gitbase._WorkTree(repo, "sha1")
        tree = gitbase._base_tree(repo, gitbase.resolve(repo, "HEAD"))
        done.clear()
        gitbase._renames(
            repo,
            work,
            sorted(p for p in found if found[p][0] == "added"),
            tree,
            gitbase.RenameBudget(lookups=limit),
        )
        spent.append(sum(done))
    # 10 x 10 pairs fit in the budget; 40 x 40 would need 16 times as much, and stop at it.
    assert spent[0] == 100 * 800
    assert spent[1] <= limit + 800


def test_a_similar_file_is_still_found_among_many(tmp_path: Path) -> None:
    files = {f"f{i}.prompt": "".join(f"{i} line {j}\n" for j in range(50)) for i in range(30)}
    repo = make_repo(tmp_path / "r", **files)
    git(repo, "mv", "f7.prompt", "moved.prompt")
    (repo / "moved.prompt").write_text(files["f7.prompt"] + "one more line\n")
    for i in (3, 4):
        (repo / f"f{i}.prompt").unlink()
        (repo / f"n{i}.prompt").write_text("unrelated\n")
    git(repo, "add", "-A")
    found = changed(repo)
    assert found["moved.prompt"] == ("renamed", "f7.prompt")
    assert found["n3.prompt"] == ("added", None) and found["f3.prompt"][0] == "deleted"
