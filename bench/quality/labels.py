"""Annotator agreement and the adjudicated labels of the quality corpus.

    python bench/quality/labels.py agreement      # per family, per split
    python bench/quality/labels.py disagreements  # what the adjudicator decides
    python bench/quality/labels.py merge          # write labels/final.yaml

Two annotators label every main file blind (``labels/annotator-a.yaml``,
``labels/annotator-b.yaml``), each seeing only the criteria of
``shared/corpus/README.md`` and the file. Where their labels would score a
file differently, an adjudicator decides and writes the reason
(``labels/adjudicated.yaml``); ``final.yaml`` is annotator A's labels with
every adjudicated field applied, and is what ``bench/quality.py`` scores
against. Agreement is measured on what the scores use: each family's
file-level truth value (Cohen's kappa and raw agreement) and, for vague
phrases, the overlap of the two phrase sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels"
STRUCTURED = ("classification", "extraction", "transformation")
Entry = dict[str, Any]

FAMILIES: dict[str, Callable[[Entry], bool]] = {
    "missing examples": lambda e: bool(e["examples_needed"]) and not e["examples_present"],
    "edge cases": lambda e: bool(e["takes_input"]) and not e["edge_cases_handled"],
    "output format": lambda e: e["task_kind"] in STRUCTURED and not e["output_format_specified"],
    "fallback label": lambda e: e.get("fallback_label_present") is False,
}
# The fields each family's truth value reads: an adjudication settles these.
FAMILY_FIELDS: dict[str, tuple[str, ...]] = {
    "missing examples": ("examples_needed", "examples_present"),
    "edge cases": ("takes_input", "edge_cases_handled"),
    "output format": ("task_kind", "output_format_specified"),
    "fallback label": ("task_kind", "fallback_label_present"),
}
FIELDS = (
    "task_kind",
    "takes_input",
    "examples_present",
    "examples_needed",
    "output_format_specified",
    "edge_cases_handled",
    "fallback_label_present",
    "vague_phrases",
)


def load(name: str) -> dict[str, Entry]:
    path = LABELS / name
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out: dict[str, Entry] = {}
    for entry in data:
        if entry["file"] in out:
            raise SystemExit(f"{path}: {entry['file']} is labeled twice")
        out[entry["file"]] = entry
    return out


def splits() -> dict[str, str]:
    rows = [json.loads(line) for line in (HERE / "sources.jsonl").open(encoding="utf-8")]
    return {r["file"]: r["split"] for r in rows if r["set"] == "main"}


def kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa for two raters' yes/no answers; None when it is undefined."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def phrase_set(entry: Entry) -> set[str]:
    return {str(p).strip().lower() for p in entry.get("vague_phrases") or []}


def agreement(a: Mapping[str, Entry], b: Mapping[str, Entry], files: Iterable[str]) -> list[str]:
    files = [f for f in files if f in a and f in b]
    lines = [f"{'family':<17} {'files':>5} {'agree':>6} {'kappa':>6}  (A yes / B yes)"]
    for family, truth in FAMILIES.items():
        pairs = [(truth(a[f]), truth(b[f])) for f in files]
        k = kappa(pairs)
        raw = sum(x == y for x, y in pairs) / len(pairs) if pairs else 0.0
        yes_a, yes_b = sum(x for x, _ in pairs), sum(y for _, y in pairs)
        ks = "   n/a" if k is None else f"{k:6.2f}"
        lines.append(f"{family:<17} {len(pairs):>5} {raw:6.2f} {ks}  ({yes_a} / {yes_b})")
    both = only_a = only_b = 0
    overlap_a = overlap_b = total_a = total_b = 0
    for f in files:
        pa, pb = phrase_set(a[f]), phrase_set(b[f])
        both += len(pa & pb)
        only_a += len(pa - pb)
        only_b += len(pb - pa)
        # Span scoring counts overlaps, so "concise" and "be concise" meet.
        overlap_a += sum(any(p in q or q in p for q in pb) for p in pa)
        overlap_b += sum(any(p in q or q in p for q in pa) for p in pb)
        total_a, total_b = total_a + len(pa), total_b + len(pb)
    union = both + only_a + only_b
    jaccard = both / union if union else 1.0
    lines.append(
        f"{'vague phrases':<17} {len(files):>5} {jaccard:6.2f}    -   "
        f"(both {both}, only A {only_a}, only B {only_b}; agree = shared / all phrases)"
    )
    if total_a and total_b:
        ra, rb = overlap_a / total_a, overlap_b / total_b
        lines.append(
            f"{'  overlapping':<17} {len(files):>5} {2 * ra * rb / (ra + rb or 1):6.2f}    -   "
            f"(A's phrases B also marked {ra:.2f}, B's that A marked {rb:.2f}; agree = F1)"
        )
    kinds = sum(a[f]["task_kind"] == b[f]["task_kind"] for f in files)
    lines.append(f"{'task kind':<17} {len(files):>5} {kinds / max(1, len(files)):6.2f}")
    return lines


def disagreements(a: Mapping[str, Entry], b: Mapping[str, Entry]) -> list[Entry]:
    """One record per file whose two labelings would score it differently."""
    out: list[Entry] = []
    for name in a:
        if name not in b:
            continue
        ea, eb = a[name], b[name]
        families = [fam for fam, truth in FAMILIES.items() if truth(ea) != truth(eb)]
        fields = sorted({fld for fam in families for fld in FAMILY_FIELDS[fam]})
        fields = [fld for fld in fields if ea.get(fld) != eb.get(fld)]
        pa, pb = phrase_set(ea), phrase_set(eb)
        if not fields and pa == pb:
            continue
        record: Entry = {"file": name, "families": families}
        for fld in fields:
            record[fld] = {"A": ea.get(fld), "B": eb.get(fld)}
        if pa != pb:
            record["vague_phrases"] = {
                "both": sorted(pa & pb),
                "only_A": sorted(p for p in ea.get("vague_phrases") or [] if p.lower() not in pb),
                "only_B": sorted(p for p in eb.get("vague_phrases") or [] if p.lower() not in pa),
            }
        record["notes"] = {"A": ea.get("notes", ""), "B": eb.get("notes", "")}
        out.append(record)
    return out


def merge(a: Mapping[str, Entry], adjudicated: Mapping[str, Entry]) -> list[Entry]:
    """A's labels with every adjudicated decision applied.

    An adjudication entry names the fields it decides (``decided``: a mapping
    of field to value, ``vague_phrases`` being the final list) and gives its
    ``reason``.
    """
    final: list[Entry] = []
    for name, entry in a.items():
        merged = {k: entry[k] for k in ("file", *FIELDS)}
        decision = adjudicated.get(name)
        if decision is not None:
            for field, value in (decision.get("decided") or {}).items():
                if field not in FIELDS:
                    raise SystemExit(f"adjudicated.yaml: {name}: unknown field {field!r}")
                merged[field] = value
            merged["adjudicated"] = str(decision.get("reason", "")).strip()
        final.append(merged)
    return final


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("command", choices=("agreement", "disagreements", "merge"))
    args = parser.parse_args(argv)
    a, b = load("annotator-a.yaml"), load("annotator-b.yaml")
    split_of = splits()
    missing = sorted(set(split_of) - set(a)) + sorted(set(split_of) - set(b))
    if missing:
        print(f"{len(missing)} main files lack a label, e.g. {missing[0]}", file=sys.stderr)
    if args.command == "agreement":
        for split in ("dev", "test", "all"):
            files = [f for f, s in split_of.items() if split in ("all", s)]
            print(f"## {split} ({len(files)} files)")
            print("\n".join(agreement(a, b, files)))
            print()
    elif args.command == "disagreements":
        yaml.safe_dump(disagreements(a, b), sys.stdout, sort_keys=False, allow_unicode=True)
    else:
        adjudicated = {
            e["file"]: e
            for e in yaml.safe_load((LABELS / "adjudicated.yaml").read_text(encoding="utf-8")) or []
        }
        final = merge(a, adjudicated)
        with (LABELS / "final.yaml").open("w", encoding="utf-8") as out:
            out.write("# Generated by `python bench/quality/labels.py merge`; do not edit.\n")
            for entry in final:
                out.write("- " + json.dumps(entry, ensure_ascii=False) + "\n")
        print(f"wrote {len(final)} labels to {LABELS / 'final.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
