"""What each way out costs per day, and where fine-tuning starts to pay.

Three options for the same traffic, each priced from one row of the price
table so every number can be traced:

* **prompt only**: the prompt's real token count in, the expected output
  out, at the prompt model's prices;
* **RAG**: the same plus ``escalation.rag_context_tokens`` of retrieved text
  in every call (retrieval infrastructure and embeddings are not priced);
* **fine-tuned**: the fine-tunable model (``escalation.fine_tune_model``, else
  the prompt's model when the table has fine-tuning prices for it, else
  :data:`DEFAULT_FINE_TUNE_MODEL`) at its fine-tuned inference prices, with
  the prompt's few-shot examples removed (the tuned model has learned them),
  plus training = examples x tokens per example x epochs x training price,
  amortised over ``escalation.retrain_days``.

Fine-tuning has a fixed daily cost and (usually) a lower cost per call, so
it pays above ``fixed / (other per call - tuned per call)`` calls a day; when
the tuned call is not cheaper it never pays on cost alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from promptwise.config import EscalationSettings
from promptwise.document.model import PromptDocument, Segment, SegmentKind
from promptwise.pricing.catalogue import PER_MILLION, Catalogue, PriceEntry
from promptwise.tokens.counter import EncodingChoice, TokenCounter, count_document

VOLUMES = (20_000, 200_000, 2_000_000)
DEFAULT_FINE_TUNE_MODEL = "gpt-4o-mini"
MEASURABLE_EXAMPLES = (50, 200)
PRODUCTION_EXAMPLES = (500, 5_000)


@dataclass(frozen=True)
class PriceRow:
    """The price-table row a number came from, for the report's footnotes."""

    id: str
    origin: str  # "builtin", a table path, or "config"
    source: str
    as_of: str
    input: float  # USD per 1M tokens, as used
    output: float
    training: float | None = None
    fine_tuned: bool = False

    def describe(self) -> str:
        kind = "fine-tuned " if self.fine_tuned else ""
        parts = [f"`{self.id}` {kind}input ${self.input:g}/1M, output ${self.output:g}/1M"]
        if self.training is not None:
            parts.append(f"training ${self.training:g}/1M")
        where = "bundled price table" if self.origin == "builtin" else self.origin
        dated = f", prices as of {self.as_of}" if self.as_of else ""
        return ", ".join(parts) + f" ({where}{dated})"


@dataclass(frozen=True)
class OptionCost:
    """One option's cost: a per-call part and a fixed daily part."""

    name: str  # "prompt only" | "RAG" | "fine-tuned"
    model: str
    input_tokens: int
    output_tokens: int
    per_call: float
    fixed_per_day: float
    row: PriceRow

    def per_day(self, calls: float) -> float:
        return self.per_call * calls + self.fixed_per_day


@dataclass(frozen=True)
class Training:
    """The one-off training bill and how it was reckoned."""

    examples: int
    examples_basis: str  # where the example count comes from
    tokens_per_example: int
    epochs: int
    price_per_million: float
    cost: float
    retrain_days: int

    @property
    def per_day(self) -> float:
        return self.cost / self.retrain_days


@dataclass(frozen=True)
class BreakEven:
    calls_per_day: int
    prompt: OptionCost
    rag: OptionCost
    fine_tuned: OptionCost | None
    training: Training | None
    few_shot_tokens: int  # prompt tokens in few-shot examples, dropped when fine-tuned
    vs_prompt: float | None  # calls/day above which fine-tuned beats prompt only
    vs_rag: float | None  # ... and beats RAG
    notes: tuple[str, ...]

    @property
    def volumes(self) -> tuple[int, ...]:
        return tuple(sorted({self.calls_per_day, *VOLUMES}))

    @property
    def options(self) -> tuple[OptionCost, ...]:
        return tuple(o for o in (self.prompt, self.rag, self.fine_tuned) if o is not None)

    def cheapest(self, calls: float) -> OptionCost:
        return min(self.options, key=lambda o: o.per_day(calls))


def _row(entry: PriceEntry, *, fine_tuned: bool = False) -> PriceRow:
    if fine_tuned and entry.fine_tune is not None:
        tuned = entry.fine_tune
        return PriceRow(
            entry.id,
            entry.origin,
            entry.source,
            entry.as_of,
            tuned.input,
            tuned.output,
            tuned.training,
            True,
        )
    return PriceRow(entry.id, entry.origin, entry.source, entry.as_of, entry.input, entry.output)


def per_call(
    input_tokens: int, output_tokens: int, input_price: float, output_price: float
) -> float:
    return (input_tokens * input_price + output_tokens * output_price) / PER_MILLION


def break_even(fixed_per_day: float, other_per_call: float, tuned_per_call: float) -> float | None:
    """Calls per day where the tuned option's fixed cost is paid back; None if never."""
    saving = other_per_call - tuned_per_call
    if saving <= 0:
        return None
    return fixed_per_day / saving


