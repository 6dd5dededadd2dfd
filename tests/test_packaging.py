"""The wheel carries the rule files, the price table and the bundled encodings."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"pip wheel failed:\n{result.stdout}\n{result.stderr}")
    [built] = list(out.glob("promptwise-*.whl"))
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = sorted(p.name for p in (REPO / "lint_rules").glob("*.yaml"))
    for rule in rules:
        assert f"promptwise/lint_rules/{rule}" in names
    assert "promptwise/pricing/models.yaml" in names
    assert "promptwise/tokens/data/o200k_base.tiktoken.gz" in names
    assert "promptwise/tokens/data/cl100k_base.tiktoken.gz" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "promptwise = promptwise.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
