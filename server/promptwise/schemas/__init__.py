"""Frontmatter schemas per file kind, kept as JSON Schema data files.

Each prompt and agent format reads a different set of frontmatter keys: a
Copilot prompt file reads ``agent`` and ``tools``, an instructions file
``applyTo``, a skill needs a lowercase ``name`` of at most 64 characters. A
typo in a key or a wrong type is silently ignored by the tool that reads the
file, so the prompt runs without what its author asked for. The schemas are
data (``<kind>.schema.json`` beside this module) so that one source gives the
findings, the completion and the hover text, and a new key is a data change.

Validation is done by the ``jsonschema`` library (a full, maintained
implementation of the standard); this module only maps its errors back to
the key or value they are about and words them through the rules' YAML.
Frontmatter that :func:`~promptwise.schemas.certain.certainly_valid` clears
has no errors to map, and is not handed to ``jsonschema`` (nor is it
imported for it: a cold start's first file usually has valid frontmatter).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from promptwise.document.detect import is_claude_agent
from promptwise.document.model import PromptDocument, PromptFormat
from promptwise.document.text import Span
from promptwise.schemas.certain import certainly_valid

if TYPE_CHECKING:
    import jsonschema

# Kind name -> how files of that kind are recognised (in order: first match wins).
KINDS = (
    "skill",
    "claude-agent",
    "copilot-prompt",
    "copilot-instructions",
    "copilot-agent",
    "cursor-rule",
    "prompty",
    "dotprompt",
)


@dataclass(frozen=True)
class FrontmatterSchema:
    """One file kind's schema: its JSON Schema and the facts read from it."""

    kind: str
    title: str
    noun: str  # how messages name a file of this kind: "a skill"
    follows: str  # which version of the format the schema follows
    schema: Mapping[str, Any]

    @property
    def properties(self) -> Mapping[str, Mapping[str, Any]]:
        props = self.schema.get("properties", {})
        return props if isinstance(props, Mapping) else {}

    def property_at(self, path: tuple[str, ...]) -> Mapping[str, Any] | None:
        """The sub-schema of a key path (``("input", "schema")``), when the schema names it."""
        current: Mapping[str, Any] = self.schema
        for part in path:
            props = current.get("properties")
            if not isinstance(props, Mapping) or part not in props:
                return None
            current = props[part]
        return current

    def values_for(self, path: tuple[str, ...]) -> tuple[str, ...]:
        """The values a key takes: its ``enum`` (also in ``anyOf`` branches), else its examples."""
        prop = self.property_at(path)
        if prop is None:
            return ()
        found: list[str] = []
        for branch in [prop, *prop.get("anyOf", ())]:
            for value in [*branch.get("enum", ()), *branch.get("examples", ())]:
                if isinstance(value, (str, bool)) and _text(value) not in found:
                    found.append(_text(value))
            if branch.get("type") == "boolean":
                for value in ("true", "false"):
                    if value not in found:
                        found.append(value)
        return tuple(found)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@cache
def load_schema(kind: str) -> FrontmatterSchema:
    """The packaged schema of ``kind`` (tests check every one against the metaschema)."""
    raw = resources.files("promptwise.schemas").joinpath(f"{kind}.schema.json").read_text("utf-8")
    schema = json.loads(raw)
    return FrontmatterSchema(kind, schema["title"], schema["x-noun"], schema["x-follows"], schema)


def kind_of(path: str, fmt: PromptFormat) -> str | None:
    """Which schema a file's frontmatter follows, from its path and format."""
    pure = PurePosixPath(path.replace("\\", "/"))
    name = pure.name
    lower = name.lower()
    if fmt is PromptFormat.PROMPTY:
        return "prompty"
    if fmt is PromptFormat.DOTPROMPT:
        return "dotprompt"
    if fmt is not PromptFormat.MARKDOWN:
        return None
    if name == "SKILL.md" or lower.endswith(".skill.md"):
        return "skill"
    if is_claude_agent(path):
        return "claude-agent"
    if lower.endswith(".prompt.md"):
        return "copilot-prompt"
    if lower.endswith(".instructions.md"):
        return "copilot-instructions"
    if lower.endswith((".agent.md", ".chatmode.md")):
        return "copilot-agent"
    if lower.endswith(".mdc"):
        return "cursor-rule"
    return None


def schema_for(document: PromptDocument) -> FrontmatterSchema | None:
    kind = kind_of(document.path, document.format)
    return load_schema(kind) if kind else None


@dataclass(frozen=True)
class SchemaProblem:
    """One way the frontmatter breaks its schema, before a rule words it.

    ``variant`` names the message in the rule's YAML; ``args`` fill it.
    ``group`` says which rule reports it: ``invalid`` (a value the tool
    rejects or misreads), ``unknown`` (a key the tool ignores) or
    ``mismatch`` (the frontmatter disagrees with where the file is).
    """

    group: str
    variant: str
    span: Span
    args: Mapping[str, str] = field(default_factory=dict)


