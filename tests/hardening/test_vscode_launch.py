"""The VS Code extension's ``fromEnvironment`` server cannot import workspace code.

The extension starts the installed server with the workspace folder as its
working directory. ``python -m promptwise serve`` puts that folder first on
``sys.path``, so a committed ``promptwise.py`` (or ``promptwise/`` package)
ran as soon as the folder was opened. This test reads the command line the
extension really uses (the constants in ``client-vscode/src/interpreter.ts``)
and runs it, with a real Python on which promptwise is installed, in a
workspace folder holding such modules. (The bundled server runs under
``-I``, which already keeps the working directory off ``sys.path``.)
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from promptwise import __version__
from tests.conftest import REPO, source_env

INTERPRETER_TS = REPO / "client-vscode" / "src" / "interpreter.ts"
PLANTED = "HOSTILE-WORKSPACE-CODE-RAN"


def ts_constants() -> dict[str, Any]:
    """The string and string-array constants of interpreter.ts, evaluated.

    Only literals, names of earlier constants and ``+`` are understood, which
    is all these constants use; anything else fails the test loudly.
    """
    found: dict[str, Any] = {}
    text = INTERPRETER_TS.read_text(encoding="utf-8")
    for name, expr in re.findall(r"^export const (\w+) = (.+?)(?: as const)?;$", text, re.M):

        def value(node: ast.AST) -> Any:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Name):
                return found[node.id]
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                return value(node.left) + value(node.right)
            if isinstance(node, ast.List):
                return [value(item) for item in node.elts]
            raise ValueError(ast.dump(node))

        try:
            found[name] = value(ast.parse(expr, mode="eval").body)
        except (SyntaxError, ValueError, KeyError):
            continue  # not a string constant (a regular expression, a number ...)
    return found


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A workspace folder whose modules would announce themselves if imported."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'a').write(__name__ + ' ')\nprint({PLANTED!r})\n"
    (folder / "promptwise.py").write_text(code)
    (folder / "os.py").write_text(code)
    (folder / "json.py").write_text(code)
    (folder / "yaml.py").write_text(code)
    (folder / "support.prompt.md").write_text("# Support\n\nGive some tips.\n")
    return folder


def ran(folder: Path) -> str:
    marker = folder.parent / "ran"
    return marker.read_text() if marker.exists() else ""


def frame(obj: dict[str, Any]) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


SESSION = b"".join(
    frame(m)
    for m in (
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "capabilities": {}, "rootUri": None},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    )
)


def test_the_setup_is_hostile(hostile: Path) -> None:
    """What the extension ran before: ``-m promptwise`` imports the planted module."""
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "serve"],
        cwd=hostile,
        env=source_env(),
        input=SESSION,
        capture_output=True,
        timeout=60,
    )
    assert PLANTED.encode() in done.stdout or "promptwise" in ran(hostile)


def test_installed_server_command_imports_nothing_from_the_workspace(hostile: Path) -> None:
    args = ts_constants()["SERVER_MODULE_ARGS"]
    assert args[-1] == "serve"
    done = subprocess.run(
        [sys.executable, *args],
        cwd=hostile,
        env=source_env(),
        input=SESSION,
        capture_output=True,
        timeout=60,
    )
    assert ran(hostile) == "", f"workspace modules were imported: {ran(hostile)}"
    assert PLANTED.encode() not in done.stdout
    assert b'"name": "promptwise"' in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_import_probe_reports_the_installed_version_not_the_workspace(hostile: Path) -> None:
    check = ts_constants()["IMPORT_CHECK"]
    done = subprocess.run(
        [sys.executable, "-c", check],
        cwd=hostile,
        env=source_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran(hostile) == ""
    assert done.stdout == __version__, done.stdout + done.stderr


def test_a_package_folder_in_the_workspace_is_not_imported_either(hostile: Path) -> None:
    (hostile / "promptwise.py").unlink()
    package = hostile / "promptwise"
    package.mkdir()
    (package / "__init__.py").write_text((hostile / "os.py").read_text())
    (package / "cli.py").write_text((hostile / "os.py").read_text() + "def main(a): return 0\n")
    args = ts_constants()["SERVER_MODULE_ARGS"]
    done = subprocess.run(
        [sys.executable, *args],
        cwd=hostile,
        env=source_env(),
        input=SESSION,
        capture_output=True,
        timeout=60,
    )
    assert ran(hostile) == "" and b'"name": "promptwise"' in done.stdout
