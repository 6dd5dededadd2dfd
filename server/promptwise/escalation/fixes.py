"""Quick fixes for a case that keeps failing: show it to the model, or state a rule for it.

Below the iteration threshold the method says the failing case belongs in
the prompt. Two edits do that, both in the prompt format's own idiom
(placement comes from :mod:`promptwise.rules.checks.scaffold`, which every
"add text" fix shares):

* the case as a worked example, after the prompt's last example in the
  same shape (an ``<example>`` block, an ``Input:``/``Output:`` pair, a
  ``user:``/``assistant:`` turn pair), or as a new ``<examples>`` block;
  its input comes from the log and its output is the expected output as the
  test states it (its reference answer, or the value of its one
  answer-stating check: ``icontains: negative`` gives ``negative``), else a
  placeholder that states what the checks require;
* an explicit rule built from the case's failing checks ("the answer must
  include ...", "never write ...").

Log text is inserted as data: snippet metacharacters are escaped, and both
fixes are unsafe (offered one at a time, for review).
"""

from __future__ import annotations

import re

from promptwise.document.model import PromptDocument, PromptFormat
from promptwise.document.text import Span
from promptwise.escalation.history import CaseHistory
from promptwise.escalation.records import Assertion, EvalRecord
from promptwise.findings import Fix, TextEdit
from promptwise.rules import judgements
from promptwise.rules.checks.scaffold import examples_edit, rule_edit

_EXAMPLE_BLOCK = re.compile(r"<examples>.*</examples>", re.S)
_TAGGED = re.compile(r"\s*<(example[\w-]*)\b[^<>]*>", re.I)
_SPEAKER_LINE = re.compile(r"^[ \t]*([A-Za-z][\w ]{0,23}?)[ \t]*:", re.M)


def escape_snippet(text: str) -> str:
    r"""Log text inside snippet syntax: ``$``, ``}`` and ``\`` are literal."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _quote(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return '"' + flat.replace('"', "'") + '"'


def _requirement(assertion: Assertion) -> str | None:
    kind = assertion.type.lower()
    value = assertion.value
    shown = _quote(value, 80) if value else None
    if kind in ("contains", "icontains") and shown:
        return f"must include {shown}"
    if kind in ("contains-all", "icontains-all", "contains-any", "icontains-any") and shown:
        return f"must include {shown}"
    if kind in ("not-contains", "not-icontains") and shown:
        return f"must never include {shown}"
    if kind in ("is-json", "contains-json"):
        return "must be valid JSON, with no text around it"
    if kind in ("is-xml", "contains-xml"):
        return "must be well-formed XML"
    if kind == "equals" and shown:
        return f"must be exactly {shown}"
    if kind == "starts-with" and shown:
        return f"must start with {shown}"
    if kind == "regex" and value:
        return f"must match the pattern `{value[:80]}`"
    if kind in ("llm-rubric", "g-eval", "model-graded-closedqa") and value:
        return f"must meet this requirement: {value[:160]}"
    if kind == "is-refusal":
        return "must decline the request"
    return None


def _global_rule(assertion: Assertion) -> str | None:
    """A check that holds for every reply whatever the input: a banned phrase, a format."""
    kind = assertion.type.lower()
    if kind in ("not-contains", "not-icontains") and assertion.value:
        return f"Never write {_quote(assertion.value, 80)} in a reply."
    if kind in ("is-json", "contains-json"):
        return "Reply with valid JSON only, with no text before or after it."
    if kind in ("is-xml", "contains-xml"):
        return "Reply with well-formed XML only."
    return None


def requirements(record: EvalRecord) -> list[str]:
    """What the case's failing checks ask of the output, in words."""
    failing = [a for a in record.assertions if a.passed is False] or list(record.assertions)
    out = []
    for assertion in failing:
        phrase = _requirement(assertion)
        if phrase and phrase not in out:
            out.append(phrase)
    return out


def _is_empty(record: EvalRecord) -> bool:
    if record.variables:
        return all(not v.strip() for _, v in record.variables)
    return record.input is not None and not record.input.strip()


def _input_words(record: EvalRecord) -> str:
    if _is_empty(record):
        name = record.variables[0][0] if len(record.variables) == 1 else "input"
        return f"If the {name} is empty"
    if record.input:
        return f"When the input is {_quote(record.input)}"
    return f"For case {_quote(record.display)}"


