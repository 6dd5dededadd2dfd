"""``check --fix``, ``--unsafe-fixes`` and ``--diff``: what is written, and what never is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from promptwise.document import parse_document
from promptwise.fixer import ChangedOnDisk, write_atomically
from tests.cli.test_cli import run
from tests.conftest import EXAMPLES, REPO

# An unused suppression (PW007: its removal is a safe fix) and a misspelt key
# (PW011: renaming it changes what Copilot reads, so the fix is unsafe).
INSTRUCTIONS = """---
description: TypeScript conventions
applyto: "**/*.ts"
---
<!-- promptwise: disable-next-line=PW201 -->
Use named exports only.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "ts.instructions.md").write_text(INSTRUCTIONS, encoding="utf-8")
    return tmp_path


def _check(folder: Path, *flags: str) -> tuple[int, str, str]:
    return run("check", str(folder), "--isolated", "--jobs", "1", "--select", "PW0", *flags)


def test_fix_applies_the_safe_fixes_and_reports_what_remains(folder: Path) -> None:
    code, out, err = _check(folder, "--fix")
    text = (folder / "ts.instructions.md").read_text(encoding="utf-8")
    assert "promptwise: disable" not in text  # PW007's safe fix: the comment is gone
    assert "applyto:" in text  # PW011's fix needs review: left alone
    assert "PW007" not in out and "PW011" in out
    assert code == 1  # a warning remains
    assert "Fixed 1 finding in 1 file; 1 remain (1 fixable with --unsafe-fixes)." in err
    assert parse_document(text, "ts.instructions.md").problems == ()


def test_unsafe_fixes_apply_the_rest_and_the_exit_status_follows(folder: Path) -> None:
    code, out, err = _check(folder, "--fix", "--unsafe-fixes")
    text = (folder / "ts.instructions.md").read_text(encoding="utf-8")
    assert 'applyTo: "**/*.ts"' in text and "promptwise: disable" not in text
    assert "PW011" not in out and code == 0
    assert "Fixed 2 findings in 1 file; 0 remain." in err


def test_diff_shows_the_fixes_and_writes_nothing(folder: Path) -> None:
    code, out, err = _check(folder, "--diff", "--unsafe-fixes")
    assert (folder / "ts.instructions.md").read_text(encoding="utf-8") == INSTRUCTIONS
    path = folder / "ts.instructions.md"
    assert out.startswith(f"--- a/{path}\n+++ b/{path}\n")
    assert '-applyto: "**/*.ts"\n+applyTo: "**/*.ts"\n' in out
    assert "-<!-- promptwise: disable-next-line=PW201 -->\n" in out
    assert code == 1 and "Would fix 2 findings in 1 file." in err
    (folder / "ts.instructions.md").write_text("Use named exports only.\n", encoding="utf-8")
    assert _check(folder, "--diff") == (0, "", "promptwise: No fixes to apply.\n")


def test_snippet_fixes_are_never_applied(tmp_path: Path) -> None:
    """PW302's fix inserts a label only the author can name (a tab stop in the editor)."""
    prompt = tmp_path / "classify.txt"
    text = (REPO / "tests" / "rules" / "missing-fallback-label" / "classify.txt").read_text()
    text = text.replace(" <!-- expect: PW302 -->", "")
    prompt.write_text(text, encoding="utf-8")
    code, out, _ = run(
        "check",
        str(prompt),
        "--isolated",
        "--select",
        "PW302",
        "--fix",
        "--unsafe-fixes",
        "--fail-on",
        "info",
    )
    assert "PW302" in out and code == 1  # found, offered in the editor, not applied here
    assert prompt.read_text(encoding="utf-8") == text


def test_fix_refuses_stdin() -> None:
    code, _, err = run("check", "-", "--fix", stdin=b"Be brief.\n")
    assert code == 2 and "do not apply to '-'" in err


def test_a_file_changed_since_it_was_read_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.md"
    path.write_text("saved by the editor\n", encoding="utf-8")
    with pytest.raises(ChangedOnDisk):
        write_atomically(path, "what check read\n", "fixed\n")
    assert path.read_text(encoding="utf-8") == "saved by the editor\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.prompt.md"]  # no temporary file left


def test_atomic_write_keeps_a_bom_and_the_permissions(tmp_path: Path) -> None:
    path = tmp_path / "b.prompt.md"
    path.write_bytes(b"\xef\xbb\xbfold\n")
    path.chmod(0o640)
    write_atomically(path, "old\n", "new\n")
    assert path.read_bytes() == b"\xef\xbb\xbfnew\n"
    assert path.stat().st_mode & 0o777 == 0o640


def test_every_fixed_file_parses_again(tmp_path: Path) -> None:
    """All fixes, safe and unsafe, over every example and rule fixture: each file
    written has no parse problem its original did not have."""
    target = tmp_path / "all"
    shutil.copytree(EXAMPLES, target / "examples")
    shutil.copytree(REPO / "tests" / "rules", target / "rules")
    before = {}
    for path in target.rglob("*"):
        if path.is_file() and not path.name.endswith(".py"):
            try:
                before[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # the unreadable-file fixtures: never fixed

    run(
        "check",
        str(target),
        "--jobs",
        "1",
        "--fix",
        "--unsafe-fixes",
        "--preview",
        "--include",
        "*.txt",
    )
    changed = 0
    for path, old in before.items():
        new = path.read_text(encoding="utf-8")
        if new == old:
            continue
        changed += 1
        was = {(p.code, p.message) for p in parse_document(old, str(path)).problems}
        now = {(p.code, p.message) for p in parse_document(new, str(path)).problems}
        assert now <= was, (path, now - was)
    assert changed >= 20  # 31 when written: most rules with a fix have a fixture


def test_the_pre_commit_hooks_check_and_fix() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["promptwise"]["entry"] == "promptwise check"
    assert hooks["promptwise-fix"]["entry"] == "promptwise check --fix"
    assert hooks["promptwise-fix"]["files"] == hooks["promptwise"]["files"]
