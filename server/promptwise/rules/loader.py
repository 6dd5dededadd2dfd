"""Load and validate rule files: the built-in ``lint_rules/`` and user folders.

A rule file is data. It is validated field by field so that a typo in a
user's rule is an error naming the file and key, not a rule that silently
never fires. User rule folders may only hold declarative rules: naming a
Python check is refused, because nothing from a workspace is ever run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptwise.document import yamlnodes
from promptwise.errors import InputError, RuleFileError
from promptwise.findings import Severity
from promptwise.reading import read_settings_file
from promptwise.rules import checks, emitted, matchers
from promptwise.rules.messages import DECLARATIVE, SINGLE, Spec, placeholders
from promptwise.rules.model import Rule, RuleDocs, builtin_rules_dir, load_bundled
from promptwise.rules.options import check_default

_CODE = re.compile(r"^PW\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_REQUIRED = ("id", "name", "severity", "summary", "docs")
_KNOWN = {
    *_REQUIRED,
    "message",
    "messages",
    "kind",
    "check",
    "emitted_by",
    "status",
    "fixable",
    "secret",
    "options",
    *matchers.FIELDS,
}
_STATUSES = ("stable", "preview", "removed")
# Who reports a rule that no check produces: the parser or the engine itself.
EMITTERS = ("document", "engine")


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def by_code(self) -> dict[str, Rule]:
        return {rule.code: rule for rule in self.rules}

    def get(self, code: str) -> Rule | None:
        return self.by_code().get(code.upper())


def _line_of(key_lines: Mapping[str, int], key: str) -> int | None:
    return key_lines.get(key)


def parse_rule(text: str, source: str, *, builtin: bool) -> Rule:
    """Validate one rule file's text into a :class:`Rule`."""
    try:
        loaded = load_bundled(text) if builtin else yamlnodes.load(text)
    except yamlnodes.YamlProblem as exc:
        raise RuleFileError(
            f"invalid YAML: {exc.message}", path=source, line=exc.line + 1
        ) from None
    data = loaded.value
    lines = yamlnodes.key_lines(text, loaded.node)

    def fail(key: str, message: str) -> RuleFileError:
        return RuleFileError(message, path=source, line=_line_of(lines, key), key=key)

    if not isinstance(data, dict):
        raise RuleFileError("a rule file must be a mapping", path=source, line=1)
    for key in data:
        if key not in _KNOWN:
            raise fail(str(key), "unknown key in rule file")
    for key in _REQUIRED:
        if key not in data:
            raise RuleFileError(f"missing required key `{key}`", path=source)
    code = str(data["id"])
    if not _CODE.match(code):
        raise fail("id", f"{code!r} is not a rule code (PW followed by three digits)")
    name = str(data["name"])
    if not _NAME.match(name):
        raise fail("name", f"{name!r} is not kebab-case")
    try:
        severity = Severity.parse(str(data["severity"]))
    except ValueError as exc:
        raise fail("severity", str(exc)) from None
    status = str(data.get("status", "stable"))
    if status not in _STATUSES:
        raise fail("status", f"expected one of {', '.join(_STATUSES)}")
    docs = data["docs"]
    if not isinstance(docs, dict):
        raise fail("docs", "expected a mapping with what, why, example, better")
    for part in ("what", "why", "example", "better"):
        if not isinstance(docs.get(part), str) or not docs[part].strip():
            raise fail(f"docs.{part}", "missing or empty; every rule documents itself")
    if not isinstance(docs.get("config", {}), dict):
        raise fail("docs.config", "expected a mapping of settings")
    if not isinstance(docs.get("filename", ""), str):
        raise fail("docs.filename", "expected a file name")
    if not isinstance(data["summary"], str) or not data["summary"].strip():
        raise fail("summary", "expected a non-empty string")
    kind = data.get("kind")
    check = data.get("check")
    emitted_by = data.get("emitted_by")
    if sum(x is not None for x in (kind, check, emitted_by)) != 1:
        raise RuleFileError(
            "a rule needs exactly one of `kind` (declarative), `check` (built-in) "
            "or `emitted_by` (reported by the parser or the engine)",
            path=source,
        )
    matcher: dict[str, Any] = {}
    for key, value in (("check", check), ("emitted_by", emitted_by)):
        if value is not None and not builtin:
            raise fail(
                key,
                "user rules may only be declarative (`kind:`); "
                "built-in checks run Python and are reserved to bundled rules",
            )
    if emitted_by is not None:
        if emitted_by not in EMITTERS:
            raise fail("emitted_by", f"expected one of {', '.join(EMITTERS)}")
    elif check is not None:
        if check != name:
            raise fail(
                "check",
                f"a check is named like its rule: `check: {name}`, in "
                f"{checks.module_for(name)}, not {check!r}",
            )
        if str(check) not in checks.REGISTRY:
            raise fail(
                "check",
                f"no built-in check named {check!r} (expected in {checks.module_for(name)})",
            )
    else:
        if str(kind) not in matchers.KINDS:
            raise fail(
                "kind",
                f"unknown matcher kind {kind!r} (expected one of {', '.join(matchers.KINDS)})",
            )
        matcher = {k: data[k] for k in matchers.FIELDS if k in data}
        # A bundled rule's matcher is checked by the unit tests and compiled when
        # it first runs: checking it here compiled every pattern twice more on
        # every cold start.
        if not builtin:
            try:
                matchers.validate(str(kind), matcher)
            except matchers.MatcherError as exc:
                raise fail(exc.key, exc.message) from None
    if emitted_by == emitted.ENGINE:
        spec = emitted.ENGINE_MESSAGES.get(code)
        if spec is None:
            raise fail("emitted_by", f"the engine reports no rule {code}")
    elif emitted_by == emitted.DOCUMENT:
        spec = emitted.DOCUMENT_MESSAGES
    elif check is not None:
        spec = checks.MESSAGES[str(check)]
    else:
        spec = DECLARATIVE
    message, messages = _messages(data, spec, fail, strict=spec is not DECLARATIVE)
    secret = data.get("secret", False)
    if not isinstance(secret, bool):
        raise fail("secret", "expected true or false")
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise fail("options", "expected a mapping")
    for option, value in options.items():
        problem = check_default(str(option), value)
        if problem is not None:
            raise fail(f"options.{option}", problem)
    return Rule(
        code=code,
        name=name,
        severity=severity,
        summary=data["summary"].strip(),
        message=message,
        messages=messages,
        docs=RuleDocs(
            what=docs["what"],
            why=docs["why"],
            example=docs["example"],
            better=docs["better"],
            options=str(docs.get("options", "")),
            config=dict(docs.get("config") or {}),
            filename=str(docs.get("filename") or "example.txt"),
        ),
        source=source,
        kind=str(kind) if kind is not None else None,
        check=str(check) if check is not None else None,
        emitted_by=str(emitted_by) if emitted_by is not None else None,
        matcher=matcher,
        options={str(k): v for k, v in options.items()},
        status=status,
        family=code[:3],
        fixable=bool(data.get("fixable", kind == "substitution")),
        builtin=builtin,
        secret=secret,
    )


