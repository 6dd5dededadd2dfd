"""Run Promptwise from the libraries bundled with the VS Code extension.

The extension starts ``<python> -I -X utf8 launch.py serve``. Isolated mode
keeps the user's site-packages, ``PYTHONPATH`` and the working directory out
of ``sys.path``: the server runs on exactly the libraries that were bundled
and tested together, whatever else that Python has installed, and nothing in
a workspace folder can shadow one of its modules.

``../libs/`` was filled by ``client-vscode/scripts/bundle.py`` from wheels for
one platform: ``common/`` holds the pure-Python ones, shared by every Python,
and ``cpXY/`` the ones built for CPython X.Y (tiktoken, regex, PyYAML's
libyaml binding, ...). ``bundle.json`` names the platform and the Python
versions the bundle was built for.

``launch.py --check`` imports the compiled libraries and prints one JSON line
(``{"ok": true, "promptwise": ..., ...}`` or ``{"ok": false, "error": ...}``),
so the extension can pick an interpreter before it starts the server. Any
other arguments are Promptwise's own command line (``serve``, ``check`` ...).

This file is run by whatever Python the extension finds, so it stays within
syntax and modules that Python 3.7 and later understand: an old interpreter
gets a sentence saying what is needed, not a traceback.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import sysconfig
from typing import NamedTuple

LIBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")
UNSUPPORTED = 3  # exit status: this Python cannot run the bundled libraries


def _this_python() -> str:
    version = ".".join(str(part) for part in sys.version_info[:3])
    where = sysconfig.get_platform()
    return f"{platform.python_implementation()} {version} ({where}) at {sys.executable}"


class Bundle(NamedTuple):
    """What ``bundle.json`` says the libraries were built for."""

    target: str
    pythons: list[str]


def read_manifest(libs: str) -> Bundle:
    """The bundle's ``bundle.json``; raises OSError or ValueError when it is unusable."""
    with open(os.path.join(libs, "bundle.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    pythons = manifest.get("pythons") if isinstance(manifest, dict) else None
    if not isinstance(pythons, list) or not pythons:
        raise ValueError(f"{os.path.join(libs, 'bundle.json')} names no Python versions")
    return Bundle(str(manifest.get("target", "?")), [str(v) for v in pythons])


def library_paths(libs: str, bundle: Bundle) -> list[str]:
    """The folders to put first on ``sys.path``; ValueError naming what this Python lacks."""
    supported = f"CPython {bundle.pythons[0]} to {bundle.pythons[-1]}"
    if sys.implementation.name != "cpython":
        raise ValueError(f"the bundled server runs on {supported}, not on {_this_python()}")
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        raise ValueError(
            f"the bundled server needs a standard (not free-threaded) {supported}; "
            f"this is {_this_python()}"
        )
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    folder = os.path.join(libs, f"cp{sys.version_info[0]}{sys.version_info[1]}")
    if version not in bundle.pythons or not os.path.isdir(folder):
        raise ValueError(
            f"this extension ({bundle.target}) bundles its server for {supported}; "
            f"this is {_this_python()}"
        )
    return [folder, os.path.join(libs, "common")]


# The compiled libraries (they are what fails on a wrong platform or Python)
# and the package itself; importing the whole server would double the time
# the extension waits before it starts it.
CHECKED_MODULES = ("regex", "yaml", "tiktoken", "promptwise")


def check() -> dict[str, object]:
    """Import what proves the bundle runs here and say which versions were found."""
    for name in CHECKED_MODULES:
        importlib.import_module(name)
    modules = sys.modules
    return {
        "ok": True,
        "promptwise": getattr(modules["promptwise"], "__version__", "?"),
        "tiktoken": getattr(modules["tiktoken"], "__version__", "?"),
        "libyaml": bool(getattr(modules["yaml"], "__with_libyaml__", False)),
        "python": ".".join(str(part) for part in sys.version_info[:3]),
        "executable": sys.executable,
    }


def main(argv: list[str]) -> int:
    checking = argv[:1] == ["--check"]
    try:
        sys.path[:0] = library_paths(LIBS, read_manifest(LIBS))
        if checking:
            sys.stdout.write(json.dumps(check()) + "\n")
            return 0
        from promptwise.cli import main as promptwise_main
    except (OSError, ValueError, ImportError) as exc:
        if isinstance(exc, ImportError):
            reason = (
                f"the bundled libraries ({LIBS}) do not load in {_this_python()}: "
                f"{type(exc).__name__}: {exc}"
            )
        elif isinstance(exc, OSError):
            reason = f"the bundled libraries are missing or unreadable ({exc})"
        else:
            reason = str(exc)
        if checking:
            sys.stdout.write(json.dumps({"ok": False, "error": reason}) + "\n")
        sys.stderr.write(f"promptwise: {reason}\n")
        return UNSUPPORTED
    return promptwise_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
