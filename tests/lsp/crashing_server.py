"""The real server with two deliberate faults, for the robustness tests.

- the built-in ``empty-message`` check raises on every file (a crashing rule);
- parsing any file whose name contains ``explode`` raises (a crashing stage).

Run as ``python tests/lsp/crashing_server.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from promptwise.lsp import analyser, server
from promptwise.rules import checks


def broken_check(ctx: object) -> list[object]:
    raise ZeroDivisionError("deliberately broken rule")


checks.REGISTRY["empty-message"] = broken_check
original_parse = analyser.Analyser.parse


def exploding_parse(
    self: analyser.Analyser, snapshot: analyser.Snapshot, *, keep: bool = False
) -> object:
    if "explode" in snapshot.path:
        raise RuntimeError("deliberately broken parser")
    return original_parse(self, snapshot, keep=keep)


analyser.Analyser.parse = exploding_parse  # type: ignore[assignment,method-assign]

if __name__ == "__main__":
    server.start()
