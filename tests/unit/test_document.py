"""Document model: format detection, parsers, segments and variables with exact ranges."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from promptwise.document import (
    PromptFormat,
    SegmentKind,
    Span,
    TemplateSyntax,
    VariableRole,
    parse_document,
)
from promptwise.document.detect import detect_format
from promptwise.document.text import LineIndex, Position
from tests.conftest import EXAMPLES, need_corpus


def text_at(doc, span: Span) -> str:
    return doc.text[span.start : span.end]


def uses(doc) -> list[tuple[str, str]]:
    return [(v.name, text_at(doc, v.span)) for v in doc.variables if v.role is VariableRole.USE]


def declared(doc) -> list[str]:
    return [v.name for v in doc.variables if v.role is VariableRole.DECLARATION]


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("support.prompty", PromptFormat.PROMPTY),
        ("x.prompt", PromptFormat.DOTPROMPT),
        ("review.prompt.md", PromptFormat.MARKDOWN),
        ("python.instructions.md", PromptFormat.MARKDOWN),
        ("planner.agent.md", PromptFormat.MARKDOWN),
        ("focus.chatmode.md", PromptFormat.MARKDOWN),
        ("skills/pdf/SKILL.md", PromptFormat.MARKDOWN),
        ("AGENTS.md", PromptFormat.MARKDOWN),
        ("CLAUDE.md", PromptFormat.MARKDOWN),
        (".cursor/rules/style.mdc", PromptFormat.MARKDOWN),
        (".github/copilot-instructions.md", PromptFormat.MARKDOWN),
        ("chat.json", PromptFormat.CHAT),
        ("chat.yaml", PromptFormat.CHAT),
        ("notes.txt", PromptFormat.TEXT),
        ("README.md", PromptFormat.TEXT),
    ],
)
def test_format_by_name(name: str, fmt: PromptFormat) -> None:
    assert detect_format(name, "") is fmt


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("---\nmodel: x\n---\nsystem:\nHi\n", PromptFormat.PROMPTY),
        ('---\nmodel: x\n---\n{{role "system"}}\nHi\n', PromptFormat.DOTPROMPT),
        ("---\ndescription: x\n---\n# Title\n", PromptFormat.MARKDOWN),
        ('{"messages": []}', PromptFormat.CHAT),
        ("Just a prompt.", PromptFormat.TEXT),
    ],
)
def test_format_by_content(text: str, fmt: PromptFormat) -> None:
    assert detect_format("<stdin>", text) is fmt


# -------------------------------------------------------------------- Prompty


def test_prompty_v2_example() -> None:
    path = EXAMPLES / "support.prompty"
    doc = parse_document(path.read_text(), str(path))
    assert doc.format is PromptFormat.PROMPTY
    assert doc.syntax is TemplateSyntax.JINJA
    assert doc.model is not None and doc.model.name == "gpt-4o"
    assert text_at(doc, doc.model.span) == "gpt-4o"
    assert doc.max_output_tokens == 400
    assert declared(doc) == ["customer_name", "question", "order_history"]
    for var in doc.declared.values():
        assert text_at(doc, var.span) == var.name
    assert doc.declared["question"].declared_type == "string"
    assert uses(doc) == [("customer_name", "customer_name"), ("question", "question")]
    messages = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    assert [m.role for m in messages] == ["system", "user"]
    assert text_at(doc, messages[0].header) == "system:"
    assert text_at(doc, messages[1].header) == "user:"
    section = messages[0].children[0]
    assert section.kind is SegmentKind.SECTION and section.title == "Policy"
    assert text_at(doc, section.header) == "# Policy"
    assert doc.frontmatter_span is not None
    assert doc.text[doc.frontmatter_span.end :].startswith("system:")


def test_prompty_v1_example() -> None:
    path = EXAMPLES / "legacy-summary.prompty"
    doc = parse_document(path.read_text(), str(path))
    assert doc.model is not None and doc.model.name == "gpt-4o-mini"
    assert doc.model.source == "model.configuration.azure_deployment"
    assert doc.max_output_tokens == 150
    assert doc.declared["ticket"].source == "inputs"
    assert doc.declared["ticket"].description.startswith("The ticket text")
    assert uses(doc) == [("tiket", "tiket")]
    data = [s for s in doc.walk() if s.kind is SegmentKind.DATA]
    assert len(data) == 1 and text_at(doc, data[0].header) == "<ticket>"
    assert doc.declares_inputs


def test_prompty_without_roles_is_one_system_message() -> None:
    doc = parse_document("---\nmodel:\n  id: gpt-4o\n---\nSay hello to {{ name }}.\n", "a.prompty")
    [message] = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    assert message.role == "system" and message.header is None
    assert uses(doc) == [("name", "name")]


def test_prompty_mustache_template() -> None:
    text = (
        "---\ntemplate:\n  format:\n    kind: mustache\n---\nuser:\n{{#items}}{{name}}{{/items}}\n"
    )
    doc = parse_document(text, "m.prompty")
    assert doc.syntax is TemplateSyntax.MUSTACHE
    assert [v.name for v in doc.used] == ["items"]  # `name` is relative to each item


# ------------------------------------------------------------------ Dotprompt


def test_dotprompt_example() -> None:
    path = EXAMPLES / "classify-ticket.prompt"
    doc = parse_document(path.read_text(), str(path))
    assert doc.format is PromptFormat.DOTPROMPT and doc.syntax is TemplateSyntax.HANDLEBARS
    assert doc.model.name == "googleai/gemini-2.5-flash"
    assert doc.max_output_tokens == 5
    ticket = doc.declared["ticket"]
    assert ticket.declared_type == "string" and ticket.description == "the customer's message"
    assert text_at(doc, ticket.span) == "ticket"
    roles = [
        (s.role, text_at(doc, s.header)) for s in doc.segments if s.kind is SegmentKind.MESSAGE
    ]
    assert roles == [("system", '{{role "system"}}'), ("user", '{{role "user"}}')]
    assert uses(doc) == [("ticket", "ticket")]


def test_dotprompt_block_roles_comment_preamble_and_json_schema() -> None:
    text = (
        "# Licence header\n# more\n\n---\nmodel: gemini-2.5-pro\ninput:\n  schema:\n"
        "    type: object\n    properties:\n      topic: string\n      tone?: string\n"
        '---\n{{#role "system"}}\nWrite about {{topic}}.\n{{/role}}\n'
        "{{#each items as |item|}}{{item.name}} {{@index}}{{/each}}\n"
        "{{#if tone}}Use a {{tone}} tone.{{/if}}\n{{> footer}}\n"
    )
    doc = parse_document(text, "x.prompt")
    assert doc.model.name == "gemini-2.5-pro"
    assert sorted(doc.declared) == ["tone", "topic"]  # "tone?" is an optional property
    assert [v.name for v in doc.used] == ["topic", "items", "tone", "tone"]
    [message] = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE and s.header]
    assert text_at(doc, message.span).endswith("{{/role}}")
    assert any(t.kind == "partial" and t.name == "footer" for t in doc.tags)


def test_dotprompt_picoschema_optional_and_typed_keys() -> None:
    text = "---\ninput:\n  schema:\n    name?: string\n    tags(array): string\n---\nHi {{name}}\n"
    doc = parse_document(text, "p.prompt")
    assert sorted(doc.declared) == ["name", "tags"]
    assert text_at(doc, doc.declared["name"].span) == "name"
    assert doc.declared["tags"].declared_type == "array"


def messages(doc) -> list[str]:
    return [s.role for s in doc.segments if s.kind is SegmentKind.MESSAGE]


@pytest.mark.parametrize(
    ("body", "roles"),
    [
        # Dotprompt gives the first marker's role to a message holding only whitespace.
        ('{{! drafted by the docs team }}\n\n{{role "system"}}\nBe brief.\n', ["system"]),
        ('\n   \n{{role "system"}}\nBe brief.\n{{role "user"}}\nHi\n', ["system", "user"]),
        ('{{!-- a --}}{{! b }}\n{{#role "system"}}Be brief.{{/role}}\n', ["system"]),
        ('Intro {{! c }}\n{{role "system"}}\nBe brief.\n', ["user", "system"]),
        ("Summarise {{text}} in one line.\n", ["user"]),
        # Text after {{history}} is a model message; whitespace only takes the next role.
        ('{{role "user"}}\nEarlier turns:\n{{history}}\n{{next}}\n', ["user", "model"]),
        ('{{role "system"}}\nBe brief.\n{{history}}\n{{role "user"}}\nHi\n', ["system", "user"]),
    ],
)
def test_dotprompt_messages_follow_the_runtime_split(body: str, roles: list[str]) -> None:
    doc = parse_document("---\nmodel: gemini-2.0-flash\n---\n" + body, "x.prompt")
    assert messages(doc) == roles


def test_prompty_comment_before_roles_opens_no_message() -> None:
    text = "---\nname: x\n---\n{# promptwise: disable=PW301 #}\nsystem:\nBe brief.\n"
    assert messages(parse_document(text, "x.prompty")) == ["system"]
    only_comment = "---\nname: x\n---\n{# promptwise: disable=all #}\n"
    assert messages(parse_document(only_comment, "x.prompty")) == []


# ------------------------------------------------------------------- markdown


def test_markdown_prompt_file() -> None:
    path = EXAMPLES / "review.prompt.md"
    doc = parse_document(path.read_text(), str(path))
    assert doc.format is PromptFormat.MARKDOWN and doc.syntax is TemplateSyntax.VSCODE
    assert doc.model.name == "Claude Sonnet 4"
    assert uses(doc) == [("selection", "selection")]
    [top] = [s for s in doc.segments if s.kind is SegmentKind.SECTION]
    assert top.title == "Security review" and top.level == 1
    kinds = [(c.kind, c.title) for c in top.children]
    assert (SegmentKind.SECTION, "Output") in kinds
    assert (SegmentKind.EXAMPLE, "Examples") in kinds
    example = next(c for c in top.children if c.kind is SegmentKind.EXAMPLE)
    assert [c.kind for c in example.children] == [SegmentKind.CODE, SegmentKind.CODE]
    # Code inside the example is not instruction text.
    code = example.children[0]
    assert not any(s.overlaps(code.span) for s in doc.instruction_spans)


def test_markdown_blocks_xml_tags_and_comments() -> None:
    text = (
        "Intro line.\n\n<examples>\n<example>\nInput: a\nOutput: b\n</example>\n</examples>\n"
        "<document>\nquoted data\n</document>\n<!-- a comment -->\n"
        "```\n# not a heading\n```\n## Real heading\nbody\n"
    )
    doc = parse_document(text, "AGENTS.md")
    kinds = [(s.kind, s.title) for s in doc.segments]
    assert kinds == [
        (SegmentKind.EXAMPLE, "examples"),
        (SegmentKind.DATA, "document"),
        (SegmentKind.COMMENT, ""),
        (SegmentKind.CODE, ""),
        (SegmentKind.SECTION, "Real heading"),
    ]
    instructions = "".join(text_at(doc, s) for s in doc.instruction_spans)
    assert "Intro line." in instructions and "body" in instructions
    assert "quoted data" not in instructions and "Input: a" not in instructions
    assert "not a heading" not in instructions and "a comment" not in instructions


# ----------------------------------------------------------------------- chat


def test_chat_json_example() -> None:
    path = EXAMPLES / "extract-invoice.chat.json"
    doc = parse_document(path.read_text(), str(path))
    assert doc.format is PromptFormat.CHAT
    assert doc.model.name == "gpt-4.1-mini" and text_at(doc, doc.model.span) == "gpt-4.1-mini"
    assert doc.max_output_tokens == 300
    messages = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    assert [m.role for m in messages] == ["system", "user"]
    assert text_at(doc, messages[0].span).startswith("Extract the invoice number")
    assert messages[0].value == text_at(doc, messages[0].span)
    assert uses(doc) == [("invoice_text", "invoice_text")]


def test_chat_json_escapes_and_content_parts() -> None:
    text = (
        '[{"role": "system", "content": "Line one\\nLine \\"two\\""},'
        ' {"role": "user", "content": [{"type": "text", "text": "Hi {{name}}"}]}]'
    )
    doc = parse_document(text, "c.json")
    first, second = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    assert first.value == 'Line one\nLine "two"'
    assert text_at(doc, first.span) == 'Line one\\nLine \\"two\\"'
    assert second.value == "Hi {{name}}" and uses(doc) == [("name", "name")]


def test_chat_json_text_parts_under_value_marked_by_modality() -> None:
    # The Adaline form: the text under "value", marked by "modality"; a part
    # of another modality (an image) holds no prompt text.
    text = (
        '[{"role": "system", "content": [{"modality": "text", "value": "Keep it short."}]},'
        ' {"role": "user", "content": [{"modality": "image", "value": "cat.png"},'
        ' {"modality": "text", "value": "{{question}}"}]}]'
    )
    doc = parse_document(text, "c.json")
    first, second = [s for s in doc.segments if s.kind is SegmentKind.MESSAGE]
    assert first.value == "Keep it short."
    assert second.value == "{{question}}" and uses(doc) == [("question", "question")]
    assert [p.code for p in doc.problems] == []


def test_chat_yaml_example() -> None:
    path = EXAMPLES / "rewrite.chat.yaml"
    doc = parse_document(path.read_text(), str(path))
    assert doc.model.name == "claude-3-5-haiku-20241022"
    assert doc.max_output_tokens == 200
    system = doc.segments[0]
    assert system.value.startswith("Rewrite the user's message")
    assert "Rewrite the user's message" in text_at(doc, system.span)


def test_chat_json_syntax_error_has_position() -> None:
    doc = parse_document('{"messages": [{"role": "user", "content": "hi"}', "bad.json")
    [problem] = doc.problems
    assert problem.code == "PW001" and "invalid JSON" in problem.message


# ----------------------------------------------------------------- plain text


def test_text_format_strings() -> None:
    path = EXAMPLES / "translate.txt"
    doc = parse_document(path.read_text(), str(path))
    assert doc.format is PromptFormat.TEXT and doc.syntax is TemplateSyntax.FORMAT
    assert uses(doc) == [("text", "text")]
    assert [s.kind for s in doc.segments] == [SegmentKind.DATA]


def test_text_json_braces_are_not_variables() -> None:
    doc = parse_document('Reply as {"label": "x"} and {{ not a var in format }}', "a.txt")
    assert doc.syntax is TemplateSyntax.JINJA  # double braces win over format detection


def test_code_samples_in_their_own_template_language_hold_no_variables() -> None:
    """A Vue or Svelte sample's braces, and a JSX sample's, are that code's own
    syntax; a short fenced slot around a variable is still the prompt's."""
    text = (
        "Show the error under the form:\n\n"
        '```vue\n<p v-if="error">{{ error }}</p>\n```\n\n'
        "```svelte\n{#if user}\n  <slot />\n{/if}\n```\n\n"
        "```tsx\nexport function Notice() {\n  const [note] = useNote();\n"
        "  if (!note) return null;\n  return <p style={{ color: 'red' }}>{note}</p>;\n}\n```\n\n"
        "Review this code:\n```python\n{{ code }}\n```\n"
    )
    doc = parse_document(text, "guide.txt")
    assert uses(doc) == [("code", "code")]
    assert not doc.problems


