"""The precision cases the rules must get right, spelled out one by one."""

from __future__ import annotations

from promptwise.analysis import analyze_text
from promptwise.config import Settings


def codes(text: str, path: str = "rules.prompt.md") -> list[str]:
    return [f.code for f in analyze_text(text, path, Settings(preview=True)).findings]


def test_a_number_next_to_a_length_word_makes_it_precise() -> None:
    assert "PW202" in codes("Keep the summary short.\n")
    assert "PW202" not in codes("Keep the summary short (at most 3 sentences).\n")
    assert "PW202" not in codes("Give a brief, one-sentence answer.\n")


def test_a_list_ordinal_is_not_a_measure() -> None:
    assert "PW202" in codes("1. Write a short summary of the diff.\n")


def test_vague_words_inside_examples_and_code_are_not_instructions() -> None:
    text = (
        "# Task\n\nAnswer with the order status.\n\n<example>\nInput: hi\n"
        "Output: Here are a few tips, try to be brief, etc.\n</example>\n\n"
        "```text\nkeep it short, maybe add some detail, etc.\n```\n"
    )
    assert not {"PW201", "PW202", "PW203", "PW204", "PW205"} & set(codes(text))


def test_quoted_text_and_inline_code_are_not_instructions() -> None:
    text = 'Reply "be brief and try to help" verbatim, then run `make short etc`.\n'
    assert not {"PW202", "PW204", "PW205"} & set(codes(text))


def test_frontmatter_is_not_instructions() -> None:
    text = (
        "---\ndescription: A short, detailed, appropriate helper, etc.\n---\n"
        "Answer in 2 sentences.\n"
    )
    assert not {"PW202", "PW203", "PW205"} & set(codes(text))


def test_a_persona_prompt_needs_no_examples() -> None:
    text = (
        "---\ndescription: Senior reviewer\n---\n# Reviewer\n\nYou are a senior "
        "Python reviewer who helps the team keep its code readable.\n"
    )
    assert "PW101" not in codes(text, "reviewer.agent.md")
    assert "PW101" not in codes("You are a friendly travel agent for Acme Tours.\n", "a.txt")


def test_open_ended_generation_and_puzzles_need_no_examples() -> None:
    assert "PW101" not in codes("Write a limerick about a cat who codes.\n", "a.txt")
    assert "PW101" not in codes("If a+|a|=0, try to prove that a<0.\n", "a.txt")


def test_environment_references_are_not_secrets() -> None:
    text = (
        "---\nname: x\nmodel:\n  id: gpt-4o\n  connection:\n"
        "    apiKey: ${env:OPENAI_API_KEY}\n---\nsystem:\nAnswer in 2 sentences.\n"
    )
    assert "PW402" not in codes(text, "x.prompty")


def test_a_maths_exercise_is_not_a_hedge() -> None:
    assert "PW204" not in codes("If a+|a|=0, try to prove that a<0.\n", "a.txt")
    assert "PW204" in codes("Try to answer in English.\n", "a.txt")


def test_rules_below_the_precision_bar_are_preview_only() -> None:
    """Severity follows measured precision (issue 14): PW101 and PW304
    measured below 0.75 on the test split, so they run only when asked for;
    PW202 measured 0.76 on 2026-12-05 and left preview, then went back after
    the read-through of outside prompts found 2 of its 16 findings wrong."""
    text = "Classify the ticket into billing or shipping. Keep it short.\nTicket: {t}\n"
    default = {f.code for f in analyze_text(text, "a.txt", Settings()).findings}
    preview = {f.code for f in analyze_text(text, "a.txt", Settings(preview=True)).findings}
    assert not {"PW101", "PW202", "PW304"} & default
    assert {"PW101", "PW202"} <= preview
    selected = Settings(select=("PW101",))
    assert "PW101" in {f.code for f in analyze_text(text, "a.txt", selected).findings}
