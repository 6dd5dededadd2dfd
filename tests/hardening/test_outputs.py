"""What Promptwise prints cannot be steered by the files it reads.

A repository chooses its file names (terminal escapes, newlines, bytes that
are not UTF-8), its prompts' text and model names, and its config keys. In
every output format, stdout and stderr alike: nothing of that reaches the
terminal raw, no line can start a GitHub Actions workflow command, every
byte is valid UTF-8, and JSON parses.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import source_env

ENV = source_env()
ENV.pop("GITHUB_ACTIONS", None)

HOSTILE_NAMES = [
    "evil\x1b]0;owned\x07\x1b[2J.prompt",
    "two\nlines::error file=x::injected.prompt",
    "::warning::at-line-start.prompt",
    "##[set-output name=leak]x.prompt",
    "back`tick|pipe<b>.prompt",
]
NOT_UTF8 = b"caf\xe9.prompt"
BODY = (
    '---\nmodel: "gpt\\e[31m\\n::error::model"\n---\n'
    "Give some tips. ##[add-mask]secret \x1b[31mred\x1b[0m\n"
    "::error file=a::also quoted\n"
)
BASE_BODY = "---\nmodel: gpt-4o\n---\nAnswer in one line.\n"

# A workflow command: "::" first once blanks are trimmed, or "##[" anywhere.
COMMAND = re.compile("^[\\s\ufeff]*::|##\\[")
ANNOTATION = re.compile(r"^::(error|warning|notice) file=[^:]*::")
TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def write(root: Path, name: str | bytes, text: str) -> None:
    path = os.path.join(os.fsencode(root), name if isinstance(name, bytes) else name.encode())
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def git(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def repository(root: Path, names: list[str | bytes]) -> Path:
    """A repository where each named prompt was committed plain and is now hostile."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "Test")
    for name in names:
        write(root, name, BASE_BODY)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    for name in names:
        write(root, name, BODY)
    return root


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return repository(tmp_path_factory.mktemp("outputs") / "repo", list(HOSTILE_NAMES))


@pytest.fixture(scope="module")
def not_utf8(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return repository(tmp_path_factory.mktemp("outputs") / "repo", [NOT_UTF8, "plain.prompt"])


def run(root: Path, *args: str) -> tuple[int, bytes, bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", *args],
        cwd=root,
        env=ENV,
        capture_output=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def assert_safe(raw: bytes, *, annotations: bool = False) -> str:
    text = raw.decode("utf-8")  # strict: invalid UTF-8 raises here
    for line in text.splitlines():
        if annotations and ANNOTATION.match(line):
            assert "##[" not in line, line
            continue
        assert not COMMAND.search(line), f"a workflow command: {line!r}"
        assert not TERMINAL.search(line), f"a raw control character: {line!r}"
    return text


CHECK_FORMATS = ["text", "json", "sarif", "github", "junit"]


@pytest.mark.parametrize("fmt", CHECK_FORMATS)
def test_check_output_is_safe(workspace: Path, fmt: str) -> None:
    code, out, err = run(workspace, "check", ".", "--format", fmt, "--fail-on", "never")
    assert code == 0, err
    text = assert_safe(out, annotations=fmt == "github")
    assert_safe(err)
    if fmt in ("json", "sarif"):
        json.loads(text)
    if fmt == "junit":
        ET.fromstring(out)
    if fmt == "text":
        assert "evil\\x1b]0;owned\\x07\\x1b[2J.prompt" in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tokens_output_is_safe(workspace: Path, fmt: str) -> None:
    names = list(HOSTILE_NAMES)
    code, out, err = run(workspace, "tokens", *names, "--segments", "--format", fmt)
    assert code == 0, err
    text = assert_safe(out)
    assert_safe(err)
    if fmt == "json":
        assert len(json.loads(text)["files"]) == len(names)
    else:
        assert "model gpt\\x1b[31m\\n::error::model" in text


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_diff_output_is_safe(workspace: Path, fmt: str) -> None:
    code, out, err = run(workspace, "diff", "HEAD", "--format", fmt)
    assert code == 0, err
    text = assert_safe(out)
    assert_safe(err)
    if fmt == "json":
        assert len(json.loads(text)["files"]) == len(HOSTILE_NAMES)
    if fmt == "markdown":
        rows = [line for line in text.splitlines() if line.startswith("| ")]
        header_cells = rows[0].count(" | ")
        assert all(row.replace("\\|", "").count(" | ") == header_cells for row in rows), rows
        outside_code = re.sub(r"(`+).*?\1", "", text)
        assert "<b>" not in outside_code  # a file name's HTML stays inside code spans


def test_config_keys_on_stderr_are_safe(tmp_path: Path) -> None:
    (tmp_path / "promptwise.yaml").write_text(
        '"::set-output name=x::y\\n::error::z\\e[2J": 1\n', encoding="utf-8"
    )
    write(tmp_path, "a.prompt", BASE_BODY)
    code, out, err = run(tmp_path, "check", "a.prompt")
    assert code == 2
    message = assert_safe(err)
    assert "set-output" in message  # the key is named, only defused
    assert_safe(out)


@pytest.mark.parametrize(
    "args",
    [
        *(("check", ".", "--format", fmt, "--fail-on", "never") for fmt in CHECK_FORMATS),
        ("tokens", os.fsdecode(NOT_UTF8), "plain.prompt"),
        ("tokens", os.fsdecode(NOT_UTF8), "--format", "json"),
        ("diff", "HEAD"),
        ("diff", "HEAD", "--format", "json"),
        ("diff", "HEAD", "--format", "markdown"),
    ],
    ids=lambda args: (
        "-".join(a for a in args if a not in (".", "--format", "--fail-on", "never"))
        .encode("ascii", "backslashreplace")
        .decode()[:40]
    ),
)
def test_a_file_name_that_is_not_utf8_never_crashes(not_utf8: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(not_utf8, *args)
    assert code == 0, err
    text = assert_safe(out, annotations="github" in args)
    assert_safe(err)
    fmt = args[args.index("--format") + 1] if "--format" in args else "text"
    if fmt in ("json", "sarif"):
        data = json.loads(text)
        if fmt == "json" and args[0] == "check":
            paths = {f["path"] for f in data["findings"]}
            assert os.fsdecode(NOT_UTF8) in paths  # lossless: the file system's own name
        if fmt == "sarif":
            uris = {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in data["runs"][0]["results"]
            }
            assert "caf%E9.prompt" in uris  # the byte itself, percent-encoded
    if fmt == "text":
        assert "caf\\xe9.prompt" in text  # the undecodable byte, shown as such
