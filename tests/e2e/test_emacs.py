"""Emacs + eglot as the client (skipped where Emacs is not installed).

Debian: `apt-get install emacs-nox elpa-eglot` (Emacs 28.2, eglot 1.9). Eglot
1.9 has no code lens or inlay hints, so the script sends those requests raw.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, source_env

# One editor at a time: they share a cache and both cores.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("editors")]

SCRIPT = Path(__file__).with_name("emacs") / "promptwise_test.el"


def test_emacs_eglot_shows_diagnostics_lens_and_hints(tmp_path: Path) -> None:
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.skip("Emacs not installed (Debian: apt-get install emacs-nox elpa-eglot)")
    if not any(Path("/usr/share/emacs/site-lisp/elpa").glob("eglot*")):
        probe = subprocess.run(
            [emacs, "--batch", "-Q", "--eval", "(require 'eglot)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if probe.returncode != 0:
            pytest.skip("eglot not available (Debian: apt-get install elpa-eglot)")
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    out = tmp_path / "result.json"
    env = source_env()
    env.update(
        {
            "PW_SERVER_CMD": json.dumps([sys.executable, "-m", "promptwise", "serve"]),
            "PW_FILE": str(work / "legacy-summary.prompty"),
            "PW_OUT": str(out),
            "HOME": str(tmp_path),
        }
    )
    proc = subprocess.run(
        [emacs, "--batch", "-Q", "-l", str(SCRIPT)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), f"emacs wrote no result (rc={proc.returncode}): {proc.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result["ok"] is True, result.get("error")
    assert any("`tiket` is used but not declared" in d for d in result["diagnostics"])
    assert result["fixed_after_edit"] is True
    assert result["publishes"] >= 2
    assert result["codelens"].startswith("gpt-4o-mini · ") and "/call" in result["codelens"]
    assert result["inlay_hints"][0].endswith("tok (not sent)")
    assert "gpt-4o-mini" in result["hover"]
