"""Dotprompt files: YAML frontmatter and a Handlebars body with role helpers.

Messages are opened by ``{{role "system"}}`` (until the next role) or wrapped
in ``{{#role "system"}}...{{/role}}``. Inputs are declared in
``input.schema`` as Picoschema (``name?: string, description``) or JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from promptwise.document import blocks
from promptwise.document.assemble import (
    build,
    comment_spans,
    declaration,
    get_path,
    model_from,
    output_limit_from,
    scan_template,
    sends_text,
)
from promptwise.document.frontmatter import Frontmatter, find_frontmatter
from promptwise.document.model import (
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
    TemplateSyntax,
    Variable,
)
from promptwise.document.text import Span

_ROLE_TAG = re.compile(r"\{\{~?\s*(#?)role\s+[\"'](\w+)[\"']\s*~?\}\}")
_ROLE_CLOSE = re.compile(r"\{\{~?\s*/role\s*~?\}\}")
_HISTORY_TAG = re.compile(r"\{\{~?\s*history\s*~?\}\}")
_PICO_KEY = re.compile(r"^([A-Za-z_][\w-]*)(\?)?(?:\(([^)]*)\))?$")


def _messages(text: str, body: Span, comments: list[Span]) -> list[Segment]:
    """Messages as Dotprompt's renderer splits them.

    Text before the first role marker is a user message only when something
    is left of it once comments are dropped: the runtime gives the marker's
    role to a message that holds nothing but whitespace. A file without role
    markers is one user message. ``{{history}}`` ends the message it sits in;
    the text after it is a ``model`` message.
    """
    tags = sorted(
        [
            *_ROLE_TAG.finditer(text, body.start, body.end),
            *_HISTORY_TAG.finditer(text, body.start, body.end),
        ],
        key=lambda m: m.start(),
    )
    segments: list[Segment] = []

    def message(start: int, end: int, header: Span | None, role: str) -> None:
        content = Span(header.end if header else start, end)
        segments.append(
            Segment(
                SegmentKind.MESSAGE,
                Span(start, end),
                header=header,
                role=role,
                title=role,
                children=tuple(blocks.scan_blocks(text, content)),
            )
        )

    first = tags[0].start() if tags else body.end
    if sends_text(text, Span(body.start, first), comments):
        message(body.start, first, None, "user")
    for k, m in enumerate(tags):
        next_start = tags[k + 1].start() if k + 1 < len(tags) else body.end
        header = Span(m.start(), m.end())
        if m.re is _HISTORY_TAG:
            # The runtime puts the history here and opens a `model` message for
            # what follows; one holding only whitespace takes the next marker's role.
            if sends_text(text, Span(m.end(), next_start), comments):
                message(m.start(), next_start, header, "model")
            continue
        end = next_start
        if m.group(1):  # block form: ends at its {{/role}}
            close = _ROLE_CLOSE.search(text, m.end(), next_start)
            if close:
                end = close.end()
        message(m.start(), end, header, m.group(2).lower())
    return segments


def _schema_declarations(fm: Frontmatter, syntax: TemplateSyntax) -> list[Variable]:
    schema = get_path(fm.data, "input.schema")
    out: list[Variable] = []
    if not isinstance(schema, Mapping):
        return out
    if schema.get("type") == "object" and isinstance(schema.get("properties"), Mapping):
        for name, spec in schema["properties"].items():
            m = _PICO_KEY.match(str(name))
            span = fm.key_spans.get(f"input.schema.properties.{name}")
            if m and span is not None:
                out.append(
                    declaration(
                        m.group(1),
                        Span(span.start, span.start + len(m.group(1))),
                        syntax,
                        spec,
                        "input.schema",
                    )
                )
        return out
    for name, spec in schema.items():
        m = _PICO_KEY.match(str(name))
        span = fm.key_spans.get(f"input.schema.{name}")
        if m and span is not None:
            if m.group(3) and not isinstance(spec, Mapping):
                spec = {"type": m.group(3), "description": spec}
            out.append(
                declaration(
                    m.group(1),
                    Span(span.start, span.start + len(m.group(1))),
                    syntax,
                    spec,
                    "input.schema",
                )
            )
    defaults = get_path(fm.data, "input.default")
    if isinstance(defaults, Mapping):
        known = {v.name for v in out}
        for name in defaults:
            span = fm.key_spans.get(f"input.default.{name}")
            if span is not None and str(name) not in known:
                out.append(
                    declaration(
                        str(name), span, syntax, {"default": defaults[name]}, "input.default"
                    )
                )
    return out


def has_declaration_block(data: Mapping[str, object] | None) -> bool:
    return isinstance(get_path(data, "input.schema"), Mapping)


def parse(path: str, text: str) -> PromptDocument:
    fm = find_frontmatter(text, allow_comment_preamble=True)
    data = fm.data if fm else None
    syntax = TemplateSyntax.HANDLEBARS
    body = Span(fm.span.end if fm else 0, len(text))
    scan = scan_template(text, [body], syntax)
    return build(
        path=path,
        text=text,
        fmt=PromptFormat.DOTPROMPT,
        syntax=syntax,
        segments=_messages(text, body, comment_spans(scan)),
        frontmatter=fm,
        scan=scan,
        declarations=_schema_declarations(fm, syntax) if fm and fm.data else [],
        model=model_from(fm, ("model",)),
        max_output_tokens=output_limit_from(data, ("config",)),
        declares_inputs=has_declaration_block(data),
    )
