"""Offline tiktoken encodings built from the BPE files bundled with the package.

tiktoken normally downloads its rank files on first use. Promptwise ships
them gzipped (taken from a registry package that carries them) and checks
each against the SHA-256 that tiktoken itself publishes before building the
encoding, so counting never opens a connection and a corrupted or swapped
file is refused rather than silently miscounting.

The split pattern and special tokens below are the published definition of
each encoding; a test compares every count with ``tiktoken.get_encoding``.
"""

from __future__ import annotations

import binascii
import contextlib
import gzip
import hashlib
import os
import re
import sys
import tempfile
import threading
from array import array
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tiktoken

from promptwise.errors import PromptwiseError
from promptwise.reading import read_regular


@dataclass(frozen=True)
class EncodingSpec:
    name: str
    sha256: str  # of the rank file, as tiktoken publishes it
    pattern: str
    special_tokens: dict[str, int]
    ranks_sha256: str  # of the rank cache's payload derived from that file (see below)


_O200K_PATTERN = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)

_CL100K_PATTERN = (
    r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"
    r"|\s++$|\s*[\r\n]|\s+(?!\S)|\s"
)

SPECS: dict[str, EncodingSpec] = {
    "o200k_base": EncodingSpec(
        name="o200k_base",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pattern=_O200K_PATTERN,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        ranks_sha256="9a1906202f7fb207878aa618baf5d0e3ee874c0b4fb024a3495899b6cc4aeff5",
    ),
    "cl100k_base": EncodingSpec(
        name="cl100k_base",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pattern=_CL100K_PATTERN,
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        ranks_sha256="aee38fdf81d39a7c51a9ad25c4893a6483f59aaece6cc623140e3f3c83f2ff3c",
    ),
}

_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}


def bundled_bytes(name: str) -> bytes:
    """The decompressed, hash-verified rank file for ``name``."""
    spec = SPECS.get(name)
    if spec is None:
        raise PromptwiseError(f"unknown encoding {name!r} (bundled: {', '.join(SPECS)})")
    resource = resources.files("promptwise.tokens").joinpath(f"data/{name}.tiktoken.gz")
    raw = gzip.decompress(resource.read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise PromptwiseError(
            f"bundled encoding {name} does not match its published SHA-256 "
            f"(expected {spec.sha256}, got {digest}); reinstall promptwise"
        )
    return raw


def _parse_ranks(raw: bytes) -> dict[bytes, int]:
    """``token-base64 rank`` lines into a dict.

    Built with ``map`` over one split instead of a Python loop per line: the
    o200k file has 200,000 lines and this is on the cold-start path of
    every command that counts tokens (about 3x faster than the loop).
    """
    fields = raw.split()
    if len(fields) % 2:
        raise PromptwiseError("bundled encoding file is malformed; reinstall promptwise")
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))


def get_encoding(name: str) -> tiktoken.Encoding:
    """Build (once per process) and return the named encoding."""
    encoding = _loaded.get(name)
    if encoding is not None:
        return encoding
    with _lock:
        encoding = _loaded.get(name)
        if encoding is None:
            spec = SPECS.get(name)
            if spec is None:
                raise PromptwiseError(f"unknown encoding {name!r} (bundled: {', '.join(SPECS)})")
            encoding = BundledEncoding(spec)
            _loaded[name] = encoding
    return encoding


def loaded(name: str) -> bool:
    """Whether ``name`` is built in this process (counting with it costs no load).

    The language server asks before an analysis: while the encoding is not
    built, it publishes the findings that need no token count first.
    """
    return name in _loaded


class BundledEncoding(tiktoken.Encoding):
    """A tiktoken encoding that does not keep a Python copy of its ranks.

    tiktoken's ``Encoding`` holds the rank dict it was built from only to
    pickle itself; the Rust encoder has its own copy. For o200k that dict is
    200,000 bytes objects, about 19 MB of a language server's resident memory
    (measured: 91 MB -> 72 MB after building o200k). This one drops it and
    pickles by name, rebuilt from the bundled file on the other side.
    """

    def __init__(self, spec: EncodingSpec) -> None:
        super().__init__(
            name=spec.name,
            pat_str=spec.pattern,
            mergeable_ranks=_ranks(spec),
            special_tokens=spec.special_tokens,
        )
        self._mergeable_ranks = {}

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (get_encoding, (self.name,))


