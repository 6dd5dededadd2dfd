"""Worked examples: blocks, pairs, turns, inline samples and few-shot label lines."""

from __future__ import annotations

import pytest

from promptwise.document.parse import parse_document
from promptwise.document.text import Span
from promptwise.rules.judgements import TaskProfile, WorkedExample, profile
from promptwise.rules.judgements.examples import dedupe, pair_examples
from promptwise.rules.judgements.vocabulary import builtin


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


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


def test_an_examples_section_with_several_pairs_counts_each_pair() -> None:
    text = "## Examples\n\nInput: hi\nOutput: greeting\n\nInput: bye\nOutput: farewell\n"
    assert len(of(text, "a.prompt.md").examples) == 2


def test_pairs_and_the_open_slot_that_ends_a_few_shot_prompt() -> None:
    doc = parse_document("Text: a\nLabel: x\n\nText: b\nLabel: y\n\nText: {t}\nLabel:\n", "a.txt")
    found, slot, names = pair_examples(doc, doc.prose_spans, builtin().examples)
    assert [doc.text[e.output.start : e.output.end] for e in found if e.output] == ["x", "y"]
    assert slot == ("Text", "Label") and names == {"label"}


def test_few_shot_label_lines_make_a_classification_only_as_most_of_the_prompt() -> None:
    few_shot = "Loved it! Positive\nHated it. Negative\nNot sure about this one.\n"
    assert len(of(few_shot).examples) == 2
    guideline = "Say No when asked for secrets.\n" + "Write clear commit messages.\n" * 10
    assert of(guideline).examples == ()


def test_dedupe_keeps_the_first_of_overlapping_examples() -> None:
    def ex(a: int, b: int) -> WorkedExample:
        return WorkedExample(Span(a, b), Span(a, a), "pair")

    kept = dedupe([ex(10, 20), ex(0, 30), ex(25, 40), ex(40, 50)])
    assert [(e.span.start, e.span.end) for e in kept] == [(0, 30), (40, 50)]


def outputs(profile: TaskProfile, text: str) -> list[str]:
    return [text[e.output.start : e.output.end] for e in profile.examples if e.output]


def test_values_under_their_labels_after_an_examples_title_are_each_an_example() -> None:
    text = (
        "Decide whether the message asks for a refund. Reply yes or no.\n\n"
        "Here are some examples:\n\n"
        "Message:\nThe kettle leaks, I want my money back.\nAnswer:\nyes\n\n"
        "Message:\nDoes it come in blue?\nAnswer:\nno\n\n"
        "Message:\n{{message}}\nAnswer:\n"
    )
    assert outputs(of(text), text) == ["yes", "no"]


def test_numbered_example_titles_each_start_an_example() -> None:
    text = (
        "Rate how polite the reply is from 1 to 5.\n\n"
        "**Example 1**\nreply_text: Go away.\nrating:\n1\n"
        "**Example 2**\nreply_text: Happy to help with that!\noutput:\n5\n\n"
        "Now rate this one:\nreply_text: {{reply}}\n"
    )
    found = of(text).examples
    assert len(found) == 2 and outputs(of(text), text)[-1] == "5"


def test_pairs_apart_keep_their_own_answers() -> None:
    """An output field after a blank line opens a new exchange, even when it
    is the field the last exchange began with ("Output:" judged, "Response:")."""
    text = (
        "Judge whether the dish sounds tasty. Answer yes or no.\n\n"
        "Output:\nFresh bread\nResponse:\nyes\n\n"
        "Output:\nA rusty nail\nResponse:\nno\n\n"
        "Output:\n{{output}}\nResponse:\n"
    )
    assert outputs(of(text), text) == ["yes", "no"]
