"""Rule families: which code range is about what, written down once.

A rule's family is the hundreds digit of its code (PW2xx are the vague
instructions). SARIF tags, hover text and ``promptwise rules`` all read it
from here, so a new family, or a new name for one, is a one-line change.
Codes outside every range (a user's PW7xx, say) have no family.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    prefix: str  # the code prefix every rule of the family starts with, "PW2"
    tag: str  # kebab-case, for machine consumers (SARIF tags, JSON)
    title: str  # for people

    @property
    def codes(self) -> str:
        """The code range as written in the docs: ``PW2xx``."""
        return f"{self.prefix}xx"


FAMILIES: tuple[Family, ...] = (
    Family("PW0", "structure", "structure"),
    Family("PW1", "examples", "examples"),
    Family("PW2", "vague-instructions", "vague instructions"),
    Family("PW3", "edge-cases", "edge cases and output contract"),
    Family("PW4", "input-safety", "input safety"),
    Family("PW5", "tokens-and-cost", "tokens and cost"),
    Family("PW9", "escalation", "escalation"),
)

_BY_PREFIX = {family.prefix: family for family in FAMILIES}


def family_of(code: str) -> Family | None:
    """The family a rule code belongs to, or None for codes outside every range."""
    return _BY_PREFIX.get(code.upper()[:3])
