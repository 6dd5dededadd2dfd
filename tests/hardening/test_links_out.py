"""Symbolic links a repository commits next to its prompts: config files,
rule files and price tables.

The walk already refuses prompt files that link out of the checked folder
(``test_reading.py``). The files that configure a run are read from the
same untrusted repository, by ``check`` and by the language server, so they
get the same treatment: only regular files are read (a ``promptwise.yaml``
linking to ``/dev/zero`` must not hang or fill memory), and a link that
leads out of the folder it was found in is not followed, unless the user
named the file (``--config``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from tests.conftest import source_env
from tests.lsp.conftest import diagnostics, open_file, session, until

ENV = source_env()
PROMPT = "# Support\n\nGive some tips on refunds.\n"
SECRET = "hunter2-launch-code"


def _limit_memory() -> None:
    ceiling = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``promptwise`` with a memory ceiling and a time limit (a hang fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "promptwise", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
    )


def codes(done: subprocess.CompletedProcess[str]) -> set[str]:
    report: dict[str, Any] = json.loads(done.stdout)
    return {f["code"] for f in report["findings"]}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "support.prompt.md").write_text(PROMPT)
    # Outside the repository: a file that looks like a config and names a secret.
    (tmp_path / "outside.yaml").write_text(f"ignore: [PW201]\nselect: [{SECRET}]\n")
    return root


def test_config_linked_to_a_device_is_not_read(repo: Path) -> None:
    """Discovery passes over it (not a regular file); named, it is refused, not read."""
    (repo / "promptwise.yaml").symlink_to("/dev/zero")
    done = run("check", ".", "--config", "promptwise.yaml", "--format", "json", cwd=repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "promptwise.yaml" in done.stderr and "not a regular file" in done.stderr


def test_config_linked_out_of_the_repository_is_not_followed(repo: Path) -> None:
    (repo / "promptwise.yaml").symlink_to(repo.parent / "outside.yaml")
    done = run("check", ".", "--format", "json", cwd=repo)
    assert done.returncode == 2
    assert "outside" in done.stderr and "not followed" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    # A link that stays in the repository is followed.
    (repo / "promptwise.yaml").unlink()
    (repo / "shared.yaml").write_text("ignore: [PW201]\n")
    (repo / "promptwise.yaml").symlink_to("shared.yaml")
    done = run("check", ".", "--format", "json", cwd=repo)
    assert "PW201" not in codes(done), done.stderr
    # Named on the command line, the file outside is what the user asked for.
    (repo / "promptwise.yaml").unlink()
    (repo / "promptwise.yaml").symlink_to(repo.parent / "outside.yaml")
    done = run("check", ".", "--config", "promptwise.yaml", "--format", "json", cwd=repo)
    assert SECRET in done.stderr  # read and validated: the unknown code is reported


def test_rule_file_linked_out_of_its_folder_is_not_followed(repo: Path) -> None:
    (repo / "rules").mkdir()
    (repo / "rules" / "stolen.yaml").symlink_to(repo.parent / "outside.yaml")
    (repo / "promptwise.yaml").write_text("rule_dirs: [rules]\n")
    done = run("check", ".", "--format", "json", cwd=repo)
    assert done.returncode == 2
    assert "stolen.yaml" in done.stderr and "not followed" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    (repo / "rules" / "stolen.yaml").unlink()
    os.mkfifo(repo / "rules" / "pipe.yaml")  # a reader would wait for a writer for ever
    done = run("check", ".", "--format", "json", cwd=repo)
    assert done.returncode == 2 and "not a regular file" in done.stderr


def test_price_table_linked_out_of_the_repository_is_not_followed(repo: Path) -> None:
    (repo / "prices.yaml").symlink_to(repo.parent / "outside.yaml")
    (repo / "promptwise.yaml").write_text("pricing: [prices.yaml]\n")
    done = run("check", ".", "--format", "json", cwd=repo)
    assert done.returncode == 2
    assert "symbolic link out of" in done.stderr and SECRET not in done.stderr
    (repo / "prices.yaml").unlink()
    os.mkfifo(repo / "prices.yaml")
    done = run("check", ".", "--format", "json", cwd=repo)
    assert done.returncode == 2 and "not a regular file" in done.stderr


async def test_server_does_not_follow_a_workspace_config_out(repo: Path) -> None:
    """The editor opens the repository: its config links out, then to a device.

    The server says why it ignores the config and analyses with the defaults.
    """
    (repo / "promptwise.yaml").symlink_to(repo.parent / "outside.yaml")
    async with session(folders=[repo]) as client:
        uri = open_file(client, repo / "support.prompt.md")
        found = {str(d.code) for d in await diagnostics(client, uri, version=1)}
        assert "PW201" in found  # the outside `ignore: [PW201]` was not applied

        def said(words: str) -> bool:
            return any(words in m.message for m in client.messages)  # type: ignore[attr-defined]

        await until(lambda: said("not followed"), message="a message about the config")
        assert not said(SECRET)
        # Once the link stays inside, the config applies.
        (repo / "promptwise.yaml").unlink()
        (repo / "shared.yaml").write_text("ignore: [PW201]\n")
        (repo / "promptwise.yaml").symlink_to("shared.yaml")
        # Every publication so far came from the old config (the server may
        # publish twice per version: before and after its encoding is built).
        seen = len(client.published[uri])  # type: ignore[attr-defined]
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="promptwise.reanalyze", arguments=[])
        )
        found = {str(d.code) for d in await diagnostics(client, uri, after=seen)}
        assert "PW201" not in found
