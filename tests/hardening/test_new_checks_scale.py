"""The checks added for issue 17 stay linear in the size of hostile prompts.

Each shape is what the check's own scanning could trip over: block tags
that never close (every one stays on the stack), closing tags that match
nothing, opening tags of one name nested deep, sentences that almost make
a claim, always/never pairs that differ in one word. The time for 8 times
the text must grow like the text (a ratio near 8), far from the 64 a
quadratic scan would take; best-of-three timings and two more tries keep a
busy machine from deciding the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from promptwise.config import Settings
from promptwise.document import parse_document
from promptwise.rules.checks import CheckContext, contradicting_instructions, unclosed_tag
from promptwise.rules.loader import load_rules

BASE_BYTES = 40_000
RULES = {rule.name: rule for rule in load_rules().rules}
TAG_SHAPES = {
    "unclosed block tags": "<section>\n",
    "stray closing tags": "</section>\n",
    "inline tags never closed": "use <a> and <b> here ",
    "alternating names": "<a>\n<b>\n</a>\n",
    "one close after many opens": "<x>\n<y>\n",
}
CLAIM_SHAPES = {
    "near-claims": "Be concise about the data. ",
    "always and never on different actions": "Always check item one. Never skip item two. ",
    "long sentence without a stop": "be concise and explain thoroughly and ",
}


def _run(check: Callable[[CheckContext], object], name: str, text: str) -> float:
    doc = parse_document(text, "hostile.prompt.md")
    ctx = CheckContext(
        document=doc,
        settings=Settings(),
        tokens=None,  # type: ignore[arg-type]  # neither check reads tokens
        output_tokens=0,
        model_name="gpt-4o",
        price=None,
        catalogue=None,  # type: ignore[arg-type]
        rule=RULES[name],
    )
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        list(check(ctx))  # type: ignore[call-overload]
        best = min(best, time.process_time() - start)
    return best


def _ratio(check: Callable[[CheckContext], object], name: str, unit: str) -> tuple[float, float]:
    small = unit * (BASE_BYTES // len(unit))
    ratio, base = float("inf"), 0.0
    for _ in range(3):
        base = _run(check, name, small)
        ratio = min(ratio, _run(check, name, small * 8) / max(base, 1e-4))
        if ratio < 24:
            break
    return ratio, base


@pytest.mark.parametrize("unit", TAG_SHAPES.values(), ids=list(TAG_SHAPES))
def test_unclosed_tag_is_linear(unit: str) -> None:
    ratio, base = _ratio(unclosed_tag.unclosed_tag, "unclosed-tag", unit)
    assert ratio < 24, f"8x the text took {ratio:.1f}x the time ({base * 1000:.1f} ms base)"


@pytest.mark.parametrize("unit", CLAIM_SHAPES.values(), ids=list(CLAIM_SHAPES))
def test_contradicting_instructions_is_linear(unit: str) -> None:
    ratio, base = _ratio(
        contradicting_instructions.contradicting_instructions, "contradicting-instructions", unit
    )
    assert ratio < 24, f"8x the text took {ratio:.1f}x the time ({base * 1000:.1f} ms base)"
