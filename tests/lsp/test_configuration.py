"""Settings from the editor over config files, watched files, multi-root."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from lsprotocol import types as lsp

from tests.conftest import REPO
from tests.lsp.conftest import (
    capabilities,
    codes,
    diagnostics,
    open_file,
    session,
    until,
)

DOC = lsp.TextDocumentIdentifier

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


async def lens_title(client: object, uri: str) -> str:
    lenses = await client.text_document_code_lens_async(  # type: ignore[attr-defined]
        lsp.CodeLensParams(text_document=DOC(uri=uri))
    )
    assert lenses and lenses[0].command is not None
    return str(lenses[0].command.title)


def warnings(client: object) -> list[str]:
    return [
        m.message
        for m in client.messages  # type: ignore[attr-defined]
        if m.type == lsp.MessageType.Warning
    ]


async def test_initialization_options_beat_the_config_file(workdir: Path) -> None:
    async with session(
        capabilities(configuration=False), initialization_options={"callsPerDay": 5}
    ) as client:
        uri = open_file(client, workdir / "support.prompty")
        assert "/day at 5 calls" in await lens_title(client, uri)


async def test_workspace_configuration_is_pulled(workdir: Path) -> None:
    async with session(configuration={"promptwise": {"ignore": ["PW003"]}}) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        assert "PW003" not in codes(await diagnostics(client, uri, 1))
        assert "/day at 20,000 calls" in await lens_title(client, uri)  # config file still counts


async def test_configuration_change_republishes(workdir: Path) -> None:
    async with session(configuration={"promptwise": {}}) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        assert "PW003" in codes(await diagnostics(client, uri, 1))
        count = len(client.published[uri])
        client.set_configuration({"promptwise": {"ignore": ["PW003"], "callsPerDay": 3}})
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))
        assert "/day at 3 calls" in await lens_title(client, uri)
        await until(
            lambda: lsp.WORKSPACE_CODE_LENS_REFRESH in client.refreshes,
            message="a code lens refresh",
        )


async def test_pushed_settings_work_without_workspace_configuration(workdir: Path) -> None:
    async with session(capabilities(configuration=False)) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        await diagnostics(client, uri, 1)
        count = len(client.published[uri])
        client.workspace_did_change_configuration(
            lsp.DidChangeConfigurationParams(settings={"promptwise": {"ignore": ["PW003"]}})
        )
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))


async def test_first_diagnostics_wait_for_a_slow_clients_settings(workdir: Path) -> None:
    """A file opened while the editor is still answering workspace/configuration is
    first published with the user's settings, not the defaults."""
    settings = {"promptwise": {"ignore": ["PW003"]}}
    async with session(configuration=settings, configuration_delay=1.0) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        first = await diagnostics(client, uri, 1)
        assert "PW004" in codes(first)  # analysed...
        assert "PW003" not in codes(first)  # ...with the settings, from the first publish
        assert all("PW003" not in codes(p.diagnostics) for p in client.published[uri])


async def test_a_client_slower_than_the_wait_gets_defaults_then_its_settings(
    workdir: Path,
) -> None:
    """Past the settings wait the file is analysed on the defaults; once the settings
    arrive it is analysed again with them. The wait is 5 s unless the client sets
    `settingsWaitMs`, as here, so the test does not pay it. The client answers 7 s
    late: the first analysis (a cold start, loading the tokenizer, rules and
    schemas) must be published before then, also on a machine loaded by other
    test workers (3 s was not always enough there)."""
    settings = {"promptwise": {"ignore": ["PW003"]}}
    async with session(
        configuration=settings,
        configuration_delay=7.0,
        initialization_options={"settingsWaitMs": 200},
    ) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        assert "PW003" in codes(await diagnostics(client, uri, 1))  # the defaults, for now
        await until(
            lambda: "PW003" not in codes(client.published[uri][-1].diagnostics),
            message="diagnostics with the client's settings",
        )


async def test_exclude_and_extend_select_from_the_editor(workdir: Path) -> None:
    """Every setting reaches the server: `exclude` leaves a file alone (as `check`
    would not walk into it), `extendSelect` adds rules to `select`."""
    (workdir / "vendor").mkdir()
    vendored = workdir / "vendor" / "third-party.prompty"
    vendored.write_text((workdir / "legacy-summary.prompty").read_text())
    settings = {
        "promptwise": {"exclude": ["vendor/"], "select": ["PW004"], "extendSelect": ["PW003"]}
    }
    async with session(configuration=settings, folders=[workdir]) as client:
        uri = open_file(client, vendored)
        assert await diagnostics(client, uri, 1) == []
        other = open_file(client, workdir / "legacy-summary.prompty")
        assert set(codes(await diagnostics(client, other, 1))) == {"PW003", "PW004"}


