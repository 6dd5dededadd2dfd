"""Output format (PW304) on prompts nobody tuned for (issue 14).

A word that names a format is not a stated output format when it means
something else: a database table, a file called ``package.json``, "answer in
the same language", or the input's markdown the model must keep.
"""

from __future__ import annotations

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskProfile, profile


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


def codes(text: str, path: str = "prompt.txt") -> set[str]:
    return {f.code for f in analyze_text(text, path, Settings(preview=True)).findings}


@pytest.mark.parametrize(
    "text",
    [
        "Extract every customer name from the email below and store it in the customers "
        "table.\n\n{{email}}\n",
        "Extract the dependency names from the package.json file below.\n\n{{file}}\n",
        "Translate the text below into German. Answer in the same tone as the original.\n\n"
        "{{text}}\n",
        "Rewrite the page below in plain English. Keep the markdown structure.\n\n{{page}}\n",
    ],
)
def test_a_format_word_meaning_something_else_is_no_output_format(text: str) -> None:
    assert of(text).output_format is None
    assert "PW304" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Extract every customer name from the email below as a table with columns name "
        "and city.\n\n{{email}}\n",
        "Extract the dependency names from the file below and return them as JSON.\n\n{{f}}\n",
        "Extract each domain named in the article below, one per line.\n\n{{article}}\n",
        "Decide if the dish below is vegetarian. Use only 'yes' or 'no' as the verdict.\n\n"
        "{{dish}}\n",
    ],
)
def test_a_stated_output_format_is_still_found(text: str) -> None:
    assert of(text).output_format is not None
    assert "PW304" not in codes(text)


def test_labels_in_capitals_after_the_word_for_them_are_a_label_set() -> None:
    text = (
        "Decide whether the message below is spam. Use the following categories as the "
        "verdict: SPAM, NOT_SPAM, UNSURE.\n\n{{message}}\n"
    )
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("spam", "not_spam", "unsure")
    text = (
        "Decide whether the message below is spam. Use these categories in the reply "
        "SPAM, NOT_SPAM.\n\n{{message}}\n"
    )
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("spam", "not_spam")


def test_a_decision_between_named_outcomes_states_its_labels() -> None:
    text = "You are a critic. Determine if the joke below is funny or not funny.\n\n{{joke}}\n"
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("funny", "not funny")
    assert "PW304" not in codes(text)
    assert "PW302" in codes(text)


def test_a_label_saying_the_input_is_not_the_thing_at_all_is_a_fallback() -> None:
    text = (
        "Decide whether the text below is a joke and whether it is funny. Use the following "
        "categories as the verdict: FUNNY, NOT_FUNNY, NOT_A_JOKE.\n\n{{text}}\n"
    )
    assert of(text).fallback_label == "not_a_joke"
    assert "PW302" not in codes(text)


def test_a_label_list_after_one_of_and_a_colon_keeps_its_fallback() -> None:
    text = (
        "Detect the intent of the request below. Answer with one of: play_music, "
        "set_alarm, weather, unknown.\n\nRequest: {{request}}\n"
    )
    labels = of(text).label_set
    assert labels is not None and labels.labels[-1] == "unknown"
    assert of(text).fallback_label == "unknown"
    assert "PW302" not in codes(text)


def test_a_rating_scale_is_a_label_set_of_numbers() -> None:
    text = (
        "You are a strict judge. After reading the answer below, rate it on a scale of "
        "1 to 4.\n\n{{answer}}\n"
    )
    profile_ = of(text)
    assert profile_.label_set is not None
    assert profile_.label_set.labels == ("1", "2", "3", "4")
    assert "PW302" in codes(text) and "PW304" not in codes(text)


def test_a_delimited_list_is_a_stated_output_format() -> None:
    text = "Extract every city named in the text below, comma-separated.\n\n{{text}}\n"
    assert of(text).output_format is not None
    assert "PW304" not in codes(text)


def test_labels_after_the_word_for_them_and_a_colon_are_a_label_set() -> None:
    text = (
        "The moods the diary app knows: calm, tense, joyful.\n\n"
        "Entry: slept well, long walk\nCategory: calm\n\nEntry: {{entry}}\nCategory:\n"
    )
    assert "PW304" in codes(text)  # "moods" is not a word for labels
    text = text.replace("The moods the diary app knows", "The labels the diary app uses")
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("calm", "tense", "joyful")
    assert "PW304" not in codes(text)


