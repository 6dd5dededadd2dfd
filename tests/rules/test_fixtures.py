"""Per-rule fixtures with the expected findings written next to the input.

``tests/rules/<rule-name>/`` holds prompt files for one rule, hits and
non-hits together. In markdown and text files an expected finding is a
trailing marker on the line it should start on, ``<!-- expect: PW201 -->``
(repeat the code for two findings on one line); markers are removed before
the file is analysed, so they never influence the rules. Formats where a
marker would change the parse (Prompty, Dotprompt, chat JSON/YAML) carry a
sibling ``<file>.expected.json``: a list of ``[line, "PW201"]`` pairs with
1-based lines. A file with neither lists no expected finding: every line of
it is a non-hit. Only the folder's own rule is compared.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.rules.loader import load_rules

HERE = Path(__file__).resolve().parent
MARKER = re.compile(r"[ \t]*<!-- expect:((?:[ \t]+PW\d{3})+)[ \t]*-->")
BY_NAME = {rule.name: rule for rule in load_rules().rules}


def _fixtures() -> list[Path]:
    return sorted(
        p
        for folder in HERE.iterdir()
        if folder.is_dir() and folder.name in BY_NAME
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith(".expected.json")
    )


def read_fixture(path: Path) -> tuple[str, Counter[tuple[int, str]]]:
    """The prompt text without markers, and the expected (line, code) findings."""
    raw = path.read_text(encoding="utf-8")
    expected: Counter[tuple[int, str]] = Counter()
    sidecar = path.with_name(path.name + ".expected.json")
    if sidecar.exists():
        for line, code in json.loads(sidecar.read_text(encoding="utf-8")):
            expected[(int(line), str(code))] += 1
        return raw, expected
    lines = raw.split("\n")
    for number, line in enumerate(lines, start=1):
        m = MARKER.search(line)
        if m:
            for code in m.group(1).split():
                expected[(number, code)] += 1
            lines[number - 1] = line[: m.start()] + line[m.end() :]
    return "\n".join(lines), expected


def test_every_fixture_folder_names_a_rule() -> None:
    folders = [p.name for p in HERE.iterdir() if p.is_dir() and not p.name.startswith("_")]
    unknown = [name for name in folders if name not in BY_NAME and name != "__pycache__"]
    assert not unknown, f"fixture folders that name no rule: {unknown}"


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    rule = BY_NAME[path.parent.name]
    text, expected = read_fixture(path)
    result = analyze_text(text, path.name, Settings())
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
