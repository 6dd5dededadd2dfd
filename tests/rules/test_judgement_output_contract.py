"""The output contract: format, label set and fallback label."""

from __future__ import annotations

from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskProfile, profile


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


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


def test_a_rule_for_input_that_fits_no_label_is_a_fallback() -> None:
    found = of("Classify the ticket into billing or shipping. If none fits, say so.\n")
    assert found.fallback_label is not None and "none fits" in found.fallback_label
    assert of("Classify the ticket into billing or shipping.\n").fallback_label is None


def test_labels_implied_by_repeated_example_outputs() -> None:
    text = "Classify the review.\nReview: great\nLabel: good\nReview: awful\nLabel: bad\n"
    text += "Review: fine\nLabel: good\nReview: {r}\nLabel:\n"
    labels = of(text).label_set
    assert labels is not None and not labels.declared and labels.labels == ("good", "bad")


def test_json_output() -> None:
    assert of("Extract the names. Return JSON with a `names` key.\n").json_output
    assert not of("Extract the names, one per line.\n").json_output
