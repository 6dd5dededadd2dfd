"""`promptwise diff`, `check --new-only` and `--budget-delta` on real git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from promptwise.pricing import load_catalogue
from promptwise.tokens.counter import count_text
from tests.cli.test_cli import run

BASE_PROMPT = """---
model:
  id: gpt-4o
  options:
    maxOutputTokens: 200
---
system:
Try to keep answers brief.
"""
NEW_PROMPT = """---
model:
  id: gpt-4o
  options:
    maxOutputTokens: 200
---
system:
Answer in at most 3 sentences. Quote the refund policy when you cite it, and give some examples.
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "Test")
    (root / "promptwise.yaml").write_text("calls_per_day: 10000\n")
    (root / "support.prompty").write_text(BASE_PROMPT)
    (root / "old-name.prompt").write_text("---\nmodel: gpt-4o-mini\n---\nSay hello in one word.\n")
    (root / "gone.prompt").write_text("---\nmodel: gpt-4o-mini\n---\nReply with OK.\n")
    (root / "logo.bin").write_bytes(b"\x00\x01\x02binary")
    (root / "notes.txt").write_text("not a prompt unless included\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def body_tokens(text: str) -> int:
    return count_text(text.split("---\n", 2)[2], "o200k_base")


def test_diff_numbers_by_hand(repo: Path) -> None:
    (repo / "support.prompty").write_text(NEW_PROMPT)
    git(repo, "mv", "old-name.prompt", "new-name.prompt")
    git(repo, "rm", "-q", "gone.prompt")
    (repo / "added.prompt").write_text("---\nmodel: gpt-4o-mini\n---\nList three colours.\n")
    (repo / "logo.bin").write_bytes(b"\x00\x09changed binary")
    code, out, err = run("diff", "HEAD", "--format", "json", cwd=repo)
    assert code == 0, err
    data = json.loads(out)
    files = {f["path"]: f for f in data["files"]}
    assert set(files) == {"support.prompty", "new-name.prompt", "gone.prompt", "added.prompt"}
    gpt = load_catalogue().lookup("gpt-4o")
    support = files["support.prompty"]
    before, after = body_tokens(BASE_PROMPT), body_tokens(NEW_PROMPT)
    assert support["before"]["tokens"] == before and support["after"]["tokens"] == after
    assert support["token_delta"] == after - before
    per_call = lambda t: (t * gpt.input + 200 * gpt.output) / 1_000_000  # noqa: E731
    assert support["after"]["cost_per_call"] == pytest.approx(per_call(after))
    assert support["cost_per_day_delta"] == pytest.approx(
        (per_call(after) - per_call(before)) * 10000
    )
    fixed = {f["code"] for f in support["fixed"]}
    introduced = {f["code"] for f in support["introduced"]}
    assert "PW204" in fixed and "PW201" in introduced  # PW202 is in preview
    assert files["new-name.prompt"]["status"] == "renamed"
    assert files["new-name.prompt"]["old_path"] == "old-name.prompt"
    assert files["new-name.prompt"]["token_delta"] == 0
    assert files["gone.prompt"]["status"] == "deleted" and files["gone.prompt"]["after"] is None
    assert files["added.prompt"]["status"] == "added" and files["added.prompt"]["before"] is None
    assert data["total"]["token_delta"] == sum(f["token_delta"] for f in files.values())


def test_diff_markdown_table(repo: Path) -> None:
    (repo / "support.prompty").write_text(NEW_PROMPT)
    code, out, _ = run("diff", "--format", "markdown", cwd=repo)
    assert code == 0
    assert "| file | change | tokens before | tokens after | Δ tokens |" in out
    assert "| `support.prompty` | modified |" in out and "**Total:**" in out


def test_diff_with_nothing_changed(repo: Path) -> None:
    code, out, _ = run("diff", cwd=repo)
    assert code == 0 and "No prompt files changed." in out


def test_diff_outside_a_repository(tmp_path: Path) -> None:
    code, _, err = run("diff", cwd=tmp_path)
    assert code == 2 and "git repository" in err


def test_diff_unknown_base(repo: Path) -> None:
    code, _, err = run("diff", "no-such-branch", cwd=repo)
    assert code == 2 and "not a commit" in err


def test_diff_against_merge_base_of_a_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "support.prompty").write_text(NEW_PROMPT)
    git(repo, "commit", "-q", "-am", "shorter")
    _, out, _ = run("diff", "--format", "json", cwd=repo)
    data = json.loads(out)
    assert [f["path"] for f in data["files"]] == ["support.prompty"]
    assert data["commit"] == git(repo, "rev-parse", "main").strip()


def test_check_new_only(repo: Path) -> None:
    (repo / "support.prompty").write_text(BASE_PROMPT + "Give some tips.\n")
    code, out, _ = run(
        "check", ".", "--new-only", "HEAD", "--format", "json", "--fail-on", "info", cwd=repo
    )
    findings = json.loads(out)["findings"]
    assert [f["code"] for f in findings] == ["PW201"]  # old PW204/PW202 are not new
    assert code == 1
    git(repo, "checkout", "-q", "--", "support.prompty")
    code, out, _ = run("check", ".", "--new-only", "--format", "json", cwd=repo)
    assert json.loads(out)["findings"] == [] and code == 0


def test_budget_delta(repo: Path) -> None:
    (repo / "support.prompty").write_text(NEW_PROMPT)
    delta = body_tokens(NEW_PROMPT) - body_tokens(BASE_PROMPT)
    code, _, err = run(
        "check", ".", "--fail-on", "never", "--budget-delta", str(delta - 1), cwd=repo
    )
    assert code == 1 and f"+{delta} tokens per call" in err
    assert run("check", ".", "--fail-on", "never", "--budget-delta", str(delta), cwd=repo)[0] == 0
    code, _, err = run("check", ".", "--fail-on", "never", "--budget-delta", "$0.0001", cwd=repo)
    assert code == 1 and "per day" in err
    code, _, err = run("check", ".", "--budget-delta", "lots", cwd=repo)
    assert code == 2 and "expected tokens" in err
