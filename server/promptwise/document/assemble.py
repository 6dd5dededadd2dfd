"""Pieces every format parser shares: reading frontmatter values, declaring
inputs, scanning the template, and building the final document."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from promptwise.document import template
from promptwise.document.frontmatter import Frontmatter
from promptwise.document.model import (
    ModelRef,
    ParseProblem,
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
    TemplateSyntax,
    Variable,
    VariableRole,
)
from promptwise.document.text import Span

OUTPUT_LIMIT_KEYS = (
    "maxOutputTokens",
    "max_output_tokens",
    "max_tokens",
    "max_completion_tokens",
    "maxTokens",
    "max_new_tokens",
    "maxCompletionTokens",
)


def get_path(data: Mapping[str, Any] | None, dotted: str) -> Any:
    """``get_path(fm, "model.configuration.name")`` or None when any step is missing."""
    current: Any = data
    for part in dotted.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def model_from(fm: Frontmatter | None, paths: Sequence[str]) -> ModelRef | None:
    """The first non-empty model name found at ``paths`` in the frontmatter.

    A name filled in at deploy time (``${env:AZURE_OPENAI_DEPLOYMENT}``) is
    taken only when no path holds a real one: it says the file's model is
    chosen elsewhere, which the unknown-model rule words as such.
    """
    if fm is None or fm.data is None:
        return None
    placeholder: ModelRef | None = None
    for path in paths:
        value = get_path(fm.data, path)
        if isinstance(value, list) and value and isinstance(value[0], str):
            value, path = value[0], f"{path}[0]"
        if not isinstance(value, str) or not value.strip():
            continue
        if "${" not in value:
            return ModelRef(value.strip(), fm.value_spans.get(path), path)
        if placeholder is None:
            placeholder = ModelRef(value.strip(), fm.value_spans.get(path), path)
    return placeholder


def output_limit_from(data: Mapping[str, Any] | None, parents: Sequence[str]) -> int | None:
    """The output-token limit set under any of ``parents`` ("" is the top level)."""
    for parent in parents:
        holder = get_path(data, parent) if parent else data
        if not isinstance(holder, Mapping):
            continue
        for key in OUTPUT_LIMIT_KEYS:
            value = holder.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def declaration(name: str, span: Span, syntax: TemplateSyntax, spec: Any, source: str) -> Variable:
    """A declared input; ``spec`` is whatever the frontmatter says about it."""
    declared_type: str | None = None
    default: Any = None
    example: Any = None
    description: str | None = None
    if isinstance(spec, Mapping):
        raw_type = spec.get("type", spec.get("kind"))
        declared_type = str(raw_type) if raw_type is not None else None
        default = spec.get("default")
        example = spec.get("example", spec.get("sample"))
        desc = spec.get("description")
        description = str(desc) if desc is not None else None
    elif isinstance(spec, str):
        # Picoschema: "string" or "string, the user's name"
        type_part, _, desc_part = spec.partition(",")
        declared_type = type_part.strip() or None
        description = desc_part.strip() or None
    elif spec is not None:
        default = spec
    return Variable(
        name,
        span,
        VariableRole.DECLARATION,
        syntax,
        declared_type=declared_type,
        default=default,
        description=description,
        source=source,
        example=example,
    )


def scan_template(
    text: str, regions: Iterable[Span], syntax: TemplateSyntax
) -> template.TemplateScan:
    """Scan every region and merge the results in document order."""
    merged = template.TemplateScan()
    for region in regions:
        part = template.scan(text, region, syntax)
        merged.tags.extend(part.tags)
        merged.uses.extend(part.uses)
        merged.problems.extend(part.problems)
    return merged


# Languages whose own syntax uses "{{ }}" or "{# }": a fenced sample in one of
# them (a Vue template, a Svelte component) shows that language's code, not
# the prompt's variables.
_MARKUP_FENCE = re.compile(
    r"^(?:vue|html|htm|xml|svelte|angular|astro|handlebars|hbs|mustache|jinja2?|j2|"
    r"django|liquid|nunjucks|njk|twig|gotmpl|go-template|helm|ember|glimmer)\b",
    re.I,
)


# Languages where braces are code ("{error}" in JSX, "style={{...}}"): a
# sample of several lines in one of them is code to show, while a short
# block ("```python" around "{code}") is a slot for the prompt's variable.
_CODE_FENCE = re.compile(
    r"^(?:jsx|tsx|javascript|js|mjs|typescript|ts|react|python|py|java|kotlin|kt|c|cpp|c\+\+|"
    r"csharp|cs|go|golang|rust|rs|swift|php|ruby|rb|dart|scala|css|scss|less|graphql|gql|sh|"
    r"bash|shell|zsh)\b",
    re.I,
)
_SAMPLE_LINES = 3


def template_regions(text: str, body: Span, segments: Sequence[Segment]) -> list[Span]:
    """``body`` without the fenced code samples whose braces are their own language's."""
    holes: list[Span] = []

    def is_sample(segment: Segment) -> bool:
        if _MARKUP_FENCE.match(segment.title):
            return True
        if not _CODE_FENCE.match(segment.title):
            return False
        content = text[segment.content.start : segment.content.end]
        return sum(1 for line in content.splitlines() if line.strip()) > _SAMPLE_LINES

    def visit(items: Sequence[Segment]) -> None:
        for segment in items:
            if segment.kind is SegmentKind.CODE and is_sample(segment):
                holes.append(segment.content)
            elif segment.children:
                visit(segment.children)

    visit(segments)
    regions: list[Span] = []
    pos = body.start
    for hole in sorted(holes):
        if hole.start > pos:
            regions.append(Span(pos, hole.start))
        pos = max(pos, hole.end)
    if pos < body.end or not regions:
        regions.append(Span(pos, body.end))
    return regions


