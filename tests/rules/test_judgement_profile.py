"""The task profile: all judgements once per document, cached by path and text."""

from __future__ import annotations

from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskProfile, profile


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


def test_profile_is_computed_once_per_text() -> None:
    doc = parse_document("Classify the text into a or b.\n", "a.txt")
    assert profile(doc) is profile(parse_document(doc.text, "a.txt"))


def test_a_changed_text_gets_a_new_profile() -> None:
    first = of("Classify the text into a or b.\n")
    assert of("Classify the text into a, b or other.\n") is not first
