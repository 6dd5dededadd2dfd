"""Every quick fix, applied as a text edit and compared with the text it should produce.

Snippet placeholders (``${1:N}``) are applied with their default text, as a
client without snippet support would.
"""

from __future__ import annotations

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.findings import Finding, apply_edits


def findings(text: str, path: str, code: str) -> list[Finding]:
    return [f for f in analyze_text(text, path, Settings(preview=True)).findings if f.code == code]


def fixed(text: str, path: str, code: str, index: int = 0) -> str:
    found = findings(text, path, code)
    assert found, f"{code} did not fire"
    fix = found[index].fix
    assert fix is not None, f"{code} offers no fix"
    return apply_edits(text, fix.edits)


# ------------------------------------------------------------------- PW2xx


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("PW201", "Give a few tips for the trip.\n", "Give <number> tips for the trip.\n"),
        ("PW201", "List several alternatives.\n", "List <number> alternatives.\n"),
        ("PW202", "Answer briefly.\n", "Answer in at most <number> sentences.\n"),
        (
            "PW202",
            "Write a brief summary of the ticket.\n",
            "Write a <number>-sentence summary of the ticket.\n",
        ),
        ("PW202", "Be concise.\n", "Use at most <number> sentences.\n"),
        (
            "PW202",
            "Explain the refund rules in detail.\n",
            "Explain the refund rules in <number> to <number> sentences.\n",
        ),
        ("PW204", "Add tests when appropriate.\n", "Add tests when <condition>.\n"),
        (
            "PW204",
            "Use idempotent modules whenever possible.\n",
            "Use idempotent modules unless <exception>.\n",
        ),
        ("PW204", "Update the changelog as needed.\n", "Update the changelog when <condition>.\n"),
    ],
)
def test_phrase_substitutions(code: str, before: str, after: str) -> None:
    assert fixed(before, "rules.prompt.md", code) == after


def test_substitution_placeholders_are_snippets() -> None:
    [finding] = findings("Answer briefly.\n", "rules.prompt.md", "PW202")
    assert finding.fix is not None
    [edit] = finding.fix.edits
    assert edit.snippet and edit.new_text == "in at most ${1:<number>} sentences"
    assert finding.fix.title == "Replace `briefly` with `in at most <number> sentences`"


def test_phrases_without_a_sound_replacement_have_no_fix() -> None:
    for code, text in (
        ("PW201", "Give some tips.\n"),
        ("PW202", "Keep functions short.\n"),
        ("PW204", "Try to keep it under 100 words.\n"),
    ):
        [finding] = findings(text, "rules.prompt.md", code)
        assert finding.fix is None, code


# ------------------------------------------------------------------- PW1xx


def test_missing_examples_text_uses_the_prompts_own_fields() -> None:
    text = "Classify the text into neutral, negative, or positive\nText: {input}\nSentiment:\n"
    assert fixed(text, "sentiment.txt", "PW101") == (
        "Classify the text into neutral, negative, or positive\n\n"
        "<examples>\n<example>\n"
        "Text: <a typical input>\nSentiment: <its label>\n"
        "</example>\n<example>\n"
        "Text: <an unusual input: empty, ambiguous or off-topic>\nSentiment: <its label for it>\n"
        "</example>\n</examples>\n"
        "\nText: {input}\nSentiment:\n"
    )


def test_missing_examples_markdown_uses_input_output_pairs() -> None:
    text = (
        "Extract the invoice number and the total from the text below.\n\n<text>\n"
        "${input:invoice}\n</text>\n"
    )
    result = fixed(text, "invoice.prompt.md", "PW101")
    assert result.startswith(
        "Extract the invoice number and the total from the text below."
        "\n\n<examples>\n<example>\nInput: <a typical input>\n"
        "Output: <the exact output>\n</example>"
    )
    assert result.endswith("</examples>\n\n<text>\n${input:invoice}\n</text>\n")


PROMPTY = """---
name: review-sentiment
model:
  id: gpt-4o
inputs:
  review:
    type: string
---
system:
You are a sentiment classifier.
Classify the review as positive, negative or unknown.

user:
{{review}}
"""


