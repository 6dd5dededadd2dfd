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

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, source_env

BUDGET_MB = 16
MB = 1 << 20
# The caches every analysis goes through; each must be in the accounting.
EXPECTED = {
    "phrase matches",
    "task profiles",
    "directive spans",
    "token counts",
    "normalised lines",
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
