"""Safe YAML loading that keeps source positions and refuses hostile input.

Every YAML document a prompt file carries (frontmatter, chat files, config)
goes through here: ``yaml.SafeLoader`` only (no tags that build Python
objects), a cap on aliases and nodes so an alias bomb is refused before it is
expanded, and a depth cap so deep nesting is an error instead of a crash.
The composed node tree is kept so callers can point findings at the exact
key or value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

MAX_ALIASES = 100
MAX_NODES = 200_000
MAX_DEPTH = 64


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

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlProblem(
                    f"more than {MAX_ALIASES} YAML aliases; refusing a possible alias bomb",
                    mark.index,
                    mark.line,
                )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            mark = self.peek_event().start_mark
            raise YamlProblem(f"more than {MAX_NODES} YAML nodes", mark.index, mark.line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(
                    f"YAML nested more than {MAX_DEPTH} levels deep", mark.index, mark.line
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass(frozen=True)
class LoadedYaml:
    value: Any
    node: yaml.Node | None


def load(text: str) -> LoadedYaml:
    """Load one YAML document safely, keeping the node tree.

    Raises :class:`YamlProblem` with the position of the first error.
    """
    loader = _GuardedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None, None)
        # Aliases share constructed objects, so construction stays linear even
        # for the capped number of aliases allowed through.
        value = loader.construct_document(node)
        return LoadedYaml(value, node)
    except YamlProblem:
        raise
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


def key_spans(node: yaml.Node | None, prefix: str = "") -> Iterator[tuple[str, int, int, yaml.Node]]:
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