# ------------------------------------------------------------------- template


def test_jinja_scopes_and_statements() -> None:
    text = (
        "{% set greeting = 'Hi' %}{{ greeting }} {{ user.name | upper }}\n"
        "{% for item in items if item.ok %}{{ item }} {{ loop.index }}{% endfor %}\n"
        "{% macro row(cell, width=3) %}{{ cell }}{% endmacro %}\n"
        "{% if mode == 'x' %}a{% elif other %}b{% else %}c{% endif %}\n"
        "{% raw %}{{ not_scanned }}{% endraw %}{# comment {{ nope }} #}\n"
        "{{ fn(arg, key=value) }} {{ 'str {{x}}' }}\n"
    )
    doc = parse_document(text, "t.txt")
    assert [v.name for v in doc.used] == ["user", "items", "mode", "other", "arg", "value"]
    assert not doc.problems


def test_jinja_statement_words_are_variables_outside_their_statements() -> None:
    """`context`, `missing`, `import`... are keywords only inside one statement."""
    text = (
        '{% include "head.j2" ignore missing with context %}\n'
        "{{ context }} {{ missing }} {{ ignore }} {{ with }} {{ without }}\n"
        "{{ import | trim }} {{ from }} {{ as }} {{ recursive }}\n"
        "{% for row in rows if row.ok recursive %}{{ row }}{% endfor %}\n"
        "{% with total = subtotal %}{{ total }}{% endwith %}\n"
        "{% filter indent(width) %}x{% endfilter %}\n"
        "{{ loop }} {{ caller }} {{ range(3) }} {{ self.title() }}\n"
    )
    doc = parse_document(text, "t.txt")
    assert [v.name for v in doc.used] == [
        "context", "missing", "ignore", "with", "without", "import", "from", "as",
        "recursive", "rows", "subtotal", "width", "loop", "caller",
    ]  # fmt: skip
    assert not doc.problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{% if x %}open", "`{% if %}` block is never closed"),
        ("{% for a in b %}{% endif %}{% endfor %}", "`{% endif %}` has no matching"),
        ("Hello {{ name", "tag is never closed"),
        ("{% else %}", "outside of an `{% if %}` block"),
    ],
)
def test_jinja_syntax_errors(text: str, message: str) -> None:
    doc = parse_document(text, "t.txt")
    assert any(message in p.message for p in doc.problems), doc.problems
    assert all(p.code == "PW002" for p in doc.problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{#if a}}x", "`{{#if}}` block is never closed"),
        ("{{#each a}}{{/if}}", "does not match the open `{{#each}}`"),
        ("{{/each}}", "has no matching"),
        ("{{#if detailed\nmore\n{{name}}", "tag is never closed"),
        ("{{else}}", "outside of a block"),
    ],
)
def test_handlebars_syntax_errors(text: str, message: str) -> None:
    doc = parse_document("---\nmodel: x\n---\n" + text, "t.prompt")
    assert any(message in p.message for p in doc.problems), doc.problems


