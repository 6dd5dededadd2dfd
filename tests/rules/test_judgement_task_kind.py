"""Task kind: the first task statement decides what the prompt asks for."""

from __future__ import annotations

import pytest

from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskKind, TaskProfile, profile
from promptwise.rules.judgements.prose import iter_clauses
from promptwise.rules.judgements.task_kind import opening


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


@pytest.mark.parametrize(
    ("text", "path", "kind"),
    [
        (
            "Classify the text into neutral, negative or positive.\nText: {x}\n",
            "a.txt",
            TaskKind.CLASSIFICATION,
        ),
        ("Extract the names of places in the following text.\n", "a.txt", TaskKind.EXTRACTION),
        ("Mention the product mentioned in the paragraph above:\n", "a.txt", TaskKind.EXTRACTION),
        ("Translate the text below to Spanish:\n", "a.txt", TaskKind.TRANSFORMATION),
        ("Summarize the following text in two sentences.\n", "a.txt", TaskKind.SUMMARIZATION),
        ("Answer the question based on the context below.\n", "a.txt", TaskKind.QA),
        ("Write a poem about the sea.\n", "a.txt", TaskKind.GENERATION),
        ("You are a helpful assistant.\n", "a.txt", TaskKind.AGENT),
        (
            "The following is a conversation with an AI research assistant.\n",
            "a.txt",
            TaskKind.AGENT,
        ),
        # A persona followed right away by a classification task is a classifier.
        (
            "You are a sentiment classifier. Classify the review as positive or negative.\n",
            "a.txt",
            TaskKind.CLASSIFICATION,
        ),
        # Agent and instruction files are agents, whatever verbs their bullets use.
        (
            "# Python\n\n- Extract helpers when a function grows.\n",
            "py.instructions.md",
            TaskKind.AGENT,
        ),
        (
            "# Review\n\nClassify each finding as blocking or optional.\n",
            "review.agent.md",
            TaskKind.AGENT,
        ),
        # A skill that states an extraction up front is an extraction ...
        (
            "# Exam\n\nUse this when a student shares notes.\n\nFor each topic, extract the key "
            "points from the provided material.\n",
            "exam.skill.md",
            TaskKind.EXTRACTION,
        ),
        # ... unless the work is done by tools it runs.
        (
            "# Convert\n\nConvert PDF files to Markdown.\n\n```bash\npdf2md in.pdf\n```\n",
            "convert.skill.md",
            TaskKind.AGENT,
        ),
        # Few-shot label lists are classifications without any verb.
        (
            "This is awesome! // Positive\nThis is bad! // Negative\nWhat a show! //\n",
            "a.txt",
            TaskKind.CLASSIFICATION,
        ),
        # Headings name topics; they do not state the task.
        (
            "# Extract Method Refactoring\n\nYou help developers refactor code.\n",
            "a.prompt.md",
            TaskKind.AGENT,
        ),
    ],
)
def test_task_kind(text: str, path: str, kind: TaskKind) -> None:
    assert of(text, path).kind is kind


def test_examples_needed_only_for_structured_tasks() -> None:
    assert of("Classify the ticket into billing or shipping.\n").needs_examples
    assert of("Convert the address below into JSON.\n").needs_examples
    assert not of("Translate the text below to German.\n").needs_examples
    assert not of("You are a senior Python reviewer.\n").needs_examples
    assert not of("Write a limerick about cats.\n").needs_examples


def test_the_task_statement_is_looked_for_near_the_top_only() -> None:
    filler = "This paragraph describes the company and its history at length.\n" * 40
    doc = parse_document(filler + "Classify the ticket into billing or shipping.\n", "a.txt")
    first = opening(iter_clauses(doc))
    assert sum(len(c.text) for c in first) < len(doc.text)
    assert of(doc.text).kind is not TaskKind.CLASSIFICATION
    assert of("Classify the ticket into billing or shipping.\n" + filler).kind is (
        TaskKind.CLASSIFICATION
    )
