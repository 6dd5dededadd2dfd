"""Analysis time grows at most linearly with the input, for every hostile class.

Each input class of issue 12 (``hostile_inputs.py``) is analysed at 1x, 4x
and 16x a base size, in this process with cold caches. The assertion is on
the ratio of times measured in the same test (the fastest of a few runs at
each size, after a warm-up; CPU time of this process, so that other work on
a loaded machine, the test workers beside it included, does not count),
never on an absolute time: 16x the input may
take at most 16x the time, with a slack of 3 for noise on a shared machine.
A quadratic scan gives 256x at 16x, far past that; the base size is chosen
so that the classes that were quadratic fail here (measured before the fix:
ratios from 60x to over 200x at 4x/16x).
"""

from __future__ import annotations

import time

import pytest

from promptwise.analysis import analyze_text, clear_caches
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.rules.checks import undefined_variable
from tests.hardening.hostile_inputs import CLASSES, InputClass, did_you_mean

BASE = 8_000  # characters at 1x
FACTORS = (4, 16)
SLACK = 3.0
REPEAT = 3
SETTINGS = Settings()


def _analyse(text: str, path: str) -> int:
    clear_caches()
    return len(analyze_text(text, path, SETTINGS).findings)


def fastest(text: str, path: str, repeat: int = REPEAT, enough: float = 0.0) -> float:
    """The fastest of ``repeat`` cold analyses: the least disturbed by other work.

    Stops early once a run takes no more than ``enough``: the bound is met.
    """
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        _analyse(text, path)
        best = min(best, time.process_time() - start)
        if best <= enough:
            break
    return best


@pytest.mark.parametrize("cls", CLASSES, ids=[c.name for c in CLASSES])
def test_analysis_time_grows_at_most_linearly(cls: InputClass) -> None:
    _analyse(cls.make(BASE), cls.path)  # warm-up: rules, encodings, imports
    base = fastest(cls.make(BASE), cls.path)
    for factor in FACTORS:
        text = cls.make(BASE * factor)
        took = fastest(text, cls.path, enough=base * factor * SLACK)
        ratio = took / base
        assert ratio <= factor * SLACK, (
            f"{cls.name}: {factor}x the input ({len(text):,} characters) took "
            f"{ratio:.1f}x the time of 1x ({took:.3f} s against {base:.4f} s); "
            f"linear allows {factor * SLACK:.0f}x"
        )


def test_did_you_mean_comparisons_are_bounded() -> None:
    """The "did you mean" search counts its comparisons: at most the budget, at any size."""
    counts = []
    for factor in (1, 4, 16):
        doc = parse_document(did_you_mean(BASE * factor), "hostile.prompt")
        suggester = undefined_variable.Suggester(doc.declared)
        unknown = [use.name for use in doc.used if use.name not in doc.declared]
        assert unknown, "the input must use names it does not declare"
        for name in unknown:
            suggester.closest(name)
        counts.append(suggester.compared)
    assert counts[0] > 0
    assert max(counts) <= undefined_variable.SUGGESTION_BUDGET
    assert counts[2] <= 16 * counts[0]


def test_did_you_mean_still_suggests_within_the_budget() -> None:
    """The bounds change no answer a real prompt gets: a near miss is still named."""
    text = did_you_mean(BASE)
    analysis = analyze_text(text, "hostile.prompt", SETTINGS)
    first = next(f for f in analysis.findings if f.code == "PW003")
    assert "customer_name_0" in first.message


def test_a_sentence_tail_of_unicode_blanks_is_stripped_in_linear_time() -> None:
    """PW209 strips each sentence's closing blanks; past a Unicode blank it
    once copied the sentence for every character stripped."""
    from promptwise.rules.checks.contradicting_instructions import _strip_trail

    def took(n: int) -> float:
        raw = "Always answer briefly" + "\u3000." * n
        best = float("inf")
        for _ in range(REPEAT):
            start = time.process_time()
            assert _strip_trail(raw) == "Always answer briefly"
            best = min(best, time.process_time() - start)
        return best

    base = took(20_000)
    ratio = took(320_000) / base
    assert ratio <= 16 * SLACK, f"16x the tail took {ratio:.1f}x the time"


def test_the_shared_literal_scan_grows_linearly_with_the_text() -> None:
    """One Aho-Corasick scan per text (``rules/candidates.py``): a text dense
    with keys at 16x the length takes at most 16x (with slack) the time, and
    a search through its candidates bisects rather than walking from the start."""
    import re

    from promptwise.rules import candidates
    from promptwise.rules.judgements import prose

    if not candidates.enabled():
        pytest.skip("pyahocorasick has no wheel here: the per-pattern scans are tested above")
    pattern = re.compile(r"\b(?:for (?:example|instance)|in json|as a table)\b", re.I)
    found = prose._filter(pattern)
    unit = "For examples in JSONs, as a tablet; for instance: "

    def took(length: int) -> float:
        text = (unit * (length // len(unit) + 1))[:length]
        best = float("inf")
        for _ in range(REPEAT):
            candidates.forget()
            start = time.process_time()
            held = candidates.starts(found, text, text.lower())
            assert held is not None and len(held) >= length // len(unit)
            # A search from every hundredth candidate to the end of the text.
            for pos in held[::100]:
                prose.search_from(pattern, text, pos, len(text))
            best = min(best, time.process_time() - start)
        return best

    small = candidates.UP_TO // 16
    ratio = took(candidates.UP_TO) / took(small)
    assert ratio <= 16 * SLACK, f"16x the text took {ratio:.1f}x the time"
