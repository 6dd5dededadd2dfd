"""The command line: check, tokens, rules; formats, exit codes and bad input."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from promptwise.cli import main
from tests.conftest import DATA, EXAMPLES, REPO


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the CLI in-process (fast) and capture stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    old_err, old_in, old_cwd = sys.stderr, sys.stdin, os.getcwd()
    sys.stderr = err
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        if cwd:
            os.chdir(cwd)
        code = main(list(args), out=out)
    finally:
        sys.stderr, sys.stdin = old_err, old_in
        os.chdir(old_cwd)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the examples in a folder of their own."""
    target = tmp_path / "prompts"
    shutil.copytree(EXAMPLES, target)
    return target


def test_console_script_and_module_entry_point() -> None:
    exe = shutil.which("promptwise", path=str(Path(sys.executable).parent))
    assert exe, "the `promptwise` console script is installed"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("promptwise ")
    module = subprocess.run(
        [sys.executable, "-m", "promptwise", "rules"], capture_output=True, text=True, check=True
    )
    assert "PW003" in module.stdout


def test_check_examples_text(project: Path) -> None:
    code, out, err = run("check", str(project), "--jobs", "1")
    assert code == 1 and not err
    assert "legacy-summary.prompty:25:4: PW003 `tiket` is used but not declared" in out
    assert "{{ tiket }}" in out and "   ^^^^^" in out
    assert out.strip().splitlines()[-1].startswith("Found ")
    assert "translate.txt" not in out or "PW" in out  # included through the folder's config


def test_fail_on_levels(project: Path) -> None:
    target = str(project / "legacy-summary.prompty")
    assert run("check", target, "--fail-on", "never")[0] == 0
    assert run("check", target, "--fail-on", "error")[0] == 1  # PW003 is an error
    assert run("check", target, "--fail-on", "error", "--ignore", "PW003")[0] == 0
    assert run("check", target, "--select", "PW5")[0] == 0


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    clean = tmp_path / "clean.prompty"
    clean.write_text("---\nmodel:\n  id: gpt-4o\n---\nsystem:\nReply with the word OK.\n")
    code, out, _ = run("check", str(clean), "--isolated")
    assert code == 0 and out == "All checked: 1 file, no findings.\n"


def test_json_format_is_stable(project: Path) -> None:
    code, out, _ = run("check", str(project), "--format", "json", "--jobs", "1")
    data = json.loads(out)
    assert code == 1 and set(data) == {"version", "findings", "summary"}
    undefined = next(f for f in data["findings"] if f["code"] == "PW003")
    assert undefined["path"].endswith("legacy-summary.prompty")
    assert undefined["range"] == {
        "start": {"line": 24, "character": 3},
        "end": {"line": 24, "character": 8},
    }
    assert undefined["severity"] == "error" and undefined["name"] == "undefined-variable"
    assert data["summary"]["files"] == 8


