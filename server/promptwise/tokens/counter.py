"""Token counting per piece of a document, with a cache keyed by text.

A document is cut into pieces at every segment boundary and, inside long
segments, at clean line starts. Each piece is encoded on its own and cached
by its text, so an edit re-encodes only the piece it touched. A segment's
count is the sum of the pieces inside it.

Cuts are placed only where tiktoken's pre-tokenizer would split anyway (a
line start that is not ``/``, which the o200k pattern may glue to a
preceding newline, and whose line holds more than whitespace, since blank
lines join the newline before them), so the sum over pieces equals the count
of the whole text; a test checks this over the corpus.

What is counted is what is sent: template comments (``{# ... #}``,
``{{! ... }}``, Promptwise suppressions written in them) are dropped by the
template engine, so they are cut out of each piece before it is encoded;
Handlebars also drops the line of a comment that stands alone on it.
"""

from __future__ import annotations

import bisect
import itertools
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from promptwise import memo
from promptwise.document.model import PromptDocument, Segment, SegmentKind, TemplateSyntax
from promptwise.document.text import Span


class Encoder(Protocol):
    """What counting needs of a tiktoken encoding."""

    def encode_ordinary(self, text: str) -> list[int]: ...


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

    Bounded by memory (its share of the budget in :mod:`promptwise.memo`,
    or ``max_chars`` characters when given) so a long editing session cannot
    grow without limit; least recently used pieces go first. Thread-safe because
    the CLI counts files from worker threads and the server from its
    analysis thread.
    """

    name = "token counts"
    share = 0.15  # of the cache budget (promptwise/memo.py), for the shared counter

    def __init__(self, max_chars: int | None = None) -> None:
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._chars = 0  # characters held
        self.bytes_used = 0  # their memory, as memo.text_bytes counts it (+ the entry)
        self.peak_bytes = 0
        self._max_chars = max_chars
        self._lock = threading.Lock()
        self.encoded_chars = 0  # characters actually sent to the encoder (for benchmarks)

    @property
    def max_bytes(self) -> int:
        return int(memo.budget() * self.share)

    def _over(self) -> bool:
        if self._max_chars is not None:
            return self._chars > self._max_chars
        return self.bytes_used > self.max_bytes

    def shrink(self) -> None:
        with self._lock:
            self._evict()

    def _evict(self) -> None:
        while self._over() and self._cache:
            (_, old), _ = self._cache.popitem(last=False)
            self._chars -= len(old)
            self.bytes_used -= memo.text_bytes(old) + _ENTRY_BYTES

    def count(self, text: str, encoding: str) -> int:
        if not text:
            return 0
        key = (encoding, text)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        n = len(_encoder(encoding).encode_ordinary(text))
        with self._lock:
            self.encoded_chars += len(text)
            if key not in self._cache:
                self._cache[key] = n
                self._chars += len(text)
                self.bytes_used += memo.text_bytes(text) + _ENTRY_BYTES
                self._evict()
                self.peak_bytes = max(self.peak_bytes, self.bytes_used)
        return n

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._chars = 0
            self.bytes_used = 0


_ENTRY_BYTES = 150  # the key tuple, the int and the ordered dict's links


def _encoder(name: str) -> Encoder:
    # Imported with the first count: tiktoken, gzip and the rank cache are
    # not loaded by a run that never counts (a cold ``check`` of a small file).
    from promptwise.tokens.encodings import get_encoding

    return get_encoding(name)


def encoding_built(name: str) -> bool:
    """Whether ``name`` is built in this process, without importing tiktoken to ask."""
    encodings = sys.modules.get("promptwise.tokens.encodings")
    return encodings is not None and bool(encodings.loaded(name))


# Shared by every analysis; bounded by its share of the cache budget.
_default = TokenCounter()
memo.register(_default)


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


class DocumentTokens:
    """Token counts for one document under one encoding, counted when first read.

    The pieces are cut at once (rules scan them), but nothing is encoded
    until a count is asked for: a ``check`` whose rules never need one (a
    small prompt under every token limit) never builds an encoding, about a
    third of a cold start's instructions (issue 16, row 5). :attr:`at_most` bounds the count
    without encoding, so a rule can tell that a limit cannot be reached.
    Counting is thread-safe (the counter is), and the result is the same
    whenever it happens.
    """

    def __init__(
        self,
        encoding: str,
        approximate: bool,
        pieces: tuple[Span, ...],
        sent: tuple[str, ...],
        ranges: dict[tuple[int, int], tuple[int, int]],
        counter: TokenCounter,
    ) -> None:
        self.encoding = encoding
        self.approximate = approximate
        self.pieces = pieces
        # The pieces each segment holds, ``pieces[lo:hi]``, keyed by its (start, end).
        self.ranges = ranges
        self._sent: tuple[str, ...] | None = sent  # dropped once counted
        self._counter = counter
        self._lock = threading.Lock()
        self._counts: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        total = "not counted" if self._counts is None else f"total={sum(self._counts)}"
        return f"DocumentTokens({self.encoding!r}, {len(self.pieces)} pieces, {total})"

    @cached_property
    def at_most(self) -> int:
        """An upper bound of :attr:`total` found without the encoding.

        Every encoding here is byte-level BPE: each token stands for at
        least one byte of the UTF-8 text, so the count never exceeds the
        byte length (``surrogatepass`` counts a lone surrogate as the three
        bytes of the replacement character the encoder substitutes).
        """
        if self._counts is not None:
            return sum(self._counts)
        return sum(utf8_length(piece) for piece in self._sent or ())

    @property
    def piece_tokens(self) -> tuple[int, ...]:
        """Tokens of each piece (encoded now if nothing asked before)."""
        return self._counts if self._counts is not None else self._count()

    def _count(self) -> tuple[int, ...]:
        with self._lock:
            if self._counts is None:
                sent = self._sent or ()
                self._counts = tuple(self._counter.count(text, self.encoding) for text in sent)
                self._sent = None
            return self._counts

    def counted(self) -> DocumentTokens:
        """Count now (the language server does it on its analysis thread, so
        nothing that reads a count later waits for an encoding); returns self."""
        if self._counts is None:
            self._count()
        return self

    @cached_property
    def total(self) -> int:
        """Tokens of everything that reaches the model."""
        return sum(self.piece_tokens)

    @cached_property
    def segments(self) -> dict[tuple[int, int], int]:
        """Tokens per segment, keyed by the segment's (start, end)."""
        counts = self.piece_tokens
        return {key: sum(counts[lo:hi]) for key, (lo, hi) in self.ranges.items()}

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