def test_handlebars_context_paths() -> None:
    text = (
        "---\nmodel: x\n---\n{{#with user}}{{name}} {{../title}} {{@root.site}}{{/with}}"
        "{{helper (sub arg1) key=arg2}}{{{raw}}}{{!-- {{hidden}} --}}"
    )
    doc = parse_document(text, "h.prompt")
    assert [v.name for v in doc.used] == ["user", "title", "site", "arg1", "arg2", "raw"]


# ---------------------------------------------------------------- frontmatter


def test_frontmatter_yaml_error_points_at_line() -> None:
    text = "---\nmodel:\n  id: gpt-4o\n bad: [\n---\nsystem:\nhi\n"
    doc = parse_document(text, "x.prompty")
    [problem] = doc.problems
    assert problem.code == "PW001" and "invalid YAML" in problem.message
    assert doc.lines.line_of(problem.span.start) in (3, 4)


@pytest.mark.parametrize("body", ["- a\n- b\n", "just a string\n", "42\n"])
def test_frontmatter_must_be_a_mapping(body: str) -> None:
    doc = parse_document(f"---\n{body}---\nsystem:\nhi\n", "x.prompty")
    [problem] = doc.problems
    assert "must be a mapping" in problem.message


def test_frontmatter_never_closed() -> None:
    doc = parse_document("---\nmodel: x\nsystem:\nhi\n", "x.prompty")
    assert "never closed" in doc.problems[0].message


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(
            f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, "
            f"*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]"
        )
    doc = parse_document("---\n" + "\n".join(lines) + "\n---\nhello\n", "bomb.prompty")
    assert any("alias bomb" in p.message for p in doc.problems)


