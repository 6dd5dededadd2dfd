"""Safe YAML loading that keeps source positions and refuses hostile input.

Every YAML document a prompt file carries (frontmatter, chat files, config)
goes through here: ``yaml.SafeLoader`` only (no tags that build Python
objects), a cap on aliases and nodes so an alias bomb is refused before it is
expanded, and a depth cap so deep nesting is an error instead of a crash.
The composed node tree is kept so callers can point findings at the exact
key or value.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

MAX_ALIASES = 100
MAX_NODES = 200_000
MAX_DEPTH = 64
# Aliases may make the loaded text (every scalar, expanded) at most this many
# times the document's own size, or MIN_EXPANDED_CHARS, whichever is larger.
EXPANSION_FACTOR = 2
MIN_EXPANDED_CHARS = 1 << 20


def expansion_limit(text: str) -> int:
    """How many characters of scalars a document of ``text`` may expand to."""
    return max(MIN_EXPANDED_CHARS, EXPANSION_FACTOR * len(text))


class YamlProblem(Exception):
    """A YAML text that cannot be loaded; ``offset`` is into the loaded text."""

    def __init__(self, message: str, offset: int, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.line = line  # zero-based, within the loaded text


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases, nodes and depth while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlProblem(
                    f"more than {MAX_ALIASES} YAML aliases; refusing a possible alias bomb",
                    mark.index,
                    mark.line,
                )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise YamlProblem(f"more than {MAX_NODES} YAML nodes", mark.index, mark.line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlProblem(
                    f"YAML nested more than {MAX_DEPTH} levels deep", mark.index, mark.line
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """An integer, or a problem at its node when no float can hold it.

    Every number in a prompt's settings is used as a float somewhere (a
    price, a budget, a token limit), and one too large for a float, or with
    more digits than Python converts (since 3.11), failed later, far from
    the line that holds it.
    """
    try:
        value: int = yaml.SafeLoader.construct_yaml_int(loader, node)
        float(value)
    except (ValueError, OverflowError):
        raise YamlProblem(
            f"integer of {len(node.value):,} characters is too large to use as a number",
            node.start_mark.index,
            node.start_mark.line,
        ) from None
    return value


_GuardedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass(frozen=True)
class LoadedYaml:
    value: Any
    node: yaml.Node | None


# Above this many indicator characters the C composer's recursion is not
# bounded cheaply enough to trust, and the guarded Python loader is used.
_FAST_INDICATORS = 20_000


def load(text: str) -> LoadedYaml:
    """Load one YAML document safely, keeping the node tree.

    Raises :class:`YamlProblem` with the position of the first error.

    The common case (valid YAML within the caps) is parsed and composed by
    libyaml through ``yaml.CSafeLoader`` and then checked against the same
    alias, node and depth caps before anything is constructed; composing
    shares aliased nodes, so an alias bomb is still refused before it is
    expanded. Anything else (a YAML error, a cap exceeded, no libyaml) goes
    through the guarded pure-Python loader, which gives the exact message
    and position the user sees.
    """
    fast = _load_fast(text)
    return fast if fast is not None else _load_guarded(text)


def load_packaged(text: str) -> LoadedYaml:
    """Load a YAML file shipped inside the package (a bundled rule, the price table).

    libyaml alone. The caps and the checks for where libyaml and PyYAML's
    scanner disagree are there for files a user or a workspace supplies; the
    packaged files are held to them by the tests instead
    (``tests/unit/test_yaml_fast_path.py``: each takes the fast path, to the
    guarded loader's value), so skipping them changes no value. They cost
    more than the loading itself: half of loading the price table and a
    third of the 42 rule files, on every cold start (issue 16). Without
    libyaml, or for a text it refuses, this is :func:`load`.
    """
    loader_class = _FAST_LOADER
    if loader_class is None:
        return load(text)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None, None)
        return LoadedYaml(loader.construct_document(node), node)
    except Exception:  # the guarded loader says what and where, as for any file
        return load(text)
    finally:
        loader.dispose()


def _indicators(text: str) -> int:
    """An upper bound on nesting depth: every collection needs one of these."""
    return sum(text.count(c) for c in "[{-:?")


# Where libyaml and PyYAML's own scanner disagree (found by the differential
# property test in tests/hardening): tabs ("key: 0\t" loads only with
# libyaml), BOMs inside the text, tags at the start of a token ("!" alone is ''
# for one and None for the other), a block scalar header running into a
# comment ("|#"). Texts with any of these take the guarded path, so both
# paths accept exactly the same documents with the same values.
_DIVERGENT = re.compile(r"[\t\ufeff]")
# A tag or a block scalar header only exists outside scalars: the same
# characters inside a quoted string are text to both scanners. They are
# looked for first, and a text that has them takes the fast path only if
# every one lies inside a quoted scalar (6 of the 42 rule files quote
# regular expressions holding "(?!", which used to send them to the
# pure-Python loader: a third of the rules' load time).
_TAG_OR_HEADER = re.compile(r"[|>][-+0-9]*#|(?<![^\s\[\]{},:?-])!")
# Inside a flow collection, PyYAML ends a plain scalar at "?" and reads "?"
# opening a token as a key indicator; libyaml does neither ("[a?]" loads only
# with libyaml, "{?1}" differently). A text whose "?" all lie in quoted
# scalars or outside flow collections takes the fast path; "?" in block
# context (a question in a description) is the same to both.
_QUESTION = "?"


_FAST_LOADER: type[yaml.CSafeLoader] | None = None
if hasattr(yaml, "CSafeLoader"):

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's safe loader with the guarded loader's integers."""

    _FastLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _FAST_LOADER = _FastLoader


def _load_fast(text: str) -> LoadedYaml | None:
    loader_class = _FAST_LOADER
    if loader_class is None or _indicators(text) > _FAST_INDICATORS or _DIVERGENT.search(text):
        return None
    suspects = [m.start() for m in _TAG_OR_HEADER.finditer(text)]
    questions = _offsets(text, _QUESTION)
    try:
        loader = loader_class(text)
    except Exception:
        return None
    try:
        node = loader.get_single_node()
        if node is None:
            return None if suspects else LoadedYaml(None, None)
        if suspects or questions:
            quoted = _quoted_ranges(node, text)
            if _outside(suspects, quoted):
                return None
            unquoted = _outside(questions, quoted)
            if unquoted and len(_outside(unquoted, _flow_ranges(node))) < len(unquoted):
                return None
        if not _within_caps(node):
            return None
        nodes, chars = _expanded_size(node)
        if nodes > MAX_NODES or chars > expansion_limit(text):
            return None
        return LoadedYaml(loader.construct_document(node), node)
    except Exception:  # any error: the guarded loader reports it precisely
        return None
    finally:
        loader.dispose()


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every node of a composed tree, once: an aliased node is shared in the
    tree and is not walked again."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


def _scalars(root: yaml.Node) -> Iterator[yaml.ScalarNode]:
    return (node for node in _nodes(root) if isinstance(node, yaml.ScalarNode))


def _offsets(text: str, char: str) -> list[int]:
    out: list[int] = []
    at = text.find(char)
    while at != -1:
        out.append(at)
        at = text.find(char, at + 1)
    return out


def _quoted_ranges(root: yaml.Node, text: str) -> list[tuple[int, int]]:
    """Where the text of quoted scalars lies, between their quotes, sorted.

    Only a scalar whose text starts with its quote counts: a tagged or
    anchored one (``!t "x"``, ``&a 'x'``) starts at its tag or anchor, and
    what precedes the quote is not text.
    """
    inside: list[tuple[int, int]] = []
    for node in _scalars(root):
        start, end = node.start_mark.index, node.end_mark.index
        if node.style in ("'", '"') and text[start : start + 1] == node.style:
            inside.append((start + 1, end - 1))
    inside.sort()
    return inside


def _flow_ranges(root: yaml.Node) -> list[tuple[int, int]]:
    """Where flow collections (``[...]``, ``{...}``) lie, sorted."""
    return sorted(
        (node.start_mark.index, node.end_mark.index)
        for node in _nodes(root)
        if isinstance(node, yaml.CollectionNode) and node.flow_style
    )


def _outside(offsets: list[int], ranges: list[tuple[int, int]]) -> list[int]:
    """The offsets (ascending) that lie in none of the sorted ``ranges``
    (which may nest), strictly inside meaning start <= offset < end; linear."""
    out: list[int] = []
    index = 0
    reach = -1  # the furthest end of the ranges starting at or before the offset
    for at in offsets:
        while index < len(ranges) and ranges[index][0] <= at:
            reach = max(reach, ranges[index][1])
            index += 1
        if at >= reach:
            out.append(at)
    return out


def _within_caps(root: yaml.Node) -> bool:
    """The guarded loader's caps, checked on a composed tree.

    A node met a second time is an alias (composition shares the anchored
    node); it is counted like the guarded loader counts alias events, and
    not descended into again.
    """
    seen: set[int] = set()
    aliases = 0
    nodes = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES or depth > MAX_DEPTH:
            return False
        if id(node) in seen:
            aliases += 1
            if aliases > MAX_ALIASES:
                return False
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
    return True


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> YamlProblem:
    """A character YAML refuses (control characters, lone surrogates), with its position.

    PyYAML checks the whole text when the loader is built, before parsing,
    so this has to be caught around construction too: it used to escape as
    a raw ``ReaderError`` and crash the parse of any file holding, say, a
    stray ``\x1f`` in its frontmatter.
    """
    at = max(0, min(int(exc.position), len(text)))
    character = exc.character
    code = f"#x{character:04x}" if isinstance(character, int) else repr(character)
    return YamlProblem(f"unacceptable character {code}: {exc.reason}", at, text.count("\n", 0, at))


def _expanded_size(root: yaml.Node) -> tuple[int, int]:
    """Nodes and scalar characters the tree has once every alias is expanded.

    The alias cap alone lets "billion laughs" through: nine levels of nine
    aliases is 81 aliases and 9**9 nodes. Construction shares aliased
    objects, but anything that walks the result as a tree (the chat parser
    keeping positions, a repr, a JSON dump) would expand it; found by the
    hardening tests when a chat file took 22 GB. Characters count too: 100
    aliases of one 95 KB message are few nodes but 9.5 MB of text for every
    rule and the tokenizer (41 s and 1.26 GB before this bound). Counted over
    the shared graph with memoisation, so the count itself stays linear; both
    numbers are capped just past what any limit allows.
    """
    over = (MAX_NODES + 1, _CHARS_CAP)
    sizes: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            sizes[id(node)] = (1, len(str(node.value)))
            continue
        if children_done:
            open_nodes.discard(id(node))
            counted = [sizes.get(id(c), (1, 0)) for c in children]
            nodes = 1 + sum(n for n, _ in counted)
            chars = sum(c for _, c in counted)
            sizes[id(node)] = (min(nodes, over[0]), min(chars, over[1]))
            continue
        if id(node) in open_nodes:
            return over  # a recursive alias (`&a [*a]`) expands forever
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                return over
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes.get(id(root), (1, 0))


_CHARS_CAP = 1 << 62


def _load_guarded(text: str) -> LoadedYaml:
    try:
        loader = _GuardedLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(text, exc) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None, None)
        nodes, chars = _expanded_size(node)
        if nodes > MAX_NODES:
            raise YamlProblem(
                f"YAML aliases expand to more than {MAX_NODES:,} nodes; refusing a possible "
                "alias bomb",
                node.start_mark.index,
                node.start_mark.line,
            )
        if chars > expansion_limit(text):
            raise YamlProblem(
                f"YAML aliases expand the text to more than {expansion_limit(text):,} "
                "characters; refusing a possible alias bomb",
                node.start_mark.index,
                node.start_mark.line,
            )
        # Aliases share constructed objects, so construction stays linear even
        # for the capped number of aliases allowed through.
        value = loader.construct_document(node)
        return LoadedYaml(value, node)
    except YamlProblem:
        raise
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(text, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        if mark is None:
            raise YamlProblem(message, 0, 0) from None
        raise YamlProblem(message, mark.index, mark.line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc).splitlines()[0] if str(exc) else "invalid YAML", 0, 0) from None
    except RecursionError:
        raise YamlProblem("YAML nested too deeply", 0, 0) from None
    finally:
        loader.dispose()


