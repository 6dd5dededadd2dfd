"""Nothing executed, nothing sent.

The CLI and the server run with the network switched off (creating an
internet socket raises) and with an audit hook that records every file
opened and every process started. Over the whole corpus nothing reaches for
the network; and a prompt full of template code that would execute or
include files if it were rendered is only ever scanned: no process starts,
no file beyond the prompt (and the config files looked up beside it) is
opened, and nothing outside it appears in the output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from tests.conftest import CORPUS, source_env
from tests.lsp.conftest import diagnostics, open_file, session

GUARD = textwrap.dedent('''
    """Loaded first by every Python process of the test (sitecustomize)."""
    import atexit, os, socket, sys

    _LOG = os.environ["PROMPTWISE_AUDIT_LOG"]
    _events = []
    _busy = [False]

    class NetworkDisabled(OSError):
        pass

    _real_socket = socket.socket

    class GuardedSocket(_real_socket):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if family in (socket.AF_INET, socket.AF_INET6) or (
                    family == -1 and fileno is None):
                _events.append(("socket", str(family)))
                raise NetworkDisabled("network disabled for this test")
            super().__init__(family, type, proto, fileno)

    def _refuse(*args, **kwargs):
        _events.append(("network", repr(args[:2])))
        raise NetworkDisabled("network disabled for this test")

    socket.socket = GuardedSocket
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    socket.gethostbyname = _refuse

    def _hook(event, args):
        if _busy[0]:
            return
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            _events.append(("open", os.fsdecode(args[0])))
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                       "os.spawn", "os.fork", "ctypes.dlopen", "socket.connect",
                       "socket.bind", "urllib.Request"):
            _events.append((event, repr(args)[:2000]))

    sys.addaudithook(_hook)

    @atexit.register
    def _write():
        _busy[0] = True
        with open(f"{_LOG}.{os.getpid()}", "w", encoding="utf-8") as handle:
            for kind, detail in _events:
                handle.write(f"{kind}\\t{detail}\\n")
''')

# Template code that would run or read files if anything rendered it.
HOSTILE = """---
name: hostile
model: gpt-4o
inputs:
  question:
    type: string
---
system:
You answer questions about {{ ''.__class__.__mro__[1].__subclasses__() }}.
{% include '/etc/passwd' %}
{% import 'os' as os %}{{ os.system('touch {pwned}') }}
{{ cycler.__init__.__globals__.os.popen('touch {pwned}').read() }}
{{> ../../secret}}
{{> (lookup . "partial") }}
{% extends "../secret" %}
{{ self._TemplateReference__context.joiner.__init__.__globals__.os.popen('id').read() }}

