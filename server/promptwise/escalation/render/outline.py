"""The report's content, once, as blocks every output format renders its own way.

Text, markdown and HTML say the same things in the same order (verdict
first, then the failing cases and their history, data readiness, the cost
comparison, warnings), so the wording lives here and the renderers only
decide how a heading, a table or a code span looks. Text that comes from a
log is carried as :class:`Code` or plain strings and escaped by each
renderer; nothing from a log is ever emitted as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from promptwise.escalation.advice import Verdict
from promptwise.escalation.breakeven import VOLUMES, BreakEven, OptionCost, Tuned, round_volume
from promptwise.escalation.evidence import PromptEvidence
from promptwise.escalation.history import CaseHistory, PromptHistory
from promptwise.escalation.records import format_timestamp
from promptwise.pricing.cost import format_usd


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


Inline = str | Code | Strong
Text = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: Text


@dataclass(frozen=True)
class Bullets:
    items: tuple[Text, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    numeric: tuple[int, ...] = ()  # right-aligned columns


@dataclass(frozen=True)
class Chart:
    data: BreakEven


Block = Heading | Para | Bullets | Table | Chart

_CODE_SPAN = re.compile(r"`([^`]*)`")
HISTORY_WIDTH = 40
REPORT_CASES = 200  # cases a report lists; the rest are counted


def more_cases(count: int, kind: str) -> str:
    return (
        f"… and {count:,} more {kind} case{'s' if count != 1 else ''} "
        f"(the {REPORT_CASES} that failed in the most iterations are listed)."
    )


def inline(text: str) -> Text:
    """A sentence with `code` spans, split into pieces (advice texts use backticks)."""
    out: list[Inline] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        if m.start() > pos:
            out.append(text[pos : m.start()])
        out.append(Code(m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return tuple(out)


def plain(text: Text) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in text)


def one_line(text: str | None, limit: int = 120) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def history_strip(case: CaseHistory) -> str:
    """✗ failed, ✓ passed, · not run, one mark per version (the latest at the right)."""
    marks = "".join("·" if s is None else ("✓" if s else "✗") for s in case.statuses)
    if len(marks) > HISTORY_WIDTH:
        marks = "…" + marks[-(HISTORY_WIDTH - 1) :]
    return marks


def _version(history: PromptHistory, index: int | None) -> str:
    if index is None:
        return ""
    version = history.versions[index - 1]
    when = format_timestamp(version.timestamp)
    return f"iteration {version.index}" + (f" ({when})" if when else "")


def verdict_blocks(ev: PromptEvidence) -> list[Block]:
    advice = ev.advice
    blocks: list[Block] = [Para((Strong(advice.headline),))]
    items: list[Text] = []
    for rec in advice.recommendations:
        if rec.first_step:
            items.append(inline(rec.first_step))
        items.append(inline(rec.text))
    if advice.verdict in (Verdict.KEEP_PROMPTING, Verdict.PREMATURE):
        for case in advice.cases:
            items.append((Code(case.case.title), ": " + case.action))
    elif advice.below_threshold:
        for case in advice.below_threshold:
            items.append((Code(case.case.title), ": " + case.action))
    if items:
        blocks.append(Bullets(tuple(items)))
    return blocks


def _facts(ev: PromptEvidence) -> Para:
    history = ev.history
    parts: list[Inline] = []
    if history.versions:
        first, last = history.versions[0], history.versions[-1]
        span = f"{len(history.versions)} version{'s' if len(history.versions) != 1 else ''} logged"
        start, end = format_timestamp(first.timestamp), format_timestamp(last.timestamp)
        if start and end and start != end:
            span += f" ({start} to {end})"
        parts.append(span + f", {history.results:,} case results. ")
    parts.append(f"Logs tied to this file by {ev.matched_by}; read from ")
    for i, source in enumerate(history.sources[:5]):
        if i:
            parts.append(", ")
        parts.append(Code(source))
    if len(history.sources) > 5:
        parts.append(f" and {len(history.sources) - 5} more")
    parts.append(".")
    if ev.edited_since_last_eval:
        parts.append(
            " The file has changed since its last evaluated version: run the evals "
            "again so the current text counts as an iteration."
        )
    return Para(tuple(parts))


def failing_since(history: PromptHistory, case: CaseHistory) -> str:
    """When the case's current failing streak began: a regression says so."""
    if case.since is None:
        return ""
    when = _version(history, case.since.index)
    return ("regressed at " + when) if case.regressed else when