def key_spans(
    node: yaml.Node | None, prefix: str = ""
) -> Iterator[tuple[str, int, int, yaml.Node]]:
    """Yield ``(dotted.key.path, start, end, value_node)`` for every mapping key.

    Sequence items appear as ``key[i]``. Offsets are into the loaded text and
    cover the key itself, which is where a finding about that key belongs.
    """
    stack: list[tuple[yaml.Node, str, int]] = [(node, prefix, 0)] if node is not None else []
    seen = 0
    while stack:
        current, path, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES or depth > MAX_DEPTH:
            return
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                dotted = f"{path}.{key_node.value}" if path else str(key_node.value)
                yield dotted, key_node.start_mark.index, key_node.end_mark.index, value_node
                stack.append((value_node, dotted, depth + 1))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                stack.append((item, f"{path}[{i}]", depth + 1))


def key_lines(text: str, node: yaml.Node | None) -> dict[str, int]:
    """Dotted key path -> the 1-based line of the key (lines end at ``\\n``).

    What error messages name. One pass over the text for its line breaks and
    a binary search per key: counting the breaks before each key instead was
    quadratic, a measurable part of loading the 22 KB bundled price table.
    """
    breaks = [m.start() for m in _LINE_BREAK.finditer(text)]
    return {path: bisect_left(breaks, start) + 1 for path, start, _, _ in key_spans(node)}


_LINE_BREAK = re.compile("\n")


def comment_spans(text: str, root: yaml.Node | None) -> list[tuple[int, int]]:
    """Where each YAML comment is: a ``#`` at a line start or after a blank,
    outside every scalar (a ``#`` inside a string is text, and sent as such).

    The scalars' extents come from the node tree, so a block scalar's lines
    are never taken for comments. Linear in the text plus the node count;
    an aliased node is visited once.
    """
    scalars = (
        [] if root is None else [(n.start_mark.index, n.end_mark.index) for n in _scalars(root)]
    )
    scalars.sort()
    out: list[tuple[int, int]] = []
    index = 0
    for m in _COMMENT_START.finditer(text):
        at = m.end() - 1
        while index < len(scalars) and scalars[index][1] <= at:
            index += 1
        if index < len(scalars) and scalars[index][0] <= at:
            continue  # inside a string
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        out.append((at, end - 1 if text[end - 1 : end] == "\r" else end))
    return out


_COMMENT_START = re.compile(r"(?:^|(?<=[ \t]))#", re.M)
