"""Hover: a variable's declaration and uses, a segment's tokens, a model's price
row, and the documentation of the rule behind a finding."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from promptwise.analysis import Analysis, catalogue_for
from promptwise.document.model import Variable
from promptwise.document.text import Span
from promptwise.lsp import convert
from promptwise.lsp.features import frontmatter_schema
from promptwise.lsp.features.diagnostics import rules_by_code
from promptwise.lsp.features.presentation import HINTED, price_row, segment_summary
from promptwise.lsp.workspace import DocumentAnalysis
from promptwise.rules.families import family_of
from promptwise.rules.secrets import scrub, secret_texts

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _shown(value: Any) -> str:
    """A value in a hover: in backticks, or in words where backticks would show nothing."""
    text = _value(value)
    if text == "":
        return "empty string"
    if not text.strip():
        return f"{len(text)} blank character{'s' if len(text) != 1 else ''}"
    return f"`{text}`"


def variable_markdown(analysis: Analysis, name: str) -> str:
    doc = analysis.document
    lines = doc.lines
    declared: Variable | None = doc.declared.get(name)
    uses = [v for v in doc.used if v.name == name]
    head = f"**`{name}`**"
    if declared is not None:
        head += " · input" + (f" · `{declared.declared_type}`" if declared.declared_type else "")
    parts = [head]
    if declared is not None:
        if declared.default is not None:
            parts.append(f"default: {_shown(declared.default)}")
        if declared.example is not None:
            # An illustration the runtime never fills in: not a default.
            label = "sample value" if declared.source == "sample" else "example"
            parts.append(f"{label} (not a default): {_shown(declared.example)}")
        if declared.description:
            parts.append(declared.description.strip())
        where = f"`{declared.source}`" if declared.source else "the frontmatter"
        parts.append(f"Declared in {where} on line {lines.line_of(declared.span.start) + 1}")
    elif doc.declares_inputs:
        parts.append("Used but **not declared**: it renders as an empty string")
    else:
        parts.append("A template variable (this file declares no inputs)")
    if uses:
        at = sorted({lines.line_of(v.span.start) + 1 for v in uses})
        shown = ", ".join(str(n) for n in at[:12]) + (", …" if len(at) > 12 else "")
        parts.append(f"Used {len(uses)}× on line{'s' if len(at) > 1 else ''} {shown}")
    else:
        parts.append("Never used in the template")
    return "\n\n".join(parts)


def model_markdown(ls: PromptwiseServer, analysis: Analysis) -> str:
    price = analysis.price
    if price is not None:
        return price_row(price)
    text = f"**`{analysis.model_name}`** is not in the price table; costs are not shown."
    try:
        suggestions = catalogue_for(analysis.settings).suggest(analysis.model_name)
    except Exception:
        suggestions = []
    if suggestions:
        text += " Did you mean " + ", ".join(f"`{s}`" for s in suggestions[:3]) + "?"
    return text + " Add it under `pricing` in promptwise.yaml."


def rule_markdown(ls: PromptwiseServer, result: DocumentAnalysis, code: str) -> str | None:
    rule = rules_by_code(ls, result).get(code)
    if rule is None:
        return None
    family = family_of(rule.code)
    about = f" ({family.title})" if family is not None else ""
    return (
        f"**{rule.code} {rule.name}**{about} — {rule.summary}\n\n{rule.docs.what.strip()}\n\n"
        f"[Documentation]({rule.docs_url})"
    )


async def hover(ls: PromptwiseServer, params: lsp.HoverParams) -> lsp.Hover | None:
    result = await ls.documents.analysis(params.text_document.uri)
    if result is None or result.analysis is None:
        return None
    analysis = result.analysis
    doc = analysis.document
    lines = doc.lines
    offset = convert.to_offset(lines, params.position, ls.encoding)
    sections: list[str] = []
    span: Span | None = None

    for variable in doc.variables:
        if variable.span.contains(offset):
            sections.append(variable_markdown(analysis, variable.name))
            span = variable.span
            break
    if doc.model is not None and doc.model.span is not None and doc.model.span.contains(offset):
        sections.append(model_markdown(ls, analysis))
        span = doc.model.span
    key = frontmatter_schema.hover_markdown(analysis, offset)
    if key is not None:
        sections.append(key[0])
        span = span or key[1]
    line = lines.line_of(offset)
    for segment in doc.walk():
        header = segment.header
        if segment.kind in HINTED and header is not None and lines.line_of(header.start) == line:
            sections.append(segment_summary(analysis, segment))
            span = span or header
            break
    codes: list[str] = []
    for finding in analysis.findings:
        if finding.span.contains(offset) and finding.code not in codes:
            codes.append(finding.code)
            span = span or finding.span
    for code in codes:
        text = rule_markdown(ls, result, code)
        if text:
            sections.append(text)
    if analysis.escalation is not None and any(code.startswith("PW9") for code in codes):
        from promptwise.escalation.render.markdown import hover as escalation_hover

        sections.append(escalation_hover(analysis.escalation))
    if not sections:
        return None
    # A variable's default or any other quoted text may hold a key PW402 found.
    rules = rules_by_code(ls, result)
    found = secret_texts(
        doc.text,
        (f.span for f in analysis.findings if f.code in rules and rules[f.code].secret),
    )
    markdown = scrub("\n\n---\n\n".join(sections), found)
    return convert.hover(markdown, lines, span, ls.encoding)
