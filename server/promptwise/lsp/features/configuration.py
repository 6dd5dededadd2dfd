"""Editor settings, watched config files and failure logs, workspace folders.

Settings are pulled with ``workspace/configuration`` (section ``promptwise``,
once globally and once per workspace folder) when the client supports it,
else taken from ``didChangeConfiguration``'s payload. Config files and the
failure logs named by ``escalation.logs`` are watched through a dynamically
registered ``workspace/didChangeWatchedFiles``; a change re-analyses the open
documents it can affect. Where the client registers no watcher (Neovim on
Linux, Helix, a client that refuses the registration), the server watches
the config files that can apply to the open documents itself, by their
modification time once a second, so an edit to ``promptwise.yaml`` on disk
re-analyses them at once in every editor.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from promptwise.config import CONFIG_FILES, Settings
from promptwise.lsp import convert
from promptwise.lsp.ids import CONFIG_CHANGE_ID, CONFIG_WATCH_ID, LOG_WATCH_ID, SECTION

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

log = logging.getLogger(__name__)

CLIENT_TIMEOUT = 10.0


async def pull(ls: PromptwiseServer) -> bool:
    """Ask the client for ``promptwise`` settings: global, then per folder."""
    if not ls.capability("workspace.configuration", False):
        return False
    folders = ls.settings.folders()
    items = [lsp.ConfigurationItem(section=SECTION)]
    items += [
        lsp.ConfigurationItem(scope_uri=convert.path_to_uri(f), section=SECTION) for f in folders
    ]
    try:
        answer = await asyncio.wait_for(
            ls.workspace_configuration_async(lsp.ConfigurationParams(items=items)), CLIENT_TIMEOUT
        )
    except Exception as exc:
        log.warning("the client did not answer workspace/configuration: %s", exc)
        return False
    values = list(answer or [])
    ls.settings.set_global(payload(ls, values[0]) if values else None)
    for folder, value in zip(folders, values[1:], strict=False):
        ls.settings.set_folder(folder, payload(ls, value))
    return True


def payload(ls: PromptwiseServer, value: Any) -> Mapping[str, Any] | None:
    """The ``promptwise`` settings object, or None (with a warning when it is malformed)."""
    plain = convert.plain(value)
    found = convert.settings_payload(plain)
    if found is None and plain is not None:
        ls.settings.report(
            f"Promptwise ignored the editor settings: expected an object of settings, got {plain!r}"
        )
    return found


async def did_change_configuration(
    ls: PromptwiseServer, params: lsp.DidChangeConfigurationParams
) -> None:
    pulled = await pull(ls)
    if not pulled:
        ls.settings.set_global(payload(ls, params.settings))
    level = ls.settings.level
    if level is not None and ls.log_handler is not None:
        ls.log_handler.use_level(level)
    ls.reanalyse()
    await update_log_watchers(ls)


def did_change_folders(ls: PromptwiseServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
    for folder in params.event.removed:
        ls.settings.forget_folder(convert.uri_to_path(folder.uri))
    for folder in params.event.added:
        ls.settings.set_folder(convert.uri_to_path(folder.uri), None)

    async def refresh() -> None:
        await pull(ls)
        ls.reanalyse()

    ls.background(refresh())


# ------------------------------------------------------------------ watching


def _can_watch(ls: PromptwiseServer) -> bool:
    return bool(ls.capability("workspace.did_change_watched_files.dynamic_registration", False))


def _relative_ok(ls: PromptwiseServer) -> bool:
    return bool(ls.capability("workspace.did_change_watched_files.relative_pattern_support", False))


async def register_watchers(ls: PromptwiseServer) -> None:
    """Watch config files (and ask for configuration pushes) where the client allows."""
    registrations: list[lsp.Registration] = []
    if _can_watch(ls):
        watchers = [lsp.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]
        registrations.append(
            lsp.Registration(
                id=CONFIG_WATCH_ID,
                method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
        )
    if ls.capability("workspace.did_change_configuration.dynamic_registration", False):
        registrations.append(
            lsp.Registration(
                id=CONFIG_CHANGE_ID,
                method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=lsp.DidChangeConfigurationRegistrationOptions(section=SECTION),
            )
        )
    registered = await _register(ls, registrations) if registrations else False
    if not (_can_watch(ls) and registered):
        ls.background(poll_config_files(ls))
    await update_log_watchers(ls)


POLL_SECONDS = 1.0
# Folders above an open document whose config files are watched, at most: a
# document outside every workspace folder is watched up to this many levels.
_MAX_LEVELS = 32


def _config_candidates(ls: PromptwiseServer) -> set[Path]:
    """Every config file, existing or not, that could apply to an open document."""
    out: set[Path] = set()
    for doc in list(ls.documents.documents.values()):
        path = Path(doc.path)
        if not path.is_absolute():
            continue
        stop = ls.settings.folder_of(doc.path)
        for level, folder in enumerate(path.parents):
            out.update(folder / name for name in CONFIG_FILES)
            if level >= _MAX_LEVELS or (stop is not None and str(folder) == stop):
                break
    return out


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


async def poll_config_files(ls: PromptwiseServer) -> None:
    """The server's own watch of config files, for clients that register none.

    A file is compared with what the previous round saw; one seen for the
    first time (a document just opened) is only recorded. A change, a new
    file or a deleted one is handled as a watched-file event would be.
    """
    seen: dict[Path, tuple[int, int] | None] = {}
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            candidates = _config_candidates(ls)
            changed = []
            for path in sorted(candidates):
                stamp = _stamp(path)
                if path in seen and seen[path] != stamp:
                    changed.append(str(path))
                seen[path] = stamp
            for gone in set(seen) - candidates:
                del seen[gone]  # no open document needs it any more
            if changed:
                await files_changed(ls, changed)
        except Exception:  # the watch outlives any one bad round
            log.exception("watching the config files failed")


async def _register(ls: PromptwiseServer, registrations: list[lsp.Registration]) -> bool:
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(
                lsp.RegistrationParams(registrations=registrations)
            ),
            CLIENT_TIMEOUT,
        )
        return True
    except Exception as exc:
        log.warning(
            "the client refused to register %s: %s", ", ".join(r.method for r in registrations), exc
        )
        return False


def _all_log_globs(ls: PromptwiseServer) -> tuple[tuple[str, str], ...]:
    configured = []
    for uri in list(ls.documents.documents):
        result = ls.documents.latest(uri)
        analysis = result.analysis if result is not None else None
        if analysis is not None and analysis.settings.escalation.reads_files():
            configured.append(analysis.settings)
    if not configured:
        return ()
    # The log store is imported only once some file has logs configured: at
    # launch (`initialized`, while the first file is analysed) none has been
    # analysed yet, and the first diagnostics do not wait for the advisor.
    from promptwise.escalation.store import watched_files

    found: set[tuple[str, str]] = set()
    for settings in configured:
        found.update(watched_files(settings))
    return tuple(sorted(found))


async def update_log_watchers(ls: PromptwiseServer) -> None:
    """Re-register the failure-log watchers when the set of log globs changed."""
    globs = _all_log_globs(ls)
    if globs == ls.watched_logs or not _can_watch(ls):
        ls.watched_logs = globs
        return
    ls.watched_logs = globs
    if ls.log_registration is not None:
        try:
            await asyncio.wait_for(
                ls.client_unregister_capability_async(
                    lsp.UnregistrationParams(
                        unregisterations=[
                            lsp.Unregistration(
                                id=ls.log_registration,
                                method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            )
                        ]
                    )
                ),
                CLIENT_TIMEOUT,
            )
        except Exception as exc:
            log.debug("unregistering the log watchers failed: %s", exc)
        ls.log_registration = None
    if not globs:
        return
    watchers = convert.glob_patterns(globs, _relative_ok(ls))
    if await _register(
        ls,
        [
            lsp.Registration(
                id=LOG_WATCH_ID,
                method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
        ],
    ):
        ls.log_registration = LOG_WATCH_ID
        log.info(
            "watching failure logs: %s",
            ", ".join(f"{base}/{glob}" if base else glob for base, glob in globs),
        )


async def watch_logs_of(ls: PromptwiseServer, uri: str) -> None:
    """After a document's first analysis, watch the logs its settings name."""
    try:
        await ls.documents.analysis(uri)
        await update_log_watchers(ls)
    except Exception:
        log.exception("updating the failure-log watchers failed for %s", uri)


