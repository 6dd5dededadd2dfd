"""Run the active rules over a document and turn hits into findings.

Selection (``select``/``ignore`` by code prefix, most specific wins, like
ruff), per-file ignores, severity overrides and in-file suppressions are all
applied here, once, so rules never look at configuration. Declarative
matchers run per piece of text and cache their matches by the piece's text,
which keeps re-analysis after a one-character edit proportional to the edit.
"""

from __future__ import annotations

import bisect
import fnmatch
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from promptwise.config import Settings
from promptwise.document import blockfacts
from promptwise.document.model import PromptDocument
from promptwise.document.text import LineIndex, Span
from promptwise.edits import fit_fixes
from promptwise.files import glob_match
from promptwise.findings import Finding, Fix, Severity, TextEdit
from promptwise.memo import SizedCache, text_bytes
from promptwise.rules import checks, matchers, phrase_units, secrets, timed
from promptwise.rules.checks import CheckContext, Hit, first_body_line
from promptwise.rules.emitted import (
    ANALYSIS_BUDGET,
    DOCUMENT,
    ENGINE,
    INTERNAL_ERROR,
    UNUSED_SUPPRESSION,
)
from promptwise.rules.judgements.directives import directive_spans
from promptwise.rules.loader import RuleSet
from promptwise.rules.messages import fill
from promptwise.rules.model import Rule
from promptwise.rules.prefilter import MultiScanner
from promptwise.rules.suppress import Directive, directives

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ selection


def _longest(code: str, prefixes: Iterable[str]) -> int:
    best = -1
    for prefix in prefixes:
        if prefix == "ALL":
            best = max(best, 0)
        elif code.startswith(prefix):
            best = max(best, len(prefix))
    return best


def _relative(path: str, settings: Settings) -> str:
    """``path`` relative to the config's folder when it lies inside it."""
    if settings.root:
        try:
            absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
            return absolute.relative_to(settings.root).as_posix()
        except ValueError:
            pass
    return PurePosixPath(path.replace("\\", "/")).as_posix()


def per_file_ignored(path: str, settings: Settings) -> tuple[str, ...]:
    if not settings.per_file_ignores:
        return ()
    rel = _relative(path, settings)
    name = PurePosixPath(rel).name
    out: list[str] = []
    for glob, codes in settings.per_file_ignores.items():
        # The walk's pattern rules (files.glob_match); a path pattern may also
        # match below the config's folder, as `per_file_ignores` always has.
        if (
            glob_match(rel, name, glob)
            or glob_match(rel, name, f"**/{glob.lstrip('/')}")
            or fnmatch.fnmatchcase(path, glob)
        ):
            out.extend(codes)
    return tuple(out)


def is_enabled(rule: Rule, settings: Settings, ignored_here: Sequence[str] = ()) -> bool:
    if rule.status == "removed":
        return False
    selects = (*settings.select, *settings.extend_select)
    chosen = _longest(rule.code, selects)
    dropped = _longest(rule.code, (*settings.ignore, *ignored_here))
    if chosen < 0 or dropped >= chosen:
        return False
    if rule.status == "preview" and not settings.preview:
        return rule.code in selects  # preview rules need opting in by full code
    return True


def _severity_configured(rule: Rule, settings: Settings) -> bool:
    """Whether the settings give this rule a severity (a code or a prefix of it)."""
    return any(_longest(rule.code, (prefix,)) >= 0 for prefix in settings.severity)


def severity_for(rule: Rule, settings: Settings) -> Severity:
    best, level = -1, rule.severity
    for prefix, severity in settings.severity.items():
        score = _longest(rule.code, (prefix,))
        if score > best:
            best, level = score, severity
    return level


# The active rules per rule set, settings and per-file ignores: the same for
# almost every file of a run, and for every version of an open document.
_active: dict[tuple[int, int, tuple[str, ...]], tuple[RuleSet, Settings, list[Rule]]] = {}


