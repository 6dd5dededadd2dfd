"""The shared judgements behind the PW1xx/PW3xx rules: task kind, examples, input, contract."""

from __future__ import annotations

import pytest

from promptwise.document.parse import parse_document
from promptwise.rules.features import TaskKind, TaskProfile, profile


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


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Input: a\nOutput: b\n\nInput: c\nOutput: d\n\nInput: {x}\nOutput:\n", 2),
        (
            "<examples>\n<example>\nhi -> greeting\n</example>\n<example>\nbye -> farewell\n"
            "</example>\n</examples>\n",
            2,
        ),
        ("An example of a sentence that uses the word whatpu is:\nWe saw cute whatpus.\n", 1),
        # A template of placeholders is not an example.
        ("## Example output\n\n[Topic Name]\n- [point 1]\n- [point 2]\n", 0),
        # Inputs alone ("example prompts") are not worked examples.
        ('## Example prompts\n\n- "Write my review"\n- "Draft a peer review"\n', 0),
    ],
)
def test_worked_examples(text: str, count: int) -> None:
    assert len(of(text, "a.prompt.md").examples) == count


def test_assistant_turn_after_a_concrete_user_turn_is_an_example() -> None:
    text = (
        "---\nname: x\nmodel:\n  id: gpt-4o\n---\nsystem:\nClassify the review.\n\n"
        "user:\nGreat phone.\n\nassistant:\npositive\n\nuser:\n{{review}}\n"
    )
    [example] = of(text, "x.prompty").examples
    assert example.source == "turn"


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


def test_label_set_and_fallback() -> None:
    labels = of("Classify the text into neutral, negative or positive.\n").label_set
    assert labels is not None and labels.labels == ("neutral", "negative", "positive")
    assert labels.declared
    wrapped = of("Classify the ticket into one of these categories: billing,\nshipping, returns.\n")
    assert wrapped.label_set is not None
    assert wrapped.label_set.labels == ("billing", "shipping", "returns")
    assert of("Classify the ticket into billing, shipping or other.\n").fallback_label == "other"


def test_output_format_signals() -> None:
    assert of("Extract the dates. Respond in JSON.\n").output_format is not None
    assert of("Summarise the text in one sentence.\n").output_format is not None
    assert of("Classify into yes or no.\n").output_format is not None
    assert of("Translate the text below to Spanish:\n").output_format is None
    dotprompt = (
        "---\nmodel: gemini-2.5-flash\noutput:\n  format: json\n---\n"
        "Extract the places in {{text}}.\n"
    )
    assert of(dotprompt, "x.prompt").output_format is not None


def test_profile_is_computed_once_per_text() -> None:
    doc = parse_document("Classify the text into a or b.\n", "a.txt")
    assert profile(doc) is profile(parse_document(doc.text, "a.txt"))


def test_an_examples_section_with_several_pairs_counts_each_pair() -> None:
    text = "## Examples\n\nInput: hi\nOutput: greeting\n\nInput: bye\nOutput: farewell\n"
    assert len(of(text, "a.prompt.md").examples) == 2
