"""PW003: a template variable is used but not declared as an input."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator

from promptwise.document.model import PromptFormat
from promptwise.findings import Related
from promptwise.rules.checks import CheckContext, Hit, register

_DECLARATION_KEYS = {
    PromptFormat.PROMPTY: "inputs",
    PromptFormat.DOTPROMPT: "input.schema",
}


def _checks_declarations(ctx: CheckContext) -> bool:
    """Only a file that declares its inputs in itself can leave one out.

    Both runtimes take whatever inputs the caller passes when the file
    declares none (Prompty validates inputs only against a non-empty
    `inputs`; Dotprompt only against an `input.schema`), and a Prompty file
    whose `inputs` come from `${file:…}` declares them in that file.
    """
    doc = ctx.document
    if doc.format not in _DECLARATION_KEYS or doc.inputs_elsewhere:
        return False
    return doc.declares_inputs


# "Did you mean" compares an unknown name with declared ones (difflib's
# ratio, as ``get_close_matches`` with its 0.6 cutoff). Done naively that is
# every use against every declaration: a file of near-miss names made it
# quadratic (a minute at 30 KB). Three bounds keep it linear: each distinct
# unknown name is looked up once; only declarations whose length could pass
# the cutoff are compared (found by length, not by a scan); and a document
# gets at most ``SUGGESTION_BUDGET`` comparisons of names up to
# ``SUGGESTION_MAX_NAME`` characters. Past the budget a name is reported
# without a suggestion; real prompts stay far below it.
SUGGESTION_BUDGET = 5_000
SUGGESTION_MAX_NAME = 100
_CUTOFF = 0.6


class Suggester:
    """The closest declared name for unknown names, within a comparison budget."""

    def __init__(self, declared: Collection[str], budget: int = SUGGESTION_BUDGET) -> None:
        self.by_length: dict[int, list[str]] = {}
        for name in declared:
            self.by_length.setdefault(len(name), []).append(name)
        self.budget = budget
        self.compared = 0  # comparisons made: what the scaling tests count
        self._memo: dict[str, str | None] = {}

    def closest(self, name: str) -> str | None:
        if name not in self._memo:
            self._memo[name] = self._search(name)
        return self._memo[name]

    def _search(self, name: str) -> str | None:
        size = len(name)
        if not size or size > SUGGESTION_MAX_NAME:
            return None
        # difflib's first filter, 2*min/(sum) >= cutoff, allows lengths in
        # about [3/7, 7/3] of this one; each is checked with its own formula.
        candidates: list[str] = []
        for other in range(max(1, (3 * size) // 7 - 1), (7 * size) // 3 + 2):
            if 2.0 * min(size, other) / (size + other) >= _CUTOFF:
                candidates.extend(self.by_length.get(other, ()))
        room = self.budget - self.compared
        if room <= 0 or not candidates:
            return None
        candidates = candidates[:room]
        self.compared += len(candidates)
        # The best (ratio, name) pair does not depend on the candidates' order.
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=_CUTOFF)
        return close[0] if close else None


@register(
    "undefined-variable",
    variants={"suggest": ("variable", "suggestion"), "declare": ("variable", "where")},
)
def undefined_variable(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    if not _checks_declarations(ctx):
        return
    declared = doc.declared
    where = _DECLARATION_KEYS.get(doc.format, "inputs")
    block = doc.key_spans.get(where.split(".")[0])
    reported: set[str] = set()
    suggester = Suggester(declared)
    for use in doc.used:
        if use.name in declared or use.name in doc.runtime_inputs:
            continue
        suggestion = suggester.closest(use.name)
        close = [suggestion] if suggestion is not None else []
        related = (
            (Related(f"inputs are declared under `{where}`", doc.path, block),) if block else ()
        )
        first = use.name not in reported
        reported.add(use.name)
        yield Hit(
            use.span,
            {"variable": use.name, "suggestion": close[0]}
            if close
            else {"variable": use.name, "where": where},
            "suggest" if close else "declare",
            related=related,
            data={"variable": use.name, "first": first},
        )
