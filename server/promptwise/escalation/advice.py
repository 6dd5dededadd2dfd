"""The advice: keep prompting, or escalate to RAG or fine-tuning, and whether the data exists.

It encodes the decision model of DESIGN.md. A case that keeps failing is
first a prompt problem: below ``escalation.iteration_threshold`` distinct
failing versions the advice is to put that case into the prompt (as a
worked example, or as an explicit rule). At the threshold, what the case
is about decides: knowledge failures call for retrieval, behaviour failures
(format, style) for fine-tuning, with structured output named first for
format; other kinds stay prompt problems. Fewer than
``escalation.min_experiments`` logged experiments (prompt versions) make any escalation
premature, and fine-tuning without enough labeled examples starts with
collecting them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from promptwise.config import EscalationSettings
from promptwise.escalation.breakeven import MEASURABLE_EXAMPLES, PRODUCTION_EXAMPLES
from promptwise.escalation.categories import PromptShape, Remedy
from promptwise.escalation.history import CaseHistory, PromptHistory


class Verdict(str, Enum):
    CLEAN = "clean"  # nothing fails in the latest version
    KEEP_PROMPTING = "keep-prompting"  # failures, none past the threshold
    PREMATURE = "premature"  # past the threshold, but too few experiments logged
    ESCALATE = "escalate"


class Readiness(str, Enum):
    COLLECT = "collect-data-first"
    MEASURABLE = "measurable-gain"
    PRODUCTION = "production"


@dataclass(frozen=True)
class DataReadiness:
    """Labeled examples available for fine-tuning, against what the method asks for."""

    in_logs: int
    in_dataset: int | None
    dataset: str | None
    level: Readiness

    @property
    def total(self) -> int:
        return self.in_logs + (self.in_dataset or 0)

    def sentence(self) -> str:
        have = f"{self.in_logs:,} labeled example{'s' if self.in_logs != 1 else ''} in the logs"
        if self.dataset is not None:
            count = "an unknown number" if self.in_dataset is None else f"{self.in_dataset:,}"
            have += f" and {count} in `{self.dataset}`"
        low, high = MEASURABLE_EXAMPLES
        plow, phigh = PRODUCTION_EXAMPLES
        if self.level is Readiness.COLLECT:
            return (
                f"Collect data first: {have}; fine-tuning needs {low}–{high} for a "
                f"measurable gain and {plow:,}–{phigh:,} for production."
            )
        if self.level is Readiness.MEASURABLE:
            return (
                f"{have.capitalize()}: enough for a measurable gain ({low}–{high}), not yet "
                f"for production ({plow:,}–{phigh:,})."
            )
        return f"{have.capitalize()}: enough for production ({plow:,}–{phigh:,})."


@dataclass(frozen=True)
class CaseAdvice:
    case: CaseHistory
    escalate: bool  # failed in at least `iteration_threshold` versions
    action: str


@dataclass(frozen=True)
class Recommendation:
    remedy: Remedy
    categories: tuple[str, ...]
    cases: tuple[CaseHistory, ...]
    text: str
    first_step: str | None = None  # a cheaper step to try first (structured output)


@dataclass(frozen=True)
class Advice:
    verdict: Verdict
    threshold: int
    min_experiments: int
    experiments: int
    cases: tuple[CaseAdvice, ...]  # one per case failing in the latest version
    recommendations: tuple[Recommendation, ...]
    readiness: DataReadiness
    headline: str  # the verdict in a sentence or two, first thing in every report
    summary: str | None  # one line for a code lens; None when nothing fails

    @property
    def below_threshold(self) -> tuple[CaseAdvice, ...]:
        return tuple(c for c in self.cases if not c.escalate)

    def recommends(self, remedy: Remedy) -> Recommendation | None:
        return next((r for r in self.recommendations if r.remedy is remedy), None)


def readiness(in_logs: int, in_dataset: int | None, dataset: str | None) -> DataReadiness:
    total = in_logs + (in_dataset or 0)
    if total >= PRODUCTION_EXAMPLES[0]:
        level = Readiness.PRODUCTION
    elif total >= MEASURABLE_EXAMPLES[0]:
        level = Readiness.MEASURABLE
    else:
        level = Readiness.COLLECT
    return DataReadiness(in_logs, in_dataset, dataset, level)


def shown(title: str) -> str:
    """A case title that is safe inside a `code span` (log text is never markup)."""
    return " ".join(title.replace("`", "'").split())


def _iterations(cases: tuple[CaseHistory, ...] | list[CaseHistory]) -> str:
    counts = sorted({c.failed_versions for c in cases})
    if not counts:
        return "0 iterations"
    if len(counts) == 1:
        n = counts[0]
        return f"{n} iteration{'s' if n != 1 else ''}"
    return f"{counts[0]}–{counts[-1]} iterations"


def _names(cases: tuple[CaseHistory, ...] | list[CaseHistory], limit: int = 4) -> str:
    names = [f"`{shown(c.title)}`" for c in cases[:limit]]
    if len(cases) > limit:
        names.append(f"{len(cases) - limit} more")
    return ", ".join(names)


def _have(cases: list[CaseHistory]) -> str:
    return "has" if len(cases) == 1 else "have"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def case_action(
    case: CaseHistory, escalate: bool, threshold: int, shape: PromptShape | None = None
) -> str:
    n = case.failed_versions
    if not escalate:
        return (
            f"failing for {n} iteration{'s' if n != 1 else ''}: add it to the prompt as a "
            f"worked example (its input and expected output), or add an explicit rule for "
            f"it; escalation is for cases still failing after {threshold}"
        )
    if case.remedy is Remedy.RAG:
        return f"failing for {n} iterations ({case.category}): retrieve the facts it needs (RAG)"
    if case.remedy is Remedy.FINE_TUNE:
        if shape is not None and not shape.has_examples:
            return (
                f"failing for {n} iterations ({case.category}): first add it to the prompt as "
                "a worked example (the prompt has none), then fine-tune if it still fails"
            )
        first = " after trying structured output / JSON mode" if case.category == "format" else ""
        return f"failing for {n} iterations ({case.category}): fine-tune for it{first}"
    return (
        f"failing for {n} iterations ({case.category}): neither RAG nor fine-tuning fixes "
        f"this kind of failure; rework the prompt (chain-of-thought, guardrails) or try a "
        f"stronger model"
    )


def advise(
    history: PromptHistory,
    settings: EscalationSettings,
    dataset_examples: int | None = None,
    shape: PromptShape | None = None,
) -> Advice:
    """Judge the history. ``shape`` is what the prompt shows: behaviour failures on a
    prompt with no worked example are sent to examples before fine-tuning."""
    threshold = settings.iteration_threshold
    failing = history.persistent
    cases = tuple(
        CaseAdvice(
            c,
            c.failed_versions >= threshold,
            case_action(c, c.failed_versions >= threshold, threshold, shape),
        )
        for c in failing
    )
    ready = readiness(history.labeled_examples, dataset_examples, settings.dataset)
    over = [c.case for c in cases if c.escalate]
    under = [c.case for c in cases if not c.escalate]
    enough = history.experiments >= settings.min_experiments
    recommendations = _recommendations(over, ready, shape) if over and enough else ()
    if not failing:
        verdict = Verdict.CLEAN
    elif not over:
        verdict = Verdict.KEEP_PROMPTING
    elif not enough:
        verdict = Verdict.PREMATURE
    else:
        verdict = Verdict.ESCALATE
    headline = _headline(verdict, history, over, under, recommendations, settings)
    summary = _summary(verdict, over, under, recommendations, settings, history)
    return Advice(
        verdict,
        threshold,
        settings.min_experiments,
        history.experiments,
        cases,
        recommendations,
        ready,
        headline,
        summary,
    )


def _recommendations(
    over: list[CaseHistory], ready: DataReadiness, shape: PromptShape | None = None
) -> tuple[Recommendation, ...]:
    out: list[Recommendation] = []
    knowledge = [c for c in over if c.remedy is Remedy.RAG]
    behaviour = [c for c in over if c.remedy is Remedy.FINE_TUNE]
    other = [c for c in over if c.remedy is Remedy.PROMPT]
    if knowledge:
        out.append(
            Recommendation(
                Remedy.RAG,
                tuple(sorted({c.category for c in knowledge})),
                tuple(knowledge),
                f"Add retrieval (RAG) for knowledge: {_names(knowledge)} "
                f"{_have(knowledge)} failed for {_iterations(knowledge)} because the model lacks "
                "the facts, and prompt edits have not supplied them. Retrieve the source passages "
                "for each call and put them in the prompt, so the facts can change without a new "
                "prompt version.",
            )
        )
    if behaviour:
        kinds = tuple(sorted({c.category for c in behaviour}))
        steps = []
        if shape is not None and not shape.has_examples:
            steps.append(
                f"First, worked examples: the prompt shows none (PW101). Add "
                f"{_names(behaviour)} to it as examples — the input and the expected answer "
                "as the test states it — and run the evals again; fine-tune only if they "
                "still fail."
            )
        if "format" in kinds:
            if shape is not None and not shape.states_format:
                steps.append("State the output format in the prompt; it never does.")
            steps.append(
                "Try structured output (JSON mode, or a response schema the API "
                "enforces): it fixes format failures without training."
            )
        then = "Then fine-tune" if steps else "Fine-tune"
        out.append(
            Recommendation(
                Remedy.FINE_TUNE,
                kinds,
                tuple(behaviour),
                f"{then} for {' and '.join(kinds)}: {_names(behaviour)} {_have(behaviour)} "
                f"failed for {_iterations(behaviour)} of instructions; a fine-tuned model learns "
                f"the behaviour from examples instead. {ready.sentence()}",
                " ".join(steps) or None,
            )
        )
    if other:
        out.append(
            Recommendation(
                Remedy.PROMPT,
                tuple(sorted({c.category for c in other})),
                tuple(other),
                f"{_names(other)} ({', '.join(sorted({c.category for c in other}))}): neither RAG "
                "nor fine-tuning fixes this kind of failure. Break the task into steps, add "
                "chain-of-thought or guardrails, or try a stronger model.",
            )
        )
    return tuple(out)


_REMEDY_WORD = {Remedy.RAG: "RAG", Remedy.FINE_TUNE: "fine-tuning", Remedy.PROMPT: "prompt rework"}


def _headline(
    verdict: Verdict,
    history: PromptHistory,
    over: list[CaseHistory],
    under: list[CaseHistory],
    recommendations: tuple[Recommendation, ...],
    settings: EscalationSettings,
) -> str:
    versions = len(history.versions)
    if verdict is Verdict.CLEAN:
        latest = history.latest
        where = f" (iteration {latest.index})" if latest else ""
        return (
            f"Keep the prompt: every case passes in the latest version{where}; nothing to escalate."
        )
    threshold = settings.iteration_threshold
    if verdict is Verdict.KEEP_PROMPTING:
        return (
            f"Keep prompting: {_plural(len(under), 'case')} failing for "
            f"{_iterations(under)}, below the {threshold}-iteration threshold. Add each "
            "one to the prompt as a worked example or an explicit rule."
        )
    if verdict is Verdict.PREMATURE:
        return (
            f"Too early to escalate: {_plural(len(over), 'case')} "
            f"{'has' if len(over) == 1 else 'have'} failed for {_iterations(over)}, but "
            f"only {history.experiments:,} experiments (prompt versions) are logged and "
            f"`escalation.min_experiments` is {settings.min_experiments} (the rule of thumb "
            "is 50–100). Keep prompting and log every run."
        )
    parts = []
    for rec in recommendations:
        kinds = ", ".join(rec.categories)
        word = _REMEDY_WORD[rec.remedy]
        if rec.first_step and rec.first_step.startswith("First, worked examples"):
            word = "worked examples first, then fine-tuning"
        parts.append(f"{word} for {kinds}")
    text = (
        f"Escalate: {_plural(len(over), 'case')} still failing after "
        f"{_iterations(over)} (threshold {threshold}, {versions} versions logged) — "
        + "; ".join(parts)
        + "."
    )
    if under:
        text += (
            f" {_plural(len(under), 'other case')} below the threshold: add "
            f"{'it' if len(under) == 1 else 'them'} to the prompt."
        )
    return text


def _summary(
    verdict: Verdict,
    over: list[CaseHistory],
    under: list[CaseHistory],
    recommendations: tuple[Recommendation, ...],
    settings: EscalationSettings,
    history: PromptHistory,
) -> str | None:
    if verdict is Verdict.CLEAN:
        return None
    if verdict is Verdict.KEEP_PROMPTING:
        return (
            f"{_plural(len(under), 'case')} failing for {_iterations(under)} — add "
            f"{'it' if len(under) == 1 else 'them'} to the prompt as an example or a rule "
            f"(escalate at {settings.iteration_threshold})"
        )
    if verdict is Verdict.PREMATURE:
        return (
            f"{_plural(len(over), 'case')} failing for {_iterations(over)} — only "
            f"{history.experiments} experiments logged, log {settings.min_experiments}+ "
            "before escalating"
        )
    arrows = []
    for rec in recommendations:
        action = {
            Remedy.RAG: "consider RAG",
            Remedy.FINE_TUNE: "consider fine-tuning",
            Remedy.PROMPT: "rework the prompt",
        }[rec.remedy]
        if rec.first_step and rec.first_step.startswith("First, worked examples"):
            action = "add worked examples, then consider fine-tuning"
        arrows.append(f"{'/'.join(rec.categories)} → {action}")
    text = f"{_plural(len(over), 'case')} failing for {_iterations(over)} — " + "; ".join(arrows)
    if under:
        text += f" (+{len(under)} below threshold)"
    return text