def active_rules(ruleset: RuleSet, settings: Settings, path: str) -> list[Rule]:
    ignored_here = per_file_ignored(path, settings)
    key = (id(ruleset), id(settings), ignored_here)
    hit = _active.get(key)
    if hit is not None and hit[0] is ruleset and hit[1] is settings:
        return list(hit[2])
    rules = [rule for rule in ruleset.rules if is_enabled(rule, settings, ignored_here)]
    if len(_active) >= 64:
        _active.clear()  # rule sets and settings no longer in use
    _active[key] = (ruleset, settings, rules)
    return list(rules)


# ---------------------------------------------------------- declarative rules

_compiled: dict[tuple[str, str], matchers.CompiledMatcher] = {}
_Found = dict[str, list[tuple[int, int]]]


def _found_bytes(key: tuple[object, str], found: _Found) -> int:
    """The piece's text plus about 120 bytes per match (a tuple of two ints in a list)."""
    return text_bytes(key[1]) + 200 + 120 * sum(len(v) for v in found.values())


# Raw matches per piece of text: bounded by bytes (see promptwise/memo.py).
_piece_cache: SizedCache[tuple[object, str], _Found] = SizedCache(
    "phrase matches", 0.25, _found_bytes
)


def _compile(rule: Rule) -> matchers.CompiledMatcher:
    key = (rule.source, rule.code)
    found = _compiled.get(key)
    if found is None:
        found = matchers.compile_spec(
            rule.kind or "", rule.matcher, timed=not rule.builtin, trusted=rule.builtin
        )
        _compiled[key] = found
    return found


_scanners: dict[tuple[tuple[str, str], ...], MultiScanner] = {}


def _scanner(rules: Sequence[Rule]) -> tuple[tuple[tuple[str, str], ...], MultiScanner]:
    key = tuple((rule.source, rule.code) for rule in rules)
    scanner = _scanners.get(key)
    if scanner is None:
        patterns = {}
        for rule in rules:
            search = _compile(rule).search
            # Bundled rules only (compiled now or lazily): user rules use user_matches.
            assert search is not None and not isinstance(search, timed.TimedPattern)
            patterns[rule.code] = search
        scanner = _scanners[key] = MultiScanner(patterns)
    return key, scanner


def _scan_cached(
    key: tuple[tuple[str, str], ...], scanner: MultiScanner, text: str
) -> dict[str, list[tuple[int, int]]]:
    cache_key = (key, text)
    hit = _piece_cache.get(cache_key)
    if hit is not None:
        return hit
    found = scanner.scan(text)
    _piece_cache.put(cache_key, found)
    return found


def clear_piece_cache() -> None:
    """Drop every cached per-piece match list."""
    _piece_cache.clear()
    phrase_units.clear_cache()


def raw_matches(
    rules: Sequence[Rule], doc: PromptDocument, pieces: Sequence[tuple[Span, str]]
) -> dict[str, list[tuple[int, int]]]:
    """Every phrase/pattern match of the declarative ``rules``, in document offsets.

    One scan per piece for all rules together, cached by the piece's text,
    so an edit re-scans only the piece it touched. Rules scoped to ``all``
    also see the frontmatter, so they scan the whole text.
    """
    out: dict[str, list[tuple[int, int]]] = {rule.code: [] for rule in rules}
    for group, group_pieces in _groups(rules, doc, pieces):
        _scan_group(group, group_pieces, out)
    return out


def _scan_group(
    group: Sequence[Rule],
    pieces: Sequence[tuple[Span, str]],
    out: dict[str, list[tuple[int, int]]],
) -> None:
    key, scanner = _scanner(group)
    for span, text in pieces:
        for code, found in _scan_cached(key, scanner, text).items():
            if found:
                out[code].extend([(span.start + a, span.start + b) for a, b in found])


