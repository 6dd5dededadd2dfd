"""Command-line details a new user trips over (issue 13, "CLI details found on the way")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from promptwise.cli import build_parser
from promptwise.rules.families import FAMILIES
from promptwise.rules.loader import load_rules
from tests.cli.test_cli import run
from tests.conftest import EXAMPLES, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")

CUSTOM_RULE = """\
id: PW801
name: no-please
severity: info
summary: Politeness words cost tokens and change nothing
message: "Drop `{match}`"
kind: existence
tokens: [please]
docs:
  what: Flags politeness words.
  why: They cost tokens on every call.
  example: Please summarise the text.
  better: Summarise the text.
"""


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    """A project with one rule of its own and one prompt that trips it."""
    (tmp_path / "my_rules").mkdir()
    (tmp_path / "my_rules" / "PW801-no-please.yaml").write_text(CUSTOM_RULE)
    (tmp_path / "promptwise.yaml").write_text("rule_dirs: [my_rules]\n")
    (tmp_path / "ask.prompt").write_text("Please summarise {{text}} in two sentences.\n")
    return tmp_path


# ------------------------------------------------------------------ codes


@pytest.mark.parametrize("flag", ["--select", "--extend-select", "--ignore"])
def test_a_code_that_names_no_rule_is_a_usage_error(flag: str) -> None:
    code, out, err = run("check", str(EXAMPLES), flag, "PW2,PW999", "--jobs", "1")
    assert code == 2 and not out
    assert f"{flag} PW999: no rule has this code or prefix" in err
    assert "internal error" not in err


def test_prefixes_and_custom_codes_are_accepted(custom: Path) -> None:
    code, out, _ = run("check", "--select", "pw8", "ask.prompt", cwd=custom)
    assert code == 0 and "PW801" in out  # an info finding: below --fail-on warning
    assert run("check", str(EXAMPLES), "--select", "PW2", "--ignore", "ALL")[0] == 0
    # A code only the custom folder has is unknown where that folder is not configured.
    assert run("check", str(EXAMPLES), "--select", "PW801")[0] == 2


def test_rules_lists_custom_rules_and_explains_them(custom: Path) -> None:
    code, out, _ = run("rules", cwd=custom)
    assert code == 0
    assert re.search(r"^PW801  no-please .* \(custom\)$", out, re.M)
    code, out, _ = run("rules", "PW801", cwd=custom)
    assert code == 0 and "Flags politeness words" in out
    assert "PW801" not in run("rules", "--isolated", cwd=custom)[1]


def test_rules_with_an_unknown_code_is_a_usage_error() -> None:
    code, out, err = run("rules", "PW999")
    assert code == 2 and not out and "no rule 'PW999'" in err


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.prefix)
def test_rules_with_a_family_prefix_lists_the_family(family: object) -> None:
    prefix = family.prefix  # type: ignore[attr-defined]
    expected = [
        r.code for r in load_rules().rules if r.code.startswith(prefix) and r.status != "removed"
    ]
    code, out, _ = run("rules", prefix.lower())
    assert code == 0
    heading, *rows = out.splitlines()
    assert heading == f"{family.codes} {family.title}"  # type: ignore[attr-defined]
    assert [row.split()[0] for row in rows] == expected
    listed = json.loads(run("rules", prefix, "--format", "json")[1])
    assert [r["code"] for r in listed] == expected
    assert {r["family"] for r in listed} == {family.tag}  # type: ignore[attr-defined]


# ----------------------------------------------------------------- tokens -


def test_tokens_reads_stdin_like_check() -> None:
    path = EXAMPLES / "support.prompty"
    _, from_file, _ = run("tokens", str(path), "--format", "json")
    code, from_stdin, err = run(
        "tokens",
        "-",
        "--stdin-filename",
        str(path),
        "--format",
        "json",
        stdin=path.read_bytes(),
    )
    assert code == 0 and not err
    a, b = json.loads(from_file)["files"][0], json.loads(from_stdin)["files"][0]
    assert b["format"] == "prompty" and b["model"] == a["model"]
    assert b["input_tokens"] == a["input_tokens"] > 0
    code, out, _ = run("tokens", "-", stdin=b"Summarise the text in two sentences.\n")
    assert code == 0 and out.startswith("<stdin>  (text,")


# ----------------------------------------------------------------- output


@pytest.mark.parametrize("where", ["missing/folder/report.json", "."])
def test_an_unwritable_output_names_the_path(tmp_path: Path, where: str) -> None:
    target = tmp_path / where
    code, out, err = run("check", str(EXAMPLES), "--format", "json", "--output", str(target))
    assert code == 2 and not out
    assert err.startswith(f"promptwise: error: cannot write {target}: ")
    assert "internal error" not in err


# ------------------------------------------------------------ empty walks


def test_a_walk_finding_no_prompt_says_why_and_fail_on_decides(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Summarise the text.\n")
    code, out, err = run("check", str(tmp_path))
    assert code == 1 and out == "All checked: 0 files, no findings.\n"
    assert f"no prompt files found in {tmp_path}" in err
    assert "1 plain-text file" in err and "plain text needs an include glob" in err
    assert run("check", str(tmp_path), "--fail-on", "error")[0] == 0
    assert run("check", str(tmp_path), "--fail-on", "never")[0] == 0
    code, out, err = run("check", str(tmp_path), "--include", "*.txt")
    assert code == 0 and not err and out == "All checked: 1 file, no findings.\n"


def test_tokens_over_a_folder_without_prompts_says_why(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Summarise the text.\n")
    code, out, err = run("tokens", str(tmp_path))
    assert code == 0 and not out.strip()
    assert "no prompt files found" in err and "plain text needs an include glob" in err


def test_a_walk_over_json_without_messages_says_so(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}\n')
    code, _, err = run("check", str(tmp_path))
    assert code == 1 and "the JSON/YAML file found holds no chat messages" in err


def test_summaries_are_singular_and_plural(tmp_path: Path) -> None:
    one = tmp_path / "one.prompt"
    one.write_text("---\ninput:\n  schema:\n    text: string\n---\nSummarise the text.\n")
    code, out, _ = run("check", str(one))
    assert code == 1
    assert out.endswith("Found 1 finding (0 errors, 1 warning, 0 info) in 1 file.\n")
    _, out, _ = run("check", str(one), "--statistics")
    assert out.endswith("Found 1 finding in 1 of 1 file.\n")
    code, out, _ = run("check", str(one), "--ignore", "PW004", "--statistics")
    assert code == 0 and out == "All checked: 1 file, no findings.\n"


# ----------------------------------------------------------------- globs


def test_include_from_the_readme_takes_files_directly_in_the_folder(tmp_path: Path) -> None:
    example = re.search(r"^include: (\[.*?\])", README, re.M)
    assert example, "the configuration example sets `include`"
    (tmp_path / "promptwise.yaml").write_text(f"include: {example.group(1)}\n")
    (tmp_path / "prompts" / "en").mkdir(parents=True)
    for rel in ("prompts/top.txt", "prompts/en/deep.txt"):
        (tmp_path / rel).write_text("Summarise the text in two sentences.\n")
    for walked in (".", "prompts"):  # config patterns are relative to the config's folder
        _, out, _ = run("tokens", walked, "--format", "json", cwd=tmp_path)
        paths = sorted(Path(f["path"]).name for f in json.loads(out)["files"])
        assert paths == ["deep.txt", "top.txt"], walked


def test_per_file_ignores_double_star_also_means_no_folder(tmp_path: Path) -> None:
    config = 'per_file_ignores:\n  "legacy/**/*.prompt": [PW004]\n'
    (tmp_path / "promptwise.yaml").write_text(config)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.prompt").write_text(
        "---\ninput:\n  schema:\n    text: string\n---\nSummarise the text.\n"
    )
    code, out, _ = run("check", "legacy", "--select", "PW004", cwd=tmp_path)
    assert code == 0 and out == "All checked: 1 file, no findings.\n"


# ----------------------------------------------------------------- README


def _readme_block(after: str, lang: str) -> str:
    rest = README.split(after, 1)[1]
    return rest.split(f"```{lang}\n", 1)[1].split("```\n", 1)[0]


def test_readme_json_example_is_the_real_output_of_the_examples() -> None:
    command = re.search(r"`(promptwise check examples/ [^`]*--format json)`", README)
    assert command, "the JSON section names the command its example comes from"
    args = command.group(1).split()[1:]
    code, out, _ = run(*args, "--jobs", "1", cwd=REPO)
    assert code == 1
    shown = _readme_block("### JSON output", "json")
    assert shown == out, "README's JSON example is stale; paste the output of: " + " ".join(
        command.group(1).split()
    )


def test_readme_check_options_table_matches_the_parser() -> None:
    section = README.split("### `promptwise check`", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented: dict[str, str] = {}
    for row in rows:
        cell = row.split(" | ")[0]
        for flag in re.findall(r"`(-[-\w]+)( [^`]*)?`", cell):
            documented[flag[0]] = flag[1].strip()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    check = sub.choices["check"]  # type: ignore[index]
    actual = {
        option: action
        for action in check._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    }
    assert sorted(documented) == sorted(actual)
    for flag, shown in documented.items():
        action = actual[flag]
        if action.choices:
            assert shown == "\\|".join(action.choices), flag
        elif action.nargs == 0:
            assert not shown, f"{flag} takes no value"
        else:
            assert shown, f"{flag} takes a value; the table shows one"


def test_readme_gitlab_job_installs_from_the_repository() -> None:
    job = _readme_block("### GitLab CI", "yaml")
    install = next(line for line in job.splitlines() if "pip install" in line)
    repo = re.search(r"repo: (https://github.com/\S+)", README)
    assert repo and f"git+{repo.group(1)}@" in install, install