def _messages(
    data: Mapping[str, Any],
    spec: Spec,
    fail: Callable[[str, str], RuleFileError],
    *,
    strict: bool,
) -> tuple[str, dict[str, str]]:
    """The rule's message, or its named messages, checked against what the code fills.

    ``spec`` maps each message the code writes to the placeholders it fills.
    A placeholder nothing fills is an error, and so (``strict``: rules whose
    values come from code) is a value the code computes that no message
    shows, which is how a message and its check are kept in step.
    """
    several = [v for v in spec if v != SINGLE]
    if "message" in data and "messages" in data:
        raise fail("messages", "write either `message` or `messages`, not both")
    if several:
        if "messages" not in data:
            raise fail(
                "message" if "message" in data else "messages",
                "this rule words its findings in several ways; write `messages:` with "
                + ", ".join(f"`{v}`" for v in several),
            )
        raw = data["messages"]
        if not isinstance(raw, dict):
            raise fail("messages", "expected a mapping of message names to messages")
        for variant in several:
            if variant not in raw:
                raise fail("messages", f"missing the message `{variant}`")
        for variant in raw:
            if variant not in spec:
                raise fail(
                    f"messages.{variant}",
                    "no finding is written with this message; expected "
                    + ", ".join(f"`{v}`" for v in several),
                )
        texts = {str(v): raw[v] for v in raw}
    else:
        if "messages" in data:
            raise fail("messages", "this rule has one message; write `message:`")
        if "message" not in data:
            raise fail("message", "missing required key `message`")
        texts = {SINGLE: data["message"]}
    out: dict[str, str] = {}
    for variant, text in texts.items():
        key = f"messages.{variant}" if variant else "message"
        if not isinstance(text, str) or not text.strip():
            raise fail(key, "expected a non-empty string")
        text = text.strip().replace("%s", "{match}")  # `%s` as Vale writes it
        used = placeholders(text)
        allowed = spec[variant]
        for name in sorted(used - allowed):
            offered = ", ".join(f"`{{{p}}}`" for p in sorted(allowed)) or "none"
            raise fail(key, f"unknown placeholder `{{{name}}}`; this message can use {offered}")
        unused = sorted(allowed - used)
        if strict and unused:
            raise fail(
                key,
                "the code fills "
                + ", ".join(f"`{{{p}}}`" for p in unused)
                + " but this message never shows it",
            )
        out[variant] = text
    if SINGLE in out:
        return out[SINGLE], {}
    return "", out


