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

import base64
import gzip
import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

import tiktoken

from promptwise.errors import PromptwiseError


@dataclass(frozen=True)
class EncodingSpec:
    name: str
    sha256: str
    pattern: str
    special_tokens: dict[str, int]


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
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


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
            encoding = tiktoken.Encoding(
                name=spec.name,
                pat_str=spec.pattern,
                mergeable_ranks=_parse_ranks(bundled_bytes(name)),
                special_tokens=spec.special_tokens,
            )
            _loaded[name] = encoding
    return encoding