@pytest.mark.parametrize(
    ("options", "labels"),
    [
        (
            "(A) The reply covers every point of the reference.\n"
            "(B) The reply misses a point.\n(C) The reply contradicts it.\n",
            ("a", "b", "c"),
        ),
        (
            '  "Same": both recipes give the same dish.\n'
            '  "Different": they give different dishes.\n',
            ("same", "different"),
        ),
    ],
)
def test_options_listed_one_per_line_are_a_label_set(options: str, labels: tuple[str, ...]) -> None:
    text = (
        "Compare the reply below with the reference recipe. Answer by choosing one of the "
        "following options:\n" + options + "\nReply: {{reply}}\n"
    )
    found = of(text).label_set
    assert found is not None and found.labels == labels
    assert "PW304" not in codes(text)


def test_plain_list_items_after_the_following_are_no_label_set() -> None:
    text = (
        "Decide whether the reply below is polite. Check one of the following:\n"
        "- the greeting\n- the closing\n\nReply: {{reply}}\n"
    )
    assert of(text).label_set is None


@pytest.mark.parametrize(
    "text",
    [
        "Here is a recipe: {{recipe}}\nIs it vegan? Answer yes or no.\n",
        "Is the claim below true or false?\n\n{{claim}}\n",
        "Output 1 if the review below mentions the price, otherwise output 0.\n\n{{review}}\n",
        "Which of the following teams should handle this request: sales, support or legal?\n\n"
        "Request: {{request}}\n",
        "Read the message and decide which intent it expresses. The intent must be one of: "
        "greet, order, other.\n\nMessage: {{message}}\n",
    ],
)
def test_a_closed_answer_is_a_stated_output_format(text: str) -> None:
    assert of(text).output_format is not None
    assert "PW304" not in codes(text)


def test_bulleted_labels_under_a_line_naming_them_are_a_label_set() -> None:
    text = (
        "Categories:\n- Billing: payments and refunds\n- Shipping: parcels and tracking\n"
        "- Other: anything else\n\nAssign the ticket to the best matching category.\n\n"
        "Ticket: {{ticket}}\n"
    )
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("billing", "shipping", "other")
    assert not {"PW304", "PW302"} & codes(text)
    # Bullets under another heading are facts, not labels.
    facts = "Product:\n- Name: kettle\n- Price: 20\n\nDescribe the product for the shop.\n"
    assert of(facts).label_set is None


@pytest.mark.parametrize(
    "shape",
    [
        'Reply like this: {"dates": ["<date 1>", "<date 2>"]}\n',
        'Reply like this:\n\n```\n{\n  "dates": ["<date 1>"]\n}\n```\n',
    ],
)
def test_a_json_shape_written_out_is_a_stated_output_format(shape: str) -> None:
    text = "Extract the dates from the letter below. " + shape + "\n{{letter}}\n"
    assert of(text).output_format is not None
    assert "PW304" not in codes(text)
    # The shape is a template, not a worked example: PW101 still asks for one.
    assert "PW101" in codes(text)


def test_returning_the_items_as_a_list_is_a_stated_output_format() -> None:
    text = "Find every city named in the paragraph and return them as a list.\n\n{{p}}\n"
    assert "PW304" not in codes(text)


def test_a_query_language_named_in_the_task_is_its_output_format() -> None:
    text = "Write a SQL query that answers the question below.\n\nQuestion: {{question}}\n"
    assert "PW304" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Extract the invoice total. Give the answer in the form 'Total: <number>'.\n\n{{i}}\n",
        "Convert the notes below into a report with the following sections: Summary, "
        "Decisions, Actions.\n\n{{notes}}\n",
    ],
)
def test_a_stated_form_or_named_sections_are_an_output_format(text: str) -> None:
    assert "PW304" not in codes(text)


def test_a_request_in_the_form_of_a_question_states_no_format() -> None:
    text = "Sort the request, which may come in the form of a question, into a queue.\n"
    assert of(text).output_format is None


# ------------------------------------------- dev extension, 2026-12-06 (issue 14)


def test_nothing_but_the_result_is_a_stated_output_format() -> None:
    text = (
        "Turn the recipe below into metric units. Reply with nothing but the converted "
        "recipe.\n\n{{recipe}}\n"
    )
    assert of(text).output_format is not None
    assert "PW304" not in codes(text)


