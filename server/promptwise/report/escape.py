"""Text from prompt files, file names and configs, made safe to print.

Everything Promptwise prints can quote something a repository chose: a file
name, a model name, a config key, a line of a prompt. Printed raw, that text
can rewrite the reader's terminal (escape sequences, carriage returns),
start a line of its own (newlines), reorder what is shown (bidirectional
controls), crash the writer (a file name that is not UTF-8 arrives as lone
surrogates), or drive the CI runner: a GitHub Actions log line that starts
with ``::`` after blanks, or holds ``##[`` anywhere, is a workflow command
(``::error``, ``::add-mask``, ``::stop-commands``, ``##[set-output]``...).

So fields are escaped where they are placed (:func:`printable`, and the
markdown helpers), and every whole output gets a last pass for its format
(:func:`guard`) that leaves no line able to start a workflow command. Each
format keeps its meaning: JSON and XML use their own character escapes, so
the data a parser reads back is unchanged; text and markdown get an
invisible zero-width space between the two characters, so what a person
reads is unchanged.
"""

from __future__ import annotations

import re

_ZWSP = "\u200b"

# C0 and C1 controls and DEL, line and paragraph separators, bidirectional
# overrides and isolates, the BOM, and lone surrogates (a byte of a file name
# that was not UTF-8, or an escape in a JSON file).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")

# A workflow command: ``::`` first on a line once leading blanks are trimmed
# (the runner trims what .NET and JavaScript call white space; the BOM is
# trimmed by the latter), or the legacy ``##[`` anywhere in a line.
_COMMAND_START = re.compile("^([\\s\ufeff]*):(?=:)", re.MULTILINE)
_LEGACY = "##["

_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _SHORT:
        return _SHORT[ch]
    if 0xDC80 <= code <= 0xDCFF:  # Python's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """``text`` on one line with nothing a terminal would act on.

    Controls, separators, bidirectional marks and undecodable bytes become
    backslash escapes (``\\n``, ``\\x1b``, ``\\u202e``, ``\\xff``); everything
    else, including any script and emoji, is kept as it is. Characters in
    ``keep`` (say, a newline the format escapes its own way) are left alone.
    """
    if keep:
        return _UNPRINTABLE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)
    return _UNPRINTABLE.sub(_escape, text)


def guard(text: str, kind: str) -> str:
    """A whole output, with no line able to start a GitHub workflow command.

    ``kind`` is the output's syntax: ``json``, ``xml`` (also HTML), ``github``
    (whose own lines are commands: only ``##[`` is defused inside them) or
    ``text`` (also markdown). Lone surrogates become escapes the format
    allows, so the output is always valid UTF-8.
    """
    if kind == "json":  # both can only occur inside JSON strings
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        return text.replace(_LEGACY, "#\\u0023[")
    if kind == "xml":
        text = _SURROGATE.sub("\ufffd", text)
        text = _COMMAND_START.sub(lambda m: m.group(1) + "&#58;", text)
        return text.replace(_LEGACY, "#&#35;[")
    text = _SURROGATE.sub(lambda m: printable(m.group()), text)
    if kind != "github":
        text = _COMMAND_START.sub(lambda m: m.group(1) + ":" + _ZWSP, text)
    return text.replace(_LEGACY, "#" + _ZWSP + "#[")


def markdown_text(text: str) -> str:
    """``text`` as literal markdown: no emphasis, link, HTML, mention or table cell break."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", printable(text))


def markdown_code(text: str, *, in_table: bool = False) -> str:
    """``text`` as an inline code span, whatever backticks or pipes it holds.

    The fence is one backtick longer than the longest run inside; in a table
    a pipe is written ``\\|`` (GitHub's table syntax reads it before the code
    span). Text holding ``##[`` is written as HTML ``<code>`` with character
    references instead, since nothing inside a backtick span can be escaped.
    """
    shown = printable(text)
    if _LEGACY in shown:
        escaped = "".join(f"&#{ord(c)};" if not c.isalnum() and c != " " else c for c in shown)
        return f"<code>{escaped}</code>"
    if in_table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"
