"""Inlay hints, code lens, hover, symbols, folding, completion, status and commands."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from promptwise.analysis import analyze_text
from promptwise.config import find_config, load_settings
from tests.conftest import EXAMPLES
from tests.lsp.conftest import (
    RecordingClient,
    at,
    capabilities,
    change,
    diagnostics,
    open_file,
    opened,
    session,
    span,
)

# One server serves every test here that only looks (see `shared`); the one
# with other client capabilities starts its own.
pytestmark = pytest.mark.asyncio(loop_scope="session")

DOC = lsp.TextDocumentIdentifier


def label(hint: lsp.InlayHint) -> str:
    return hint.label if isinstance(hint.label, str) else "".join(p.value for p in hint.label)


def text_of(hover: lsp.Hover | None) -> str:
    assert hover is not None
    contents = hover.contents
    assert isinstance(contents, lsp.MarkupContent)
    return contents.value


def line_of(name: str, prefix: str) -> int:
    lines = (EXAMPLES / name).read_text().splitlines()
    return next(i for i, text in enumerate(lines) if text.startswith(prefix))


def core(name: str) -> Any:
    path = EXAMPLES / name
    return analyze_text(path.read_text(), str(path), load_settings(find_config(path)))


async def test_inlay_hints_count_tokens_per_segment_header(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        hints = await client.text_document_inlay_hint_async(
            lsp.InlayHintParams(text_document=DOC(uri=uri), range=span(0, 0, 100, 0))
        )
        by_line = {h.position.line: label(h) for h in hints or []}
        analysis = core("support.prompty")
        segments = {s.title: s for s in analysis.document.walk()}
        system, policy, user = (
            line_of("support.prompty", p) for p in ("system:", "# Policy", "user:")
        )
        # frontmatter fence, `system:`, `# Policy`, `user:`
        assert set(by_line) == {0, system, policy, user}
        assert by_line[0].endswith("tok (not sent)")
        assert by_line[system] == f"{analysis.tokens.for_segment(segments['system']):,} tok"
        assert by_line[policy] == f"{analysis.tokens.for_segment(segments['Policy']):,} tok"
        assert by_line[user] == f"{analysis.tokens.for_segment(segments['user']):,} tok"
        hint = next(h for h in hints or [] if h.position.line == policy)
        assert hint.position.character == len("# Policy")  # end of the header line
        assert hint.padding_left
        # Only the requested range.
        some = await client.text_document_inlay_hint_async(
            lsp.InlayHintParams(text_document=DOC(uri=uri), range=span(system + 1, 0, user - 1, 0))
        )
        assert [h.position.line for h in some or []] == [policy]


async def test_inlay_hints_mark_approximate_counts(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "classify-ticket.prompt") as uri:  # a Gemini model
        hints = await client.text_document_inlay_hint_async(
            lsp.InlayHintParams(text_document=DOC(uri=uri), range=span(0, 0, 50, 0))
        )
        labels = [label(h) for h in hints or []]
        assert labels and all(lbl.startswith("≈") for lbl in labels), labels


async def test_code_lens_shows_tokens_and_cost_and_opens_the_comparison(
    shared: RecordingClient,
) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        lenses = await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=DOC(uri=uri))
        )
        assert lenses is not None and len(lenses) == 1  # no escalation advice here
        (lens,) = lenses
        assert lens.range.start.line == 0 and lens.command is not None
        analysis = core("support.prompty")
        title = lens.command.title
        assert title.startswith(f"gpt-4o · {analysis.tokens.total:,} tok in · 400 out · ")
        assert "/call" in title and "/day at 20,000 calls" in title and "context" in title
        assert lens.command.command == "promptwise.showCostComparison"
        assert list(lens.command.arguments or []) == [uri]
        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command=lens.command.command, arguments=list(lens.command.arguments or [])
            )
        )
        rows = result["rows"]
        settings = analysis.settings
        assert [r["model"] for r in rows][:1] == ["gpt-4o"] and rows[0]["current"]
        assert {r["model"] for r in rows if r["known"]} >= {"gpt-4o-mini"}
        assert len(rows) == len(dict.fromkeys(["gpt-4o", *settings.comparison_models]))
        assert rows[0]["inputTokens"] == analysis.tokens.total
        assert rows[0]["costPerDay"] == rows[0]["costPerCall"] * 20000
        assert "| model |" in result["markdown"] and "**gpt-4o** (this file)" in result["markdown"]


async def test_hover_over_a_variable_shows_declaration_and_uses(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        text = (EXAMPLES / "support.prompty").read_text().splitlines()
        line = next(i for i, t in enumerate(text) if t.startswith("Question:"))
        hover = await client.text_document_hover_async(
            lsp.HoverParams(
                text_document=DOC(uri=uri), position=at(line, text[line].index("question") + 2)
            )
        )
        value = text_of(hover)
        assert "**`question`** · input · `string`" in value
        assert "example (not a default): `Where is my order?`" in value
        assert "default:" not in value  # an `example:` is not what the runtime fills in
        assert "Declared in `inputs` on line 15" in value
        assert f"Used 1× on line {line + 1}" in value


async def test_hover_over_the_model_shows_its_price_row(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        hover = await client.text_document_hover_async(
            lsp.HoverParams(text_document=DOC(uri=uri), position=at(4, 7))
        )  # `  id: gpt-4o`
        value = text_of(hover)
        assert "`gpt-4o`" in value and "| input | cached input | output |" in value
        assert "128,000" in value  # context window


async def test_hover_over_a_finding_shows_the_rule(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "legacy-summary.prompty") as uri:
        await diagnostics(client, uri, 1)
        hover = await client.text_document_hover_async(
            lsp.HoverParams(text_document=DOC(uri=uri), position=at(24, 5))
        )
        value = text_of(hover)
        assert "**`tiket`**" in value and "not declared" in value  # the variable
        assert "**PW003 undefined-variable**" in value  # and the rule behind the finding
        assert "[Documentation](https://" in value


async def test_hover_over_a_segment_header_shows_its_share(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        hover = await client.text_document_hover_async(
            lsp.HoverParams(
                text_document=DOC(uri=uri), position=at(line_of("support.prompty", "system:"), 2)
            )
        )
        value = text_of(hover)
        assert value.startswith("**system message**: ")
        assert "% of the prompt's" in value and "per call" in value


async def test_hover_on_plain_text_is_empty(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "AGENTS.md") as uri:
        assert (
            await client.text_document_hover_async(
                lsp.HoverParams(text_document=DOC(uri=uri), position=at(5, 4))
            )
            is None
        )


async def test_document_symbols_and_folding(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "review.prompt.md") as uri:
        symbols = await client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=DOC(uri=uri))
        )
        assert symbols is not None
        top = [(s.name, s.kind) for s in symbols if isinstance(s, lsp.DocumentSymbol)]
        assert top == [
            ("frontmatter", lsp.SymbolKind.Namespace),
            ("Security review", lsp.SymbolKind.String),
        ]
        review = symbols[1]
        assert isinstance(review, lsp.DocumentSymbol)
        assert [c.name for c in review.children or []] == ["Output", "example: Examples"]
        assert review.detail and review.detail.startswith("≈")  # Claude: approximate
        assert review.detail.endswith(" tokens")
        assert symbols[0].detail and symbols[0].detail.endswith("(not sent)")
        folds = await client.text_document_folding_range_async(
            lsp.FoldingRangeParams(text_document=DOC(uri=uri))
        )
        starts = sorted(f.start_line for f in folds or [])
        assert starts[:3] == [0, 5, 9]  # frontmatter, `# Security review`, `## Output`


async def test_flat_symbols_for_clients_without_hierarchy() -> None:
    async with session(capabilities(hierarchical=False)) as client:
        uri = open_file(client, EXAMPLES / "support.prompty")
        symbols = await client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=DOC(uri=uri))
        )
        assert symbols and all(isinstance(s, lsp.SymbolInformation) for s in symbols)
        policy = next(s for s in symbols if s.name.startswith("Policy"))
        assert policy.container_name == "system message"


async def test_completion_of_variables_inside_template_tags(shared: RecordingClient) -> None:
    client = shared
    path = EXAMPLES / "support.prompty"
    text = path.read_text()
    async with opened(client, path) as uri:
        lines = text.splitlines()
        end = len(lines)
        change(client, uri, 2, span(end, 0), "History: {{ ord")
        result = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(end, 15))
        )
        assert isinstance(result, lsp.CompletionList)
        names = [i.label for i in result.items]
        assert names == ["customer_name", "order_history", "question"]
        item = result.items[1]
        assert item.detail == "input: string"
        assert isinstance(item.text_edit, lsp.TextEdit)
        assert item.text_edit.range == span(end, 12, end, 15)  # replaces `ord`
        # Outside a tag: nothing.
        outside = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(end, 4))
        )
        assert outside is None or not outside.items


async def test_completion_of_format_fields_in_plain_text(shared: RecordingClient) -> None:
    client = shared
    path = EXAMPLES / "translate.txt"
    async with opened(client, path) as uri:
        n = len(path.read_text().splitlines())
        change(client, uri, 2, span(n, 0), "Again: {te")
        result = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(n, 10))
        )
        assert isinstance(result, lsp.CompletionList)
        assert [i.label for i in result.items] == ["text"]


async def test_completion_of_model_names_in_frontmatter(shared: RecordingClient) -> None:
    client = shared
    path = EXAMPLES / "support.prompty"
    async with opened(client, path) as uri:
        # `  id: gpt-4o` -> type a new value
        change(client, uri, 2, span(4, 6, 4, 12), "gpt-4")
        result = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(4, 11))
        )
        assert isinstance(result, lsp.CompletionList)
        names = {i.label for i in result.items}
        assert {"gpt-4o", "gpt-4o-mini"} <= names
        mini = next(i for i in result.items if i.label == "gpt-4o-mini")
        assert mini.detail and "/1M" in mini.detail
        assert isinstance(mini.text_edit, lsp.TextEdit)
        assert mini.text_edit.range == span(4, 6, 4, 11)
        # Another key (`provider:`) is not a model.
        other = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=DOC(uri=uri), position=at(5, 13))
        )
        assert other is None or not other.items


async def test_status_request_for_the_vscode_status_bar(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "support.prompty") as uri:
        status = await client.protocol.send_request_async("promptwise/status", {"uri": uri})
        analysis = core("support.prompty")
        assert status.tokens == analysis.tokens.total
        assert status.model == "gpt-4o" and status.approximate is False
        assert status.costPerCall > 0
        assert status.text.startswith(f"$(symbol-numeric) {analysis.tokens.total:,}")
        assert "gpt-4o" in status.tooltip
        missing = await client.protocol.send_request_async(
            "promptwise/status", {"uri": "file:///nowhere.prompty"}
        )
        assert missing is None


async def test_explain_rule_and_reanalyze_commands(shared: RecordingClient) -> None:
    client = shared
    async with opened(client, EXAMPLES / "legacy-summary.prompty") as uri:
        await diagnostics(client, uri, 1)
        explained = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.explainRule", arguments=["PW003"])
        )
        assert explained["code"] == "PW003" and "undefined-variable" in explained["markdown"]
        by_name = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command="promptwise.explainRule", arguments=["undefined-variable"]
            )
        )
        assert by_name["code"] == "PW003"
        count = len(client.published[uri])
        done = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.reanalyze", arguments=[])
        )
        assert done == {"reanalyzed": 1}
        await diagnostics(client, uri, 1, after=count)
        report = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.showEscalationReport", arguments=[uri])
        )
        assert "No escalation advice" in report["markdown"]


async def test_unknown_rule_is_an_lsp_error_not_a_crash(shared: RecordingClient) -> None:
    client = shared
    with pytest.raises(JsonRpcException):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.explainRule", arguments=["PW999"])
        )
    async with opened(client, EXAMPLES / "AGENTS.md") as uri:
        assert await diagnostics(client, uri, 1) is not None  # still serving
