"""Inputs that once made the analysis superlinear, one generator per class.

Issue 12 measured each of these taking seconds to minutes on a few kilobytes
(a quadratic or worse scan somewhere in parsing, template scanning, phrase
matching, the "did you mean" search or a rule). The scaling tests analyse
each at growing sizes, the fuzzing mixes them with other text, and
``bench/run.py`` reports the slowest per megabyte against one encode.

Every generator returns about ``size`` characters (never less than one
repetition of its pattern) and the path whose format makes the analysis
read the text the way the class needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_DOTPROMPT = "---\nmodel: googleai/gemini-2.0-flash\n---\n"


def _repeat(piece: str, size: int) -> str:
    return piece * max(1, size // len(piece))


def braces(size: int) -> str:
    """One line of ``{`` under a heading."""
    return "# Task\n\n" + "{" * size + "\n"


def tips(size: int) -> str:
    """One line of a vague quantity after a verb, over and over."""
    return "# Task\n\n" + _repeat("give some tips, ", size) + "\n"


def digits(size: int) -> str:
    """One line of digits."""
    return "# Task\n\n" + "7" * size + "\n"


def handlebars_closed(size: int) -> str:
    """Handlebars blocks nested as deep as the size allows, all closed."""
    depth = max(1, size // 16)
    return _DOTPROMPT + "{{#if a}}" * depth + "{{b}}" + "{{/if}}" * depth + "\n"


def handlebars_open(size: int) -> str:
    """Handlebars blocks and tags opened and never closed."""
    return _DOTPROMPT + _repeat("{{#each xs}}{{", size) + "\n"


def jinja_closed(size: int) -> str:
    """Jinja blocks nested as deep as the size allows, all closed."""
    depth = max(1, size // 30)
    return "{% for x in xs %}{% if x %}" * depth + "{{ y }}" + "{% endif %}{% endfor %}" * depth


def jinja_open(size: int) -> str:
    """Jinja blocks opened and never closed, with strings that never end."""
    return _repeat("{% if a %}{{\\'", size) + "\n"


def headings(size: int) -> str:
    """Many headings of one level, each with a line of text."""
    count = max(1, size // 16)
    return "".join(f"# Part {i}\ntext\n" for i in range(count))


def deep_headings(size: int) -> str:
    """Headings going one level deeper each time, then back out: long nesting chains."""
    count = max(1, size // 12)
    return "".join("#" * (1 + i % 6) + f" H{i}\nx\n" for i in range(count))


def did_you_mean(size: int) -> str:
    """Many declared inputs and as many uses one letter off each ("did you mean")."""
    count = max(1, size // 48)
    schema = "".join(f"    customer_name_{i}: string\n" for i in range(count))
    uses = "".join(f"{{{{customer_nane_{i}}}}}\n" for i in range(count))
    return f"---\nmodel: googleai/gemini-2.0-flash\ninput:\n  schema:\n{schema}---\n{uses}"


def open_tags(size: int) -> str:
    """Example tags opened on every line and never closed."""
    return "# Task\n\n" + _repeat("<example>\nx\n", size)


def example_titles(size: int) -> str:
    """An example title on every few lines, each over a pair whose values sit
    under their labels: every title's sample is read up to the next title."""
    return "Classify the question.\n\n" + _repeat(
        "Here are some examples:\nQuestion:\nwhy?\nAnswer:\nyes\n", size
    )


@dataclass(frozen=True)
class InputClass:
    name: str
    make: Callable[[int], str]
    path: str  # the file name: its format decides how the text is read


def uses_on_one_line(size: int) -> str:
    """Thousands of uses of an input variable on one line, after one triple quote."""
    head = "---\nmodel: googleai/gemini-2.0-flash\ninput:\n  schema:\n    text: string\n---\n"
    return head + '"""\n' + _repeat("{{text}} ", size) + "\n"


CLASSES = (
    InputClass("braces", braces, "hostile.prompt.md"),
    InputClass("tips", tips, "hostile.prompt.md"),
    InputClass("digits", digits, "hostile.prompt.md"),
    InputClass("handlebars-closed", handlebars_closed, "hostile.prompt"),
    InputClass("handlebars-open", handlebars_open, "hostile.prompt"),
    InputClass("jinja-closed", jinja_closed, "hostile.prompty"),
    InputClass("jinja-open", jinja_open, "hostile.prompty"),
    InputClass("headings", headings, "hostile.prompt.md"),
    InputClass("deep-headings", deep_headings, "hostile.prompt.md"),
    InputClass("did-you-mean", did_you_mean, "hostile.prompt"),
    InputClass("open-tags", open_tags, "hostile.prompt.md"),
    InputClass("uses-on-one-line", uses_on_one_line, "hostile.prompt"),
    InputClass("example-titles", example_titles, "hostile.prompt.md"),
)
