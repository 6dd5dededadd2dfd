"""Conversions between core objects and lsprotocol types, in one place.

The core speaks code-point offsets (:class:`~promptwise.document.text.Span`);
LSP speaks line/character positions in the encoding negotiated at
``initialize`` (UTF-16 unless the client offers UTF-8 or UTF-32). Every
handler goes through these functions, so no feature can get the unit wrong
on its own, and no other module needs to import both worlds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp

from promptwise.document.model import SegmentKind
from promptwise.document.text import Encoding, LineIndex, Position, Span
from promptwise.findings import Finding, Related, Severity, TextEdit
from promptwise.lsp.ids import DIAGNOSTIC_SOURCE
from promptwise.rules.model import Rule

_ENCODINGS: dict[str, Encoding] = {
    lsp.PositionEncodingKind.Utf8.value: "utf-8",
    lsp.PositionEncodingKind.Utf16.value: "utf-16",
    lsp.PositionEncodingKind.Utf32.value: "utf-32",
}

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}

_SYMBOL_KIND = {
    SegmentKind.FRONTMATTER: lsp.SymbolKind.Namespace,
    SegmentKind.MESSAGE: lsp.SymbolKind.Event,
    SegmentKind.SECTION: lsp.SymbolKind.String,
    SegmentKind.BODY: lsp.SymbolKind.File,
    SegmentKind.EXAMPLE: lsp.SymbolKind.Constant,
    SegmentKind.CODE: lsp.SymbolKind.Module,
    SegmentKind.DATA: lsp.SymbolKind.Variable,
    SegmentKind.COMMENT: lsp.SymbolKind.Null,
}


# ------------------------------------------------------------------ positions


def encoding_of(kind: lsp.PositionEncodingKind | str | None) -> Encoding:
    """The core's name for a negotiated LSP position encoding (UTF-16 by default)."""
    if kind is None:
        return "utf-16"
    value = kind.value if isinstance(kind, lsp.PositionEncodingKind) else str(kind)
    return _ENCODINGS.get(value, "utf-16")


def to_position(lines: LineIndex, offset: int, encoding: Encoding) -> lsp.Position:
    pos = lines.position(offset, encoding)
    return lsp.Position(line=pos.line, character=pos.character)


def to_range(lines: LineIndex, span: Span, encoding: Encoding) -> lsp.Range:
    start = lines.position(span.start, encoding)
    end = start if span.end == span.start else lines.position(span.end, encoding)
    return lsp.Range(
        start=lsp.Position(line=start.line, character=start.character),
        end=lsp.Position(line=end.line, character=end.character),
    )


def to_offset(lines: LineIndex, position: lsp.Position, encoding: Encoding) -> int:
    """Offset of a client position; out-of-range positions are clamped, never an error."""
    return lines.offset(Position(position.line, position.character), encoding)


def to_span(lines: LineIndex, rng: lsp.Range, encoding: Encoding) -> Span:
    start = to_offset(lines, rng.start, encoding)
    end = to_offset(lines, rng.end, encoding)
    return Span(min(start, end), max(start, end))


def line_range(lines: LineIndex, line: int) -> lsp.Range:
    """A zero-width range at the start of ``line`` (encoding-independent)."""
    line = max(0, min(line, lines.line_count - 1))
    pos = lsp.Position(line=line, character=0)
    return lsp.Range(start=pos, end=pos)


# ----------------------------------------------------------------------- uris


