"""PW021: an include that leads back to the including file."""

from __future__ import annotations

import os
from collections.abc import Iterator

from promptwise.findings import Related
from promptwise.rules.checks import CheckContext, Hit, register


@register("include-cycle", fills=("target", "chain"))
def include_cycle(ctx: CheckContext) -> Iterator[Hit]:
    composition = ctx.composition
    if composition is None:
        return
    for cycle in composition.cycles:
        names = " → ".join(os.path.basename(p) for p in cycle.chain)
        related = tuple(
            Related(f"step {step} of the cycle: the include that goes on", path, None, line)
            for step, (path, line) in enumerate(
                zip(cycle.chain[1:-1], cycle.lines, strict=True), start=1
            )
        )
        yield Hit(
            cycle.reference.target_span,
            {"target": cycle.reference.target, "chain": names},
            related=related,
            data={"chain": list(cycle.chain)},
        )