user:
{{question}}
"""


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    secret = tmp_path / "secret"
    secret.write_text("TOP-SECRET-MARKER\n", encoding="utf-8")
    work = tmp_path / "workspace" / "prompts"
    work.mkdir(parents=True)
    pwned = tmp_path / "PWNED"
    prompt = work / "hostile.prompty"
    prompt.write_text(HOSTILE.replace("{pwned}", str(pwned)), encoding="utf-8")
    (work / "partial.hbs").write_text("PARTIAL-MARKER", encoding="utf-8")
    return {
        "guard": guard,
        "secret": secret,
        "prompt": prompt,
        "pwned": pwned,
        "log": tmp_path / "audit",
        "tmp": tmp_path,
    }


def guarded_env(box: dict[str, Path]) -> dict[str, str]:
    env = source_env(str(box["guard"]))
    env["PROMPTWISE_AUDIT_LOG"] = str(box["log"])
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    return env


def audit_events(box: dict[str, Path]) -> list[tuple[str, str]]:
    events = []
    for path in box["tmp"].glob("audit.*"):
        for line in path.read_text(encoding="utf-8").splitlines():
            kind, _, detail = line.partition("\t")
            events.append((kind, detail))
    assert events or list(box["tmp"].glob("audit.*")), "the audit hook did not run"
    return events


def assert_nothing_escaped(
    box: dict[str, Path], events: list[tuple[str, str]], output: str
) -> None:
    network = [
        e
        for e in events
        if e[0] in ("socket", "network", "socket.connect", "socket.bind", "urllib.Request")
    ]
    assert not network, f"network use: {network[:5]}"
    spawned = [
        e
        for e in events
        if e[0] in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn")
        and not _read_only_git(e[1])
    ]
    assert not spawned, f"processes started: {spawned[:5]}"
    opened = {os.path.realpath(detail) for kind, detail in events if kind == "open"}
    forbidden = {
        os.path.realpath(p)
        for p in ("/etc/passwd", box["secret"], box["prompt"].parent / "partial.hbs")
    }
    assert not opened & forbidden, f"files read beyond the prompt: {opened & forbidden}"
    assert not box["pwned"].exists(), "template code was executed"
    for marker in ("TOP-SECRET-MARKER", "PARTIAL-MARKER", "root:x:0:0"):
        assert marker not in output


# The editor's "delta vs HEAD" lens reads the file's committed version with
# plumbing commands that never run hooks or fsmonitor; nothing else may start.
# gitbase puts its safety overrides (``-c key=value``, ``-C folder``) before
# the subcommand, so the subcommand is the first word that is neither an
# option nor an option's value.
_GIT_READ_ONLY = ("rev-parse", "cat-file", "symbolic-ref", "merge-base")


def _git_subcommand(detail: str) -> str | None:
    words = re.findall(r"'((?:[^'\\]|\\.)*)'", detail)
    if words[:2] != ["git", "git"]:
        return None
    argv = iter(words[2:])
    for word in argv:
        if word in ("-c", "-C"):
            next(argv, None)
        elif not word.startswith("-"):
            return word
    return None


def _read_only_git(detail: str) -> bool:
    return _git_subcommand(detail) in _GIT_READ_ONLY


def test_cli_on_hostile_templates_renders_and_reads_nothing(sandbox: dict[str, Path]) -> None:
    box = sandbox
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", str(box["prompt"]), "--format", "json"],
        env=guarded_env(box),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert report["findings"], "the hostile file was not analysed"
    events = audit_events(box)
    assert ("open", str(box["prompt"])) in events or any(
        d.endswith("hostile.prompty") for k, d in events if k == "open"
    )
    assert_nothing_escaped(box, events, done.stdout + done.stderr)


def test_cli_over_the_whole_corpus_with_the_network_disabled(sandbox: dict[str, Path]) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    box = sandbox
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "promptwise",
            "check",
            str(CORPUS),
            "--jobs",
            "2",
            "--format",
            "json",
            "--isolated",
        ],
        env=guarded_env(box),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["summary"]["files"] >= 400
    events = audit_events(box)
    assert not [e for e in events if e[0] in ("socket", "network", "socket.connect")]
    assert not [
        e for e in events if e[0] in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn")
    ]
    assert "NetworkDisabled" not in done.stderr


async def test_server_with_the_network_disabled_renders_nothing(
    sandbox: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox
    env = guarded_env(box)
    monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])
    monkeypatch.setenv("PROMPTWISE_AUDIT_LOG", env["PROMPTWISE_AUDIT_LOG"])
    corpus_files = sorted(CORPUS.rglob("*.md"))[::8] if CORPUS.is_dir() else []
    async with session(
        initialization_options={"debounceMs": 0}, folders=[box["prompt"].parent]
    ) as client:
        uri = open_file(client, box["prompt"], language_id="prompty")
        found = await diagnostics(client, uri, version=1, timeout=60)
        assert found
        hover = await client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                position=lsp.Position(line=8, character=30),
            )
        )
        lens = await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        for path in corpus_files:
            other = open_file(client, path, language_id="markdown")
            await diagnostics(client, other, version=1, timeout=60)
        shown = json.dumps([str(found), str(hover), str(lens)])
    events = audit_events(box)
    assert_nothing_escaped(box, events, shown)


async def test_server_never_runs_repository_configured_commands(tmp_path: Path) -> None:
    """A folder with a ``.git`` whose config runs a command on index refresh
    (``core.fsmonitor``), as an extracted archive can carry: opening and
    lensing a modified prompt in the editor must not trigger it."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    prompt = repo / "a.prompty"
    prompt.write_text("system:\nSummarise the text.\n", encoding="utf-8")
    pwned = tmp_path / "PWNED"

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "a.prompty")
    git("commit", "-qm", "init")
    git("config", "core.fsmonitor", f"touch {pwned}; false")
    git("config", "core.hooksPath", str(tmp_path))
    prompt.write_text("system:\nSummarise the text below.\n", encoding="utf-8")
    async with session(initialization_options={"debounceMs": 0}, folders=[repo]) as client:
        uri = open_file(client, prompt, language_id="prompty")
        await diagnostics(client, uri, version=1, timeout=60)
        lenses = await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert lenses is not None
    assert not pwned.exists(), "the server ran a command configured by the repository"
