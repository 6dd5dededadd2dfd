"""What a prompt really is once its references are followed.

:func:`compose` resolves every reference of a document and follows the
ones whose text is sent with it (partials, files a Copilot prompt file
attaches), recursively, to find

- the references that lead nowhere (missing, or outside the workspace);
- the includes that lead back to the document itself (a cycle: Dotprompt
  recurses until it fails, Copilot attaches the files again and again);
- how many tokens the included files add, so that the cost shown is the
  cost of what is sent, not of the one file open in the editor.

Each file is read and parsed at most once per composition, and at most
:data:`MAX_FILES` files are followed, so the work is linear in the size of
what is included however the files refer to one another.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from promptwise.document import chat
from promptwise.document.model import PromptDocument, PromptFormat
from promptwise.document.parse import parse_document
from promptwise.memo import SizedCache, text_bytes
from promptwise.project.files import Project, Resolution
from promptwise.project.references import Reference, ReferenceKind, find_references

MAX_FILES = 256  # included files followed for one prompt; more is a generated tree, not a prompt
MAX_DEPTH = 32


@dataclass(frozen=True)
class ResolvedReference:
    reference: Reference
    resolution: Resolution


@dataclass(frozen=True)
class Inclusion:
    """One included file, as the including prompt sees it."""

    reference: Reference
    path: str
    tokens: int  # the file's own tokens plus those of everything it includes


@dataclass(frozen=True)
class Cycle:
    """An include that leads back to the document: ``chain`` is the loop of paths,
    from the document back to it; ``lines`` are the 1-based lines of the includes
    that continue it in the files between (one per ``chain[1:-1]``)."""

    reference: Reference
    chain: tuple[str, ...]
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Composition:
    references: tuple[ResolvedReference, ...]
    inclusions: tuple[Inclusion, ...]
    cycles: tuple[Cycle, ...]
    truncated: bool = False  # more than MAX_FILES files or MAX_DEPTH levels: counted in part
    # Every file the includes reached, however deep: a change to any of them changes the count.
    files: frozenset[str] = frozenset()

    @property
    def included_tokens(self) -> int:
        return sum(i.tokens for i in self.inclusions)

    @property
    def unresolved(self) -> tuple[ResolvedReference, ...]:
        return tuple(r for r in self.references if not r.resolution.found)

    def at(self, reference: Reference) -> Resolution | None:
        for item in self.references:
            if item.reference == reference:
                return item.resolution
        return None


Count = Callable[[PromptDocument], int]
# The files of a cycle after the root, each with the line of its include that goes on.
Loop = tuple[tuple[str, int], ...]


def included_note(tokens: int, approximate: bool = False) -> str:
    """`` (+310 included)`` after a file's own count; empty when it includes nothing."""
    if not tokens:
        return ""
    return f" (+{'≈' if approximate else ''}{tokens:,} included)"


# Parsed included files, by path and (mtime, size): the language server
# composes on every edit, and the partials rarely change meanwhile.
def _parsed_bytes(key: tuple[str, tuple[int, int]], held: tuple[PromptDocument | None]) -> int:
    """A parsed file: its text and its parse tree, estimated at four times the text."""
    return 300 + (0 if held[0] is None else 4 * text_bytes(held[0].text))


# Held in a 1-tuple: None is a result (the file is unreadable), not a miss.
_PARSED: SizedCache[tuple[str, tuple[int, int]], tuple[PromptDocument | None]] = SizedCache(
    "parsed included files", 0.25, _parsed_bytes
)


def load(project: Project, path: str) -> PromptDocument | None:
    """The parsed file at ``path`` (unsaved editor text first), None if unreadable."""
    stamp = project.stamp(path)
    if stamp is not None:
        held = _PARSED.get((path, stamp))
        if held is not None:
            return held[0]
    text = project.read(path)
    doc = None if text is None else _parse(text, path)
    if stamp is not None:
        _PARSED.put((path, stamp), (doc,))
    return doc


def clear_cache() -> None:
    _PARSED.clear()


def _parse(text: str, path: str) -> PromptDocument:
    try:
        return parse_document(text, path)
    except chat.NotChat:  # a JSON or YAML file that is data, not messages: sent as text
        return parse_document(text, path, PromptFormat.TEXT)


class _Walk:
    def __init__(self, project: Project, count: Count, root_path: str) -> None:
        self.project = project
        self.count = count
        self.root_path = root_path
        self.totals: dict[str, int] = {}
        self.loops: dict[str, Loop | None] = {}
        # The line of the include being followed in each file on the stack.
        self.following: dict[str, int] = {}
        self.files = 0
        self.truncated = False

    def tokens_of(self, path: str, stack: list[str]) -> tuple[int, Loop | None]:
        """Tokens ``path`` sends with everything it includes, and the first loop back
        to the root document found below it (the chain of paths), if any."""
        if path in self.totals:
            return self.totals[path], self.loops.get(path)
        if len(stack) > MAX_DEPTH or self.files >= MAX_FILES:
            self.truncated = True
            return 0, None
        self.files += 1
        doc = load(self.project, path)
        if doc is None:
            self.totals[path] = 0
            return 0, None
        total = self.count(doc)
        loop: Loop | None = None
        stack.append(path)
        attached: set[str] = set()
        for ref in find_references(doc):
            if not ref.included:
                continue
            found = self.project.resolve(ref, path)
            if not found.found or found.is_dir or found.path is None:
                continue
            if ref.kind is not ReferenceKind.PARTIAL:
                if found.path in attached:
                    continue
                attached.add(found.path)
            self.following[path] = doc.lines.line_of(ref.span.start) + 1
            if found.path == self.root_path:
                loop = loop or tuple((p, self.following.get(p, 0)) for p in stack[1:])
                continue
            if found.path in stack:
                continue  # a loop that does not pass through the root: that file reports it
            tokens, below = self.tokens_of(found.path, stack)
            total += tokens
            loop = loop or below
        stack.pop()
        self.totals[path] = total
        self.loops[path] = loop
        return total, loop


def compose(document: PromptDocument, project: Project, count: Count) -> Composition:
    """Resolve ``document``'s references and follow its includes (see the module doc)."""
    root_path = _absolute(document.path)
    walk = _Walk(project, count, root_path)
    resolved: list[ResolvedReference] = []
    inclusions: list[Inclusion] = []
    cycles: list[Cycle] = []
    attached: set[str] = set()
    for ref in find_references(document):
        resolution = project.resolve(ref, root_path)
        resolved.append(ResolvedReference(ref, resolution))
        if not (ref.included and resolution.found) or resolution.is_dir or not resolution.path:
            continue
        if ref.kind is not ReferenceKind.PARTIAL:
            # A file attached twice (a link and a #file: to it) is sent once;
            # a partial is rendered again at every use.
            if resolution.path in attached:
                continue
            attached.add(resolution.path)
        if resolution.path == root_path:
            cycles.append(Cycle(ref, (root_path, root_path)))
            continue
        tokens, loop = walk.tokens_of(resolution.path, [root_path])
        inclusions.append(Inclusion(ref, resolution.path, tokens))
        if loop is not None:
            chain = (root_path, *(p for p, _ in loop), root_path)
            cycles.append(Cycle(ref, chain, tuple(line for _, line in loop)))
    return Composition(
        tuple(resolved),
        tuple(inclusions),
        tuple(cycles),
        walk.truncated,
        frozenset(walk.totals),
    )


def _absolute(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))