def case_table(ev: PromptEvidence, cases: tuple[CaseHistory, ...]) -> Table:
    history = ev.history
    rows = []
    for case in cases:
        record = case.latest_failure or case.latest
        since = failing_since(history, case)
        rows.append(
            (
                (Code(case.title),),
                (f"{case.category} ({case.category_source})",),
                (f"{case.failed_versions} of {len(history.versions)}",),
                (since,),
                (targeted(case),),
                (Code(history_strip(case)),),
                (one_line(record.reason) or one_line(record.output),),
            )
        )
    return Table(
        (
            "case",
            "category (from)",
            "failed in",
            "failing since",
            "edits near it",
            "history",
            "latest failure",
        ),
        tuple(rows),
        (2,),
    )


def targeted(case: CaseHistory) -> str:
    """How many of the failing iterations edited prompt lines about the case's subject."""
    if case.targeted is None:
        return "—"
    return f"{case.targeted} of {case.targeted_of}"


def category_reasons(cases: tuple[CaseHistory, ...], limit: int = 20) -> Bullets | None:
    """Why each failing case has its category: the evidence, as a reviewer would weigh it."""
    items: list[Text] = []
    for case in cases[:limit]:
        if case.category_reasons:
            why = "; ".join(case.category_reasons[:4])
            items.append((Code(case.title), f" is {case.category}: ", *inline(why)))
    return Bullets(tuple(items)) if items else None


def fixed_table(ev: PromptEvidence) -> Table:
    history = ev.history
    rows = []
    for case in ev.history.largest(ev.history.resolved, REPORT_CASES):
        fixed = _version(history, case.fixed_at.index if case.fixed_at else None)
        rows.append(
            (
                (Code(case.title),),
                (case.category,),
                (f"{case.failed_versions}",),
                (fixed,),
                (Code(history_strip(case)),),
            )
        )
    return Table(("case", "category", "failed in", "passing since", "history"), tuple(rows), (2,))


def data_blocks(ev: PromptEvidence) -> list[Block]:
    advice = ev.advice
    if advice.experiments < advice.min_experiments:
        mark = f"below `escalation.min_experiments` ({advice.min_experiments}): too early"
    elif advice.experiments < 50:
        mark = "under 50: treat the advice as provisional and keep logging"
    else:
        mark = "enough"
    items: list[Text] = [
        inline(
            f"{advice.experiments:,} experiments (prompt versions with eval results) logged; "
            f"the rule of thumb asks for 50–100 before committing to an escalation ({mark})."
        ),
        inline(advice.readiness.sentence()),
        inline(
            f"Escalation threshold: {advice.threshold} iterations "
            "(`escalation.iteration_threshold`)."
        ),
    ]
    return [Heading(2, "Experiments and data"), Bullets(tuple(items))]


def _cost_row(option: OptionCost, data: BreakEven, how: str = "") -> Text:
    tokens = f"{option.name}: {option.input_tokens:,} input tokens"
    if option.name == "RAG":
        retrieved = option.input_tokens - data.prompt.input_tokens
        tokens += f" ({data.prompt.input_tokens:,} + {retrieved:,} retrieved)"
    if how:
        tokens += f" ({how})"
    row = option.row
    text = (
        f"{tokens} × ${row.input:g}/1M + {option.output_tokens:,} output × "
        f"${row.output:g}/1M = {format_usd(option.per_call)} per call — "
    )
    return (text, *inline(row.describe()))


def _pays(tuned: Tuned, data: BreakEven) -> Text:
    out: list[Inline] = []
    name = Code(tuned.option.model)
    if tuned.vs_prompt is not None:
        out.append("Fine-tuned ")
        out.append(name)
        out.append(": ")
        volume = round_volume(tuned.vs_prompt)
        out.append(
            Strong(
                f"pays above {volume:,} call{'s' if volume != 1 else ''} a day "
                "compared with prompt only"
            )
        )
        out.append(f" ({tuned.vs_prompt:,.0f} exactly)")
        if tuned.vs_rag is not None:
            out.append(f", and above {round_volume(tuned.vs_rag):,} compared with RAG")
    else:
        out.append("Fine-tuned ")
        out.append(name)
        out.append(": ")
        out.append(Strong("never pays on cost against prompt only"))
        out.append(
            " (a tuned call costs no less than a prompt-only call; fine-tune for behaviour, "
            "not to save money)"
        )
        if tuned.vs_rag is not None:
            out.append(f"; against RAG it pays above {round_volume(tuned.vs_rag):,} calls a day")
    top = max(VOLUMES)
    saving = data.prompt.per_day(top) - tuned.option.per_day(top)
    if saving > 0:
        out.append(f"; at {top:,} calls a day it saves {format_usd(saving)} a day")
    if tuned.training.price_per_million is None:
        out.append(" (without training: no published training price)")
    out.append(".")
    return tuple(out)


