"""PW402 finds a secret; no report may then print it in full.

The file below holds three keys: one in the frontmatter (also a variable's
default, which the hover shows), one on a line that another rule quotes in
the text report's source excerpt, and one in the body. Every output format
of ``check`` and the language server's diagnostics and hover must show a
masked prefix of each key and never the key itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from promptwise.rules.secrets import mask
from tests.conftest import source_env
from tests.lsp.conftest import diagnostics, open_file, session

OPENAI = "sk-proj-Zq8w3KpL0vN5xR2tY7uB9cD4eF6gH1jM"
AWS = "AKIAQ7W3E5R7T9Y1U3I5"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
KEYS = (OPENAI, AWS, GITHUB)

PROMPTY = f"""---
name: leaky
model:
  api: chat
  configuration:
    type: openai
    api_key: {OPENAI}
inputs:
  token:
    type: string
    default: {GITHUB}
---
system:
You are a helpful assistant. Be concise and answer questions about orders.
Please try to give some good tips using the key {AWS} for the bucket.

user:
{{{{token}}}} {{{{question}}}}
"""

FORMATS = ("text", "json", "sarif", "github", "junit")


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    path = tmp_path / "leaky.prompty"
    path.write_text(PROMPTY, encoding="utf-8")
    return path


def test_masked_prefix_shows_the_kind_of_key_not_the_key() -> None:
    for key in KEYS:
        shown = mask(key)
        assert key.startswith(shown[:-1]) and len(shown) - 1 <= 8
        assert len(shown) - 1 <= len(key) // 4  # most of the key stays hidden
    assert mask(OPENAI) == "sk-proj-…" and mask(AWS) == "AKIA…"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_format_prints_a_secret(leaky: Path, fmt: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", leaky.name, "--format", fmt],
        cwd=leaky.parent,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert output.count("PW402") >= 3 or fmt == "sarif", output
    for key in KEYS:
        assert key not in output, f"{fmt} printed {key}"
    for key in (OPENAI, AWS):
        assert mask(key) in output, f"{fmt} does not say which key ({mask(key)})"
    if fmt == "text":
        # The excerpt of another rule's finding on the AWS line masks the key too.
        quoted = [line for line in output.splitlines() if "| Please try" in line]
        assert quoted and all(mask(AWS) in line for line in quoted), output


async def test_server_diagnostics_and_hover_never_show_a_secret(leaky: Path) -> None:
    async with session() as client:
        uri = open_file(client, leaky, language_id="prompty")
        found = await diagnostics(client, uri, version=1)
        secrets = [d for d in found if str(d.code) == "PW402"]
        assert len(secrets) == 3, [d.message for d in found]
        for d in found:
            for key in KEYS:
                assert key not in d.message
                assert key not in str(d.data)
                for info in d.related_information or []:
                    assert key not in info.message
        lines = PROMPTY.split("\n")
        spots = [
            (i, line.index(key)) for key in KEYS for i, line in enumerate(lines) if key in line
        ]
        token_use = next(i for i, line in enumerate(lines) if line.startswith("{{token"))
        spots.append((token_use, 3))  # the variable's hover shows its default
        shown = []
        for line, character in spots:
            hover = await client.text_document_hover_async(
                lsp.HoverParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    position=lsp.Position(line=line, character=character + 1),
                )
            )
            assert hover is not None
            assert isinstance(hover.contents, lsp.MarkupContent)
            shown.append(hover.contents.value)
        assert any(mask(GITHUB) in text for text in shown), shown
        for text in shown:
            for key in KEYS:
                assert key not in text, text
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(len(lines), 0)),
                context=lsp.CodeActionContext(diagnostics=found),
            )
        )
        for action in actions or []:
            for key in KEYS:
                assert key not in action.title