def uri_to_path(uri: str) -> str:
    """Filesystem path of a ``file:`` URI; other schemes keep the URI as their name."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        # untitled:Untitled-1 and friends: the path part still carries a usable name
        return unquote(parsed.path) or uri
    path = unquote(parsed.path)
    if parsed.netloc and parsed.netloc != "localhost":
        path = f"//{parsed.netloc}{path}"
    if len(path) >= 3 and path[0] == "/" and path[2] == ":":  # /C:/... on Windows
        path = path[1:]
    return path


def path_to_uri(path: str) -> str:
    try:
        return Path(path).resolve().as_uri()
    except ValueError:
        return path


# ---------------------------------------------------------------- diagnostics


def severity(level: Severity) -> lsp.DiagnosticSeverity:
    return _SEVERITY[level]


def diagnostic(
    finding: Finding,
    lines: LineIndex,
    encoding: Encoding,
    rule: Rule | None,
    related: Callable[[Related], lsp.Location | None],
) -> lsp.Diagnostic:
    """One finding as an LSP diagnostic: code, docs link, severity, related places."""
    info = []
    for item in finding.related:
        location = related(item)
        if location is not None:
            info.append(lsp.DiagnosticRelatedInformation(location=location, message=item.message))
    return lsp.Diagnostic(
        range=to_range(lines, finding.span, encoding),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=lsp.CodeDescription(href=rule.docs_url) if rule is not None else None,
        source=DIAGNOSTIC_SOURCE,
        related_information=info or None,
        data={"name": finding.name, "fixes": [fix.title for fix in finding.fixes]},
    )


DiagnosticKey = tuple[object, ...]


def diagnostic_key(
    finding: Finding, lines: LineIndex, encoding: Encoding, rule: Rule | None
) -> DiagnosticKey | None:
    """Everything :func:`diagnostic` reads of a finding without related places.

    Two findings with equal keys convert to equal diagnostics, whatever their
    offsets: a keystroke moves the spans of every finding after it, but not
    the line and column of those on other lines. None for a finding with
    related places, whose locations depend on other open documents.
    """
    if finding.related:
        return None
    span = finding.span
    start = lines.position(span.start, encoding)
    end = start if span.end == span.start else lines.position(span.end, encoding)
    return (
        start.line,
        start.character,
        end.line,
        end.character,
        finding.code,
        finding.name,
        finding.severity,
        finding.message,
        tuple(fix.title for fix in finding.fixes),
        rule.docs_url if rule is not None else None,
    )


def internal_error_diagnostic(lines: LineIndex, message: str) -> lsp.Diagnostic:
    """Shown when analysing the file failed outright, so the failure is visible."""
    return lsp.Diagnostic(
        range=line_range(lines, 0),
        message=message,
        severity=lsp.DiagnosticSeverity.Error,
        code="PW008",
        source=DIAGNOSTIC_SOURCE,
    )


# ---------------------------------------------------------------------- edits


def text_edit(lines: LineIndex, edit: TextEdit, encoding: Encoding) -> lsp.TextEdit:
    """A plain text edit; snippet placeholders take their default text."""
    return lsp.TextEdit(range=to_range(lines, edit.span, encoding), new_text=edit.plain_text)


def snippet_edit(lines: LineIndex, edit: TextEdit, encoding: Encoding) -> lsp.SnippetTextEdit:
    return lsp.SnippetTextEdit(
        range=to_range(lines, edit.span, encoding), snippet=lsp.StringValue(value=edit.new_text)
    )


def workspace_edit(
    uri: str,
    version: int | None,
    lines: LineIndex,
    edits: Sequence[TextEdit],
    encoding: Encoding,
    *,
    document_changes: bool,
    snippets: bool,
) -> lsp.WorkspaceEdit:
    """Edits to one document.

    With ``document_changes`` the edit is pinned to the analysed version, so
    a client that has moved on rejects it instead of corrupting the text.
    Snippet edits (tab stops in a fix) need the LSP 3.18 ``SnippetTextEdit``
    and the client's ``snippetEditSupport``; otherwise placeholders become
    their default text.
    """
    if document_changes:
        items: list[lsp.TextEdit | lsp.AnnotatedTextEdit | lsp.SnippetTextEdit] = [
            snippet_edit(lines, e, encoding)
            if snippets and e.snippet
            else text_edit(lines, e, encoding)
            for e in edits
        ]
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=items,
                )
            ]
        )
    return lsp.WorkspaceEdit(changes={uri: [text_edit(lines, e, encoding) for e in edits]})


def file_edit(
    uri: str,
    lines: LineIndex,
    edits: Sequence[TextEdit],
    encoding: Encoding,
    *,
    create: bool,
    document_changes: bool,
) -> lsp.WorkspaceEdit:
    """Edits to a file that may not be open, or may not exist yet (``create``)."""
    changes = [text_edit(lines, e, encoding) for e in edits]
    if create:
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True)),
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=list(changes),
                ),
            ]
        )
    if document_changes:
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=list(changes),
                )
            ]
        )
    return lsp.WorkspaceEdit(changes={uri: changes})


# ------------------------------------------------------------------- markdown


def markdown(text: str) -> lsp.MarkupContent:
    return lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text)


def hover(
    text: str, lines: LineIndex, span: Span | None, encoding: Encoding, markdown_ok: bool = True
) -> lsp.Hover:
    content = lsp.MarkupContent(
        kind=lsp.MarkupKind.Markdown if markdown_ok else lsp.MarkupKind.PlainText, value=text
    )
    return lsp.Hover(
        contents=content, range=to_range(lines, span, encoding) if span is not None else None
    )


# -------------------------------------------------------------------- symbols


def symbol_kind(kind: SegmentKind) -> lsp.SymbolKind:
    return _SYMBOL_KIND.get(kind, lsp.SymbolKind.Object)


def document_symbol(
    name: str,
    detail: str,
    kind: SegmentKind,
    lines: LineIndex,
    span: Span,
    selection: Span,
    encoding: Encoding,
    children: Sequence[lsp.DocumentSymbol],
) -> lsp.DocumentSymbol:
    full = to_range(lines, span, encoding)
    chosen = to_range(lines, selection, encoding)
    return lsp.DocumentSymbol(
        name=name or kind.value,
        detail=detail,
        kind=symbol_kind(kind),
        range=full,
        selection_range=chosen,
        children=list(children) or None,
    )


def symbol_information(
    name: str,
    container: str | None,
    kind: SegmentKind,
    uri: str,
    lines: LineIndex,
    span: Span,
    encoding: Encoding,
) -> lsp.SymbolInformation:
    return lsp.SymbolInformation(
        name=name or kind.value,
        kind=symbol_kind(kind),
        container_name=container,
        location=lsp.Location(uri=uri, range=to_range(lines, span, encoding)),
    )


def folding_range(start_line: int, end_line: int, kind: SegmentKind) -> lsp.FoldingRange:
    fold_kind = (
        lsp.FoldingRangeKind.Comment if kind is SegmentKind.COMMENT else lsp.FoldingRangeKind.Region
    )
    return lsp.FoldingRange(start_line=start_line, end_line=end_line, kind=fold_kind)


# ------------------------------------------------------------------ settings


def settings_payload(value: Any) -> Mapping[str, Any] | None:
    """The ``promptwise`` object from whatever a client sends as settings.

    Clients send ``{"promptwise": {...}}``, the section itself, or ``null``;
    anything that is not a mapping means "no settings".
    """
    if not isinstance(value, Mapping):
        return None
    inner = value.get("promptwise")
    if isinstance(inner, Mapping):
        return inner
    return value


def plain(value: Any) -> Any:
    """JSON-ready copy of lsprotocol/cattrs values that arrive as LSPAny."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def glob_patterns(
    patterns: Iterable[tuple[str, str]], relative: bool
) -> list[lsp.FileSystemWatcher]:
    """Watchers for ``(base folder, glob)`` pairs.

    Clients with ``relativePatternSupport`` get a base URI plus a relative
    glob; older ones get one absolute glob string.
    """
    out: list[lsp.FileSystemWatcher] = []
    for base, glob in patterns:
        if relative and base:
            pattern: lsp.GlobPattern = lsp.RelativePattern(base_uri=path_to_uri(base), pattern=glob)
        elif base and not glob.startswith("/") and not glob.startswith("**"):
            pattern = f"{Path(base).as_posix().rstrip('/')}/{glob}"
        else:
            pattern = glob
        out.append(lsp.FileSystemWatcher(glob_pattern=pattern))
    return out
