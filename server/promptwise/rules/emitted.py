"""The rules no check produces, and the placeholders of their messages.

Parse problems (unreadable file, invalid frontmatter, template syntax) are
found by the document stage and only handed to the engine
(``emitted_by: document``); unused suppressions and crashed rules are the
engine's own reports (``emitted_by: engine``). Their rule files hold their
wording like any other rule's, checked against what is written here.
"""

from __future__ import annotations

from promptwise.rules.messages import SINGLE, Spec

DOCUMENT = "document"
ENGINE = "engine"

UNUSED_SUPPRESSION = "PW007"
INTERNAL_ERROR = "PW008"
ANALYSIS_BUDGET = "PW009"

# The parser words its problems itself (they name the YAML error, the tag
# left open ...); the rule file passes that text on.
DOCUMENT_MESSAGES: Spec = {SINGLE: frozenset({"problem"})}
ENGINE_MESSAGES: dict[str, Spec] = {
    UNUSED_SUPPRESSION: {
        "unknown_code": frozenset({"code"}),
        "unused": frozenset({"code"}),
    },
    INTERNAL_ERROR: {
        "crash": frozenset({"code", "name", "error"}),
        "timeout": frozenset({"code", "name", "pattern", "seconds"}),
        "option_timeout": frozenset({"code", "name", "patterns", "option", "seconds"}),
    },
    ANALYSIS_BUDGET: {SINGLE: frozenset({"stage", "skipped"})},
}
