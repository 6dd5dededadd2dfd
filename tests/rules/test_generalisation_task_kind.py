"""Task kind on prompts nobody tuned for (issue 14): the patterns that misled it.

Each case is a minimal prompt in our own words standing for one error
pattern seen across real prompt files: a persona that hid the task, a
classification stated after its category list, yes/no decisions, few-shot
blocks whose answers are labels, a format produced *from* input, a
conversion into a named genre, and rubric lines or placeholder templates
taken for worked examples.
"""

from __future__ import annotations

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.rules.judgements import TaskKind, TaskProfile, profile

STRUCTURED = (TaskKind.CLASSIFICATION, TaskKind.EXTRACTION, TaskKind.TRANSFORMATION)


def of(text: str, path: str = "prompt.txt") -> TaskProfile:
    return profile(parse_document(text, path))


def kind_and_need(text: str) -> tuple[TaskKind, bool]:
    """The task kind read, and whether it calls for worked examples."""
    found = of(text)
    return found.kind, found.needs_examples


def codes(text: str, path: str = "prompt.txt") -> set[str]:
    return {f.code for f in analyze_text(text, path, Settings(preview=True)).findings}


# -------------------------------------------------- a persona hides the task


def test_a_persona_does_not_hide_a_task_stated_a_few_sentences_later() -> None:
    text = (
        "You are a seasoned interpreter who has worked for embassies.\n"
        "You care about nuance and idiom.\n"
        "You have lived in four countries.\n"
        "Your clients are lawyers, doctors and engineers.\n"
        "Translate the following letter from {{source}} into a formal business memo.\n"
    )
    assert of(text).kind is TaskKind.TRANSFORMATION


def test_a_persona_system_turn_does_not_hide_the_task_in_the_user_turn() -> None:
    background = "You have edited technical manuals and novels for many publishers.\n" * 30
    text = (
        "---\nname: t\nmodel:\n  id: gpt-4o\n---\n"
        "system:\nYou are a careful bilingual editor.\n" + background + "\n"
        "user:\nTranslate the following text from {{a}} to {{b}}: {{text}}\n"
    )
    assert of(text, "t.prompty").kind is TaskKind.TRANSFORMATION


def test_a_second_person_statement_of_the_task_is_a_task_statement() -> None:
    assert of("You extract the city names from the input.\n").kind is TaskKind.EXTRACTION
    assert of("You sort incoming mail into spam or ham.\n").kind is TaskKind.CLASSIFICATION


def test_guiding_the_user_is_an_agent_task_whatever_its_steps_extract() -> None:
    text = (
        "Guide the user through writing a release note.\n\n"
        "## Gather\n\nExtract the merged changes from the history and group them.\n"
    )
    assert of(text, "release.prompt.md").kind is TaskKind.AGENT
    assert "PW101" not in codes(text, "release.prompt.md")


# ------------------------------------------------------ classification forms