async def test_invalid_editor_settings_warn_once_and_keep_the_rest(workdir: Path) -> None:
    bad = {
        "promptwise": {
            "callsPerDay": "lots",
            "ignore": ["PW003"],
            "bogus": 1,
            "budget": {"maxTokens": -3},
        }
    }
    async with session(configuration=bad) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        assert "PW003" not in codes(await diagnostics(client, uri, 1))  # `ignore` still applies
        assert "/day at 20,000 calls" in await lens_title(client, uri)  # bad value: not used
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
        await lens_title(client, uri)
        found = warnings(client)
        assert len(found) == 1, found  # once, however often the settings are re-read
        assert "callsPerDay" in found[0] and "bogus" in found[0] and "budget" in found[0]


async def test_broken_config_file_warns_and_uses_defaults(tmp_path: Path) -> None:
    (tmp_path / "promptwise.yaml").write_text("calls_per_day: many\nignore: [PW003]\n")
    prompt = tmp_path / "a.prompty"
    prompt.write_text(
        "---\nmodel:\n  id: gpt-4o\ninputs:\n  x:\n    type: string\n---\nsystem:\nUse {{ y }}.\n"
    )
    async with session() as client:
        uri = open_file(client, prompt)
        assert "PW003" in codes(await diagnostics(client, uri, 1))  # defaults: nothing ignored
        found = warnings(client)
        assert len(found) == 1 and "promptwise.yaml:1" in found[0] and "calls_per_day" in found[0]
        # Fixing the file (the client watches it) brings its settings back.
        (tmp_path / "promptwise.yaml").write_text("ignore: [PW003]\n")
        count = len(client.published[uri])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[
                    lsp.FileEvent(
                        uri=(tmp_path / "promptwise.yaml").as_uri(), type=lsp.FileChangeType.Changed
                    )
                ]
            )
        )
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))


async def test_config_watchers_are_registered_and_changes_republish(workdir: Path) -> None:
    async with session() as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        await diagnostics(client, uri, 1)
        await until(
            lambda: any(r.id == "promptwise-config-files" for r in client.registrations),
            message="config watcher registration",
        )
        watched = next(r for r in client.registrations if r.id == "promptwise-config-files")
        patterns = {
            w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in _watchers(watched)
        }
        assert patterns == {"**/promptwise.yaml", "**/.promptwise.yaml", "**/pyproject.toml"}
        config = workdir / "promptwise.yaml"
        config.write_text(config.read_text() + "ignore: [PW003]\n")
        count = len(client.published[uri])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=config.as_uri(), type=lsp.FileChangeType.Changed)]
            )
        )
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))


async def test_config_edits_are_seen_without_a_file_watcher(workdir: Path) -> None:
    async with session(capabilities(watch=False)) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        assert "PW003" in codes(await diagnostics(client, uri, 1))
        assert not any(
            r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations
        )
        config = workdir / "promptwise.yaml"
        config.write_text(config.read_text() + "ignore: [PW003]\n")
        count = len(client.published[uri])
        client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=DOC(uri=uri)))
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))


async def test_a_config_edit_on_disk_reanalyses_at_once_without_a_client_watcher(
    workdir: Path,
) -> None:
    """Neovim on Linux and Helix register no file watcher: the server watches itself."""
    async with session(capabilities(watch=False)) as client:
        uri = open_file(client, workdir / "legacy-summary.prompty")
        assert "PW003" in codes(await diagnostics(client, uri, 1))
        await asyncio.sleep(1.5)  # the watch has seen the config once
        config = workdir / "promptwise.yaml"
        count = len(client.published[uri])
        config.write_text(config.read_text() + "ignore: [PW003]\n")
        # No save, no edit, no event from the client: the change alone republishes.
        assert "PW003" not in codes(await diagnostics(client, uri, 1, after=count))
        count = len(client.published[uri])
        config.unlink()  # a deleted config counts too: back to the defaults
        assert "PW003" in codes(await diagnostics(client, uri, 1, after=count))


