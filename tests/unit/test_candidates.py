"""The shared literal scan (``rules/candidates.py``) finds what the per-pattern scans find.

``prose.search_from`` answers either from one Aho–Corasick scan of the text
for every judgement pattern's keys or, where the compiled package is
missing, with the pattern's own literal prefilter. Both must give exactly
``pattern.search(text, pos, endpos)`` (limited by ``before``), which is
what these tests compare, on the judgement patterns a real analysis uses,
over the example and corpus files and over generated texts.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptwise.analysis import analyze_text, clear_caches
from promptwise.config import Settings
from promptwise.memo import caches
from promptwise.rules import candidates, keyscan
from promptwise.rules.judgements import prose
from promptwise.rules.prefilter import Prefilter
from tests.conftest import CORPUS, EXAMPLES

try:
    import ahocorasick  # noqa: F401  # the compiled path is tested where it installs
except ImportError:  # pragma: no cover - a platform without the wheel
    COMPILED: tuple[bool, ...] = (False,)
else:
    COMPILED = (True, False)


def _texts() -> list[str]:
    texts = [p.read_text() for p in sorted(EXAMPLES.iterdir()) if p.is_file()]
    # The corpus adds real files when it is there; the examples always run.
    texts += [p.read_text() for p in sorted((CORPUS / "labeled").glob("*.*"))]
    texts += [p.read_text() for p in sorted((CORPUS / "bulk").rglob("*.md"))[::60]]
    return texts


def _judgement_patterns() -> list[re.Pattern[str]]:
    """The patterns the judgements search with, as an analysis of the examples asks them."""
    seen: dict[str, re.Pattern[str]] = {}
    original = prose.search_from

    def spy(pattern, text, pos, endpos, before=None):  # type: ignore[no-untyped-def]
        compiled = prose.compiled(pattern)
        if isinstance(compiled, re.Pattern):
            seen.setdefault(compiled.pattern, compiled)
        return original(pattern, text, pos, endpos, before)

    prose.search_from = spy  # type: ignore[assignment]
    try:
        for n, text in enumerate(_texts()):
            analyze_text(text, f"t{n}.prompt.md", Settings())
    finally:
        prose.search_from = original  # type: ignore[assignment]
    return list(seen.values())


PATTERNS = _judgement_patterns()
KEYED = [p for p in PATTERNS if keyscan.keys_of(Prefilter(p, digits=True).fragments or ())]


def _expected(
    pattern: re.Pattern[str], text: str, pos: int, endpos: int, before: int | None
) -> tuple[int, int] | None:
    m = pattern.search(text, pos, endpos)
    if m is None or (before is not None and m.start() >= before):
        return None
    return m.span()


def _found(
    pattern: re.Pattern[str], text: str, pos: int, endpos: int, before: int | None
) -> tuple[int, int] | None:
    m = prose.search_from(pattern, text, pos, endpos, before)
    return None if m is None else m.span()


def _windows(text: str, rng: random.Random) -> Iterator[tuple[int, int, int | None]]:
    n = len(text)
    yield 0, n, None
    for _ in range(4):
        pos = rng.randrange(n + 1)
        endpos = rng.randrange(pos, n + 1)
        before = rng.choice([None, rng.randrange(pos, n + 1)])
        yield pos, endpos, before


@pytest.fixture(params=[True, False], ids=["compiled", "pure-python"])
def path(request: pytest.FixtureRequest) -> Iterator[bool]:
    if request.param and True not in COMPILED:
        pytest.skip("pyahocorasick has no wheel here: the pure-Python path is tested alone")
    candidates.use_compiled(request.param)
    assert candidates.enabled() is request.param
    yield request.param
    candidates.use_compiled(True)


def test_the_judgements_bring_patterns_the_shared_scan_takes() -> None:
    """Most judgement patterns have keys (else the test below proves little)."""
    assert len(PATTERNS) >= 20
    assert len(KEYED) >= len(PATTERNS) // 2


def test_search_from_on_real_files_equals_search(path: bool) -> None:
    rng = random.Random(16)
    for text in _texts():
        for pattern in PATTERNS:
            for pos, endpos, before in _windows(text, rng):
                assert _found(pattern, text, pos, endpos, before) == _expected(
                    pattern, text, pos, endpos, before
                ), (pattern.pattern[:80], pos, endpos, before)


WORDS = [
    "in",
    "as",
    "the",
    "for example",
    "example",
    "an example",
    "Respond",
    "in JSON",
    "if the input is empty",
    "ask a clarifying question",
    "don't know",
    "İf",
    "ſample",
    "ß",
    "\u0663 items",
    "at most 3 sentences",
    "1.",
    "3",
    "\n",
    "\n\n",
    ". ",
    ":",
    "Output:",
    "categories",
    "classify",
    "string",
    "json",
    "markdown table",
    "cannot",
    "can't",
    "do not",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS) | st.text(max_size=4), max_size=30).map(" ".join),
    st.randoms(use_true_random=False),
)
def test_search_from_on_generated_texts_equals_search(text: str, rng: random.Random) -> None:
    for on in COMPILED:
        candidates.use_compiled(on)
        for pattern in PATTERNS:
            for pos, endpos, before in _windows(text, rng):
                assert _found(pattern, text, pos, endpos, before) == _expected(
                    pattern, text, pos, endpos, before
                )
    candidates.use_compiled(True)


def test_keys_spell_out_each_fragment_and_none_is_a_prefix_of_another() -> None:
    fragments = {("a", "n?", r"\ ", "e", "x"), ("f", "o", "r", r"\ ", "[ae]"), ("f", "o")}
    keys = keyscan.keys_of(fragments)
    assert keys == {"a ex", "an ex", "fo"}
    # A blank run or a digit class ends the key; a fragment opening with one has none.
    assert keyscan.keys_of({("i", "n", r"\s+", "j"), ("i", "n")}) == {"in"}
    assert keyscan.keys_of({(r"\d", "x")}) is None
    # Spelled as ASCII digits on request (used only for texts without other digits).
    assert keyscan.keys_of({(r"\d", "x"), ("1",)}, digits=True) == {
        "1",
        *(f"{d}x" for d in "023456789"),
    }


def test_the_blanks_are_every_character_re_takes_for_a_blank() -> None:
    every = (chr(c) for c in range(sys.maxunicode + 1))
    assert "".join(c for c in every if re.match(r"\s", c)) == keyscan.BLANKS
    # A blank run ends the key after its first blank: more may follow.
    assert keyscan.keys_of({("a", r"\s+", "f")}) == {"a" + b for b in keyscan.BLANKS}


@pytest.mark.skipif(True not in COMPILED, reason="pyahocorasick has no wheel here")
def test_a_digit_pattern_is_searched_as_before_in_a_text_with_other_digits() -> None:
    pattern = re.compile(r"\b(?:\d+ words|at most)\b", re.I)
    found = prose._filter(pattern)
    ascii_text = "Answer in 50 words, at most."
    assert candidates.starts(found, ascii_text, ascii_text.lower()) is not None
    other = "Answer in \u0665\u0660 words, at most."  # Arabic-Indic 50
    assert candidates.starts(found, other, other.lower()) is None
    assert _found(pattern, other, 0, len(other), None) == _expected(
        pattern, other, 0, len(other), None
    )
    assert _found(pattern, other, 0, len(other), None) == (10, 18)


@pytest.mark.skipif(True not in COMPILED, reason="pyahocorasick has no wheel here")
def test_a_long_text_is_left_to_the_per_pattern_scan() -> None:
    pattern = next(iter(KEYED))
    found = prose._filter(pattern)
    text = "x" * (candidates.UP_TO + 1)
    assert candidates.starts(found, text, text) is None
    assert candidates.starts(found, text[: candidates.UP_TO], text[: candidates.UP_TO]) == []


@pytest.mark.skipif(True not in COMPILED, reason="pyahocorasick has no wheel here")
def test_clearing_the_caches_drops_the_candidates() -> None:
    """``release_memory`` (the server after documents close) must drop them too."""
    cache = next(c for c in caches() if c.name == "literal candidates")
    for n, text in enumerate(_texts()[:5]):
        analyze_text(text, f"t{n}.prompt.md", Settings())
    assert cache.bytes_used > 0
    clear_caches()
    assert cache.bytes_used == 0
    assert candidates._last[0] is None


@pytest.mark.skipif(True not in COMPILED, reason="pyahocorasick has no wheel here")
def test_a_registry_that_starts_again_renumbers_without_mixing_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Patterns of changed settings come and go: past the cap the registry
    starts again, and a text scanned under the old numbers is scanned again."""
    monkeypatch.setattr(candidates, "_MAX_PATTERNS", 3)
    candidates.use_compiled(True)
    text = "\n\n".join(_texts())[: candidates.UP_TO]
    matching = [p for p in KEYED if p.search(text)]
    assert len(matching) >= 6
    rng = random.Random(3)
    for _ in range(3):
        for pattern in rng.sample(matching, len(matching)):
            assert _found(pattern, text, 0, len(text), None) == _expected(
                pattern, text, 0, len(text), None
            )
    assert len(candidates._registry.keys) <= 3
    candidates.use_compiled(True)


@pytest.mark.skipif(True not in COMPILED, reason="pyahocorasick has no wheel here")
def test_a_bundled_pattern_and_its_compiled_form_share_one_list() -> None:
    """The judgements search with both forms of a pattern: one list of starts
    (and one automaton build) serves both, and each finds what ``search`` finds."""
    from promptwise.rules.timed import LazyPattern

    candidates.use_compiled(True)
    source = r"\b(?:as|in|into) (?:an? )?table\b"
    lazy = LazyPattern(source, re.I)
    compiled = re.compile(source, re.I)
    text = "Put it in a table, as table rows, into  table, or in the table."
    for pattern in (lazy, compiled):
        m = prose.search_from(pattern, text, 0, len(text))
        assert m is not None and m.span() == compiled.search(text).span()  # type: ignore[union-attr]
    first, second = prose._filter(lazy), prose._filter(compiled)
    assert first is not second
    assert candidates._registry.index[first] == candidates._registry.index[second]
    assert candidates.starts(first, text, text.lower()) is candidates.starts(
        second, text, text.lower()
    )
