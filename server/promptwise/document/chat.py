"""Chat-message files: JSON or YAML holding ``messages`` or a bare list of
``{role, content}`` objects (OpenAI request bodies, promptfoo chat prompts).

Each message is one segment whose span is its content string in the source
and whose ``value`` is the decoded text the model receives. JSON is read by a
small position-keeping parser because the standard library forgets where
values were; YAML keeps positions through its node tree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml

from promptwise.document import template, yamlnodes
from promptwise.document.assemble import OUTPUT_LIMIT_KEYS, build, scan_template
from promptwise.document.model import (
    ModelRef,
    ParseProblem,
    PromptDocument,
    PromptFormat,
    Segment,
    SegmentKind,
)
from promptwise.document.text import Span

CHAT_PROBLEM = "PW001"
MAX_DEPTH = 64


class NotChat(Exception):
    """The file parses but holds no chat messages."""


@dataclass
class Located:
    value: Any
    span: Span  # the whole value in the source (strings include their quotes)
    inner: Span  # for strings: the characters between the quotes


# ----------------------------------------------------------------------- JSON


class _JsonError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING_BODY = re.compile(r'(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*')


def parse_json(text: str, start: int = 0) -> Located:
    """Parse JSON text into values where every string and container keeps its span."""
    pos = _WS.match(text, start).end()  # type: ignore[union-attr]
    located, pos = _value(text, pos, 0)
    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
    if pos != len(text):
        raise _JsonError("unexpected text after the JSON value", pos)
    return located


def _value(text: str, pos: int, depth: int) -> tuple[Located, int]:
    if depth > MAX_DEPTH:
        raise _JsonError(f"JSON nested more than {MAX_DEPTH} levels deep", pos)
    if pos >= len(text):
        raise _JsonError("unexpected end of JSON", pos)
    ch = text[pos]
    if ch == '"':
        m = _STRING_BODY.match(text, pos + 1)
        end = m.end() if m else pos + 1
        if end >= len(text) or text[end] != '"':
            raise _JsonError("unterminated or invalid string", end)
        value = json.loads(text[pos : end + 1])
        return Located(value, Span(pos, end + 1), Span(pos + 1, end)), end + 1
    if ch == "{":
        items: dict[str, Located] = {}
        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        start = pos - 1
        if text.startswith("}", pos):
            return Located(items, Span(start, pos + 1), Span(start, pos + 1)), pos + 1
        while True:
            if not text.startswith('"', pos):
                raise _JsonError("expected a string key", pos)
            key, pos = _value(text, pos, depth + 1)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if not text.startswith(":", pos):
                raise _JsonError("expected `:` after the key", pos)
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            item, pos = _value(text, pos, depth + 1)
            items[key.value] = item
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("}", pos):
                return Located(items, Span(start, pos + 1), Span(start, pos + 1)), pos + 1
            raise _JsonError("expected `,` or `}`", pos)
    if ch == "[":
        elements: list[Located] = []
        start = pos
        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            return Located(elements, Span(start, pos + 1), Span(start, pos + 1)), pos + 1
        while True:
            item, pos = _value(text, pos, depth + 1)
            elements.append(item)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("]", pos):
                return Located(elements, Span(start, pos + 1), Span(start, pos + 1)), pos + 1
            raise _JsonError("expected `,` or `]`", pos)
    for literal, value in (("true", True), ("false", False), ("null", None)):
        if text.startswith(literal, pos):
            end = pos + len(literal)
            return Located(value, Span(pos, end), Span(pos, end)), end
    m = _NUMBER.match(text, pos)
    if m:
        try:
            number = json.loads(m.group(0))
            float(number)  # used as a float downstream (a token limit, a price)
        except (ValueError, OverflowError):
            raise _JsonError(
                f"number of {m.end() - pos:,} characters is too large to use", pos
            ) from None
        return Located(number, Span(pos, m.end()), Span(pos, m.end())), m.end()
    raise _JsonError(f"unexpected character {ch!r}", pos)


# ----------------------------------------------------------------------- YAML


def _from_node(node: yaml.Node, text: str, ctor: yaml.SafeLoader, depth: int = 0) -> Located:
    span = Span(node.start_mark.index, max(node.start_mark.index, node.end_mark.index))
    if depth > MAX_DEPTH:
        raise _JsonError(f"YAML nested more than {MAX_DEPTH} levels deep", span.start)
    if isinstance(node, yaml.MappingNode):
        items = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                items[str(key.value)] = _from_node(value, text, ctor, depth + 1)
        return Located(items, span, span)
    if isinstance(node, yaml.SequenceNode):
        return Located([_from_node(v, text, ctor, depth + 1) for v in node.value], span, span)
    value = ctor.construct_object(node)
    inner = span
    style = getattr(node, "style", None)
    if style in ("'", '"'):
        inner = Span(span.start + 1, max(span.start + 1, span.end - 1))
    elif style in ("|", ">"):
        nl = text.find("\n", span.start, span.end)
        inner = Span(nl + 1 if nl != -1 else span.start, span.end)
    return Located(value, span, inner)


# --------------------------------------------------------------------- shared


def _plain(located: Located | None) -> Any:
    if located is None:
        return None
    if isinstance(located.value, dict):
        return {k: _plain(v) for k, v in located.value.items()}
    if isinstance(located.value, list):
        return [_plain(v) for v in located.value]
    return located.value


def _messages_of(root: Located) -> list[Located] | None:
    if isinstance(root.value, dict):
        messages = root.value.get("messages")
        if messages is not None and isinstance(messages.value, list):
            return list(messages.value)
        return None
    if (
        isinstance(root.value, list)
        and root.value
        and all(isinstance(m.value, dict) and "role" in m.value for m in root.value)
    ):
        return list(root.value)
    return None


def _content_parts(content: Located) -> list[Located]:
    """The text parts of a message's content: a string, or a list of parts.

    A part holds its text under ``text`` (``{"type": "text", "text": ...}``,
    as OpenAI and Anthropic write it) or, marked as text by ``modality``,
    under ``value`` (``{"modality": "text", "value": ...}``, the Adaline
    gateway's form that promptfoo users write). Without the second, such a
    message read as empty (a wrong PW005) and its instructions went unchecked.
    """
    if isinstance(content.value, str):
        return [content]
    parts: list[Located] = []
    if isinstance(content.value, list):
        for part in content.value:
            if isinstance(part.value, dict):
                text = part.value.get("text")
                if text is None:
                    modality = part.value.get("modality")
                    if modality is not None and modality.value == "text":
                        text = part.value.get("value")
                if text is not None and isinstance(text.value, str):
                    parts.append(text)
            elif isinstance(part.value, str):
                parts.append(part)
    return parts


def written_as_yaml(text: str) -> bool:
    """A chat file is read as JSON when it opens with ``{`` or ``[``, else as YAML."""
    return not text.lstrip("\ufeff \t\r\n").startswith(("{", "["))


def looks_like_chat(text: str) -> bool:
    """Cheap sniff used when walking directories: is this worth parsing as chat?"""
    head = text[:65536]
    return bool(re.search(r"[\"']?messages[\"']?\s*:", head)) or bool(
        re.search(r"[\"']?role[\"']?\s*:\s*[\"']?(system|user|assistant|developer)", head)
    )


def parse(path: str, text: str, *, as_yaml: bool) -> PromptDocument:
    problems: list[ParseProblem] = []
    root: Located | None = None
    yaml_comments: list[tuple[int, int]] = []
    try:
        if as_yaml:
            loaded = yamlnodes.load(text)
            ctor = yaml.SafeLoader("")
            root = _from_node(loaded.node, text, ctor) if loaded.node is not None else None
            yaml_comments = yamlnodes.comment_spans(text, loaded.node)
        else:
            root = parse_json(text)
    except yamlnodes.YamlProblem as exc:
        problems.append(
            ParseProblem(
                CHAT_PROBLEM,
                f"invalid YAML: {exc.message}",
                Span(exc.offset, min(len(text), exc.offset + 1)),
            )
        )
    except _JsonError as exc:
        offset = min(exc.offset, len(text))
        problems.append(
            ParseProblem(
                CHAT_PROBLEM, f"invalid JSON: {exc}", Span(offset, min(len(text), offset + 1))
            )
        )
    messages = _messages_of(root) if root is not None else None
    if root is not None and messages is None:
        raise NotChat(f"{path}: no `messages` list and not a list of {{role, content}} objects")
    segments: list[Segment] = []
    regions: list[Span] = []
    for message in messages or []:
        if not isinstance(message.value, dict):
            continue
        role_loc = message.value.get("role")
        role = str(role_loc.value) if role_loc is not None else "user"
        content = message.value.get("content")
        parts = _content_parts(content) if content is not None else []
        if not parts:
            anchor = content.inner if content is not None else message.inner
            segments.append(Segment(SegmentKind.MESSAGE, anchor, role=role, title=role, value=""))
            continue
        for part in parts:
            segments.append(
                Segment(
                    SegmentKind.MESSAGE, part.inner, role=role, title=role, value=str(part.value)
                )
            )
            regions.append(part.inner)
    sample = "\n".join(s.value or "" for s in segments)
    syntax = template.detect_syntax(sample)
    model = None
    limit = None
    if root is not None and isinstance(root.value, dict):
        model_loc = root.value.get("model")
        if model_loc is not None and isinstance(model_loc.value, str):
            model = ModelRef(model_loc.value, model_loc.inner, "model")
        plain = _plain(root)
        if isinstance(plain, Mapping):
            for key in OUTPUT_LIMIT_KEYS:
                value = plain.get(key)
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    limit = value
                    break
    doc = build(
        path=path,
        text=text,
        fmt=PromptFormat.CHAT,
        syntax=syntax,
        segments=segments,
        frontmatter=None,
        scan=scan_template(text, regions, syntax),
        model=model,
        max_output_tokens=limit,
        problems=problems,
    )
    if yaml_comments:
        # YAML comments outside every string: never sent, and home of suppressions.
        spans = (*doc.comment_spans, *(Span(a, b) for a, b in yaml_comments))
        doc = replace(doc, comment_spans=tuple(sorted(spans)))
    return doc
