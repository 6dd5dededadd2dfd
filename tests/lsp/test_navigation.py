"""Go to definition, references, rename and document links, over the real server.

Each test writes a small project into its own temporary folder (a ``.git``
folder makes it the workspace root) and opens its files on the shared
server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from tests.lsp.conftest import (
    RecordingClient,
    apply_text_edits,
    at,
    barrier,
    codes,
    diagnostics,
    edits_for,
    opened,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOC = lsp.TextDocumentIdentifier

PROMPTY = """---
name: Support answer
model:
  id: gpt-4o
inputs:
  question:
    type: string
  context:
    type: string
---
system:
Answer from the context only.
<context>{{context}}</context>

user:
{{question}} (asked again: {{ question }})
"""

STORY = """---
model: gemini-2.5-flash
input:
  schema:
    topic: string
---
{{> header}}
Write a story about {{topic}}.
{{> header}}
"""

REVIEW = """---
description: Review a change
---
Review the change against [the style guide](docs/style.md) and [gone](docs/gone.md).
Attach #file:docs/style.md and read [the web page](https://example.com).
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "support.prompty").write_text(PROMPTY, encoding="utf-8")
    (tmp_path / "story.prompt").write_text(STORY, encoding="utf-8")
    (tmp_path / "_header.prompt").write_text("You tell short stories.\n", encoding="utf-8")
    (tmp_path / "review.prompt.md").write_text(REVIEW, encoding="utf-8")
    (tmp_path / "docs" / "style.md").write_text("Use active voice.\n", encoding="utf-8")
    return tmp_path


def position_of(text: str, needle: str, nth: int = 0, into: int = 1) -> lsp.Position:
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    before = text[: index + into]
    return at(before.count("\n"), len(before) - (before.rfind("\n") + 1))


def covered(text: str, rng: lsp.Range) -> str:
    lines = text.split("\n")
    assert rng.start.line == rng.end.line
    return lines[rng.start.line][rng.start.character : rng.end.character]


async def test_a_variable_goes_to_its_declaration(shared: RecordingClient, project: Path) -> None:
    async with opened(shared, project / "support.prompty") as uri:
        found = await shared.text_document_definition_async(
            lsp.DefinitionParams(
                text_document=DOC(uri), position=position_of(PROMPTY, "{{ question", into=4)
            )
        )
        assert isinstance(found, list) and len(found) == 1
        location = found[0]
        assert isinstance(location, lsp.Location) and location.uri == uri
        assert location.range.start.line == 5  # `  question:` under inputs
        assert covered(PROMPTY, location.range) == "question"


async def test_references_of_a_variable(shared: RecordingClient, project: Path) -> None:
    async with opened(shared, project / "support.prompty") as uri:
        where = position_of(PROMPTY, "question", nth=1)
        with_decl = await shared.text_document_references_async(
            lsp.ReferenceParams(
                text_document=DOC(uri),
                position=where,
                context=lsp.ReferenceContext(include_declaration=True),
            )
        )
        uses = await shared.text_document_references_async(
            lsp.ReferenceParams(
                text_document=DOC(uri),
                position=where,
                context=lsp.ReferenceContext(include_declaration=False),
            )
        )
        assert with_decl is not None and uses is not None
        assert [r.range.start.line for r in with_decl] == [5, 15, 15]
        assert [r.range.start.line for r in uses] == [15, 15]
        assert {covered(PROMPTY, r.range) for r in with_decl} == {"question"}


