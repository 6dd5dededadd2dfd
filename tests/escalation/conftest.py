"""Shared helpers: the promptfoo fixture (35 iterations of one prompt) and settings for it."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from promptwise.analysis import analyze
from promptwise.config import EscalationSettings, Settings
from promptwise.document.parse import parse_document
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


def evidence_with(
    config: Settings, prompt: Path = PROMPT, model: str | None = None
) -> PromptEvidence:
    """The escalation stage's value for ``prompt``, built as every adapter builds it:
    the store's logs about the file, judged and priced inside ``analyze``."""
    document = parse_document(prompt.read_text(encoding="utf-8"), str(prompt))
    logs = EscalationStore(config).logs_for(str(prompt), document=document)
    assert logs is not None, "no log matched the prompt"
    found = analyze(document, config, logs=logs, model_override=model).escalation
    assert found is not None
    return found


def evidence(
    root: Path | str = FIXTURE, prompt: Path = PROMPT, **escalation: Any
) -> PromptEvidence:
    return evidence_with(settings(root, **escalation), prompt)


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
