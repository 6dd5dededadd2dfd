"""Input handling: taking input, unusual-input rules, the "I don't know" path."""

from __future__ import annotations

import pytest

from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskProfile, profile


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


@pytest.mark.parametrize(
    ("text", "path", "takes"),
    [
        ("Summarise {text}.\n", "a.txt", True),
        ("Explain the above in one sentence:\n", "a.txt", True),
        ("Text: I think the food was okay.\nSentiment:\n", "a.txt", True),
        ("The odd numbers in this group add up to an even number: 15, 32, 5, 13.\n", "a.txt", True),
        ("You are a helpful assistant.\n", "a.txt", True),
        ("Write a proof that there are infinitely many primes.\n", "a.txt", False),
        ("Explain antibiotics\n\nA:\n", "a.txt", False),
        ("Q: What is prompt engineering?\n", "a.txt", False),
        ("---\nname: m\nmodel: gpt-4\n---\nsystem:\nHello world.\n", "m.prompty", False),
    ],
)
def test_takes_input(text: str, path: str, takes: bool) -> None:
    assert of(text, path).takes_input is takes


@pytest.mark.parametrize(
    "text",
    [
        "If the input is empty, reply with N/A.\n",
        "If no study material is provided, ask for it.\n",
        'When it does not know the answer it says "I don\'t know".\n',
        "If the request is out of scope, decline politely.\n",
        "If host ambiguous, default to localhost.\n",
        "## Edge cases\n\n- Empty diff: say so.\n",
        "Classify into billing, shipping or other.\n",
    ],
)
def test_edge_handling_is_recognised(text: str) -> None:
    assert of(text).edge_handling is not None


@pytest.mark.parametrize(
    "text",
    [
        "Be careful with the input.\n",
        "Test the negative path: invalid input, null values, empty collections.\n",
        "If the intersection is not empty, the proposition is false.\n",
    ],
)
def test_generic_care_is_not_edge_handling(text: str) -> None:
    assert of(text).edge_handling is None


def test_unknown_answer_path_counts_as_edge_handling_but_not_the_reverse() -> None:
    says_so = of("Answer the question below. If you don't know, say so.\nQ: {q}\n")
    assert says_so.unknown_answer_path is not None and says_so.edge_handling is not None
    empty_only = of("Answer the question below. If the question is empty, say N/A.\n{question}\n")
    assert empty_only.edge_handling is not None and empty_only.unknown_answer_path is None


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("Answer the user's question about our return policy.\n{question}\n", True),
        ("You are a support assistant.\n{question}\n", True),  # fed a question variable
        ("You are a support assistant. You answer customer questions.\n", True),
        ("You are a support assistant.\n{ticket}\n", False),
        ("Summarise the text below.\n{question}\n", False),  # not a Q&A kind
    ],
)
def test_answers_questions(text: str, answers: bool) -> None:
    assert of(text).answers_questions is answers
