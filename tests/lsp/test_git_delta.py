"""The cost lens shows what an edit costs against the committed version (HEAD)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from promptwise.tokens.counter import count_text
from tests.lsp.conftest import RecordingClient, opened

# Looking only: the tests share one server (see `shared`).
pytestmark = pytest.mark.asyncio(loop_scope="session")

DOC = lsp.TextDocumentIdentifier

COMMITTED = "---\nmodel:\n  id: gpt-4o\n---\nsystem:\nAnswer in at most 3 sentences.\n"
EDITED = COMMITTED + "Quote the refund policy word for word when a customer asks about refunds.\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def make_repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "Test")
    (tmp_path / "promptwise.yaml").write_text("calls_per_day: 1000\n")
    (tmp_path / "a.prompty").write_text(COMMITTED)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


async def titles(client, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=DOC(uri=uri))
    )
    return [lens.command.title for lens in lenses or [] if lens.command]


async def test_delta_lens_for_a_modified_file(tmp_path: Path, shared: RecordingClient) -> None:
    repo = make_repo(tmp_path)
    client = shared
    async with opened(client, repo / "a.prompty", text=EDITED) as uri:
        found = await titles(client, uri)
        body = lambda text: text.split("---\n", 2)[2]  # noqa: E731
        added = count_text(body(EDITED)) - count_text(body(COMMITTED))
        # gpt-4o input is $2.50 per million tokens; 1,000 calls a day.
        per_day = added * 2.5 / 1_000_000 * 1000
        delta = [t for t in found if t.endswith("vs HEAD")]
        assert len(delta) == 1 and delta[0].startswith(f"+{added} tok · +$"), found
        shown = float(delta[0].split("+$")[1].split("/day")[0])
        assert abs(shown - per_day) <= 0.005 + 1e-9  # rounded to the cent for display


async def test_no_delta_lens_when_unchanged_or_untracked(
    tmp_path: Path, shared: RecordingClient
) -> None:
    repo = make_repo(tmp_path)
    (repo / "new.prompty").write_text(EDITED)
    client = shared
    async with (
        opened(client, repo / "a.prompty") as same,
        opened(client, repo / "new.prompty") as new,
    ):
        assert not [t for t in await titles(client, same) if "vs HEAD" in t]
        assert not [t for t in await titles(client, new) if "vs HEAD" in t]
