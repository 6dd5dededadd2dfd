"""PW505: the same instruction or paragraph appears twice."""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptwise.document.text import Span
from promptwise.findings import Fix, Related, TextEdit
from promptwise.memo import SizedCache, text_bytes
from promptwise.rules import judgements
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.tokens.counter import count_text

# Table rows, markup lines and checklist boxes repeat by design (headers, templates).
_STRUCTURAL = re.compile(r"^[ \t]*(?:\||<|[-*+][ \t]+\[[ xX]?\])")
_MARKER = re.compile(r"^[ \t>]*(?:[-*+]|\d+[.)]|#{1,6})?[ \t]*")


_NON_WORD = re.compile(r"\W+")


def _line_bytes(line: str, normal: str) -> int:
    return text_bytes(line) + text_bytes(normal) + 150


# Bounded by bytes (promptwise/memo.py): every keystroke makes a new line.
_normals: SizedCache[str, str] = SizedCache("normalised lines", 0.05, _line_bytes)


def _normal(line: str) -> str:
    """The line's words, lower-cased, single-spaced.

    Cached by line: while someone types, every other line of the file is
    the same as on the previous keystroke.
    """
    hit = _normals.get(line)
    if hit is None:
        hit = _NON_WORD.sub(" ", _MARKER.sub("", line).lower()).strip()
        _normals.put(line, hit)
    return hit


def clear_cache() -> None:
    _normals.clear()


@register(
    "duplicated-instruction",
    variants={"instruction": ("line", "tokens"), "paragraph": ("line", "tokens")},
)
def duplicated_instruction(ctx: CheckContext) -> Iterator[Hit]:
    """Every call pays for the copy, and two copies drift apart when one is
    edited. Lines are compared after case, punctuation and list markers are
    ignored; runs of repeated lines are reported once, as a paragraph."""
    doc = ctx.document
    text = doc.text
    minimum = int(ctx.options["min_words"])
    lines: list[tuple[Span, str]] = []
    for span in judgements.prose_spans(doc):
        for m in re.finditer(r"[^\n]+", text[span.start : span.end]):
            raw = m.group(0)
            # Fewer characters than minimum words and their separators need.
            if len(raw) < 2 * minimum - 1 or _STRUCTURAL.match(raw):
                continue
            normal = _normal(raw)
            if (normal.count(" ") + 1 if normal else 0) >= minimum:
                lines.append((Span(span.start + m.start(), span.start + m.end()), normal))
    first_seen: dict[str, int] = {}
    runs: list[tuple[list[int], list[int]]] = []  # (copy line indexes, original indexes)
    for i, (_, normal) in enumerate(lines):
        original = first_seen.setdefault(normal, i)
        if original == i:
            continue
        if runs and runs[-1][0][-1] == i - 1 and runs[-1][1][-1] == original - 1:
            runs[-1][0].append(i)
            runs[-1][1].append(original)
        else:
            runs.append(([i], [original]))
    for copies, originals in runs:
        copy = Span(lines[copies[0]][0].start, lines[copies[-1]][0].end)
        first = Span(lines[originals[0]][0].start, lines[originals[-1]][0].end)
        tokens = count_text(text[copy.start : copy.end], ctx.tokens.encoding)
        line = doc.lines.line_of(first.start) + 1
        what = "paragraph" if len(copies) > 1 else "instruction"
        start = text.rfind("\n", 0, copy.start) + 1
        end = text.find("\n", copy.end)
        removal = Span(start, len(text) if end == -1 else end + 1)
        yield Hit(
            copy,
            {"line": str(line), "tokens": f"{tokens:,}"},
            what,
            fixes=(Fix("Remove the repeated text", (TextEdit(removal, ""),)),),
            related=(Related("first copy", doc.path, first),),
            data={"tokens": tokens},
        )