def utf8_length(text: str) -> int:
    """Bytes of ``text`` in UTF-8: an upper bound of its tokens in any encoding here."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _clean_cut(text: str, i: int) -> bool:
    """Would tiktoken's pre-tokenizer split here anyway?

    At a line start the newline before always ends a pre-token, unless the
    next character can join it: another newline or a blank line's spaces
    (``\\s*[\\r\\n]+``) or a ``/`` (o200k's punctuation run takes ``[\\r\\n/]*``).
    Indentation followed by text on the same line starts a new pre-token.
    """
    if not (0 < i < len(text)) or text[i - 1] != "\n":
        return False
    ch = text[i]
    if ch == " " or ch == "\t":
        j = i + 1
        while j < len(text) and text[j] in " \t":
            j += 1
        return j < len(text) and not text[j].isspace()
    return not ch.isspace() and ch != "/"


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


class _Sent:
    """The body as the template engine hands it on: the source minus comments.

    Offsets stay those of the source. ``clean`` answers whether a cut at a
    source offset is clean in the text that is sent, so pieces cut there
    add up to one encode of the whole sent text.
    """

    def __init__(self, doc: PromptDocument) -> None:
        self.text = doc.text
        self.body = doc.body_span
        self.removed = _removed(doc)
        self._starts = [r.start for r in self.removed]
        self._ends = [r.end for r in self.removed]

    def sent(self, start: int, end: int) -> str:
        """The sent text of the source range ``[start, end)``."""
        if not self.removed:
            return self.text[start:end]
        k = bisect.bisect_right(self._ends, start)
        parts: list[str] = []
        pos = start
        while k < len(self.removed) and self.removed[k].start < end:
            r = self.removed[k]
            if r.start > pos:
                parts.append(self.text[pos : r.start])
            pos = max(pos, r.end)
            k += 1
        if pos < end:
            parts.append(self.text[pos:end])
        return "".join(parts)

    def _inside(self, i: int) -> bool:
        k = bisect.bisect_right(self._starts, i - 1) - 1
        return k >= 0 and self.removed[k].start < i < self.removed[k].end

    def _skip(self, i: int) -> int:
        """Past the removed ranges that start at ``i``."""
        k = bisect.bisect_left(self._starts, i)
        while k < len(self.removed) and self.removed[k].start == i:
            i = self.removed[k].end
            k += 1
        return i

    def _before(self, i: int) -> str:
        """The sent character before ``i`` ("" at the start of the body)."""
        while i > self.body.start:
            k = bisect.bisect_left(self._ends, i)
            if k < len(self.removed) and self.removed[k].end == i:
                i = self.removed[k].start
                continue
            return self.text[i - 1]
        return ""

    def clean(self, i: int) -> bool:
        if i <= self.body.start or i >= self.body.end:
            return True
        if not self.removed:
            return _clean_cut(self.text, i)
        if self._inside(i):
            return False
        before = self._before(i)
        if before == "":
            return True
        if before != "\n":
            return False
        j = self._skip(i)
        if j >= self.body.end:
            return False
        if self.text[j] in " \t":
            while j < self.body.end:
                j = self._skip(j)
                if j >= self.body.end or self.text[j] not in " \t":
                    break
                j += 1
            return j < self.body.end and not self.text[j].isspace()
        return not self.text[j].isspace() and self.text[j] != "/"

    def snap(self, offset: int, limit: int | None = None) -> int:
        """The first clean cut at or after ``offset`` (at most ``limit``), or
        the start of its line when only indentation stands before it there
        (an indented block's first line, a comment after spaces)."""
        end = self.body.end if limit is None else limit
        if offset >= end:
            return end
        if self.clean(offset):
            return offset
        line = self.text.rfind("\n", self.body.start, offset) + 1 or self.body.start
        if line < offset and not self.text[line:offset].strip() and self.clean(line):
            return line
        nl = self.text.find("\n", offset, end)
        while nl != -1:
            if self.clean(nl + 1):
                return nl + 1
            nl = self.text.find("\n", nl + 1, end)
        return end


def _removed(doc: PromptDocument) -> list[Span]:
    """Template comments inside the body, merged; in Handlebars and Mustache a
    comment alone on its line takes the line with it (a "standalone" tag)."""
    text, body = doc.text, doc.body_span
    standalone = doc.syntax in (TemplateSyntax.HANDLEBARS, TemplateSyntax.MUSTACHE)
    out: list[Span] = []
    for span in sorted(doc.comment_spans):
        start, end = max(span.start, body.start), min(span.end, body.end)
        if start >= end:
            continue
        comment = text[span.start : span.end]
        if comment.endswith(("-#}", "~}}")):
            # Whitespace control: the engine drops the whitespace after the tag too.
            while end < body.end and text[end].isspace():
                end += 1
        if comment.startswith(("{#-", "{{~")):
            while start > body.start and text[start - 1].isspace():
                start -= 1
        if standalone:
            line = text.rfind("\n", body.start, start) + 1 or body.start
            nl = text.find("\n", end, body.end)
            line_end = body.end if nl == -1 else nl + 1
            if not text[line:start].strip() and not text[end:line_end].strip():
                start, end = line, line_end
        if out and start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, end))
        else:
            out.append(Span(start, end))
    return out


