"""Settings for each open file: config file, then what the editor says.

Precedence is DESIGN.md's: built-in defaults < the nearest config file <
editor settings. Editor settings arrive as ``initializationOptions``, as the
answer to ``workspace/configuration`` (section ``promptwise``, globally and
per workspace folder) and with ``workspace/didChangeConfiguration``; the
folder containing a file picks its scoped settings, so multi-root
workspaces resolve per file.

A bad value must never take the server down: an invalid editor key is
dropped (with one warning naming it) and the rest still applies; a broken
config file is reported once and the file is analysed with the defaults
plus the editor settings until it is fixed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptwise.config import (
    Settings,
    find_config,
    invalidate_discovery,
    load_settings,
    merge_overrides,
    problems_in,
)
from promptwise.config_schema import snake
from promptwise.errors import PromptwiseError

log = logging.getLogger(__name__)

EDITOR_SOURCE = "editor settings"

# Keys a client may send in the `promptwise` section that configure the
# server process or the client itself, not the analysis.
SERVER_KEYS = frozenset({"logLevel", "log_level", "trace"})
# How long a file opened at start-up waits for the editor's settings before it
# is analysed on the defaults: an initialization option, else this variable.
SETTINGS_WAIT_KEYS = frozenset({"settingsWaitMs", "settings_wait_ms"})
SETTINGS_WAIT_ENV = "PROMPTWISE_SETTINGS_WAIT_MS"
SETTINGS_WAIT_MS = 5000
_MAX_WAIT_MS = 60_000
CLIENT_KEYS = frozenset(
    {
        "path",
        "interpreter",
        "serverPath",
        "server_path",
        "importStrategy",
        "showNotifications",
        "enable",
    }
)

_LEVELS = {
    "off": logging.WARNING,
    "messages": logging.INFO,
    "verbose": logging.DEBUG,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


def log_level(value: Any) -> int | None:
    """A logging level from ``logLevel`` or ``trace`` (``off``/``messages``/``verbose``)."""
    if isinstance(value, Mapping):
        value = value.get("server")
    if isinstance(value, str):
        return _LEVELS.get(value.strip().lower())
    return None


@dataclass(frozen=True)
class EditorSettings:
    """One scope's editor settings, split into analysis settings and server options."""

    analysis: Mapping[str, Any]
    level: int | None = None
    problems: tuple[str, ...] = ()
    settings_wait_ms: int | None = None  # only meaningful in initializationOptions