@pytest.mark.parametrize("variable", ["{genres}", "{{ genres }}", "{$genres}"])
def test_a_label_list_filled_in_from_a_variable_is_a_stated_format(variable: str) -> None:
    text = (
        f"Allowed labels: {variable}\nLabel the film plot below with the genre it fits best."
        "\n\n{plot}\n"
    )
    profile_ = of(text)
    assert profile_.kind.value == "classification"
    assert profile_.output_format is not None
    assert profile_.label_set is None  # its labels are unknown until run time
    assert not {"PW304", "PW302"} & codes(text)


def test_a_variable_that_is_not_the_label_list_states_no_format() -> None:
    text = "Label the film plot below with the genre it fits best.\n\nPlot: {plot}\n"
    assert of(text).output_format is None


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        (
            "For each step give a verdict of `ok` if the step follows from the one before "
            "and `broken` if it does not.",
            ("ok", "broken"),
        ),
        (
            "For each step you must return the verdict as 1 if it follows from the one "
            "before or 0 if it does not.",
            ("1", "0"),
        ),
        (
            'Return the verdict as "yes" when the step follows, otherwise "no".',
            ("yes", "no"),
        ),
    ],
)
def test_one_answer_per_condition_in_one_sentence_is_a_label_set(
    sentence: str, labels: tuple[str, ...]
) -> None:
    text = f"Check the proof below step by step. {sentence}\n\nProof:\n{{{{proof}}}}\n"
    profile_ = of(text)
    assert profile_.label_set is not None and profile_.label_set.labels == labels
    findings = analyze_text(text, "prompt.txt", Settings(preview=True)).findings
    fallback = [f for f in findings if f.code == "PW302"]
    assert fallback, "a closed verdict with no way out"
    # No "(or unknown if ...)" pasted after a condition: the labels are no list.
    assert not fallback[0].fixes


def test_an_answer_for_a_condition_needs_a_second_one_to_make_a_label_set() -> None:
    text = (
        "Check the proof below step by step. Return the verdict as 1 if every step "
        "follows.\n\nProof:\n{{proof}}\n"
    )
    assert of(text).label_set is None


def test_options_after_a_blank_line_with_a_gloss_are_a_label_set() -> None:
    text = (
        "Sort each review below into one of the following categories:\n\n"
        "- POS (positive): the reviewer recommends the product,\n"
        "- NEG (negative): the reviewer warns against it.\n\n"
        "Review: {{review}}\n"
    )
    profile_ = of(text)
    assert profile_.label_set is not None and profile_.label_set.labels == ("pos", "neg")
    assert "PW302" in codes(text)


def test_or_not_ends_a_question_it_does_not_list_labels() -> None:
    text = (
        "Classify if each line below is attributable to the source or not. "
        "Answer with one of: traced, untraced.\n\n{{lines}}\n"
    )
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("traced", "untraced")


def test_quoted_labels_with_a_gloss_in_parentheses_are_a_label_set() -> None:
    text = (
        "Read each claim below and classify it. Use only 'Supported' (1) or 'Unsupported' "
        "(0) as the verdict.\n\n{{claims}}\n"
    )
    labels = of(text).label_set
    assert labels is not None and labels.labels == ("supported", "unsupported")
    assert "PW302" in codes(text)


def test_a_choice_between_actions_is_a_label_set() -> None:
    text = (
        "You review pull requests. Read the diff below and decide whether to approve or "
        "block the change.\n\n{{diff}}\n"
    )
    profile_ = of(text)
    assert profile_.kind.value == "classification"
    assert profile_.label_set is not None and profile_.label_set.labels == ("approve", "block")


def test_a_question_offering_its_answers_is_a_label_set() -> None:
    text = "Here is a support ticket. Is the intent urgent or routine?\n{{ticket}}\n"
    profile_ = of(text)
    assert profile_.label_set is not None and profile_.label_set.labels == ("urgent", "routine")
    assert profile_.output_format is not None  # the answers are named
    assert "PW302" in codes(text) and "PW304" not in codes(text)
    # A question that names no answers states no output format.
    text = "Here is a support ticket. Does it need an answer today?\n{{ticket}}\n"
    assert of(text).label_set is None and of(text).output_format is None


def test_each_item_on_a_new_line_is_a_stated_output_format() -> None:
    text = (
        "Pull out the ingredients from the recipe below. Write each ingredient on a new "
        "line, followed by its amount.\n\n{{recipe}}\n"
    )
    assert of(text).output_format is not None
    assert "PW304" not in codes(text)