def test_a_classify_sentence_after_a_long_category_list() -> None:
    categories = "".join(f"- topic{i}: questions about area number {i}\n" for i in range(60))
    text = (
        "Support categories:\n\n"
        + categories
        + "\nClassify the message below into one of these categories.\n\nMessage: {{m}}\n"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION


@pytest.mark.parametrize(
    "text",
    [
        "You review contracts. Determine whether the clause below is enforceable.\n",
        "Does the reply below answer the question? Answer yes or no.\n\n{{reply}}\n",
        "Read the claim below and respond with only true or false.\n\n{{claim}}\n",
    ],
)
def test_yes_no_decisions_are_classifications(text: str) -> None:
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_q_and_a_pairs_whose_answers_are_labels_make_a_classifier() -> None:
    text = (
        "Q: The soup was cold and the waiter ignored us.\nA: negative\n\n"
        "Q: Best pancakes in town.\nA: positive\n\n"
        "Q: {{review}}\nA:\n"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION


# ------------------------------------------------- formats made from input


def test_generating_a_json_object_from_input_is_a_conversion_needing_examples() -> None:
    profile_ = of("Generate a JSON object from the invoice text below.\n\n{{invoice}}\n")
    assert profile_.kind in (TaskKind.EXTRACTION, TaskKind.TRANSFORMATION)
    assert profile_.needs_examples


def test_generating_freely_is_still_generation() -> None:
    assert of("Generate a short story about a lighthouse keeper.\n").kind is TaskKind.GENERATION


def test_a_conversion_into_a_named_genre_needs_examples() -> None:
    assert of("Turn the dictated notes below into a discharge summary.\n").needs_examples
    assert of("Rewrite the paragraph below into a press release.\n").needs_examples
    # A language is an obvious target; it needs no example.
    assert not of("Translate the paragraph below into Portuguese.\n").needs_examples


# --------------------------------------------- what is not a worked example


def test_a_rubric_line_is_not_a_worked_example() -> None:
    text = (
        "Grade the essay below against each criterion.\n"
        "Examples: (yes/no) Does the essay state a thesis in the first paragraph?\n\n"
        "{{essay}}\n"
    )
    assert of(text).examples == ()


def test_a_placeholder_template_is_not_a_worked_example() -> None:
    text = (
        "Label each sentence as literal or figurative.\n\n"
        "Q: <sentence>\nA: literal\n\nQ: {{sentence}}\nA:\n"
    )
    assert of(text).examples == ()


def test_a_line_in_capitals_is_a_title_not_a_task_statement() -> None:
    text = (
        "Keep the model catalogue of this repository current.\n\n"
        "1. EXTRACT THE RELEASE NOTES\n\nOpen the vendor pages and read them.\n"
    )
    assert of(text, "catalogue.prompt").kind is not TaskKind.EXTRACTION


def test_a_score_for_each_condition_is_a_closed_answer_set() -> None:
    text = (
        "You are a strict grader of answers.\n"
        "Respond with 3, if the answer matches the reference.\n"
        "Respond with 0, if it does not.\n\n{{answer}}\n"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_exchanges_whose_fields_sit_on_their_own_lines_are_worked_examples() -> None:
    text = (
        "Decide if the dish sounds vegetarian. Use only yes or no as the verdict.\n\n"
        "Text:\nMushroom risotto\nAnswer:\nyes\n\n"
        "Text:\nBeef stew\nAnswer:\nno\n\n"
        "Text:\n{{dish}}\nAnswer:\n"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION
    assert len(of(text).examples) == 2


def test_a_field_judged_then_a_verdict_field_make_one_exchange() -> None:
    text = (
        "Decide whether the output is polite.\n\n"
        "Output:\nThanks so much for waiting!\nResponse:\nyes\n\n"
        "Output:\n{{output}}\nResponse:\n"
    )
    [example] = of(text).examples
    assert example.output is not None


def test_an_example_lead_in_with_a_name_introduces_a_sample() -> None:
    text = (
        "Extract the three scores from the review below.\n\n"
        "EXAMPLE CHART for scores 7, 5 and 9:\n\nTaste  [------7---]\n"
        "Price  [----5-----]\nService [--------9-]\n\n{{review}}\n"
    )
    assert len(of(text).examples) == 1


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Read the review below and classify it as praise or complaint.\n", "classification"),
        ("Go through the transcript and then extract every date it names.\n", "extraction"),
        ("Look at the message below and translate it into Welsh.\n", "transformation"),
    ],
)
def test_reading_the_input_first_does_not_hide_the_task_verb(text: str, kind: str) -> None:
    assert of(text).kind is TaskKind(kind)


def test_a_persona_that_does_the_task_names_the_task() -> None:
    text = "You are a helper that extracts invoice numbers, dates and totals from e-mails.\n"
    assert of(text).kind is TaskKind.EXTRACTION
    text = "You are a service that classifies bug reports by component.\n"
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_a_json_object_as_the_answer_of_an_exchange_is_a_worked_example() -> None:
    text = (
        "Classify the message below as billing or delivery.\n\n"
        'Message: Where is my parcel?\nAnswer:\n{"category": "delivery"}\n\n'
        "Message: {{message}}\nAnswer:\n"
    )
    assert len(of(text).examples) == 1


def test_a_clause_opening_with_after_still_states_the_task() -> None:
    text = "You are a fair judge. After you read the essay, rate its clarity from 1 to 5.\n"
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_a_writers_persona_is_not_turned_into_its_preparatory_step() -> None:
    text = (
        "You are a speech writer. I will describe an event and you will draft a toast.\n"
        "Extract the names of the hosts from my description first.\n"
    )
    assert of(text).kind is TaskKind.AGENT
    assert "PW101" not in codes(text)


# ------------------------------------------- personas that name a conversion


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "I want you to act as a translator. I will send you notes in any language and "
            "you will put them into Italian.\n",
            "transformation",
        ),
        (
            "I want you to act as a proofreader for my blog posts. Reply with the fixed text.\n",
            "transformation",
        ),
        (
            "I want you to act as a sentiment analyser. I will paste product reviews and you "
            "will tell me how each one feels.\n",
            "classification",
        ),
        (
            "You are a bot that scans a chat log and extracts every booking reference.\n",
            "extraction",
        ),
    ],
)
def test_a_persona_naming_a_structured_trade_states_the_kind(text: str, kind: str) -> None:
    assert of(text).kind is TaskKind(kind)