def _wait_ms(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_WAIT_MS:
        return None
    return value


def settings_wait(initial: EditorSettings) -> float:
    """Seconds a first analysis waits for the editor's settings.

    ``settingsWaitMs`` in the initialization options, else the
    ``PROMPTWISE_SETTINGS_WAIT_MS`` environment variable, else 5 s. Tests and
    clients that answer at once set it low; nothing else changes.
    """
    if initial.settings_wait_ms is not None:
        return initial.settings_wait_ms / 1000
    raw = os.environ.get(SETTINGS_WAIT_ENV)
    if raw is not None:
        found = _wait_ms(raw)
        if found is not None:
            return found / 1000
        log.warning(
            "%s=%r is not a number of milliseconds from 0 to %d; using %d",
            SETTINGS_WAIT_ENV,
            raw,
            _MAX_WAIT_MS,
            SETTINGS_WAIT_MS,
        )
    return SETTINGS_WAIT_MS / 1000


def _drop(data: dict[str, Any], key: str) -> bool:
    """Remove the (possibly dotted, snake_case) ``key`` from camelCase ``data``."""
    head, _, rest = key.partition(".")
    for raw in list(data):
        if raw == head or snake(str(raw)) == snake(head):
            inner = data[raw]
            if rest and isinstance(inner, dict):
                for sub in list(inner):
                    if sub == rest or snake(str(sub)) == snake(rest.split(".")[0]):
                        del inner[sub]
                        if not inner:
                            del data[raw]
                        return True
            del data[raw]
            return True
    return False


def editor_settings(payload: Mapping[str, Any] | None) -> EditorSettings:
    """Validate a client's ``promptwise`` object, dropping what cannot be used.

    One pass finds every invalid key (each problem names its key); each is
    removed on its own, so one typo costs one setting, not all of them.
    """
    if not payload:
        return EditorSettings({})
    data: dict[str, Any] = {}
    level: int | None = None
    wait: int | None = None
    bad_wait: list[str] = []
    for key, value in payload.items():
        if key in SERVER_KEYS:
            level = log_level(value) if level is None else level
        elif key in SETTINGS_WAIT_KEYS:
            wait = _wait_ms(value)
            if wait is None:
                bad_wait.append(
                    f"{EDITOR_SOURCE}: `{key}`: expected milliseconds from 0 to {_MAX_WAIT_MS}, "
                    f"got {value!r}"
                )
        elif key not in CLIENT_KEYS:
            data[str(key)] = _copy(value)
    problems = problems_in(data, EDITOR_SOURCE)
    for problem in problems:
        if problem.key is None or not _drop(data, problem.key):
            data = {}  # a problem with the whole object: nothing of it can be trusted
            break
    rendered = (*bad_wait, *(p.render() for p in problems))
    return EditorSettings(data, level, rendered, wait)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    return value


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return (-1, -1)


class SettingsResolver:
    """Per-file settings, cached by config file, its stamp and the editor scope.

    Thread-safe: the analysis thread resolves settings while the event loop
    may be receiving new editor settings.
    """

    def __init__(self, warn: Callable[[str], None]) -> None:
        self._warn = warn
        self._lock = threading.Lock()
        self._global = EditorSettings({})
        self._initial = EditorSettings({})  # initializationOptions: below the others
        self._folders: dict[str, EditorSettings] = {}
        self._configs: dict[str, tuple[tuple[int, int], Settings | None]] = {}
        self._cache: dict[tuple[Any, ...], Settings] = {}
        self._reported: set[str] = set()
        self.generation = 0

    # --------------------------------------------------------------- editor

    def set_initial(self, payload: Mapping[str, Any] | None) -> EditorSettings:
        return self._set(payload, lambda s: setattr(self, "_initial", s))

    def set_global(self, payload: Mapping[str, Any] | None) -> EditorSettings:
        return self._set(payload, lambda s: setattr(self, "_global", s))

    def set_folder(self, folder: str, payload: Mapping[str, Any] | None) -> EditorSettings:
        return self._set(payload, lambda s: self._folders.__setitem__(_norm(folder), s))

    def forget_folder(self, folder: str) -> None:
        with self._lock:
            self._folders.pop(_norm(folder), None)
            self._bump()

    def _set(
        self, payload: Mapping[str, Any] | None, store: Callable[[EditorSettings], None]
    ) -> EditorSettings:
        parsed = editor_settings(payload)
        with self._lock:
            store(parsed)
            self._bump()
        if parsed.problems:
            self.report(
                "Promptwise ignored invalid editor settings: "
                + "; ".join(parsed.problems)
                + ". The other settings still apply."
            )
        return parsed

    @property
    def level(self) -> int | None:
        for scope in (self._global, self._initial):
            if scope.level is not None:
                return scope.level
        return None

    def folders(self) -> list[str]:
        with self._lock:
            return list(self._folders)

    # ------------------------------------------------------------ discovery

    def config_changed(self) -> None:
        """A config file was created, changed or deleted somewhere."""
        invalidate_discovery()
        with self._lock:
            self._configs.clear()
            self._bump()

    def _bump(self) -> None:
        self._cache.clear()
        self.generation += 1

    def report(self, message: str) -> None:
        """Warn the user once per distinct problem (every re-analysis would repeat it)."""
        with self._lock:
            if message in self._reported:
                return
            self._reported.add(message)
        log.warning("%s", message)
        self._warn(message)

    def folder_of(self, path: str) -> str | None:
        norm = _norm(path)
        best: str | None = None
        for folder in self._folders:
            if (norm == folder or norm.startswith(folder.rstrip(os.sep) + os.sep)) and (
                best is None or len(folder) > len(best)
            ):
                best = folder
        return best

    def _base(self, config: Path | None) -> Settings | None:
        if config is None:
            return Settings()
        key = str(config)
        stamp = _stamp(config)
        with self._lock:
            cached = self._configs.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            settings: Settings | None = load_settings(config, named=False)
        except PromptwiseError as exc:
            self.report(
                f"Promptwise: {exc}. Files under it are analysed with the default "
                "settings until it is fixed."
            )
            settings = None
        with self._lock:
            self._configs[key] = (stamp, settings)
        return settings

    def config_for(self, path: str) -> Path | None:
        target = Path(path)
        if not target.is_absolute():
            return None
        try:
            return find_config(target if target.exists() else target.parent)
        except OSError:
            return None

    def settings_for(self, path: str) -> Settings:
        """Defaults < nearest config file < editor settings (global, then folder)."""
        config = self.config_for(path)
        base = self._base(config)
        folder = self.folder_of(path)
        stamp = _stamp(config) if config is not None else None
        key = (str(config) if config else None, stamp, folder, self.generation)
        with self._lock:
            cached = self._cache.get(key)
            scopes = [self._initial, self._global]
            if folder is not None:
                scopes.append(self._folders[folder])
        if cached is not None:
            return cached
        settings = base if base is not None else Settings()
        for scope in scopes:
            if scope.analysis:
                try:
                    settings = merge_overrides(settings, [(EDITOR_SOURCE, scope.analysis)])
                except PromptwiseError as exc:  # valid alone, invalid over this base
                    self.report(f"Promptwise ignored editor settings: {exc}")
        if settings.root is None:
            anchor = folder or str(Path(path).parent)
            settings = settings.replace(root=anchor)
        with self._lock:
            self._cache[key] = settings
        return settings


def _norm(path: str) -> str:
    return os.path.normpath(path)
