"""Drive the real server over stdio with pytest-lsp.

``session(...)`` starts ``python -m promptwise serve`` with the client
capabilities a test needs (push or pull diagnostics, position encodings,
snippet edits, file watching, ...), and the client records every
``publishDiagnostics`` with its version, every ``client/registerCapability``
and every ``window/showMessage``, so tests can wait for exactly the
notification they expect.

Tests that only look (views, diagnostics, code actions on their own copy of
a file) share one server per worker, the ``shared`` fixture: each opens its
documents with :func:`opened`, which closes them again and forgets what was
published for them, so no test sees another's state. Tests that change
settings, config files, capabilities or the server's environment start
their own with ``session(...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.conftest import EXAMPLES, source_env

SERVER = [sys.executable, "-m", "promptwise", "serve"]
DATA = Path(__file__).resolve().parent / "data"
TIMEOUT = 20.0


class RecordingClient(LanguageClient):
    """A pytest-lsp client that keeps what the server sent, with versions."""

    published: dict[str, list[lsp.PublishDiagnosticsParams]]
    registrations: list[lsp.Registration]
    unregistrations: list[lsp.Unregistration]
    refreshes: list[str]
    configuration_delay: float  # seconds before answering workspace/configuration


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    client.published = defaultdict(list)
    client.registrations = []
    client.unregistrations = []
    client.refreshes = []
    client.configuration_delay = 0.0

    def publish(ls: RecordingClient, params: lsp.PublishDiagnosticsParams) -> None:
        ls.published[params.uri].append(params)
        ls.diagnostics[params.uri] = params.diagnostics

    def register(ls: RecordingClient, params: lsp.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)

    def unregister(ls: RecordingClient, params: lsp.UnregistrationParams) -> None:
        ls.unregistrations.extend(params.unregisterations)

    def refresh(method: str) -> Any:
        def handler(ls: RecordingClient, params: None) -> None:
            ls.refreshes.append(method)

        return handler

    async def configuration(ls: RecordingClient, params: lsp.ConfigurationParams) -> list[Any]:
        if ls.configuration_delay:
            await asyncio.sleep(ls.configuration_delay)  # a slow editor
        return [
            ls.get_configuration(section=item.section, scope_uri=item.scope_uri)
            for item in params.items
        ]

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[lsp.WORKSPACE_CONFIGURATION] = configuration
    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[lsp.CLIENT_REGISTER_CAPABILITY] = register
    features[lsp.CLIENT_UNREGISTER_CAPABILITY] = unregister
    for method in (lsp.WORKSPACE_CODE_LENS_REFRESH, lsp.WORKSPACE_INLAY_HINT_REFRESH):
        features[method] = refresh(method)
    register_lsp_features(client, features)
    return client


def capabilities(
    *,
    encodings: Sequence[str] | None = None,
    pull: bool = False,
    snippets: bool = False,
    create_files: bool = True,
    hierarchical: bool = True,
    watch: bool = True,
    configuration: bool = True,
) -> lsp.ClientCapabilities:
    """Client capabilities close to VS Code's, with switches for what tests vary."""
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(
            position_encodings=[lsp.PositionEncodingKind(e) for e in encodings]
            if encodings
            else None
        ),
        workspace=lsp.WorkspaceClientCapabilities(
            configuration=configuration,
            workspace_folders=True,
            apply_edit=True,
            did_change_configuration=lsp.DidChangeConfigurationClientCapabilities(
                dynamic_registration=True
            ),
            did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watch, relative_pattern_support=True
            ),
            workspace_edit=lsp.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[lsp.ResourceOperationKind.Create] if create_files else [],
                snippet_edit_support=snippets,
            ),
            code_lens=lsp.CodeLensWorkspaceClientCapabilities(refresh_support=True),
            inlay_hint=lsp.InlayHintWorkspaceClientCapabilities(refresh_support=True),
            diagnostics=lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=pull),
        ),
        text_document=lsp.TextDocumentClientCapabilities(
            synchronization=lsp.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(
                related_information=True,
                version_support=True,
                code_description_support=True,
                data_support=True,
            ),
            diagnostic=lsp.DiagnosticClientCapabilities() if pull else None,
            code_action=lsp.CodeActionClientCapabilities(
                code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                    code_action_kind=lsp.ClientCodeActionKindOptions(
                        value_set=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll]
                    )
                ),
                is_preferred_support=True,
            ),
            completion=lsp.CompletionClientCapabilities(
                completion_item=lsp.ClientCompletionItemOptions(
                    documentation_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]
                )
            ),
            hover=lsp.HoverClientCapabilities(
                content_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]
            ),
            document_symbol=lsp.DocumentSymbolClientCapabilities(
                hierarchical_document_symbol_support=hierarchical
            ),
            inlay_hint=lsp.InlayHintClientCapabilities(),
            document_link=lsp.DocumentLinkClientCapabilities(tooltip_support=True),
            code_lens=lsp.CodeLensClientCapabilities(),
            folding_range=lsp.FoldingRangeClientCapabilities(line_folding_only=True),
        ),
        window=lsp.WindowClientCapabilities(work_done_progress=False),
    )


