"""Files a workspace can plant: devices, FIFOs, symlinks out, trees too deep.

Each is reported as PW000 against its own path and the run goes on; nothing
blocks, nothing is read without end. Child runs get a memory ceiling, so a
regression shows up as a failure instead of filling the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from promptwise import files
from promptwise.errors import InputError
from tests.conftest import source_env

ENV = source_env()
SECRET = "the launch code is 0000"
PROMPT = "# Support\n\nGive some tips on refunds.\n"


def _limit_memory() -> None:
    ceiling = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def check(*args: str, cwd: Path) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", *args, "--format", "json"],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout), done.stdout + done.stderr


def pw000(report: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["message"] for f in report["findings"] if f["code"] == "PW000"}


def nest(folder: Path, name: str, levels: int, text: str) -> None:
    """``levels`` folders called ``name`` inside each other, a prompt file at the bottom.

    Each call takes a short relative path, whatever the depth; the tree is
    removed by :func:`unnest` without recursion (``shutil.rmtree`` recurses
    and pytest's own clean-up would fail on it).
    """
    start = os.getcwd()
    os.chdir(folder)
    try:
        for _ in range(levels):
            os.mkdir(name)
            os.chdir(name)
        Path("bottom.prompt.md").write_text(text)
    finally:
        os.chdir(start)


def unnest(folder: Path, name: str) -> None:
    start = os.getcwd()
    os.chdir(folder)
    try:
        depth = 0
        while os.path.isdir(name):
            os.chdir(name)
            depth += 1
        for entry in os.listdir("."):
            os.unlink(entry)
        for _ in range(depth):
            os.chdir("..")
            os.rmdir(name)
    finally:
        os.chdir(start)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "prompts").mkdir(parents=True)
    (root / "prompts" / "support.prompt.md").write_text(PROMPT)
    return root


def test_committed_symlink_to_dev_zero_is_refused(workspace: Path) -> None:
    (workspace / "prompts" / "zero.prompt.md").symlink_to("/dev/zero")
    code, report, _ = check(".", cwd=workspace)
    assert code == 1
    assert "not followed" in pw000(report)["prompts/zero.prompt.md"]
    assert any(f["code"] == "PW201" for f in report["findings"])  # the real file still checked
    code, report, _ = check("prompts/zero.prompt.md", cwd=workspace)  # named: followed
    assert "character device, not a regular file" in pw000(report)["prompts/zero.prompt.md"]


def test_fifo_is_refused_not_waited_on(workspace: Path) -> None:
    os.mkfifo(workspace / "prompts" / "pipe.prompt.md")
    for target in (".", "prompts/pipe.prompt.md"):
        code, report, _ = check(target, cwd=workspace)
        assert "FIFO" in pw000(report)["prompts/pipe.prompt.md"], report
        assert code == 1


def test_symlink_out_of_the_checked_folder_is_not_followed(workspace: Path) -> None:
    secret = workspace.parent / "secret.prompt.md"
    secret.write_text(f"# Secret\n\nGive some tips: {SECRET}.\n")
    (workspace / "prompts" / "leak.prompt.md").symlink_to(secret)
    (workspace / "prompts" / "alias.prompt.md").symlink_to("support.prompt.md")  # stays inside
    _, report, output = check(".", cwd=workspace)
    assert "outside the checked folder" in pw000(report)["prompts/leak.prompt.md"]
    assert SECRET not in output
    assert "prompts/alias.prompt.md" not in pw000(report)
    # Checking only prompts/ makes the same link leave the checked path too.
    _, report, _ = check("prompts", cwd=workspace)
    assert "prompts/leak.prompt.md" in pw000(report)
    # Named on the command line, it is what the user asked for.
    _, report, _ = check("prompts/leak.prompt.md", cwd=workspace)
    assert not pw000(report) and report["summary"]["files"] == 1


def test_tree_deeper_than_the_walk_limit_is_reported_and_the_run_goes_on(
    workspace: Path,
) -> None:
    nest(workspace, "d", 1_050, PROMPT)
    try:
        code, report, _ = check(".", cwd=workspace)
    finally:
        unnest(workspace, "d")
    assert code == 1
    refused = {p: m for p, m in pw000(report).items() if p.startswith("d/")}
    assert len(refused) == 1 and "1,000 levels deep" in next(iter(refused.values()))
    assert any(f["path"] == "prompts/support.prompt.md" for f in report["findings"])


def test_folder_path_too_long_to_open_is_reported(workspace: Path) -> None:
    nest(workspace, "x" * 250, 20, PROMPT)  # about 5,000 bytes of path
    try:
        code, report, _ = check(".", cwd=workspace)
    finally:
        unnest(workspace, "x" * 250)
    assert code == 1
    assert any("too long" in m for m in pw000(report).values()), pw000(report)
    assert any(f["path"] == "prompts/support.prompt.md" for f in report["findings"])


def test_walk_keeps_its_own_stack(tmp_path: Path) -> None:
    """A deep tree is walked without recursion: the depth costs no Python frames."""
    nest(tmp_path, "d", 300, PROMPT)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(120)  # far below the depth of the tree
    try:
        found = [c.path.name for c in files.walk([str(tmp_path)])]
    finally:
        sys.setrecursionlimit(limit)
        unnest(tmp_path, "d")
    assert found == ["bottom.prompt.md"]


def test_size_cap_is_counted_while_reading_not_taken_from_stat() -> None:
    from promptwise.reading import read_regular

    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs a file whose stat size is 0 but which has content (Linux /proc)")
    with pytest.raises(InputError, match="over 0 MB"):
        read_regular(status, 64)
    assert len(read_regular(status, 1 << 20)) > 64


def test_read_candidate_refuses_what_the_walk_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.md"
    path.write_text(PROMPT)
    with pytest.raises(InputError, match="not followed"):
        files.read_candidate(files.Candidate(path, explicit=False, refused="not followed"))
    assert files.read_candidate(files.Candidate(path, explicit=True)) == PROMPT.encode()