async def test_rename_a_variable_everywhere_in_the_file(
    shared: RecordingClient, project: Path
) -> None:
    async with opened(shared, project / "support.prompty") as uri:
        where = position_of(PROMPTY, "{{question", into=3)
        prepared = await shared.text_document_prepare_rename_async(
            lsp.PrepareRenameParams(text_document=DOC(uri), position=where)
        )
        assert isinstance(prepared, lsp.PrepareRenamePlaceholder)
        assert prepared.placeholder == "question"
        edit = await shared.text_document_rename_async(
            lsp.RenameParams(text_document=DOC(uri), position=where, new_name="customer_question")
        )
        assert edit is not None
        renamed = apply_text_edits(PROMPTY, edits_for(edit, uri))
        assert renamed == PROMPTY.replace("question:", "customer_question:").replace(
            "{{question}}", "{{customer_question}}"
        ).replace("{{ question }}", "{{ customer_question }}")
        for bad in ("two words", "context"):  # not a name; already a variable
            with pytest.raises(JsonRpcException):
                await shared.text_document_rename_async(
                    lsp.RenameParams(text_document=DOC(uri), position=where, new_name=bad)
                )
        # Prose is not a variable: nothing to rename there.
        none = await shared.text_document_prepare_rename_async(
            lsp.PrepareRenameParams(
                text_document=DOC(uri), position=position_of(PROMPTY, "Answer from")
            )
        )
        assert none is None


async def test_a_partial_goes_to_its_file(shared: RecordingClient, project: Path) -> None:
    async with opened(shared, project / "story.prompt") as uri:
        found = await shared.text_document_definition_async(
            lsp.DefinitionParams(
                text_document=DOC(uri), position=position_of(STORY, "header", into=2)
            )
        )
        assert isinstance(found, list)
        assert [Path(lsp_path(loc.uri)).name for loc in found] == ["_header.prompt"]
        both = await shared.text_document_references_async(
            lsp.ReferenceParams(
                text_document=DOC(uri),
                position=position_of(STORY, "header"),
                context=lsp.ReferenceContext(include_declaration=True),
            )
        )
        assert both is not None and [r.range.start.line for r in both] == [6, 8]
        # A partial cannot be renamed from here: the file would have to move.
        prepared = await shared.text_document_prepare_rename_async(
            lsp.PrepareRenameParams(text_document=DOC(uri), position=position_of(STORY, "header"))
        )
        assert prepared is None


def lsp_path(uri: str) -> str:
    from promptwise.lsp.convert import uri_to_path

    return uri_to_path(uri)


async def test_document_links_for_every_reference_that_resolves(
    shared: RecordingClient, project: Path
) -> None:
    async with opened(shared, project / "review.prompt.md") as uri:
        links = await shared.text_document_document_link_async(
            lsp.DocumentLinkParams(text_document=DOC(uri))
        )
        assert links is not None
        shown = [
            (covered(REVIEW, link.range), Path(lsp_path(link.target or "")).name) for link in links
        ]
        assert shown == [("docs/style.md", "style.md"), ("docs/style.md", "style.md")]
        assert all("sent with this prompt" in (link.tooltip or "") for link in links)
        found = await diagnostics(shared, uri)
        assert [(d.code, d.range.start.line) for d in found if d.code == "PW020"] == [("PW020", 3)]
    async with opened(shared, project / "story.prompt") as uri:
        links = await shared.text_document_document_link_async(
            lsp.DocumentLinkParams(text_document=DOC(uri))
        )
        assert [covered(STORY, link.range) for link in links or []] == ["header", "header"]


async def test_saving_an_included_file_refreshes_the_prompts_that_use_it(
    shared: RecordingClient, project: Path
) -> None:
    (project / "_header.prompt").unlink()
    async with opened(shared, project / "story.prompt") as uri:
        first = await diagnostics(shared, uri)
        assert codes(first).count("PW020") == 2
        seen = len(shared.published[uri])
        header = project / "_header.prompt"
        header.write_text("You tell short stories.\n", encoding="utf-8")
        async with opened(shared, header) as header_uri:
            shared.text_document_did_save(
                lsp.DidSaveTextDocumentParams(text_document=DOC(header_uri))
            )
            await barrier(shared)
            again = await diagnostics(shared, uri, after=seen)
            assert "PW020" not in codes(again)


