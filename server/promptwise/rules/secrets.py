"""Secrets found in a prompt are never printed in full.

A finding of a rule marked ``secret: true`` (PW402) covers a key, a token or
a private key. Reports travel further than the file: CI logs, SARIF uploads,
JUnit artifacts, pull-request annotations, editor hover cards. So every
message that would quote a secret shows a masked prefix instead (enough to
tell which key it is, never enough to use it), and the text report masks
the secret in the source line it quotes. The masking is done once, on the
findings, so every output format (and the language server) gets it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from promptwise.document.text import Span
from promptwise.findings import Finding

MASK = "…"
_MAX_SHOWN = 8


def shown_prefix(secret: str) -> int:
    """How many leading characters of ``secret`` are shown: a fifth, 3 to 8.

    Key formats start with a fixed tag (``sk-proj-``, ``AKIA``, ``ghp_``),
    which is what a reader needs to find the key; at most a couple of the
    random characters after it are shown.
    """
    return min(_MAX_SHOWN, max(3, len(secret) // 5), max(0, len(secret) - 1))


def mask(secret: str) -> str:
    """``sk-proj-4f9Q…`` style: the prefix, then an ellipsis."""
    return secret[: shown_prefix(secret)] + MASK


def secret_texts(text: str, spans: Iterable[Span]) -> list[str]:
    """The distinct secrets at ``spans``, longest first (so none hides in another)."""
    found = {text[s.start : s.end] for s in spans if s.end > s.start}
    return sorted(found, key=lambda s: (-len(s), s))


def scrub(value: str, secrets: Sequence[str]) -> str:
    """``value`` with every secret in it masked."""
    for secret in secrets:
        if secret in value:
            value = value.replace(secret, mask(secret))
    return value


def redact(text: str, findings: list[Finding], secret_codes: Iterable[str]) -> list[Finding]:
    """The findings with every secret one of them found masked in all their words.

    Not only the secret rule's own message: any other finding, fix title or
    related note that quotes the same text is masked too.
    """
    codes = set(secret_codes)
    secrets = secret_texts(text, (f.span for f in findings if f.code in codes))
    if not secrets:
        return findings
    out = []
    for finding in findings:
        fixes = tuple(dataclasses.replace(f, title=scrub(f.title, secrets)) for f in finding.fixes)
        related = tuple(
            dataclasses.replace(r, message=scrub(r.message, secrets)) for r in finding.related
        )
        out.append(
            dataclasses.replace(
                finding, message=scrub(finding.message, secrets), fixes=fixes, related=related
            )
        )
    return out


def mask_line(
    line: str, line_start: int, secrets: Sequence[Span], start: int, end: int
) -> tuple[str, int, int]:
    """A quoted source line with the secrets on it masked.

    ``start``/``end`` are columns of the finding being shown; they move with
    the text so the caret still points at the same thing.
    """
    for span in sorted(secrets, key=lambda s: s.start, reverse=True):
        a = max(span.start - line_start, 0)
        b = min(span.end - line_start, len(line))
        if b <= a:
            continue
        shown = mask(line[a:b])
        line = line[:a] + shown + line[b:]
        start, end = (_moved(c, a, b, len(shown)) for c in (start, end))
    return line, start, end


def _moved(column: int, a: int, b: int, shown: int) -> int:
    """Where ``column`` lands once ``[a, b)`` became ``shown`` characters long."""
    if column >= b:
        return column + shown - (b - a)
    return min(column, a + shown) if column > a else column
