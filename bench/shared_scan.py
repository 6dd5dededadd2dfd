"""CPU of a one-process ``check`` with and without the shared literal scan.

    python bench/shared_scan.py [--corpus DIR] [--rounds N]

Runs ``promptwise check --jobs 1`` over the corpus in this one process,
alternating the two paths of ``rules/candidates.py``: the compiled
Aho-Corasick scan (one scan of a text for every pattern's literals) and the
pure-Python path a platform without the ``pyahocorasick`` wheel runs (each
pattern's own literal search). One process and alternated rounds, so a
shared machine's load moves both columns alike; caches are cleared before
each round, and a first round warms imports, rules and the encoding. Prints
the CPU seconds (``time.process_time``) of every round.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "server"))

from promptwise.analysis import clear_caches  # noqa: E402
from promptwise.cli import main  # noqa: E402
from promptwise.rules import candidates  # noqa: E402

SHARED = Path(os.environ.get("PROMPTWISE_SHARED", REPO.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "bulk"


def one_check(corpus: Path) -> float:
    """CPU seconds of one ``check`` of the corpus, output thrown away."""
    args = ["check", str(corpus), "--jobs", "1", "--isolated", "--format", "json"]
    args += ["--output", os.devnull, "--fail-on", "never"]
    start = time.process_time()
    with contextlib.suppress(SystemExit):
        main(args)
    return time.process_time() - start


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=2)
    opts = parser.parse_args()
    if not opts.corpus.is_dir():
        sys.exit(f"no corpus at {opts.corpus} (set PROMPTWISE_SHARED or pass --corpus)")
    if not candidates.enabled():
        sys.exit("pyahocorasick is not installed: there is only the pure-Python path to time")
    one_check(opts.corpus)  # warm-up
    took: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(opts.rounds):
        for compiled in (False, True):
            candidates.use_compiled(compiled)
            clear_caches()
            took[compiled].append(one_check(opts.corpus))
    print("pure-Python path:", " ".join(f"{t:.2f}" for t in took[False]), "s CPU")
    print("shared scan:     ", " ".join(f"{t:.2f}" for t in took[True]), "s CPU")
    ratio = sum(took[True]) / sum(took[False])
    print(f"shared / pure-Python: {ratio:.3f}")


if __name__ == "__main__":
    main_()