@dataclass(frozen=True)
class _Cut:
    """A document's pieces: source spans and texts, and the text each one sends."""

    pieces: list[tuple[Span, str]]
    sent: list[str]
    # Where each segment's pieces start and stop, keyed like DocumentTokens.segments.
    ranges: dict[tuple[int, int], tuple[int, int]]


_EMPTY_CUT = _Cut([], [], {})
_last_cut: tuple[PromptDocument | None, _Cut] = (None, _EMPTY_CUT)


def pieces_of(doc: PromptDocument) -> list[tuple[Span, str]]:
    """Cut the model-visible part of ``doc`` into independently counted pieces.

    Every cut sits where the encoder would split anyway, so the pieces' counts
    add up to the count of the whole body. A piece's text is its source text
    (rules scan it and index into it); what it sends, without template
    comments, is what gets counted. The last document's pieces are kept: one
    analysis asks for them several times (counting, the phrase scan, the
    cache-order check). Callers must not mutate the list.
    """
    return _cut_of(doc).pieces


def sent_text(doc: PromptDocument) -> str:
    """The body as the model receives it before variables are filled: the
    source without template comments (for chat files, the decoded contents)."""
    return "".join(_cut_of(doc).sent)


def _cut_of(doc: PromptDocument) -> _Cut:
    global _last_cut
    last_doc, last = _last_cut
    if last_doc is doc:
        return last
    cut = _cut(doc)
    _last_cut = (doc, cut)
    return cut


