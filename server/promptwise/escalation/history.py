"""The iteration analysis: from eval records to each case's history across versions.

An *iteration* is a run of evals of one prompt text, in time order: the
text changing starts the next iteration, and so does going back to an
earlier text (A → B → A is three iterations; the latest one counts). Evals
of the same text one after another are one iteration, so a re-run never
counts as a prompt edit. A case's current status is its most recent result,
even when the latest eval ran only some of the tests; the number that
matters is how many iterations it has failed in, because the method counts
targeted prompt edits that did not fix it, not eval runs.

Time comes from the logs' timestamps; a record without one takes the time
of the record before it in the same log, so a missing optional field never
moves a version to the front. Records without an eval id (native logs) are
grouped into evals by log order: a record of a version other than the one
before it, for a case that version already has a result for, is a new eval.

Records are folded into a :class:`PromptLog` as they are read, keeping one
small outcome per (version, run, case) and the full text of only the most
recent result of each case, so memory follows the number of distinct cases
and versions rather than the size of the logs.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from promptwise.escalation.categories import (
    CaseEvidence,
    Decision,
    PromptShape,
    Remedy,
    canonical,
    decide,
    remedy_of,
)
from promptwise.escalation.records import Assertion, EvalRecord, PromptRef, template_hash

Order = tuple[int, int]  # (log file index, position in the log)


# Cases kept with their full text (for quick fixes and the report); past this many,
# a case's records keep 80 characters of each text, so 378,000 distinct cases
# cost memory in proportion to their count, not to their logs' size.
FULL_CASES = 2000
NEVER_FAILED = Decision("other", "default", ())  # a case that never failed needs no category
_SLIM_TEXT = 80


def _cut(text: str | None) -> str | None:
    return text if text is None or len(text) <= _SLIM_TEXT else text[: _SLIM_TEXT - 3] + "..."


def slim(record: EvalRecord) -> EvalRecord:
    """The record with its texts cut short and no template (the version keeps that)."""
    return dataclasses.replace(
        record,
        title=_cut(record.title) or "",
        template=None,
        reason=_cut(record.reason),
        input=_cut(record.input),
        variables=tuple((name[:40], _cut(value) or "") for name, value in record.variables[:1]),
        expected=_cut(record.expected),
        output=_cut(record.output),
        description=_cut(record.description),
        assertions=record.assertions[:3],
    )


def _when(timestamp: float | None, order: Order) -> tuple[float, int, int]:
    """Sort key: time when the log gives one, log order otherwise (and to break ties)."""
    return (timestamp if timestamp is not None else 0.0, order[0], order[1])


@dataclass(slots=True)
class _VersionSeen:
    key: str
    label: str | None
    template: str | None
    timestamp: float | None
    order: Order


@dataclass(slots=True)
class _Outcome:
    passed: bool
    timestamp: float | None
    order: Order
    runs: int = 1


_Latest = tuple[EvalRecord, Order, float | None]  # a record, where and when it was logged


@dataclass
class PromptLog:
    """What the logs say about one prompt, folded as records arrive."""

    ref: PromptRef
    versions: dict[str, _VersionSeen] = field(default_factory=dict)
    outcomes: dict[tuple[str, str, str], _Outcome] = field(default_factory=dict)
    latest: dict[str, _Latest] = field(default_factory=dict)
    latest_failure: dict[str, _Latest] = field(default_factory=dict)
    labeled: set[str] = field(default_factory=set)
    sources: dict[str, None] = field(default_factory=dict)
    text_hashes: set[str] = field(default_factory=set)  # of every version's template text
    # When each eval (version, run) started, for ordering evals into iterations.
    evals: dict[tuple[str, str], tuple[float | None, Order]] = field(default_factory=dict)
    # Category evidence over all of a case's records: the categories the log states
    # (counted) and the checks that failed (at most 20 distinct per case).
    stated: dict[str, dict[str, int]] = field(default_factory=dict)
    checks: dict[str, dict[tuple[str, str | None], Assertion]] = field(default_factory=dict)
    # Where a log shared as is (not copied into a merge) sits among the files read.
    position: int | None = None
    # Grouping records without an eval id into evals, by log order.
    _previous: str | None = None
    _segment: int = 0
    _open: dict[str, tuple[str, set[str]]] = field(default_factory=dict)

    def _run_of(self, record: EvalRecord) -> str:
        """The eval a record belongs to: the log's id, else a segment of the log."""
        if record.run:
            return record.run
        current = self._open.get(record.version)
        if current is None or (
            record.version != self._previous and record.case in current[1]
        ):  # a version's first records, or a return to it that runs its cases again
            self._segment += 1
            current = (f"{record.location.path}#{self._segment}", set())
            self._open[record.version] = current
        current[1].add(record.case)
        self._previous = record.version
        return current[0]

    def add(self, record: EvalRecord, file_index: int = 0, timestamp: float | None = None) -> None:
        """Fold one record in; ``timestamp`` is its time (the log's, or the one before it)."""
        when_ts = record.timestamp if record.timestamp is not None else timestamp
        order = (file_index, record.seq)
        self._see_version(record.version, record.version_label, record.template, when_ts, order)
        run = self._run_of(record)
        started = self.evals.get((record.version, run))
        if started is None or _when(when_ts, order) < _when(*started):
            self.evals[(record.version, run)] = (when_ts, order)
        key = (record.version, run, record.case)
        found = self.outcomes.get(key)
        if found is None:
            self.outcomes[key] = _Outcome(record.passed, when_ts, order)
        else:
            found.runs += 1
            if _when(when_ts, order) >= _when(found.timestamp, found.order):
                found.passed, found.timestamp, found.order = record.passed, when_ts, order
        if len(self.latest) >= FULL_CASES and record.case not in self.latest:
            record = slim(record)  # past a few thousand cases, keep what a report row shows
        self._keep_latest(self.latest, record, order, when_ts)
        if not record.passed:
            self._keep_latest(self.latest_failure, record, order, when_ts)
            self._gather(record.case, record)
        answer = record.expected or (record.output if record.passed else None)
        if answer:
            self.labeled.add(hashlib.sha1((record.input or record.case).encode()).hexdigest())
        self.sources.setdefault(record.location.path)

    def _see_version(
        self,
        key: str,
        label: str | None,
        template: str | None,
        timestamp: float | None,
        order: Order,
    ) -> None:
        seen = self.versions.get(key)
        if template is not None and (seen is None or seen.template is None):
            self.text_hashes.add(template_hash(template))
        if seen is None:
            self.versions[key] = _VersionSeen(key, label, template, timestamp, order)
            return
        if _when(timestamp, order) < _when(seen.timestamp, seen.order):
            seen.timestamp, seen.order = timestamp, order
        if seen.template is None:
            seen.template = template

    def _gather(self, case: str, record: EvalRecord) -> None:
        """Keep what a failing record says about its case's category."""
        if record.category:
            name = canonical(record.category) or record.category.strip().lower()
            counts = self.stated.setdefault(case, {})
            counts[name] = counts.get(name, 0) + 1
        if not record.assertions:
            return
        checks = self.checks.setdefault(case, {})
        for assertion in record.assertions:
            if assertion.passed is not False and any(a.passed is False for a in record.assertions):
                continue  # only the checks that failed, when the log says which
            key = (assertion.type, assertion.value)
            if key not in checks and len(checks) < 20:
                checks[key] = assertion

    @staticmethod
    def _keep_latest(
        store: dict[str, _Latest], record: EvalRecord, order: Order, stamp: float | None
    ) -> None:
        found = store.get(record.case)
        if found is None or _when(stamp, order) >= _when(found[2], found[1]):
            store[record.case] = (record, order, stamp)

    def merge(self, other: PromptLog, file_index: int | None = None) -> None:
        """Fold in another log's view of the same prompt.

        ``file_index`` places the other log's records among the files read
        (None keeps their positions). The same promptfoo eval read from both
        a JSON export and the database has the same run id, so it is counted
        once.
        """

        def shift(order: Order) -> Order:
            return order if file_index is None else (file_index, order[1])

        for version, seen in other.versions.items():
            self._see_version(version, seen.label, seen.template, seen.timestamp, shift(seen.order))
        for eval_key, (stamp, order) in other.evals.items():
            started = self.evals.get(eval_key)
            if started is None or _when(stamp, shift(order)) < _when(*started):
                self.evals[eval_key] = (stamp, shift(order))
        for key, outcome in other.outcomes.items():
            found = self.outcomes.get(key)
            moved = _Outcome(outcome.passed, outcome.timestamp, shift(outcome.order), outcome.runs)
            if found is None:
                self.outcomes[key] = moved
            elif not key[1]:  # no run id: separate runs of the same version
                found.runs += moved.runs
                if _when(moved.timestamp, moved.order) >= _when(found.timestamp, found.order):
                    found.passed, found.timestamp, found.order = (
                        moved.passed,
                        moved.timestamp,
                        moved.order,
                    )
        for store, theirs in (
            (self.latest, other.latest),
            (self.latest_failure, other.latest_failure),
        ):
            for record, order, stamp in theirs.values():
                self._keep_latest(store, record, shift(order), stamp)
        for case, counts in other.stated.items():
            mine = self.stated.setdefault(case, {})
            for name, count in counts.items():
                mine[name] = mine.get(name, 0) + count
        for case, checks in other.checks.items():
            held = self.checks.setdefault(case, {})
            for check, assertion in checks.items():
                if check not in held and len(held) < 20:
                    held[check] = assertion
        self.labeled |= other.labeled
        self.text_hashes |= other.text_hashes
        for source in other.sources:
            self.sources.setdefault(source)


