"""The iteration analysis: from eval records to each case's history across versions.

An *iteration* is a distinct version of the prompt with logged results. A
case is *persistent* when it fails in the latest version; the number that
matters is how many distinct versions it has failed in, because the method
counts targeted prompt edits that did not fix it, not eval runs.

Records are folded into a :class:`PromptLog` as they are read, keeping one
small outcome per (version, run, case) and the full text of only the most
recent result of each case, so memory follows the number of distinct cases
and versions rather than the size of the logs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from promptwise.escalation.categories import Remedy, infer, remedy_of
from promptwise.escalation.records import EvalRecord, PromptRef, template_hash

Order = tuple[int, int]  # (log file index, position in the log)


def _when(timestamp: float | None, order: Order) -> tuple[float, int, int]:
    """Sort key: time when the log gives one, log order otherwise (and to break ties)."""
    return (timestamp if timestamp is not None else 0.0, order[0], order[1])


@dataclass
class _VersionSeen:
    key: str
    label: str | None
    template: str | None
    timestamp: float | None
    order: Order


@dataclass
class _Outcome:
    passed: bool
    timestamp: float | None
    order: Order
    runs: int = 1


@dataclass
class PromptLog:
    """What the logs say about one prompt, folded as records arrive."""

    ref: PromptRef
    versions: dict[str, _VersionSeen] = field(default_factory=dict)
    outcomes: dict[tuple[str, str, str], _Outcome] = field(default_factory=dict)
    latest: dict[str, tuple[EvalRecord, Order]] = field(default_factory=dict)
    latest_failure: dict[str, tuple[EvalRecord, Order]] = field(default_factory=dict)
    labeled: set[str] = field(default_factory=set)
    sources: dict[str, None] = field(default_factory=dict)
    text_hashes: set[str] = field(default_factory=set)  # of every version's template text

    def add(self, record: EvalRecord, file_index: int = 0) -> None:
        order = (file_index, record.seq)
        self._see_version(
            record.version, record.version_label, record.template, record.timestamp, order
        )
        key = (record.version, record.run or "", record.case)
        found = self.outcomes.get(key)
        if found is None:
            self.outcomes[key] = _Outcome(record.passed, record.timestamp, order)
        else:
            found.runs += 1
            if _when(record.timestamp, order) >= _when(found.timestamp, found.order):
                found.passed, found.timestamp, found.order = record.passed, record.timestamp, order
        self._keep_latest(self.latest, record, order)
        if not record.passed:
            self._keep_latest(self.latest_failure, record, order)
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

    @staticmethod
    def _keep_latest(
        store: dict[str, tuple[EvalRecord, Order]], record: EvalRecord, order: Order
    ) -> None:
        found = store.get(record.case)
        if found is None or _when(record.timestamp, order) >= _when(found[0].timestamp, found[1]):
            store[record.case] = (record, order)

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
            for record, order in theirs.values():
                self._keep_latest(store, record, shift(order))
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


@dataclass(frozen=True)
class CaseHistory:
    """One case across every version of the prompt."""

    case: str
    title: str
    category: str
    category_source: str  # log | description | assertion | reason | input | default
    statuses: tuple[bool | None, ...]  # per version: passed, failed, or not run (None)
    failed_versions: int  # distinct versions it failed in
    first_failed: Version | None
    fixed_at: Version | None  # first version of its current passing streak, if it failed before
    failing_now: bool  # fails in the latest version
    streak: int  # consecutive versions, ending with the latest, in which it failed
    latest: EvalRecord  # its most recent result (input, expected, output)
    latest_failure: EvalRecord | None  # its most recent failing result (reason, output)

    @property
    def remedy(self) -> Remedy:
        return remedy_of(self.category)


@dataclass(frozen=True)
class PromptHistory:
    """Everything the logs say about one prompt file, in time order."""

    ref: PromptRef
    versions: tuple[Version, ...]
    cases: tuple[CaseHistory, ...]
    experiments: int  # logged results (a case run on a version)
    labeled_examples: int  # distinct inputs with a reference or an accepted answer
    sources: tuple[str, ...]

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    @property
    def persistent(self) -> tuple[CaseHistory, ...]:
        """Cases failing in the latest version, longest-failing first."""
        return tuple(
            sorted(
                (c for c in self.cases if c.failing_now),
                key=lambda c: (-c.failed_versions, c.title),
            )
        )

    @property
    def resolved(self) -> tuple[CaseHistory, ...]:
        """Cases that failed in some version and pass in the latest one."""
        return tuple(c for c in self.cases if c.fixed_at is not None and not c.failing_now)


def analyse(log: PromptLog) -> PromptHistory:
    """Order the versions, then give each case its status in each of them."""
    ordered = sorted(log.versions.values(), key=lambda v: _when(v.timestamp, v.order))
    position = {v.key: i for i, v in enumerate(ordered)}
    # The outcome of each case in each version: the most recent run counts.
    status: dict[str, dict[int, tuple[bool, tuple[float, int, int]]]] = {}
    experiments = 0
    for (version, _run, case), outcome in log.outcomes.items():
        experiments += outcome.runs
        index = position[version]
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
    versions = tuple(
        Version(
            index=i + 1,
            key=v.key,
            label=v.label or v.key[:8],
            timestamp=v.timestamp,
            template=v.template,
            results=results[i],
            failures=failures[i],
        )
        for i, v in enumerate(ordered)
    )
    cases = [_case(case, per_case, versions, log) for case, per_case in status.items()]
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
        experiments=experiments,
        labeled_examples=len(log.labeled),
        sources=tuple(log.sources),
    )


def _case(
    case: str,
    per_case: dict[int, tuple[bool, tuple[float, int, int]]],
    versions: tuple[Version, ...],
    log: PromptLog,
) -> CaseHistory:
    statuses = tuple(per_case[i][0] if i in per_case else None for i in range(len(versions)))
    failed = [i for i, s in enumerate(statuses) if s is False]
    failing_now = bool(statuses) and statuses[-1] is False
    streak = 0
    for state in reversed(statuses):
        if state is not False:
            break
        streak += 1
    fixed_at = None
    if failed and statuses and statuses[-1] is True:
        start = len(statuses) - 1
        while start > 0 and statuses[start - 1] is not False:
            start -= 1
        while statuses[start] is None:
            start += 1
        fixed_at = versions[start]
    latest = log.latest[case][0]
    failure = log.latest_failure.get(case)
    evidence = failure[0] if failure else latest
    category, source = infer(
        stated=evidence.category,
        description=evidence.description,
        assertions=evidence.assertions,
        reason=evidence.reason,
        empty_input=_empty_input(evidence),
    )
    return CaseHistory(
        case=case,
        title=latest.display,
        category=category,
        category_source=source,
        statuses=statuses,
        failed_versions=len(failed),
        first_failed=versions[failed[0]] if failed else None,
        fixed_at=fixed_at,
        failing_now=failing_now,
        streak=streak,
        latest=latest,
        latest_failure=failure[0] if failure else None,
    )


def _empty_input(record: EvalRecord) -> bool:
    if record.variables:
        return all(not value.strip() for _, value in record.variables)
    return record.input is not None and not record.input.strip()


def fold(records: Iterable[EvalRecord], file_index: int = 0) -> dict[tuple[str, ...], PromptLog]:
    """Group records by the prompt they belong to."""
    logs: dict[tuple[str, ...], PromptLog] = {}
    for record in records:
        key = record.prompt.key
        if key == ("inline",):  # an unlabelled inline prompt is known by its text only
            key = ("inline", record.version)
        log = logs.get(key)
        if log is None:
            log = logs[key] = PromptLog(record.prompt)
        log.add(record, file_index)
    return logs
