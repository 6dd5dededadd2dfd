"""A log glob from a repository config stays inside that repository (issue 18).

`escalation.logs: ["/**/*.jsonl"]` in a cloned repository once had the advisor
list the whole disk, again every two seconds in the editor. A config file's
log globs must stay inside its repository; flags the user types are theirs.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from promptwise.cli import main


def _repo(tmp_path: Path, logs: list[str], package: str = "") -> Path:
    """A repository (with `.git`) whose config, in ``package``, names ``logs``."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    folder = repo / package if package else repo
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "promptwise.yaml").write_text(
        "model: gpt-4o\nescalation:\n  logs: " + json.dumps(logs) + "\n", encoding="utf-8"
    )
    (folder / "p.txt").write_text("Answer the question.\nQuestion: {{q}}\n", encoding="utf-8")
    return folder


def _log(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"prompt": "p.txt", "version": v, "case": "c", "passed": False} for v in (1, 2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _run(folder: Path, *argv: str) -> tuple[int, str, str]:
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        code = main(list(argv), out=out)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), ""


@pytest.mark.parametrize(
    ("logs", "package", "why"),
    [
        (["/**/*.jsonl"], "", "is an absolute path outside the repository"),
        (["../../../**/*.jsonl"], "packages/a", "reaches outside the repository"),
        (["~/.promptfoo/*.json"], "", "starts in a home folder"),
    ],
)
def test_a_config_glob_outside_its_repository_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    logs: list[str],
    package: str,
    why: str,
) -> None:
    folder = _repo(tmp_path, logs, package)
    code, _, _ = _run(folder, "advise", "p.txt")
    err = capsys.readouterr().err
    assert code == 2
    assert "promptwise.yaml:3" in err and why in err
    assert "use a path relative to the config file" in err
    code, _, _ = _run(folder, "check", "p.txt")  # the linter refuses the config too
    assert code == 2


def test_a_symbolic_link_out_of_the_repository_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere"
    _log(outside / "run.jsonl")
    folder = _repo(tmp_path, ["linked/*.jsonl"])
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    code, _, _ = _run(folder, "advise", "p.txt")
    assert code == 2 and "reaches outside the repository" in capsys.readouterr().err


def test_globs_inside_the_repository_work_from_a_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _repo(tmp_path, ["../../shared/evals/*.jsonl"], "packages/a")
    _log(tmp_path / "repo" / "shared" / "evals" / "run.jsonl")
    code, out, _ = _run(folder, "advise", "p.txt")
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Keep prompting" in out  # the shared log was read, not refused


def test_a_flag_the_user_types_is_not_confined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _repo(tmp_path, [])
    outside = tmp_path / "elsewhere"
    rows = [
        {"prompt": str(folder / "p.txt"), "version": v, "case": "c", "passed": False}
        for v in (1, 2)
    ]
    outside.mkdir()
    (outside / "run.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = _run(folder, "advise", "p.txt", "--logs", str(outside / "*.jsonl"))
    assert code == 0, capsys.readouterr().err
    assert "Keep prompting" in out