def test_sarif_output_file_is_valid(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.sarif"
    code, out, _ = run("check", str(project), "--format", "sarif", "--output", str(target))
    assert code == 1 and out == ""
    sarif = json.loads(target.read_text())
    schema = json.loads((DATA / "sarif-2.1.0-schema.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["runs"][0]["results"]


def test_github_and_junit(project: Path) -> None:
    _, out, _ = run("check", str(project / "legacy-summary.prompty"), "--format", "github")
    assert out.startswith("::") and "title=PW" in out
    _, out, _ = run("check", str(project / "legacy-summary.prompty"), "--format", "junit")
    assert out.startswith("<?xml") and "<testsuite" in out


def test_github_format_is_the_default_in_actions(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out, _ = run("check", str(project / "legacy-summary.prompty"))
    assert out.startswith("::") and "::error file=" in out


def test_stdin_with_filename(project: Path) -> None:
    text = (project / "legacy-summary.prompty").read_bytes()
    code, out, _ = run("check", "-", "--stdin-filename", "legacy.prompty", stdin=text)
    assert code == 1 and "legacy.prompty:25:4: PW003" in out


def test_parallel_jobs_give_the_same_findings(project: Path) -> None:
    _, one, _ = run("check", str(project), "--format", "json", "--jobs", "1")
    _, two, _ = run("check", str(project), "--format", "json", "--jobs", "2")
    assert json.loads(one)["findings"] == json.loads(two)["findings"]


def test_statistics(project: Path) -> None:
    _, out, _ = run("check", str(project), "--statistics")
    assert "PW003  undefined-variable (error)" in out
    assert out.strip().splitlines()[-1].startswith("Found ")


def test_config_error_exits_two(tmp_path: Path) -> None:
    (tmp_path / "promptwise.yaml").write_text("calls_per_day: many\n")
    (tmp_path / "a.prompty").write_text("system:\nhi\n")
    code, out, err = run("check", str(tmp_path / "a.prompty"))
    assert code == 2 and out == ""
    assert "promptwise.yaml:1" in err and "`calls_per_day`" in err and "Traceback" not in err


def test_usage_errors_exit_two() -> None:
    assert run("check", "--format", "yaml")[0] == 2
    code, _, err = run("rules", "PW999")
    assert code == 2 and "no rule" in err


BAD_INPUTS = {
    "binary.prompty": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.prompt": "---\nmodel: x\n---\nCaf\xe9 menu\n".encode("latin-1"),
    "list.prompty": b"---\n- a\n- b\n---\nsystem:\nhi\n",
    "broken.prompty": b"---\nmodel: [unclosed\n---\nsystem:\nhi\n",
    "bomb.prompty": (
        "---\n"
        + "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
            for i in range(12)
        )
        + "---\nsystem:\nhi\n"
    ).encode(),
    "not-chat.json": b'{"name": "package", "version": "1.0.0"}',
}


def test_bad_inputs_each_get_one_clear_finding_and_the_run_goes_on(tmp_path: Path) -> None:
    for name, data in BAD_INPUTS.items():
        (tmp_path / name).write_bytes(data)
    big = tmp_path / "huge.prompt"
    with big.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    good = tmp_path / "good.prompty"
    good.write_text(
        "---\nmodel:\n  id: gpt-4o\ninputs:\n  a:\n    type: string\n---\nuser:\n{{ b }}\n"
    )
    paths = [
        str(tmp_path / n) for n in [*BAD_INPUTS, "huge.prompt", "good.prompty", "missing.prompty"]
    ]
    code, out, err = run("check", *paths, "--format", "json", "--isolated")
    assert code == 1 and "Traceback" not in err
    by_file: dict[str, list[dict]] = {}
    for item in json.loads(out)["findings"]:
        by_file.setdefault(Path(item["path"]).name, []).append(item)
    messages = {name: " ".join(f["message"] for f in items) for name, items in by_file.items()}
    assert "binary file" in messages["binary.prompty"]
    assert "invalid UTF-8" in messages["latin1.prompt"]
    assert by_file["latin1.prompt"][0]["range"]["start"]["line"] == 3
    assert "must be a mapping" in messages["list.prompty"]
    assert "invalid YAML" in messages["broken.prompty"]
    assert "alias" in messages["bomb.prompty"]
    assert "no `messages` list" in messages["not-chat.json"]
    assert "11.0 MB" in messages["huge.prompt"]
    assert "no such file" in messages["missing.prompty"]
    assert "PW003" in {f["code"] for f in by_file["good.prompty"]}  # the good file was checked


def test_directory_walk_skips_non_chat_json_and_dependency_folders(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "node_modules" / "dep").mkdir(parents=True)
    (tmp_path / "node_modules" / "dep" / "x.prompty").write_text("user:\n{{ a }}\n")
    (tmp_path / "chat.json").write_text('{"messages": [{"role": "user", "content": ""}]}')
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path, target_is_directory=True)
    _, out, _ = run("check", str(tmp_path), "--format", "json", "--isolated")
    paths = {Path(f["path"]).name for f in json.loads(out)["findings"]}
    assert paths == {"chat.json"}
    assert json.loads(out)["summary"]["files"] == 1


def test_tokens_table_and_json(project: Path) -> None:
    code, out, _ = run(
        "tokens",
        str(project / "support.prompty"),
        "--model",
        "gpt-4o",
        "--calls-per-day",
        "200000",
        "--segments",
        "--compare",
    )
    assert code == 0
    assert "model gpt-4o" in out and "cost per day" in out and "200,000 calls/day" in out
    assert "message system" in out and "comparison:" in out
    code, out, _ = run("tokens", str(project / "support.prompty"), "--format", "json", "--segments")
    data = json.loads(out)["files"][0]
    assert data["model"] == "gpt-4o" and data["approximate"] is False
    assert data["input_tokens"] == sum(s["tokens"] for s in data["segments"] if s["depth"] == 0)
    assert data["cost"]["cost_per_call"] > 0


def test_tokens_marks_approximate_models(project: Path) -> None:
    _, out, _ = run("tokens", str(project / "review.prompt.md"), "--format", "json")
    data = json.loads(out)["files"][0]
    assert data["model"] == "Claude Sonnet 4" and data["approximate"] is True
    _, text, _ = run("tokens", str(project / "review.prompt.md"))
    assert "≈" in text


def test_rules_list_and_docs() -> None:
    code, out, _ = run("rules")
    assert code == 0 and out.splitlines()[0].startswith("PW000")
    code, out, _ = run("rules", "PW003")
    assert "## What it does" in out and "## Why is this bad?" in out and "## Example" in out
    _, out, _ = run("rules", "undefined-variable", "--format", "json")
    assert json.loads(out)["code"] == "PW003"


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = hooks[0]
    assert hook["id"] == "promptwise" and hook["entry"].startswith("promptwise check")
    assert hook["language"] == "python"


def test_exclude_names_a_folder_with_or_without_its_slash(project: Path) -> None:
    (project / "vendor").mkdir()
    shutil.copy(project / "legacy-summary.prompty", project / "vendor" / "copy.prompty")
    for pattern in ("vendor/", "vendor"):
        _, out, _ = run("check", str(project), "--jobs", "1", "--exclude", pattern)
        assert "legacy-summary.prompty" in out and "copy.prompty" not in out, pattern
    _, out, _ = run("check", str(project), "--jobs", "1")
    assert "copy.prompty" in out


def test_setting_flags_override_the_config_and_say_which_setting_they_set(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run("check", "--help")  # argparse prints help to sys.stdout itself
    assert code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(setting: calls_per_day, default 1000)" in text
    assert "(setting: extend_select)" in text
    target = str(project / "legacy-summary.prompty")
    _, out, _ = run(
        "check", target, "--select", "PW004", "--extend-select", "PW003", "--format", "json"
    )
    found = {f["code"] for f in json.loads(out)["findings"]}
    assert found == {"PW003", "PW004"}


def test_tokens_count_what_a_prompt_includes(tmp_path: Path) -> None:
    """A partial's tokens are shown beside the prompt's own and priced with them."""
    (tmp_path / ".git").mkdir()
    header = "You are a careful editor. Keep every answer under 120 words.\n"
    (tmp_path / "_header.prompt").write_text(header, encoding="utf-8")
    (tmp_path / "fix.prompt").write_text(
        "---\nmodel: gpt-4o\n---\n{{> header}}\nFix the grammar of {{text}}.\n", encoding="utf-8"
    )
    code, out, _ = run("tokens", "fix.prompt", "--format", "json", cwd=tmp_path)
    assert code == 0
    (entry,) = json.loads(out)["files"]
    alone = run("tokens", "_header.prompt", "--format", "json", cwd=tmp_path)[1]
    header_tokens = json.loads(alone)["files"][0]["input_tokens"]
    assert entry["included_tokens"] == header_tokens > 10
    assert entry["includes"] == [
        {"path": "_header.prompt", "kind": "partial", "tokens": header_tokens}
    ]
    assert entry["cost"]["input_tokens"] == entry["input_tokens"] + header_tokens
    code, text, _ = run("tokens", "fix.prompt", cwd=tmp_path)
    own = entry["input_tokens"]
    assert f"input tokens   {own:,} (+{header_tokens:,} included)" in text
    assert f"+ _header.prompt  {header_tokens:,}" in text


def test_tokens_tree_lists_prompts_by_cost_per_day(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "_header.prompt").write_text("You are a careful editor.\n", encoding="utf-8")
    (tmp_path / "fix.prompt").write_text(
        "---\nmodel: gpt-4o\n---\n{{> header}}\nFix the grammar of {{text}}.\n", encoding="utf-8"
    )
    (tmp_path / "cheap.prompt").write_text(
        "---\nmodel: gpt-4o-mini\n---\nSay {{x}}.\n", encoding="utf-8"
    )
    (tmp_path / "long.prompt.md").write_text("Review the change. " * 200 + "\n", encoding="utf-8")
    (tmp_path / "broken.prompt.md").write_text("Read [the guide](gone.md).\n", encoding="utf-8")
    code, out, _ = run("tokens", ".", "--tree", "--format", "json", cwd=tmp_path)
    assert code == 0
    data = json.loads(out)
    names = [p["path"] for p in data["prompts"]]
    assert names == [
        "long.prompt.md",
        "fix.prompt",
        "broken.prompt.md",
        "cheap.prompt",
        "_header.prompt",
    ]
    by_name = {p["path"]: p for p in data["prompts"]}
    assert by_name["fix.prompt"]["included_tokens"] == by_name["_header.prompt"]["tokens"]
    assert by_name["_header.prompt"]["included_by"] == 1
    assert by_name["_header.prompt"]["cost_per_day"] is None  # a partial is never sent alone
    assert by_name["broken.prompt.md"]["by_severity"] == {"warning": 1}  # PW020
    assert data["total"]["cost_per_day"] == pytest.approx(
        sum(p["cost_per_day"] or 0 for p in data["prompts"])
    )
    code, text, _ = run("tokens", ".", "--tree", cwd=tmp_path)
    lines = text.splitlines()
    assert lines[0].split() == [
        "cost/day",
        "cost/call",
        "tokens",
        "(+included)",
        "findings",
        "prompt",
    ]
    assert [line.split()[-1] for line in lines[1:6] if "└" not in line][:2] == [
        "long.prompt.md",
        "fix.prompt",
    ]
    assert any(line.strip().startswith("└ _header.prompt") for line in lines)
    assert lines[-1].startswith("5 prompts · $")
    assert run("tokens", ".", "--tree", "--segments", cwd=tmp_path)[0] == 2


@pytest.mark.parametrize(
    "command",
    [
        "promptwise tokens prompts/summarize.prompt",
        "promptwise check . --select PW020,PW021",
        "promptwise tokens . --tree",
    ],
)
def test_the_readme_shows_the_prompt_project_as_it_is(command: str) -> None:
    """The README's "Prompt projects" examples are this output, run in tests/data/project."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Prompt projects", 1)[1].split("\n## ", 1)[0]
    _, out, _ = run(*command.split()[1:], cwd=DATA / "project")
    assert f"$ {command}\n{out.rstrip()}\n```" in section
