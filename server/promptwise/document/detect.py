"""Which prompt format a file is in: by name first, then by content."""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePath

from promptwise.document.model import PromptFormat

# Markdown prompt and agent files, recognised by name.
MARKDOWN_PATTERNS = (
    "*.prompt.md",
    "*.instructions.md",
    "*.agent.md",
    "*.chatmode.md",
    "*.skill.md",
    "SKILL.md",
    "AGENTS.md",
    "CLAUDE.md",
    "GEMINI.md",
    "copilot-instructions.md",
    "*.mdc",
)
# Claude Code subagents are plain `.md` files, known by their folder.
CLAUDE_AGENT_PATTERN = "**/.claude/agents/*.md"
# Files `check` finds on its own when walking a directory.
DEFAULT_INCLUDE = ("*.prompty", "*.prompt", *MARKDOWN_PATTERNS, CLAUDE_AGENT_PATTERN)
CHAT_SUFFIXES = (".json", ".yaml", ".yml")


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name.lower(), p.lower())
        for p in patterns
    )


def is_claude_agent(path: str) -> bool:
    """A Claude Code subagent: a markdown file directly in a `.claude/agents` folder."""
    parts = PurePath(path.replace("\\", "/")).parts
    return (
        len(parts) >= 3
        and parts[-3] == ".claude"
        and parts[-2] == "agents"
        and parts[-1].lower().endswith(".md")
    )


def format_by_name(path: str) -> PromptFormat | None:
    name = PurePath(path).name
    lower = name.lower()
    if lower.endswith(".prompty"):
        return PromptFormat.PROMPTY
    if lower.endswith(".prompt"):
        return PromptFormat.DOTPROMPT
    if _matches(name, MARKDOWN_PATTERNS) or is_claude_agent(path):
        return PromptFormat.MARKDOWN
    if lower.endswith(CHAT_SUFFIXES):
        return PromptFormat.CHAT
    if lower.endswith((".txt", ".md", ".markdown", ".tmpl", ".j2", ".jinja", ".hbs", ".mustache")):
        return PromptFormat.TEXT
    return None


_PROMPTY_ROLE = re.compile(r"^\s*(system|user|assistant)\s*:\s*$", re.M | re.I)


def format_by_content(text: str) -> PromptFormat:
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith(("{", "[")):
        return PromptFormat.CHAT
    if head.startswith("---"):
        if re.search(r"\{\{~?\s*#?role\s", text) or re.search(r"^input:\s*$", text, re.M):
            return PromptFormat.DOTPROMPT
        if _PROMPTY_ROLE.search(text):
            return PromptFormat.PROMPTY
        return PromptFormat.MARKDOWN
    if re.search(r"\{\{~?\s*#?role\s", text):
        return PromptFormat.DOTPROMPT
    if _PROMPTY_ROLE.search(text):
        return PromptFormat.PROMPTY
    return PromptFormat.TEXT


def detect_format(path: str, text: str) -> PromptFormat:
    return format_by_name(path) or format_by_content(text)
