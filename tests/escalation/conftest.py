"""Shared helpers: the promptfoo fixture (35 iterations of one prompt) and settings for it."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from promptwise.config import EscalationSettings, Settings
from promptwise.escalation import EscalationStore, PromptEvidence
from tests.conftest import DATA

FIXTURE = DATA / "promptfoo"
PROMPT = FIXTURE / "prompts" / "support_faq.txt"
RESULTS = sorted((FIXTURE / "results").glob("iter*.json"))
DB = FIXTURE / "promptfoo.db"
KNOWLEDGE = ("refund window (knowledge)", "warranty length (knowledge)")
STYLE = "no apology tone (style)"
EMPTY = "empty question (edge case)"
JSON_CASE = "json envelope (format)"


def settings(root: Path | str = FIXTURE, **escalation: Any) -> Settings:
    """Settings rooted at ``root`` with the given escalation settings."""
    return Settings(root=str(root), escalation=EscalationSettings(**escalation))


def evidence(
    root: Path | str = FIXTURE, prompt: Path = PROMPT, **escalation: Any
) -> PromptEvidence:
    found = EscalationStore(settings(root, **escalation)).for_document(str(prompt))
    assert found is not None, "no log matched the prompt"
    return found


@pytest.fixture
def first_29(tmp_path: Path) -> Path:
    """A folder holding only the results of iterations 1 to 29."""
    folder = tmp_path / "results29"
    folder.mkdir()
    for path in RESULTS[:29]:
        shutil.copy(path, folder / path.name)
    return folder


def titles(cases: Iterable[Any]) -> set[str]:
    return {c.title for c in cases}
