"""The input every renderer takes: the findings of one run, grouped by file.

Renderers read only this; they never open files or re-run analysis. The text
of each file travels along so that text output can quote the offending line
and every renderer can turn spans into line/column positions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from promptwise.document.text import LineIndex
from promptwise.findings import Finding, Severity
from promptwise.rules.model import Rule


@dataclass(frozen=True)
class FileReport:
    path: str
    text: str
    findings: tuple[Finding, ...]

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)


@dataclass(frozen=True)
class CheckReport:
    files: tuple[FileReport, ...]
    rules: Mapping[str, Rule] = field(default_factory=dict)
    version: str = ""

    @property
    def findings(self) -> list[tuple[FileReport, Finding]]:
        return [(f, finding) for f in self.files for finding in f.findings]

    @property
    def summary(self) -> dict[str, object]:
        by_severity = Counter(finding.severity.value for _, finding in self.findings)
        by_code = Counter(finding.code for _, finding in self.findings)
        return {
            "files": len(self.files),
            "files_with_findings": sum(1 for f in self.files if f.findings),
            "findings": sum(by_severity.values()),
            "by_severity": {s.value: by_severity.get(s.value, 0) for s in Severity},
            "by_code": dict(sorted(by_code.items())),
        }
