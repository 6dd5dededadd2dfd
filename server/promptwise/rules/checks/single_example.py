"""PW102: a task that needs examples shows exactly one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptwise.document.text import Span
from promptwise.findings import Fix, TextEdit
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.timed import LazyPattern

_FIELD = LazyPattern(r"^[ \t]*([A-Za-z][\w ]{0,24}?)[ \t]*:", re.M)


@register("single-example")
def single_example(ctx: CheckContext) -> Iterator[Hit]:
    """One example is copied, not generalised from: its length, wording and
    label all leak into every answer. Several diverse ones show the range."""
    doc = ctx.document
    profile = ctx.profile
    if not profile.needs_examples or len(profile.examples) != 1:
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
