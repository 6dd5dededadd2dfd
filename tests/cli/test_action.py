"""The composite GitHub Action: its shell steps run for real, in order, on a git repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.cli.test_diff import BASE_PROMPT, NEW_PROMPT, git, repo  # noqa: F401
from tests.conftest import DATA, REPO


def _expression(expr: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    """Evaluate the few `${{ }}` forms the action uses: names joined by `||`."""
    for part in (p.strip() for p in expr.split("||")):
        if part.startswith("inputs."):
            value = inputs.get(part[len("inputs.") :], "")
        elif part.startswith("'") and part.endswith("'"):
            value = part[1:-1]
        else:
            value = context.get(part, "")
        if value:
            return value
    return ""


def _substitute(text: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: _expression(m.group(1), inputs, context), text)


def run_action(workdir: Path, tmp: Path, overrides: dict[str, str]) -> tuple[int, str, Path]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update(overrides)
    summary, output = tmp / "summary.md", tmp / "output.txt"
    summary.write_text("")
    output.write_text("")
    context = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": ""}
    env = dict(
        os.environ,
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
        RUNNER_TEMP=str(tmp),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    log = []
    for step in action["runs"]["steps"]:
        if "uses" in step:  # setup-python and the SARIF upload need GitHub itself
            continue
        lines = output.read_text().splitlines()
        outputs = dict(line.split("=", 1) for line in lines if "=" in line)
        context.update({f"steps.check.outputs.{k}": v for k, v in outputs.items()})
        step_env = {k: _substitute(str(v), inputs, context) for k, v in step.get("env", {}).items()}
        script = _substitute(step["run"], inputs, context)
        result = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=workdir,
            env={**env, **step_env},
            capture_output=True,
            text=True,
        )
        log.append(f"$ {step['name']}\n{result.stdout}{result.stderr}")
        if result.returncode != 0:
            return result.returncode, "\n".join(log), summary
    return 0, "\n".join(log), summary


def test_action_steps(repo: Path, tmp_path: Path) -> None:  # noqa: F811
    # A file that declares its inputs, then reads one it does not declare.
    declaring = NEW_PROMPT.replace(
        "---\nsystem:", "inputs:\n  question: {type: string}\n---\nsystem:"
    )
    (repo / "support.prompty").write_text(declaring + "{{ question }} {{ undeclared }}\n")
    code, log, summary = run_action(repo, tmp_path, {"version": "promptwise", "base": "HEAD"})
    assert code == 1, log  # the gate step fails on the PW003 error
    assert "::error file=support.prompty" in log and "title=PW003 undefined-variable" in log
    sarif = json.loads((tmp_path / "promptwise.sarif").read_text())
    schema = json.loads((DATA / "sarif-2.1.0-schema.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    table = summary.read_text()
    assert "| `support.prompty` | modified |" in table and "**Total:**" in table


def test_action_passes_on_a_clean_change(repo: Path, tmp_path: Path) -> None:  # noqa: F811
    (repo / "support.prompty").write_text(NEW_PROMPT)
    code, log, summary = run_action(repo, tmp_path, {"version": "promptwise"})
    assert code == 0, log
    assert "Prompt changes vs" in summary.read_text()


def test_action_budget_delta_fails_the_job(repo: Path, tmp_path: Path) -> None:  # noqa: F811
    (repo / "support.prompty").write_text(NEW_PROMPT * 3)
    code, log, _ = run_action(repo, tmp_path, {"version": "promptwise", "budget-delta": "5"})
    assert code == 1 and "over --budget-delta" in log


@pytest.mark.parametrize("key", ["paths", "fail-on", "base", "budget-delta", "version"])
def test_action_inputs_are_documented(key: str) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["inputs"][key]["description"]