def _json_ready(value: Any) -> Any:
    """YAML values as JSON Schema sees them: string keys, dates as their text."""
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _dotted(path: Iterator[Any] | Any) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _parent(dotted: str) -> str:
    cut = max(dotted.rfind("."), dotted.rfind("["))
    return dotted[:cut] if cut > 0 else ""


def value_span(document: PromptDocument, dotted: str) -> Span:
    """The value at ``dotted``, or the nearest enclosing value the parser kept a span of."""
    path = dotted
    while path:
        span = document.value_spans.get(path) or document.key_spans.get(path)
        if span is not None:
            return _one_line(document.text, span)
        path = _parent(path)
    return _fence(document)


def _one_line(text: str, span: Span) -> Span:
    """A span cut at its first line end, so a block value is marked on its first line."""
    nl = text.find("\n", span.start, span.end)
    end = span.end if nl == -1 else nl
    if end == span.start and nl != -1:
        next_nl = text.find("\n", nl + 1, span.end)
        return Span(nl + 1, span.end if next_nl == -1 else next_nl)
    return Span(span.start, max(span.start, end))


def _fence(document: PromptDocument) -> Span:
    start = document.frontmatter_span.start if document.frontmatter_span else 0
    return Span(start, min(start + 3, len(document.text)))


_TYPE_WORDS = {
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "boolean": "`true` or `false`",
    "integer": "a whole number",
    "number": "a number",
    "null": "empty",
}


def _expected(schema: Mapping[str, Any]) -> str:
    """How a sub-schema's allowed types read: "a string or a list of strings"."""
    words: list[str] = []
    branches = schema.get("anyOf") or [schema]
    for branch in branches:
        types = branch.get("type")
        for t in types if isinstance(types, list) else [types]:
            if t is None:
                continue
            word = _TYPE_WORDS.get(t, str(t))
            items = branch.get("items")
            if t == "array" and isinstance(items, Mapping) and items.get("type") == "string":
                word = "a list of strings"
            if word not in words:
                words.append(word)
    if not words:
        return "another kind of value"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _kind_word(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"`{_text(value)}`"
    if isinstance(value, (int, float)):
        return f"the number `{value}`"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def closest(word: str, choices: list[str]) -> str | None:
    """The choice ``word`` was most likely meant to be: same letters in other case, else close."""
    folded = {c.lower().replace("_", "-"): c for c in choices}
    key = word.lower().replace("_", "-")
    if key in folded:
        return folded[key]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close else None


def warm_up() -> None:
    """Read every schema now (the language server does it while the editor starts).

    The validators are not built: that would import ``jsonschema``, which
    only frontmatter the quick proof cannot clear needs.
    """
    for kind in KINDS:
        load_schema(kind)


# The last document validated and its problems: PW010, PW011 and PW012 each ask
# in turn about the same document, which is validated once.
_last: tuple[PromptDocument, tuple[SchemaProblem, ...]] | None = None


def validate(document: PromptDocument) -> list[SchemaProblem]:
    """Every schema problem of the document's frontmatter, in text order.

    A file kind without a schema, or frontmatter that did not load (PW001
    reports that), gives no problems.
    """
    global _last
    last = _last
    if last is not None and last[0] is document:
        return list(last[1])
    problems = _validate(document)
    _last = (document, tuple(problems))
    return problems


def _validate(document: PromptDocument) -> list[SchemaProblem]:
    schema = schema_for(document)
    data = document.frontmatter
    if schema is None or data is None or document.frontmatter_span is None:
        return []
    instance = _json_ready(data)
    problems: list[SchemaProblem] = []
    if not certainly_valid(schema.schema, instance):
        for error in _validator(schema.kind).iter_errors(instance):
            problems.extend(_problems(document, schema, error))
    problems.extend(_extra_checks(document, schema, instance))
    return sorted(problems, key=lambda p: (p.span.start, p.variant))


@cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    """One validator per kind, built on first use: importing jsonschema costs a cold
    start about a third of a second, which files without frontmatter never pay."""
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(kind).schema)


