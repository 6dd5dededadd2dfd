"""Rule engine: loading, validation, selection, severities, suppressions, structural rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptwise.analysis import analyze_text
from promptwise.config import Settings, apply
from promptwise.errors import RuleFileError
from promptwise.findings import Severity, apply_edits
from promptwise.rules import engine
from promptwise.rules.loader import load_rules, parse_rule
from promptwise.rules.model import builtin_rules_dir
from tests.conftest import EXAMPLES

PROMPTY = """---
model:
  id: gpt-4o
inputs:
  question:
    type: string
  unused_one:
    type: string
---
system:
Answer in at most 2 sentences.

user:
{{ questoin }}
"""


def codes(analysis) -> list[str]:
    return [f.code for f in analysis.findings]


def settings(**values) -> Settings:
    return apply(Settings(), values, "test")


# ---------------------------------------------------------------- loading


def test_builtin_rules_load_and_are_documented() -> None:
    ruleset = load_rules()
    assert len(ruleset.rules) >= 11
    for rule in ruleset.rules:
        assert rule.docs.what and rule.docs.why and rule.docs.example and rule.docs.better
        assert Path(rule.source).parent == builtin_rules_dir()
        assert Path(rule.source).name.startswith(f"{rule.code}-{rule.name}")


BASE_RULE = """id: PW801
name: no-please
severity: info
summary: Politeness words cost tokens
message: "Drop `{match}`"
kind: existence
tokens: [please, kindly]
docs:
  what: Flags politeness.
  why: Tokens.
  example: Please summarise.
  better: Summarise.
"""


@pytest.mark.parametrize(
    ("change", "key", "fragment"),
    [
        (("id: PW801", "id: X801"), "id", "not a rule code"),
        (("name: no-please", "name: No Please"), "name", "kebab-case"),
        (("severity: info", "severity: fatal"), "severity", "unknown severity"),
        (("kind: existence", "kind: magic"), "kind", "unknown matcher kind"),
        (("tokens: [please, kindly]", "patterns: ['(a+)+b']"), "patterns[0]", "nests quantifiers"),
        (
            ("tokens: [please, kindly]", "patterns: ['[unclosed']"),
            "patterns[0]",
            "invalid regular expression",
        ),
        (("kind: existence", "check: budget-exceeded"), "check", "only be declarative"),
        (("kind: existence", "emitted_by: engine"), "emitted_by", "only be declarative"),
        (("  why: Tokens.\n", ""), "docs.why", "missing or empty"),
        (("message:", "mesage:"), "mesage", "unknown key"),
    ],
)
def test_bad_user_rule_names_file_and_key(change: tuple[str, str], key: str, fragment: str) -> None:
    text = BASE_RULE.replace(*change)
    with pytest.raises(RuleFileError) as info:
        parse_rule(text, "/rules/PW801-no-please.yaml", builtin=False)
    assert info.value.key == key, info.value
    assert fragment in str(info.value)
    assert "/rules/PW801-no-please.yaml" in str(info.value)


# ------------------------------------------------------------ one rule, one name


def test_a_check_is_named_like_its_rule_and_lives_alone_in_its_module() -> None:
    import importlib

    from promptwise.rules import checks

    claimed = {}
    for rule in load_rules().rules:
        if rule.check is None:
            continue
        assert rule.check == rule.name, rule.code
        fn = checks.REGISTRY[rule.check]
        assert fn.__module__ == f"promptwise.rules.checks.{rule.name.replace('-', '_')}"
        claimed[rule.check] = rule.code
    orphans = sorted(set(checks.REGISTRY) - set(claimed))
    assert not orphans, f"checks no rule runs: {orphans}"
    # A module named after no check holds helpers only.
    helpers = importlib.import_module("promptwise.rules.checks.scaffold")
    assert not [f for f in checks.REGISTRY.values() if f.__module__ == helpers.__name__]


def test_register_refuses_a_second_check_in_one_module() -> None:
    from promptwise.rules import checks

    before = dict(checks.REGISTRY)

    def another(ctx):  # defined here, in a module named after no check
        return []

    with pytest.raises(ValueError, match="lives alone in the module named after it"):
        checks.register("hedge")(another)
    another.__module__ = "promptwise.rules.checks.single_example"
    with pytest.raises(ValueError, match=r"checks\.hedge"):
        checks.register("hedge")(another)  # single_example.py already holds its check
    assert before == checks.REGISTRY


def test_rules_without_a_check_say_who_emits_them() -> None:
    emitted = {r.code: r.emitted_by for r in load_rules().rules if r.emitted_by}
    assert emitted == {
        "PW000": "document",
        "PW001": "document",
        "PW002": "document",
        "PW007": "engine",
        "PW008": "engine",
        "PW009": "engine",
    }


BUILTIN_CHECK_RULE = """id: PW103
name: example-contradicts-format
severity: warning
summary: An example breaks the format
message: "the example is not JSON"
check: example-format
docs:
  what: a
  why: b
  example: c
  better: d