def cost_blocks(ev: PromptEvidence, *, chart: bool) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Cost: prompt only, RAG or fine-tuned")]
    data = ev.break_even
    if data is None:
        blocks.append(Para(inline(ev.cost_note or "No cost comparison.")))
        return blocks
    header = ["calls per day", "prompt only", "RAG"]
    header += [f"{t.option.name} ({t.option.model})" for t in data.tuned]
    header.append("cheapest")
    rows = []
    for volume in data.volumes:
        label = f"{volume:,}"
        if volume == data.calls_per_day:
            label += " (default `calls_per_day`)" if data.calls_default else " (yours)"
        row: list[Text] = [
            inline(label),
            (format_usd(data.prompt.per_day(volume)),),
            (format_usd(data.rag.per_day(volume)),),
        ]
        for tuned in data.tuned:
            row.append((format_usd(tuned.option.per_day(volume)),))
        cheapest = data.cheapest(volume)
        row.append(
            (
                cheapest.name
                + (f" ({cheapest.model})" if cheapest in [t.option for t in data.tuned] else ""),
            )
        )
        rows.append(tuple(row))
    blocks.append(Table(tuple(header), tuple(rows), tuple(range(0, len(header) - 1))))
    if data.tuned:
        blocks.append(Bullets(tuple(_pays(t, data) for t in data.tuned)))
    if chart:
        blocks.append(Chart(data))
    items: list[Text] = [_cost_row(data.prompt, data), _cost_row(data.rag, data)]
    items += [_cost_row(t.option, data, t.reduced) for t in data.tuned]
    if data.output_basis:
        items.append(
            inline(f"output length: {data.prompt.output_tokens:,} tokens, {data.output_basis}")
        )
    for tuned in data.tuned:
        t = tuned.training
        if t.price_per_million is None:
            items.append(
                inline(
                    f"training `{tuned.option.model}`: no published training price; its "
                    "break-even leaves training out"
                )
            )
            continue
        items.append(
            inline(
                f"training `{tuned.option.model}`: {t.examples:,} examples ({t.examples_basis}) × "
                f"{t.tokens_per_example:,} tokens × {t.epochs} epochs × "
                f"${t.price_per_million:g}/1M = {format_usd(t.cost)}, amortised over "
                f"{t.retrain_days} days = {format_usd(t.per_day)} a day"
            )
        )
    items.append(
        (
            "not priced: retrieval infrastructure and embeddings for RAG, hosting fees "
            "for tuned models, the work of labeling data",
        )
    )
    items.extend(inline(note) for note in data.notes)
    blocks.append(Heading(3, "Where the numbers come from"))
    blocks.append(Bullets(tuple(items)))
    return blocks


def outline(ev: PromptEvidence, *, chart: bool = True) -> list[Block]:
    """The whole report, verdict first."""
    # An editor passes absolute paths; the file name is what a reader needs there.
    name = Path(ev.path).name if Path(ev.path).is_absolute() else ev.path
    blocks: list[Block] = [Heading(1, f"Escalation advice: {name}")]
    blocks.extend(verdict_blocks(ev))
    blocks.append(_facts(ev))
    failing = ev.history.persistent
    if failing:
        blocks.append(Heading(2, "Failing in the latest version"))
        shown_cases = ev.history.largest(failing, REPORT_CASES)
        blocks.append(case_table(ev, shown_cases))
        if len(failing) > len(shown_cases):
            blocks.append(Para((more_cases(len(failing) - len(shown_cases), "failing"),)))
        reasons = category_reasons(shown_cases)
        if reasons is not None:
            blocks.append(reasons)
    if ev.history.resolved:
        blocks.append(Heading(2, "Fixed by prompt iterations"))
        blocks.append(fixed_table(ev))
        if len(ev.history.resolved) > REPORT_CASES:
            extra = len(ev.history.resolved) - REPORT_CASES
            blocks.append(Para((more_cases(extra, "fixed"),)))
    blocks.extend(data_blocks(ev))
    blocks.extend(cost_blocks(ev, chart=chart))
    if ev.warnings:
        blocks.append(Heading(2, "Log warnings"))
        blocks.append(Bullets(tuple((str(w),) for w in ev.warnings[:20])))
        if len(ev.warnings) > 20:
            blocks.append(Para((f"… and {len(ev.warnings) - 20} more kinds of warning.",)))
    return blocks