# ------------------------------------------------------------------ analysis


@dataclass(frozen=True)
class Version:
    """One iteration of the prompt, numbered in time order from 1."""

    index: int
    key: str
    label: str  # the log's own version id, or the start of the text hash
    timestamp: float | None
    template: str | None
    results: int
    failures: int
    repeats: int | None = None  # the earlier iteration whose text this one goes back to


@dataclass(frozen=True)
class CaseHistory:
    """One case across every iteration of the prompt."""

    case: str
    title: str
    category: str
    category_source: str  # log | description | assertion | reason | input | default
    statuses: tuple[bool | None, ...]  # per iteration: passed, failed, or not run (None)
    failed_versions: int  # iterations it failed in
    first_failed: Version | None
    fixed_at: Version | None  # first iteration of its current passing streak, if it failed before
    failing_now: bool  # its most recent result is a failure
    streak: int  # iterations it failed in since it last passed (not-run ones skipped)
    latest: EvalRecord  # its most recent result (input, expected, output)
    latest_failure: EvalRecord | None  # its most recent failing result (reason, output)
    since: Version | None = None  # first iteration of its current failing streak
    regressed: bool = False  # it passed before its current failing streak began
    category_reasons: tuple[str, ...] = ()  # the evidence the category was decided on
    # Of the iterations it failed in after the first, how many edited prompt lines that
    # mention its subject (None when the logs do not carry the prompt's text).
    targeted: int | None = None
    targeted_of: int = 0  # the failing iterations whose edit is known
    subject: tuple[str, ...] = ()  # the words of the case that "near its subject" looks for

    @property
    def remedy(self) -> Remedy:
        return remedy_of(self.category)