def test_missing_examples_prompty_adds_user_and_assistant_turns() -> None:
    assert fixed(PROMPTY, "review.prompty", "PW101") == PROMPTY.replace(
        "user:\n{{review}}",
        "user:\n<a typical input>\n\nassistant:\n<the exact output>\n\n"
        "user:\n<an unusual input: empty, ambiguous or off-topic>\n\n"
        "assistant:\n<the exact output for it>\n\nuser:\n{{review}}",
    )


DOTPROMPT = """---
model: gemini-2.5-flash
input:
  schema:
    ticket: string
---
{{role "system"}}
Classify the support ticket into one of these categories: billing, shipping, returns.
Respond with the category name only.

{{role "user"}}
{{ticket}}
"""


def test_missing_examples_dotprompt_adds_an_examples_block_to_the_system_turn() -> None:
    result = fixed(DOTPROMPT, "ticket.prompt", "PW101")
    assert "Respond with the category name only.\n\n<examples>\n<example>\n" in result
    assert result.endswith('</examples>\n\n{{role "user"}}\n{{ticket}}\n')


def test_missing_examples_chat_json_has_no_text_fix() -> None:
    text = (
        '{"messages": [{"role": "system", "content": "Extract the invoice number from the '
        'text. Respond in JSON."}, {"role": "user", "content": "{{text}}"}]}'
    )
    [finding] = findings(text, "invoice.chat.json", "PW101")
    assert finding.fix is None


def test_single_example_adds_a_pair_with_the_same_fields() -> None:
    text = (
        "Classify the review as positive or negative.\n\n"
        "Review: The battery lasts all day.\nSentiment: positive\n\n"
        "Review: {review}\nSentiment:\n"
    )
    assert fixed(text, "review.txt", "PW102") == text.replace(
        "Sentiment: positive\n",
        "Sentiment: positive\n\nReview: <an unusual input: empty, ambiguous or off-topic>\n"
        "Sentiment: <its exact output>\n",
    )


# ------------------------------------------------------------------- PW3xx


def test_edge_case_rule_after_the_task_statement() -> None:
    text = "Summarise the customer email below in two sentences.\n\n<email>\n{email}\n</email>\n"
    assert fixed(text, "email.txt", "PW301") == text.replace(
        "two sentences.\n",
        "two sentences.\nIf the input is empty or cannot be processed, respond with <reply>.\n",
    )


def test_edge_case_rule_at_the_end_of_the_dotprompt_system_turn() -> None:
    assert fixed(DOTPROMPT, "ticket.prompt", "PW301") == DOTPROMPT.replace(
        "name only.\n",
        "name only.\nIf the input is empty or cannot be processed, respond with <reply>.\n",
    )


def test_edge_case_rule_for_an_agent_is_about_requests() -> None:
    text = (
        "---\ndescription: Reviews pull requests\n---\n# Reviewer\n\n"
        "You are a reviewer for the payments team. Review the user's changes.\n"
    )
    assert fixed(text, "reviewer.agent.md", "PW301") == text[:-1] + (
        "\nIf a request is ambiguous, out of scope or missing information you need, ask one "
        "clarifying question instead of guessing.\n"
    )


def test_edge_case_rule_keeps_a_markdown_list_a_list() -> None:
    text = (
        "---\napplyTo: '**/*.py'\n---\n# Python\n\n- Use the user's code style.\n"
        "- Prefer pathlib.\n"
    )
    result = fixed(text, "python.instructions.md", "PW301")
    assert "- Use the user's code style.\n- If a request is ambiguous" in result


def test_fallback_label_goes_after_the_label_list() -> None:
    text = "Classify the text into neutral, negative or positive.\nText: {input}\nSentiment:\n"
    assert fixed(text, "s.txt", "PW302") == text.replace(
        "positive.", "positive (or unknown if none of them fits)."
    )


def test_no_fallback_is_wedged_between_chosen_verbs_and_their_object() -> None:
    # "accept or reject (or unknown ...) the feedback" would break the phrase.
    text = "Read the reviewer's note and decide whether to approve or reject the change.\n"
    text += "Note: {note}\n"
    [finding] = findings(text, "review.txt", "PW302")
    assert finding.fix is None
    # Labels followed by other words still take the fallback.
    text = 'Use only "yes" or "no" as the verdict.\nText: {input}\n'
    assert "(or unknown if none of them fits) as the verdict" in fixed(text, "v.txt", "PW302")