def _problems(
    document: PromptDocument, schema: FrontmatterSchema, error: jsonschema.ValidationError
) -> Iterator[SchemaProblem]:
    dotted = _dotted(error.absolute_path)
    sub = error.schema if isinstance(error.schema, Mapping) else {}
    validator = error.validator
    if validator == "additionalProperties":
        known = list(sub.get("properties", {}))
        patterns = [re.compile(p) for p in sub.get("patternProperties", {})]
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        for key in instance:
            if key in known or any(p.search(key) for p in patterns):
                continue
            path = f"{dotted}.{key}" if dotted else key
            span = document.key_spans.get(path) or value_span(document, dotted)
            where = f"`{dotted}`" if dotted else schema.noun
            # A key already present is not what a stray key was meant to be.
            suggestion = closest(key, [k for k in known if k not in instance])
            if suggestion:
                yield SchemaProblem(
                    "unknown",
                    "suggest",
                    span,
                    {"key": key, "where": where, "suggestion": suggestion},
                )
            else:
                yield SchemaProblem("unknown", "plain", span, {"key": key, "where": where})
        return
    if validator == "required":
        present: Any = error.instance if isinstance(error.instance, Mapping) else {}
        missing = [k for k in sub.get("required", ()) if k not in present]
        span = value_span(document, dotted) if dotted else _fence(document)
        for key in missing:
            yield SchemaProblem("invalid", "required", span, {"key": key, "kind": schema.noun})
        return
    span = value_span(document, dotted)
    name = dotted or "frontmatter"
    value: Any = error.instance
    if validator in ("type", "anyOf"):
        yield SchemaProblem(
            "invalid",
            "type",
            span,
            {"key": name, "expected": _expected(sub), "actual": _kind_word(error.instance)},
        )
    elif validator == "enum":
        yield SchemaProblem(
            "invalid",
            "enum",
            span,
            {
                "key": name,
                "value": _text(error.instance),
                "allowed": ", ".join(f"`{_text(v)}`" for v in sub.get("enum", ())),
            },
        )
    elif validator == "maxLength":
        yield SchemaProblem(
            "invalid",
            "too_long",
            span,
            {"key": name, "length": f"{len(value):,}", "limit": f"{sub['maxLength']:,}"},
        )
    elif validator == "minLength":
        yield SchemaProblem("invalid", "empty", span, {"key": name})
    elif validator == "pattern":
        yield SchemaProblem(
            "invalid",
            "pattern",
            span,
            {
                "key": name,
                "value": _text(error.instance),
                "expected": str(sub.get("x-pattern-says", f"the pattern `{sub.get('pattern')}`")),
            },
        )
    else:
        yield SchemaProblem("invalid", "other", span, {"key": name, "problem": error.message})


def _extra_checks(
    document: PromptDocument, schema: FrontmatterSchema, instance: Mapping[str, Any]
) -> Iterator[SchemaProblem]:
    """What JSON Schema cannot say: a name that must match its folder, globs that must parse."""
    for key, prop in schema.properties.items():
        value = instance.get(key)
        if prop.get("x-matches-folder") and isinstance(value, str):
            folder = PurePosixPath(document.path.replace("\\", "/")).parent.name
            is_skill_file = PurePosixPath(document.path.replace("\\", "/")).name == "SKILL.md"
            if is_skill_file and folder and value and value != folder:
                yield SchemaProblem(
                    "mismatch",
                    "folder",
                    value_span(document, key),
                    {"key": key, "value": value, "folder": folder},
                )
        if prop.get("x-glob") and value is not None:
            patterns = value if isinstance(value, list) else [value]
            for index, pattern in enumerate(patterns):
                if not isinstance(pattern, str):
                    continue
                path = f"{key}[{index}]" if isinstance(value, list) else key
                for glob in split_globs(pattern):
                    problem = glob_problem(glob)
                    if problem:
                        yield SchemaProblem(
                            "invalid",
                            "glob",
                            value_span(document, path),
                            {"key": key, "glob": glob, "problem": problem},
                        )


def split_globs(value: str) -> list[str]:
    """Comma-separated globs, keeping commas inside ``{a,b}`` alternatives."""
    out: list[str] = []
    depth = 0
    current = ""
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
        else:
            current += ch
    out.append(current.strip())
    return [g for g in out if g] if any(out) else []


def glob_problem(glob: str) -> str | None:
    """Why a glob cannot be read (unbalanced braces or brackets), or None."""
    depth = 0
    in_class = False
    for i, ch in enumerate(glob):
        if in_class:
            if ch == "]" and glob[i - 1] != "[":
                in_class = False
            continue
        if ch == "\\":
            continue
        if ch == "[":
            in_class = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return "a `}` closes no `{`"
            depth -= 1
    if in_class:
        return "a `[` is never closed"
    if depth:
        return "a `{` is never closed"
    return None


def key_path_at(document: PromptDocument, offset: int) -> tuple[str, ...] | None:
    """The frontmatter key under ``offset`` as schema path parts (list indices dropped)."""
    for dotted, span in document.key_spans.items():
        if span.start <= offset <= span.end and span.start < span.end:
            return tuple(part for part in re.sub(r"\[\d+\]", "", dotted).split(".") if part)
    return None


def key_markdown(schema: FrontmatterSchema, path: tuple[str, ...]) -> str | None:
    """What a key means, for hover: its description, its values and which schema says so."""
    prop = schema.property_at(path)
    if prop is None:
        return None
    parts = [f"**`{'.'.join(path)}`** · {schema.noun}"]
    if prop.get("description"):
        parts.append(str(prop["description"]))
    details = []
    expected = _expected(prop)
    if expected != "another kind of value":
        details.append(f"Type: {expected}")
    values = schema.values_for(path)
    if values:
        details.append("Values: " + ", ".join(f"`{v}`" for v in values))
    if path == (path[0],) and path[0] in schema.schema.get("required", ()):
        details.append("Required")
    if details:
        parts.append(" · ".join(details))
    parts.append(f"_{schema.title}: {schema.follows}_")
    return "\n\n".join(parts)