async def test_the_cost_lens_and_hints_count_included_files(
    shared: RecordingClient, project: Path
) -> None:
    from promptwise.analysis import analyze_text
    from promptwise.config import Settings

    header_tokens = analyze_text("You tell short stories.\n", "h.txt", Settings()).tokens.total
    async with opened(shared, project / "story.prompt") as uri:
        lenses = await shared.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=DOC(uri))
        )
        titles = [lens.command.title for lens in lenses or [] if lens.command]
        assert any(f"(+≈{2 * header_tokens:,} included)" in t for t in titles), titles
        hints = await shared.text_document_inlay_hint_async(
            lsp.InlayHintParams(
                text_document=DOC(uri), range=lsp.Range(start=at(0, 0), end=at(20, 0))
            )
        )
        included = [h for h in hints or [] if "included" in str(h.label)]
        assert [(h.position.line, h.label) for h in included] == [
            (6, f"+≈{header_tokens:,} tok included"),
            (8, f"+≈{header_tokens:,} tok included"),
        ]


async def test_the_workspace_command_lists_what_tokens_tree_lists(
    shared: RecordingClient, project: Path
) -> None:
    import io
    import json
    import os

    from promptwise.cli import main

    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(project)
        assert main(["tokens", str(project), "--tree", "--format", "json"], out=out) == 0
    finally:
        os.chdir(cwd)
    cli = json.loads(out.getvalue())
    result = await shared.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command="promptwise.showWorkspaceTokens", arguments=[project.as_uri()]
        )
    )
    assert result["prompts"] == cli["prompts"]
    assert result["total"] == cli["total"]
    costs = [p["cost_per_day"] for p in result["prompts"] if p["cost_per_day"] is not None]
    assert costs == sorted(costs, reverse=True) and len(costs) == 3
    assert [Path(p["path"]).name for p in result["prompts"]][-1] == "_header.prompt"
    assert "| `review.prompt.md`" in result["markdown"]
    with pytest.raises(JsonRpcException):
        await shared.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command="promptwise.showWorkspaceTokens",
                arguments=[(project / "nowhere").as_uri()],
            )
        )


async def test_saving_a_file_two_includes_deep_recounts_the_prompt(
    shared: RecordingClient, project: Path
) -> None:
    (project / "_header.prompt").write_text("Intro.\n{{> footer}}\n", encoding="utf-8")
    footer = project / "_footer.prompt"
    footer.write_text("Short.\n", encoding="utf-8")
    async with opened(shared, project / "story.prompt") as uri:

        async def included() -> str:
            lenses = await shared.text_document_code_lens_async(
                lsp.CodeLensParams(text_document=DOC(uri))
            )
            return next(
                lens.command.title
                for lens in lenses or []
                if lens.command and "included" in lens.command.title
            )

        before = await included()
        footer.write_text("Much longer now: " + "every word counts. " * 40 + "\n", encoding="utf-8")
        async with opened(shared, footer) as footer_uri:
            shared.text_document_did_save(
                lsp.DidSaveTextDocumentParams(text_document=DOC(footer_uri))
            )
            await barrier(shared)
            after = await included()
        assert before != after, before


async def test_a_partial_created_or_deleted_on_disk_updates_the_prompt(
    shared: RecordingClient, project: Path
) -> None:
    """The server asks to hear of created and deleted files; one an open prompt
    looked for re-analyses it."""
    assert any(r.id == "promptwise-referenced-files" for r in shared.registrations)
    header = project / "_header.prompt"
    header.unlink()
    async with opened(shared, project / "story.prompt") as uri:
        assert codes(await diagnostics(shared, uri)).count("PW020") == 2
        seen = len(shared.published[uri])
        header.write_text("You tell short stories.\n", encoding="utf-8")
        shared.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=header.as_uri(), type=lsp.FileChangeType.Created)]
            )
        )
        assert "PW020" not in codes(await diagnostics(shared, uri, after=seen))
        seen = len(shared.published[uri])
        header.unlink()
        shared.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=header.as_uri(), type=lsp.FileChangeType.Deleted)]
            )
        )
        assert codes(await diagnostics(shared, uri, after=seen)).count("PW020") == 2