def test_the_users_part_first_does_not_hide_the_models_verb() -> None:
    text = (
        "You are a helpful librarian with a love of old maps.\n"
        "I will paste a catalogue page and you will list every place name mentioned in it.\n"
    )
    assert of(text).kind is TaskKind.EXTRACTION


@pytest.mark.parametrize(
    "text",
    [
        "Here is a tenant's message: {{message}}\nWhat is the intent of this message?\n",
        "Which of these categories best fits the bug report: web, mobile, backend?\n\n{{report}}\n",
    ],
)
def test_a_classification_asked_as_a_question(text: str) -> None:
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_a_source_named_with_an_adjective_is_still_the_input() -> None:
    text = "Your task is to find the drug names from the provided transcript.\n\n{{note}}\n"
    assert of(text).kind is TaskKind.EXTRACTION


# ------------------------------------------ coding guidance, not a task on input


@pytest.mark.parametrize(
    "line",
    [
        "- Extract shared validation into a separate helper function.",
        "- Extract reusable logic into composables.",
        "- Label every form field and icon button.",
        "- Tag each release with its version number.",
    ],
)
def test_coding_guidance_with_a_task_verb_is_not_a_structured_task(line: str) -> None:
    text = f"You are an expert in Go and PostgreSQL.\n\n{line}\n- Prefer small packages.\n"
    assert of(text, "rules.md").kind not in STRUCTURED
    assert not {"PW101", "PW304"} & codes(text, "rules.md")


@pytest.mark.parametrize(
    "line",
    [
        "First determine whether you need a full reindex or a partial one.",
        "Check if the cache was warm before the slow request.",
    ],
)
def test_a_step_deciding_about_the_situation_is_not_a_classification(line: str) -> None:
    text = f"Speed up the nightly import job.\n\n{line}\n"
    assert of(text).kind is not TaskKind.CLASSIFICATION


def test_a_markdown_procedure_that_runs_commands_is_an_agents() -> None:
    text = (
        "# Archive old invoices\n\n"
        "Extract the invoice numbers from the ledger export.\n\n"
        "```bash\nledger export --year 2024 > out.csv\n```\n"
    )
    assert of(text, "archive.prompt.md").kind is TaskKind.AGENT
    # The same words as a plain prompt with its input are an extraction.
    assert of("Extract the invoice numbers from the ledger export.\n\n{{export}}\n").kind is (
        TaskKind.EXTRACTION
    )


