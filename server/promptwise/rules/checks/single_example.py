"""PW102: a task that needs examples shows exactly one."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from promptwise.document.text import Span
from promptwise.findings import Fix, TextEdit
from promptwise.rules.checks import CheckContext, Hit, register

_FIELD = re.compile(r"^[ \t]*([A-Za-z][\w ]{0,24}?)[ \t]*:", re.M)


# A line that opens with a field label ("Output:", "**Response**:").
_LABEL_LINE = re.compile(r"^[ \t]*(?:\*\*)?([A-Za-z][\w -]{0,24}?)(?:\*\*)?[ \t]*:", re.M)
# A line that titles an example ("**Example 2**", "### Sample output").
_TITLE_LINE = re.compile(r"^[ \t#*]*(?:examples?|samples?)\b[^\n]{0,60}$", re.I | re.M)


def _lays_out_several(text: str, body: Span) -> bool:
    """Whether the text shows several examples although one was recognised.

    Examples written with each value under its label ("Output:" on one line,
    the value on the next) or under bold titles are not all read as examples;
    the layout still gives them away: one field label opening three lines or
    more (two examples and the open slot), or two example titles. Saying
    nothing then beats telling the author to add the examples they have.
    """
    counts = Counter(m.group(1).lower() for m in _LABEL_LINE.finditer(text, body.start, body.end))
    if counts and max(counts.values()) >= 3:
        return True
    titles = _TITLE_LINE.finditer(text, body.start, body.end)
    return next(titles, None) is not None and next(titles, None) is not None


@register("single-example")
def single_example(ctx: CheckContext) -> Iterator[Hit]:
    """One example is copied, not generalised from: its length, wording and
    label all leak into every answer. Several diverse ones show the range."""
    doc = ctx.document
    profile = ctx.profile
    if not profile.needs_examples or len(profile.examples) != 1:
        return
    if _lays_out_several(doc.text, doc.body_span):
        return
    [example] = profile.examples
    fixes: tuple[Fix, ...] = ()
    if example.source == "pair" and example.output is not None:
        text = doc.text
        given = _FIELD.match(text, example.span.start)
        out_line = text.rfind("\n", 0, example.output.start) + 1
        expected = _FIELD.match(text, out_line)
        if given and expected:
            end = text.find("\n", example.output.end)
            at = len(text) if end == -1 else end
            # Keep the prompt's spacing: a blank line between examples if it uses one.
            gap = "\n\n" if text[: example.span.start].endswith("\n\n") else "\n"
            fixes = (
                Fix(
                    "Add another example to fill in",
                    (
                        TextEdit(
                            Span(at, at),
                            f"{gap}{given.group(1)}: "
                            "${1:<an unusual input: empty, ambiguous or off-topic>}"
                            f"\n{expected.group(1)}: ${{2:<its exact output>}}",
                            snippet=True,
                        ),
                    ),
                ),
            )
    yield Hit(example.anchor, fixes=fixes)
