"""What each way out costs per day, and where fine-tuning starts to pay.

The options for the same traffic, each priced from one row of the price
table so every number can be traced:

* **prompt only**: the prompt's real token count in, the task's output out
  (the median length of the outputs in the logs when they have any, else the
  file's limit or ``expected_output_tokens``), at the prompt model's prices;
* **RAG**: the same plus ``escalation.rag_context_tokens`` of retrieved text
  in every call (retrieval infrastructure and embeddings are not priced);
* **fine-tuned**: the model that would serve the task once tuned — by
  default the cheapest tunable model of the prompt model's provider that
  fits the context (``escalation.fine_tune_model`` chooses another) — with
  the prompt *reduced* to what remains once examples and rules move into
  training (its first line, the task, and the lines that carry the per-call
  input), plus training = examples x tokens per example x epochs x training
  price, amortised over ``escalation.retrain_days``;
* **fine-tuned, same model**: the prompt's own model tuned, with only its
  few-shot examples removed — the comparison a user asks first.

Fine-tuning has a fixed daily cost and (usually) a lower cost per call, so
it pays above ``fixed / (other per call - tuned per call)`` calls a day; when
the tuned call is not cheaper it never pays on cost alone. A model whose
training price is not published is priced without training, and the report
says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from promptwise.config import EscalationSettings
from promptwise.document.model import PromptDocument, Segment, SegmentKind
from promptwise.pricing.catalogue import PER_MILLION, Catalogue, PriceEntry
from promptwise.tokens.counter import EncodingChoice, TokenCounter, count_document, count_text

VOLUMES = (20_000, 200_000, 2_000_000)
SMALL = "fine-tuned"  # the option name of the model that would serve the task
SAME = "fine-tuned, same model"
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
        if self.fine_tuned:
            parts.append(
                f"training ${self.training:g}/1M"
                if self.training is not None
                else "no published training price"
            )
        where = "bundled price table" if self.origin == "builtin" else self.origin
        source = " ".join(self.source.split())
        cited = f", source {source}" if source else ""
        dated = f", prices as of {self.as_of}" if self.as_of else ""
        return ", ".join(parts) + f" ({where}{cited}{dated})"


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
    price_per_million: float | None  # None: not published, so the cost is left out
    cost: float
    retrain_days: int

    @property
    def per_day(self) -> float:
        return self.cost / self.retrain_days


@dataclass(frozen=True)
class Tuned:
    """One fine-tuned option: its per-call cost, its training, and where it pays."""

    option: OptionCost
    training: Training
    vs_prompt: float | None  # calls/day above which it beats prompt only
    vs_rag: float | None  # ... and beats RAG
    reduced: str  # how its input was reduced, in words


@dataclass(frozen=True)
class BreakEven:
    calls_per_day: int
    prompt: OptionCost
    rag: OptionCost
    fine_tuned: OptionCost | None  # the model that would serve the task, tuned
    training: Training | None
    few_shot_tokens: int  # prompt tokens in few-shot examples, dropped when fine-tuned
    vs_prompt: float | None  # calls/day above which fine-tuned beats prompt only
    vs_rag: float | None  # ... and beats RAG
    notes: tuple[str, ...]
    tuned: tuple[Tuned, ...] = ()  # every tuned option, the one that would serve first
    output_basis: str = ""  # where the output length comes from
    calls_default: bool = False  # calls_per_day is the built-in default, not the user's

    @property
    def volumes(self) -> tuple[int, ...]:
        return tuple(sorted({self.calls_per_day, *VOLUMES}))

    @property
    def options(self) -> tuple[OptionCost, ...]:
        return (self.prompt, self.rag, *(t.option for t in self.tuned))

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


def _fits(entry: PriceEntry, tokens: int) -> bool:
    return entry.context_window <= 0 or tokens <= entry.context_window


def fine_tune_entry(
    catalogue: Catalogue,
    settings: EscalationSettings,
    prompt_entry: PriceEntry,
    tokens: int = 0,
    output_tokens: int = 0,
) -> tuple[PriceEntry | None, str | None]:
    """The tunable model to price fine-tuning on, or a note saying why there is none.

    ``escalation.fine_tune_model`` when set; otherwise the tunable model of the
    prompt model's provider with the cheapest tuned call at these token counts
    that fits the context (the tuned model serves the task, so a small one
    usually does), else the cheapest tunable model of any provider.
    """
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

    def tuned_call(entry: PriceEntry) -> float:
        assert entry.fine_tune is not None
        price = entry.fine_tune
        return per_call(tokens, output_tokens, price.input, price.output)

    tunable = [
        e
        for e in catalogue.entries
        if e.fine_tune is not None
        and _fits(e, tokens + output_tokens)
        and not e.id.startswith("ft:")
    ]
    same = [e for e in tunable if e.provider == prompt_entry.provider]
    pool = same or tunable
    if not pool:
        return None, (
            "no fine-tunable model in the price table fits this prompt: set "
            "`escalation.fine_tune_model` to a model whose price row has `fine_tune` prices"
        )
    best = min(pool, key=lambda e: (tuned_call(e), e.id))
    note = None
    if not same:
        note = (
            f"the price table has no tunable `{prompt_entry.provider}` model; fine-tuning "
            f"priced on `{best.id}`, the cheapest tunable model of any provider"
        )
    return best, note


def reduced_prompt(document: PromptDocument) -> tuple[str, str]:
    """What a tuned model still needs per call, and that in words.

    Examples and rules move into training; what remains is the task (the
    body's first line) and the lines that carry the per-call input (those
    with a template variable). A prompt with no variable keeps everything
    but its examples.
    """
    body = document.text[document.body_span.start :]
    lines = [line for line in body.splitlines() if line.strip()]
    if not lines:
        return "", "empty prompt"
    inputs = [
        line
        for line in lines[1:]
        if any(mark in line for mark in ("{{", "{%", "${", "{$"))
        or re.search(r"\{[A-Za-z_]\w*\}", line)
    ]
    if not inputs and not re.search(r"\{\{|\{[A-Za-z_]\w*\}", lines[0]):
        return "", ""
    kept = [lines[0], *inputs]
    return "\n".join(kept), (
        f"the task line and {len(inputs)} input line{'s' if len(inputs) != 1 else ''}; "
        "examples and rules move into training"
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
    output_basis: str = "",
    calls_default: bool = False,
) -> BreakEven:
    """Price the options for ``document`` on real token counts."""
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
    reduced_text, reduced_words = reduced_prompt(document)
    rough = count_text(reduced_text) if reduced_words else input_tokens
    tuned_entry, note = fine_tune_entry(catalogue, settings, prompt_entry, rough, output_tokens)
    if note:
        notes.append(note)
    tuned: list[Tuned] = []
    few_shot = 0
    if tuned_entry is not None and tuned_entry.fine_tune is not None:
        choice = EncodingChoice(tuned_entry.encoding, tuned_entry.approximate)
        tokens = count_document(document, choice, counter)
        few_shot = sum(tokens.for_segment(s) for s in few_shot_segments(document))
        if reduced_words:
            small_input = count_text(reduced_text, tuned_entry.encoding)
            how = reduced_words
        else:
            small_input = max(tokens.total - few_shot, 0)
            how = "few-shot examples removed"
        tuned.append(
            _tuned(
                SMALL,
                tuned_entry,
                small_input,
                output_tokens,
                how,
                settings,
                labeled_examples,
                prompt,
                rag,
            )
        )
    if prompt_entry.fine_tune is not None and (
        tuned_entry is None or tuned_entry.id != prompt_entry.id or reduced_words
    ):
        choice = EncodingChoice(prompt_entry.encoding, prompt_entry.approximate)
        tokens = count_document(document, choice, counter)
        removed = sum(tokens.for_segment(s) for s in few_shot_segments(document))
        tuned.append(
            _tuned(
                SAME,
                prompt_entry,
                max(tokens.total - removed, 0),
                output_tokens,
                "few-shot examples removed" if removed else "the whole prompt: it has no examples",
                settings,
                labeled_examples,
                prompt,
                rag,
            )
        )
    elif prompt_entry.fine_tune is None:
        notes.append(
            f"`{prompt_entry.id}` itself cannot be fine-tuned at a published price, so there is "
            "no same-model row"
        )
    for option in tuned:
        if option.training.price_per_million is None:
            notes.append(
                f"`{option.option.row.id}` has no published training price: its break-even is "
                "shown without the training cost, so the real one is higher"
            )
    first = tuned[0] if tuned else None
    return BreakEven(
        calls_per_day,
        prompt,
        rag,
        first.option if first else None,
        first.training if first else None,
        few_shot,
        first.vs_prompt if first else None,
        first.vs_rag if first else None,
        tuple(notes),
        tuple(tuned),
        output_basis,
        calls_default,
    )


def _tuned(
    name: str,
    entry: PriceEntry,
    input_tokens: int,
    output_tokens: int,
    how: str,
    settings: EscalationSettings,
    labeled_examples: int,
    prompt: OptionCost,
    rag: OptionCost,
) -> Tuned:
    row = _row(entry, fine_tuned=True)
    examples, basis = _training_examples(labeled_examples)
    per_example = input_tokens + output_tokens
    price = row.training
    cost = examples * per_example * settings.epochs * (price or 0.0) / PER_MILLION
    training = Training(
        examples, basis, per_example, settings.epochs, price, cost, settings.retrain_days
    )
    option = OptionCost(
        name,
        f"ft:{entry.id}",
        input_tokens,
        output_tokens,
        per_call(input_tokens, output_tokens, row.input, row.output),
        training.per_day,
        row,
    )
    return Tuned(
        option,
        training,
        break_even(option.fixed_per_day, prompt.per_call, option.per_call),
        break_even(option.fixed_per_day, rag.per_call, option.per_call),
        how,
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
