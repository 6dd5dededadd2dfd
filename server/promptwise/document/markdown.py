"""Markdown prompt and agent files, and plain-text prompts.

Copilot prompt/instruction/agent/chat-mode files, ``SKILL.md``, ``AGENTS.md``,
``CLAUDE.md`` and Cursor ``.mdc`` rules share one shape: optional YAML
frontmatter and a markdown body whose headings are its sections. Plain text
is the same without frontmatter, with its template syntax guessed from the
text.
"""

from __future__ import annotations

from promptwise.document import blocks, template
from promptwise.document.assemble import (
    build,
    model_from,
    output_limit_from,
    scan_template,
    template_regions,
)
from promptwise.document.frontmatter import find_frontmatter
from promptwise.document.model import (
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
    TemplateSyntax,
)
from promptwise.document.text import Span


def parse_markdown(path: str, text: str) -> PromptDocument:
    fm = find_frontmatter(text, flat_fallback=path.lower().endswith(".mdc"))
    body = Span(fm.span.end if fm else 0, len(text))
    syntax = TemplateSyntax.VSCODE if "${" in text else TemplateSyntax.NONE
    segments = blocks.scan_blocks(text, body)
    return build(
        path=path,
        text=text,
        fmt=PromptFormat.MARKDOWN,
        syntax=syntax,
        segments=segments,
        frontmatter=fm,
        scan=scan_template(text, template_regions(text, body, segments), syntax),
        model=model_from(fm, ("model",)),
        max_output_tokens=output_limit_from(fm.data if fm else None, ("",)),
    )


def parse_text(path: str, text: str) -> PromptDocument:
    start = 1 if text.startswith("\ufeff") else 0
    body = Span(start, len(text))
    syntax = template.detect_syntax(text)
    header = _text_frontmatter(text)
    if header is None:
        segments = blocks.scan_blocks(text, body)
    else:
        segments = [header, *blocks.scan_blocks(text, Span(header.span.end, len(text)))]
    return build(
        path=path,
        text=text,
        fmt=PromptFormat.TEXT,
        syntax=syntax,
        segments=segments,
        frontmatter=None,
        scan=scan_template(text, template_regions(text, body, segments), syntax),
    )


def _text_frontmatter(text: str) -> Segment | None:
    """A leading YAML block of keys in a plain file (Continue's rule files,
    notes kept as ``.md``), as a segment: configuration, never instruction prose.

    Only a closed block that loads as a non-empty mapping (or as flat
    ``key: value`` lines) counts, so a ``---`` rule opening a text stays text.
    The document's ``frontmatter`` stays unset: the frontmatter rules check
    the formats that define one, and a plain file defines none.
    """
    fm = find_frontmatter(text, flat_fallback=True)
    if fm is None or fm.problems or not fm.data:
        return None
    header_end = text.find("\n", fm.span.start)
    return Segment(
        SegmentKind.FRONTMATTER,
        fm.span,
        header=Span(fm.span.start, fm.span.end if header_end == -1 else header_end),
        title="frontmatter",
    )