def _groups(
    rules: Sequence[Rule], doc: PromptDocument, pieces: Sequence[tuple[Span, str]]
) -> list[tuple[list[Rule], Sequence[tuple[Span, str]]]]:
    """The rules scanned per piece, and those scoped to ``all`` with the whole text.

    The whole text is scanned block by block (``blockfacts``) when every
    pattern of the group is block-local: each block then finds exactly what
    the whole text finds there, and an edit re-scans one block, not a megabyte.
    """
    scoped = [r for r in rules if _compile(r).scope != "all"]
    everywhere = [r for r in rules if _compile(r).scope == "all"]
    out: list[tuple[list[Rule], Sequence[tuple[Span, str]]]] = []
    if scoped:
        out.append((scoped, pieces))
    if everywhere:
        text = doc.text
        whole: Sequence[tuple[Span, str]] = [(Span(0, len(text)), text)]
        searches = [_compile(r).search for r in everywhere]
        # A lazy bundled pattern is compiled to be asked (block_local reads the
        # compiled pattern); a user's timed pattern is never taken block by block.
        if text and all(
            p is not None
            and isinstance(c := timed.compiled(p), re.Pattern)
            and blockfacts.block_local(c)
            for p in searches
        ):
            blocks = blockfacts.blocks_of(text)
            ends = (*blocks.starts[1:], len(text))
            whole = [
                (Span(start, end), block)
                for start, end, block in zip(blocks.starts, ends, blocks.texts, strict=True)
            ]
        out.append((everywhere, whole))
    return out


def phrase_matches(
    rules: Sequence[Rule], doc: PromptDocument, pieces: Sequence[tuple[Span, str]]
) -> tuple[dict[str, list[tuple[int, int]]], set[str]]:
    """The declarative ``rules``' matches, and the codes whose matches are already kept.

    For a group whose line checks qualify (``phrase_units``), the matches come
    already filtered as :func:`_matches` filters them, folded from answers
    cached per run of pieces: an edit recomputes the run it touched. The
    other groups give their raw matches, filtered by the caller.
    """
    out: dict[str, list[tuple[int, int]]] = {rule.code: [] for rule in rules}
    filtered: set[str] = set()
    for group, group_pieces in _groups(rules, doc, pieces):
        kept = _kept_per_unit(group, doc, group_pieces)
        if kept is not None:
            out.update(kept)
            filtered.update(kept)
        else:
            _scan_group(group, group_pieces, out)
    return out, filtered


def _kept_per_unit(
    group: Sequence[Rule], doc: PromptDocument, pieces: Sequence[tuple[Span, str]]
) -> dict[str, list[tuple[int, int]]] | None:
    """One group's kept matches through ``phrase_units``, or None where it does not apply."""
    key, scanner = _scanner(group)
    compiled = [(rule.code, _compile(rule)) for rule in group]
    by_code = dict(compiled)
    lines = doc.lines
    line_caches: dict[str, dict[int, bool]] = {}

    def keep(code: str, a: int, b: int) -> bool:
        return _keeps(by_code[code], doc, lines, a, b, line_caches.setdefault(code, {}))

    def scan(text: str) -> _Found:
        return _scan_cached(key, scanner, text)

    scopes = {m.scope: scope_spans(doc, m.scope) for _, m in compiled}
    return phrase_units.kept_matches(key, compiled, doc.text, pieces, scopes, scan, keep)


def user_matches(
    rule: Rule, doc: PromptDocument, pieces: Sequence[tuple[Span, str]]
) -> list[tuple[int, int]]:
    """A user rule's matches, as :func:`raw_matches` finds them, under its time limit.

    User rules stay out of the shared scan: their patterns are ``regex``
    patterns with a deadline (``rules/timed.py``), searched on their own.
    """
    matcher = _compile(rule)
    if matcher.search is None:
        return []
    if matcher.scope == "all":
        pieces = [(Span(0, len(doc.text)), doc.text)]
    found: list[tuple[int, int]] = []
    for span, text in pieces:
        for m in matcher.search.finditer(text):
            if m.end() > m.start():
                found.append((span.start + m.start(), span.start + m.end()))
    return found


