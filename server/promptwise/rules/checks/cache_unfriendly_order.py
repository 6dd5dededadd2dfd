"""PW504: a template variable comes before a long static part of the prompt."""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptwise.document.model import PromptFormat, TemplateSyntax
from promptwise.document.text import ForwardFind, Span
from promptwise.pricing.cost import format_usd
from promptwise.rules.checks import CheckContext, Hit, register
from promptwise.rules.timed import LazyPattern
from promptwise.tokens.counter import count_pieces, pieces_of, utf8_length

_TEMPLATE_TAG = LazyPattern(
    r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\$\{[^}\n]*\}|(?<!\{)\{[A-Za-z_][\w.\[\]]*(?:![rsa])?"
    r"(?::[^{}\n]*)?\}(?!\})",
    re.S,
)
# The format-string field of ``_TEMPLATE_TAG`` (its other kinds open with
# ``{{``, ``{%``, ``{#`` or ``${``); it never scans past the next brace.
_FORMAT_FIELD = LazyPattern(r"(?<!\{)\{[A-Za-z_][\w.\[\]]*(?:![rsa])?(?::[^{}\n]*)?\}(?!\})")
_TAG_START = LazyPattern(r"[{$]")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def strip_template_tags(text: str) -> str:
    """``_TEMPLATE_TAG.sub("", text)``, in one pass.

    The regex's lazy ``{{.*?}}`` scans to the end of the text for every
    ``{{`` that is never closed: quadratic in a file of open tags. Here each
    closer (and the end of a ``${`` line) is looked for with a forward search
    that remembers its answer, so the text is walked a bounded number of times.
    """
    finder = ForwardFind(text, len(text))
    kept: list[str] = []
    copied = 0
    pos = 0
    while True:
        m = _TAG_START.search(text, pos)
        if m is None:
            break
        i = m.start()
        end = -1
        pair = text[i : i + 2]
        closer = _CLOSERS.get(pair)
        if closer is not None:
            close = finder.find(closer, i + 2)
            end = -1 if close == -1 else close + 2
        elif pair == "${":
            brace, newline = finder.find("}", i + 2), finder.find("\n", i + 2)
            if brace != -1 and (newline == -1 or brace < newline):
                end = brace + 1
        elif pair[:1] == "{":
            field = _FORMAT_FIELD.match(text, i)
            end = field.end() if field else -1
        if end == -1:
            pos = i + 1
            continue
        kept.append(text[copied:i])
        copied = pos = end
    kept.append(text[copied:])
    return "".join(kept)


@register(
    "cache-unfriendly-order",
    variants={
        "no_price": ("tag", "approx", "static_tokens", "cacheable"),
        "with_saving": (
            "tag",
            "approx",
            "static_tokens",
            "cacheable",
            "saving",
            "calls",
            "model",
        ),
    },
)
def cache_unfriendly_order(ctx: CheckContext) -> Iterator[Hit]:
    """Prompt caching reuses the longest identical *prefix* of consecutive
    calls. Everything after the first variable differs per call, so static
    instructions placed after it are paid at the full input price every time."""
    doc = ctx.document
    if doc.syntax is TemplateSyntax.VSCODE:
        # Copilot assembles its own request around a prompt file, so the
        # file's text is never the cached prefix, and nobody pays per call.
        return
    # Providers cache prompt prefixes from 1,024 tokens on (OpenAI, Anthropic,
    # Gemini implicit caching): the rule's `min_cacheable_tokens` option.
    minimum = int(ctx.options["min_cacheable_tokens"])
    body = doc.body_span
    uses = [v for v in doc.used if v.span.start >= body.start]
    if not uses:
        return
    first = min(uses, key=lambda v: v.span.start)
    tag = next(
        (
            t.span
            for t in doc.tags
            if t.span.start <= first.span.start and first.span.end <= t.span.end
        ),
        first.span,
    )
    before: list[str] = []
    after: list[str] = []
    for span, visible in pieces_of(doc):
        if doc.format is PromptFormat.CHAT:
            cut = (
                visible.find(doc.text[tag.start : tag.end])
                if span.start <= tag.start < span.end
                else -1
            )
        else:
            cut = tag.start - span.start if span.start <= tag.start < span.end else -1
        if span.end <= tag.start and cut == -1:
            before.append(visible)
        elif cut != -1:
            before.append(visible[:cut])
            after.append(visible[cut:])
        else:
            after.append(visible)
    encoding = ctx.tokens.encoding
    static_text = strip_template_tags("".join(after))
    if utf8_length(static_text) < minimum:
        return  # fewer bytes than the minimum is fewer tokens: nothing is encoded
    static_after = count_pieces(static_text, encoding)
    if static_after < minimum:
        return
    prefix = count_pieces(strip_template_tags("".join(before)), encoding)
    cached_now = prefix if prefix >= minimum else 0
    cacheable = prefix + static_after
    gained = cacheable - cached_now
    approx = "≈" if ctx.tokens.approximate else ""
    args = {
        "tag": doc.text[tag.start : tag.end],
        "approx": approx,
        "static_tokens": f"{static_after:,}",
        "cacheable": f"{cacheable:,}",
    }
    saving = None
    price = ctx.price
    if price is not None and price.cached_input is not None:
        per_token = (price.input - price.cached_input) / 1_000_000
        saving = gained * per_token * ctx.settings.calls_per_day
        args.update(
            saving=format_usd(saving), calls=f"{ctx.settings.calls_per_day:,}", model=price.id
        )
    yield Hit(
        Span(tag.start, tag.end),
        args,
        "no_price" if saving is None else "with_saving",
        data={"static_after": static_after, "cacheable": cacheable, "saving_per_day": saving},
    )
