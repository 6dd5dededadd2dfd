"""Measure the prompt-quality rules against labeled real prompts.

    python bench/quality.py                 # every labeled set, both splits
    python bench/quality.py --split dev     # the development split only, with details
    python bench/quality.py LABELED_DIR     # one folder holding labels.yaml

Two corpora are read. ``../shared/corpus/labeled`` (56 files, where the
rules were first developed) holds prompt files and a ``labels.yaml``.
``bench/quality`` (359 files from 14 other sources, labeled blind by two
annotators with adjudication; see its README) is split by source into
``dev``, the only split rules are tuned on, and ``test``, which measures how
they generalise. Its files are not in git: ``bench/quality/collect.py``
rebuilds them, or ``PROMPTWISE_QUALITY_CORPUS`` names a folder holding them.
The label criteria are in the shared corpus README. Every file is analysed
with the default settings, and each rule family is scored against the
labels:

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

Per rule, precision is given too (span precision for each vague-phrase
rule), since a rule's default severity follows it. On the shared set and
the dev split the table is followed by every disagreement with the labels,
so a number can always be traced back to the files and phrases behind it;
the test split prints only its numbers unless ``--details`` is given, so that
nobody tunes on it by accident. Nothing here tunes anything: the rules and
the labels are read as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

from promptwise.analysis import analyze_text, rules_for  # noqa: E402
from promptwise.config import Settings  # noqa: E402
from promptwise.document.chat import NotChat  # noqa: E402
from promptwise.findings import Finding  # noqa: E402

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


QUALITY = Path(os.environ.get("PROMPTWISE_QUALITY_CORPUS") or REPO / "bench" / "quality")
SHARED = Path(os.environ.get("PROMPTWISE_SHARED") or REPO.parent / "shared")
SHARED_LABELED = SHARED / "corpus" / "labeled"


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


def analyse(folder: Path, entry: dict[str, Any]) -> tuple[str, Sequence[Finding]]:
    """The file's text and its findings, as ``promptwise check`` reads it.

    A JSON or YAML file that holds no chat messages is not a prompt file to
    Promptwise (``check`` reports it as unreadable), so no rule speaks on it.
    """
    path = folder / entry["file"]
    text = path.read_text(encoding="utf-8")
    try:
        # Preview rules too: their precision is measured like every other's
        # (it is what decides when they leave preview); ``score`` leaves
        # them out of the family numbers unless asked.
        return text, analyze_text(text, str(path), Settings(preview=True)).findings
    except NotChat:
        return text, ()


def preview_codes() -> frozenset[str]:
    """Rules that are off unless ``--preview`` (or ``preview: true``) turns them on."""
    return frozenset(r.code for r in rules_for(Settings()).rules if r.status == "preview")


def score(
    folder: Path, labels: Sequence[dict[str, Any]], with_preview: bool = False
) -> tuple[dict[str, Score], dict[str, Score]]:
    """Scores per family, and per rule (precision only: TP and FP).

    Family scores count the rules a user gets by default (preview rules
    only ``with_preview``); per-rule precision is measured for every rule.
    """
    scores = {family: Score() for family in ORDER}
    per_rule = {code: Score() for code in sorted(FAMILIES)}
    hidden = frozenset() if with_preview else preview_codes()
    for entry in labels:
        name = entry["file"]
        text, all_findings = analyse(folder, entry)
        by_family: dict[str, list[Any]] = {}
        for finding in all_findings:
            family = FAMILIES.get(finding.code)
            if family is not None and finding.code in hidden:
                # Measured for its own precision, not counted for the family.
                _rule_only(per_rule[finding.code], family, entry, text, finding)
            elif family is not None:
                by_family.setdefault(family, []).append(finding)
        for family, truth in FILE_LEVEL.items():
            expected = truth(entry)
            found = by_family.get(family, [])
            for code in {f.code for f in found}:
                if expected:
                    per_rule[code].tp += 1
                else:
                    per_rule[code].fp += 1
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
                per_rule[finding.code].tp += 1
                covered.update(hit)
            else:
                s.fp += 1
                per_rule[finding.code].fp += 1
                s.disagreements.append(f"FP {name}:{line_of(text, a)} {finding.code} `{text[a:b]}`")
        s.recall_total += len(phrases)
        s.recall_hits += len(covered)
        for phrase in phrases:
            if phrase not in covered:
                where = spans[phrase]
                at = f":{line_of(text, where[0][0])}" if where else " (not in the file)"
                s.disagreements.append(f"FN {name}{at} `{phrase}`")
    return scores, per_rule


def _rule_only(rule: Score, family: str, entry: dict[str, Any], text: str, finding: Any) -> None:
    """Count one finding of a rule left out of the family scores, for its precision."""
    if family == "vague phrases":
        phrases = list(dict.fromkeys(entry.get("vague_phrases") or []))
        a, b = finding.span.start, finding.span.end
        hit = any(x < b and a < y for p in phrases for x, y in occurrences(text, p))
        if hit:
            rule.tp += 1
        else:
            rule.fp += 1
    # File-level rules in preview count once per file, as in ``score``.
    elif not rule.disagreements.count(entry["file"]):
        rule.disagreements.append(entry["file"])
        if FILE_LEVEL[family](entry):
            rule.tp += 1
        else:
            rule.fp += 1


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def report(
    scores: dict[str, Score],
    per_rule: dict[str, Score],
    title: str,
    files: int,
    details: bool = True,
) -> str:
    lines = [
        f"Promptwise rule quality on {title} ({files} labeled files)",
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
    hidden = sorted(preview_codes() & set(FAMILIES))
    if hidden:
        lines.append(
            f"in preview, so not counted in the families above (--preview counts them): "
            f"{', '.join(hidden)}"
        )
    lines.append(
        "precision per rule (span level for PW2xx, file level otherwise): "
        + ", ".join(
            f"{code} {fmt(r.precision).strip()} ({r.tp}/{r.tp + r.fp})"
            for code, r in per_rule.items()
            if r.tp + r.fp
        )
    )
    if not details:
        return "\n".join(lines) + "\n"
    for family in ORDER:
        s = scores[family]
        if not s.disagreements:
            continue
        lines += ["", f"## {family}: disagreements with the labels"]
        lines += [f"  {d}" for d in s.disagreements]
    return "\n".join(lines) + "\n"


def split_labels(folder: Path, split: str) -> list[dict[str, Any]]:
    """The adjudicated labels of one split of the quality corpus."""
    splits = {}
    with (folder / "sources.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            if row["set"] == "main":
                splits[row["file"]] = row["split"]
    final = yaml.safe_load((folder / "labels" / "final.yaml").read_text(encoding="utf-8"))
    return [e for e in final or [] if splits.get(e["file"]) == split]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "labeled",
        nargs="?",
        type=Path,
        help="one folder with prompt files and labels.yaml (default: every labeled set)",
    )
    parser.add_argument(
        "--split",
        choices=("shared", "dev", "test"),
        action="append",
        help="only these sets (repeatable): the shared corpus, or a split of bench/quality",
    )
    parser.add_argument(
        "--preview",
        action="store_true",
        help="count preview rules in the family numbers too",
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="list the disagreements of the test split too (never tune on them)",
    )
    args = parser.parse_args(argv)
    if args.labeled is not None:
        folder: Path = args.labeled
        labels_file = folder / "labels.yaml"
        if not labels_file.is_file():
            print(f"no labels.yaml in {folder}", file=sys.stderr)
            return 2
        labels = yaml.safe_load(labels_file.read_text(encoding="utf-8")) or []
        sys.stdout.write(report(*score(folder, labels, args.preview), str(folder), len(labels)))
        return 0
    wanted = args.split or ["shared", "dev", "test"]
    status = 0
    for name in wanted:
        if name == "shared":
            if not (SHARED_LABELED / "labels.yaml").is_file():
                print(f"skipped shared: no labels.yaml in {SHARED_LABELED}", file=sys.stderr)
                continue
            labels = yaml.safe_load((SHARED_LABELED / "labels.yaml").read_text("utf-8")) or []
            sys.stdout.write(
                report(*score(SHARED_LABELED, labels, args.preview), "shared", len(labels))
            )
        else:
            labels = split_labels(QUALITY, name)
            missing = [e["file"] for e in labels if not (QUALITY / e["file"]).is_file()]
            if missing:
                print(
                    f"skipped {name}: {len(missing)} prompt files are not in {QUALITY} "
                    f"(e.g. {missing[0]}); rebuild them with bench/quality/collect.py "
                    "or set PROMPTWISE_QUALITY_CORPUS",
                    file=sys.stderr,
                )
                status = 2
                continue
            details = name == "dev" or args.details
            sys.stdout.write(
                report(
                    *score(QUALITY, labels, args.preview), f"the {name} split", len(labels), details
                )
            )
        sys.stdout.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
