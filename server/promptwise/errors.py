"""Errors a user can act on: each names the file, and the line or key."""

from __future__ import annotations


class PromptwiseError(Exception):
    """Base for errors that adapters report without a traceback (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.detail = message
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        if self.key:
            where += f"`{self.key}`: "
        return where + self.detail


class ConfigError(PromptwiseError):
    """A configuration file or setting has an unknown key or a bad value."""


class RuleFileError(PromptwiseError):
    """A rule file cannot be loaded or does not describe a valid rule."""


class InputError(PromptwiseError):
    """A prompt file or log cannot be read (missing, binary, too large)."""
