"""Caches bounded by the memory they hold, not by how many entries they have.

The analysis caches results by text (a piece's phrase matches, a document's
task profile, its directive spans, a parsed included file) so that an edit
re-does only what changed. Bounded by entry count, they were bounded by
nothing useful: 200,000 pieces of a few kilobytes, or 256 profiles of a
megabyte document each, is hundreds of megabytes, and a long editing session
in the language server kept growing (190 MB over 12,000 edits of a 17 KB
file; 1.36 GB after 300 analyses of an 850,000-character one).

Each :class:`SizedCache` here is a least-recently-used map that charges
every entry an estimate of its bytes (the key's text, as
``sys.getsizeof`` counts it, plus the value as its owner estimates it) and
evicts the oldest entries while the total is over the cache's share of one
process-wide budget. The estimates were checked against ``tracemalloc``
(``tests/hardening/test_memory.py`` tests the plateau they give). The budget
is ``PROMPTWISE_CACHE_MB`` megabytes, 128 by default.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_DEFAULT_MB = 128


def _budget_from_env() -> int:
    raw = os.environ.get("PROMPTWISE_CACHE_MB", "").strip()
    try:
        mb = float(raw) if raw else _DEFAULT_MB
    except ValueError:
        mb = _DEFAULT_MB
    return max(1, int(mb * 1_048_576))


class Bounded(Protocol):
    """What the registry needs of a cache: its name, what it holds, its bound."""

    name: str
    bytes_used: int
    peak_bytes: int

    @property
    def max_bytes(self) -> int: ...

    def shrink(self) -> None: ...


_budget = _budget_from_env()
_caches: list[Bounded] = []
_registry_lock = threading.Lock()


def register(cache: Bounded) -> None:
    """Count ``cache`` against the budget (:func:`caches` lists it)."""
    with _registry_lock:
        _caches.append(cache)


def text_bytes(text: str) -> int:
    """What a ``str`` occupies (constant time: CPython stores its width and length)."""
    return sys.getsizeof(text)


class Tally:
    """A thread-safe count of work done (units computed rather than taken
    from a cache), so tests can prove an edit re-derives only what it touched."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def add(self) -> None:
        with self._lock:
            self._count += 1

    def reset(self) -> None:
        with self._lock:
            self._count = 0

    @property
    def count(self) -> int:
        return self._count


class SizedCache(Generic[K, V]):
    """A thread-safe LRU map holding at most ``share`` of the budget, by estimated bytes."""

    def __init__(self, name: str, share: float, size_of: Callable[[K, V], int]) -> None:
        self.name = name
        self.share = share
        self._size_of = size_of
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes_used = 0
        self.peak_bytes = 0  # the most it ever held (what the tests check against the bound)
        register(self)

    @property
    def max_bytes(self) -> int:
        return int(_budget * self.share)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def __contains__(self, key: K) -> bool:
        with self._lock:
            return key in self._entries

    def put(self, key: K, value: V) -> None:
        """Keep ``value``; an entry bigger than the whole share is not kept at all."""
        size = self._size_of(key, value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes_used -= old[1]
            if size > self.max_bytes:
                return
            self._entries[key] = (value, size)
            self.bytes_used += size
            self._evict()
            self.peak_bytes = max(self.peak_bytes, self.bytes_used)

    def shrink(self) -> None:
        with self._lock:
            self._evict()

    def _evict(self) -> None:
        limit = self.max_bytes
        while self.bytes_used > limit and self._entries:
            _, (_, size) = self._entries.popitem(last=False)
            self.bytes_used -= size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes_used = 0


def caches() -> tuple[Bounded, ...]:
    """Every size-bounded cache of the process (for tests and the status report)."""
    with _registry_lock:
        return tuple(_caches)


def budget() -> int:
    return _budget


def set_budget(total_bytes: int) -> None:
    """Change the process-wide budget; caches over their new share shrink at once."""
    global _budget
    _budget = max(1, int(total_bytes))
    for cache in caches():
        cache.shrink()
