"""Finding references stays linear in the size of hostile markdown.

Each shape is the kind of text a regular expression can trip over: brackets
and link openers that never close, runs of backticks, unclosed HTML
comments, nested parentheses in link targets. The time to find the
references of 8 times the text must grow like the text (a ratio near 8),
far from the 64 a quadratic scan would take. Times are CPU times of this
process, best of three, with a base text grown until it takes 5 ms, and two
more tries: a busy machine must not decide the result.
"""

from __future__ import annotations

import time

import pytest

from promptwise.document.parse import parse_document
from promptwise.project.references import find_references

SHAPES = {
    "unclosed brackets": "a[",
    "unclosed link openers": "[x](",
    "backtick runs": "`a``",
    "unclosed comments": "<!--",
    "nested parentheses": "[x](a(b(c(d",
    "unclosed angle targets": "[x](<",
    "links": "[a](b.md) ",
    "attached files": "#file:a.md ",
    "definitions on lines": "[a]: b.md\n",
    "one long line of links with titles": '[a](b.md "t") ',
}
BASE_BYTES = 60_000


def best_time(text: str) -> float:
    doc = parse_document(text, "hostile.prompt.md")
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        find_references(doc)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", SHAPES.values(), ids=list(SHAPES))
def test_finding_references_is_linear(unit: str) -> None:
    small = unit * (BASE_BYTES // len(unit))
    while best_time(small) < 0.005 and len(small) < 1_000_000:
        small += small
    ratio, small_time = float("inf"), 0.0
    for _ in range(3):  # a burst of load on a shared machine gets two more tries
        small_time = best_time(small)
        ratio = min(ratio, best_time(small * 8) / max(small_time, 1e-4))
        if ratio < 24:
            break
    assert ratio < 24, f"8x the text took {ratio:.1f}x the time ({small_time * 1000:.1f} ms base)"