def scope_spans(doc: PromptDocument, scope: str) -> tuple[Span, ...]:
    if scope == "instructions":
        return doc.instruction_spans
    if scope == "directives":
        return directive_spans(doc)
    if scope == "body":
        return (doc.body_span,)
    return (Span(0, len(doc.text)),)


def _inside(spans: Sequence[Span], starts: Sequence[int], start: int, end: int) -> bool:
    i = bisect.bisect_right(starts, start) - 1
    return i >= 0 and spans[i].start <= start and end <= spans[i].end


def _matches(
    matcher: matchers.CompiledMatcher, doc: PromptDocument, found: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The raw matches that lie in the rule's scope and are not made precise nearby."""
    scope = scope_spans(doc, matcher.scope)
    starts = [s.start for s in scope]
    lines = doc.lines
    line_cache: dict[int, bool] = {}
    kept = []
    for a, b in found:
        if _inside(scope, starts, a, b) and _keeps(matcher, doc, lines, a, b, line_cache):
            kept.append((a, b))
    return kept


def _keeps(
    matcher: matchers.CompiledMatcher,
    doc: PromptDocument,
    lines: LineIndex,
    a: int,
    b: int,
    line_cache: dict[int, bool],
) -> bool:
    """A match in scope is kept unless its line makes it precise (or lacks its context)."""
    text = doc.text
    line_start = lines.line_start(lines.line_of(a))
    # Where the line holding the match's end stops: its newline, else the text's end.
    after = lines.line_of(b) + 1
    line_end = lines.line_start(after) - 1 if after < lines.line_count else len(text)
    return not matchers.silenced(
        matcher, text, a, b, line_start, line_end, line_cache
    ) and matchers.in_context(matcher, text, a, line_start)


def run_declarative(
    rule: Rule, doc: PromptDocument, found: Sequence[tuple[int, int]], *, kept: bool = False
) -> list[Hit]:
    """The hits of a declarative rule from its raw matches (``kept``: already filtered)."""
    matcher = _compile(rule)
    text = doc.text
    hits: list[Hit] = []
    if matcher.kind == "requires":
        scope = scope_spans(doc, matcher.scope)
        trigger: tuple[int, int] | None = None
        if matcher.when is not None:
            for span in scope:
                m = matcher.when.search(text, span.start, span.end)
                if m:
                    trigger = (m.start(), m.end())
                    break
            if trigger is None:
                return []
        assert matcher.require is not None
        if any(matcher.require.search(text, s.start, s.end) for s in scope):
            return []
        if trigger is not None and matcher.anchor == "when":
            anchor = Span(*trigger)
        else:
            anchor = first_body_line(doc)
        return [Hit(anchor, {"match": text[anchor.start : anchor.end]})]
    if not kept:
        found = _matches(matcher, doc, found)
    if matcher.kind == "occurrence":
        if len(found) < matcher.min_count:
            return []
        found = found[matcher.min_count - 1 :]
    for start, end in found:
        matched = text[start:end]
        fixes: tuple[Fix, ...] = ()
        replacement = ""
        if matcher.kind == "substitution":
            replacement = matchers.replacement_for(matcher, matched) or ""
            if replacement:
                title = fill(
                    matcher.fix_title.replace("%s", "{match}"),
                    {"match": matched, "replacement": _plain(replacement)},
                )
                fixes = (
                    Fix(
                        title,
                        (TextEdit(Span(start, end), replacement, snippet="$" in replacement),),
                        safe=matcher.fix_safe,
                    ),
                )
        args = {
            "match": matched,
            "replacement": _plain(replacement),
            "count": str(len(found) + matcher.min_count - 1),
        }
        hits.append(Hit(Span(start, end), args, fixes=fixes))
        if matcher.max_findings and len(hits) >= matcher.max_findings:
            break
    return hits


def _plain(text: str) -> str:
    from promptwise.findings import strip_snippet

    return strip_snippet(text)


# ---------------------------------------------------------------------- lint


def lint(
    doc: PromptDocument,
    ruleset: RuleSet,
    base: CheckContext,
    pieces: Sequence[tuple[Span, str]],
    *,
    deadline: float | None = None,
) -> list[Finding]:
    """All findings for ``doc``: active rules, severities and suppressions applied.

    Past ``deadline`` (``time.thread_time()``: this thread's CPU time), the
    rules not yet run are left out, except the structural ones (parse and
    template problems, found while parsing), and PW009 says where the
    analysis was cut.
    """
    settings = base.settings
    rules = active_rules(ruleset, settings, doc.path)
    findings: list[Finding] = []
    cut: Rule | None = None  # the first rule left out for want of time
    skipped = 0
    scanned = [
        r for r in rules if r.kind in ("existence", "substitution", "occurrence") and r.builtin
    ]
    try:
        matches, kept = phrase_matches(scanned, doc, pieces)
    except Exception:  # keep going: each rule then reports its own failure below
        log.exception("phrase scan failed on %s", doc.path)
        matches, kept = {}, set()
    for rule in rules:
        if rule.emitted_by == ENGINE:
            continue  # reported below, by _suppress and by the except clause
        if rule.emitted_by != DOCUMENT and deadline is not None and time.thread_time() >= deadline:
            cut = cut or rule
            skipped += 1
            continue
        try:
            if rule.emitted_by == DOCUMENT:
                # Reading, frontmatter and template errors are found while
                # parsing; they become findings here so that they are
                # configured and suppressed like every other one.
                hits = [
                    Hit(p.span, {"problem": p.message}) for p in doc.problems if p.code == rule.code
                ]
            elif rule.check is not None:
                ctx = replace(base, rule=rule)
                # Patterns from ``rule_options`` run timed, within this rule's budget.
                with timed.budget():
                    hits = list(checks.REGISTRY[rule.check](ctx))
            elif not rule.builtin:
                with timed.budget():
                    found = user_matches(rule, doc, pieces) if rule.kind != "requires" else []
                    hits = run_declarative(rule, doc, found)
            else:
                hits = run_declarative(
                    rule,
                    doc,
                    matches.get(rule.code, ()) if rule.kind != "requires" else (),
                    kept=rule.code in kept,
                )
            # Worded here, so a hit naming a message the rule lacks fails this rule only.
            worded = [(hit, fill(rule.template(hit.variant), hit.args)) for hit in hits]
        except timed.PatternTimeout as exc:  # a user pattern ran out of time: say which
            log.warning("rule %s timed out on %s: %s", rule.code, doc.path, exc)
            _report_failure(findings, doc, ruleset, rules, settings, rule, exc)
            continue
        except Exception as exc:  # one broken rule must not take the others down
            log.exception("rule %s failed on %s", rule.code, doc.path)
            _report_failure(findings, doc, ruleset, rules, settings, rule, exc)
            continue
        severity = severity_for(rule, settings)
        configured = _severity_configured(rule, settings)
        for hit, message in worded:
            findings.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    severity=hit.severity if hit.severity and not configured else severity,
                    message=message,
                    span=_from_first_non_blank(doc.text, hit.span),
                    path=doc.path,
                    fixes=fit_fixes(doc, hit.fixes),
                    related=hit.related,
                    data=hit.data,
                )
            )
    if cut is not None:
        _report_cut(findings, doc, ruleset, rules, settings, cut, skipped, base)
    findings = _suppress(doc, findings, ruleset, rules, settings)
    findings = secrets.redact(doc.text, findings, (r.code for r in rules if r.secret))
    findings.sort(key=lambda f: (f.span.start, f.span.end, f.code))
    return findings


