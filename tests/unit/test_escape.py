"""Escaping text a repository chose, for each place Promptwise prints it."""

from __future__ import annotations

import json

import pytest

from promptwise.report.escape import guard, markdown_code, markdown_text, printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name.prompt", "plain name.prompt"),
        ("a\nb\r\tc", "a\\nb\\r\\tc"),
        ("\x1b[2J\x07\x7f\x85", "\\x1b[2J\\x07\\x7f\\x85"),
        ("left\u202eright\u2028", "left\\u202eright\\u2028"),
        ("caf\udce9", "caf\\xe9"),  # an undecodable byte of a file name
        ("emoji 😀 and 中文", "emoji 😀 and 中文"),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_printable_keeps_what_the_format_escapes_itself() -> None:
    assert printable("a\nb\x1b", keep="\n") == "a\nb\\x1b"


def test_guard_text_defuses_commands_without_changing_what_is_read() -> None:
    out = guard("ok\n  ::error::x\nsee ##[set-output name=a]b\n", "text")
    assert [line.replace("\u200b", "") for line in out.splitlines()] == [
        "ok",
        "  ::error::x",
        "see ##[set-output name=a]b",
    ]
    assert not any(line.lstrip().startswith("::") or "##[" in line for line in out.splitlines())


def test_guard_github_keeps_its_own_commands() -> None:
    line = "::error file=a.prompt,line=1::message ##[x]"
    assert guard(line, "github").startswith("::error file=a.prompt")
    assert "##[" not in guard(line, "github")


def test_guard_json_is_the_same_data_and_valid_utf8() -> None:
    data = {"path": "caf\udce9", "message": "##[add-mask]x"}
    text = guard(json.dumps(data, ensure_ascii=False), "json")
    text.encode("utf-8")  # no lone surrogate left
    assert "##[" not in text and json.loads(text) == data


def test_guard_xml_uses_character_references() -> None:
    assert guard("<a>\n::error::x ##[y]</a>", "xml") == "<a>\n&#58;:error::x #&#35;[y]</a>"


def test_markdown_text_is_literal() -> None:
    assert markdown_text("*bold* [link](x) <b> @user | ::") == (
        "\\*bold\\* \\[link\\]\\(x\\) \\<b\\> \\@user \\| \\:\\:"
    )


@pytest.mark.parametrize(
    ("raw", "table", "span"),
    [
        ("a.prompt", False, "`a.prompt`"),
        ("a`b.prompt", False, "``a`b.prompt``"),
        ("`edge`", False, "`` `edge` ``"),
        ("a|b", True, "`a\\|b`"),
        ("x##[y]", False, "<code>x&#35;&#35;&#91;y&#93;</code>"),
    ],
)
def test_markdown_code(raw: str, table: bool, span: str) -> None:
    assert markdown_code(raw, in_table=table) == span