def few_shot_segments(document: PromptDocument) -> list[Segment]:
    """The outermost example segments: what a fine-tuned model no longer needs to be shown."""
    found: list[Segment] = []

    def visit(segment: Segment) -> None:
        if segment.kind is SegmentKind.EXAMPLE:
            found.append(segment)
            return
        for child in segment.children:
            visit(child)

    for segment in document.segments:
        visit(segment)
    return found


def fine_tune_entry(
    catalogue: Catalogue, settings: EscalationSettings, prompt_entry: PriceEntry
) -> tuple[PriceEntry | None, str | None]:
    """The model to price fine-tuning on, or a note saying why there is none."""
    if settings.fine_tune_model:
        entry = catalogue.lookup(settings.fine_tune_model)
        if entry is None:
            return None, (
                f"`escalation.fine_tune_model` `{settings.fine_tune_model}` is not in "
                "the price table"
            )
        if entry.fine_tune is None:
            return None, (
                f"the price table has no fine-tuning prices for `{entry.id}` "
                "(add a `fine_tune` entry to its row)"
            )
        return entry, None
    if prompt_entry.fine_tune is not None:
        return prompt_entry, None
    entry = catalogue.lookup(DEFAULT_FINE_TUNE_MODEL)
    if entry is None or entry.fine_tune is None:
        return None, (
            "no fine-tunable model to price: set `escalation.fine_tune_model` to a "
            "model whose price row has `fine_tune` prices"
        )
    return entry, (
        f"`{prompt_entry.id}` has no fine-tuning prices; fine-tuning priced on "
        f"`{entry.id}` (set `escalation.fine_tune_model` to choose)"
    )


def compute(
    document: PromptDocument,
    *,
    prompt_entry: PriceEntry,
    input_tokens: int,
    output_tokens: int,
    calls_per_day: int,
    settings: EscalationSettings,
    catalogue: Catalogue,
    counter: TokenCounter | None = None,
    labeled_examples: int = 0,
) -> BreakEven:
    """Price the three options for ``document`` on real token counts."""
    notes: list[str] = []
    prompt_row = _row(prompt_entry)
    prompt = OptionCost(
        "prompt only",
        prompt_entry.id,
        input_tokens,
        output_tokens,
        per_call(input_tokens, output_tokens, prompt_row.input, prompt_row.output),
        0.0,
        prompt_row,
    )
    rag_tokens = input_tokens + settings.rag_context_tokens
    rag = OptionCost(
        "RAG",
        prompt_entry.id,
        rag_tokens,
        output_tokens,
        per_call(rag_tokens, output_tokens, prompt_row.input, prompt_row.output),
        0.0,
        prompt_row,
    )
    tuned_entry, note = fine_tune_entry(catalogue, settings, prompt_entry)
    if note:
        notes.append(note)
    fine_tuned = None
    training = None
    few_shot = 0
    if tuned_entry is not None and tuned_entry.fine_tune is not None:
        choice = EncodingChoice(tuned_entry.encoding, tuned_entry.approximate)
        tokens = count_document(document, choice, counter)
        few_shot = sum(tokens.for_segment(s) for s in few_shot_segments(document))
        tuned_input = max(tokens.total - few_shot, 0)
        row = _row(tuned_entry, fine_tuned=True)
        examples, basis = _training_examples(labeled_examples)
        per_example = tuned_input + output_tokens
        cost = examples * per_example * settings.epochs * (row.training or 0.0) / PER_MILLION
        training = Training(
            examples,
            basis,
            per_example,
            settings.epochs,
            row.training or 0.0,
            cost,
            settings.retrain_days,
        )
        fine_tuned = OptionCost(
            "fine-tuned",
            f"ft:{tuned_entry.id}",
            tuned_input,
            output_tokens,
            per_call(tuned_input, output_tokens, row.input, row.output),
            training.per_day,
            row,
        )
    vs_prompt = vs_rag = None
    if fine_tuned is not None:
        vs_prompt = break_even(fine_tuned.fixed_per_day, prompt.per_call, fine_tuned.per_call)
        vs_rag = break_even(fine_tuned.fixed_per_day, rag.per_call, fine_tuned.per_call)
    return BreakEven(
        calls_per_day, prompt, rag, fine_tuned, training, few_shot, vs_prompt, vs_rag, tuple(notes)
    )


def _training_examples(available: int) -> tuple[int, str]:
    floor = PRODUCTION_EXAMPLES[0]
    if available >= floor:
        return available, "the labeled examples available"
    return floor, f"the production minimum; {available:,} labeled examples available now"


def round_volume(value: float) -> int:
    """A break-even volume as people quote it: two significant digits, rounded up."""
    if value <= 0 or not math.isfinite(value):
        return 0
    digits = max(math.floor(math.log10(value)) - 1, 0)
    step = 10**digits
    return int(math.ceil(value / step) * step)