def test_deeply_nested_yaml_is_an_error_not_a_crash() -> None:
    doc = parse_document("---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nhi\n", "deep.prompty")
    assert doc.problems and doc.problems[0].code == "PW001"


# ---------------------------------------------------------------- positions


def test_line_index_encodings() -> None:
    text = "a😀b\n中文x\r\nend"
    index = LineIndex(text)
    offset = text.index("b")
    assert index.position(offset) == Position(0, 2)
    assert index.position(offset, "utf-16") == Position(0, 3)
    assert index.position(offset, "utf-8") == Position(0, 5)
    x = text.index("x")
    assert index.position(x, "utf-16") == Position(1, 2)
    assert index.position(x, "utf-8") == Position(1, 6)
    for enc in ("utf-8", "utf-16", "utf-32"):
        assert index.offset(index.position(offset, enc), enc) == offset
        assert index.offset(index.position(x, enc), enc) == x
    assert index.line_text(1) == "中文x"
    assert index.offset(Position(99, 0)) == len(text)
    assert index.offset(Position(0, 99)) == 3  # clamped to the line end


def test_a_replaced_line_index_equals_one_built_afresh() -> None:
    """An editor's keystrokes update the index in place of re-scanning the text."""
    rng = random.Random(5)
    pieces = ["a", "\n", "\r\n", "😀", "word ", "\n\n", ""]
    text = "first\r\nsecond\nthird 😀\n\nlast"
    index = LineIndex(text)
    for _ in range(400):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.choice((0, 0, 1, 2, 7)))
        new = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
        index = index.replaced(start, end, new)
        text = text[:start] + new + text[end:]
        fresh = LineIndex(text)
        assert index.text == text
        assert index.line_count == fresh.line_count
        assert [index.line_start(n) for n in range(fresh.line_count)] == [
            fresh.line_start(n) for n in range(fresh.line_count)
        ]
        assert [index.line_text(n) for n in range(fresh.line_count)] == text.replace(
            "\r\n", "\n"
        ).split("\n")
    # Out-of-range edits are clamped, as the editor's positions are.
    clamped = LineIndex("ab\ncd").replaced(4, 99, "\nX")
    assert clamped.text == "ab\nc\nX" and clamped.line_start(2) == 5
    assert LineIndex("ab\ncd").replaced(-3, 1, "").line_start(1) == 2