"""


def test_a_check_named_otherwise_than_its_rule_is_a_load_error() -> None:
    with pytest.raises(RuleFileError) as info:
        parse_rule(BUILTIN_CHECK_RULE, "lint_rules/PW103.yaml", builtin=True)
    assert info.value.key == "check" and "check: example-contradicts-format" in str(info.value)
    with pytest.raises(RuleFileError, match="exactly one of"):
        parse_rule(
            BUILTIN_CHECK_RULE.replace("check: example-format", "emitted_by: engine\nkind: x"),
            "lint_rules/PW103.yaml",
            builtin=True,
        )
    with pytest.raises(RuleFileError) as info:
        parse_rule(
            BUILTIN_CHECK_RULE.replace("check: example-format", "emitted_by: parser"),
            "lint_rules/PW103.yaml",
            builtin=True,
        )
    assert info.value.key == "emitted_by"


# ------------------------------------------------------------------ messages


def _builtin_text(code: str) -> tuple[str, str]:
    [path] = builtin_rules_dir().glob(f"{code}-*.yaml")
    return path.read_text(encoding="utf-8"), str(path)


def test_a_checks_wording_is_changed_in_its_rule_file_alone() -> None:
    from promptwise.rules.loader import RuleSet

    text, source = _builtin_text("PW004")
    reworded = text.replace(
        'message: "input `{variable}` is declared but never used in the template"',
        'message: "nothing in the template reads `{variable}`"',
    )
    assert reworded != text
    rules = RuleSet(
        tuple(
            parse_rule(reworded, source, builtin=True) if r.code == "PW004" else r
            for r in load_rules().rules
        )
    )
    result = analyze_text(PROMPTY, "q.prompty", Settings(), rules=rules)
    messages = sorted(f.message for f in result.findings if f.code == "PW004")
    assert messages == [
        "nothing in the template reads `question`",
        "nothing in the template reads `unused_one`",
    ]


@pytest.mark.parametrize(
    ("code", "change", "key", "fragment"),
    [
        (
            "PW004",
            ("{variable}` is declared", "{name}` is declared"),
            "message",
            "unknown placeholder `{name}`; this message can use `{variable}`",
        ),
        ("PW004", ("`{variable}` is declared", "an input is declared"), "message", "never shows"),
        ("PW003", ("  declare: ", "  declared: "), "messages", "missing the message `declare`"),
        ("PW003", ("messages:\n", "messages:\n  other: text\n"), "messages.other", "no finding"),
        ("PW102", ("message: ", "messages:\n  one: "), "messages", "one message; write `message:`"),
        ("PW103", ("messages:\n", "message: x\nmessages:\n"), "messages", "not both"),
        (
            "PW008",
            ("{error}", "{exception}"),
            "messages.crash",
            "unknown placeholder `{exception}`",
        ),
    ],
)
def test_builtin_messages_must_match_what_the_code_fills(
    code: str, change: tuple[str, str], key: str, fragment: str
) -> None:
    text, source = _builtin_text(code)
    changed = text.replace(*change, 1)
    assert changed != text
    with pytest.raises(RuleFileError) as info:
        parse_rule(changed, source, builtin=True)
    assert info.value.key == key and fragment in str(info.value), info.value
    assert source in str(info.value)


def test_user_rule_messages_use_only_the_matchers_placeholders() -> None:
    with pytest.raises(RuleFileError) as info:
        parse_rule(BASE_RULE.replace("Drop `{match}`", "Drop `{word}`"), "/r/x.yaml", builtin=False)
    assert info.value.key == "message" and "`{word}`" in str(info.value)
    # `%s` (as Vale writes it) is the match; double braces are text, not a placeholder.
    rule = parse_rule(
        BASE_RULE.replace("Drop `{match}`", "Drop %s, not {{match}}"), "/r/x.yaml", builtin=False
    )
    from promptwise.rules.loader import RuleSet

    result = analyze_text("Please go.", "a.txt", Settings(), rules=RuleSet((rule,)))
    assert [f.message for f in result.findings] == ["Drop Please, not {{match}}"]


def test_a_value_is_never_read_as_a_placeholder() -> None:
    from promptwise.rules.messages import fill

    assert fill("`{match}` ({count})", {"match": "{count}", "count": "2"}) == "`{count}` (2)"
    assert fill("`{match}` {gap}", {"match": "x"}) == "`x` {gap}"


def test_user_rule_folder(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "PW801-no-please.yaml").write_text(BASE_RULE)
    (tmp_path / "promptwise.yaml").write_text("rule_dirs: [rules]\n")
    from promptwise.config import load_settings

    config = load_settings(tmp_path / "promptwise.yaml")
    result = analyze_text("Please summarise the text, kindly.\n", str(tmp_path / "a.txt"), config)
    hits = [f for f in result.findings if f.code == "PW801"]
    assert [result.document.text[f.span.start : f.span.end] for f in hits] == ["Please", "kindly"]
    assert hits[0].message == "Drop `Please`" and hits[0].severity is Severity.INFO


def test_user_rule_cannot_take_a_builtin_code(tmp_path: Path) -> None:
    (tmp_path / "PW003-mine.yaml").write_text(
        BASE_RULE.replace("PW801", "PW003").replace("no-please", "mine")
    )
    with pytest.raises(RuleFileError, match="built-in rule code"):
        load_rules([tmp_path])


# -------------------------------------------------------------- structural


def test_undefined_and_unused_variables() -> None:
    result = analyze_text(PROMPTY, "q.prompty", Settings())
    undefined = [f for f in result.findings if f.code == "PW003"]
    assert len(undefined) == 1
    assert result.document.text[undefined[0].span.start : undefined[0].span.end] == "questoin"
    assert "did you mean `question`" in undefined[0].message
    assert undefined[0].related and undefined[0].related[0].span is not None
    unused = {
        result.document.text[f.span.start : f.span.end]
        for f in result.findings
        if f.code == "PW004"
    }
    assert unused == {"question", "unused_one"}


def test_dotprompt_without_schema_does_not_require_declarations() -> None:
    result = analyze_text(
        "---\nmodel: gemini-2.5-flash\n---\nHi {{name}}\n", "a.prompt", Settings()
    )
    assert "PW003" not in codes(result)


def test_template_error_is_reported_with_exact_range() -> None:
    text = "---\nmodel: gemini-2.5-flash\n---\n{{#if premium}}\nUpgrade.\n"
    result = analyze_text(text, "a.prompt", Settings())
    [finding] = [f for f in result.findings if f.code == "PW002"]
    assert text[finding.span.start : finding.span.end] == "{{#if premium}}"
    assert finding.severity is Severity.ERROR


def test_empty_messages() -> None:
    result = analyze_text(
        "---\nmodel:\n  id: gpt-4o\n---\nsystem:\nBe terse.\n\nuser:\n\n", "e.prompty", Settings()
    )
    [finding] = [f for f in result.findings if f.code == "PW005"]
    assert result.document.text[finding.span.start : finding.span.end] == "user:"
    chat = analyze_text('{"messages": [{"role": "user", "content": ""}]}', "c.json", Settings())
    assert "PW005" in codes(chat)


def test_unknown_model_and_suggestion() -> None:
    text = "---\nmodel: gpt-4o-turbo-max\n---\nHello\n"
    result = analyze_text(text, "m.prompt", Settings())
    [finding] = [f for f in result.findings if f.code == "PW501"]
    assert text[finding.span.start : finding.span.end] == "gpt-4o-turbo-max"
    assert "not in the price table" in finding.message and result.cost is None


@pytest.mark.parametrize(
    ("name", "text", "model"),
    [
        ("reviewer.agent.md", "---\nname: reviewer\nmodel: inherit\n---\nReview the diff.\n",
         "inherit"),
        ("plan.prompt.md", "---\nmodel: Auto (copilot)\n---\nPlan the change.\n",
         "Auto (copilot)"),
        ("claims.prompty",
         "---\nmodel:\n  configuration:\n    azure_deployment: ${env:AZURE_OPENAI_DEPLOYMENT}\n"
         "---\nsystem:\nRoute the claim.\n", "${env:AZURE_OPENAI_DEPLOYMENT}"),
        ("claims.prompty",
         "---\nmodel:\n  configuration:\n    azure_deployment: <your-deployment>\n"
         "---\nsystem:\nRoute the claim.\n", "<your-deployment>"),
    ],
)  # fmt: skip
def test_a_model_chosen_when_the_prompt_runs_is_one_quiet_note(
    name: str, text: str, model: str
) -> None:
    result = analyze_text(text, name, Settings())
    [finding] = [f for f in result.findings if f.code == "PW501"]
    assert finding.severity is Severity.INFO
    assert text[finding.span.start : finding.span.end] == model
    assert "no price" in finding.message and "not in the price table" not in finding.message
    assert result.cost is None
    # A severity the user gives the rule still wins.
    loud = analyze_text(text, name, settings(severity={"PW501": "warning"}))
    assert [f.severity for f in loud.findings if f.code == "PW501"] == [Severity.WARNING]


def test_context_window_overflow() -> None:
    text = "---\nmodel:\n  id: gpt-4o\n  options:\n    maxOutputTokens: 200000\n---\nsystem:\nHi\n"
    result = analyze_text(text, "o.prompty", Settings())
    [finding] = [f for f in result.findings if f.code == "PW502"]
    assert (
        "context window" in finding.message
        and text[finding.span.start : finding.span.end] == "gpt-4o"
    )


def test_budget() -> None:
    over = settings(
        budget={"max_tokens": 3, "max_cost_per_call": 0.0000001, "max_cost_per_day": 0.0000001}
    )
    result = analyze_text("Summarise the following text in two sentences.", "b.txt", over)
    messages = [f.message for f in result.findings if f.code == "PW503"]
    assert len(messages) == 3
    assert any("budget.max_tokens" in m for m in messages)
    assert not [f for f in analyze_text("Hi", "b.txt", Settings()).findings if f.code == "PW503"]


# ---------------------------------------------------------------- selection


def test_select_ignore_most_specific_wins() -> None:
    ruleset = load_rules()
    rule = ruleset.get("PW003")
    assert engine.is_enabled(rule, Settings())
    assert not engine.is_enabled(rule, settings(ignore=["PW0"]))
    assert engine.is_enabled(rule, settings(ignore=["PW0"], select=["PW003"]))
    assert not engine.is_enabled(rule, settings(select=["PW5"]))
    assert engine.is_enabled(rule, settings(select=["PW5"], extend_select=["PW00"]))


def test_severity_override_by_prefix() -> None:
    result = analyze_text(PROMPTY, "q.prompty", settings(severity={"PW0": "info", "PW003": "hint"}))
    found = {f.code: f.severity for f in result.findings}
    assert found["PW003"] is Severity.HINT and found["PW004"] is Severity.INFO


def test_per_file_ignores(tmp_path: Path) -> None:
    config = settings(per_file_ignores={"legacy/*.prompty": ["PW003"]})
    config = config.replace(root=str(tmp_path))
    ignored = analyze_text(PROMPTY, str(tmp_path / "legacy" / "q.prompty"), config)
    kept = analyze_text(PROMPTY, str(tmp_path / "new" / "q.prompty"), config)
    assert "PW003" not in codes(ignored) and "PW003" in codes(kept)


# -------------------------------------------------------------- suppression


def test_suppression_comments_per_format() -> None:
    jinja = PROMPTY.replace("{{ questoin }}", "{{ questoin }} {# promptwise: disable-line=PW003 #}")
    assert "PW003" not in codes(analyze_text(jinja, "q.prompty", Settings()))
    hbs = (
        "---\nmodel: gemini-2.5-flash\ninput:\n  schema:\n    a: string\n---\n"
        "{{! promptwise: disable-next-line=PW003 }}\n{{b}} {{a}}\n"
    )
    assert "PW003" not in codes(analyze_text(hbs, "a.prompt", Settings()))
    whole = PROMPTY.replace("system:\n", "system:\n{# promptwise: disable=PW0 #}\n")
    result = analyze_text(whole, "q.prompty", Settings())
    assert not [c for c in codes(result) if c.startswith("PW00")]


def test_suppression_only_covers_its_line() -> None:
    text = PROMPTY.replace("system:\n", "system: \n{# promptwise: disable-line=PW003 #}\n")
    assert "PW003" in codes(analyze_text(text, "q.prompty", Settings()))


def test_unused_and_unknown_suppressions_are_reported_with_a_fix() -> None:
    text = "<!-- promptwise: disable=PW003 -->\n# Title\n\nDo the task.\n"
    result = analyze_text(text, "AGENTS.md", Settings())
    [finding] = [f for f in result.findings if f.code == "PW007"]
    assert "unused" in finding.message
    assert apply_edits(text, finding.fix.edits) == "# Title\n\nDo the task.\n"
    unknown = analyze_text("<!-- promptwise: disable=PW777 -->\nHi\n", "AGENTS.md", Settings())
    assert any("not a rule code" in f.message for f in unknown.findings if f.code == "PW007")


def test_a_crashing_rule_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptwise.rules import checks

    def boom(ctx):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(checks.REGISTRY, "empty-message", boom)
    result = analyze_text(PROMPTY, "q.prompty", Settings())
    assert "PW003" in codes(result)  # other rules still ran
    [failure] = [f for f in result.findings if f.code == "PW008"]
    assert "PW005" in failure.message and "kaboom" in failure.message


def test_a_hit_naming_a_message_its_rule_lacks_fails_that_rule_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from promptwise.rules import checks
    from promptwise.rules.checks import Hit, first_body_line

    def misworded(ctx):
        return [Hit(first_body_line(ctx.document), {"role": "user"}, "no-such-message")]

    monkeypatch.setitem(checks.REGISTRY, "empty-message", misworded)
    result = analyze_text(PROMPTY, "q.prompty", Settings())
    assert "PW003" in codes(result) and "PW005" not in codes(result)
    [failure] = [f for f in result.findings if f.code == "PW008"]
    assert "PW005" in failure.message and "no-such-message" in failure.message


def test_examples_analyse_without_internal_errors() -> None:
    for path in sorted(EXAMPLES.iterdir()):
        if path.name == "promptwise.yaml":
            continue
        result = analyze_text(path.read_text(), str(path), Settings())
        assert "PW008" not in codes(result), path
        assert result.tokens.total > 0