def comment_spans(scan: template.TemplateScan) -> list[Span]:
    """Spans of the template comments a scan found, in document order."""
    return sorted(tag.span for tag in scan.tags if tag.kind == "comment")


def sends_text(text: str, span: Span, comments: Sequence[Span]) -> bool:
    """Whether ``text[span]`` holds anything but whitespace and template comments.

    The template engine drops comments before the runtime splits messages, so
    a stretch holding only a comment (a note, a Promptwise suppression) sends
    nothing and opens no message. ``comments`` must be sorted.
    """
    pos = span.start
    k = bisect.bisect_left(comments, Span(span.start, span.start))
    while k > 0 and comments[k - 1].end > span.start:
        k -= 1
    for comment in comments[k:]:
        if comment.start >= span.end:
            break
        if text[pos : max(pos, comment.start)].strip():
            return True
        pos = max(pos, comment.end)
    return bool(text[pos : span.end].strip())


def build(
    *,
    path: str,
    text: str,
    fmt: PromptFormat,
    syntax: TemplateSyntax,
    segments: Sequence[Segment],
    frontmatter: Frontmatter | None,
    scan: template.TemplateScan,
    declarations: Sequence[Variable] = (),
    model: ModelRef | None = None,
    max_output_tokens: int | None = None,
    problems: Sequence[ParseProblem] = (),
    declares_inputs: bool = False,
    runtime_inputs: Iterable[str] = (),
    inputs_elsewhere: bool = False,
) -> PromptDocument:
    all_segments: list[Segment] = []
    if frontmatter is not None:
        all_segments.append(
            Segment(
                SegmentKind.FRONTMATTER,
                frontmatter.span,
                header=_first_line(text, frontmatter.span),
                title="frontmatter",
            )
        )
    all_segments.extend(segments)
    comment_segments = [
        Segment(SegmentKind.COMMENT, tag.span) for tag in scan.tags if tag.kind == "comment"
    ]
    variables = sorted([*declarations, *scan.uses], key=lambda v: v.span)
    return PromptDocument(
        path=path,
        text=text,
        format=fmt,
        syntax=syntax,
        segments=tuple(sorted(all_segments, key=lambda s: s.span.start)),
        frontmatter=frontmatter.data if frontmatter else None,
        frontmatter_span=frontmatter.span if frontmatter else None,
        variables=tuple(variables),
        tags=tuple(scan.tags),
        model=model,
        max_output_tokens=max_output_tokens,
        problems=tuple([*(frontmatter.problems if frontmatter else ()), *problems, *scan.problems]),
        declares_inputs=declares_inputs,
        key_spans=dict(frontmatter.key_spans) if frontmatter else {},
        value_spans=dict(frontmatter.value_spans) if frontmatter else {},
        comment_spans=tuple(s.span for s in comment_segments),
        runtime_inputs=frozenset(runtime_inputs),
        inputs_elsewhere=inputs_elsewhere,
    )


def _first_line(text: str, span: Span) -> Span:
    nl = text.find("\n", span.start, span.end)
    end = span.end if nl == -1 else nl
    if end > span.start and text[end - 1] == "\r":
        end -= 1
    return Span(span.start, end)