def test_a_skill_granted_tools_is_an_agents_procedure() -> None:
    """Frontmatter that grants tools makes the body the steps of an agent: its
    "determine whether the fault is in A, B or C" is a diagnosis it runs, not
    a label the prompt returns."""
    body = (
        "# Slow builds\n\n"
        "First determine whether the delay comes from the cache, the network or the compiler.\n"
    )
    granted = "---\nname: slow-builds\nallowed-tools:\n  - Read\n  - Grep\n---\n" + body
    assert of(granted, "SKILL.md").kind is TaskKind.AGENT
    assert not {"PW101", "PW304"} & codes(granted, "SKILL.md")
    # Without the grant, and with no command in it, the same steps read as before.
    plain = "---\nname: slow-builds\n---\n" + body
    assert of(plain, "SKILL.md").kind is TaskKind.CLASSIFICATION


# --------------------------------------------------- what is not a worked example


def test_numbered_stand_ins_are_a_shape_not_a_worked_example() -> None:
    text = (
        "Find the drug names in the text below. Return them comma separated, for example "
        '"drug1, drug2". Return "none" if there are none.\n\n{{text}}\n'
    )
    assert of(text).examples == ()
    assert "PW101" in codes(text)
    # A real sample next to the same words still counts.
    text = text.replace('"drug1, drug2"', '"aspirin, ibuprofen"')
    assert len(of(text).examples) == 1


def test_rewording_into_the_same_kind_of_thing_needs_no_examples() -> None:
    text = (
        "Rephrase the user's last question into a standalone query, using the history.\n\n"
        "{{history}}\n{{question}}\n"
    )
    assert of(text).kind is TaskKind.TRANSFORMATION
    assert not of(text).needs_examples


def test_a_quoted_sample_with_a_hole_to_fill_is_a_template() -> None:
    text = (
        'Extract each deadline from the contract below, e.g. "Payment is due on [date] '
        'to [party]".\n\n{{contract}}\n'
    )
    assert of(text).examples == ()
    assert "PW101" in codes(text)
    # A filled gauge in brackets is a sample, not a hole.
    text = 'Rate the risk of the plan below, e.g. "Risk [---7------] high".\n\n{{plan}}\n'
    assert len(of(text).examples) == 1


def test_extracting_a_summary_genre_is_summarising() -> None:
    assert of("You extract minutes from a recorded call.\n\n{{call}}\n").kind is (
        TaskKind.SUMMARIZATION
    )
    assert of("Extract the dates from the recorded call.\n\n{{call}}\n").kind is (
        TaskKind.EXTRACTION
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Simplify the paragraph below for a ten-year-old.\n\n{{p}}\n", "transformation"),
        ("Correct the following sentences.\n\n{{s}}\n", "transformation"),
        ("Format these addresses as a table.\n\n{{a}}\n", "transformation"),
        ("What category does this expense belong to?\n\n{{expense}}\n", "classification"),
    ],
)
def test_more_ways_of_stating_a_structured_task(text: str, kind: str) -> None:
    assert of(text).kind is TaskKind(kind)


def test_improving_code_is_not_editing_prose() -> None:
    assert of("Improve the function below.\n\n{{code}}\n").kind is not TaskKind.TRANSFORMATION


def test_extracting_the_answer_to_a_question_is_answering() -> None:
    text = "Extract the answer to the question from the notes below.\n\n{{notes}}\n{{q}}\n"
    assert of(text).kind is TaskKind.QA
    assert not {"PW101", "PW304"} & codes(text)


def test_a_finding_followed_by_a_written_reply_is_a_step() -> None:
    text = (
        "You are the help desk of a library. Identify the reader's problem from the message "
        "and suggest what to do.\n\n{{message}}\n"
    )
    assert of(text).kind not in STRUCTURED
    # Explaining a verdict is part of the verdict.
    text = "Decide whether the review below is sarcastic and explain why.\n\n{{review}}\n"
    assert of(text).kind is TaskKind.CLASSIFICATION


def test_a_conversion_target_is_read_in_its_own_sentence() -> None:
    text = (
        "I want you to act as a translator into Danish. Reply with the translation only. "
        "Keep the tone of the original.\n"
    )
    assert of(text).kind is TaskKind.TRANSFORMATION
    assert not of(text).needs_examples
    assert of("Convert the notes below into a YAML file.\n\n{{notes}}\n").needs_examples


