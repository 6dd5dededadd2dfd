"""The VS Code client's own checks (type check, eslint, unit tests) run with the suite."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO

CLIENT = REPO / "client-vscode"

pytestmark = pytest.mark.slow


def test_typescript_checks_and_unit_tests() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed; the VS Code client's checks need Node.js and npm")
    if not (CLIENT / "node_modules").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT, check=True, capture_output=True
        )
    result = subprocess.run([npm, "run", "check"], cwd=CLIENT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
