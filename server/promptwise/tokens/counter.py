"""Token counting per piece of a document, with a cache keyed by text.

A document is cut into pieces at every segment boundary and, inside long
segments, at clean line starts. Each piece is encoded on its own and cached
by its text, so an edit re-encodes only the piece it touched. A segment's
count is the sum of the pieces inside it.

Cuts are placed only where tiktoken's pre-tokenizer would split anyway (a
line start whose first character is not whitespace and not ``/``, which the
o200k pattern may glue to a preceding newline), so the sum over pieces equals
the count of the whole text; a test checks this over the corpus.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from promptwise.document.model import PromptDocument, Segment
from promptwise.document.text import Span
from promptwise.tokens.encodings import get_encoding

PIECE_TARGET = 2048  # characters; long segments are cut near this size


@dataclass(frozen=True)
class EncodingChoice:
    """Which encoding counts a model's tokens, and whether that is exact."""

    encoding: str
    approximate: bool


def encoding_for_name(model: str) -> EncodingChoice:
    """Fallback choice for a model not in the price table.

    OpenAI names map to their published encodings; anything else (Claude,
    Gemini, Llama, Mistral, unknown) is counted with o200k and marked
    approximate, because none of those vendors publish an offline tokenizer.
    """
    name = model.lower().rsplit("/", 1)[-1]
    if name.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")):
        return EncodingChoice("o200k_base", False)
    if name.startswith(("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada")):
        return EncodingChoice("cl100k_base", False)
    return EncodingChoice("o200k_base", True)


class TokenCounter:
    """Encodes text once per distinct (encoding, text) pair.

    Bounded by total cached characters so a long editing session cannot grow
    without limit; least recently used pieces go first. Thread-safe because
    the CLI counts files from worker threads and the server from its
    analysis thread.
    """

    def __init__(self, max_chars: int = 32_000_000) -> None:
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._chars = 0
        self._max_chars = max_chars
        self._lock = threading.Lock()
        self.encoded_chars = 0  # characters actually sent to the encoder (for benchmarks)

    def count(self, text: str, encoding: str) -> int:
        if not text:
            return 0
        key = (encoding, text)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        n = len(get_encoding(encoding).encode_ordinary(text))
        with self._lock:
            self.encoded_chars += len(text)
            if key not in self._cache:
                self._cache[key] = n
                self._chars += len(text)
                while self._chars > self._max_chars and self._cache:
                    (_, old), _ = self._cache.popitem(last=False)
                    self._chars -= len(old)
        return n

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._chars = 0


_default = TokenCounter()


def default_counter() -> TokenCounter:
    return _default


def count_text(text: str, encoding: str = "o200k_base") -> int:
    """Exact token count of ``text``; equals ``len(enc.encode(text, disallowed_special=()))``."""
    return _default.count(text, encoding)


