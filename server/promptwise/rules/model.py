"""What a rule is, as loaded from its YAML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from promptwise.document import yamlnodes
from promptwise.findings import Severity
from promptwise.rules.families import family_of

# Where rule pages live; the rule's YAML file is its page.
DOCS_BASE_URL = "https://github.com/promptwise/promptwise/blob/main/lint_rules/"


def builtin_rules_dir() -> Path:
    """Where the bundled rule files are: inside the wheel, or the source tree."""
    packaged = resources.files("promptwise").joinpath("lint_rules")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "lint_rules"


@lru_cache(maxsize=128)
def load_bundled(text: str) -> yamlnodes.LoadedYaml:
    """A bundled rule file's YAML, loaded once per process.

    The loader (every field) and :mod:`promptwise.rules.options` (only the
    ``options:``) both read the bundled files; without this every cold start
    parsed the 42 files twice. Callers treat the result as read-only.
    """
    return yamlnodes.load_packaged(text)


@dataclass(frozen=True)
class RuleDocs:
    what: str
    why: str
    example: str
    better: str
    options: str = ""
    # Settings and file name under which ``example`` and ``better`` are checked.
    config: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    filename: str = "example.txt"


@dataclass(frozen=True)
class Rule:
    """A rule's metadata plus how it matches.

    Exactly one of ``kind`` (a declarative matcher), ``check`` (a built-in
    Python check, named like the rule) or ``emitted_by`` is set. The last is
    for the few rules no check produces: problems the document stage finds
    while parsing (``document``) and the engine's own reports on
    suppressions and crashed rules (``engine``). ``matcher`` keeps the
    declarative fields verbatim for the matcher kind to interpret.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    message: str  # the rule's one message; empty when it has several
    docs: RuleDocs
    source: str  # the YAML file it came from
    kind: str | None = None
    check: str | None = None
    emitted_by: str | None = None  # "document" | "engine"
    matcher: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    status: str = "stable"  # "stable" | "preview" | "removed"
    family: str = ""
    fixable: bool = False
    builtin: bool = True
    # What the rule flags is a secret: reports show a masked prefix (rules/secrets.py).
    secret: bool = False
    # The rule's messages by name, when it words its findings in several ways.
    messages: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # Defaults of the rule's options (word lists, thresholds); see rules/options.py.
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def template(self, variant: str = "") -> str:
        """The message a finding of this rule is written with (``variant`` of ``messages``)."""
        return self.messages[variant] if variant else self.message

    @property
    def docs_url(self) -> str:
        if self.builtin:
            return DOCS_BASE_URL + self.source.rsplit("/", 1)[-1]
        return "file://" + self.source

    def render_docs(self) -> str:
        """The rule page as plain text (``promptwise rules PW201``)."""
        family = family_of(self.code)
        parts = [
            f"{self.code} ({self.name})",
            "",
            f"Severity: {self.severity.value}"
            + ("" if self.status == "stable" else f"  [{self.status}]"),
            *([f"Family: {family.title} ({family.codes})"] if family is not None else []),
            f"Summary: {self.summary}",
            "",
            "## What it does",
            self.docs.what.strip(),
            "",
            "## Why is this bad?",
            self.docs.why.strip(),
            "",
            "## Example",
            _indent(self.docs.example),
            "",
            "## Use instead",
            _indent(self.docs.better),
        ]
        if self.docs.options.strip():
            parts += ["", "## Options", self.docs.options.strip()]
        return "\n".join(parts) + "\n"

    def render_markdown(self) -> str:
        """The same page as markdown, for SARIF help and LSP hovers."""
        parts = [
            f"**{self.code} — {self.name}** ({self.severity.value})",
            "",
            self.docs.what.strip(),
            "",
            "**Why is this bad?** " + self.docs.why.strip(),
            "",
            "**Example**",
            "```",
            self.docs.example.rstrip(),
            "```",
            "**Use instead**",
            "```",
            self.docs.better.rstrip(),
            "```",
        ]
        if self.docs.options.strip():
            parts += ["", "**Options** " + self.docs.options.strip()]
        return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.rstrip().splitlines())
