"""Scan template tags and variables without rendering anything.

Prompt templates are Jinja2 (Prompty), Handlebars (Dotprompt), Mustache
(Prompty's other engine) or Python/LangChain ``{name}`` format strings. The
scanner finds every tag with its exact span, the variables each expression
reads, and structural errors (unterminated tags, unclosed or mismatched
blocks). It never evaluates an expression, includes a partial or imports a
macro: the text is data.

Names bound inside the template (loop variables, ``set``, macro arguments,
names relative to a Handlebars ``each``/``with`` context) are not reported as
inputs, so "undefined variable" only ever means a real missing input.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import SupportsIndex

from promptwise.document.model import (
    ParseProblem,
    TemplateSyntax,
    TemplateTag,
    Variable,
    VariableRole,
)
from promptwise.document.text import ForwardFind, Span

TEMPLATE_PROBLEM = "PW002"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")

# Words that are never variables inside a Jinja expression: operators, literals
# and the globals every environment provides. Words that are keywords only
# inside one statement (``ignore missing``, ``with context``, ``import``,
# ``from``, ``as``, ``recursive``) are ordinary names in an expression:
# ``{{ context }}`` is the most common retrieval variable there is.
JINJA_KEYWORDS = frozenset(
    "and or not in is if else true false none True False None self range lipsum dict "
    "cycler joiner namespace".split()
)
# Names Jinja binds inside one kind of block only: ``loop`` in a ``for``,
# ``caller``/``varargs``/``kwargs`` in a ``macro``; outside they are inputs.
_BLOCK_NAMES = {"for": ("loop",), "macro": ("caller", "varargs", "kwargs"), "call": ("caller",)}
JINJA_BLOCKS = frozenset("for if macro call filter block with autoescape raw trans set".split())
JINJA_MIDDLE = {"elif": "if", "else": "if|for"}

# Helpers that Handlebars and Dotprompt provide; their arguments are
# expressions, their names are not variables.
HANDLEBARS_HELPERS = frozenset(
    "if unless each with lookup log role history section media json ifEquals unlessEquals "
    "else".split()
)
CONTEXT_BLOCKS = frozenset({"each", "with"})
_HB_LITERALS = frozenset({"true", "false", "null", "undefined", "this", "else"})


@dataclass
class TemplateScan:
    tags: list[TemplateTag] = field(default_factory=list)
    uses: list[Variable] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


class _Names:
    """How many open scopes or blocks hold each name: a membership test in O(1).

    Asking every open scope (or block) on each use was quadratic in the
    nesting depth of a template of thousands of nested blocks.
    """

    def __init__(self) -> None:
        self._count: dict[str, int] = {}

    def add(self, name: str) -> None:
        self._count[name] = self._count.get(name, 0) + 1

    def remove(self, name: str) -> None:
        left = self._count[name] - 1
        if left:
            self._count[name] = left
        else:
            del self._count[name]

    def __contains__(self, name: object) -> bool:
        return name in self._count


class _Scope(set[str]):
    """Names one Jinja scope binds; while on its stack, they count in ``names``."""

    def __init__(self, names: _Names) -> None:
        super().__init__()
        self.names = names
        self.live = False

    def add(self, name: str) -> None:
        if name not in self:
            super().add(name)
            if self.live:
                self.names.add(name)

    def update(self, *others: Iterable[str]) -> None:
        for other in others:
            for name in other:
                self.add(name)


class _ScopeStack(list[_Scope]):
    """The open Jinja scopes, keeping ``names`` (what any of them binds) in step."""

    def __init__(self) -> None:
        super().__init__()
        self.names = _Names()

    def new(self) -> _Scope:
        return _Scope(self.names)

    def append(self, scope: _Scope) -> None:
        super().append(scope)
        scope.live = True
        for name in scope:
            self.names.add(name)

    def pop(self, index: SupportsIndex = -1) -> _Scope:
        scope = super().pop(index)
        scope.live = False
        for name in scope:
            self.names.remove(name)
        return scope


_FORMAT_FIELD = re.compile(
    r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]{}]*\])*)"
    r"(?:![rsa])?(?::[^{}\n]*)?\}(?!\})"
)


def detect_syntax(text: str, hint: TemplateSyntax | None = None) -> TemplateSyntax:
    """Guess the template language of ``text`` when the format does not say."""
    if hint is not None and hint is not TemplateSyntax.NONE:
        return hint
    # "{#" is a Jinja comment only when a "#}" closes it somewhere after:
    # Svelte's "{#if ok}" ... "{/if}" in a code sample is not a template.
    comment = text.find("{#")
    if "{%" in text or (comment != -1 and text.find("#}", comment + 2) != -1):
        return TemplateSyntax.JINJA
    if "{{" in text:
        if re.search(r"\{\{[~]?\s*[#/^>!]", text):
            return TemplateSyntax.HANDLEBARS
        return TemplateSyntax.JINJA
    if _FORMAT_FIELD.search(text):
        return TemplateSyntax.FORMAT
    return TemplateSyntax.NONE


def scan(text: str, span: Span, syntax: TemplateSyntax) -> TemplateScan:
    """Scan ``text[span]`` for tags and variable uses in ``syntax``."""
    if syntax is TemplateSyntax.JINJA:
        return _JinjaScanner(text, span).run()
    if syntax in (TemplateSyntax.HANDLEBARS, TemplateSyntax.MUSTACHE):
        return _HandlebarsScanner(text, span, syntax).run()
    if syntax is TemplateSyntax.FORMAT:
        return _scan_format(text, span)
    if syntax is TemplateSyntax.VSCODE:
        return _scan_vscode(text, span)
    return TemplateScan()


_VSCODE_VAR = re.compile(
    r"\$\{(?:(input):([A-Za-z_][\w-]*)(?::[^}\n]*)?|(selection|selectedText|file|fileBasename|"
    r"fileDirname|fileBasenameNoExtension|workspaceFolder|workspaceFolderBasename))\}"
)


def _scan_vscode(text: str, span: Span) -> TemplateScan:
    """``${input:name:placeholder}`` asks the user; ``${selection}`` etc. are editor values."""
    result = TemplateScan()
    for m in _VSCODE_VAR.finditer(text, span.start, span.end):
        name_group = 2 if m.group(2) else 3
        result.tags.append(TemplateTag("expr", Span(m.start(), m.end()), argument=m.group(0)[2:-1]))
        name = Span(m.start(name_group), m.end(name_group))
        result.uses.append(
            Variable(
                m.group(name_group), name, VariableRole.USE, TemplateSyntax.VSCODE, raw=m.group(0)
            )
        )
    return result


# --------------------------------------------------------------------- format


def _scan_format(text: str, span: Span) -> TemplateScan:
    result = TemplateScan()
    for m in _FORMAT_FIELD.finditer(text, span.start, span.end):
        tag_span = Span(m.start(), m.end())
        result.tags.append(TemplateTag("expr", tag_span, argument=m.group(0)[1:-1]))
        result.uses.append(
            Variable(
                m.group(1),
                Span(m.start(1), m.end(1)),
                VariableRole.USE,
                TemplateSyntax.FORMAT,
                raw=m.group(0),
            )
        )
    return result


# ---------------------------------------------------------------------- jinja


def _expression_names(expr: str, base: int) -> Iterable[tuple[str, int]]:
    """Free identifiers an expression reads, with their absolute offsets."""
    masked = _STRING.sub(lambda m: " " * len(m.group(0)), expr)
    size = len(masked)
    for m in _IDENT.finditer(masked):
        name = m.group(0)
        if name in JINJA_KEYWORDS:
            continue
        # The text around the name without its spaces, looked at in place:
        # copying everything before and after each name was quadratic in the
        # expression's length. Each run of spaces is walked by one name only.
        stop = m.start()
        while stop and masked[stop - 1].isspace():
            stop -= 1
        previous = masked[stop - 1] if stop else ""
        if previous in (".", "|") or _IS_TEST.search(masked, max(0, stop - _IS_REACH), stop):
            continue
        after = m.end()
        while after < size and masked[after].isspace():
            after += 1
        if masked.startswith("(", after) or (
            masked.startswith("=", after) and not masked.startswith("==", after)
        ):
            continue
        if previous.isdigit():
            continue
        yield name, base + m.start()


# A test name after ``is`` (``x is defined``), looked for just before a name.
_IS_TEST = re.compile(r"\bis\s+(?:not\s+)?\Z")
_IS_REACH = 64


_Closing = tuple[int, "re.Match[str] | None"]


class _CloserScans:
    """What earlier closer scans found, by the states they passed through.

    A scan's answer depends only on where it is and whether it is inside a
    string (and which closer it wants). Tags whose strings never end on a
    long line (``{{\\'`` repeated) each scanned to the line's end: quadratic.
    Each state a scan passes is marked with the scan; a later scan reaching a
    marked state takes that scan's answer, so every state is walked once.
    """

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.size = max(0, end - start)
        self.answers: list[_Closing] = []
        self._marks: dict[tuple[str, str], array[int]] = {}

    def marks(self, closer: str, quote: str) -> array[int]:
        found = self._marks.get((closer, quote))
        if found is None:
            found = self._marks[(closer, quote)] = array("i", [-1]) * self.size
        return found


def _find_closer(
    text: str,
    pos: int,
    end: int,
    closer: str,
    opener: re.Pattern[str],
    scans: _CloserScans,
) -> _Closing:
    """Find a tag's closer, skipping string literals; report a new opener met first."""
    scan = len(scans.answers)
    scans.answers.append((-1, None))
    base = scans.start
    quote = ""
    marks = scans.marks(closer, quote)
    answer: _Closing = (-1, None)
    i = pos
    while i < end:
        seen = marks[i - base]
        if seen >= 0:
            answer = scans.answers[seen]
            break
        marks[i - base] = scan
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote or ch == "\n":
                # An unterminated string ends at the line; keep scanning.
                quote = ""
                marks = scans.marks(closer, quote)
        elif ch in "'\"":
            quote = ch
            marks = scans.marks(closer, quote)
        elif text.startswith(closer, i):
            answer = (i, None)
            break
        elif ch == "{" and i + 1 < end and text[i + 1] in "{%":
            answer = (-1, opener.match(text, i))
            break
        i += 1
    scans.answers[scan] = answer
    return answer


class _JinjaScanner:
    def __init__(self, text: str, span: Span) -> None:
        self.text = text
        self.span = span
        self.out = TemplateScan()
        self.blocks: list[tuple[str, Span]] = []
        self.scopes = _ScopeStack()
        self.scopes.append(self.scopes.new())
        self.open_names = _Names()  # names of ``blocks``
        self.forward = ForwardFind(text, span.end)
        self.lines = ForwardFind(text, len(text))
        self.scans = _CloserScans(span.start, span.end)

    def bound(self, name: str) -> bool:
        return name in self.scopes.names

    def pop_block(self) -> tuple[str, Span]:
        name, span = self.blocks.pop()
        self.open_names.remove(name)
        if len(self.scopes) > 1:
            self.scopes.pop()
        return name, span

    def use(self, expr: str, base: int, raw: str) -> None:
        for name, offset in _expression_names(expr, base):
            if not self.bound(name):
                self.out.uses.append(
                    Variable(
                        name,
                        Span(offset, offset + len(name)),
                        VariableRole.USE,
                        TemplateSyntax.JINJA,
                        raw=raw,
                    )
                )

    def problem(self, message: str, span: Span) -> None:
        self.out.problems.append(ParseProblem(TEMPLATE_PROBLEM, message, span))

    def run(self) -> TemplateScan:
        text, pos, end = self.text, self.span.start, self.span.end
        opener = re.compile(r"\{[{%#]")
        while True:
            m = opener.search(text, pos, end)
            if not m:
                break
            start = m.start()
            kind = text[start + 1]
            closer = {"{": "}}", "%": "%}", "#": "#}"}[kind]
            if kind == "#":
                close = self.forward.find(closer, start + 2)
                nested = None
            else:
                close, nested = _find_closer(text, start + 2, end, closer, opener, self.scans)
            if close == -1 or nested is not None:
                stop = nested.start() if nested else end
                self.problem(
                    f"`{text[start : start + 2]}` tag is never closed with `{closer}`",
                    Span(start, min(stop, self.lines.line_end(start))),
                )
                pos = stop if nested else start + 2
                continue
            tag_span = Span(start, close + 2)
            inner_start, inner_end = start + 2, close
            if text.startswith(("-", "+"), inner_start):
                inner_start += 1
            if inner_end > inner_start and text[inner_end - 1] in "-+":
                inner_end -= 1
            inner = text[inner_start:inner_end]
            raw = text[tag_span.start : tag_span.end]
            if kind == "#":
                self.out.tags.append(TemplateTag("comment", tag_span, argument=inner.strip()))
            elif kind == "{":
                self.out.tags.append(TemplateTag("expr", tag_span, argument=inner.strip()))
                self.use(inner, inner_start, raw)
            else:
                pos = self.statement(inner, inner_start, tag_span, raw)
                continue
            pos = tag_span.end
        for name, open_span in self.blocks:
            self.problem(
                f"`{{% {name} %}}` block is never closed with `{{% end{name} %}}`", open_span
            )
        return self.out

    def statement(self, inner: str, base: int, tag_span: Span, raw: str) -> int:
        stripped = inner.strip()
        lead = len(inner) - len(inner.lstrip())
        word_match = _IDENT.match(stripped)
        word = word_match.group(0) if word_match else ""
        rest = stripped[len(word) :]
        rest_base = base + lead + len(word)
        if word.startswith("end") and word[3:] in JINJA_BLOCKS:
            name = word[3:]
            self.out.tags.append(TemplateTag("close", tag_span, name=name))
            if self.blocks and self.blocks[-1][0] == name:
                self.pop_block()
            elif name in self.open_names:
                while self.blocks and self.blocks[-1][0] != name:
                    inner_name, inner_span = self.pop_block()
                    self.problem(
                        f"`{{% {inner_name} %}}` block is never closed before `{{% {word} %}}`",
                        inner_span,
                    )
                self.pop_block()
            else:
                self.problem(f"`{{% {word} %}}` has no matching `{{% {name} %}}`", tag_span)
            return tag_span.end
        if word in ("elif", "else"):
            self.out.tags.append(TemplateTag("else", tag_span, name=word, argument=rest.strip()))
            allowed = JINJA_MIDDLE[word].split("|")
            if not self.blocks or self.blocks[-1][0] not in allowed:
                self.problem(f"`{{% {word} %}}` outside of an `{{% if %}}` block", tag_span)
            if word == "elif":
                self.use(rest, rest_base, raw)
            return tag_span.end
        if word == "set" and "=" not in rest:
            # Block assignment: {% set x %}...{% endset %}
            target = rest.strip()
            self.scopes[0].add(target)
            self.open_block("set", tag_span, rest)
            return tag_span.end
        if word == "set":
            target, _, value = rest.partition("=")
            for name in _IDENT.findall(target):
                self.scopes[0].add(name)
            self.out.tags.append(
                TemplateTag("statement", tag_span, name=word, argument=rest.strip())
            )
            self.use(value, rest_base + len(target) + 1, raw)
            return tag_span.end
        if word == "raw":
            self.out.tags.append(TemplateTag("open", tag_span, name="raw"))
            m = re.compile(r"\{%-?\s*endraw\s*-?%\}").search(self.text, tag_span.end, self.span.end)
            if not m:
                self.problem("`{% raw %}` block is never closed with `{% endraw %}`", tag_span)
                return self.span.end
            self.out.tags.append(TemplateTag("close", Span(m.start(), m.end()), name="raw"))
            return m.end()
        if word in JINJA_BLOCKS:
            self.open_block(word, tag_span, rest)
            scope = self.scopes[-1]
            scope.update(_BLOCK_NAMES.get(word, ()))
            if word == "for":
                targets, _, source = rest.partition(" in ")
                source_base = rest_base + len(targets) + 4
                # `recursive` ends the loop header; it is a keyword only there.
                source = re.sub(r"\brecursive\s*$", "", source)
                iterable, _, condition = source.partition(" if ")
                self.use(iterable, source_base, raw)
                for name in _IDENT.findall(targets):
                    scope.add(name)
                if condition:
                    self.use(condition, source_base + len(iterable) + 4, raw)
            elif word == "macro" or word == "call":
                args = rest[rest.find("(") + 1 : rest.rfind(")")] if "(" in rest else ""
                for part in args.split(","):
                    name = part.split("=")[0].strip()
                    if _IDENT.fullmatch(name):
                        scope.add(name)
            elif word == "with":
                # `{% with a = b, c = d %}`: the values are read outside the new scope.
                offset = rest_base
                names = []
                for assignment in rest.split(","):
                    name, eq, value = assignment.partition("=")
                    if eq:
                        self.scopes.pop()
                        self.use(value, offset + len(name) + 1, raw)
                        self.scopes.append(scope)
                    if _IDENT.fullmatch(name.strip()):
                        names.append(name.strip())
                    offset += len(assignment) + 1
                scope.update(names)
            elif word == "if":
                self.use(rest, rest_base, raw)
            elif word == "filter":
                # `{% filter indent(width) %}`: the filter's name is not a variable.
                head = _IDENT.match(rest.strip())
                lead_in = len(rest) - len(rest.lstrip())
                after = lead_in + (head.end() if head else 0)
                self.use(rest[after:], rest_base + after, raw)
            return tag_span.end
        # include / import / from / extends / do / break / continue / unknown tags.
        self.out.tags.append(TemplateTag("statement", tag_span, name=word, argument=rest.strip()))
        if word == "do":
            self.use(rest, rest_base, raw)
        elif word in ("import", "from"):
            m = re.search(r"\bas\s+([A-Za-z_]\w*)", rest)
            if m:
                self.scopes[0].add(m.group(1))
            m = re.search(r"\bimport\s+(.+)$", rest)
            if word == "from" and m:
                for name in _IDENT.findall(m.group(1)):
                    self.scopes[0].add(name)
        return tag_span.end

    def open_block(self, name: str, tag_span: Span, rest: str) -> None:
        self.out.tags.append(TemplateTag("open", tag_span, name=name, argument=rest.strip()))
        self.blocks.append((name, tag_span))
        self.open_names.add(name)
        self.scopes.append(self.scopes.new())


# ----------------------------------------------------------------- handlebars


_HB_TOKEN = re.compile(
    r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\((?:[^()]|\([^()]*\))*\)|[^\s=()]+=|[^\s()]+"
)


class _HandlebarsScanner:
    def __init__(self, text: str, span: Span, syntax: TemplateSyntax) -> None:
        self.text = text
        self.span = span
        self.syntax = syntax
        self.out = TemplateScan()
        # (block name, opening span, names bound by `as |x y|`, opens a new context)
        self.blocks: list[tuple[str, Span, set[str], bool]] = []
        self.context_depth = 0  # how many of ``blocks`` open a new context
        self.open_names = _Names()  # names of ``blocks``
        self.bound_names = _Names()  # names bound by the ``blocks``
        self.forward = ForwardFind(text, span.end)
        self.lines = ForwardFind(text, len(text))
        self._raw: tuple[Span, str] | None = None

    def push_block(self, block: tuple[str, Span, set[str], bool]) -> None:
        self.blocks.append(block)
        self.context_depth += block[3]
        self.open_names.add(block[0])
        for name in block[2]:
            self.bound_names.add(name)

    def pop_block(self) -> tuple[str, Span, set[str], bool]:
        block = self.blocks.pop()
        self.context_depth -= block[3]
        self.open_names.remove(block[0])
        for name in block[2]:
            self.bound_names.remove(name)
        return block

    def raw(self, tag_span: Span) -> str:
        """The tag's source, copied once however many variables it holds."""
        if self._raw is None or self._raw[0] != tag_span:
            self._raw = (tag_span, self.text[tag_span.start : tag_span.end])
        return self._raw[1]

    def problem(self, message: str, span: Span) -> None:
        self.out.problems.append(ParseProblem(TEMPLATE_PROBLEM, message, span))

    def run(self) -> TemplateScan:
        text, pos, end = self.text, self.span.start, self.span.end
        while True:
            start = text.find("{{", pos, end)
            if start == -1:
                break
            if start > 0 and text[start - 1] == "\\":
                pos = start + 2  # escaped mustache: literal text
                continue
            if text.startswith("{{!--", start):
                close = self.forward.find("--}}", start + 5)
                if close == -1:
                    self.problem(
                        "`{{!--` comment is never closed with `--}}`",
                        Span(start, self.lines.line_end(start)),
                    )
                    break
                self.out.tags.append(TemplateTag("comment", Span(start, close + 4)))
                pos = close + 4
                continue
            triple = text.startswith("{{{", start)
            closer = "}}}" if triple else "}}"
            body_start = start + (3 if triple else 2)
            close = self.forward.find(closer, body_start)
            nested = self.forward.find("{{", body_start)
            if close != -1 and nested >= close:
                nested = -1  # only an opener before the closer makes the tag unclosed
            is_comment = text.startswith(("{{!", "{{~!"), start)
            if close == -1 or (nested != -1 and not is_comment):
                stop = nested if nested != -1 else end
                self.problem(
                    f"`{{{{` tag is never closed with `{closer}`",
                    Span(start, min(stop, self.lines.line_end(start))),
                )
                pos = stop if nested != -1 else body_start
                continue
            tag_span = Span(start, close + len(closer))
            inner_start, inner_end = body_start, close
            if text.startswith("~", inner_start):
                inner_start += 1
            if inner_end > inner_start and text[inner_end - 1] == "~":
                inner_end -= 1
            self.tag(text[inner_start:inner_end], inner_start, tag_span)
            pos = tag_span.end
        for name, open_span, _, _ in self.blocks:
            self.problem(
                f"`{{{{#{name}}}}}` block is never closed with `{{{{/{name}}}}}`", open_span
            )
        return self.out

    def tag(self, inner: str, base: int, tag_span: Span) -> None:
        stripped = inner.strip()
        base += len(inner) - len(inner.lstrip())
        if not stripped:
            self.problem("empty `{{}}` tag", tag_span)
            return
        sigil = stripped[0]
        if sigil == "!":
            self.out.tags.append(TemplateTag("comment", tag_span, argument=stripped[1:].strip()))
            return
        if sigil == ">":
            self.out.tags.append(
                TemplateTag(
                    "partial",
                    tag_span,
                    name=stripped[1:].split()[0] if stripped[1:].split() else "",
                    argument=stripped[1:].strip(),
                )
            )
            return
        if sigil == "=":
            self.out.tags.append(TemplateTag("statement", tag_span, name="delimiters"))
            return
        if sigil in "#^":
            body = stripped[1:]
            if body.startswith(("*", ">")):
                body = body[1:]
            self.open_block(
                body, base + 1 + (len(stripped[1:]) - len(body)), tag_span, inverse=sigil == "^"
            )
            return
        if sigil == "/":
            self.close_block(stripped[1:].strip(), tag_span)
            return
        if sigil == "&":
            rest = stripped[1:]
            stripped, base = rest.lstrip(), base + 1 + (len(rest) - len(rest.lstrip()))
        first = stripped.split()[0]
        if first == "else" or stripped == "^":
            self.out.tags.append(
                TemplateTag("else", tag_span, name="else", argument=stripped[4:].strip())
            )
            if not self.blocks:
                self.problem("`{{else}}` outside of a block", tag_span)
            self.expression(stripped[4:], base + 4, tag_span, skip_helper=True)
            return
        self.out.tags.append(TemplateTag("expr", tag_span, name=first, argument=stripped))
        self.expression(stripped, base, tag_span)

    def open_block(self, body: str, base: int, tag_span: Span, *, inverse: bool) -> None:
        tokens = body.split()
        name = tokens[0] if tokens else ""
        bound: set[str] = set()
        m = re.search(r"\bas\s*\|([^|]*)\|", body)
        if m:
            bound = set(m.group(1).split())
            body_for_args = body[: m.start()]
        else:
            body_for_args = body
        self.out.tags.append(TemplateTag("open", tag_span, name=name, argument=body.strip()))
        has_params = len(body_for_args.split()) > 1
        if self.syntax is TemplateSyntax.MUSTACHE or (
            not has_params and name not in HANDLEBARS_HELPERS
        ):
            # A section over a variable: the name is read, the inside is relative to it.
            self.variable(name, base, tag_span)
            self.push_block((name, tag_span, bound, not inverse))
            return
        self.expression(body_for_args, base, tag_span)
        self.push_block((name, tag_span, bound, name in CONTEXT_BLOCKS))

    def close_block(self, name: str, tag_span: Span) -> None:
        self.out.tags.append(TemplateTag("close", tag_span, name=name))
        if self.blocks and self.blocks[-1][0] == name:
            self.pop_block()
            return
        if name in self.open_names:
            while self.blocks and self.blocks[-1][0] != name:
                inner_name, inner_span, _, _ = self.pop_block()
                self.problem(
                    f"`{{{{#{inner_name}}}}}` block is never closed before `{{{{/{name}}}}}`",
                    inner_span,
                )
            self.pop_block()
            return
        if self.blocks:
            self.problem(
                f"`{{{{/{name}}}}}` does not match the open `{{{{#{self.blocks[-1][0]}}}}}`",
                tag_span,
            )
        else:
            self.problem(f"`{{{{/{name}}}}}` has no matching `{{{{#{name}}}}}`", tag_span)

    def expression(
        self, expr: str, base: int, tag_span: Span, *, skip_helper: bool = False
    ) -> None:
        tokens = [(m.group(0), base + m.start()) for m in _HB_TOKEN.finditer(expr)]
        if not tokens:
            return
        params = tokens
        if not skip_helper:
            head, head_at = tokens[0]
            if len(tokens) > 1 or head in HANDLEBARS_HELPERS:
                params = tokens[1:]  # a helper call: the head is the helper
            else:
                self.variable(head, head_at, tag_span)
                return
        for token, at in params:
            if token.endswith("="):
                continue  # hash key; its value is the next token
            if token.startswith("("):
                self.expression(token[1:-1], at + 1, tag_span)
                continue
            self.variable(token, at, tag_span)

    def variable(self, path: str, at: int, tag_span: Span) -> None:
        if not path or path[0] in "\"'" or path in _HB_LITERALS:
            return
        if re.fullmatch(r"-?\d+(?:\.\d+)?", path):
            return
        relative = self.context_depth > 0
        if path.startswith("@root."):
            path, at, relative = path[6:], at + 6, False
        elif path.startswith("@"):
            return  # data variables: @index, @key, @first, @last
        elif path.startswith("this.") or path.startswith("./"):
            return
        ups = 0
        while path.startswith("../", 3 * ups):
            ups += 1
        if ups:  # cut once: one cut per `../` was quadratic in a long path
            path, at = path[3 * ups :], at + 3 * ups
        if ups:
            relative = self.context_depth - ups > 0
        m = _IDENT.match(path.replace("-", "_"))
        if not m:
            return
        name = path[: m.end()]
        if name in self.bound_names:
            return  # bound by `as |name|`
        if relative:
            return
        self.out.uses.append(
            Variable(
                name,
                Span(at, at + len(name)),
                VariableRole.USE,
                self.syntax,
                raw=self.raw(tag_span),
            )
        )
