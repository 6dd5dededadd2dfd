"""``promptwise.showWorkspaceTokens``: every prompt of the workspace by cost per day.

The same list as ``promptwise tokens DIR --tree`` (both are built by
:mod:`promptwise.project.overview` from the batch runner's results, with
each folder's configuration file), for the workspace folders, or for the
folder given as the argument. The walk and the analyses run on the analysis
thread, so the event loop keeps answering while a large workspace is read.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams

from promptwise.files import walk
from promptwise.lsp import convert
from promptwise.project import overview
from promptwise.runner import FileResult, RunOptions, run, settings_for

if TYPE_CHECKING:
    from promptwise.lsp.language_server import PromptwiseServer


def _folder_argument(args: Sequence[Any]) -> str | None:
    if not args:
        return None
    first = args[0]
    if isinstance(first, Mapping):
        first = first.get("folder") or first.get("uri")
    if first is None:
        return None
    if not isinstance(first, str) or not first:
        raise JsonRpcInvalidParams(message="expected a folder path or URI as the argument")
    path = convert.uri_to_path(first) if first.startswith("file:") else first
    if not os.path.isdir(path):
        raise JsonRpcInvalidParams(message=f"{first} is not a folder")
    return os.path.abspath(path)


def folder_results(folder: str) -> list[FileResult]:
    """What ``tokens FOLDER --tree`` analyses: the walk with the folder's config."""
    options = RunOptions()
    settings = settings_for(Path(folder), options)
    return run(walk([folder], settings.include, settings.exclude), options, jobs=1)


async def show_workspace_tokens(ls: PromptwiseServer, *args: Any) -> dict[str, Any]:
    folder = _folder_argument(args)
    folders = [folder] if folder else ls.settings.folders()
    if not folders:  # no workspace folder: the folders of the open files
        folders = sorted({os.path.dirname(d.path) for d in ls.documents.documents.values()})
    if not folders:
        raise JsonRpcInvalidParams(message="open a folder or a prompt file first")

    def compute() -> list[overview.PromptRow]:
        results: list[FileResult] = []
        for item in folders:
            results.extend(folder_results(item))
        return overview.rows_of(results)

    rows = await asyncio.get_running_loop().run_in_executor(ls.executor, compute)
    root = folders[0] if len(folders) == 1 else os.path.commonpath(folders)
    return {
        "folders": folders,
        **overview.as_json(rows),
        "markdown": overview.as_markdown(rows, root),
    }