# -------------------------------------------------------------- real corpus


def _corpus_files() -> list[Path]:
    corpus = need_corpus()
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.suffix in (".md", ".prompt", ".prompty", ".txt")
    )


def test_corpus_parses_with_ranges_in_bounds() -> None:
    files = _corpus_files()
    assert len(files) > 800
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = parse_document(text, str(path))
        for segment in doc.walk():
            assert 0 <= segment.span.start <= segment.span.end <= len(text), path
            if segment.header:
                assert segment.span.covers(segment.header), path
            for child in segment.children:
                assert segment.span.covers(child.span), path
        for var in doc.variables:
            assert text_at(doc, var.span) == var.name, (path, var)
        for tag in doc.tags:
            assert text_at(doc, tag.span).startswith(("{", "$")), (path, tag)


def test_corpus_prompty_basic() -> None:
    path = need_corpus() / "labeled" / "prompty-basic.prompty"
    doc = parse_document(path.read_text(), str(path))
    assert doc.model.name == "gpt-4" and doc.max_output_tokens == 1000
    assert declared(doc) == ["firstName", "lastName", "question"]
    assert uses(doc) == [
        ("firstName", "firstName"),
        ("lastName", "lastName"),
        ("question", "question"),
    ]
    first_use = doc.used[0]
    assert doc.lines.position(first_use.span.start) == Position(37, 18)