@contextlib.asynccontextmanager
async def session(
    caps: lsp.ClientCapabilities | None = None,
    *,
    initialization_options: Any = None,
    configuration: dict[str, Any] | None = None,
    configuration_delay: float = 0.0,
    folders: Sequence[Path] = (),
    command: Sequence[str] = SERVER,
) -> AsyncIterator[RecordingClient]:
    """A started and initialised server; shut down (or killed) afterwards."""
    config = ClientServerConfig(server_command=list(command), client_factory=make_client)
    config.server_env = source_env()
    client = await config.start()
    assert isinstance(client, RecordingClient)
    if configuration is not None:
        client.set_configuration(configuration)
    client.configuration_delay = configuration_delay
    try:
        await asyncio.wait_for(
            client.initialize_session(
                lsp.InitializeParams(
                    capabilities=caps or capabilities(),
                    initialization_options=initialization_options,
                    workspace_folders=[
                        lsp.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders
                    ]
                    or None,
                    root_uri=folders[0].as_uri() if folders else None,
                    client_info=lsp.ClientInfo(name="pytest-lsp"),
                )
            ),
            TIMEOUT,
        )
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        # After a failure the server was never told to exit, and stop() would wait forever.
        process = client._server
        if process is not None and process.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 2)
            if process.returncode is None:
                process.kill()
        await client.stop()


def open_file(
    client: LanguageClient,
    path: Path,
    text: str | None = None,
    language_id: str = "prompt",
    version: int = 1,
) -> str:
    uri = path.resolve().as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri,
                language_id=language_id,
                version=version,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return uri


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared() -> AsyncIterator[RecordingClient]:
    """One server, default capabilities and settings, for every test that only looks.

    Tests using it run on the session's event loop
    (``pytestmark = pytest.mark.asyncio(loop_scope="session")``).
    """
    async with session() as client:
        yield client


async def barrier(client: LanguageClient) -> None:
    """Return once the server has handled every message sent before this call.

    The server reads messages in order and answers this request after them,
    so whatever they made it publish has reached the client by then.
    """
    await client.protocol.send_request_async(
        "promptwise/status", {"uri": "file:///promptwise-test-barrier"}
    )


@contextlib.asynccontextmanager
async def opened(
    client: RecordingClient,
    path: Path,
    text: str | None = None,
    language_id: str = "prompt",
) -> AsyncIterator[str]:
    """Open ``path`` on a shared server, starting from a clean record; close it after."""
    uri = path.resolve().as_uri()
    client.published.pop(uri, None)
    client.diagnostics.pop(uri, None)
    open_file(client, path, text, language_id)
    try:
        yield uri
    finally:
        client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        await barrier(client)  # the close's cleared diagnostics are in before the next test
        client.published.pop(uri, None)
        client.diagnostics.pop(uri, None)


def change(
    client: LanguageClient, uri: str, version: int, rng: lsp.Range | None, text: str
) -> None:
    event: lsp.TextDocumentContentChangeEvent = (
        lsp.TextDocumentContentChangePartial(range=rng, text=text)
        if rng is not None
        else lsp.TextDocumentContentChangeWholeDocument(text=text)
    )
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[event],
        )
    )


def at(line: int, character: int) -> lsp.Position:
    return lsp.Position(line=line, character=character)


def span(l1: int, c1: int, l2: int | None = None, c2: int | None = None) -> lsp.Range:
    return lsp.Range(start=at(l1, c1), end=at(l1 if l2 is None else l2, c1 if c2 is None else c2))


async def diagnostics(
    client: RecordingClient,
    uri: str,
    version: int | None = None,
    after: int = 0,
    timeout: float = TIMEOUT,
) -> list[lsp.Diagnostic]:
    """The first publication for ``uri`` (at ``version``) after the ``after``-th one.

    Returns once the full analysis of the document's current version is done
    and published too: a server without its encoding built publishes the
    findings that need no token count first (issue 16), and a test that
    counts publications next must count that second one as well.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for params in client.published[uri][after:]:
            if version is None or params.version == version:
                await asyncio.wait_for(
                    client.protocol.send_request_async("promptwise/status", {"uri": uri}),
                    timeout,
                )
                return list(params.diagnostics)
        if loop.time() > deadline:
            seen = [(p.version, len(p.diagnostics)) for p in client.published[uri]]
            raise AssertionError(f"no diagnostics for {uri} at version {version}; saw {seen}")
        await asyncio.sleep(0.01)


async def until(predicate: Any, timeout: float = TIMEOUT, message: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.01)


def codes(items: Sequence[lsp.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in items)


def apply_text_edits(
    text: str, edits: Sequence[lsp.TextEdit | Any], encoding: str = "utf-16"
) -> str:
    """Apply LSP edits the way a client does (positions in ``encoding``)."""
    from promptwise.document.text import LineIndex, Position

    index = LineIndex(text)

    def offset(p: lsp.Position) -> int:
        return index.offset(Position(p.line, p.character), encoding)  # type: ignore[arg-type]

    resolved = []
    for e in edits:
        new = e.new_text if hasattr(e, "new_text") else e.snippet.value
        resolved.append((offset(e.range.start), offset(e.range.end), new))
    for start, end, new in sorted(resolved, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def edits_for(edit: lsp.WorkspaceEdit, uri: str) -> list[Any]:
    out: list[Any] = []
    if edit.changes:
        out.extend(edit.changes.get(uri, []))
    for change_ in edit.document_changes or []:
        if isinstance(change_, lsp.TextDocumentEdit) and change_.text_document.uri == uri:
            out.extend(change_.edits)
    return out


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A private copy of examples/ (tests edit files and configs in it)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target
