"""Which YAML texts libyaml loads (the fast path) and which go to the guarded loader.

The fast path is only taken where libyaml and PyYAML's own scanner agree
(the differential property test in tests/hardening checks that they do);
these tests pin down the cases the decision is made on, so a change that
sends the rule files back to the slow loader, or lets a real tag through,
fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from promptwise.document import yamlnodes
from tests.conftest import REPO

RULE_FILES = sorted((REPO / "lint_rules").glob("*.yaml"))
# Every YAML file the package loads with `load_packaged`, which skips the checks
# made here.
PACKAGED = [*RULE_FILES, REPO / "server" / "promptwise" / "pricing" / "models.yaml"]


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: p.name)
def test_every_packaged_file_takes_the_fast_path(path: object) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    fast = yamlnodes._load_fast(text)
    assert fast is not None
    assert fast.value == yamlnodes._load_guarded(text).value
    packaged = yamlnodes.load_packaged(text)
    assert packaged.value == fast.value
    assert yamlnodes.key_lines(text, packaged.node) == yamlnodes.key_lines(text, fast.node)


def test_a_packaged_text_libyaml_refuses_gets_the_guarded_loaders_error() -> None:
    with pytest.raises(yamlnodes.YamlProblem) as packaged:
        yamlnodes.load_packaged("a: [1, 2\nb: 3")
    with pytest.raises(yamlnodes.YamlProblem) as plain:
        yamlnodes.load("a: [1, 2\nb: 3")
    assert (packaged.value.message, packaged.value.line) == (plain.value.message, plain.value.line)


def test_the_rule_files_do_quote_what_used_to_look_like_tags() -> None:
    """Without this, the test above would pass for want of a case."""
    quoted = [p.name for p in RULE_FILES if "(?!" in p.read_text(encoding="utf-8")]
    assert len(quoted) >= 3


@pytest.mark.parametrize(
    "text",
    [
        'a: "(?!x)"',
        "a: '(?!x)'",
        "a: 'it''s (?!x)'",
        'a: ["b", "c (?!d)"]',
        'a: "x|#y"',
        'a: "multi\n  line (?!)"',
        "- '[.,;:!)]'\n- \"! at the start\"",
        # "?" that both scanners read alike: quoted, or outside flow collections.
        "description: What does it answer?",
        "- is it ready?\n- why?",
        'k: ["why?", "how?"]',
        "k: {q: 'a?b'}",
        "a: 1 # why? a comment\nb: [c]",
    ],
)
def test_tag_and_header_characters_inside_quotes_take_the_fast_path(text: str) -> None:
    fast = yamlnodes._load_fast(text)
    assert fast is not None
    assert repr(fast.value) == repr(yamlnodes._load_guarded(text).value)


@pytest.mark.parametrize(
    "text",
    [
        'a: !foo "x"',  # a real tag before a quoted scalar
        "a: !",  # a bare tag: '' for one scanner, None for the other
        "a: x (?!y)",  # a plain scalar: not exempt
        'a: "x" # !see',  # a comment is not a quoted scalar
        "! a",
        "a: &x !t 'y'",  # anchor and tag before the quote
        "a: |#\n  b",  # a block header running into a comment
        'a: "b"\nc: >#\n  d',
        "a: 1\t",  # tabs and BOMs still always take the guarded path
        'a: "(?!x)"\ufeff',
        "# only a comment with !x",
    ],
)
def test_real_tags_and_headers_still_take_the_guarded_path(text: str) -> None:
    assert yamlnodes._load_fast(text) is None


@pytest.mark.parametrize(
    "text",
    [
        *(p.read_text(encoding="utf-8") for p in RULE_FILES[:5]),
        (REPO / "server" / "promptwise" / "pricing" / "models.yaml").read_text(encoding="utf-8"),
        "a: 1\r\nb:\r\n  c: [1, {d: 2}]\r\n",
        "\n\n\na: 1\nb:\n- x: 1\n- y: 2\n",
        "a: 1\rb: 2\n",
    ],
)
def test_key_lines_are_the_line_breaks_before_each_key(text: str) -> None:
    node = yamlnodes.load(text).node
    counted = {
        path: text.count("\n", 0, start) + 1 for path, start, _, _ in yamlnodes.key_spans(node)
    }
    assert yamlnodes.key_lines(text, node) == counted
    assert len(counted) >= 2


def _outcome(load: Callable[[str], yamlnodes.LoadedYaml], text: str) -> str:
    """What a loader makes of ``text``: its value, or that it is an error."""
    try:
        return repr(load(text).value)
    except yamlnodes.YamlProblem:
        return "error"


@pytest.mark.parametrize(
    "text",
    [
        "[a?1k: 'x'\n]",  # libyaml keeps "?" in a plain scalar of a flow sequence
        "[a?]",
        "{b?, c}",
        "{?1- ?}\n",  # "?" opening a token: a key indicator to PyYAML only
        "k: [a, b c?]",
        '{null~"q?"\'}',
        "- [k: a?]",
    ],
)
def test_question_marks_in_flow_collections_go_to_the_guarded_loader(text: str) -> None:
    """Where the two scanners read "?" apart, the fast path steps aside, so a
    document's value never depends on which loader happened to read it."""
    assert yamlnodes._load_fast(text) is None
    assert _outcome(yamlnodes.load, text) == _outcome(yamlnodes._load_guarded, text)