def test_corpus_dotprompt_features() -> None:
    path = need_corpus() / "labeled" / "dotprompt-examples_features.prompt"
    doc = parse_document(path.read_text(), str(path))
    assert doc.model.name == "googleai/gemini-pro"
    # Dotprompt's runtime opens a model message for the text after {{history}}.
    assert [s.role for s in doc.segments if s.kind is SegmentKind.MESSAGE] == [
        "system",
        "user",
        "model",
        "user",
        "model",
    ]
    assert sorted(doc.declared) == ["context", "imageUrl", "items", "name"]
    assert not doc.problems


def test_corpus_dotprompt_unclosed_block() -> None:
    path = need_corpus() / "labeled" / "dotprompt-examples_error-unclosed-block.prompt"
    doc = parse_document(path.read_text(), str(path))
    [problem] = doc.problems
    assert problem.code == "PW002" and "{{#if}}" in problem.message
    assert text_at(doc, problem.span).startswith("{{#if")


def test_a_plain_file_keeps_its_frontmatter_out_of_the_prose() -> None:
    # A Continue rule is a plain `.md` with a YAML header: the header is a
    # segment of its own, not instruction prose, and since plain text defines
    # no frontmatter, the frontmatter rules still read none.
    text = "---\nname: Be brief\n---\n\nAnswer in one line.\n"
    doc = parse_document(text, "rule.md")
    assert doc.format is PromptFormat.TEXT
    assert doc.frontmatter is None
    assert doc.segments[0].kind is SegmentKind.FRONTMATTER
    assert [text[s.start : s.end].strip() for s in doc.instruction_spans] == ["Answer in one line."]
    # A `---` rule over a line of text is no frontmatter.
    plain = parse_document("---\nAnswer in one line.\n---\n", "notes.txt")
    assert all(s.kind is not SegmentKind.FRONTMATTER for s in plain.segments)
