"""Files and bytes to a PromptDocument, with unreadable input as a document too.

A file that cannot be read (missing, a directory, no permission, too
large, binary, not UTF-8) still becomes a :class:`PromptDocument`: one that
holds only a ``PW000`` problem saying why, on the offending line when there
is one. Every adapter that starts from bytes (the command line, the git diff
of a change) then reports it like any finding, and nothing is silently
skipped.
"""

from __future__ import annotations

from promptwise.document import chat
from promptwise.document.model import ParseProblem, PromptDocument, PromptFormat, TemplateSyntax
from promptwise.document.parse import decode, parse_document
from promptwise.document.text import Span
from promptwise.errors import InputError
from promptwise.files import Candidate, read_candidate

READ_PROBLEM = "PW000"


def error_document(
    path: str, message: str, text: str = "", line: int | None = None
) -> PromptDocument:
    """A document that carries only the reason it could not be read."""
    span = Span(0, 0)
    if line is not None and text:
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        start = starts[min(line - 1, len(starts) - 1)]
        end = text.find("\n", start)
        span = Span(start, len(text) if end == -1 else end)
    return PromptDocument(
        path=path,
        text=text,
        format=PromptFormat.TEXT,
        syntax=TemplateSyntax.NONE,
        segments=(),
        problems=(ParseProblem(READ_PROBLEM, message, span),),
    )


def unreadable(document: PromptDocument) -> bool:
    """True for a document that only says why its file could not be read."""
    return any(p.code == READ_PROBLEM for p in document.problems)


def read_document(candidate: Candidate, display: str) -> PromptDocument | None:
    """Read and parse one file, named ``display`` in messages.

    Only a regular file within the size cap is read (see
    :func:`files.read_candidate`). None when the candidate is a JSON/YAML
    file found by walking that holds no chat messages: it is not a prompt
    file at all.
    """
    try:
        data = read_candidate(candidate)
    except FileNotFoundError:
        return error_document(display, "no such file")
    except IsADirectoryError:
        return error_document(display, "is a directory")
    except PermissionError:
        return error_document(display, "permission denied")
    except InputError as exc:
        return error_document(display, exc.detail)
    except OSError as exc:
        return error_document(display, f"cannot read: {exc.strerror or exc}")
    return parse_bytes(data, display, sniff_chat=candidate.sniff_chat)


def parse_bytes(
    data: bytes, display: str, *, sniff_chat: bool = False, fmt: PromptFormat | None = None
) -> PromptDocument | None:
    """Decode and parse; bad bytes become a ``PW000`` document (see :func:`read_document`)."""
    try:
        text = decode(data, display)
    except InputError as exc:
        if exc.line is not None:
            return error_document(display, exc.detail, data.decode("utf-8", "replace"), exc.line)
        return error_document(display, exc.detail)
    if sniff_chat and not chat.looks_like_chat(text):
        return None
    try:
        return parse_document(text, display, fmt)
    except chat.NotChat as exc:
        if sniff_chat:
            return None
        return error_document(display, str(exc).split(": ", 1)[-1], text)
