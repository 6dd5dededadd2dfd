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
import marshal
import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
            encoding = tiktoken.Encoding(
                name=spec.name,
                pat_str=spec.pattern,
                mergeable_ranks=_ranks(spec),
                special_tokens=spec.special_tokens,
            )
            _loaded[name] = encoding
    return encoding


# ------------------------------------------------------------- rank cache
#
# Parsing the 200,000 base64 lines is most of the Python side of a cold
# start (~0.2 s, on every `check` and every server launch). The parsed
# dict is kept in the user's cache folder in `marshal` form, which loads in
# a third of the time. The file is named by the rank file's published
# SHA-256 and carries a digest of its own payload, so a stale, truncated
# cache is ignored and rebuilt from the bundled file. marshal only yields
# data here (nothing is executed) and anything but a dict of bytes to int
# is discarded. Any I/O problem simply means no cache.

_CACHE_MAGIC = b"promptwise-ranks-1\n"


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
    return folder / f"{spec.name}-{spec.sha256[:16]}-m{marshal.version}.ranks"


def _ranks(spec: EncodingSpec) -> dict[bytes, int]:
    path = _cache_file(spec)
    if path is not None:
        cached = _read_cache(path)
        if cached is not None:
            return cached
    ranks = _parse_ranks(bundled_bytes(spec.name))
    if path is not None:
        _write_cache(path, ranks)
    return ranks


def _read_cache(path: Path) -> dict[bytes, int] | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(_CACHE_MAGIC)
    if not blob.startswith(_CACHE_MAGIC) or len(blob) < head + 32:
        return None
    digest, payload = blob[head : head + 32], blob[head + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        ranks = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(ranks, dict) or not ranks:
        return None
    key, value = next(iter(ranks.items()))
    if not isinstance(key, bytes) or not isinstance(value, int):
        return None
    return ranks


def _write_cache(path: Path, ranks: dict[bytes, int]) -> None:
    payload = marshal.dumps(ranks)
    blob = _CACHE_MAGIC + hashlib.sha256(payload).digest() + payload
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(blob)
        os.replace(temporary, path)  # readers see the old file or the whole new one
    except OSError:  # a read-only home or a full disk: parse again next time
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
