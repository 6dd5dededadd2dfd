"""The server's memory is bounded by size: a long session reaches a plateau.

Caches bounded by entry count grew with every edit (190 MB over 12,000 edits
of a 17 KB file, 1.36 GB after 300 analyses of an 850,000-character file).
Each session here runs in a process of its own (``memory_session.py``) with
a small cache budget, so the plateau comes early: the byte accounting of
every size-bounded cache must stay under its bound at every checkpoint, and
resident memory must stop growing, which is measured as a ratio (growth in
the second half of the session against growth in the first), not against an
absolute number.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from promptwise import memo
from promptwise.document import parse_document
from promptwise.rules import judgements
from promptwise.rules.judgements import prose, task_profile
from tests.conftest import REPO, source_env

BUDGET_MB = 16
MB = 1 << 20
# The caches every analysis goes through; each must be in the accounting.
EXPECTED = {
    "phrase matches",
    "task profiles",
    "directive spans",
    "token counts",
    "prose span starts",
    "block facts",
}

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads resident memory from /proc"
)


def session(kind: str, count: int, folder: Path) -> list[dict[str, Any]]:
    args = [kind, str(count), str(BUDGET_MB), str(folder)]
    done = subprocess.run(
        [sys.executable, "-m", "tests.hardening.memory_session", *args],
        cwd=REPO,
        env=source_env(str(REPO)),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def check_plateau(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """Assert the accounting stays bounded; return the RSS growth of each half (MB)."""
    assert set(rows[-1]["bound"]) >= EXPECTED, rows[-1]["bound"]
    for row in rows:
        assert sum(row["held"].values()) <= BUDGET_MB * MB, row
        for name, peak in row["peak"].items():
            assert peak <= row["bound"][name], (name, peak, row["bound"][name])
    # The first checkpoint is after warm-up (imports, rules, the encoding).
    start, middle, end = rows[0]["rss"], rows[len(rows) // 2]["rss"], rows[-1]["rss"]
    return (middle - start) / MB, (end - middle) / MB


def test_long_edit_session_reaches_a_plateau(tmp_path: Path) -> None:
    rows = session("edits", 3000, tmp_path)
    first, second = check_plateau(rows)
    print(f"RSS growth: first half {first:.1f} MB, second half {second:.1f} MB")
    # Unbounded, the caches grow about 2 MB per 100 edits in both halves alike.
    assert second <= 0.5 * first + 3, (first, second)


def test_repeated_analyses_of_a_large_prompt_reach_a_plateau(tmp_path: Path) -> None:
    rows = session("large", 60, tmp_path)
    first, second = check_plateau(rows)
    print(f"RSS growth: first half {first:.1f} MB, second half {second:.1f} MB")
    assert second <= 0.5 * first + 3, (first, second)


def test_the_prose_search_keeps_span_starts_by_size_not_by_count() -> None:
    """The judgements' search kept the prose spans of the last 64 documents,
    whatever their size (64 MB for large files, outside the budget): after
    the cache's share is full, profiling more distinct documents holds no more."""
    text = "".join(
        f"## Section {i}\n\nClassify the text below. If the input is empty, say so.\n\n"
        f"```\ncode {i}\n```\n\n"
        for i in range(300)
    )
    assert len(text) < prose.BLOCKWISE_FROM  # the scan that reads the starts
    cache = next(c for c in memo.caches() if c.name == "prose span starts")
    before = memo.budget()
    memo.set_budget(4 * MB)  # a share of about 200 KB: three documents' spans
    judgements.clear_cache()
    cache.peak_bytes = cache.bytes_used  # earlier tests in this process ran with a bigger share
    tracemalloc.start()
    try:
        held: dict[int, int] = {}
        for n in range(1, 29):
            doc = parse_document(f"{text}\nrevision {n}\n", "large.prompt.md")
            judgements.profile(doc)
            task_profile._cache.clear()  # the profiles only: the search state stays
            del doc
            if n in (8, 28):
                gc.collect()
                held[n] = tracemalloc.get_traced_memory()[0]
        entry = cache.bytes_used / max(1, len(cache))
        assert cache.peak_bytes <= cache.max_bytes
    finally:
        tracemalloc.stop()
        memo.set_budget(before)
        judgements.clear_cache()
    # Twenty more documents: kept by count, twenty more entries stayed alive.
    assert entry > 0 and held[28] - held[8] < 20 * entry / 4, (held, entry)
    assert prose._starts_cache is cache
