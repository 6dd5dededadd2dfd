"""Shared test helpers: where the repository and the shared corpus are."""

from __future__ import annotations

import os
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
        pytest.skip(f"shared corpus not found at {CORPUS} (set PROMPTWISE_SHARED to the "
                    "folder holding corpus/); these tests read real prompt files from it")
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return need_corpus()
