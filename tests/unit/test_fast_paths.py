"""Fast paths of the batch analysis give exactly what the code they replace gave.

Each replaces a regex or a per-clause search that profiling of a cold
``check`` showed to be costly (issue 16); the property here is that the
result is the same for any text, Unicode blanks and punctuation included.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from promptwise.rules.checks import contradicting_instructions as pw209

_PIECES = st.sampled_from(
    [
        " ",
        "\t",
        "\n",
        "\u00a0",
        "\u2003",
        "\x1c",
        "\x85",
        "*",
        "_",
        ".",
        "!",
        ";",
        ":",
        "a",
        "Be",
        "é",
        "?",
    ]
)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_strip_trail_is_the_trailing_regex(raw: str) -> None:
    assert pw209._strip_trail(raw) == re.sub(r"[\s*_.!;:]*$", "", raw)
