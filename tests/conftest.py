"""Shared test helpers: where the repository and the shared corpus are."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("PROMPTWISE_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"


def source_env(*first: str, **extra: str) -> dict[str, str]:
    """This environment, with the checkout's ``server/`` (after any ``first``
    folders) leading PYTHONPATH, so child processes run the code under test."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (*first, str(REPO / "server"), env.get("PYTHONPATH", "")) if p
    )
    env.update(extra)
    return env


def need_corpus() -> Path:
    """The shared corpus of real prompt files, or skip with the reason."""
    if not (CORPUS / "labeled" / "labels.yaml").is_file():
        pytest.skip(
            f"shared corpus not found at {CORPUS} (set PROMPTWISE_SHARED to the "
            "folder holding corpus/); these tests read real prompt files from it"
        )
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return need_corpus()


def pytest_configure(config: pytest.Config) -> None:
    """Choose the fuzzing's random seed once, in the process that starts the run.

    Workers started by pytest-xdist inherit the environment, so every worker
    draws the same cases and collects the same test ids.
    """
    if not hasattr(config, "workerinput") and not os.environ.get("PROMPTWISE_FUZZ_SEED"):
        os.environ["PROMPTWISE_FUZZ_SEED"] = str(random.SystemRandom().randrange(2**32))


# The slow groups: real editors, the hardening suite (fuzzing, load, hostile
# inputs) and the VS Code client's npm checks. The default run leaves them
# out to stay under three minutes; ``--slow`` (what CI runs) adds them.
SLOW_FOLDERS = ("e2e", "hardening")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the slow groups: editors (e2e), hardening and the npm checks",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        try:
            folder = Path(str(item.path)).resolve().relative_to(tests_dir).parts[0]
        except ValueError:
            continue
        if folder in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]
