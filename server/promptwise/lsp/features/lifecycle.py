"""initialize / initialized / shutdown / $/setTrace."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.lsp import convert
from promptwise.lsp.features import configuration, reference_watch
from promptwise.lsp.settings import log_level, settings_wait

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

log = logging.getLogger(__name__)


def initialize(ls: PromptwiseServer, params: lsp.InitializeParams) -> None:
    """Remember the loop (for cross-thread messages) and the initial settings."""
    # Load the rules, prices and schemas while the client finishes starting up.
    # The encoding is not built here: the first file opened gets its quick
    # findings first, and its full analysis builds the encoding (issue 16).
    # Submitted first: the warm-up also turns the collector back on, which
    # nothing below may keep from happening.
    ls.executor.submit(warm_up)
    ls.loop = asyncio.get_running_loop()
    if ls.log_handler is not None:
        ls.log_handler.loop = ls.loop
    initial = ls.settings.set_initial(configuration.payload(ls, params.initialization_options))
    if ls.capability("workspace.configuration", False):
        # Released in `initialized`, after the pull.
        ls.documents.hold_until_configured(settings_wait(initial))
    for folder in params.workspace_folders or []:
        ls.settings.set_folder(convert.uri_to_path(folder.uri), None)
    _follow_level(ls)
    client = params.client_info.name if params.client_info else "unknown client"
    log.info("promptwise %s serving %s (position encoding %s)", ls.version, client, ls.encoding)


def warm_up() -> None:
    try:
        from promptwise import schemas
        from promptwise.analysis import catalogue_for, rules_for
        from promptwise.config import Settings

        rules_for(Settings())
        catalogue_for(Settings())
        schemas.warm_up()
    except Exception:  # the first real analysis will say what is wrong
        log.debug("warm-up failed", exc_info=True)
    finally:
        resume_collection()


def resume_collection() -> None:
    """Turn the cyclic collector back on if ``promptwise serve`` paused it for
    the start-up (:func:`promptwise.cli.cmd_serve`).

    What exists by now (modules, protocol types, rules, prices, schemas)
    lives as long as the process: it is frozen first, so later collections
    never walk it again.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


async def initialized(ls: PromptwiseServer, params: lsp.InitializedParams) -> None:
    """Pull the editor settings, then watch config files and failure logs."""
    pulled = False
    try:
        pulled = await configuration.pull(ls)
    finally:
        stale = ls.documents.configured()
    _follow_level(ls)
    await configuration.register_watchers(ls)
    await reference_watch.register(ls)
    if pulled and stale:
        ls.reanalyse()  # files analysed on the defaults while the client was silent


def shutdown(ls: PromptwiseServer, params: None) -> None:
    for uri in list(ls.documents.documents):
        ls.documents.close(uri)
    ls.executor.shutdown(wait=False, cancel_futures=True)


def set_trace(ls: PromptwiseServer, params: lsp.SetTraceParams) -> None:
    level = log_level(params.value.value if hasattr(params.value, "value") else params.value)
    if level is not None and ls.log_handler is not None:
        ls.log_handler.use_level(level)


def _follow_level(ls: PromptwiseServer) -> None:
    level = ls.settings.level
    if level is not None and ls.log_handler is not None:
        ls.log_handler.use_level(level)