@pytest.mark.parametrize(
    "text",
    [
        "Format the output as a numbered list.\n\nWrite five names for a bakery.\n",
        "Greet the visitor. Ask: what topic would you like to learn about today?\n",
    ],
)
def test_a_format_instruction_or_a_question_for_the_user_states_no_structured_task(
    text: str,
) -> None:
    assert of(text).kind not in STRUCTURED


# ------------------------------------- more ways of asking for one of a few labels


@pytest.mark.parametrize(
    "text",
    [
        "Sort the tickets for our help desk.\n\nAssign the ticket to the best matching "
        "category.\n\nTicket: {{ticket}}\n",
        "Which of the following teams should handle this request: sales, support or legal?\n\n"
        "Request: {{request}}\n",
        "Read the message and decide which intent it expresses.\n\nMessage: {{message}}\n",
        "Choose the single best label for the headline below.\n\nHeadline: {{headline}}\n",
    ],
)
def test_choosing_a_bucket_however_worded_is_a_classification(text: str) -> None:
    assert of(text).kind is TaskKind.CLASSIFICATION


@pytest.mark.parametrize(
    "text",
    [
        "Is the claim below true or false?\n\n{{claim}}\n",
        "Output 1 if the review below mentions the price, otherwise output 0.\n\n{{review}}\n",
        'Respond with either "approve" or "reject" for the expense claim below.\n\n{{claim}}\n',
    ],
)
def test_a_closed_answer_stated_as_a_question_a_condition_or_quoted_choices(text: str) -> None:
    assert of(text).kind is TaskKind.CLASSIFICATION


@pytest.mark.parametrize(
    "text",
    [
        "Ticket: {{ticket}}\n\nThe department must be one of: billing, shipping, returns, other.\n",
        "Intents:\n\n- greet: the user says hello\n- order: the user wants to buy\n"
        "- other: anything else\n\nUser: {{message}}\nIntent:\n",
    ],
)
def test_a_declared_set_of_answers_without_a_task_verb_is_a_classification(text: str) -> None:
    assert of(text).kind is TaskKind.CLASSIFICATION


@pytest.mark.parametrize(
    "text",
    [
        "Which of the following is your favourite colour? Tell me a story about it.\n",
        "Choose a category name for the new blog section about gardening.\n",
        # A loose lead-in counts as a label list only once a verb says "classify".
        'Do not start the reply with filler, e.g. "Sure thing". Start with the count.\n',
        "Which of the following would you like to change first?\n",
    ],
)
def test_questions_and_choices_that_are_not_a_labelling_task(text: str) -> None:
    assert of(text).kind is not TaskKind.CLASSIFICATION


@pytest.mark.parametrize(
    "text",
    [
        "Create a JSON object representing the contact details found in the signature "
        "block below.\n\n{{signature}}\n",
        "Given the resume below, produce a JSON document listing the candidate's employers."
        "\n\n{{resume}}\n",
    ],
)
def test_a_data_format_written_from_named_input_is_a_conversion(text: str) -> None:
    assert kind_and_need(text) == (TaskKind.TRANSFORMATION, True)


@pytest.mark.parametrize(
    "text",
    [
        "Write a Python function that parses the JSON below.\n\n{{json}}\n",
        "Write a table of contents for the document below.\n\n{{doc}}\n",
        "Generate a JSON object with a random user profile for testing.\n",
    ],
)
def test_code_about_a_format_or_a_format_made_from_nothing_is_generation(text: str) -> None:
    assert of(text).kind is TaskKind.GENERATION


def test_a_named_genre_after_as_is_a_conversion_target() -> None:
    assert of("Rewrite the announcement below as a limerick.\n\n{{a}}\n").needs_examples
    # A manner, not a target.
    assert not of("Rewrite the text below as a native speaker would.\n\n{{t}}\n").needs_examples


def test_rubric_lines_with_a_score_range_are_not_worked_examples() -> None:
    text = (
        "Grade the answer on two criteria.\n"
        "Examples: (1-5) Is the answer accurate?\n"
        "Examples: (1-5) Is the answer complete?\n\n"
        "Answer: {{answer}}\n"
    )
    assert of(text).examples == ()