def _from_first_non_blank(text: str, span: Span) -> Span:
    """A finding's span starts at its first non-blank character: a squiggle under a
    line's indentation points at nothing. An all-blank span is kept as it is."""
    start = span.start
    while start < span.end and text[start] in " \t\r\n":
        start += 1
    return span if start == span.end else Span(start, span.end)


def _report_cut(
    findings: list[Finding],
    doc: PromptDocument,
    ruleset: RuleSet,
    rules: Sequence[Rule],
    settings: Settings,
    cut: Rule,
    skipped: int,
    base: CheckContext,
) -> None:
    """PW009: the analysis ran out of its budget at ``cut``; ``skipped`` rules did not run."""
    args = {"stage": f"{cut.code} ({cut.name})", "skipped": str(skipped)}
    _engine_finding(findings, doc, ruleset, rules, settings, ANALYSIS_BUDGET, "", args)


def _engine_finding(
    findings: list[Finding],
    doc: PromptDocument,
    ruleset: RuleSet,
    rules: Sequence[Rule],
    settings: Settings,
    code: str,
    variant: str,
    args: dict[str, str],
) -> None:
    """A finding of the engine's own rule ``code``, on the first body line, if that rule is on."""
    rule = ruleset.get(code)
    if rule is None or not any(r.code == code for r in rules):
        return
    message = fill(rule.template(variant), args)
    findings.append(
        Finding(
            code=code,
            name=rule.name,
            severity=severity_for(rule, settings),
            message=message,
            span=first_body_line(doc),
            path=doc.path,
        )
    )


