"""Measure the prompt-quality rules against labeled real prompts.

    python bench/quality.py [LABELED_DIR]

LABELED_DIR (default ``../shared/corpus/labeled`` next to the repository)
holds prompt files and a ``labels.yaml`` with one entry per file; the label
criteria are in the corpus README. Every file is analysed with the default
settings, and each rule family is scored against the labels:

- file level (a file is predicted positive when any rule of the family
  reports on it): missing examples = ``examples_needed and not
  examples_present``; edge cases = ``takes_input and not
  edge_cases_handled``; output format = classification, extraction or
  transformation without ``output_format_specified``; fallback label =
  ``fallback_label_present == false``;
- span level for vague phrases: a finding is a true positive when its range
  overlaps an occurrence of a phrase labeled for that file (matched as a
  whole word, ignoring case); recall counts the labeled phrases that have
  at least one overlapping finding.

The table is followed by every disagreement, so a number can always be
traced back to the files and phrases behind it. Nothing here tunes
anything: the rules and the labels are read as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

from promptwise.analysis import Analysis, analyze_text  # noqa: E402
from promptwise.config import Settings  # noqa: E402

# Which rule codes speak for which labeled family. Rules not listed here
# (structure, cost, input safety, negative-only and emphasis) have no label.
FAMILIES: dict[str, str] = {
    "PW101": "missing examples",
    "PW201": "vague phrases",
    "PW202": "vague phrases",
    "PW203": "vague phrases",
    "PW204": "vague phrases",
    "PW205": "vague phrases",
    "PW301": "edge cases",
    "PW303": "edge cases",
    "PW304": "output format",
    "PW302": "fallback label",
}

STRUCTURED = ("classification", "extraction", "transformation")
Truth = Callable[[dict[str, Any]], bool]
FILE_LEVEL: dict[str, Truth] = {
    "missing examples": lambda e: bool(e["examples_needed"]) and not e["examples_present"],
    "edge cases": lambda e: bool(e["takes_input"]) and not e["edge_cases_handled"],
    "output format": lambda e: e["task_kind"] in STRUCTURED and not e["output_format_specified"],
    "fallback label": lambda e: e.get("fallback_label_present") is False,
}
# (precision, recall) targets from the issue; families without one are reported only.
TARGETS: dict[str, tuple[float, float]] = {
    "missing examples": (0.90, 0.85),
    "vague phrases": (0.85, 0.80),
    "edge cases": (0.85, 0.80),
    "output format": (0.85, 0.80),
}
ORDER = ("missing examples", "vague phrases", "edge cases", "output format", "fallback label")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    # For span level, recall is over labeled phrases, precision over findings.
    recall_hits: int = 0
    recall_total: int = 0
    disagreements: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        if self.recall_total:
            return self.recall_hits / self.recall_total
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def occurrences(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where a labeled phrase occurs: whole words, any case."""
    left = r"(?<![\w-])" if phrase[:1].isalnum() else ""
    right = r"(?![\w-])" if phrase[-1:].isalnum() else ""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return [(m.start(), m.end()) for m in re.finditer(left + body + right, text, re.I)]


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def analyse(folder: Path, entry: dict[str, Any]) -> Analysis:
    path = folder / entry["file"]
    return analyze_text(path.read_text(encoding="utf-8"), str(path), Settings())


def score(folder: Path, labels: Sequence[dict[str, Any]]) -> dict[str, Score]:
    scores = {family: Score() for family in ORDER}
    for entry in labels:
        name = entry["file"]
        result = analyse(folder, entry)
        text = result.document.text
        by_family: dict[str, list[Any]] = {}
        for finding in result.findings:
            family = FAMILIES.get(finding.code)
            if family is not None:
                by_family.setdefault(family, []).append(finding)
        for family, truth in FILE_LEVEL.items():
            expected = truth(entry)
            found = by_family.get(family, [])
            s = scores[family]
            if found and expected:
                s.tp += 1
            elif found:
                s.fp += 1
                first = found[0]
                s.disagreements.append(
                    f"FP {name}:{line_of(text, first.span.start)} {first.code} {first.message}"
                )
            elif expected:
                s.fn += 1
                s.disagreements.append(
                    f"FN {name} (labeled {entry['task_kind']}; no {family} finding)"
                )
        s = scores["vague phrases"]
        phrases = list(dict.fromkeys(entry.get("vague_phrases") or []))
        spans = {p: occurrences(text, p) for p in phrases}
        covered: set[str] = set()
        for finding in by_family.get("vague phrases", []):
            a, b = finding.span.start, finding.span.end
            hit = [p for p, where in spans.items() if any(x < b and a < y for x, y in where)]
            if hit:
                s.tp += 1
                covered.update(hit)
            else:
                s.fp += 1
                s.disagreements.append(f"FP {name}:{line_of(text, a)} {finding.code} `{text[a:b]}`")
        s.recall_total += len(phrases)
        s.recall_hits += len(covered)
        for phrase in phrases:
            if phrase not in covered:
                where = spans[phrase]
                at = f":{line_of(text, where[0][0])}" if where else " (not in the file)"
                s.disagreements.append(f"FN {name}{at} `{phrase}`")
    return scores


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def report(scores: dict[str, Score], folder: Path, files: int) -> str:
    lines = [
        f"Promptwise rule quality on {folder} ({files} labeled files)",
        "",
        f"{'family':<17} {'level':<5} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>5} {'recall':>6}"
        f"  {'target P/R':<11} ok",
    ]
    for family in ORDER:
        s = scores[family]
        level = "span" if family == "vague phrases" else "file"
        fn = s.recall_total - s.recall_hits if level == "span" else s.fn
        target = TARGETS.get(family)
        if target is None:
            goal, ok = "-", ""
        else:
            goal = f"{target[0]:.2f}/{target[1]:.2f}"
            met = (s.precision or 0.0) >= target[0] and (s.recall or 0.0) >= target[1]
            ok = "yes" if met else "NO"
        lines.append(
            f"{family:<17} {level:<5} {s.tp:>4} {s.fp:>4} {fn:>4} "
            f"{fmt(s.precision):>5} {fmt(s.recall):>6}  {goal:<11} {ok}"
        )
    lines.append("")
    codes = ", ".join(
        f"{family}: {' '.join(sorted(c for c, f in FAMILIES.items() if f == family))}"
        for family in ORDER
    )
    lines.append(f"rules per family: {codes}")
    for family in ORDER:
        s = scores[family]
        if not s.disagreements:
            continue
        lines += ["", f"## {family}: disagreements with the labels"]
        lines += [f"  {d}" for d in s.disagreements]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "labeled",
        nargs="?",
        type=Path,
        default=REPO.parent / "shared" / "corpus" / "labeled",
        help="folder with prompt files and labels.yaml",
    )
    args = parser.parse_args(argv)
    folder: Path = args.labeled
    labels_file = folder / "labels.yaml"
    if not labels_file.is_file():
        print(f"no labels.yaml in {folder}", file=sys.stderr)
        return 2
    labels = yaml.safe_load(labels_file.read_text(encoding="utf-8")) or []
    sys.stdout.write(report(score(folder, labels), folder, len(labels)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
