"""Per-rule fixtures with the expected findings written next to the input.

``tests/rules/<rule-name>/`` holds prompt files for one rule, hits and
non-hits together; every rule has such a folder, named like the rule (and
like its check), with at least one file where the rule fires and one where
it does not. In markdown and text files an expected finding is a trailing
marker on the line it should start on, ``<!-- expect: PW201 -->`` (repeat
the code for two findings on one line); markers are removed before the file
is analysed, so they never influence the rules. Formats where a marker would
change the parse (Prompty, Dotprompt, chat JSON/YAML, files that are not
UTF-8) carry a sibling ``<file>.expected.json``: a list of ``[line, "PW201"]``
pairs with 1-based lines. A file with neither lists no expected finding:
every line of it is a non-hit. Only the folder's own rule is compared.

A folder may hold a ``promptwise.yaml``: its settings apply to the folder's
files as they would for a user (a budget, failure logs for the PW9xx rules,
per-file ignores), and paths in it are relative to the folder. Subfolders
hold data such as logs, not fixtures. Files are read as bytes and parsed the
way ``promptwise check`` reads them, so an unreadable file is a fixture too.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptwise.analysis import Analysis, analyze
from promptwise.config import Settings, load_settings
from promptwise.document.load import parse_bytes
from promptwise.escalation import logs_for
from promptwise.project.files import Project, workspace_root
from promptwise.rules import checks
from promptwise.rules.loader import load_rules

HERE = Path(__file__).resolve().parent
MARKER = re.compile(r"[ \t]*<!-- expect:((?:[ \t]+PW\d{3})+)[ \t]*-->")
BY_NAME = {rule.name: rule for rule in load_rules().rules}
CONFIG = "promptwise.yaml"
# No prompt text makes a rule crash (that would be a bug, and fixed), so the
# PW008 fixtures run with this check replaced by one that raises.
BROKEN_CHECK = {"rule-failure": "empty-message"}
# PW009 needs an analysis that runs out of time: this fixture gets a budget of
# zero seconds (the language server's is seconds long); the others get none.
BUDGETS = {"analysis-budget/over-budget.prompt.md": 0.0}


def _is_fixture(path: Path) -> bool:
    return path.is_file() and path.name != CONFIG and not path.name.endswith(".expected.json")


def _fixtures() -> list[Path]:
    return sorted(
        p
        for folder in HERE.iterdir()
        if folder.is_dir() and folder.name in BY_NAME
        for p in folder.iterdir()
        if _is_fixture(p)
    )


def read_fixture(path: Path) -> tuple[bytes, Counter[tuple[int, str]]]:
    """The file's bytes without markers, and the expected (line, code) findings."""
    raw = path.read_bytes()
    expected: Counter[tuple[int, str]] = Counter()
    sidecar = path.with_name(path.name + ".expected.json")
    if sidecar.exists():
        for line, code in json.loads(sidecar.read_text(encoding="utf-8")):
            expected[(int(line), str(code))] += 1
        return raw, expected
    lines = raw.decode("utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        m = MARKER.search(line)
        if m:
            for code in m.group(1).split():
                expected[(number, code)] += 1
            lines[number - 1] = line[: m.start()] + line[m.end() :]
    return "\n".join(lines).encode("utf-8"), expected


def analyse_fixture(path: Path, data: bytes) -> Analysis:
    """Analyse ``data`` as the file at ``path``, with its folder's settings and logs,
    and its references resolved in the repository (as `promptwise check` does)."""
    config = path.parent / CONFIG
    settings = load_settings(config) if config.is_file() else Settings()
    doc = parse_bytes(data, str(path))
    assert doc is not None
    project = Project(workspace_root(str(path), settings.root))
    budget = BUDGETS.get(f"{path.parent.name}/{path.name}")
    return analyze(doc, settings, logs=logs_for(doc, settings), project=project, budget=budget)


@pytest.fixture
def broken_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path: Path = request.node.callspec.params["path"]
    name = BROKEN_CHECK.get(path.parent.name)
    if name is not None:

        def crash(ctx: checks.CheckContext) -> list[checks.Hit]:
            raise RuntimeError("deliberately broken for the PW008 fixtures")

        monkeypatch.setitem(checks.REGISTRY, name, crash)
    yield


def test_every_fixture_folder_names_a_rule() -> None:
    folders = [p.name for p in HERE.iterdir() if p.is_dir() and not p.name.startswith("_")]
    unknown = [name for name in folders if name not in BY_NAME and name != "__pycache__"]
    assert not unknown, f"fixture folders that name no rule: {unknown}"


@pytest.mark.parametrize("name", sorted(BY_NAME), ids=str)
def test_every_rule_has_fixtures_with_hits_and_non_hits(name: str) -> None:
    code = BY_NAME[name].code
    folder = HERE / name
    assert folder.is_dir(), f"{code} has no fixture folder tests/rules/{name}/"
    counts = [
        sum(n for (_, c), n in read_fixture(p)[1].items() if c == code)
        for p in sorted(folder.iterdir())
        if _is_fixture(p)
    ]
    assert any(counts), f"tests/rules/{name}/ has no file where {code} is expected"
    assert not all(counts), f"tests/rules/{name}/ has no file where {code} stays quiet"


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.usefixtures("broken_check")
def test_fixture(path: Path) -> None:
    rule = BY_NAME[path.parent.name]
    data, expected = read_fixture(path)
    result = analyse_fixture(path, data)
    text = result.document.text
    found: Counter[tuple[int, str]] = Counter(
        (result.document.lines.line_of(f.span.start) + 1, f.code)
        for f in result.findings
        if f.code == rule.code
    )
    want = Counter({k: v for k, v in expected.items() if k[1] == rule.code})
    details = "\n".join(
        f"  line {line}: {f.message} `{text[f.span.start : f.span.end][:60]}`"
        for f in result.findings
        if f.code == rule.code
        for line in [result.document.lines.line_of(f.span.start) + 1]
    )
    assert found == want, (
        f"{path.name}: expected {sorted(want.elements())}, "
        f"found {sorted(found.elements())}\n{details}"
    )