def _report_failure(
    findings: list[Finding],
    doc: PromptDocument,
    ruleset: RuleSet,
    rules: Sequence[Rule],
    settings: Settings,
    rule: Rule,
    exc: Exception,
) -> None:
    """PW008 for a rule that crashed, or whose user pattern ran out of time."""
    if isinstance(exc, timed.PatternTimeout) and exc.option:
        variant = "option_timeout"
        args = {
            "code": rule.code,
            "name": rule.name,
            "patterns": exc.pattern,
            "option": exc.option,
            "seconds": f"{exc.seconds:g}",
        }
    elif isinstance(exc, timed.PatternTimeout):
        variant = "timeout"
        args = {
            "code": rule.code,
            "name": rule.name,
            "pattern": exc.pattern,
            "seconds": f"{exc.seconds:g}",
        }
    else:
        variant = "crash"
        args = {"code": rule.code, "name": rule.name, "error": f"{type(exc).__name__}: {exc}"}
    _engine_finding(findings, doc, ruleset, rules, settings, INTERNAL_ERROR, variant, args)


def _suppress(
    doc: PromptDocument,
    findings: list[Finding],
    ruleset: RuleSet,
    rules: Sequence[Rule],
    settings: Settings,
) -> list[Finding]:
    found = directives(doc)
    if not found:
        return findings
    used: set[tuple[int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        line = doc.lines.line_of(finding.span.start)
        suppressed = False
        for index, directive in enumerate(found):
            listed = directive.covers(finding.code, line)
            if listed is not None:
                used.add((index, listed))
                suppressed = True
        if not suppressed:
            kept.append(finding)
    unused_rule = ruleset.get(UNUSED_SUPPRESSION)
    if unused_rule is None or not any(r.code == UNUSED_SUPPRESSION for r in rules):
        return kept
    known = {r.code for r in ruleset.rules}
    for index, directive in enumerate(found):
        for code in directive.codes:
            if (index, code) in used:
                continue
            unknown = code != "ALL" and not any(k.startswith(code) for k in known)
            template = unused_rule.template("unknown_code" if unknown else "unused")
            kept.append(
                Finding(
                    code=UNUSED_SUPPRESSION,
                    name=unused_rule.name,
                    severity=severity_for(unused_rule, settings),
                    message=fill(template, {"code": code}),
                    span=directive.span,
                    path=doc.path,
                    fixes=(_remove_directive(doc, directive),) if len(directive.codes) == 1 else (),
                )
            )
    return kept


def _remove_directive(doc: PromptDocument, directive: Directive) -> Fix:
    span = directive.span
    text = doc.text
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end == -1 else line_end
    if not text[line_start : span.start].strip() and not text[span.end : line_end].strip():
        span = Span(line_start, min(len(text), line_end + 1))
    return Fix("Remove the unused suppression comment", (TextEdit(span, ""),), safe=True)
