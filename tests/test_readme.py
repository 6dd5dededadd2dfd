"""The README's promises that CI relies on."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _shell_blocks(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"```sh\n(.*?)```", text, re.S)]


def test_readme_gives_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    install_and_run, run_tests = _shell_blocks(setup)[:2]
    assert "pip install" in install_and_run and "promptwise check examples/" in install_and_run
    assert "pytest" in run_tests
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ci_commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert ci_commands[-1] == run_tests, (
        "the last line of .ci/run must be the README's test command"
    )
