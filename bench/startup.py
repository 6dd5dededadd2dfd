"""Row 5 for two checkouts side by side: server launch to its first diagnostics.

``python bench/startup.py --base ../main`` starts ``python -m promptwise serve``
from this checkout and from ``--base`` in turn (``--rounds`` times each, after
one launch each that writes the bytecode), with the same client calls as
``bench/run.py``'s row 5: ``initialize``, ``initialized``, ``didOpen`` of
``examples/support.prompty``, then the time until the first
``publishDiagnostics``. Beside the wall time it prints the server's CPU
seconds at that moment (from ``/proc``, Linux only), which moves much less
than the wall time on a machine shared with other work, and the load average
before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import server_session  # row 5's own client, in bench/run.py

HERE = Path(__file__).resolve().parent.parent


async def launch(tree: Path, prompt: Path) -> tuple[float, float | None]:
    """Seconds from spawning the server to its first diagnostics, and its CPU seconds then."""
    session = await server_session([prompt], tree=tree)
    return session.took, session.cpu


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=7, help="launches of each checkout")
    args = parser.parse_args()
    trees = {"base": args.base.resolve(), "this": HERE}
    with tempfile.TemporaryDirectory() as tmp:
        prompt = Path(tmp) / "one.prompty"
        prompt.write_text(
            (HERE / "examples" / "support.prompty").read_text(encoding="utf-8"), encoding="utf-8"
        )
        for tree in trees.values():
            asyncio.run(launch(tree, prompt))  # writes the bytecode
        print(f"load before: {load_average()}")
        runs: dict[str, list[tuple[float, float | None]]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(asyncio.run(launch(tree, prompt)))
        print(f"load after:  {load_average()}")
    for name, results in runs.items():
        walls = [wall for wall, _ in results]
        cpus = [c for _, c in results if c is not None]
        cpu_text = f"; server CPU median {statistics.median(cpus) * 1000:.0f} ms" if cpus else ""
        print(
            f"{name:5} {trees[name]}: wall median {statistics.median(walls) * 1000:.0f} ms "
            f"({' '.join(f'{w * 1000:.0f}' for w in walls)}){cpu_text}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
