"""Frontmatter schemas: which files follow which schema, and what they report.

The fixture folders (tests/rules/frontmatter-schema/ and its siblings) show
the findings line by line; these tests cover what a fixture folder cannot:
paths with folders (Claude Code subagents, a skill in its own folder), the
Cursor reading of frontmatter that is not YAML, and every valid file of the
shared corpus (real Copilot agents, instructions and skills) passing.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from promptwise import schemas
from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.document import parse_document
from promptwise.schemas import _json_ready, globs
from promptwise.schemas.certain import certainly_valid
from tests.conftest import CORPUS, REPO, need_corpus

SCHEMA_CODES = ("PW010", "PW011", "PW012")
SETTINGS = Settings(select=("PW010", "PW011", "PW012"))


def _findings(text: str, path: str) -> list[tuple[int, str, str]]:
    analysis = analyze_text(text, path, SETTINGS)
    lines = analysis.document.lines
    return [
        (lines.line_of(f.span.start) + 1, f.code, f.message)
        for f in analysis.findings
        if f.code in SCHEMA_CODES
    ]


def test_every_schema_file_is_valid_json_schema_and_says_what_it_follows() -> None:
    folder = Path(schemas.__file__).parent
    kinds = sorted(p.name.removesuffix(".schema.json") for p in folder.glob("*.schema.json"))
    assert kinds == sorted(schemas.KINDS)
    for kind in kinds:
        raw = json.loads((folder / f"{kind}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(raw)
        loaded = schemas.load_schema(kind)
        assert loaded.follows and loaded.noun and loaded.properties


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("repo/.github/prompts/review.prompt.md", "copilot-prompt"),
        ("repo/.github/instructions/ts.instructions.md", "copilot-instructions"),
        ("repo/.github/agents/planner.agent.md", "copilot-agent"),
        ("repo/.github/chatmodes/plan.chatmode.md", "copilot-agent"),
        ("repo/.github/skills/pdf/SKILL.md", "skill"),
        ("repo/.claude/agents/reviewer.md", "claude-agent"),
        ("repo/.cursor/rules/style.mdc", "cursor-rule"),
        ("repo/prompts/chat.prompty", "prompty"),
        ("repo/prompts/chat.prompt", "dotprompt"),
        ("repo/AGENTS.md", None),
        ("repo/docs/agents/reviewer.md", None),
    ],
)
def test_the_kind_comes_from_the_path(path: str, kind: str | None) -> None:
    doc = parse_document("---\ndescription: x\n---\nBody.\n", path)
    assert schemas.kind_of(path, doc.format) == kind


def test_claude_code_subagent_accepts_inherit_and_comma_separated_tools() -> None:
    text = (
        "---\nname: code-reviewer\ndescription: Reviews diffs. Use after every change.\n"
        "tools: Read, Grep, Glob\nmodel: inherit\npermissionMode: plan\n---\n"
        "Review the diff and list problems by file.\n"
    )
    assert _findings(text, "repo/.claude/agents/code-reviewer.md") == []


def test_claude_code_subagent_needs_a_description_and_a_lowercase_name() -> None:
    text = "---\nname: Code Reviewer\ncolour: red\n---\nReview the diff.\n"
    found = _findings(text, "repo/.claude/agents/code-reviewer.md")
    assert found == [
        (1, "PW010", "`description` is required in a Claude Code subagent"),
        (2, "PW010", "`name` is `Code Reviewer`; it must be lowercase letters, digits and hyphens"),
        (3, "PW011", "`colour` is not a key of a Claude Code subagent; did you mean `color`?"),
    ]


def test_skill_name_must_match_its_folder_only_for_skill_md() -> None:
    text = "---\nname: pdf-tools\ndescription: Read PDF files the user names.\n---\nRead it.\n"
    assert _findings(text, "skills/pdf-tools/SKILL.md") == []
    assert _findings(text, "skills/pdf/SKILL.md") == [
        (
            2,
            "PW012",
            "skill `pdf-tools` is in folder `pdf`; the `name` of a skill must be its folder's name",
        )
    ]
    assert _findings(text, "skills/pdf.skill.md") == []


def test_skill_limits_are_64_and_1024_characters() -> None:
    name = "a" * 65
    text = f"---\nname: {name}\ndescription: {'d' * 1025}\n---\nBody.\n"
    found = _findings(text, f"skills/{name}/SKILL.md")
    assert found == [
        (2, "PW010", "`name` is 65 characters long; at most 64 are read"),
        (3, "PW010", "`description` is 1,025 characters long; at most 1,024 are read"),
    ]
    ok = f"---\nname: {'a' * 64}\ndescription: {'d' * 1024}\n---\nBody.\n"
    assert _findings(ok, f"skills/{'a' * 64}/SKILL.md") == []


def test_cursor_rule_frontmatter_is_read_as_cursor_reads_it() -> None:
    text = "---\ndescription:\nglobs: **/*.ts, src/**/*.tsx\nalwaysApply: false\n---\nUse types.\n"
    doc = parse_document(text, "repo/.cursor/rules/ts.mdc")
    assert doc.problems == ()
    assert doc.frontmatter == {
        "description": None,
        "globs": "**/*.ts, src/**/*.tsx",
        "alwaysApply": False,
    }
    span = doc.value_spans["globs"]
    assert text[span.start : span.end] == "**/*.ts, src/**/*.tsx"
    # Outside .mdc files the same block is what it is: broken YAML.
    other = parse_document(text, "repo/notes.prompt.md")
    assert [p.code for p in other.problems] == ["PW001"]


def test_globs_keep_commas_inside_braces_and_report_what_is_unbalanced() -> None:
    assert schemas.split_globs("**/*.{ts,tsx}, docs/**") == ["**/*.{ts,tsx}", "docs/**"]
    assert schemas.glob_problem("**/*.{ts,tsx}") is None
    assert schemas.glob_problem("src/[abc]/*.py") is None
    assert schemas.glob_problem("**/*.{ts") == "a `{` is never closed"
    assert schemas.glob_problem("**/*.ts}") == "a `}` closes no `{`"
    assert schemas.glob_problem("src/[ab/*.py") == "a `[` is never closed"


def test_unknown_key_suggestion_ignores_keys_already_present() -> None:
    text = '---\napplyTo: "**/*.py"\napplyto: "**/*.ts"\n---\nUse type hints.\n'
    assert _findings(text, "py.instructions.md") == [
        (
            3,
            "PW011",
            "`applyto` is not a key of a Copilot instructions file; "
            "the tool that reads this file ignores it",
        )
    ]
    assert _findings('---\napplyto: "**/*.ts"\n---\nUse types.\n', "ts.instructions.md") == [
        (
            2,
            "PW011",
            "`applyto` is not a key of a Copilot instructions file; did you mean `applyTo`?",
        )
    ]


def test_no_schema_error_on_any_file_of_the_shared_corpus() -> None:
    """813 real agent, instruction and skill files from github/awesome-copilot.

    Unknown keys (PW011) are allowed: the corpus has keys of other tools
    (`hidden`, `mode: subagent`) that Copilot ignores. An invalid value or
    a missing required key would be a false error.
    """
    bulk = need_corpus() / "bulk"
    files = sorted(p for p in bulk.rglob("*.md") if p.name not in ("README.md", "LICENSE"))
    assert len(files) > 800
    errors = []
    checked = 0
    for path in files:
        rel = path.relative_to(bulk).as_posix()
        doc = parse_document(path.read_text(encoding="utf-8"), rel)
        if schemas.schema_for(doc) is None:
            continue
        checked += 1
        errors.extend(
            (rel, p.variant, dict(p.args)) for p in schemas.validate(doc) if p.group == "invalid"
        )
    assert checked > 800
    assert errors == []


def test_apply_to_that_matches_no_file_of_the_workspace(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "src" / "app" / "main.ts").write_text("export {}\n", encoding="utf-8")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "index.py").write_text("", encoding="utf-8")
    folder = tmp_path / ".github" / "instructions"
    folder.mkdir(parents=True)
    cases = {
        '"**/*.ts"': [],
        '"src/**"': [],
        '"*.ts"': [],  # no `/`: a file's name alone may match
        '"**/*.{ts,tsx}"': [],
        '"**/*.py"': ["`applyTo` glob `**/*.py` matches no file in the workspace"],
        '"src/**/*.ts, docs/**/*.md"': ["`applyTo` glob `docs/**/*.md` matches no file"],
        '["**/*.ts", "lib/**"]': ["`applyTo` glob `lib/**` matches no file"],
    }
    for value, expected in cases.items():
        path = folder / "x.instructions.md"
        text = f"---\napplyTo: {value}\n---\nUse strict types.\n"
        path.write_text(text, encoding="utf-8")
        found = [m for _, code, m in _findings(text, str(path)) if code == "PW012"]
        assert len(found) == len(expected), (value, found)
        for message, start in zip(found, expected, strict=True):
            assert message.startswith(start), (value, message)
    # A document that is not on disk has no workspace to look in.
    assert _findings('---\napplyTo: "**/*.py"\n---\nUse types.\n', "x.instructions.md") == []


def test_globs_match_by_segments_and_stay_fast_on_hostile_patterns() -> None:
    files = ("src/app/main.ts", "README.md", "docs/a/b.md")
    assert globs.matches_any("src/*/main.ts", files) is True
    assert globs.matches_any("src/*.ts", files) is False  # `*` stays within one folder
    assert globs.matches_any("{src,lib}/**/*.{ts,tsx}", files) is True
    assert globs.matches_any("**/**/b.md", files) is True
    assert globs.matches_any("**/*.{ts", files) is None
    assert globs.parse_glob("{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}") is None  # 128 globs
    # Stars that a regular expression would backtrack over: one pass per segment.
    hostile = ("a" * 250,) * 2000
    assert globs.matches_any("*a*a*a*a*a*a*a*a*a*a*b", hostile) is False


# ------------------------------------------------ the quick proof of validity


def _frontmatters() -> list[tuple[str, object]]:
    """(schema kind, frontmatter as JSON Schema sees it) of the files with a schema:
    the examples, the rule fixtures and every third file of the shared corpus."""
    suffixes = (".md", ".mdc", ".prompt", ".prompty")
    paths = [p for root in ("examples", "tests/rules") for p in sorted((REPO / root).rglob("*"))]
    if CORPUS.is_dir():
        paths += sorted(CORPUS.rglob("*"))[::3]
    out = []
    for path in paths:
        if path.is_file() and path.suffix in suffixes:
            doc = parse_document(path.read_text(encoding="utf-8", errors="replace"), str(path))
            schema = schemas.schema_for(doc)
            if schema is not None and doc.frontmatter is not None:
                out.append((schema.kind, _json_ready(doc.frontmatter)))
    return out


def _mutations(value: object) -> list[object]:
    """``value`` changed in the ways that break a schema: each key, item and
    scalar swapped for values of other types, strings made long, empty or odd,
    keys renamed and dropped."""
    swaps: list[object] = [None, True, 1, 1.0, 2.5, -3, "", "x" * 2000, "Not A Name", [], {}, ["a"]]
    out: list[object] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append({k: v for k, v in value.items() if k != key})
            out.append({**{k: v for k, v in value.items() if k != key}, key + "_": item})
            for changed in [*swaps, *_mutations(item)[:10]]:
                out.append({**value, key: changed})
    elif isinstance(value, list):
        for i, item in enumerate(value):
            for changed in [*swaps, *_mutations(item)[:10]]:
                out.append([*value[:i], changed, *value[i + 1 :]])
    return out


def test_the_quick_proof_clears_only_what_jsonschema_finds_valid() -> None:
    """``certainly_valid`` lets a file skip ``jsonschema``: it must never clear
    frontmatter that ``jsonschema`` would report (the findings depend on it),
    and should clear most valid frontmatter (else it buys nothing)."""
    cleared = valid = checked = 0
    for kind, frontmatter in _frontmatters():
        schema = schemas.load_schema(kind).schema
        validator = jsonschema.Draft202012Validator(schema)
        for instance in [frontmatter, *_mutations(frontmatter)]:
            checked += 1
            has_errors = next(validator.iter_errors(instance), None) is not None
            if certainly_valid(schema, instance):
                cleared += 1
                assert not has_errors, (kind, instance)
            valid += not has_errors
    assert checked > 2_000
    assert cleared >= 0.9 * valid


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": "integer"}, 2.0),  # an integer to jsonschema: left to it
        ({"enum": [True]}, 1),  # not equal to jsonschema, and not proved here
        ({"enum": [1]}, 1.0),
        ({"minimum": 1}, 0.5),
        ({"$ref": "#/x"}, 1),  # a keyword the proof does not know
        ({"items": [{"type": "string"}]}, ["a"]),  # the tuple form
        (False, None),
    ],
)
def test_the_quick_proof_leaves_doubtful_cases_to_jsonschema(
    schema: object, instance: object
) -> None:
    assert not certainly_valid(schema, instance)