def test_a_persona_whose_background_fills_the_opening_does_not_hide_the_task() -> None:
    background = "".join(
        f"In year {i} you looked after the shop's accounts and learned its customers.\n"
        for i in range(30)
    )
    text = (
        "You are the shop's most trusted assistant.\n" + background + "\n"
        "Sort the e-mail below into one of these queues: orders, refunds, other.\n\n"
        "E-mail: {{email}}\n"
    )
    assert of(text).kind is TaskKind.CLASSIFICATION
    # A writing task stated first keeps it an agent's, whatever comes later.
    text = (
        "You are the shop's most trusted assistant.\n" + background + "\n"
        "Write a friendly reply to the e-mail below.\n"
        "Extract the order number from it first.\n\nE-mail: {{email}}\n"
    )
    assert of(text).kind is TaskKind.AGENT


# ----------------------------------------- worked examples in more layouts


def test_turns_written_as_role_headings_are_worked_examples() -> None:
    text = (
        "# system:\nSort the question into billing or technical.\n\n"
        "# user:\nI was charged twice.\n# assistant:\nbilling\n\n"
        "# user:\n{{question}}\n"
    )
    assert len(of(text, "sort.jinja2").examples) == 1
    assert "PW101" not in codes(text, "sort.jinja2")


def test_filled_exchanges_mirroring_the_open_one_are_worked_examples() -> None:
    text = (
        "Pull the dish names out of the order below.\n\n"
        "Order: Two pad thai and a green curry, please.\n"
        'Dishes: ["pad thai", "green curry"]\n\n'
        "Order: {{order}}\nDishes:\n"
    )
    [example] = of(text).examples
    assert example.output is not None
    assert "PW101" not in codes(text)
    # The same shape with holes is a template, not a worked example.
    text = text.replace("Two pad thai and a green curry, please.", "<the order>")
    assert of(text).examples == ()


def test_items_paired_with_the_declared_labels_are_worked_examples() -> None:
    text = "Classify each word as animal or plant.\n\nfox: animal\nfern -> plant\n\n{{words}}\n"
    assert len(of(text).examples) == 2
    assert "PW101" not in codes(text)
    # A line that names the label first defines it; it is not an example.
    text = (
        "Classify each word as animal or plant.\n\n- animal: moves on its own\n"
        "- plant: grows in soil\n\n{{words}}\n"
    )
    assert of(text).examples == ()


def test_filled_lines_under_a_this_format_lead_are_a_sample() -> None:
    text = (
        "Extract the meeting details from the e-mail.\n\nReturn the result in this format:\n"
        "Date: 12 March 2024\nTime: 14:00\nPlace: Room 4\n\nE-mail: {{email}}\n"
    )
    assert len(of(text).examples) == 1
    assert "PW101" not in codes(text)
    template = text.replace("12 March 2024", "<date>").replace("Room 4", "<room>")
    assert of(template).examples == ()


def test_an_example_sentence_with_a_few_words_before_its_quote_is_a_sample() -> None:
    text = (
        "Extract the names of all people in the text. For instance, from "
        '"Ana met Bo in Rome" you would return Ana, Bo.\n\n{{text}}\n'
    )
    assert len(of(text).examples) == 1


def test_input_arrow_answer_lines_are_worked_examples_of_a_structured_task() -> None:
    text = (
        "Tag each sentence with its part of the argument.\n\n"
        "We should close the road. -> claim\nTraffic fell where it was closed. -> evidence\n\n"
        "{{sentences}}\n"
    )
    assert len(of(text).examples) == 2
    assert "PW101" not in codes(text)
    template = "Tag each sentence with its role.\n\n<sentence> -> <role>\n<sentence> -> <role>\n"
    assert of(template).examples == ()


def test_identifying_the_language_is_a_classification() -> None:
    assert of("Identify the language of the text below.\n\n{{t}}\n").kind is (
        TaskKind.CLASSIFICATION
    )


