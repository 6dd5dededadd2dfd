"""Task kind on plain application templates (issue 14, dev extension).

Classification, extraction and conversion templates of LLM applications
state their task in forms the task-kind judgement missed: a system that
"takes Passage as input and classifies it", a task that "identifies and
extracts", a dataset template whose only task is one closed question about
the material it hands over, a score on a scale. Each case is a minimal
prompt in our own words standing for one such form, with its counterpart
that must stay as it was.
"""

from __future__ import annotations

from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskKind, TaskProfile, profile


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


def codes(text: str, path: str = "prompt.txt") -> set[str]:
    return {f.code for f in analyze_text(text, path, Settings(preview=True)).findings}


# ------------------------------------------- receiving the input, then the verb


def test_a_system_that_takes_the_input_and_classifies_it_is_a_classifier() -> None:
    # The persona's sentence is cut by a template value, so its trade is not
    # read; the next sentence states the task after "takes ... as input and".
    text = (
        "You are a careful {{ field }} ticket routing system. "
        "You take Message as input and classify it into one of these queues: {{ queues }}\n\n"
        "Message: {{ message }}\nQueue:"
    )
    found = of(text)
    assert found.kind is TaskKind.CLASSIFICATION
    assert "PW101" in codes(text)


def test_a_task_to_accept_the_input_and_identify_items_in_it_is_an_extraction() -> None:
    text = (
        "You are a precise indexing system. Your task is to accept Text as input "
        "and identify the place names in the Text.\n\nText: {{ text }}\n"
    )
    assert of(text).kind is TaskKind.EXTRACTION


def test_identify_and_extract_names_the_extraction() -> None:
    text = (
        "You are a thorough reader of reports. Your task is to identify and extract "
        "{{ count }} recurring themes from the given report.\n\nReport: {{ report }}\n"
    )
    assert of(text).kind is TaskKind.EXTRACTION
    assert "PW101" in codes(text)


def test_a_summary_system_that_also_lists_points_stays_a_summary() -> None:
    text = (
        "You are a quick {{ field }} digest system. You take Article as input and "
        "summarize the article in about {{ n }} words.\n"
        "Also extract key points from the article.\n\nArticle: {{ article }}\n"
    )
    assert of(text).kind is TaskKind.SUMMARIZATION
    assert "PW101" not in codes(text)


# ----------------------------------------------- a writer whose work converts


def test_a_query_writer_that_converts_a_request_into_sql_is_a_conversion() -> None:
    text = (
        "You are an exact SQL query creator. You take a question in plain words "
        "and convert it into a SQL query.\n\nQuestion: {{ question }}\nSQL:"
    )
    found = of(text)
    assert found.kind is TaskKind.TRANSFORMATION
    assert found.needs_examples


def test_a_storyteller_turning_data_into_narratives_stays_an_agent() -> None:
    text = (
        "You're a seasoned analyst and storyteller.\n"
        "Your mission is to transform raw project data into a compelling narrative "
        "about the people behind it.\n"
    )
    assert of(text).kind is TaskKind.AGENT


# -------------------------------------------------------- verdicts and scales


def test_giving_a_sentiment_from_a_short_list_is_a_classification() -> None:
    text = (
        "Please give a sentiment for this review.\n"
        "Answer with positive, negative or neutral.\nReview: {review}\nAnswer:"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_analysing_whether_a_text_is_one_thing_or_another_is_a_verdict() -> None:
    text = "Analyse whether the comment below is sarcastic or sincere.\n\nComment: {{ c }}\n"
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_a_number_on_a_scale_is_a_rating_whose_scale_is_the_format() -> None:
    text = (
        'Can you give me a number from {{ low }} to {{ high }} that says how urgent the ticket "'
        '{{ ticket }}" is, where {{ low }} means not urgent and {{ high }} means very urgent?'
    )
    found = of(text)
    assert found.kind is TaskKind.CLASSIFICATION
    assert found.output_format is not None
    assert "PW304" not in codes(text)


def test_yes_no_or_a_third_answer_is_a_closed_question() -> None:
    text = '{{ premise }} Does it follow that "{{ claim }}"? Yes, no, or unsure?'
    assert of(text).kind is TaskKind.CLASSIFICATION


# ------------------------------- one closed question about the given material


def test_a_closed_question_about_the_material_is_the_whole_task() -> None:
    text = (
        "First sentence: {{ a }}\nSecond sentence: {{ b }}\n"
        "Question: Does the first sentence mean the same as the second?\n"
    )
    found = of(text)
    assert found.kind is TaskKind.CLASSIFICATION
    assert "PW101" in codes(text)
    assert "PW304" in codes(text)  # nothing says what to answer


def test_a_closed_question_wrapped_around_its_values() -> None:
    text = (
        "Could I swap the phrase\n{{ first }}\nfor the phrase\n{{ second }}\n"
        "and keep the sentence's meaning?\n"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_an_alternative_question_names_its_answers() -> None:
    text = "Is the request below a complaint or a compliment?\n\n{{ request }}\n"
    found = of(text)
    assert found.kind is TaskKind.CLASSIFICATION
    assert found.output_format is not None


def test_a_closed_question_on_a_candidate_value_names_it_by_its_variable() -> None:
    text = "{{ passage }}\nQuestion: {{ question }}\nIs it {{ answer }}?\n"
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_rating_the_input_on_a_described_scale_is_a_classification_with_a_format() -> None:
    text = (
        "What would be the star rating of this comment (1 being the lowest and 5 "
        'being the highest)? "{{ comment }}"\n'
    )
    found = of(text)
    assert found.kind is TaskKind.CLASSIFICATION
    assert found.output_format is not None


def test_a_question_about_the_world_is_not_a_verdict_on_input() -> None:
    assert of("Is it snowing in {{ town }} today?\n").kind is not TaskKind.CLASSIFICATION


def test_a_request_phrased_as_a_question_is_not_a_verdict() -> None:
    text = "Can you look over the text below and tidy it up?\n\n{{ text }}\n"
    assert of(text).kind is not TaskKind.CLASSIFICATION


def test_true_or_false_on_a_question_the_input_supplies_is_question_answering() -> None:
    text = "{{ passage }}\n\nQ: {{ question }}? True or False?\n"
    assert of(text).kind is TaskKind.QA
    assert "PW101" not in codes(text)


def test_asking_for_the_topic_with_no_topics_to_choose_is_not_a_classification() -> None:
    text = "The text below is a memo. What is the topic of this memo?\n\n{{ memo }}\n"
    assert of(text).kind is not TaskKind.CLASSIFICATION


# ---------------------------------------------------- what is not an example


def test_labels_alone_between_template_tags_are_not_worked_examples() -> None:
    text = (
        "{{ question }}\nIs this question answerable from the text alone?\n"
        "{% if answerable %}\nYes\n{% else %}\nNo\n{% endif %}\n"
    )
    found = of(text)
    assert found.examples == ()
    assert "PW101" in codes(text)


def test_a_sample_written_with_numbered_stand_ins_is_a_template() -> None:
    text = (
        "Extract every product named in the text below. Write each on its own line, "
        "like this:\n'''\nProduct1: price of Product1\nProduct2: price of Product2\n'''\n\n"
        "Text: {{ text }}\n"
    )
    found = of(text)
    assert found.kind is TaskKind.EXTRACTION
    assert found.examples == ()
