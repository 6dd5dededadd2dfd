"""Quick fixes: the rules' own fixes, "disable" comments, "ignore in config", fix all.

Fix titles come from the rules ("Replace `brief` with a number"); the
suppression actions write the format's own comment. The edits themselves
come from the core (:mod:`promptwise.edits`); this module only turns them
into code actions. ``source.fixAll.promptwise`` applies
only fixes their rule marks safe, never the ones that need review.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise import edits as file_edits
from promptwise.document.text import LineIndex, Span
from promptwise.findings import Finding, TextEdit
from promptwise.lsp import convert
from promptwise.lsp.features.diagnostics import diagnostics_for
from promptwise.lsp.ids import CMD_IGNORE_IN_CONFIG, FIX_ALL_KIND
from promptwise.lsp.workspace import DocumentAnalysis

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def _wanted(only: list[str] | None, kind: str) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def _touches(finding: Finding, span: Span) -> bool:
    a, b = finding.span.start, finding.span.end
    return a <= span.end and span.start <= b


async def code_actions(ls: PromptwiseServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    result = await ls.documents.analysis(params.text_document.uri)
    if result is None or result.analysis is None:
        return []
    analysis = result.analysis
    doc = analysis.document
    lines = doc.lines
    encoding = ls.encoding
    only = [str(getattr(k, "value", k)) for k in (params.context.only or [])] or None
    document_changes = bool(ls.capability("workspace.workspace_edit.document_changes", False))
    snippets = document_changes and bool(
        ls.capability("workspace.workspace_edit.snippet_edit_support", False)
    )
    diagnostics = diagnostics_for(ls, result)
    requested = convert.to_span(lines, params.range, encoding)

    def edit(edits: tuple[TextEdit, ...] | list[TextEdit]) -> lsp.WorkspaceEdit:
        return convert.workspace_edit(
            result.uri,
            result.version,
            lines,
            list(edits),
            encoding,
            document_changes=document_changes,
            snippets=snippets,
        )

    actions: list[lsp.CodeAction] = []
    quickfix = lsp.CodeActionKind.QuickFix
    if _wanted(only, quickfix.value):
        seen: set[tuple[str, str]] = set()
        suppress: list[lsp.CodeAction] = []
        for index, finding in enumerate(analysis.findings):
            if not _touches(finding, requested):
                continue
            diag = [diagnostics[index]]
            for n, fix in enumerate(finding.fixes):
                actions.append(
                    lsp.CodeAction(
                        title=fix.title,
                        kind=quickfix,
                        diagnostics=diag,
                        edit=edit(fix.edits),
                        is_preferred=(fix.safe and n == 0) or None,
                    )
                )
            line_edit = file_edits.disable_line(doc, finding)
            line_key = (finding.code, f"line{lines.line_of(finding.span.start)}")
            if line_edit is not None and line_key not in seen:
                seen.add(line_key)
                suppress.append(
                    lsp.CodeAction(
                        title=f"Disable {finding.code} for this line",
                        kind=quickfix,
                        diagnostics=diag,
                        edit=edit([line_edit]),
                    )
                )
            if (finding.code, "file") not in seen:
                seen.add((finding.code, "file"))
                file_edit = file_edits.disable_file(doc, finding.code)
                if file_edit is not None:
                    suppress.append(
                        lsp.CodeAction(
                            title=f"Disable {finding.code} for this file",
                            kind=quickfix,
                            diagnostics=diag,
                            edit=edit([file_edit]),
                        )
                    )
                if file_edit is None and not file_edits.suppressed_in_file(doc, finding.code):
                    # No comment fits this file: the config names it instead.
                    here = _ignore_action(
                        ls, result, finding, diag, CMD_IGNORE_IN_CONFIG, this_file=True
                    )
                    if here is not None:
                        suppress.append(here)
                config = _ignore_action(ls, result, finding, diag, CMD_IGNORE_IN_CONFIG)
                if config is not None:
                    suppress.append(config)
        actions.extend(suppress)
    if _wanted(only, FIX_ALL_KIND) and (only or actions):
        fix_all = file_edits.safe_edits(analysis.findings)
        if fix_all:
            actions.append(
                lsp.CodeAction(
                    title="Promptwise: apply all safe fixes", kind=FIX_ALL_KIND, edit=edit(fix_all)
                )
            )
    return actions


def _ignore_action(
    ls: PromptwiseServer,
    result: DocumentAnalysis,
    finding: Finding,
    diag: list[lsp.Diagnostic],
    command: str,
    *,
    this_file: bool = False,
) -> lsp.CodeAction | None:
    """Add the code to ``ignore`` in the config file that applies to this prompt,
    or (``this_file``) to its ``per_file_ignores`` entry for this prompt alone."""
    assert result.analysis is not None
    path = result.analysis.document.path
    if not Path(path).is_absolute():
        return None
    config = ls.settings.config_for(path)
    folder = ls.settings.folder_of(path)
    new_dir = Path(folder) if folder else Path(path).parent
    try:
        if this_file:
            change = file_edits.per_file_ignore_in_config(config, Path(path), finding.code, new_dir)
        else:
            change = file_edits.ignore_in_config(config, finding.code, new_dir)
    except file_edits.ConfigEditError:  # no edit that keeps the config valid: none offered
        return None
    if change is None:
        return None
    scope = " for this file" if this_file else ""
    title = f"Ignore {finding.code}{scope} in {change.path.name}" + (
        " (new file)" if change.create else ""
    )
    kind = lsp.CodeActionKind.QuickFix
    can_create = "create" in [
        str(getattr(k, "value", k))
        for k in ls.capability("workspace.workspace_edit.resource_operations", []) or []
    ]
    document_changes = bool(ls.capability("workspace.workspace_edit.document_changes", False))
    if change.create and not (can_create and document_changes):
        # The client cannot create files through an edit: the server writes it.
        return lsp.CodeAction(
            title=title,
            kind=kind,
            diagnostics=diag,
            command=lsp.Command(
                title=title,
                command=command,
                arguments=[result.uri, finding.code, *(["file"] if this_file else [])],
            ),
        )
    edit = convert.file_edit(
        convert.path_to_uri(str(change.path)),
        LineIndex(change.text),
        list(change.edits),
        ls.encoding,
        create=change.create,
        document_changes=document_changes,
    )
    return lsp.CodeAction(title=title, kind=kind, diagnostics=diag, edit=edit)