def rule_sentence(case: CaseHistory) -> str:
    """An explicit rule for the case, in snippet syntax (a placeholder where words are missing)."""
    record = case.latest_failure or case.latest
    failing = [a for a in record.assertions if a.passed is False] or list(record.assertions)
    rules = [_global_rule(a) for a in failing]
    if failing and all(rules) and not _is_empty(record):
        # A ban or a format applies to every reply, not only to this case's input.
        return escape_snippet(" ".join(dict.fromkeys(r for r in rules if r)))
    needs = requirements(record)
    if needs:
        return escape_snippet(f"{_input_words(record)}, the reply " + " and ".join(needs) + ".")
    if record.expected:
        return escape_snippet(f"{_input_words(record)}, reply with {_quote(record.expected)}.")
    return escape_snippet(f"{_input_words(record)}, ") + "${1:say what the reply must do}."


_STATES_ANSWER = ("equals", "contains", "icontains", "starts-with")


def stated_answer(record: EvalRecord) -> str | None:
    """The expected output as the test states it: its reference answer, else the value
    of its one answer-stating check (`icontains: negative` expects `negative`)."""
    if record.expected and record.expected.strip():
        return record.expected.strip()
    failing = [a for a in record.assertions if a.passed is False] or list(record.assertions)
    stating = [a for a in failing if a.type.lower() in _STATES_ANSWER and a.value]
    if len(stating) == 1 and len(failing) == 1:
        value = (stating[0].value or "").strip()
        if value and "\n" not in value and len(value) <= 200:
            return value
    return None


def _expected_text(record: EvalRecord, placeholder: int) -> str:
    if record.expected and record.expected.strip():
        return escape_snippet(record.expected.strip())
    answer = stated_answer(record)
    if answer:  # the check's value, selected so a fuller answer can be typed over it
        return f"${{{placeholder}:{escape_snippet(answer)}}}"
    needs = requirements(record)
    hint = ("an answer that " + " and ".join(needs)) if needs else "the exact expected output"
    return f"${{{placeholder}:{escape_snippet(hint)}}}"


def _input_text(record: EvalRecord) -> str:
    if _is_empty(record):
        return '""'
    return escape_snippet((record.input or record.display).strip())


def _field_names(
    doc: PromptDocument,
    profile: judgements.TaskProfile,
    record: EvalRecord,
    last: judgements.WorkedExample | None,
) -> tuple[str, str]:
    if last is not None:
        names = [
            m.group(1).strip()
            for m in _SPEAKER_LINE.finditer(doc.text, last.span.start, last.span.end)
        ]
        if len(names) >= 2 and names[0].lower() != names[-1].lower():
            return names[0], names[-1]
    if profile.input_slot is not None:
        return profile.input_slot
    if len(record.variables) == 1:
        return record.variables[0][0].replace("_", " ").capitalize(), "Answer"
    return "Input", "Output"


def example_fix(doc: PromptDocument, case: CaseHistory) -> Fix | None:
    """Insert the case as a worked example, in the prompt's own example idiom."""
    if doc.format is PromptFormat.CHAT:
        return None  # edits inside escaped JSON/YAML strings are not offered
    record = case.latest
    profile = judgements.profile(doc)
    examples = [e for e in profile.examples if e.source in ("block", "pair", "turn")]
    last = examples[-1] if examples else None
    given, wanted = _field_names(
        doc, profile, record, last if last and last.source != "turn" else None
    )
    pair = f"{given}: {_input_text(record)}\n{wanted}: {_expected_text(record, 1)}"
    title = f"Add case `{case.title}` to the prompt as a worked example"
    text = doc.text
    if last is not None and last.source in ("block", "pair"):
        at = last.span.end
        tag = _TAGGED.match(text, last.span.start)
        if tag is not None:
            name = tag.group(1)
            new = f"\n<{name}>\n{pair}\n</{name}>"
        else:
            new = f"\n\n{pair}"
        return Fix(title, (TextEdit(Span(at, at), new, snippet=True),))
    scaffold = examples_edit(doc, profile)
    if scaffold is None:
        return None
    if scaffold.new_text.startswith("user:"):
        turns = f"user:\n{_input_text(record)}\n\nassistant:\n{_expected_text(record, 1)}\n\n"
        return Fix(title, (TextEdit(scaffold.span, turns, snippet=True),))
    block = f"<examples>\n<example>\n{pair}\n</example>\n</examples>"
    new_text = _EXAMPLE_BLOCK.sub(lambda _: block, scaffold.new_text, count=1)
    return Fix(title, (TextEdit(scaffold.span, new_text, snippet=True),))


def rule_fix(doc: PromptDocument, case: CaseHistory) -> Fix | None:
    """Add an explicit rule for the case where the prompt states its rules."""
    edit = rule_edit(doc, judgements.profile(doc), rule_sentence(case))
    if edit is None:
        return None
    return Fix(f"Add a rule for case `{case.title}` to the prompt", (edit,))
