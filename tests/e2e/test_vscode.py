"""The VS Code extension end to end, in a real VS Code.

VS Code here is code-server (the same workbench, served to a browser),
installed from the npm registry by ``client-vscode/scripts/install-e2e.sh``,
and driven by Debian's Chromium through playwright-core
(``client-vscode/e2e/driver.cjs``). The test packages the extension with
``npm run package``, installs the ``.vsix`` into a fresh profile whose user
settings point ``promptwise.interpreter`` at this Python, opens a copy of an
example prompt and checks what a user would see: findings in the Problems
panel with their codes, the cost code lens, token inlay hints, the token count
in the status bar, a quick fix applied from the lightbulb, and a new cost after
``promptwise.model`` changes in the settings.

What to expect comes from the CLI on the same file (``promptwise check
--format json``), so the test follows the rules instead of hard-coding them.

Screenshots of every step land in ``tests/e2e/output/vscode/``; the overview
shot is also written to ``docs/vscode.png`` for the README when that file is
missing or ``PROMPTWISE_UPDATE_DOCS=1``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# One editor at a time: they share a cache and both cores.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("editors")]

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "client-vscode"
OUTPUT = REPO / "tests" / "e2e" / "output" / "vscode"
DOCS_SHOT = REPO / "docs" / "vscode.png"
CODE_SERVER_VERSION = "4.100.3"
CACHE = Path(os.environ.get("PROMPTWISE_E2E_CACHE", Path.home() / ".cache" / "promptwise-e2e"))
CODE_SERVER = CACHE / f"code-server-{CODE_SERVER_VERSION}" / "node_modules" / ".bin" / "code-server"
PLAYWRIGHT = CACHE / "playwright" / "node_modules"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
INSTALL_HINT = "run client-vscode/scripts/install-e2e.sh"

# The prompt opened in VS Code (from a scratch copy of examples/): it has
# findings of several rules and one with a quick fix. Its frontmatter names its
# model, so the model setting is checked on AGENTS.md, whose model comes from
# examples/promptwise.yaml until the editor setting overrides it.
PROMPT = "support.prompty"
LANGUAGE = "Prompty"  # the language mode VS Code must show for it (our grammar)
MODEL_PROMPT = "AGENTS.md"
NEW_MODEL = "claude-sonnet-4-5"


def _missing_tools() -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    if not CODE_SERVER.exists():
        return f"code-server {CODE_SERVER_VERSION} is not installed in {CACHE} ({INSTALL_HINT})"
    if not (PLAYWRIGHT / "playwright-core").is_dir():
        return f"playwright-core is not installed in {CACHE} ({INSTALL_HINT})"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed ({INSTALL_HINT})"
    return None


def _run(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


@contextlib.contextmanager
def _client_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hold the run's lock on ``client-vscode/``'s build outputs.

    ``npm run package`` and the bundle script both rebuild
    ``client-vscode/out``; a package whose bundle was rewritten while vsce
    read it is no zip (CI saw that once). Under pytest-xdist the workers
    share the run's temporary folder, where the lock lives.
    """
    with (tmp_path_factory.getbasetemp().parent / "client-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension, packaged exactly as it is shipped, copied out of the
    checkout so that a later build cannot change it under a test."""
    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    version = json.loads((CLIENT / "package.json").read_text())["version"]
    built = CLIENT / f"promptwise-{version}.vsix"
    kept = tmp_path_factory.mktemp("vsix") / built.name
    with _client_build(tmp_path_factory):
        if not (CLIENT / "node_modules" / ".package-lock.json").exists():
            _run(["npm", "ci", "--no-audit", "--no-fund"], CLIENT, timeout=300)
        _run(["npm", "run", "package"], CLIENT, timeout=180)
        assert built.exists(), f"npm run package did not write {built.name}"
        shutil.copyfile(built, kept)
    assert zipfile.is_zipfile(kept), f"{built.name} is not a zip archive"
    return kept


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _utf16_offset(text: str, line: int, character: int) -> int:
    """Offset in ``text`` of an LSP position (UTF-16 code units)."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(x) for x in lines[:line])
    units = 0
    for ch in lines[line] if line < len(lines) else "":
        if units >= character:
            break
        units += 2 if ord(ch) > 0xFFFF else 1
        offset += 1
    return offset


def _apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    spans = []
    for edit in edits:
        r = edit["range"]
        start = _utf16_offset(text, r["start"]["line"], r["start"]["character"])
        end = _utf16_offset(text, r["end"]["line"], r["end"]["character"])
        spans.append((start, end, edit["new_text"]))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _expected_findings(workspace: Path, name: str) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", "--format", "json", name],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), f"promptwise check failed:\n{proc.stderr}"
    findings: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return findings


def _fix_to_apply(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A finding with a quick fix, preferring one that rewrites the flagged text itself."""
    fixable = [f for f in findings if f.get("fix") and f["fix"].get("edits")]
    in_place = [f for f in fixable if [e["range"] for e in f["fix"]["edits"]] == [f["range"]]]
    candidates = in_place or fixable
    return candidates[0] if candidates else None


class CodeServer:
    """code-server on a free port with a fresh profile; stops its whole process group."""

    def __init__(
        self,
        run: Path,
        workspace: Path,
        vsix: Path,
        settings: dict[str, Any],
        drop_env: tuple[str, ...] = (),
        path: str | None = None,
    ) -> None:
        self.run = run
        self.user_data = run / "user-data"
        self.settings_file = self.user_data / "User" / "settings.json"
        self.settings_file.parent.mkdir(parents=True)
        self.settings_file.write_text(json.dumps(settings, indent=2))
        self.env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(run / "xdg" / "config"),
            "XDG_DATA_HOME": str(run / "xdg" / "data"),
            "XDG_CACHE_HOME": str(run / "xdg" / "cache"),
        }
        for name in drop_env:
            self.env.pop(name, None)
        if path is not None:
            # VS Code replaces its environment with a login shell's, whose
            # profile may put other Pythons first (pyenv's shims here); as
            # when it is started from a terminal (VSCODE_CLI), keep this PATH.
            self.env["PATH"] = path
            self.env["VSCODE_CLI"] = "1"
        self.base = [
            str(CODE_SERVER),
            "--user-data-dir",
            str(self.user_data),
            "--extensions-dir",
            str(run / "extensions"),
        ]
        _run([*self.base, "--install-extension", str(vsix)], run, timeout=120, env=self.env)
        self.port = _free_port()
        self.log = (run / "code-server.log").open("w")
        self.proc = subprocess.Popen(
            [
                *self.base,
                "--auth",
                "none",
                "--bind-addr",
                f"127.0.0.1:{self.port}",
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                "--disable-getting-started-override",
                str(workspace),
            ],
            cwd=run,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}/?folder={workspace}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"code-server did not start:\n{self.logs()}") from None
                time.sleep(0.2)

    def logs(self) -> str:
        """code-server's log and the extension's "Promptwise" output channel."""
        parts = [(self.run / "code-server.log").read_text(errors="replace")[-3000:]]
        for log in sorted(self.user_data.glob("logs/**/*Promptwise*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-6000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        self.log.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A scratch copy of examples/, so the quick fix never edits the repository."""
    ws = tmp_path / "workspace"
    shutil.copytree(REPO / "examples", ws)
    return ws


def _user_settings(interpreter: str | None, **promptwise: Any) -> dict[str, Any]:
    """A quiet profile; the server on ``interpreter`` (None: let the extension look for one)."""
    return {
        **({"promptwise.interpreter": [interpreter]} if interpreter else {}),
        **{f"promptwise.{key}": value for key, value in promptwise.items()},
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "git.enabled": False,
        "editor.inlayHints.enabled": "on",
        "editor.codeLens": True,
        "editor.lightbulb.enabled": "on",
        "editor.minimap.enabled": False,
        "terminal.integrated.gpuAcceleration": "off",  # DOM text the test can read
        "workbench.colorTheme": "Default Light Modern",
    }


@pytest.fixture
def code_server(tmp_path: Path, workspace: Path, vsix: Path) -> Iterator[CodeServer]:
    """code-server whose user settings run the server with this Python."""
    # The checkout's promptwise, installed in this Python, is what this test exercises.
    settings = _user_settings(sys.executable, importStrategy="fromEnvironment")
    server = CodeServer(tmp_path / "run", workspace, vsix, settings)
    try:
        yield server
    finally:
        server.stop()


def _drive(driver_input: dict[str, Any], tmp_path: Path) -> tuple[dict[str, Any], str]:
    """Run the browser driver; its JSON result and its stderr."""
    input_file = tmp_path / "driver-input.json"
    input_file.write_text(
        json.dumps({"tmp": str(tmp_path), "chromium": str(CHROMIUM), **driver_input})
    )
    proc = subprocess.run(
        ["node", str(CLIENT / "e2e" / "driver.cjs"), str(input_file)],
        capture_output=True,
        text=True,
        timeout=420,
        env={**os.environ, "NODE_PATH": str(PLAYWRIGHT)},
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"the driver printed nothing:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1]), proc.stderr


def test_extension_in_vscode(code_server: CodeServer, workspace: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    findings = _expected_findings(workspace, PROMPT)
    codes = sorted({f["code"] for f in findings})
    assert codes, f"{PROMPT} should have findings"
    fixable = _fix_to_apply(findings)
    original = (workspace / PROMPT).read_text()

    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    OUTPUT.mkdir(parents=True)
    driver_input = {
        "url": code_server.url,
        "file": PROMPT,
        "language": LANGUAGE,
        "filePath": str(workspace / PROMPT),
        "expectedCodes": codes,
        "shots": str(OUTPUT),
        "settingsFile": str(code_server.settings_file),
        "newModel": NEW_MODEL,
        "modelFile": MODEL_PROMPT,
        "quickFix": None
        if fixable is None
        else {
            "line": fixable["range"]["start"]["line"],
            "character": fixable["range"]["start"]["character"],
            "title": fixable["fix"]["title"],
        },
    }
    result, stderr = _drive(driver_input, tmp_path)
    result["test_seconds"] = round(time.monotonic() - started, 1)
    (OUTPUT / "result.json").write_text(json.dumps(result, indent=2))
    if result.get("readme_screenshot") and (
        not DOCS_SHOT.exists() or os.environ.get("PROMPTWISE_UPDATE_DOCS") == "1"
    ):
        DOCS_SHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(result["readme_screenshot"], DOCS_SHOT)
    steps = result["steps"]

    def context(step: str) -> str:
        info = steps.get(step, {})
        return (
            f"\nstep {step}: {json.dumps(info, indent=1)[:3000]}\n"
            f"driver error: {result.get('error')}\n{stderr[-2000:]}\n{code_server.logs()}"
        )

    # 1. Findings in the Problems panel, each with its rule code.
    assert steps.get("diagnostics", {}).get("ok"), context("diagnostics")
    problems = "\n".join(steps["diagnostics"]["problems"])
    for code in codes:
        assert code in problems, f"{code} missing from the Problems panel" + context("diagnostics")

    # 2. The cost code lens and a token inlay hint.
    lens_step = steps.get("code-lens-and-inlay-hints", {})
    assert lens_step.get("ok"), context("code-lens-and-inlay-hints")
    assert "$" in lens_step["lens"] and any(ch.isdigit() for ch in lens_step["lens"]), context(
        "code-lens-and-inlay-hints"
    )
    assert lens_step["hints"], "no token inlay hint rendered" + context("code-lens-and-inlay-hints")

    # 3. The status bar shows the token count.
    assert steps.get("status-bar", {}).get("ok"), context("status-bar")
    status = steps["status-bar"]["status"]
    assert "tok" in status and any(ch.isdigit() for ch in status), context("status-bar")

    # 4. Clicking it opens the cost comparison.
    assert steps.get("cost-comparison", {}).get("ok"), context("cost-comparison")
    assert NEW_MODEL in steps["cost-comparison"]["table"], context("cost-comparison")

    # 5. A quick fix from the lightbulb changes the text as the server said.
    if fixable is not None:
        assert steps.get("quick-fix", {}).get("ok"), context("quick-fix")
        assert (workspace / PROMPT).read_text() == _apply_edits(
            original, fixable["fix"]["edits"]
        ), context("quick-fix")

    # 6. A new model in the settings gives a new cost, without a restart.
    model_step = steps.get("change-model", {})
    assert model_step.get("ok"), context("change-model")
    assert model_step["saved"], "the Settings editor did not save the model" + context(
        "change-model"
    )
    assert model_step["after"] != model_step["before"], context("change-model")
    assert NEW_MODEL in model_step["lensAfter"], context("change-model")
    assert NEW_MODEL not in model_step["lensBefore"], context("change-model")
    assert model_step["lensAfter"] != model_step["lensBefore"], (
        "the code lens kept the old cost" + context("change-model")
    )
    assert result["ok"], context("change-model")


def test_python_without_promptwise_offers_install(
    tmp_path: Path, workspace: Path, vsix: Path
) -> None:
    """fromEnvironment, a Python without promptwise: one notification, both ways out."""
    bare = tmp_path / "bare-venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120
    )
    python = bare / "bin" / "python"
    shots = OUTPUT.parent / "vscode-missing-server"
    if shots.exists():
        shutil.rmtree(shots)
    shots.mkdir(parents=True)
    # PYTHONPATH would leak this checkout's promptwise into the bare venv.
    server = CodeServer(
        tmp_path / "run",
        workspace,
        vsix,
        _user_settings(str(python), importStrategy="fromEnvironment"),
        drop_env=("PYTHONPATH",),
    )
    try:
        result, stderr = _drive(
            {
                "scenario": "missing-server",
                "url": server.url,
                "file": PROMPT,
                "language": LANGUAGE,
                "shots": str(shots),
            },
            tmp_path,
        )
        (shots / "result.json").write_text(json.dumps(result, indent=2))
        step = result["steps"].get("install-notification", {})
        context = f"\n{json.dumps(result, indent=1)[:4000]}\n{stderr[-2000:]}\n{server.logs()}"
        assert step.get("ok"), context
        assert str(python) in step["message"], context
        assert step["buttons"] == ["Install into this interpreter", "Select interpreter"], context
        assert sum("cannot import" in t for t in step["toasts"]) == 1, (
            "more than one notification" + context
        )
        assert "Promptwise" in step["status"], context
        # "Install into this interpreter" runs pip in a terminal the user sees
        # (this venv has no pip, so it fails at once without touching the network).
        assert result["steps"].get("install-terminal", {}).get("ok"), context
        assert f"{python} -m pip install promptwise" in server.logs(), context
        output = result["steps"]["install-terminal"]["output"]
        assert "No module named pip" in output and "pip exited with code 1" in output, context
    finally:
        server.stop()


# ------------------------------------------------------------ the bundled server

BUNDLE_TARGET = "linux-x64"
BUNDLE_SCRIPT = CLIENT / "scripts" / "bundle.py"
BUNDLED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")


@pytest.fixture(scope="module")
def bundled_vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linux-x64 extension with the server bundled, built by the documented command.

    Built once per test run: under pytest-xdist the workers share the run's
    temporary folder and take turns on a lock, so a second worker reuses the
    first one's build instead of spending another minute on it.
    """
    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    if sys.platform != "linux" or platform.machine() != "x86_64":
        pytest.skip(f"the {BUNDLE_TARGET} bundle runs only on Linux x86-64")
    pytest.importorskip("build", reason="`build` is a test dependency: pip install -e '.[test]'")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        with _client_build(tmp_path_factory):
            return _build_bundle(tmp_path_factory.mktemp("bundled-vsix"))
    shared = tmp_path_factory.getbasetemp().parent / "bundled-vsix"
    shared.mkdir(exist_ok=True)
    with _client_build(tmp_path_factory):
        built = shared / "built.txt"
        if built.exists():
            return Path(built.read_text())
        path = _build_bundle(shared)
        built.write_text(str(path))
        return path


def _build_bundle(out: Path) -> Path:
    stdout = _run(
        [sys.executable, str(BUNDLE_SCRIPT), "--target", BUNDLE_TARGET, "--out", str(out)],
        REPO,
        timeout=900,
    )
    path = Path(stdout.strip().splitlines()[-1])
    assert path.parent == out and path.exists(), stdout
    return path


@pytest.fixture(scope="module")
def unpacked(bundled_vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension folder as VS Code installs it."""
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundled_vsix) as vsix:
        vsix.extractall(folder)
    return folder / "extension"


def _bare_venv(where: Path) -> Path:
    """A fresh venv with nothing installed, not even pip; its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120
    )
    python = where / "bin" / "python3"
    for module in ("promptwise", "yaml", "tiktoken", "pygls"):
        probe = subprocess.run(
            [str(python), "-c", f"import {module}"], capture_output=True, env=_without_pythonpath()
        )
        assert probe.returncode != 0, f"the bare venv can import {module}"
    return python


def _without_pythonpath() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_bundled_vsix_carries_the_server_for_every_python(unpacked: Path) -> None:
    manifest = (unpacked.parent / "extension.vsixmanifest").read_text()
    assert f'TargetPlatform="{BUNDLE_TARGET}"' in manifest
    libs = unpacked / "bundled" / "libs"
    bundle = json.loads((libs / "bundle.json").read_text())
    assert bundle["target"] == BUNDLE_TARGET
    assert bundle["pythons"] == list(BUNDLED_PYTHONS)
    assert bundle["common"]["promptwise"] == bundle["promptwise"]
    # Pure-Python libraries once; the compiled ones for each CPython, built for it.
    assert {"pygls", "lsprotocol", "cattrs", "attrs"} <= set(bundle["common"])
    for python in BUNDLED_PYTHONS:
        tag = "cp" + python.replace(".", "")
        assert {"tiktoken", "regex", "pyyaml"} <= set(bundle[tag]), tag
        for module in ("tiktoken/_tiktoken", "regex/_regex", "yaml/_yaml"):
            [binary] = (libs / tag).glob(f"{module}.cpython-{tag[2:]}-x86_64-linux-gnu.so")
            assert binary.stat().st_size > 0
    assert "tomli" in bundle["cp310"] and "tomli" not in bundle["cp311"], "markers per Python"
    rules = sorted(p.name for p in (REPO / "lint_rules").glob("*.yaml"))
    assert (
        sorted(p.name for p in (libs / "common" / "promptwise" / "lint_rules").glob("*")) == rules
    )
    assert (unpacked / "bundled" / "tool" / "launch.py").is_file()
    assert (unpacked / "out" / "extension.js").is_file()


def _interpreter(version: str) -> str | None:
    """A CPython ``version`` on this machine (PATH or pyenv), if there is one that runs."""
    roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(p / "bin" / "python") for r in roots for p in sorted(r.glob(f"{version}.*"))]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


@pytest.fixture(scope="module")
def checkout_findings() -> Any:
    """``promptwise check`` over examples/ by the checkout, to compare the bundle with."""
    checkout = subprocess.run(
        [sys.executable, "-m", "promptwise", "check", "--format", "json", "."],
        cwd=REPO / "examples",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checkout.returncode == 1, checkout.stderr
    return json.loads(checkout.stdout)


@pytest.mark.parametrize("version", BUNDLED_PYTHONS)
def test_bundled_server_runs_on_each_python(
    unpacked: Path, checkout_findings: Any, version: str, tmp_path: Path
) -> None:
    """The launcher on a bare interpreter finds exactly what the checkout finds."""
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no CPython {version} on this machine")
    launcher = unpacked / "bundled" / "tool" / "launch.py"
    env = {**_without_pythonpath(), "PROMPTWISE_CACHE_DIR": str(tmp_path / "cache")}
    check = subprocess.run(
        [python, "-I", "-X", "utf8", str(launcher), "--check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    answer = json.loads(check.stdout)
    assert answer["ok"] and answer["python"].startswith(version), answer
    assert answer["libyaml"] is True
    bundled = subprocess.run(
        [python, "-I", "-X", "utf8", str(launcher), "check", "--format", "json", "."],
        cwd=REPO / "examples",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bundled.returncode == 1, bundled.stderr
    assert json.loads(bundled.stdout) == checkout_findings


def test_bundled_launcher_names_what_an_old_python_lacks(unpacked: Path) -> None:
    python = _interpreter("3.9") or _interpreter("3.8")
    if python is None:
        pytest.skip("no CPython 3.8 or 3.9 on this machine")
    launcher = unpacked / "bundled" / "tool" / "launch.py"
    check = subprocess.run(
        [python, "-I", str(launcher), "--check"], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 3
    error = json.loads(check.stdout)["error"]
    assert "bundles its server for CPython 3.10 to 3.14" in error and python in error


def test_bundled_extension_runs_on_a_python_with_nothing_installed(
    tmp_path: Path, workspace: Path, bundled_vsix: Path
) -> None:
    """No interpreter set: the extension finds a bare python3 on PATH and runs its own server."""
    python = _bare_venv(tmp_path / "bare-venv")
    findings = _expected_findings(workspace, PROMPT)
    codes = sorted({f["code"] for f in findings})
    shots = OUTPUT.parent / "vscode-bundled"
    if shots.exists():
        shutil.rmtree(shots)
    shots.mkdir(parents=True)
    server = CodeServer(
        tmp_path / "run",
        workspace,
        bundled_vsix,
        _user_settings(None),
        drop_env=("PYTHONPATH", "VIRTUAL_ENV"),
        path=os.pathsep.join([str(python.parent), os.environ.get("PATH", "")]),
    )
    try:
        result, stderr = _drive(
            {
                "scenario": "bundled",
                "url": server.url,
                "file": PROMPT,
                "language": LANGUAGE,
                "expectedCodes": codes,
                "shots": str(shots),
            },
            tmp_path,
        )
        (shots / "result.json").write_text(json.dumps(result, indent=2))
        logs = server.logs()
        context = f"\n{json.dumps(result, indent=1)[:4000]}\n{stderr[-2000:]}\n{logs}"
        assert result["ok"], context
        problems = "\n".join(result["steps"]["diagnostics"]["problems"])
        for code in codes:
            assert code in problems, f"{code} missing from the Problems panel" + context
        status = result["steps"]["status-bar"]["status"]
        assert "tok" in status and any(ch.isdigit() for ch in status), context
        # The server that answered is the bundled one, on the bare venv's python3.
        started = next((line for line in logs.splitlines() if "Starting the server" in line), "")
        assert "bundled, PATH, Python 3." in started, context
        assert f"{python} -I -X utf8 " in started, context
        assert "bundled/tool/launch.py serve" in started, context
    finally:
        server.stop()


def test_bundled_extension_without_any_python_says_what_to_do(
    tmp_path: Path, workspace: Path, bundled_vsix: Path
) -> None:
    """No Python on PATH at all: one notification naming what is needed, with the ways out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    node = shutil.which("node")
    assert node is not None
    (bin_dir / "node").symlink_to(node)
    shots = OUTPUT.parent / "vscode-no-python"
    if shots.exists():
        shutil.rmtree(shots)
    shots.mkdir(parents=True)
    server = CodeServer(
        tmp_path / "run",
        workspace,
        bundled_vsix,
        _user_settings(None),
        drop_env=("PYTHONPATH", "VIRTUAL_ENV"),
        path=str(bin_dir),
    )
    try:
        result, stderr = _drive(
            {
                "scenario": "notice",
                "noticeText": "needs Python",
                "url": server.url,
                "file": PROMPT,
                "language": LANGUAGE,
                "shots": str(shots),
            },
            tmp_path,
        )
        (shots / "result.json").write_text(json.dumps(result, indent=2))
        context = f"\n{json.dumps(result, indent=1)[:4000]}\n{stderr[-2000:]}\n{server.logs()}"
        step = result["steps"].get("notice", {})
        assert step.get("ok"), context
        assert "needs Python 3.10 or newer and found none" in step["message"], context
        assert "Restart Server" in step["message"], context
        assert step["buttons"] == ["Get Python", "Select interpreter"], context
        assert sum("needs Python" in t for t in step["toasts"]) == 1, context
    finally:
        server.stop()
