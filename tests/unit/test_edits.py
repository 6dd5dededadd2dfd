"""Edits made to the user's files: fix all, disable comments, "ignore in config".

Pure text surgery in the core (the language server offers these as code
actions; a ``check --fix`` applies them), checked here on the text alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.edits import (
    ConfigEditError,
    disable_file,
    disable_line,
    ignore_in_config,
    safe_edits,
)
from promptwise.findings import Finding, Fix, Severity, TextEdit, apply_edits
from promptwise.tokens.counter import sent_text


def _finding(code: str, span: Span, *fixes: Fix) -> Finding:
    return Finding(code, "name", Severity.WARNING, "message", span, fixes=fixes)


def test_fix_all_takes_the_first_safe_fix_and_skips_overlaps() -> None:
    text = "Write a brief summary of some items."
    brief = Span(8, 13)
    some = Span(25, 29)
    findings = [
        _finding(
            "PW201",
            brief,
            Fix("Needs review", (TextEdit(brief, "short"),)),  # unsafe: never in bulk
            # A snippet's tab stops are the author's to fill: never applied in bulk.
            Fix("Tab stop", (TextEdit(brief, "${1:<number>}-sentence", snippet=True),), safe=True),
            Fix("Replace `brief`", (TextEdit(brief, "3-sentence"),), safe=True),
        ),
        _finding("PW202", brief, Fix("Overlaps", (TextEdit(Span(8, 20), "x"),), safe=True)),
        _finding("PW203", some, Fix("Replace `some`", (TextEdit(some, "five"),), safe=True)),
        _finding("PW204", some, Fix("Unsafe only", (TextEdit(some, "all"),))),
    ]
    edits = safe_edits(findings)
    assert apply_edits(text, edits) == "Write a 3-sentence summary of five items."
    assert [e.new_text for e in edits] == ["3-sentence", "five"]


def test_disable_comments_use_the_format_s_own_comment() -> None:
    jinja = parse_document("---\nmodel: gpt-4o\n---\nBe brief.\n", "a.prompty")
    at = jinja.text.index("brief")
    finding = _finding("PW201", Span(at, at + 5))
    line = disable_line(jinja, finding)
    assert line is not None
    assert apply_edits(jinja.text, [line]).endswith(
        "Be brief. {# promptwise: disable-line=PW201 #}\n"
    )
    whole = disable_file(jinja, "PW201")
    assert whole is not None
    assert "---\n{# promptwise: disable=PW201 -#}\nBe brief." in apply_edits(jinja.text, [whole])
    # Inside the frontmatter a comment would become part of a YAML value.
    assert disable_line(jinja, _finding("PW001", Span(4, 9))) is None
    plain = parse_document("Be brief.\n", "a.txt")
    assert disable_line(plain, finding) is None and disable_file(plain, "PW201") is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("model: gpt-4o\n", "model: gpt-4o\nignore:\n  - PW201\n"),
        ("model: gpt-4o", "model: gpt-4o\nignore:\n  - PW201\n"),
        ("ignore: [PW101]\n", "ignore: [PW101, PW201]\n"),
        ("ignore: []\n", "ignore: [PW201]\n"),
        ("ignore:\n  - PW101\nmodel: x\n", "ignore:\n  - PW101\n  - PW201\nmodel: x\n"),
        ("ignore:\n    - PW101\n", "ignore:\n    - PW101\n    - PW201\n"),
        ("ignore: PW101\n", "ignore: [PW101, PW201]\n"),
        ("ignore:\n", "ignore: [PW201]\n"),
        (
            "# comment kept\nignore: [PW101] # why\n",
            "# comment kept\nignore: [PW101, PW201] # why\n",
        ),
    ],
)
def test_ignore_in_yaml_config(tmp_path: Path, before: str, after: str) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_text(before)
    change = ignore_in_config(config, "PW201", tmp_path)
    assert change is not None and not change.create
    assert change.new_text == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            '[tool.promptwise]\nmodel = "gpt-4o"\n',
            '[tool.promptwise]\nignore = ["PW201"]\nmodel = "gpt-4o"\n',
        ),
        (
            '[tool.promptwise]\nignore = ["PW101"]\n',
            '[tool.promptwise]\nignore = ["PW101", "PW201"]\n',
        ),
        ("[tool.promptwise]\nignore = []\n", '[tool.promptwise]\nignore = ["PW201"]\n'),
        (
            '[tool.promptwise]\nignore = [\n  "PW101",\n]\n[tool.other]\nignore = []\n',
            '[tool.promptwise]\nignore = [\n  "PW101",\n  "PW201",\n]\n[tool.other]\nignore = []\n',
        ),
    ],
)
def test_ignore_in_pyproject(tmp_path: Path, before: str, after: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(before)
    change = ignore_in_config(config, "PW201", tmp_path)
    assert change is not None and change.new_text == after


def test_already_ignored_offers_nothing_and_a_broken_config_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "promptwise.yaml"
    config.write_text("ignore: [PW201]\n")
    assert ignore_in_config(config, "PW201", tmp_path) is None
    config.write_text("ignore: [unclosed\n")
    with pytest.raises(ConfigEditError, match="invalid YAML"):
        ignore_in_config(config, "PW201", tmp_path)


def test_new_config_file() -> None:
    change = ignore_in_config(None, "PW201", Path("/work/project"))
    assert change is not None and change.create
    assert change.path == Path("/work/project/promptwise.yaml")
    assert "ignore:\n  - PW201\n" in apply_edits("", change.edits)


def test_a_prompty_file_suppression_sends_nothing_and_opens_no_message() -> None:
    """Jinja keeps the newline after `#}`; `-#}` takes it, so the body renders as before."""
    text = (
        "---\nname: pick\ninputs:\n  city: {type: string}\n---\n"
        "system:\nBe brief.\n\nuser:\n{{city}}\n"
    )
    doc = parse_document(text, "pick.prompty")
    edit = disable_file(doc, "PW301")
    assert edit is not None
    suppressed = parse_document(apply_edits(text, [edit]), "pick.prompty")
    assert sent_text(suppressed) == sent_text(doc)
    roles = [s.role for s in suppressed.segments if s.kind.value == "message"]
    assert roles == ["system", "user"]
