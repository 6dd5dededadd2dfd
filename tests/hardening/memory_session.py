"""A long editing session in the language server's analyser, run as its own process.

``python -m tests.hardening.memory_session KIND COUNT BUDGET_MB`` analyses,
through the server's :class:`~promptwise.lsp.analyser.Analyser`, either
COUNT one-character edits of a 17 KB prompt (``edits``) or COUNT analyses
of a large prompt with a small change each time (``large``), and prints one
JSON line per checkpoint: resident memory and the bytes each size-bounded
cache holds. ``test_memory.py`` reads them; a process of its own keeps the
test runner's memory out of the numbers.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from promptwise import memo
from promptwise.lsp.analyser import Analyser
from promptwise.lsp.settings import SettingsResolver
from promptwise.lsp.workspace import Snapshot

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def main(kind: str, count: int, budget_mb: float, folder: str) -> None:
    memo.set_budget(int(budget_mb * 1_048_576))
    analyser = Analyser(SettingsResolver(lambda message: None))
    size = 17_000 if kind == "edits" else 400_000
    text = generate(size, seed=11)
    path = str(Path(folder) / f"session-{kind}.prompty")
    uri = Path(path).as_uri()
    lines = text.split("\n")
    rows = [i for i in range(len(lines) // 4, len(lines)) if lines[i][:1].isalpha()]
    checkpoints = {max(1, count * k // 20) for k in range(1, 21)}
    for version in range(1, count + 1):
        # Type into a different line each time, as someone revising a prompt does;
        # every few hundred edits start over from the original text.
        row = rows[(version * 7) % len(rows)]
        lines[row] = lines[row][:5] + "abcdefghij"[version % 10] + lines[row][5:]
        if version % 400 == 0:
            lines = text.split("\n")
        snapshot = Snapshot(uri, path, version, "\n".join(lines), 0)
        result = analyser(snapshot)
        assert result.analysis is not None, result.error
        del result, snapshot
        if version in checkpoints:
            gc.collect()
            held = {c.name: c.bytes_used for c in memo.caches()}
            print(
                json.dumps(
                    {
                        "edit": version,
                        "rss": rss_bytes(),
                        "held": held,
                        "peak": {c.name: c.peak_bytes for c in memo.caches()},
                        "bound": {c.name: c.max_bytes for c in memo.caches()},
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