def forget_pieces() -> None:
    """Release the last document's pieces (and so the document)."""
    global _last_cut
    _last_cut = (None, _EMPTY_CUT)


def _cut(doc: PromptDocument) -> _Cut:
    text = doc.text
    body = doc.body_span
    segments = doc.flat_segments
    valued = [s for s in segments if s.value is not None]
    if valued:
        # Messages whose source is escaped (JSON/YAML strings): count what the model sees.
        pieces = [(s.span, s.value or "") for s in valued]
        starts = [span.start for span, _ in pieces]
        ranges: dict[tuple[int, int], tuple[int, int]] = {}
        for segment in segments:
            lo = bisect.bisect_left(starts, segment.span.start)
            hi = (
                bisect.bisect_left(starts, segment.span.end)
                if segment.span.end > segment.span.start
                else lo + 1
            )
            ranges[(segment.span.start, segment.span.end)] = (lo, hi)
        return _Cut(pieces, [value for _, value in pieces], ranges)
    sent = _Sent(doc)
    edges: dict[tuple[int, int], tuple[int, int]] = {}
    bounds = {body.start, body.end}
    for segment in segments:
        first = sent.snap(max(segment.span.start, body.start))
        last = sent.snap(max(segment.span.end, body.start))
        edges[(segment.span.start, segment.span.end)] = (first, last)
        bounds.update((first, last))
    ordered = sorted(bounds)
    out: list[tuple[Span, str]] = []
    for start, end in itertools.pairwise(ordered):
        piece_start = start
        while end - piece_start > PIECE_TARGET:
            cut = sent.snap(piece_start + PIECE_TARGET // 2, end)
            if cut <= piece_start or cut >= end:
                break
            out.append((Span(piece_start, cut), text[piece_start:cut]))
            piece_start = cut
        if piece_start < end:
            out.append((Span(piece_start, end), text[piece_start:end]))
    starts = [span.start for span, _ in out]
    ranges = {
        key: (bisect.bisect_left(starts, first), bisect.bisect_left(starts, last))
        for key, (first, last) in edges.items()
    }
    return _Cut(out, [sent.sent(span.start, span.end) for span, _ in out], ranges)


def count_document(
    doc: PromptDocument, choice: EncodingChoice, counter: TokenCounter | None = None
) -> DocumentTokens:
    """Tokens of what ``doc`` sends, in total and per segment (counted when first read)."""
    counter = counter or _default
    cut = _cut_of(doc)
    return DocumentTokens(
        encoding=choice.encoding,
        approximate=choice.approximate,
        pieces=tuple(span for span, _ in cut.pieces),
        sent=tuple(cut.sent),
        ranges=dict(cut.ranges),
        counter=counter,
    )


@dataclass(frozen=True)
class SegmentRow:
    """One row of a per-segment listing; ``segment`` is None for text outside any."""

    segment: Segment | None
    span: Span
    depth: int
    tokens: int


def segment_rows(doc: PromptDocument, tokens: DocumentTokens) -> list[SegmentRow]:
    """Every segment with its tokens, plus rows for text no top-level segment holds.

    The top-level rows (depth 0) tile what is counted, so they add up to the
    file's total: prose before the first heading or between blocks gets a
    row of its own instead of going missing. Comments that send nothing are
    left out.
    """
    rows: list[SegmentRow] = []
    covered = 0  # the first piece no top-level row has taken yet

    def gap(upto: int) -> None:
        if upto > covered:
            n = sum(tokens.piece_tokens[covered:upto])
            if n:
                span = Span(tokens.pieces[covered].start, tokens.pieces[upto - 1].end)
                rows.append(SegmentRow(None, span, 0, n))

    def add(segment: Segment, depth: int) -> None:
        n = tokens.for_segment(segment)
        if segment.kind is not SegmentKind.COMMENT or n:
            rows.append(SegmentRow(segment, segment.span, depth, n))
        for child in segment.children:
            add(child, depth + 1)

    for segment in sorted(doc.segments, key=lambda s: s.span.start):
        lo, hi = tokens.ranges.get((segment.span.start, segment.span.end), (covered, covered))
        if hi > lo:
            gap(lo)
            covered = max(covered, hi)
        add(segment, 0)
    gap(len(tokens.pieces))
    return rows