@dataclass(frozen=True)
class PromptHistory:
    """Everything the logs say about one prompt file, in time order."""

    ref: PromptRef
    versions: tuple[Version, ...]
    cases: tuple[CaseHistory, ...]
    experiments: int  # prompt versions tried: iterations with logged results
    labeled_examples: int  # distinct inputs with a reference or an accepted answer
    sources: tuple[str, ...]
    results: int = 0  # logged results (a case run on a version), all runs counted

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    @property
    def persistent(self) -> tuple[CaseHistory, ...]:
        """Cases whose most recent result is a failure, longest-failing first."""
        return tuple(
            sorted(
                (c for c in self.cases if c.failing_now),
                key=lambda c: (-c.failed_versions, c.title),
            )
        )

    def largest(self, cases: tuple[CaseHistory, ...], limit: int) -> tuple[CaseHistory, ...]:
        """The ``limit`` cases that failed in the most iterations (a report's cap)."""
        if len(cases) <= limit:
            return cases
        ranked = sorted(cases, key=lambda c: (-c.failed_versions, not c.failing_now, c.title))
        return tuple(ranked[:limit])

    @property
    def resolved(self) -> tuple[CaseHistory, ...]:
        """Cases that failed in some iteration and pass in their most recent one."""
        return tuple(c for c in self.cases if c.fixed_at is not None and not c.failing_now)


