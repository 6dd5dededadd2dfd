"""Every quick fix and every suppression, applied to each format and read back (issue 13).

For each format a small prompt in its own idiom trips the rules that offer
fixes. Each fix, each "disable" comment and each config entry is applied as
a client would apply it, and the result is parsed again: the file must stay
valid (JSON and YAML still load, no new parse problem) and the text the model
receives must change only where the fix says: not at all for a suppression,
and by exactly the fix's text, decoded as the format decodes it, for a fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.document.model import PromptDocument, PromptFormat, SegmentKind
from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.edits import (
    disable_file,
    disable_line,
    per_file_ignore_in_config,
    safe_edits,
)
from promptwise.findings import Finding, Severity, TextEdit, apply_edits
from promptwise.runner import RunOptions, settings_for

SAMPLES = {
    "prompty": (
        "triage.prompty",
        """\
---
name: Triage
model:
  api: chat
  configuration:
    type: openai
    name: gpt-4o
inputs:
  ticket:
    type: string
  locale:
    type: string
---
system:
You sort support tickets for a bicycle repair shop.
Classify the ticket as billing, repairs or delivery.
Give a few reasons when appropriate, and be brief.

user:
{{ticket}} {{tikcet}}
""",
    ),
    "dotprompt": (
        "answer.prompt",
        """\
---
model: googleai/gemini-2.5-flash
input:
  schema:
    question: string
    region: string
---
{{role "system"}}
Answer questions about opening hours of the town library.
Give a few details when appropriate.
{{role "user"}}
{{question}}
""",
    ),
    "copilot markdown": (
        "review.prompt.md",
        """\
---
mode: agent
description: Review a change
---
# Review

Review the diff in ${input:change} and give a few comments when appropriate.
Be concise.
""",
    ),
    "chat JSON": (
        "sort.chat.json",
        """\
{
  "model": "gpt-4o",
  "messages": [
    {"role": "system", "content": "Sort the email into billing or delivery.\\nGive a few \
reasons when appropriate. Be brief."},
    {"role": "user", "content": "Here it is: {{email}}"}
  ]
}
""",
    ),
    "chat YAML": (
        "sort.chat.yaml",
        """\
model: gpt-4o
messages:
  - role: system
    content: |
      Sort the email into billing or delivery.
      Give a few reasons when appropriate. Be brief.
  - role: user
    content: "Give a few words on {{email}} when appropriate"
  - role: assistant
    content: 'Be brief, it''s billing.'
""",
    ),
    "plain text": (
        "sort.txt",
        """\
Sort the email below into billing or delivery.
Give a few reasons when appropriate. Be brief.