async def test_failure_logs_are_watched_and_reanalysed(workdir: Path) -> None:
    config = workdir / "promptwise.yaml"
    config.write_text(config.read_text() + "escalation:\n  logs:\n    - evals/*.jsonl\n")
    (workdir / "evals").mkdir()
    async with session() as client:
        uri = open_file(client, workdir / "support.prompty")
        await diagnostics(client, uri, 1)
        await until(
            lambda: any(r.id == "promptwise-failure-logs" for r in client.registrations),
            message="failure-log watcher registration",
        )
        registration = next(r for r in client.registrations if r.id == "promptwise-failure-logs")
        (watcher,) = _watchers(registration)
        pattern = watcher["globPattern"] if isinstance(watcher, dict) else watcher.glob_pattern
        assert pattern["pattern"] == "evals/*.jsonl"
        base = pattern["baseUri"]
        assert (base if isinstance(base, str) else base["uri"]) == workdir.resolve().as_uri()
        count = len(client.published[uri])
        log = workdir / "evals" / "run-1.jsonl"
        log.write_text(
            '{"prompt": "support.prompty", "version": 1, "case": "a", "passed": false}\n'
        )
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=log.as_uri(), type=lsp.FileChangeType.Created)]
            )
        )
        await diagnostics(client, uri, 1, after=count)


async def test_multi_root_settings_resolve_per_folder(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    for folder in (first, second):
        folder.mkdir()
        (folder / "p.prompty").write_text("---\nmodel:\n  id: gpt-4o\n---\nsystem:\nHello.\n")
    async with session(folders=[first, second]) as client:
        client.set_configuration({"promptwise": {"callsPerDay": 7}}, scope_uri=first.as_uri())
        client.set_configuration({"promptwise": {"callsPerDay": 9}}, scope_uri=second.as_uri())
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
        a = open_file(client, first / "p.prompty")
        b = open_file(client, second / "p.prompty")
        await until(
            lambda: bool(client.published[a]) and bool(client.published[b]),
            message="both files analysed",
        )
        assert "/day at 7 calls" in await lens_title(client, a)
        assert "/day at 9 calls" in await lens_title(client, b)


def _watchers(registration: lsp.Registration) -> list:  # type: ignore[type-arg]
    options = registration.register_options
    if isinstance(options, dict):
        return list(options["watchers"])
    return list(getattr(options, "watchers", []))


def _readme_editor_settings() -> dict[str, dict[str, object]]:
    """What each editor snippet in the README sends, as (channel -> settings)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    editors = readme.split("## Editors", 1)[1].split("\n## ", 1)[0]

    def lua_table(text: str) -> dict[str, object]:
        return dict(json.loads(re.sub(r"(\w+)\s*=", r'"\1":', text)))

    def code(section: str, lang: str) -> str:
        part = editors.split(f"### {section}", 1)[1].split("\n### ", 1)[0]
        return "\n".join(re.findall(rf"```{lang}\n(.*?)```", part, re.S))

    sent: dict[str, dict[str, object]] = {}
    neovim = code("Neovim", "lua")
    for found in re.finditer(r"\bsettings\s*=\s*\{", neovim):
        depth, end = 0, found.end() - 1
        for end in range(found.end() - 1, len(neovim)):
            depth += {"{": 1, "}": -1}.get(neovim[end], 0)
            if depth == 0:
                break
        sent["neovim"] = {"configuration": lua_table(neovim[found.end() - 1 : end + 1])}
    helix = code("Helix", "toml")
    server_table = helix.split("[language-server.promptwise]", 1)[1].split("\n\n", 1)[0]
    config = tomllib.loads(server_table).get("config")
    if config is not None:
        sent["helix"] = {"configuration": config, "initialization_options": config}
    emacs = code("Emacs", "elisp")
    assert "lspconfig" in neovim and "language-server" in helix and "eglot" in emacs
    plist = re.search(r":initializationOptions\s*\(([^()]*)\)", emacs)
    if plist is not None:
        pairs = re.findall(r":(\w+)\s+(\S+)", plist.group(1))
        sent["emacs"] = {"initialization_options": {k: json.loads(v) for k, v in pairs}}
    return sent


async def test_readme_editor_snippets_leave_the_project_config_in_charge(workdir: Path) -> None:
    """A server started as the README's Neovim, Helix and Emacs snippets start it
    uses the project's promptwise.yaml (calls_per_day: 20000), not a snippet's value."""
    for editor in ("neovim", "helix", "emacs"):
        sends = _readme_editor_settings().get(editor, {})
        configuration = sends.get("configuration")
        async with session(
            capabilities(configuration="configuration" in sends),
            initialization_options=sends.get("initialization_options"),
            configuration={"promptwise": configuration} if configuration is not None else None,
        ) as client:
            uri = open_file(client, workdir / "support.prompty")
            title = await lens_title(client, uri)
            assert "/day at 20,000 calls" in title, (editor, sends, title)
