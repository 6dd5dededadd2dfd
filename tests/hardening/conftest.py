"""Seeds and case counts for the property-based fuzzing.

Every fuzz test runs twice: once with a fixed seed (the same cases in every
run, so a regression shows up the same way twice) and once with a random
seed, printed in the report header and in the test id, so a failure found by
chance can be replayed with ``PROMPTWISE_FUZZ_SEED=<seed>``. The number of
generated cases is counted and printed at the end of the run.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

FIXED_SEED = 20261129
RANDOM_SEED = int(os.environ.get("PROMPTWISE_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
SEEDS = (FIXED_SEED, RANDOM_SEED)
SEED_IDS = (f"fixed-seed={FIXED_SEED}", f"random-seed={RANDOM_SEED}")

_cases: dict[str, int] = {}


def run_property(
    name: str,
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], None],
    fuzz_seed: int,
    examples: int,
) -> None:
    """Run ``check`` on ``examples`` cases drawn from ``strategy`` with ``fuzz_seed``.

    No example database and no deadline: the run must be the same on every
    machine, and a slow case is a finding for the benchmarks, not a flake.
    """

    @seed(fuzz_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(strategy)
    def prop(value: Any) -> None:
        _cases[name] = _cases.get(name, 0) + 1
        check(value)

    try:
        prop()
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(f"fuzz seed {fuzz_seed}: replay with PROMPTWISE_FUZZ_SEED={fuzz_seed}")
        raise


@pytest.fixture(params=SEEDS, ids=SEED_IDS)
def fuzz_seed(request: pytest.FixtureRequest) -> int:
    return int(request.param)


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"promptwise fuzz seeds: fixed {FIXED_SEED}, random {RANDOM_SEED} "
        "(replay: PROMPTWISE_FUZZ_SEED=<seed>)"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _cases:
        total = sum(_cases.values())
        terminalreporter.write_line(
            f"promptwise fuzz: {total:,} generated cases "
            f"({', '.join(f'{k} {v:,}' for k, v in sorted(_cases.items()))}); "
            f"seeds {FIXED_SEED} and {RANDOM_SEED}"
        )
