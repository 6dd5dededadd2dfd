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


# ---------------------------------------------------- what is not an example


def test_labels_alone_between_template_tags_are_not_worked_examples() -> None:
    text = (
        "{{ question }}\nIs this question answerable from the text alone?\n"
        "{% if answerable %}\nYes\n{% else %}\nNo\n{% endif %}\n"
    )
    assert of(text).examples == ()


def test_a_sample_written_with_numbered_stand_ins_is_a_template() -> None:
    text = (
        "Extract every product named in the text below. Write each on its own line, "
        "like this:\n'''\nProduct1: price of Product1\nProduct2: price of Product2\n'''\n\n"
        "Text: {{ text }}\n"
    )
    found = of(text)
    assert found.kind is TaskKind.EXTRACTION
    assert found.examples == ()