def test_label_lines_in_an_agent_file_do_not_make_it_a_classifier() -> None:
    text = (
        "You page the on-call engineer about alerts.\n\n"
        "Disk almost full: High\nCertificate expires next month: Low\nDatabase down: Urgent\n"
    )
    assert of(text, "pager.agent.md").kind is TaskKind.AGENT
    # The same lines as a plain prompt are a few-shot classification.
    assert of(text.replace("You page", "Page"), "pager.txt").kind is TaskKind.CLASSIFICATION


def test_a_long_list_of_bare_categories_then_an_assignment_is_a_classification() -> None:
    categories = "".join(f"- Area {i}\n" for i in range(300))
    text = (
        "Categories:\n"
        + categories
        + "\nAssign the ticket to the best matching category.\n\nTicket: {{t}}\n"
    )
    profile_ = of(text)
    assert profile_.kind is TaskKind.CLASSIFICATION
    assert profile_.label_set is not None and len(profile_.label_set.labels) == 300


def test_a_yes_no_question_put_to_the_user_is_not_a_decision() -> None:
    text = "Ask the user whether to keep going: continue, yes or no?\n"
    assert of(text).kind is not TaskKind.CLASSIFICATION
    assert of("Is the claim below true or false?\n\n{{c}}\n").kind is TaskKind.CLASSIFICATION


# ------------------------------------ round five: naming what the input shows


@pytest.mark.parametrize(
    "text",
    [
        "Look at the attached photo of a bird, say which species is shown in the photo.\n",
        "Study the picture, then tell me what breed of dog is in the picture.\n\n{{image}}\n",
        "Listen to the clip and determine which language is spoken in the recording.\n",
    ],
)
def test_naming_the_one_thing_an_input_shows_is_a_classification(text: str) -> None:
    assert kind_and_need(text) == (TaskKind.CLASSIFICATION, True)


@pytest.mark.parametrize(
    "text",
    [
        # A description of everything in it is open-ended writing.
        "Tell me what is in the picture below.\n\n{{image}}\n",
        # Several things named in it are a list pulled out, not one label.
        "Identify which products are mentioned in the text below.\n\n{{text}}\n",
        # The user is the one asked.
        "Ask the user which language is spoken in the recording.\n",
        # Naming it is a step; the poem is what is asked for.
        "Say which bird is shown in the photo, then write a short poem about it.\n",
    ],
)
def test_describing_an_input_or_listing_what_it_names_is_not_naming_one_label(
    text: str,
) -> None:
    assert of(text).kind is not TaskKind.CLASSIFICATION


# ------------------------------ round five: a summary in a genre or house style


@pytest.mark.parametrize(
    "text",
    [
        "Condense the release notes below into one changelog entry for our weekly digest."
        "\n\n{{notes}}\n",
        "Summarize the incident report in the style of the Ops Bulletin.\n\n{{report}}\n",
        "Sum up the meeting below in our house style.\n\n{{transcript}}\n",
    ],
)
def test_a_summary_into_a_named_genre_or_house_style_needs_examples(text: str) -> None:
    assert kind_and_need(text) == (TaskKind.SUMMARIZATION, True)
    assert "PW101" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Summarize the article below.\n\n{{article}}\n",
        "Summarize the article below into a short bulleted list.\n\n{{article}}\n",
        "Condense the thread below into a 20-word sentence.\n\n{{thread}}\n",
        "Summarize the ticket below into a concise summary for the on-call engineer."
        "\n\n{{ticket}}\n",
    ],
)
def test_a_plain_summary_or_one_sized_in_words_needs_no_examples(text: str) -> None:
    assert kind_and_need(text) == (TaskKind.SUMMARIZATION, False)


def test_a_filled_sample_of_the_summary_genre_is_its_worked_example() -> None:
    text = (
        "Condense the release notes below into one changelog entry.\n\n"
        "Write it in this format:\n"
        "Version: 2.4.1\nHighlights: faster start-up, a fixed crash on empty input\n\n"
        "Notes: {{notes}}\n"
    )
    assert len(of(text).examples) == 1
    assert "PW101" not in codes(text)