RULE_MAX_BYTES = 1 << 20


def _load_dir(directory: Path, *, builtin: bool) -> list[Rule]:
    if not directory.is_dir():
        raise RuleFileError("rule folder not found", path=str(directory))
    rules = []
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        try:
            # A rule file is a regular file, and a link in a user's folder stays in it.
            text = read_settings_file(path, RULE_MAX_BYTES, None if builtin else directory)
        except InputError as exc:
            raise RuleFileError(f"rule file not read: {exc.detail}", path=str(path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleFileError(f"cannot read rule file: {exc}", path=str(path)) from None
        rules.append(parse_rule(text, str(path), builtin=builtin))
    return rules


@lru_cache(maxsize=1)
def _builtin() -> tuple[Rule, ...]:
    return tuple(_load_dir(builtin_rules_dir(), builtin=True))


@lru_cache(maxsize=32)
def _load_cached(dirs: tuple[str, ...], stamps: tuple[float, ...]) -> RuleSet:
    del stamps  # part of the cache key: a changed rule file reloads
    rules: dict[str, Rule] = {rule.code: rule for rule in _builtin()}
    for directory in dirs:
        for rule in _load_dir(Path(directory), builtin=False):
            if rule.code in rules and rules[rule.code].builtin:
                raise RuleFileError(
                    f"{rule.code} is a built-in rule code; user rules need codes of their own",
                    path=rule.source,
                    key="id",
                )
            rules[rule.code] = rule
    return RuleSet(tuple(sorted(rules.values(), key=lambda r: r.code)))


def load_rules(rule_dirs: Iterable[str | Path] = ()) -> RuleSet:
    """The built-in rules plus every rule in ``rule_dirs``."""
    dirs = tuple(str(Path(d).resolve()) for d in rule_dirs)
    stamps = []
    for directory in dirs:
        folder = Path(directory)
        try:
            stamps.append(max((p.stat().st_mtime for p in folder.glob("*.y*ml")), default=0.0))
        except OSError:
            stamps.append(-1.0)
    return _load_cached(dirs, tuple(stamps))