def test_fallback_label_from_examples_has_no_insertion_point() -> None:
    text = (
        "Text: nice gift\nLabel: Positive\nText: rain again\nLabel: Negative\n"
        "Text: sunny day\nLabel: Positive\nText: {input}\nLabel:\n"
    )
    [finding] = findings(text, "fewshot.txt", "PW302")
    assert finding.fix is None and "seen in the examples" in finding.message


PROMPTY_QA = """---
name: helper
model:
  id: gpt-4o
inputs:
  question:
    type: string
---
system:
You are an AI assistant who helps people find information.

user:
{{question}}
"""


def test_unknown_answer_rule_ends_the_system_turn() -> None:
    assert fixed(PROMPTY_QA, "helper.prompty", "PW303") == PROMPTY_QA.replace(
        "find information.\n",
        "find information.\nIf you don't know the answer or it is not in the information you "
        'were given, say "I don\'t know" instead of guessing.\n',
    )


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            'Translate the text below to Spanish:\n\nText: "hello!"\n',
            "Return only the translation, with no preamble or explanation.",
        ),
        (
            "Extract the names of the people mentioned in the email below.\n\n<email>\n{email}\n"
            "</email>\n",
            "Return the result as JSON with the keys <key>, <key>; use null for a value that is "
            "not in the text.",
        ),
    ],
)
def test_output_format_sentence_follows_the_task(text: str, sentence: str) -> None:
    first, rest = text.split("\n", 1)
    assert fixed(text, "task.txt", "PW304") == f"{first}\n{sentence}\n{rest}"


# ------------------------------------------------------------------- PW4xx/PW5xx


def test_undelimited_input_after_a_label_is_wrapped_inline() -> None:
    text = "Classify the text into neutral, negative or positive.\nText: {input}\nSentiment:\n"
    assert fixed(text, "s.txt", "PW401") == text.replace("{input}", "<input>{input}</input>")


def test_undelimited_input_on_its_own_line_is_wrapped_in_block_tags() -> None:
    text = "Summarise this email in two sentences.\n  {{user_email}}\n"
    assert fixed(text, "s.txt", "PW401") == (
        "Summarise this email in two sentences.\n  <user_email>\n  {{user_email}}\n"
        "  </user_email>\n"
    )


def test_duplicate_removal_deletes_the_second_copy_only() -> None:
    text = (
        "Keep every answer under 80 words and in plain English.\n"
        "Mention the order number in every answer you give.\n"
        "Keep every answer under 80 words and in plain English.\n"
        "Sign with the team name.\n"
    )
    [finding] = findings(text, "rules.txt", "PW505")
    assert finding.related and finding.related[0].span is not None
    assert finding.related[0].span.start == 0
    assert fixed(text, "rules.txt", "PW505") == (
        "Keep every answer under 80 words and in plain English.\n"
        "Mention the order number in every answer you give.\n"
        "Sign with the team name.\n"
    )


# ------------------------------------------- issue 13: no invented prose


def test_fixes_never_insert_invented_instructions() -> None:
    """Every value a fix cannot know is a visible tab stop (``<condition>``),
    never prose that reads as a real instruction ("tips where condition",
    "JSON with the keys name, date"); the CLI never applies a snippet."""
    import re

    from promptwise.rules.loader import load_rules

    stop = re.compile(r"\$\{\d+:([^}]*)\}")
    for rule in load_rules(()).rules:
        for replacement in rule.matcher.get("swap", {}).values():
            for default in stop.findall(replacement):
                assert default.startswith("<") and default.endswith(">"), (rule.code, default)
    text = "Extract the invoice numbers from the email below.\n\n<email>\n{{email}}\n</email>\n"
    [finding] = findings(text, "x.prompt.md", "PW304")
    assert finding.fix is not None
    [edit] = finding.fix.edits
    assert edit.snippet and "${1:<key>}" in edit.new_text and "name, date" not in edit.new_text
