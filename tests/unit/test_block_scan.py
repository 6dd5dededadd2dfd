"""The block scan in stretches: an edit re-scans the stretch it touched (issue 16, row 2).

``blocks.scan_blocks`` cuts a large region where ``blockfacts`` cuts the
text and caches each stretch's line scan by its text. These tests check the
two promises: the stretched scan finds exactly what one scan of the whole
region finds (fences, comments and tags that run across stretches, left
open, nested, or split over lines included), and an edit of one paragraph
re-scans a handful of stretches out of hundreds.
"""

from __future__ import annotations

import random
import re
import sys

import pytest

from promptwise.analysis import analyze, clear_caches
from promptwise.config import Settings
from promptwise.document import blockfacts, blocks, prompty
from promptwise.document.model import Segment
from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from tests.conftest import REPO
from tests.unit.test_blockfacts import _edits

sys.path.insert(0, str(REPO / "bench"))
from generate import generate

# Lines that open or close what the scan looks for, and prose between them.
_MARKUP = [
    "```\n",
    "```python\n",
    "~~~~\n",
    "```` \n",
    "<example>\n",
    "</example>\n",
    "<Example id='1'>\n",
    "</Example >\n",
    "<example\nlabel='split over lines'>\n",
    "<document>\n",
    "</document>\n",
    "<samples>\n",
    "  <data>inline</data> tail\n",
    "<!-- a comment\n",
    "-->\n",
    "  <!-- closed --> \n",
    "# Heading\n",
    "## Examples\n",
    "### Sub heading\n",
    "#### Few-shot demonstrations\n",
    "\r\n",
]


def _hostile(rng: random.Random) -> str:
    """Paragraphs with markup sprinkled in, long enough to be cut in stretches."""
    parts = []
    for _ in range(rng.randint(600, 2500)):
        if rng.random() < 0.15:
            parts.append(rng.choice(_MARKUP))
        else:
            parts.append(f"para {rng.randint(0, 99)} words here\n")
            if rng.random() < 0.5:
                parts.append("\n")
    text = "".join(parts)
    return "\ufeff" + text if rng.random() < 0.2 else text


def _whole(
    text: str, region: Span, headings: bool, monkeypatch: pytest.MonkeyPatch
) -> list[Segment]:
    """One scan of the whole region, as before stretches (and no cache read)."""
    with monkeypatch.context() as patch:
        patch.setattr(blocks, "_MIN_STRETCHED", len(text) + 1)
        return blocks.scan_blocks(text, region, headings=headings)


@pytest.mark.parametrize("seed", range(12))
def test_the_stretched_scan_finds_what_one_scan_finds(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    blocks.clear_cache()
    unsealed = 0
    for _ in range(4):
        text = _hostile(rng)
        assert len(blockfacts.blocks_of(text)) >= 4  # cut in stretches
        regions = [(0, len(text)), (rng.randint(0, len(text) // 3), len(text))]
        regions.append((0, rng.randint(len(text) // 2, len(text))))
        for start, end in regions:
            if rng.random() < 0.7:
                start = text.rfind("\n", 0, start) + 1  # a message's content starts a line
            region = Span(start, end)
            for headings in (True, False):
                expected = _whole(text, region, headings, monkeypatch)
                assert blocks.scan_blocks(text, region, headings=headings) == expected
                assert blocks.scan_blocks(text, region, headings=headings) == expected  # cached
        for key, scanned in list(blocks._stretches._entries.items()):
            unsealed += not scanned[0].sealed and not key[2]
        at = rng.randrange(len(text))
        edited = text[:at] + rng.choice([*_MARKUP, "x", "\n\n"]) + text[at:]
        region = Span(0, len(edited))
        assert blocks.scan_blocks(edited, region) == _whole(edited, region, True, monkeypatch)
    assert unsealed  # stretches whose blocks run on were met, and scanned in place


def test_an_edit_of_one_paragraph_rescans_a_few_stretches(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks.clear_cache()
    text = generate(300_000, 9)
    region = Span(0, len(text))
    blocks.reset_counts()
    first = blocks.scan_blocks(text, region)
    assert blocks.analysed() >= 60
    assert first == _whole(text, region, True, monkeypatch)
    for what, edited in _edits(text, random.Random(3)):
        blocks.reset_counts()
        warm = blocks.scan_blocks(edited, Span(0, len(edited)))
        # The edited stretch (two when a paragraph split moved a cut) and
        # the region's last one when the edit was there.
        assert blocks.analysed() <= 3, what
        assert warm == _whole(edited, Span(0, len(edited)), True, monkeypatch), what


def test_a_fence_opened_by_an_edit_is_followed_past_its_stretch() -> None:
    """An edit that opens a block running to the end changes every later stretch's
    reading; the stretches it swallows are not read from the cache."""
    clear_caches()
    text = generate(120_000, 4)
    path = "big.prompty"
    analyze(parse_document(text, path), Settings())
    middle = text.index("\n\n", len(text) // 2) + 2
    edited = text[:middle] + "~~~~~~~~~~~~\n" + text[middle:]  # closed by nothing after it
    warm = parse_document(edited, path).segments
    clear_caches()
    assert warm == parse_document(edited, path).segments
    message = next(m for m in warm if m.span.start < middle < m.span.end)
    fence = [s for s in message.walk() if s.kind.value == "code" and s.span.start == middle]
    assert fence and fence[0].span.end == message.span.end
    cuts = blockfacts.blocks_of(edited).starts
    assert sum(middle < cut < message.span.end for cut in cuts) >= 3  # it swallows stretches


def test_role_lines_per_block_are_the_whole_finditer() -> None:
    """``blockfacts.finditer_local`` (the role lines of a Prompty body): the
    matches ``finditer`` gives, and after an edit one block searched again."""
    rng = random.Random(8)
    lines = ["system:\n", "  # User:\n", "assistant[bot]:\r\n", "tool :\n", "user: not a role\n"]
    text = "".join(
        rng.choice(lines) if rng.random() < 0.05 else f"Line {k} of a turn.\n\n"
        for k in range(8000)
    )
    assert len(text) >= blockfacts.LOCAL_MATCHES_FROM
    role_line = prompty.ROLE_LINE
    for span in (Span(0, len(text)), Span(1234, len(text) - 777), Span(len(text) // 2, len(text))):
        whole = [(m.span(), m.groups()) for m in role_line.finditer(text, span.start, span.end)]
        local = [(m.span(), m.groups()) for m in blockfacts.finditer_local(role_line, text, span)]
        assert local == whole
    assert len(whole) > 50
    middle = text.index("\n\n", len(text) // 2) + 2
    edited = text[:middle] + "user:\n" + text[middle:]
    blockfacts.reset_counts()
    region = Span(0, len(edited))
    found = [m.span() for m in blockfacts.finditer_local(role_line, edited, region)]
    assert found == [m.span() for m in role_line.finditer(edited)]
    assert 1 <= blockfacts.analysed().get("pattern matches", 0) <= 2
    assert [m.span() for m in blockfacts.finditer_local(re.compile(r"a\sb"), edited, region)] == [
        m.span() for m in re.finditer(r"a\sb", edited)
    ]  # not block-local: searched whole


def test_a_large_prompty_parsed_after_an_edit_is_parsed_cold() -> None:
    clear_caches()
    text = generate(200_000, 5)
    path = "big.prompty"
    parse_document(text, path)
    for what, edited in _edits(text, random.Random(5)):
        warm = parse_document(edited, path)
        clear_caches()
        cold = parse_document(edited, path)
        assert warm.segments == cold.segments, what