def count_pieces(
    text: str, encoding: str = "o200k_base", counter: TokenCounter | None = None
) -> int:
    """Exact token count of a long ``text``, counted in cached pieces.

    The text is cut at clean cuts (where the encoder splits anyway), so the
    sum equals one encode of the whole; after a small edit only the piece
    holding it is encoded again. Rules that count derived text (the static
    part after a variable, a repeated paragraph) use this instead of
    encoding it whole on every analysis.
    """
    counter = counter or _default
    if len(text) <= PIECE_TARGET:
        return counter.count(text, encoding)
    total = 0
    start = 0
    end = len(text)
    while end - start > PIECE_TARGET:
        cut = _snap(text, start + PIECE_TARGET // 2, end)
        if cut >= end:
            break
        total += counter.count(text[start:cut], encoding)
        start = cut
    return total + counter.count(text[start:end], encoding)


@dataclass(frozen=True)
class DocumentTokens:
    """Token counts for one document under one encoding."""

    encoding: str
    approximate: bool
    total: int  # tokens of everything that reaches the model
    pieces: tuple[Span, ...]
    piece_tokens: tuple[int, ...]
    # Tokens per segment, keyed by the segment's (start, end).
    segments: dict[tuple[int, int], int]

    def for_segment(self, segment: Segment) -> int:
        key = (segment.span.start, segment.span.end)
        found = self.segments.get(key)
        return found if found is not None else self.in_span(segment.span)

    @cached_property
    def _starts(self) -> list[int]:
        return [p.start for p in self.pieces]

    def in_span(self, span: Span) -> int:
        """Tokens of the pieces that start inside ``span``."""
        i = bisect.bisect_left(self._starts, span.start)
        j = bisect.bisect_left(self._starts, span.end)
        return sum(self.piece_tokens[i:j])


def _clean_cut(text: str, i: int) -> bool:
    """Would tiktoken's pre-tokenizer split here anyway?"""
    return 0 < i < len(text) and text[i - 1] == "\n" and not text[i].isspace() and text[i] != "/"


def _snap(text: str, offset: int, limit: int) -> int:
    """The first clean cut at or after ``offset`` (or ``limit``)."""
    if offset >= limit or _clean_cut(text, offset):
        return min(offset, limit)
    nl = text.find("\n", offset, limit)
    while nl != -1:
        if _clean_cut(text, nl + 1):
            return nl + 1
        nl = text.find("\n", nl + 1, limit)
    return limit


_last_pieces: tuple[PromptDocument | None, list[tuple[Span, str]]] = (None, [])


def pieces_of(doc: PromptDocument) -> list[tuple[Span, str]]:
    """Cut the model-visible part of ``doc`` into independently counted pieces.

    Every cut sits where the encoder would split anyway, so the pieces' counts
    add up to the count of the whole body. The last document's pieces are
    kept: one analysis asks for them several times (counting, the phrase
    scan, the cache-order check). Callers must not mutate the list.
    """
    global _last_pieces
    last_doc, last = _last_pieces
    if last_doc is doc:
        return last
    pieces = _cut(doc)
    _last_pieces = (doc, pieces)
    return pieces


def forget_pieces() -> None:
    """Release the last document's pieces (and so the document)."""
    global _last_pieces
    _last_pieces = (None, [])


def _cut(doc: PromptDocument) -> list[tuple[Span, str]]:
    text = doc.text
    body = doc.body_span
    valued = [s for s in doc.walk() if s.value is not None]
    if valued:
        # Messages whose source is escaped (JSON/YAML strings): count what the model sees.
        return [(s.span, s.value or "") for s in valued if s.value is not None]
    bounds = {body.start, body.end}
    for segment in doc.walk():
        for offset in (segment.span.start, segment.span.end):
            if body.start < offset < body.end:
                bounds.add(_snap(text, offset, body.end))
    ordered = sorted(bounds)
    out: list[tuple[Span, str]] = []
    for start, end in itertools.pairwise(ordered):
        piece_start = start
        while end - piece_start > PIECE_TARGET:
            cut = _snap(text, piece_start + PIECE_TARGET // 2, end)
            if cut >= end:
                break
            out.append((Span(piece_start, cut), text[piece_start:cut]))
            piece_start = cut
        if piece_start < end:
            out.append((Span(piece_start, end), text[piece_start:end]))
    return out


def count_document(
    doc: PromptDocument, choice: EncodingChoice, counter: TokenCounter | None = None
) -> DocumentTokens:
    counter = counter or _default
    pieces = pieces_of(doc)
    counts = tuple(counter.count(piece_text, choice.encoding) for _, piece_text in pieces)
    spans = tuple(span for span, _ in pieces)
    starts = [span.start for span in spans]
    by_segment: dict[tuple[int, int], int] = {}
    body = doc.body_span
    for segment in doc.walk():
        if segment.value is not None:
            lo = bisect.bisect_left(starts, segment.span.start)
            hi = (
                bisect.bisect_left(starts, segment.span.end)
                if segment.span.end > segment.span.start
                else lo + 1
            )
        else:
            first = _snap(doc.text, max(segment.span.start, body.start), body.end)
            lo = bisect.bisect_left(starts, first)
            hi = bisect.bisect_left(starts, _snap(doc.text, segment.span.end, body.end))
        by_segment[(segment.span.start, segment.span.end)] = sum(counts[lo:hi])
    return DocumentTokens(
        encoding=choice.encoding,
        approximate=choice.approximate,
        total=sum(counts),
        pieces=spans,
        piece_tokens=counts,
        segments=by_segment,
    )
