"""Every name the server and its clients agree on: commands, requests, registrations.

One module below the feature handlers, so a handler that offers a command
and the table that registers it read the same constant, and neither has to
import the other. The VS Code client spells the same strings in
``client-vscode/src/commands.ts``.
"""

from __future__ import annotations

from lsprotocol import types as lsp

SECTION = "promptwise"  # the settings section asked for with workspace/configuration
DIAGNOSTIC_SOURCE = "promptwise"  # `source` of every diagnostic; also the pull identifier

STATUS_REQUEST = "promptwise/status"  # the VS Code status bar's request

CMD_COST_COMPARISON = "promptwise.showCostComparison"
CMD_ESCALATION_REPORT = "promptwise.showEscalationReport"
CMD_REANALYZE = "promptwise.reanalyze"
CMD_EXPLAIN_RULE = "promptwise.explainRule"
CMD_IGNORE_IN_CONFIG = "promptwise.ignoreRuleInConfig"
CMD_WORKSPACE_TOKENS = "promptwise.showWorkspaceTokens"

FIX_ALL_KIND = f"{lsp.CodeActionKind.SourceFixAll.value}.promptwise"

# Dynamic registrations, by id, so they can be replaced or withdrawn.
CONFIG_WATCH_ID = "promptwise-config-files"
REFERENCE_WATCH_ID = "promptwise-referenced-files"
LOG_WATCH_ID = "promptwise-failure-logs"
CONFIG_CHANGE_ID = "promptwise-configuration"