def iterations(log: PromptLog) -> tuple[list[_VersionSeen], dict[tuple[str, str], int]]:
    """The iterations in time order, and the iteration of every eval.

    Evals are ordered by when they started; one after another with the same
    text are one iteration, and any change of text (back to an earlier one
    included) starts the next.
    """
    ordered = sorted(log.evals.items(), key=lambda item: _when(*item[1]))
    seen: list[_VersionSeen] = []
    of_eval: dict[tuple[str, str], int] = {}
    for (version, run), (stamp, order) in ordered:
        if not seen or seen[-1].key != version:
            base = log.versions[version]
            seen.append(_VersionSeen(version, base.label, base.template, stamp, order))
        of_eval[(version, run)] = len(seen) - 1
    return seen, of_eval


def analyse(log: PromptLog, prompt: PromptShape | None = None) -> PromptHistory:
    """Order the iterations, then give each case its status in each of them.

    ``prompt`` is what the prompt file shows (examples, format, labels,
    language), part of the evidence a failure's category is decided on.
    """
    ordered, of_eval = iterations(log)
    # The outcome of each case in each iteration: its most recent run there counts.
    status: dict[str, dict[int, tuple[bool, tuple[float, int, int]]]] = {}
    runs = 0
    for (version, run, case), outcome in log.outcomes.items():
        runs += outcome.runs
        index = of_eval[(version, run)]
        when = _when(outcome.timestamp, outcome.order)
        per_case = status.setdefault(case, {})
        found = per_case.get(index)
        if found is None or when >= found[1]:
            per_case[index] = (outcome.passed, when)
    results = [0] * len(ordered)
    failures = [0] * len(ordered)
    for per_case in status.values():
        for index, (passed, _) in per_case.items():
            results[index] += 1
            failures[index] += 0 if passed else 1
    first_of: dict[str, int] = {}
    versions_list: list[Version] = []
    for i, v in enumerate(ordered):
        repeats = first_of.get(v.key)
        first_of.setdefault(v.key, i + 1)
        versions_list.append(
            Version(
                index=i + 1,
                key=v.key,
                label=v.label or v.key[:8],
                timestamp=v.timestamp,
                template=v.template,
                results=results[i],
                failures=failures[i],
                repeats=repeats,
            )
        )
    versions = tuple(versions_list)
    edits = _edited_words(versions)
    cases = [
        _case(case, per_case, versions, log, edits, prompt) for case, per_case in status.items()
    ]
    cases.sort(
        key=lambda c: (
            min((i for i, s in enumerate(c.statuses) if s is not None), default=0),
            c.title,
        )
    )
    return PromptHistory(
        ref=log.ref,
        versions=versions,
        cases=tuple(cases),
        experiments=len(versions),
        labeled_examples=len(log.labeled),
        sources=tuple(log.sources),
        results=runs,
    )


def _case(
    case: str,
    per_case: dict[int, tuple[bool, tuple[float, int, int]]],
    versions: tuple[Version, ...],
    log: PromptLog,
    edits: Sequence[frozenset[str] | None] = (),
    prompt: PromptShape | None = None,
) -> CaseHistory:
    statuses = tuple(per_case[i][0] if i in per_case else None for i in range(len(versions)))
    failed = [i for i, s in enumerate(statuses) if s is False]
    ran = [i for i, s in enumerate(statuses) if s is not None]
    # A case the latest eval did not run keeps its most recent result.
    failing_now = bool(ran) and statuses[ran[-1]] is False
    streak = 0
    since = None
    for i in reversed(ran):
        if statuses[i] is not False:
            break
        streak += 1
        since = versions[i]
    regressed = since is not None and any(statuses[i] is True for i in ran if i < since.index - 1)
    fixed_at = None
    if failed and not failing_now:
        start = ran[-1]
        for i in reversed(ran):
            if statuses[i] is False:
                break
            start = i
        fixed_at = versions[start]
    latest = log.latest[case][0]
    failure = log.latest_failure.get(case)
    evidence = failure[0] if failure else latest
    subject, targeted, targeted_of = _targeting(evidence, failed, edits, versions)
    counts = log.stated.get(case, {})
    stated = max(counts, key=lambda name: counts[name]) if counts else None
    checks = tuple(log.checks.get(case, {}).values()) or evidence.assertions
    decision = (
        NEVER_FAILED
        if not failed
        else decide(
            CaseEvidence(
                stated=stated,
                description=evidence.description or evidence.title or evidence.case,
                variables=evidence.variables,
                input=evidence.input,
                expected=evidence.expected,
                output=evidence.output if failure else None,
                reason=evidence.reason,
                assertions=checks,
                empty_input=_empty_input(evidence),
            ),
            prompt,
        )
    )
    return CaseHistory(
        case=case,
        title=latest.display,
        category=decision.category,
        category_source=decision.source,
        category_reasons=decision.reasons,
        statuses=statuses,
        failed_versions=len(failed),
        first_failed=versions[failed[0]] if failed else None,
        fixed_at=fixed_at,
        failing_now=failing_now,
        streak=streak,
        latest=latest,
        latest_failure=failure[0] if failure else None,
        since=since,
        regressed=regressed,
        subject=subject,
        targeted=targeted,
        targeted_of=targeted_of,
    )