def _matches_log(path: str, settings: Settings) -> bool:
    if not settings.escalation.reads_files():
        return False
    from promptwise.escalation.store import watched_files

    target = Path(path).as_posix()
    for base, glob in watched_files(settings):
        pattern = f"{Path(base).as_posix().rstrip('/')}/{glob}" if base else glob
        if fnmatch.fnmatchcase(target, pattern) or fnmatch.fnmatchcase(
            target, pattern.replace("**/", "")
        ):
            return True
    return False


def affected_by(ls: PromptwiseServer, changed: list[str]) -> tuple[bool, list[str]]:
    """Whether a config file changed, and which open documents to analyse again."""
    config_changed = False
    uris: set[str] = set()
    for path in changed:
        if Path(path).name in CONFIG_FILES:
            config_changed = True
            folder = Path(path).parent.as_posix().rstrip("/") + "/"
            uris.update(
                uri
                for uri, doc in ls.documents.documents.items()
                if Path(doc.path).as_posix().startswith(folder)
            )
            continue
        for uri in list(ls.documents.documents):
            result = ls.documents.latest(uri)
            if (
                result is not None
                and result.analysis is not None
                and _matches_log(path, result.analysis.settings)
            ):
                uris.add(uri)
        # A file an open prompt references (or looked for) appeared or went away.
        uris.update(ls.dependents(path))
    return config_changed, sorted(uris)


async def did_change_watched_files(
    ls: PromptwiseServer, params: lsp.DidChangeWatchedFilesParams
) -> None:
    await files_changed(ls, [convert.uri_to_path(event.uri) for event in params.changes])


async def files_changed(ls: PromptwiseServer, changed: list[str]) -> None:
    """Re-read what changed on disk and re-analyse the open documents it affects."""
    config_changed, uris = affected_by(ls, changed)
    if config_changed:
        ls.settings.config_changed()
    if uris and any(Path(path).name not in CONFIG_FILES for path in changed):
        from promptwise.escalation.store import invalidate_all

        invalidate_all()  # a failure log changed: the advisor must read it again
    if uris:
        log.info(
            "re-analysing %d open file(s) after changes to %s",
            len(uris),
            ", ".join(sorted(set(changed))),
        )
        ls.reanalyse(uris)
    if config_changed:
        await update_log_watchers(ls)
