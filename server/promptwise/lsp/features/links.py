"""Document links: every reference to another file that resolves, clickable.

The link covers the path or partial name only (``header`` in
``{{> header}}``, ``docs/guide.md`` in ``[guide](docs/guide.md)``), and its
tooltip says which kind of reference it is and whether the file's text is
sent with the prompt. A reference that resolves to nothing gets no link:
the PW020 diagnostic is on it instead.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.lsp import convert
from promptwise.project.references import ReferenceKind

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

_WHAT = {
    ReferenceKind.PARTIAL: "Dotprompt partial",
    ReferenceKind.FILE: "Prompty file reference",
    ReferenceKind.LINK: "link",
    ReferenceKind.COPILOT_FILE: "attached file",
}


async def document_links(
    ls: PromptwiseServer, params: lsp.DocumentLinkParams
) -> list[lsp.DocumentLink]:
    analysis = await ls.documents.current_analysis(params.text_document.uri)
    if analysis is None or analysis.composition is None:
        return []
    doc = analysis.document
    # By path: a file attached twice is sent (and counted) once, under its first reference.
    included = {i.path: i.tokens for i in analysis.composition.inclusions}
    links: list[lsp.DocumentLink] = []
    for item in analysis.composition.references:
        ref, resolution = item.reference, item.resolution
        if not resolution.found or resolution.path is None:
            continue
        tip = f"{_WHAT[ref.kind]}: {os.path.basename(resolution.path.rstrip(os.sep))}"
        if ref.included and resolution.path in included:
            tip += f" (sent with this prompt: {included[resolution.path]:,} tokens)"
        links.append(
            lsp.DocumentLink(
                range=convert.to_range(doc.lines, ref.target_span, ls.encoding),
                target=convert.path_to_uri(resolution.path),
                tooltip=tip,
            )
        )
    return links