# Words too common to tie an edit to a case.
_COMMON = frozenset(
    "about above after again answer answers case could does each from have into just like "
    "make more must only other output over please question reply should some such than "
    "that their them then there these they this those user very what when where which "
    "while will with would your".split()
)
_WORD = re.compile(r"[^\W\d_]{4,}")
_MAX_DIFF_LINES = 2000


def _stems(text: str) -> set[str]:
    """Words of four letters or more, cut to five so `policy` meets `policies`."""
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _COMMON}


def _edited_words(versions: Sequence[Version]) -> list[frozenset[str] | None]:
    """Per iteration: the word stems of the prompt lines it added or changed.

    None where either text is unknown. Each text is diffed once against the
    one before, so the cost follows the total size of the versions.
    """
    out: list[frozenset[str] | None] = [None] * len(versions)
    for i in range(1, len(versions)):
        before, after = versions[i - 1].template, versions[i].template
        if before is None or after is None:
            continue
        old = before.splitlines()[:_MAX_DIFF_LINES]
        new = after.splitlines()[:_MAX_DIFF_LINES]
        changed: set[str] = set()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                for line in (*old[i1:i2], *new[j1:j2]):
                    changed |= _stems(line)
        out[i] = frozenset(changed)
    return out


def _targeting(
    record: EvalRecord,
    failed: list[int],
    edits: Sequence[frozenset[str] | None],
    versions: Sequence[Version] = (),
) -> tuple[tuple[str, ...], int | None, int]:
    """How many of the case's failing iterations edited lines about its subject."""
    text = " ".join(
        t
        for t in (
            re.sub(r"[(\[][^)\]]*[)\]]", " ", record.description or record.case),
            record.input or "",
            record.expected or "",
            *(a.value or "" for a in record.assertions),
        )
        if t
    )
    # Words the first version already used are the task's vocabulary, not this case's.
    first = next((e for e in edits if e is not None), None)
    base = _stems(versions[0].template or "") if first is not None and versions else set()
    subject = tuple(sorted(_stems(text) - base))[:20]
    known = [i for i in failed if i > 0 and i < len(edits) and edits[i] is not None]
    if not subject or not known:
        return subject, None, 0
    wanted = set(subject)
    return subject, sum(1 for i in known if wanted & (edits[i] or frozenset())), len(known)


def _empty_input(record: EvalRecord) -> bool:
    if record.variables:
        return all(not value.strip() for _, value in record.variables)
    return record.input is not None and not record.input.strip()


def fold(records: Iterable[EvalRecord], file_index: int = 0) -> dict[tuple[str, ...], PromptLog]:
    """Group the records of one log by the prompt they belong to.

    A record without a timestamp takes the time of the record before it in
    the log, so it stays where the log put it among timed records.
    """
    logs: dict[tuple[str, ...], PromptLog] = {}
    previous: float | None = None
    for record in records:
        if record.timestamp is not None:
            previous = record.timestamp
        key = record.prompt.key
        if key == ("inline",):  # an unlabelled inline prompt is known by its text only
            key = ("inline", record.version)
        log = logs.get(key)
        if log is None:
            log = logs[key] = PromptLog(record.prompt)
        log.add(record, file_index, previous)
    return logs
