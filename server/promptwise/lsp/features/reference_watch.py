"""Watch the workspace for files appearing and disappearing under open prompts.

A partial deleted in the file explorer, or a linked file created by a
checkout, changes what an open prompt resolves to and counts, without any
editor event for the prompt itself. The server asks the client to report
created and deleted files (changes to a file's content arrive as
``didSave`` when it is edited in the editor); the watched-files handler
then re-analyses the open prompts whose references name one of them
(:meth:`PromptwiseServer.dependents`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from promptwise.lsp.ids import REFERENCE_WATCH_ID

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer

log = logging.getLogger(__name__)


async def register(ls: PromptwiseServer) -> None:
    if not ls.capability("workspace.did_change_watched_files.dynamic_registration", False):
        return
    watcher = lsp.FileSystemWatcher(
        glob_pattern="**/*", kind=lsp.WatchKind.Create | lsp.WatchKind.Delete
    )
    try:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(
                registrations=[
                    lsp.Registration(
                        id=REFERENCE_WATCH_ID,
                        method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[watcher]
                        ),
                    )
                ]
            )
        )
    except Exception as exc:  # a client that refuses: references update on save and edit
        log.warning("the client refused to watch referenced files: %s", exc)
