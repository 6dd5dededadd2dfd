"""Prompty files (v1 and v2): YAML frontmatter and a body of role turns.

v1 names the model under ``model.configuration`` and declares inputs as a
mapping (plus ``sample`` values); v2 uses ``model.id`` / ``model.options`` and
a list of ``inputs``. Both are read; the body is Jinja2 unless the file asks
for Mustache.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from promptwise.document import blockfacts, blocks
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

ROLE_LINE = re.compile(
    r"^[ \t]*#?[ \t]*(system|user|assistant|developer|tool|function)"
    r"(\[[^\]\n]*\])?[ \t]*:[ \t]*\r?$",
    re.I | re.M,
)
MODEL_PATHS = (
    "model.id",
    "model.configuration.name",
    "model.configuration.azure_deployment",
    "model.configuration.model",
    "model.name",
    "model",
)


def template_syntax(data: Mapping[str, Any] | None) -> TemplateSyntax:
    engine = (
        get_path(data, "template.format.kind")
        or get_path(data, "template.format")
        or get_path(data, "template.type")
        or get_path(data, "template")
    )
    if isinstance(engine, str) and "mustache" in engine.lower():
        return TemplateSyntax.MUSTACHE
    return TemplateSyntax.JINJA


def role_messages(
    text: str, body: Span, role_line: re.Pattern[str], comments: Sequence[Span] = ()
) -> list[Segment]:
    """Split a body at role lines; each turn holds its markdown blocks.

    Text before the first role line is a system message only when something
    in it is sent: a template comment (a note, a file-level suppression) is
    dropped by the renderer and opens no message.
    """
    matches = list(blockfacts.finditer_local(role_line, text, body))
    segments: list[Segment] = []
    if not matches:
        if sends_text(text, body, comments):
            segments.append(
                Segment(
                    SegmentKind.MESSAGE,
                    body,
                    role="system",
                    title="system",
                    children=tuple(blocks.scan_blocks(text, body)),
                )
            )
        return segments
    preamble = Span(body.start, matches[0].start())
    if sends_text(text, preamble, comments):
        segments.append(
            Segment(
                SegmentKind.MESSAGE,
                preamble,
                role="system",
                title="system",
                children=tuple(blocks.scan_blocks(text, preamble)),
            )
        )
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else body.end
        header_end = m.end()
        if header_end > m.start() and text[header_end - 1] == "\r":
            header_end -= 1
        content_start = min(m.end() + 1, end)
        role = m.group(1).lower()
        segments.append(
            Segment(
                SegmentKind.MESSAGE,
                Span(m.start(), end),
                header=Span(m.start(), header_end),
                role=role,
                title=role,
                children=tuple(blocks.scan_blocks(text, Span(content_start, end))),
            )
        )
    return segments


def declarations(fm: Frontmatter | None, syntax: TemplateSyntax) -> list[Variable]:
    if fm is None or fm.data is None:
        return []
    out: list[Variable] = []
    seen: set[str] = set()
    inputs = fm.data.get("inputs")
    if isinstance(inputs, Mapping):
        for name, spec in inputs.items():
            span = fm.key_spans.get(f"inputs.{name}")
            if span is not None:
                out.append(declaration(str(name), span, syntax, spec, "inputs"))
                seen.add(str(name))
    elif isinstance(inputs, list):
        for i, item in enumerate(inputs):
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                span = fm.value_spans.get(f"inputs[{i}].name")
                if span is not None:
                    out.append(declaration(item["name"], span, syntax, item, "inputs"))
                    seen.add(item["name"])
    schema = get_path(fm.data, "inputSchema.properties")
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            if (
                isinstance(item, Mapping)
                and isinstance(item.get("name"), str)
                and item["name"] not in seen
            ):
                span = fm.value_spans.get(f"inputSchema.properties[{i}].name")
                if span is not None:
                    out.append(declaration(item["name"], span, syntax, item, "inputSchema"))
                    seen.add(item["name"])
    sample = fm.data.get("sample")
    if isinstance(sample, Mapping):
        for name, value in sample.items():
            span = fm.key_spans.get(f"sample.{name}")
            if span is not None and str(name) not in seen:
                out.append(declaration(str(name), span, syntax, {"sample": value}, "sample"))
    return out


# Input kinds the runtime turns into something other than text: a thread
# becomes messages, an image/file/audio input a content part.
RICH_KINDS = frozenset({"thread", "image", "file", "audio"})
_DECLARATION_KEYS = ("inputs", "sample", "inputSchema")


def runtime_inputs(data: Mapping[str, Any] | None, declared: list[Variable]) -> set[str]:
    """Inputs the runtime uses whether or not the template names them.

    A ``kind: thread`` input is expanded into the conversation where its tag
    stands, or appended after the last message when no tag names it. A tool's
    ``bindings`` (``{param: {input: name}}``, ``{param: name}`` or a list of
    ``{name, input}``) pass an input to the tool on every call.
    """
    out = {v.name for v in declared if (v.declared_type or "").lower() == "thread"}
    tools = data.get("tools") if isinstance(data, Mapping) else None
    for tool in tools if isinstance(tools, list) else ():
        bindings = tool.get("bindings") if isinstance(tool, Mapping) else None
        entries: list[Any] = []
        if isinstance(bindings, Mapping):
            entries = [v if isinstance(v, Mapping) else {"input": v} for v in bindings.values()]
        elif isinstance(bindings, list):
            entries = bindings
        for entry in entries:
            name = entry.get("input") if isinstance(entry, Mapping) else None
            if isinstance(name, str) and name:
                out.add(name)
    return out


def inputs_elsewhere(data: Mapping[str, Any] | None) -> bool:
    """``inputs: ${file:inputs.json}``: the loader reads the declarations from a file."""
    return isinstance(data, Mapping) and any(
        isinstance(data.get(key), str) and data[key].strip().startswith("${file:")
        for key in _DECLARATION_KEYS
    )


def has_declaration_block(data: Mapping[str, Any] | None) -> bool:
    return isinstance(data, Mapping) and any(key in data for key in _DECLARATION_KEYS)


def parse(path: str, text: str) -> PromptDocument:
    fm = find_frontmatter(text)
    data = fm.data if fm else None
    syntax = template_syntax(data)
    body = Span(fm.span.end if fm else 0, len(text))
    scan = scan_template(text, [body], syntax)
    segments = role_messages(text, body, ROLE_LINE, comment_spans(scan))
    declared = declarations(fm, syntax)
    return build(
        path=path,
        text=text,
        fmt=PromptFormat.PROMPTY,
        syntax=syntax,
        segments=segments,
        frontmatter=fm,
        scan=scan,
        declarations=declared,
        runtime_inputs=runtime_inputs(data, declared),
        inputs_elsewhere=inputs_elsewhere(data),
        model=model_from(fm, MODEL_PATHS),
        max_output_tokens=output_limit_from(
            data, ("model.options", "model.parameters", "parameters", "options")
        ),
        declares_inputs=has_declaration_block(data),
    )