{{email}}
""",
    ),
}


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    text: str
    finding: Finding


def _analyse(text: str, path: str) -> list[Finding]:
    return list(analyze_text(text, path, Settings(preview=True)).findings)


def _cases() -> list[Case]:
    return [
        Case(label, path, text, finding)
        for label, (path, text) in SAMPLES.items()
        for finding in _analyse(text, path)
    ]


CASES = _cases()


def _id(case: Case) -> str:
    return f"{case.label}-{case.finding.code}-{case.finding.span.start}"


# ------------------------------------------------------------- what is sent


def _sent(doc: PromptDocument) -> list[str]:
    """The text the model receives, piece by piece."""
    if doc.format is PromptFormat.CHAT:
        return [f"{s.role}: {s.value}" for s in doc.segments if s.value is not None]
    holes = sorted(
        {*doc.comment_spans, *(s.span for s in doc.walk() if s.kind is SegmentKind.COMMENT)}
    )
    body = doc.body_span
    out, pos = [], body.start
    for hole in holes:
        if hole.start >= pos:
            out.append(doc.text[pos : hole.start])
            pos = hole.end
    out.append(doc.text[pos : body.end])
    joined = "".join(out)
    # A comment on a line of its own leaves that line empty: not a change.
    return [line.rstrip() for line in joined.splitlines() if line.strip()]


def _valid(case: Case, text: str) -> PromptDocument:
    """Parse the edited text as its runtime would, and as Promptwise does."""
    if case.path.endswith(".json"):
        json.loads(text)
    if case.path.endswith(".yaml"):
        yaml.safe_load(text)
    doc = parse_document(text, case.path)
    before = parse_document(case.text, case.path)
    assert doc.format is before.format
    assert {p.code for p in doc.problems} <= {p.code for p in before.problems}, doc.problems
    return doc


def _raw_sent(doc: PromptDocument) -> str:
    """What the model receives, exactly (comments cut out, nothing else normalised)."""
    if doc.format is PromptFormat.CHAT:
        return "\n".join(f"{s.role}: {s.value}" for s in doc.segments if s.value is not None)
    return "".join(doc.text[a:b] for a, b in _kept(doc))


def _kept(doc: PromptDocument) -> list[tuple[int, int]]:
    holes = sorted(
        {*doc.comment_spans, *(s.span for s in doc.walk() if s.kind is SegmentKind.COMMENT)}
    )
    out, pos = [], doc.body_span.start
    for hole in holes:
        if hole.start >= pos:
            out.append((pos, hole.start))
            pos = hole.end
    out.append((pos, doc.body_span.end))
    return out


def _decode(style: str, text: str, indent: str, *, line_start: bool = False) -> str:
    """Source text of a chat string as the model reads it (for these samples' styles)."""
    if style == '"':
        return str(json.loads(f'"{text}"'))
    if style == "'":
        return text.replace("''", "'")
    if style == "\n":  # block scalar
        if line_start and text.startswith(indent):
            text = text[len(indent) :]
        return text.replace("\n" + indent, "\n")
    return text


def _expected_after(case: Case, doc: PromptDocument, edit: TextEdit) -> str:
    """The sent text once ``edit`` is applied, worked out on the old document."""
    src = case.text
    if doc.format is not PromptFormat.CHAT:
        out = []
        for a, b in _kept(doc):
            if a <= edit.span.start <= b and edit.span.end <= b:
                out.append(src[a : edit.span.start] + edit.plain_text + src[edit.span.end : b])
            else:
                out.append(src[a:b])
        return "".join(out)
    pieces = []
    for m in doc.segments:
        value = m.value or ""
        if m.span.start <= edit.span.start and edit.span.end <= m.span.end:
            style = src[m.span.start - 1]
            line = src[src.rfind("\n", 0, m.span.start) + 1 :]
            indent = line[: len(line) - len(line.lstrip(" "))]
            head = _decode(style, src[m.span.start : edit.span.start], indent, line_start=True)
            gone = _decode(style, src[edit.span.start : edit.span.end], indent)
            assert value[len(head) : len(head) + len(gone)] == gone
            value = (
                value[: len(head)]
                + _decode(style, edit.plain_text, indent)
                + value[len(head) + len(gone) :]
            )
        pieces.append(f"{m.role}: {value}")
    return "\n".join(pieces)


# ------------------------------------------------------------------ fixes


def _fix_cases() -> list[tuple[Case, int]]:
    return [(case, n) for case in CASES for n in range(len(case.finding.fixes))]


def _fix_id(x: object) -> str:
    return _id(x) if isinstance(x, Case) else str(x)


@pytest.mark.parametrize(("case", "n"), _fix_cases(), ids=_fix_id)
def test_every_fix_keeps_the_file_valid_and_changes_only_its_text(case: Case, n: int) -> None:
    fix = case.finding.fixes[n]
    edited = apply_edits(case.text, tuple(TextEdit(e.span, e.plain_text) for e in fix.edits))
    doc = _valid(case, edited)
    before = parse_document(case.text, case.path)
    if len(fix.edits) != 1:
        return
    [edit] = fix.edits
    if before.frontmatter_span and edit.span.end <= before.frontmatter_span.end:
        assert _raw_sent(doc) == _raw_sent(before), "a frontmatter fix changes no message"
        return
    assert _raw_sent(doc) == _expected_after(case, before, edit), fix.title


@pytest.mark.parametrize(("case", "n"), _fix_cases(), ids=_fix_id)
def test_no_fix_invents_an_instruction_without_a_tab_stop(case: Case, n: int) -> None:
    """Text a fix adds either comes from the file or leaves a tab stop to fill."""
    fix = case.finding.fixes[n]
    known = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", case.text)}
    for edit in fix.edits:
        plain = re.sub(r"\$\{\d+:[^}]*\}", " ", edit.new_text) if edit.snippet else edit.new_text
        new_words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", plain)} - known
        if new_words:
            assert edit.snippet and re.search(r"\$\{\d+:", edit.new_text), (
                f"{fix.title} inserts {sorted(new_words)} with no tab stop"
            )


def test_every_format_offers_fixes_and_chat_fixes_are_escaped() -> None:
    offered = {case.label for case, _ in _fix_cases()}
    assert offered == set(SAMPLES), "each sample trips at least one rule with a fix"


def test_fix_all_never_applies_a_snippet() -> None:
    for case in CASES:
        for edit in safe_edits([case.finding]):
            assert not edit.snippet


# ----------------------------------------------------------- suppressions


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_every_suppression_keeps_the_file_and_what_is_sent(case: Case) -> None:
    before = parse_document(case.text, case.path)
    offered = 0
    for edit in (disable_line(before, case.finding), disable_file(before, case.finding.code)):
        if edit is None:
            continue
        offered += 1
        edited = apply_edits(case.text, (edit,))
        doc = _valid(case, edited)
        assert _sent(doc) == _sent(before), f"{edit.new_text!r} reaches the model"

        def same(findings: list[Finding]) -> int:
            return sum(
                f.code == case.finding.code and f.message == case.finding.message for f in findings
            )

        after = _analyse(edited, case.path)
        left = same(after)
        if "disable=" in edit.new_text:
            assert left == 0, f"{edit.new_text!r} does not suppress {case.finding.code}"
        else:
            assert left == same(_analyse(case.text, case.path)) - 1, edit.new_text
        assert "PW007" not in {f.code for f in after}
    if case.label in ("chat JSON", "plain text"):
        assert offered == 0, "no comment can be written in this file"
    elif case.label != "chat YAML":
        assert offered >= 1


@pytest.mark.parametrize(
    "config",
    [None, "model: gpt-4o\n", "per_file_ignores:\n  other.txt: [PW1]\n", "per_file_ignores: {}\n"],
    ids=["no config", "no key", "block mapping", "empty flow mapping"],
)
@pytest.mark.parametrize("label", ["chat JSON", "plain text", "chat YAML"])
def test_per_file_ignore_in_config_suppresses_without_touching_the_prompt(
    tmp_path: Path, label: str, config: str | None
) -> None:
    name, text = SAMPLES[label]
    prompt = tmp_path / "prompts" / name
    prompt.parent.mkdir()
    prompt.write_text(text)
    config_path = None
    if config is not None:
        config_path = tmp_path / "promptwise.yaml"
        config_path.write_text(config)
    codes = sorted({f.code for f in _analyse(text, str(prompt))})
    for code in codes:
        change = per_file_ignore_in_config(config_path, prompt, code, tmp_path)
        assert change is not None, code
        change.path.write_text(change.new_text)
        config_path = change.path
        assert per_file_ignore_in_config(config_path, prompt, code, tmp_path) is None
    settings = settings_for(prompt, RunOptions())
    assert settings.per_file_ignores.get("prompts/" + name) == tuple(codes)
    left = analyze_text(text, str(prompt), settings).findings
    assert not {f.code for f in left} & set(codes)
    assert prompt.read_text() == text


def test_per_file_ignore_in_pyproject(tmp_path: Path) -> None:
    name, text = SAMPLES["chat JSON"]
    prompt = tmp_path / name
    prompt.write_text(text)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n\n[tool.promptwise]\nmodel = "gpt-4o"\n')
    for code in ("PW201", "PW204"):
        change = per_file_ignore_in_config(pyproject, prompt, code, tmp_path)
        assert change is not None
        pyproject.write_text(change.new_text)
        assert per_file_ignore_in_config(pyproject, prompt, code, tmp_path) is None
    settings = settings_for(prompt, RunOptions())
    assert settings.per_file_ignores[name] == ("PW201", "PW204")


@pytest.mark.parametrize(
    ("label", "name", "text", "kept"),
    [
        ("chat JSON", "a.chat.json", '{"messages": [{"role": "user", "content": "Be brief."}]}', 1),
        ("chat YAML", "a.chat.yaml", 'messages:\n  - role: user\n    content: "Be brief."\n', 1),
        (
            "chat YAML",
            "a.chat.yaml",
            "messages:\n  - role: user\n    content: |\n      Be brief.\n",
            1,
        ),
        ("chat YAML", "a.chat.yaml", "messages:\n  - role: user\n    content: 'Be brief.'\n", 0),
        ("chat YAML", "a.chat.yaml", "messages:\n  - role: user\n    content: Be brief.\n", 0),
    ],
    ids=["json", "yaml double-quoted", "yaml block", "yaml single-quoted", "yaml plain"],
)
def test_a_fix_with_quotes_and_new_lines_is_written_in_the_string_s_own_syntax(
    label: str, name: str, text: str, kept: int
) -> None:
    """A rule's text with a quote and a new line: escaped, indented, or not offered."""
    from promptwise.edits import fit_fixes
    from promptwise.findings import Fix

    doc = parse_document(text, name)
    at = text.index("brief")
    wanted = 'brief.\nSay "none" when'
    fix = Fix("t", (TextEdit(Span(at, at + len("brief")), wanted),))
    fitted = fit_fixes(doc, (fix,))
    assert len(fitted) == kept
    outside = Fix("t", (TextEdit(Span(0, 0), "x"),))
    assert fit_fixes(doc, (outside,)) == ()
    if not kept:
        return
    [edit] = fitted[0].edits
    case = Case(label, name, text, Finding("PW202", "x", Severity.INFO, "m", Span(at, at)))
    edited = apply_edits(text, (edit,))
    after = _valid(case, edited)
    [message] = after.segments
    assert message.value is not None and 'Be brief.\nSay "none" when.' in message.value
