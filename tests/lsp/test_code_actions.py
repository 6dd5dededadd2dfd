"""Quick fixes: rule fixes, suppression comments, ignore in config, fix all.

Every action is applied to the text (or the config file) the way a client
would, and the server must then stop reporting the finding.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.lsp.conftest import (
    DATA,
    RecordingClient,
    apply_text_edits,
    capabilities,
    change,
    codes,
    diagnostics,
    edits_for,
    open_file,
    opened,
    session,
    span,
)

# Tests that only act on their own copy of a file share one server (see `shared`);
# those that write config files or need other capabilities start their own.
pytestmark = pytest.mark.asyncio(loop_scope="session")


def with_test_rules(folder: Path) -> None:
    config = folder / "promptwise.yaml"
    config.write_text(config.read_text() + f"rule_dirs:\n  - {DATA / 'rules'}\n")


async def actions_at(
    client: object, uri: str, rng: lsp.Range, only: list[str] | None = None
) -> list[lsp.CodeAction]:
    result = await client.text_document_code_action_async(  # type: ignore[attr-defined]
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=lsp.CodeActionContext(diagnostics=[], only=only),
        )
    )
    actions = []
    for item in result or []:
        if isinstance(item, lsp.Command):
            # lsprotocol reads a code action that carries only a command as a bare
            # Command, with the nested command object as its string (the JSON on the
            # wire is a proper CodeAction); rebuild what the server sent.
            inner = ast.literal_eval(item.command)
            item = lsp.CodeAction(
                title=item.title, kind=lsp.CodeActionKind.QuickFix, command=lsp.Command(**inner)
            )
        actions.append(item)
    return actions


def titled(actions: list[lsp.CodeAction], title: str) -> lsp.CodeAction:
    found = [a for a in actions if a.title == title]
    assert found, [a.title for a in actions]
    return found[0]


async def apply_and_check(
    client: object, uri: str, text: str, action: lsp.CodeAction, version: int
) -> tuple[str, list[lsp.Diagnostic]]:
    assert action.edit is not None
    new = apply_text_edits(text, edits_for(action.edit, uri))
    change(client, uri, version, None, new)  # type: ignore[arg-type]
    return new, await diagnostics(client, uri, version)  # type: ignore[arg-type]


async def test_rule_fix_is_preferred_and_applies(workdir: Path, shared: RecordingClient) -> None:
    with_test_rules(workdir)
    path = workdir / "support.prompty"
    text = path.read_text()
    client = shared
    async with opened(client, path) as uri:
        found = await diagnostics(client, uri, 1)
        hedge = next(d for d in found if d.code == "PW990")
        actions = await actions_at(client, uri, hedge.range)
        fix = titled(actions, "Replace `Try to keep` with `Keep`")
        assert fix.kind == lsp.CodeActionKind.QuickFix and fix.is_preferred
        assert fix.diagnostics and fix.diagnostics[0].code == "PW990"
        new, after = await apply_and_check(client, uri, text, fix, 2)
        assert "Keep answers brief and friendly" in new
        assert "PW990" not in codes(after)


async def _snippet_fix(client: RecordingClient, uri: str) -> lsp.TextEdit | lsp.SnippetTextEdit:
    vague = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW991")
    fix = titled(
        await actions_at(client, uri, vague.range),
        "Replace `brief` with a number of sentences",
    )
    assert fix.edit is not None
    assert not fix.is_preferred  # unsafe fixes are never the default
    (edit,) = edits_for(fix.edit, uri)
    return edit  # type: ignore[no-any-return]


async def test_snippet_fix_is_plain_text_for_clients_without_snippet_edits(
    workdir: Path, shared: RecordingClient
) -> None:
    with_test_rules(workdir)
    async with opened(shared, workdir / "support.prompty") as uri:
        edit = await _snippet_fix(shared, uri)
        assert isinstance(edit, lsp.TextEdit)
        assert edit.new_text == "at most 3 sentences"


async def test_snippet_fix_is_a_snippet_for_clients_that_take_snippet_edits(
    workdir: Path,
) -> None:
    with_test_rules(workdir)
    async with session(capabilities(snippets=True)) as client:
        uri = open_file(client, workdir / "support.prompty")
        edit = await _snippet_fix(client, uri)
        assert isinstance(edit, lsp.SnippetTextEdit)
        assert edit.snippet.value == "at most ${1:3} sentences"


async def test_fix_all_applies_only_safe_fixes(workdir: Path, shared: RecordingClient) -> None:
    with_test_rules(workdir)
    path = workdir / "support.prompty"
    text = path.read_text()
    client = shared
    async with opened(client, path) as uri:
        await diagnostics(client, uri, 1)
        (fix_all,) = await actions_at(client, uri, span(0, 0), only=["source.fixAll"])
        assert fix_all.kind == "source.fixAll.promptwise"
        new, after = await apply_and_check(client, uri, text, fix_all, 2)
        assert "PW990" not in codes(after)  # the safe fix was applied
        assert "PW991" in codes(after)  # the unsafe one was not
        assert "brief" in new


async def test_disable_for_this_line_in_jinja(workdir: Path, shared: RecordingClient) -> None:
    path = workdir / "legacy-summary.prompty"
    text = path.read_text()
    client = shared
    async with opened(client, path) as uri:
        undefined = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        action = titled(
            await actions_at(client, uri, undefined.range), "Disable PW003 for this line"
        )
        new, after = await apply_and_check(client, uri, text, action, 2)
        assert "{{ tiket }} {# promptwise: disable-line=PW003 #}\n" in new
        assert "PW003" not in codes(after)
        assert "PW007" not in codes(after)  # the suppression is used


async def test_disable_for_this_file_goes_after_the_frontmatter(
    workdir: Path, shared: RecordingClient
) -> None:
    path = workdir / "legacy-summary.prompty"
    text = path.read_text()
    client = shared
    async with opened(client, path) as uri:
        undefined = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        action = titled(
            await actions_at(client, uri, undefined.range), "Disable PW003 for this file"
        )
        new, after = await apply_and_check(client, uri, text, action, 2)
        assert "---\n{# promptwise: disable=PW003 -#}\nsystem:\n" in new
        assert "PW003" not in codes(after)
        # A second code joins the same comment instead of stacking another one.
        unused = next(d for d in after if d.code == "PW004")
        again = titled(await actions_at(client, uri, unused.range), "Disable PW004 for this file")
        newer, last = await apply_and_check(client, uri, new, again, 3)
        assert "{# promptwise: disable=PW003,PW004 -#}" in newer
        assert not {"PW003", "PW004"} & set(codes(last))


async def test_markdown_line_suppression_goes_above_the_line(
    tmp_path: Path, shared: RecordingClient
) -> None:
    with_rules = tmp_path / "promptwise.yaml"
    with_rules.write_text(f"rule_dirs:\n  - {DATA / 'rules'}\n")
    path = tmp_path / "answer.prompt.md"
    text = "# Answer\n\n- Keep answers brief.\n"
    path.write_text(text)
    client = shared
    async with opened(client, path) as uri:
        vague = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW991")
        action = titled(await actions_at(client, uri, vague.range), "Disable PW991 for this line")
        new, after = await apply_and_check(client, uri, text, action, 2)
        assert new == (
            "# Answer\n\n<!-- promptwise: disable-next-line=PW991 -->\n- Keep answers brief.\n"
        )
        assert "PW991" not in codes(after)


async def test_no_line_comment_inside_frontmatter(workdir: Path, shared: RecordingClient) -> None:
    path = workdir / "support.prompty"
    client = shared
    async with opened(client, path) as uri:
        unused = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW004")
        titles = [a.title for a in await actions_at(client, uri, unused.range)]
        assert "Disable PW004 for this line" not in titles  # YAML would break
        assert "Disable PW004 for this file" in titles


async def test_ignore_in_existing_config(workdir: Path) -> None:
    path = workdir / "legacy-summary.prompty"
    config = workdir / "promptwise.yaml"
    async with session() as client:
        uri = open_file(client, path)
        undefined = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        action = titled(
            await actions_at(client, uri, undefined.range), "Ignore PW003 in promptwise.yaml"
        )
        assert action.edit is not None
        config_uri = config.resolve().as_uri()
        before = config.read_text()
        config.write_text(apply_text_edits(before, edits_for(action.edit, config_uri)))
        assert config.read_text() == before + "ignore:\n  - PW003\n"
        count = len(client.published[uri])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=config_uri, type=lsp.FileChangeType.Changed)]
            )
        )
        after = await diagnostics(client, uri, 1, after=count)
        assert "PW003" not in codes(after)


async def test_ignore_creates_a_config_file(tmp_path: Path) -> None:
    path = tmp_path / "legacy-summary.prompty"
    path.write_text((Path(__file__).parents[2] / "examples/legacy-summary.prompty").read_text())
    async with session(folders=[tmp_path]) as client:
        uri = open_file(client, path)
        undefined = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        action = titled(
            await actions_at(client, uri, undefined.range),
            "Ignore PW003 in promptwise.yaml (new file)",
        )
        assert action.edit is not None and action.edit.document_changes
        create = action.edit.document_changes[0]
        config = tmp_path / "promptwise.yaml"
        assert isinstance(create, lsp.CreateFile) and create.uri == config.as_uri()
        config.write_text(apply_text_edits("", edits_for(action.edit, config.as_uri())))
        assert "ignore:\n  - PW003\n" in config.read_text()
        count = len(client.published[uri])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=config.as_uri(), type=lsp.FileChangeType.Created)]
            )
        )
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))


async def test_ignore_without_file_creation_runs_a_server_command(tmp_path: Path) -> None:
    path = tmp_path / "legacy-summary.prompty"
    path.write_text((Path(__file__).parents[2] / "examples/legacy-summary.prompty").read_text())
    async with session(capabilities(create_files=False), folders=[tmp_path]) as client:
        uri = open_file(client, path)
        undefined = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW003")
        action = titled(
            await actions_at(client, uri, undefined.range),
            "Ignore PW003 in promptwise.yaml (new file)",
        )
        assert action.edit is None and action.command is not None
        assert action.command.command == "promptwise.ignoreRuleInConfig"
        count = len(client.published[uri])
        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command=action.command.command, arguments=action.command.arguments
            )
        )
        assert result["changed"] and result["created"]
        assert "PW003" in (tmp_path / "promptwise.yaml").read_text()
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))


async def test_chat_json_gets_no_comment_but_a_per_file_ignore_in_config(workdir: Path) -> None:
    """Chat JSON cannot hold a comment: no "disable" action writes one into the file;
    "Ignore ... for this file" adds a `per_file_ignores` entry and leaves the prompt."""
    path = workdir / "extract-invoice.chat.json"
    config = workdir / "promptwise.yaml"
    prompt_before = path.read_text()
    async with session() as client:
        uri = open_file(client, path, language_id="json")
        finding = next(d for d in await diagnostics(client, uri, 1) if d.code == "PW301")
        actions = await actions_at(client, uri, finding.range)
        titles = [a.title for a in actions]
        assert not [t for t in titles if t.startswith("Disable ")], titles
        action = titled(actions, "Ignore PW301 for this file in promptwise.yaml")
        assert action.edit is not None
        config_uri = config.resolve().as_uri()
        assert not edits_for(action.edit, uri), "the prompt itself is not edited"
        before = config.read_text()
        config.write_text(apply_text_edits(before, edits_for(action.edit, config_uri)))
        assert config.read_text() == (
            before + 'per_file_ignores:\n  "extract-invoice.chat.json": [PW301]\n'
        )
        count = len(client.published[uri])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=config_uri, type=lsp.FileChangeType.Changed)]
            )
        )
        assert "PW301" not in codes(await diagnostics(client, uri, 1, after=count))
    assert path.read_text() == prompt_before
