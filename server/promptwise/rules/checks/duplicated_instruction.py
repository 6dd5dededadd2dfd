"""PW505: the same instruction or paragraph appears twice."""

from __future__ import annotations

from collections.abc import Iterator

from promptwise.document import blockfacts
from promptwise.document.text import Span
from promptwise.findings import Fix, Related, TextEdit
from promptwise.rules import judgements
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.timed import LazyPattern
from promptwise.tokens.counter import count_text

# Table rows, markup lines and checklist boxes repeat by design (headers, templates).
_STRUCTURAL = LazyPattern(r"^[ \t]*(?:\||<|[-*+][ \t]+\[[ xX]?\])")
_MARKER = LazyPattern(r"^[ \t>]*(?:[-*+]|\d+[.)]|#{1,6})?[ \t]*")


_NON_WORD = LazyPattern(r"\W+")


_LINE = LazyPattern(r"[^\n]+")
# A line kept for comparison, in one block: start, end (block-relative), its words.
_Line = tuple[int, int, str]


def _block_lines(
    text: str, rel: blockfacts.RelSpans, last: bool, minimum: int
) -> tuple[_Line, ...]:
    """The lines of one block's prose worth comparing, each with its words
    lower-cased and single-spaced.

    A per-block fact (``document/blockfacts.py``): while someone types, every
    other block of the file is the same as on the previous keystroke.
    """
    out: list[_Line] = []
    for start, end in rel:
        for m in _LINE.finditer(text, start, end):
            raw = m.group(0)
            # Fewer characters than minimum words and their separators need.
            if len(raw) < 2 * minimum - 1 or _STRUCTURAL.match(raw):
                continue
            normal = _NON_WORD.sub(" ", _MARKER.sub("", raw).lower()).strip()
            if (normal.count(" ") + 1 if normal else 0) >= minimum:
                out.append((m.start(), m.end(), normal))
    return tuple(out)


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
    blocks = blockfacts.blocks_of(text)
    placed = blockfacts.place(blocks, judgements.prose_spans(doc))
    lines: list[tuple[int, int, str]] = []
    for where, found in blockfacts.fact("lines", _block_lines, blocks, placed, minimum):
        base = where.start
        lines.extend([(base + start, base + end, normal) for start, end, normal in found])
    first_seen: dict[str, int] = {}
    runs: list[tuple[list[int], list[int]]] = []  # (copy line indexes, original indexes)
    for i, (_, _, normal) in enumerate(lines):
        original = first_seen.setdefault(normal, i)
        if original == i:
            continue
        if runs and runs[-1][0][-1] == i - 1 and runs[-1][1][-1] == original - 1:
            runs[-1][0].append(i)
            runs[-1][1].append(original)
        else:
            runs.append(([i], [original]))
    for copies, originals in runs:
        copy = Span(lines[copies[0]][0], lines[copies[-1]][1])
        first = Span(lines[originals[0]][0], lines[originals[-1]][1])
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
