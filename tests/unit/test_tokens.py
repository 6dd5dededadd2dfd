"""Token counting: offline, exact against tiktoken, cached per piece."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiktoken

from promptwise.document import parse_document
from promptwise.tokens import encodings
from promptwise.tokens.counter import (
    EncodingChoice,
    TokenCounter,
    count_document,
    encoding_for_name,
    pieces_of,
    segment_rows,
    sent_text,
    utf8_length,
)
from tests.conftest import EXAMPLES, need_corpus

URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tiktoken.Encoding]]:
    """tiktoken's own encodings, fed from its cache directory so no download happens.

    tiktoken looks for ``sha1(url)`` in TIKTOKEN_CACHE_DIR and verifies the
    SHA-256 itself, so this is tiktoken's published definition, not ours.
    """
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name, url in URLS.items():
        (cache / hashlib.sha1(url.encode()).hexdigest()).write_bytes(encodings.bundled_bytes(name))
    mp = pytest.MonkeyPatch()
    mp.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    try:
        yield {name: tiktoken.get_encoding(name) for name in URLS}
    finally:
        mp.undo()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_bundled_files_match_published_hashes() -> None:
    for name, spec in encodings.SPECS.items():
        assert hashlib.sha256(encodings.bundled_bytes(name)).hexdigest() == spec.sha256


def test_definition_matches_tiktoken(reference: dict[str, tiktoken.Encoding]) -> None:
    for name, ref in reference.items():
        ours = encodings.get_encoding(name)
        assert ours._pat_str == ref._pat_str
        assert ours._special_tokens == ref._special_tokens
        assert ours.n_vocab == ref.n_vocab


SAMPLES = [
    "",
    "Hello, world!",
    "  leading spaces\n\n\ttabs\r\nCRLF",
    "emoji 😀🎉 and CJK 中文字符 and accents café",
    "<|endoftext|> special tokens are plain text here <|endofprompt|>",
    "x" * 5000,
    "code:\n```python\ndef f(x):\n    return x ** 2\n```\n",
    "numbers 1234567890 3.14159 -42",
]


@pytest.mark.parametrize("name", sorted(URLS))
def test_counts_equal_tiktoken(
    reference: dict[str, tiktoken.Encoding], name: str, no_network: None
) -> None:
    counter = TokenCounter()
    for sample in SAMPLES:
        expected = len(reference[name].encode(sample, disallowed_special=()))
        assert counter.count(sample, name) == expected, sample[:40]


def test_encoding_keeps_no_python_rank_copy_and_pickles_by_name() -> None:
    """The server keeps one copy of the ranks (tiktoken's Rust encoder's), ~19 MB less
    resident memory; pickling (a spawned worker) still gives the same encoder."""
    ours = encodings.get_encoding("o200k_base")
    assert encodings.loaded("o200k_base")
    assert not ours._mergeable_ranks
    again = pickle.loads(pickle.dumps(ours))
    assert again is ours
    assert again.encode_ordinary(SAMPLES[3]) == ours.encode_ordinary(SAMPLES[3])


def test_counting_opens_no_connection(no_network: None) -> None:
    encodings._loaded.clear()  # force a fresh load with sockets refused
    counter = TokenCounter()
    assert counter.count("Hello offline world", "o200k_base") > 0
    assert counter.count("Hello offline world", "cl100k_base") > 0


def test_tampered_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = encodings.SPECS["cl100k_base"]
    monkeypatch.setitem(
        encodings.SPECS,
        "cl100k_base",
        dataclasses.replace(spec, sha256="0" * 64),
    )
    with pytest.raises(Exception, match="does not match its published SHA-256"):
        encodings.bundled_bytes("cl100k_base")


def test_cache_encodes_each_piece_once() -> None:
    counter = TokenCounter()
    path = EXAMPLES / "support.prompty"
    doc = parse_document(path.read_text(), str(path))
    choice = EncodingChoice("o200k_base", False)
    first = count_document(doc, choice, counter).counted()
    encoded = counter.encoded_chars
    again = count_document(doc, choice, counter)
    assert again.total == first.total and counter.encoded_chars == encoded
    edited = doc.text.replace("Refunds are possible", "Refunds are allowed")
    count_document(parse_document(edited, str(path)), choice, counter).counted()
    # Only the piece holding the edit was encoded again.
    assert 0 < counter.encoded_chars - encoded < len(edited) // 2


def test_cache_is_bounded() -> None:
    counter = TokenCounter(max_chars=100)
    for i in range(50):
        counter.count(f"text number {i} " * 3, "o200k_base")
    assert counter._chars <= 100


def test_segment_counts_and_total(reference: dict[str, tiktoken.Encoding]) -> None:
    path = EXAMPLES / "support.prompty"
    doc = parse_document(path.read_text(), str(path))
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    body = doc.text[doc.body_span.start :]
    assert tokens.total == len(reference["o200k_base"].encode(body, disallowed_special=()))
    messages = [s for s in doc.segments if s.kind.value == "message"]
    assert sum(tokens.for_segment(m) for m in messages) == tokens.total
    system = messages[0]
    exact = len(
        reference["o200k_base"].encode(
            doc.text[system.span.start : system.span.end], disallowed_special=()
        )
    )
    assert tokens.for_segment(system) == exact


def _encode(reference: dict[str, tiktoken.Encoding], text: str) -> int:
    return len(reference["o200k_base"].encode(text, disallowed_special=()))


@pytest.mark.parametrize(
    ("name", "text", "sent"),
    [
        # Jinja drops the comment and keeps the text around it.
        ("note.txt", "Reply in French. {# the team reads French #}Be brief.\n",
         "Reply in French. Be brief.\n"),
        # A suppression is a comment too; the file-level one opens no message.
        ("pick.prompty",
         "---\nname: pick\n---\n{# promptwise: disable=PW301 #}\nsystem:\nBe brief.\n",
         "\nsystem:\nBe brief.\n"),
        # Handlebars drops a comment's whole line when it stands alone on it.
        ("pick.prompt", '---\nmodel: gemini-2.0-flash\n---\n{{! for the docs team }}\n'
         '  {{!-- longer\n  note --}}\n{{role "system"}}\nBe brief. {{! inline }}Thanks.\n',
         '{{role "system"}}\nBe brief. Thanks.\n'),
    ],
)  # fmt: skip
def test_template_comments_are_not_counted(
    reference: dict[str, tiktoken.Encoding], name: str, text: str, sent: str
) -> None:
    doc = parse_document(text, name)
    assert sent_text(doc) == sent
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    assert tokens.total == _encode(reference, sent)
    messages = [s for s in doc.segments if s.kind.value == "message"]
    assert len(messages) <= 1
    assert sum(tokens.for_segment(m) for m in messages) <= tokens.total


def _top_level_total(doc, tokens) -> int:
    return sum(row.tokens for row in segment_rows(doc, tokens) if row.depth == 0)


def test_segments_carry_their_tokens(reference: dict[str, tiktoken.Encoding]) -> None:
    text = (
        "# Release notes writer\n"
        "Write release notes from the merged pull requests.\n\n"
        "1. Collect the titles:\n"
        "   ```bash\n"
        "   gh pr list --state merged\n"
        "   ```\n\n"
        "## Tone\n"
        "Plain words, no hype.\n"
    )
    doc = parse_document(text, "notes.md")
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    assert tokens.total == _encode(reference, text)
    [section] = doc.segments
    # A heading on the first line of a file without frontmatter is counted in full.
    assert tokens.for_segment(section) == tokens.total
    code = next(s for s in doc.walk() if s.kind.value == "code")
    # The blank line after the fence joins its newline, so the block's pieces end there.
    fenced = text[text.index("   ```bash") : text.index("## Tone")]
    assert tokens.for_segment(code) == _encode(reference, fenced)
    assert _top_level_total(doc, tokens) == tokens.total


def test_prose_outside_any_segment_gets_a_row(reference: dict[str, tiktoken.Encoding]) -> None:
    text = "Answer in one line.\n\n## Format\nPlain text.\n"
    doc = parse_document(text, "one-line.md")
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    rows = segment_rows(doc, tokens)
    assert rows[0].segment is None
    assert rows[0].tokens == _encode(reference, "Answer in one line.\n\n")
    assert _top_level_total(doc, tokens) == tokens.total


def test_dotprompt_without_roles_is_one_counted_user_message(
    reference: dict[str, tiktoken.Encoding],
) -> None:
    text = "---\nmodel: gemini-2.0-flash\n---\n  Summarise {{text}} in one line.\n"
    doc = parse_document(text, "one-line.prompt")
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    [message] = [s for s in doc.segments if s.kind.value == "message"]
    assert message.role == "user"
    assert (
        tokens.for_segment(message)
        == tokens.total
        == _encode(reference, "  Summarise {{text}} in one line.\n")
    )


def test_corpus_segment_rows_add_up_to_the_file_total() -> None:
    corpus = need_corpus()
    files = sorted(
        p for p in corpus.rglob("*") if p.suffix in (".md", ".prompt", ".prompty", ".txt")
    )
    assert len(files) > 800
    for path in files:
        doc = parse_document(path.read_text(encoding="utf-8"), str(path))
        tokens = count_document(doc, EncodingChoice("o200k_base", False))
        assert _top_level_total(doc, tokens) == tokens.total, path


def test_chat_files_count_decoded_content() -> None:
    path = EXAMPLES / "extract-invoice.chat.json"
    doc = parse_document(path.read_text(), str(path))
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    counter = TokenCounter()
    assert tokens.total == sum(counter.count(s.value or "", "o200k_base") for s in doc.segments)


@pytest.mark.parametrize(
    ("model", "encoding", "approximate"),
    [
        ("gpt-4o", "o200k_base", False),
        ("openai/gpt-4.1-mini", "o200k_base", False),
        ("gpt-4", "cl100k_base", False),
        ("gpt-3.5-turbo", "cl100k_base", False),
        ("claude-sonnet-4-5", "o200k_base", True),
        ("gemini-2.5-flash", "o200k_base", True),
        ("llama-3.1-70b", "o200k_base", True),
        ("mistral-large", "o200k_base", True),
    ],
)
def test_encoding_for_unpriced_names(model: str, encoding: str, approximate: bool) -> None:
    assert encoding_for_name(model) == EncodingChoice(encoding, approximate)


def test_corpus_totals_equal_whole_body_counts(reference: dict[str, tiktoken.Encoding]) -> None:
    corpus = need_corpus()
    files = sorted(
        p for p in corpus.rglob("*") if p.suffix in (".md", ".prompt", ".prompty", ".txt")
    )
    assert len(files) > 800
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = parse_document(text, str(path))
        for name in ("o200k_base", "cl100k_base"):
            tokens = count_document(doc, EncodingChoice(name, False))
            bound = tokens.at_most  # read first: the bound found without encoding
            assert tokens.total <= bound, path
            sent = sent_text(doc)
            if not doc.comment_spans:
                assert sent == text[doc.body_span.start :], path
            assert tokens.total == len(reference[name].encode(sent, disallowed_special=())), path
        assert all(a.end == b.start for a, b in zip(tokens.pieces, tokens.pieces[1:], strict=False))
        assert len(pieces_of(doc)) == len(tokens.pieces)


def test_nothing_is_encoded_until_a_count_is_read() -> None:
    counter = TokenCounter()
    path = EXAMPLES / "support.prompty"
    doc = parse_document(path.read_text(), str(path))
    tokens = count_document(doc, EncodingChoice("o200k_base", False), counter)
    assert tokens.at_most > 0 and tokens.pieces
    assert counter.encoded_chars == 0
    assert tokens.total > 0 and counter.encoded_chars > 0


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII words, and numbers 1234567",
        "accents: déjà vu, naïve café; CJK 漢字かな; emoji 👩‍👩‍👧 🎉🎉",
        "lone surrogates \ud800 and \udfff, a pair written apart \ud83d\ude00",
        "special tokens as text: <|endoftext|> <|endofprompt|> <|fim_prefix|>",
        "\n\n   \t\r\n" * 40 + "\u0301\u0301\u0301" + "🎉" * 100,
    ],
)
def test_the_byte_bound_holds(text: str, reference: dict[str, tiktoken.Encoding]) -> None:
    """Every token stands for at least one byte, so a rule that compares the
    byte bound with a limit never needs the encoding to know the limit is far."""
    doc = parse_document(text, "bound.txt")
    for name in ("o200k_base", "cl100k_base"):
        tokens = count_document(doc, EncodingChoice(name, False))
        bound = tokens.at_most
        assert tokens.total <= bound
        encoded = reference[name].encode(
            text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"),
            disallowed_special=(),
        )
        assert len(encoded) <= utf8_length(text)


def test_long_file_is_cut_into_pieces(reference: dict[str, tiktoken.Encoding]) -> None:
    text = "\n".join(f"Line {i}: the quick brown fox jumps over the lazy dog." for i in range(3000))
    doc = parse_document(text, Path("big.txt").name)
    tokens = count_document(doc, EncodingChoice("o200k_base", False))
    assert len(tokens.pieces) > 10
    assert tokens.total == len(reference["o200k_base"].encode(text, disallowed_special=()))


def test_parsed_ranks_are_cached_and_a_damaged_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rank cache only speeds up a cold start; it never changes a count."""
    monkeypatch.setenv("PROMPTWISE_CACHE_DIR", str(tmp_path))
    spec = encodings.SPECS["cl100k_base"]
    expected = encodings._parse_ranks(encodings.bundled_bytes("cl100k_base"))
    assert encodings._ranks(spec) == expected
    (cached,) = tmp_path.iterdir()
    assert encodings._ranks(spec) == expected  # now read from the cache
    blob = bytearray(cached.read_bytes())
    blob[-10] ^= 0xFF  # one flipped byte: the payload digest no longer matches
    cached.write_bytes(bytes(blob))
    assert encodings._read_cache(cached, spec) is None
    assert encodings._ranks(spec) == expected
    assert encodings._read_cache(cached, spec) == expected  # rewritten whole
    cached.write_bytes(b"promptwise-ranks-2\n")  # truncated
    assert encodings._ranks(spec) == expected
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("name", sorted(encodings.SPECS))
def test_rank_cache_digest_is_derived_from_the_bundled_file(name: str) -> None:
    """The cache is trusted only if it hashes to this constant; derive it again here."""
    spec = encodings.SPECS[name]
    ranks = encodings._parse_ranks(encodings.bundled_bytes(name))  # checked against sha256
    payload = encodings.ranks_payload(ranks)
    assert payload is not None
    assert hashlib.sha256(payload).hexdigest() == spec.ranks_sha256
    assert encodings._decode_payload(payload) == ranks


def test_rank_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMPTWISE_CACHE_DIR", "")
    assert encodings.cache_dir() is None
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("PROMPTWISE_CACHE_DIR", str(blocker / "cache"))
    spec = encodings.SPECS["cl100k_base"]
    # An unusable cache folder is no error: the ranks are parsed as before.
    assert len(encodings._ranks(spec)) == 100256
    assert blocker.read_text() == "a file where the cache folder would go"