# ------------------------------------------------------------- rank cache
#
# Parsing the 200,000 base64 lines is most of the Python side of a cold
# start (on every `check` and every server launch). The parsed ranks are kept
# in the user's cache folder in a plain form (``ranks_payload``) that loads
# in about a third of the time. The cache folder is not trusted: a shared or restored CI cache, or
# anything else that can write there, could otherwise change every count
# silently (a crafted file turned 23 tokens into 32). So the payload must
# hash to ``ranks_sha256``, the digest of that exact form derived from the
# bundled rank file (itself checked against tiktoken's published SHA-256); a
# unit test derives it again from the bundled file. Only a payload that
# passes is decoded, so nothing crafted is ever parsed. The cache is read
# only when it is a regular file (not a symlink, FIFO or device) of a
# plausible size; anything else simply means no cache.

_CACHE_MAGIC = b"promptwise-ranks-2\n"
_CACHE_MAX_BYTES = 16 << 20


def cache_dir() -> Path | None:
    """Where parsed encodings are cached; None when caching is turned off."""
    configured = os.environ.get("PROMPTWISE_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "promptwise"


def _cache_file(spec: EncodingSpec) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"{spec.name}-{spec.ranks_sha256[:16]}.ranks"


def _group_pattern(length: int) -> re.Pattern[bytes]:
    return re.compile(b"(?s).{%d}" % length)


def ranks_payload(ranks: dict[bytes, int]) -> bytes | None:
    """The cache form of ``ranks``, or None when they cannot take it (never cached).

    Tokens are grouped by length (1 to 255 bytes): a header with each
    group's length and size, then every group's ranks (little-endian
    32-bit), then every group's tokens back to back. Fixed-length groups let
    the reader cut the tokens with one regular expression per group instead
    of a Python loop over 200,000 tokens.
    """
    groups: dict[int, list[tuple[bytes, int]]] = {}
    for token, rank in ranks.items():
        if not 0 < len(token) < 256 or not 0 <= rank < 2**32:
            return None
        groups.setdefault(len(token), []).append((token, rank))
    ordered = [sorted(groups[length], key=lambda item: item[1]) for length in sorted(groups)]
    header = len(ordered).to_bytes(2, "little") + b"".join(
        bytes([len(group[0][0])]) + len(group).to_bytes(4, "little") for group in ordered
    )
    numbers = array("I", (rank for group in ordered for _, rank in group))
    if numbers.itemsize != 4:
        return None
    if sys.byteorder == "big":
        numbers.byteswap()
    tokens = b"".join(token for group in ordered for token, _ in group)
    return header + numbers.tobytes() + tokens


def _decode_payload(payload: bytes) -> dict[bytes, int]:
    count = int.from_bytes(payload[:2], "little")
    sizes = [
        (payload[2 + 5 * i], int.from_bytes(payload[3 + 5 * i : 7 + 5 * i], "little"))
        for i in range(count)
    ]
    numbers = array("I")
    start = 2 + 5 * count
    total = sum(n for _, n in sizes)
    numbers.frombytes(payload[start : start + 4 * total])
    if sys.byteorder == "big":
        numbers.byteswap()
    ranks: dict[bytes, int] = {}
    at, first = start + 4 * total, 0
    for length, n in sizes:
        pieces = _group_pattern(length).findall(payload, at, at + length * n)
        ranks.update(zip(pieces, numbers[first : first + n], strict=True))
        at += length * n
        first += n
    return ranks


def _ranks(spec: EncodingSpec) -> dict[bytes, int]:
    path = _cache_file(spec)
    if path is not None:
        cached = _read_cache(path, spec)
        if cached is not None:
            return cached
    ranks = _parse_ranks(bundled_bytes(spec.name))
    if path is not None:
        _write_cache(path, spec, ranks)
    return ranks


def _read_cache(path: Path, spec: EncodingSpec) -> dict[bytes, int] | None:
    try:
        blob = read_regular(path, _CACHE_MAX_BYTES, follow=False)
    except (OSError, PromptwiseError):
        return None
    if not blob.startswith(_CACHE_MAGIC):
        return None
    payload = blob[len(_CACHE_MAGIC) :]
    if hashlib.sha256(payload).hexdigest() != spec.ranks_sha256:
        return None
    return _decode_payload(payload)


def _write_cache(path: Path, spec: EncodingSpec, ranks: dict[bytes, int]) -> None:
    payload = ranks_payload(ranks)
    if payload is None or hashlib.sha256(payload).hexdigest() != spec.ranks_sha256:
        return  # would be refused when read back
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A fresh, exclusively created name: never write through a planted symlink.
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_CACHE_MAGIC + payload)
        os.replace(temporary, path)  # readers see the old file or the whole new one
    except OSError:  # a read-only home or a full disk: parse again next time
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
