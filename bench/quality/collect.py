"""How the quality corpus in bench/quality was collected (kept as documentation).

Every prompt file in ``files/`` (the main set) and ``outside/`` (the set kept
apart for a later read-through of findings) was taken from a local snapshot
of a public repository, pinned to one commit, and written out byte for byte,
or, when the prompt lives inside a larger file (a CSV row, a YAML key, a
notebook cell), as that prompt's text alone, unchanged, with a locator naming
where it came from. Nothing here touches the network: the snapshots are git
directories that were brought onto the machine beforehand (``--mirrors``),
and files that were read one by one from a file index are copied from
``--pinned``, where they were saved with their commit.

Selection per source is mechanical so that it can be repeated: candidate
paths by pattern, a size window (prefer small and medium prompts), near
duplicates dropped (5-word shingles, Jaccard >= 0.6, the first in path order
stays), then a seeded shuffle and a cap so that no source dominates.

The split into dev and test is by source and is decided once, here: one of
the assignments of whole sources that balance file count and formats is
drawn with a fixed seed; it never looks at what any rule reports.

Run: ``python bench/quality/collect.py --mirrors /work/.mirror --pinned DIR``.
It is not run by the tests.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
# f/awesome-chatgpt-prompts: prompts.csv is read at the last commit whose
# snapshot still holds it; the .prompt.yml files at the newest commit.
CHATGPT_HEAD = "f14bb05f1f382166030420535a2fc0c84ff2bb05"
SEED = 14  # the issue that asked for this corpus
MAX_BYTES = 12_000
NEAR_DUP = 0.6


@dataclass
class Item:
    dest: str  # path under <set>/<slug>/
    source_path: str
    locator: str
    text: str


@dataclass
class Source:
    slug: str
    repo: str
    commit: str
    license: str
    license_path: str
    set: str  # "main" | "outside"
    pick: Callable[[Source, Path], list[Item]]
    cap: int
    pinned: bool = False  # files read one at a time from the file index
    commits: dict[str, str] = field(default_factory=dict)
    # Empty: the split is drawn by split_sources with the original 14 main
    # sources. The dev extension of 2026-12-06 forces its sources into "dev"
    # so that the drawn split, and so the test split, stays as it was.
    split: str = ""


# --------------------------------------------------------------------- git


# Only object-reading subcommands, with every program a repository's own
# configuration could name switched off: a snapshot is someone else's data.
_GIT = (
    "git",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.pager=cat",
    "--no-pager",
)


def git_dir(mirrors: Path, repo: str) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def ls_tree(gd: Path, commit: str) -> dict[str, int]:
    out = subprocess.run(
        [*_GIT, "--git-dir", str(gd), "ls-tree", "-r", "-l", "--end-of-options", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sizes: dict[str, int] = {}
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        size = meta.split()[3]
        if size != "-" and size.isdigit():
            sizes[path] = int(size)
    return sizes


def show(gd: Path, commit: str, path: str) -> str:
    data = subprocess.run(
        [*_GIT, "--git-dir", str(gd), "cat-file", "blob", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    ).stdout
    return data.decode("utf-8")


# --------------------------------------------------------------- selection


def shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def drop_near_duplicates(items: list[Item]) -> list[Item]:
    kept: list[Item] = []
    seen: list[set[str]] = []
    for item in sorted(items, key=lambda i: i.source_path + i.locator):
        sh = shingles(item.text)
        if any(len(sh & s) / max(1, len(sh | s)) >= NEAR_DUP for s in seen):
            continue
        kept.append(item)
        seen.append(sh)
    return kept


def sample(items: list[Item], cap: int, salt: str) -> list[Item]:
    items = drop_near_duplicates(items)
    rng = random.Random(f"{SEED}:{salt}")
    rng.shuffle(items)
    return sorted(items[:cap], key=lambda i: i.dest)


def files_matching(
    src: Source,
    gd: Path,
    pattern: str,
    exclude: str = r"$^",
    lo: int = 80,
    hi: int = MAX_BYTES,
    commit: str = "",
) -> list[tuple[str, int]]:
    rx, ex = re.compile(pattern), re.compile(exclude)
    return [
        (p, n)
        for p, n in sorted(ls_tree(gd, commit or src.commit).items())
        if rx.search(p) and not ex.search(p) and lo <= n <= hi
    ]


def whole_files(
    src: Source, gd: Path, paths: Iterable[str], name: Callable[[str], str]
) -> list[Item]:
    return [Item(name(p), p, "", show(gd, src.commit, p)) for p in paths]


def parts(path: str) -> list[str]:
    return path.split("/")


def unique_names(items: list[Item]) -> list[Item]:
    """Where two picks would share a file name, prefix the folder they came from."""
    names = Counter(i.dest for i in items)
    for item in items:
        if names[item.dest] > 1:
            folder = parts(item.source_path)[-3] if item.source_path.count("/") >= 2 else "x"
            head, _, tail = item.dest.rpartition("/")
            item.dest = (head + "/" if head else "") + f"{folder}-{tail}"
    return items


# ------------------------------------------------------------ the sources


def pick_fabric(src: Source, gd: Path) -> list[Item]:
    # data/patterns/<name>/system.md: a markdown-flavoured plain prompt; the
    # user's text is appended after it, so it is saved as plain text.
    paths = [p for p, _ in files_matching(src, gd, r"^data/patterns/[^/]+/system\.md$")]
    return whole_files(src, gd, paths, lambda p: parts(p)[-2] + ".txt")


def pick_semantic_kernel(src: Source, gd: Path) -> list[Item]:
    paths = [p for p, _ in files_matching(src, gd, r"/skprompt\.txt$", r"[Tt]est", lo=60)]
    return whole_files(src, gd, paths, lambda p: "-".join(parts(p)[-3:-1]) + ".txt")


def pick_promptflow(src: Source, gd: Path) -> list[Item]:
    # Prompty files and the Jinja2 prompt templates of the example flows;
    # the "-maf" folders repeat other examples and are skipped.
    paths = [
        p
        for p, _ in files_matching(
            src, gd, r"^examples/.*\.(prompty|jinja2)$", r"-maf/|/tests?/|hello\.jinja2$", lo=100
        )
    ]

    def name(p: str) -> str:
        flow, base = parts(p)[-2], parts(p)[-1]
        return f"{flow}-{base}"

    return whole_files(src, gd, paths, name)


def pick_genkit(src: Source, gd: Path) -> list[Item]:
    paths = [p for p, _ in files_matching(src, gd, r"\.prompt$", r"/tests?/|\.guides/", lo=60)]

    def name(p: str) -> str:
        bits = parts(p)
        lang = bits[0]
        app = bits[2] if len(bits) > 3 else bits[1]
        return f"{lang}-{app}-{bits[-1]}"

    return whole_files(src, gd, paths, name)


def pick_cursorrules(src: Source, gd: Path) -> list[Item]:
    paths = [p for p, _ in files_matching(src, gd, r"^rules/[^/]+\.mdc$", lo=200)]
    return whole_files(src, gd, paths, lambda p: parts(p)[-1])


ENGLISH = frozenset("the and to of a you your is in for with that this be are on as or it".split())


def english(text: str) -> bool:
    """Most rows are English; the label criteria are written for English."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    return bool(words) and sum(w in ENGLISH for w in words) >= 0.08 * len(words)


def pick_chatgpt_prompts(src: Source, gd: Path) -> list[Item]:
    # prompts.csv: one row is one prompt (act, prompt, for_devs, type, ...).
    # Rows are sampled per type so that image and structured prompts appear.
    text = show(gd, src.commit, "prompts.csv")
    csv.field_size_limit(10**8)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_type: dict[str, list[Item]] = {}
    used: set[str] = set()
    for i, row in enumerate(rows, start=2):
        body = row["prompt"]
        if not 80 <= len(body.encode()) <= MAX_BYTES or not english(body):
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", row["act"].lower()).strip("-")[:60] or f"row{i}"
        if slug in used:
            slug = f"{slug}-{i}"
        used.add(slug)
        item = Item(f"{slug}.txt", "prompts.csv", f"row {i} (act={row['act']!r})", body)
        by_type.setdefault(row["type"], []).append(item)
    quota = {"IMAGE": 10, "STRUCTURED": 8, "TEXT": 25}
    out: list[Item] = []
    for kind, items in sorted(by_type.items()):
        out += sample(items, quota.get(kind, 0), f"{src.slug}:{kind}")
    # The site's own GitHub Models prompt files (chat messages in YAML), all
    # of them, from the newest snapshot (the CSV is absent there: too large).
    for path, _ in files_matching(src, gd, r"\.prompt\.yml$", commit=CHATGPT_HEAD):
        dest = parts(path)[-1]
        src.commits[dest] = CHATGPT_HEAD
        out.append(Item(dest, path, "", show(gd, CHATGPT_HEAD, path)))
    return out


def pick_gh_models(src: Source, gd: Path) -> list[Item]:
    # Example prompt files of the gh models CLI: chat messages in YAML.
    out = []
    for path, _ in files_matching(src, gd, r"^examples/[^/]+\.ya?ml$"):
        text = show(gd, src.commit, path)
        if re.search(r"^messages:", text, re.M):
            out.append(Item(parts(path)[-1], path, "", text))
    return out


def pick_continue(src: Source, gd: Path) -> list[Item]:
    paths = [
        p
        for p, _ in files_matching(
            src,
            gd,
            r"^\.continue/(prompts/.*\.prompt|rules/.*\.md)$|(^|/)(SKILL|AGENTS|CLAUDE)\.md$",
            r"/tests?/|node_modules",
            lo=100,
        )
    ]

    def name(p: str) -> str:
        base = parts(p)[-1]
        if base in ("SKILL.md", "AGENTS.md", "CLAUDE.md"):
            return "/".join(parts(p)[-2:])  # keep the name that marks the format
        return base

    return whole_files(src, gd, paths, name)


def pick_vscode_copilot_chat(src: Source, gd: Path) -> list[Item]:
    paths = [
        p
        for p, _ in files_matching(
            src,
            gd,
            r"\.(prompt|instructions|agent|chatmode)\.md$|(^|/)(SKILL|AGENTS|copilot-instructions)\.md$",
            r"/test/|/fixtures?/",
            lo=100,
            hi=18_000,
        )
    ]

    def name(p: str) -> str:
        base = parts(p)[-1]
        if base == "SKILL.md":
            return parts(p)[-2] + ".skill.md"
        if base in ("AGENTS.md", "copilot-instructions.md"):
            return "/".join(parts(p)[-2:]) if base == "AGENTS.md" else base
        return base

    return whole_files(src, gd, paths, name)


def pick_prompty(src: Source, gd: Path) -> list[Item]:
    paths = [p for p, _ in files_matching(src, gd, r"\.prompty$", r"/tests?/", lo=100)]
    return whole_files(src, gd, paths, lambda p: "-".join(parts(p)[-2:]))


def pick_anthropic_skills(src: Source, gd: Path) -> list[Item]:
    # Only skills whose own LICENSE.txt is Apache-2.0 (the document skills
    # are source-available, not open, and are left out).
    tree = ls_tree(gd, src.commit)
    out: list[Item] = []
    for path in sorted(tree):
        m = re.match(r"^skills/([^/]+)/SKILL\.md$", path)
        if not m or tree[path] > 16_000:
            continue
        lic = f"skills/{m.group(1)}/LICENSE.txt"
        if lic in tree and "Apache License" in show(gd, src.commit, lic)[:400]:
            out.append(Item(f"{m.group(1)}.skill.md", path, "", show(gd, src.commit, path)))
    return out


def pick_steipete(src: Source, gd: Path) -> list[Item]:
    paths = [p for p, _ in files_matching(src, gd, r"^(project-rules|global-rules)/.*\.mdc$")]
    return whole_files(src, gd, paths, lambda p: parts(p)[-1])


def pick_instructa(src: Source, gd: Path) -> list[Item]:
    paths = [p for p, _ in files_matching(src, gd, r"^prompts/[^/]+/[^/]+\.md$", lo=200)]
    return whole_files(src, gd, paths, lambda p: "-".join(parts(p)[-2:]))


def pick_openai_evals(src: Source, gd: Path) -> list[Item]:
    # Model-graded eval specs: the grader prompt under <name>.prompt is a
    # plain string (a classification with fixed choice strings).
    out: list[Item] = []
    for path, _ in files_matching(src, gd, r"^evals/registry/modelgraded/[^/]+\.yaml$", lo=100):
        spec = yaml.safe_load(show(gd, src.commit, path))
        for key, body in spec.items():
            prompt = body.get("prompt") if isinstance(body, dict) else None
            if isinstance(prompt, str) and len(prompt) >= 150:
                out.append(Item(f"{key}.txt", path, f"{key}.prompt", prompt))
    return out


# ------------------------------------------- dev extension (2026-12-06)
# Sources added later to the dev split only, chosen for the task kinds the
# dev split lacked (classification, extraction and transformation prompts of
# the plain kind used in LLM applications), never by any rule's output.


def yaml_string(text: str, key: str) -> str | None:
    """The string under a top-level key of a YAML file, as a safe loader reads it."""
    data = yaml.safe_load(text)
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def module_constants(text: str) -> list[tuple[str, str]]:
    """Module-level ``NAME = "<one string literal>"`` assignments of a Python file.

    Only a constant whose value occurs verbatim inside its literal's source
    text is kept, so the saved prompt is a byte-exact slice of the file (no
    escape sequence or implicit concatenation was resolved to produce it).
    """
    out: list[tuple[str, str]] = []
    for node in ast.parse(text).body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue
        segment = ast.get_source_segment(text, node.value) or ""
        if node.value.value and node.value.value in segment:
            out.append((node.targets[0].id, node.value.value))
    return out


def pick_prompthub(src: Source, gd: Path) -> list[Item]:
    # prompts/<name>.yaml: a prompt card; the prompt is the string under
    # "text" (the .md files beside them describe the cards).
    out: list[Item] = []
    for path, _ in files_matching(src, gd, r"^prompts/[^/]+\.yaml$", lo=100):
        body = yaml_string(show(gd, src.commit, path), "text")
        if body is not None and len(body.encode()) >= 60:
            name = parts(path)[-1].removesuffix(".yaml").removeprefix("deepset-")
            out.append(Item(f"{name}.txt", path, "text", body))
    return out


def pick_kernel_memory(src: Source, gd: Path) -> list[Item]:
    # Plain-text prompts of the service (answers from facts, summaries) and
    # of its evaluation tool (graders, extraction, synthetic questions,
    # translation): every .txt under a Prompts folder.
    paths = [
        p for p, _ in files_matching(src, gd, r"/Prompts/(.+/)?[^/]+\.txt$", r"/tests?/", lo=100)
    ]
    return whole_files(src, gd, paths, lambda p: parts(p)[-1])


def pick_jinja_templates(src: Source, gd: Path) -> list[Item]:
    # The Jinja prompt templates a library ships for its tasks (named entities,
    # relations, text categories, sentiment, summaries, translation, SQL, ...).
    paths = [
        p for p, _ in files_matching(src, gd, r"/templates/[^/]+\.jinja2?$", r"/tests?/", lo=100)
    ]
    return whole_files(src, gd, paths, lambda p: parts(p)[-1])


def pick_graphrag(src: Source, gd: Path) -> list[Item]:
    # graphrag keeps each prompt as a module-level string constant in
    # graphrag/prompts/ (indexing and query) and prompt_tune/prompt/.
    out: list[Item] = []
    for path, _ in files_matching(
        src, gd, r"/graphrag/(prompts|prompt_tune/prompt)/.+\.py$", r"__init__\.py$", lo=100
    ):
        for name, body in module_constants(show(gd, src.commit, path)):
            if 150 <= len(body.encode()) <= MAX_BYTES:
                out.append(Item(f"{name.lower()}.txt", path, name, body))
    return out


def pick_teams_ai(src: Source, gd: Path) -> list[Item]:
    # skprompt.txt files of the Teams AI library's samples (JS, Python, C#
    # versions of the same bots repeat each other; near duplicates go).
    paths = [
        p for p, _ in files_matching(src, gd, r"/skprompt\.txt$", r"/tests?/|[Tt]ests?/", lo=100)
    ]

    def name(p: str) -> str:
        # <lang>/samples/[<group>/]<sample>/[src/]prompts/<prompt>/skprompt.txt
        bits = parts(p)
        at = [b.lower() for b in bits].index("prompts")
        sample = bits[at - 2] if bits[at - 1] == "src" else bits[at - 1]
        return f"{bits[0]}-{sample.split('.')[-1]}-{bits[-2].lower()}.txt"

    return whole_files(src, gd, paths, name)


def pick_azureai_samples(src: Source, gd: Path) -> list[Item]:
    # Prompty files, Jinja2 system messages and plain prompt files of the
    # Azure AI samples (RAG chat, intent mapping, simulators, assistants).
    paths = [
        p
        for p, _ in files_matching(
            src,
            gd,
            r"^scenarios/.*(\.prompty|\.jinja2|/prompts/[^/]+\.txt)$",
            r"/tests?/",
            lo=100,
        )
    ]
    return whole_files(src, gd, paths, lambda p: "-".join(parts(p)[-2:]))


class _TaggedLoader(yaml.SafeLoader):
    """A safe loader that reads any local tag (``!Template``) as a plain mapping."""


_TaggedLoader.add_multi_constructor(
    "!", lambda loader, _suffix, node: loader.construct_mapping(node, deep=True)
)


def pick_promptsource(src: Source, gd: Path) -> list[Item]:
    # promptsource/templates/<dataset>[/<subset>]/templates.yaml: each
    # template's "jinja" string is one prompt (input, then "|||" and the
    # target the model should produce). English templates only, since the
    # label criteria are written for English.
    out: list[Item] = []
    for path, _ in files_matching(
        src, gd, r"^promptsource/templates/.+/templates\.yaml$", hi=400_000
    ):
        # _TaggedLoader is a SafeLoader: it builds only plain data.
        data = yaml.load(show(gd, src.commit, path), Loader=_TaggedLoader)
        dataset = "-".join(parts(path)[2:-1])
        for key, tpl in sorted((data.get("templates") or {}).items()):
            body = tpl.get("jinja") if isinstance(tpl, dict) else None
            meta = tpl.get("metadata") if isinstance(tpl, dict) else None
            langs = meta.get("languages") if isinstance(meta, dict) else None
            if not isinstance(body, str) or langs != ["en"]:
                continue
            if not 100 <= len(body.encode()) <= MAX_BYTES:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", str(tpl.get("name", key)).lower()).strip("-")
            out.append(Item(f"{dataset}-{slug[:50]}.txt", path, f"templates.{key}.jinja", body))
    return out


# The pinned files (read one by one from the file index, with their commit).
def pick_pinned(src: Source, pinned: Path) -> list[Item]:
    manifest = json.loads((pinned / src.slug / "manifest.json").read_text())
    out = []
    for entry in manifest:
        text = (pinned / src.slug / entry["dest"]).read_text(encoding="utf-8")
        src.commits[entry["dest"]] = entry["commit"]
        out.append(Item(entry["dest"], entry["source_path"], entry.get("locator", ""), text))
    return out


SOURCES = [
    # ----- main set
    Source(
        "fabric",
        "danielmiessler/fabric",
        "272f04dd3278f99bee49e94a7747b54708745a5d",
        "MIT",
        "LICENSE",
        "main",
        pick_fabric,
        45,
    ),
    Source(
        "semantic-kernel",
        "microsoft/semantic-kernel",
        "b39d95a34435f4c1d55dd00c86120ce118d847e1",
        "MIT",
        "LICENSE",
        "main",
        pick_semantic_kernel,
        40,
    ),
    Source(
        "promptflow",
        "microsoft/promptflow",
        "6e76ef49beda52187d8ae38d710632cfeabedde4",
        "MIT",
        "LICENSE",
        "main",
        pick_promptflow,
        40,
    ),
    Source(
        "genkit",
        "firebase/genkit",
        "77656d5e61e56fc33eaceea88de58f32dbdf074f",
        "Apache-2.0",
        "LICENSE",
        "main",
        pick_genkit,
        40,
    ),
    Source(
        "awesome-cursorrules",
        "PatrickJS/awesome-cursorrules",
        "b044f956f021b6e8877f16781bcfc466a6a120e9",
        "CC0-1.0",
        "LICENSE",
        "main",
        pick_cursorrules,
        40,
    ),
    Source(
        "awesome-chatgpt-prompts",
        "f/awesome-chatgpt-prompts",
        "50a97c072933c93c76cc0714e9dd4c4cf1d80ae7",
        "CC0-1.0",
        "LICENSE",
        "main",
        pick_chatgpt_prompts,
        50,
    ),
    Source(
        "continue",
        "continuedev/continue",
        "d0a3c0b626b5bebc3bef4742eec05a0242be0bab",
        "Apache-2.0",
        "LICENSE",
        "main",
        pick_continue,
        30,
    ),
    Source(
        "vscode-copilot-chat",
        "microsoft/vscode-copilot-chat",
        "31acd00a86424e2ee6e980e54919cf31fbf88030",
        "MIT",
        "LICENSE.txt",
        "main",
        pick_vscode_copilot_chat,
        30,
    ),
    Source(
        "contoso-chat",
        "Azure-Samples/contoso-chat",
        "028921fe3209db3216075d34ced6c109de132533",
        "MIT",
        "LICENSE",
        "main",
        pick_prompty,
        30,
    ),
    Source(
        "contoso-creative-writer",
        "Azure-Samples/contoso-creative-writer",
        "cf6387c349f100f8fd7ba6a48ba86f3b3952ccf8",
        "MIT",
        "LICENSE",
        "main",
        pick_prompty,
        30,
    ),
    Source(
        "anthropic-skills",
        "anthropics/skills",
        "9d2f1ae187231d8199c64b5b762e1bdf2244733d",
        "Apache-2.0",
        "skills/mcp-builder/LICENSE.txt",
        "main",
        pick_anthropic_skills,
        30,
    ),
    Source(
        "genkit-samples",
        "genkit-ai/samples",
        "b621e9f6ec735dab3733c034b49539766f921083",
        "Apache-2.0",
        "LICENSE",
        "main",
        pick_genkit,
        10,
    ),
    Source(
        "gh-models",
        "github/gh-models",
        "f38cd97dc0417a116879b5a6dedec0c8753cad4b",
        "MIT",
        "LICENSE.txt",
        "main",
        pick_gh_models,
        20,
    ),
    Source(
        "promptfoo",
        "promptfoo/promptfoo",
        "",
        "MIT",
        "LICENSE",
        "main",
        lambda s, g: [],
        40,
        pinned=True,
    ),
    # ----- outside set
    Source(
        "agent-rules",
        "steipete/agent-rules",
        "d0070fac6c4b67dec418564d381adbe7c9f4ba73",
        "MIT",
        "LICENSE",
        "outside",
        pick_steipete,
        40,
    ),
    Source(
        "ai-prompts",
        "instructa/ai-prompts",
        "71a75d379f55e60a1a8ea177ef144e7a3b165a9c",
        "MIT",
        "LICENSE",
        "outside",
        pick_instructa,
        72,
    ),
    Source(
        "openai-evals",
        "openai/evals",
        "4bfc1f58a821685acb40bb28ba54131740535046",
        "MIT",
        "LICENSE.md",
        "outside",
        pick_openai_evals,
        30,
    ),
    # ----- dev extension (2026-12-06): main set, forced into dev
    Source(
        "prompthub",
        "deepset-ai/prompthub",
        "51ef3e9a217c469c1e68d63ccc7c41a8b5ca5dd1",
        "Apache-2.0",
        "LICENSE",
        "main",
        pick_prompthub,
        30,
        split="dev",
    ),
    Source(
        "kernel-memory",
        "microsoft/kernel-memory",
        "94b69d340d6b2dec7bd30479927c36b9f8d4913f",
        "MIT",
        "LICENSE",
        "main",
        pick_kernel_memory,
        30,
        split="dev",
    ),
    Source(
        "spacy-llm",
        "explosion/spacy-llm",
        "99ac9229eb1cf6fda2775af702b61d9f8ad33077",
        "MIT",
        "LICENSE",
        "main",
        pick_jinja_templates,
        30,
        split="dev",
    ),
    Source(
        "promptify",
        "promptslab/Promptify",
        "bc5ed081a7a4d7be90e798dd48c324fd4c57bd2a",
        "Apache-2.0",
        "LICENSE",
        "main",
        pick_jinja_templates,
        30,
        split="dev",
    ),
    Source(
        "graphrag",
        "microsoft/graphrag",
        "6dad6d2b059589624035714d8dcfde94ecc0a5fb",
        "MIT",
        "LICENSE",
        "main",
        pick_graphrag,
        30,
        split="dev",
    ),
    Source(
        "teams-ai",
        "microsoft/teams-ai",
        "ec81697683d8aff00746303bb5e19e46b93b78eb",
        "MIT",
        "LICENSE",
        "main",
        pick_teams_ai,
        30,
        split="dev",
    ),
    Source(
        "promptsource",
        "bigscience-workshop/promptsource",
        "7dab96a3eeb3717cea633705135ebc488885d709",
        "Apache-2.0",
        "LICENSE",
        "main",
        pick_promptsource,
        25,
        split="dev",
    ),
    Source(
        "azureai-samples",
        "Azure-Samples/azureai-samples",
        "5a62b26f1b1fe78d4708d7c543ada2f98dfa8c2e",
        "MIT",
        "LICENSE",
        "main",
        pick_azureai_samples,
        30,
        split="dev",
    ),
]


# ------------------------------------------------------------- the split


def split_sources(counts: dict[str, Counter[str]]) -> dict[str, str]:
    """Assign every main source to dev or test, once.

    Every assignment of whole sources is considered; the acceptable ones put
    every format in both splits and keep the two splits within 5% of the
    files of each other. One of them is drawn with a fixed seed. Nothing about
    the prompts' content or any rule's output enters the choice.
    """
    slugs = sorted(counts)
    total = sum(sum(c.values()) for c in counts.values())
    formats = set().union(*counts.values())
    ok: list[int] = []
    for mask in range(1 << len(slugs)):
        dev: Counter[str] = Counter()
        test: Counter[str] = Counter()
        for i, slug in enumerate(slugs):
            (dev if mask >> i & 1 else test).update(counts[slug])
        n_dev, n_test = sum(dev.values()), sum(test.values())
        if abs(n_dev - n_test) > 0.05 * total:
            continue
        if all(dev[f] and test[f] for f in formats):
            ok.append(mask)
    chosen = random.Random(f"{SEED}:split").choice(ok)
    print(f"split: {len(ok)} acceptable assignments of {1 << len(slugs)}; drew {chosen}")
    return {slug: "dev" if chosen >> i & 1 else "test" for i, slug in enumerate(slugs)}


# ------------------------------------------------------------------ main


def detect(path: str, text: str) -> str:
    """The format Promptwise assigns by name, then by content (nothing else is run)."""
    sys.path.insert(0, str(HERE.parent.parent / "server"))
    from promptwise.document.detect import detect_format

    return detect_format(path, text).value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", type=Path, required=True)
    ap.add_argument("--pinned", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()

    records: list[dict[str, str]] = []
    for sub in ("files", "outside", "LICENSES"):
        shutil.rmtree(args.out / sub, ignore_errors=True)
    for src in SOURCES:
        if src.pinned:
            items = sample(pick_pinned(src, args.pinned), src.cap, src.slug)
            lic = (args.pinned / src.slug / src.license_path).read_text()
        else:
            gd = git_dir(args.mirrors, src.repo)
            items = src.pick(src, gd)
            if src.slug != "awesome-chatgpt-prompts":
                items = sample(items, src.cap, src.slug)
            lic = show(gd, src.commit, src.license_path)
        (args.out / "LICENSES").mkdir(parents=True, exist_ok=True)
        (args.out / "LICENSES" / f"{src.slug}.txt").write_text(lic, encoding="utf-8")
        root = "files" if src.set == "main" else "outside"
        items = unique_names(items)
        names = Counter(i.dest for i in items)
        assert all(n == 1 for n in names.values()), (src.slug, names.most_common(3))
        for item in items:
            rel = f"{root}/{src.slug}/{item.dest}"
            dest = args.out / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(item.text, encoding="utf-8", newline="")
            records.append(
                {
                    "file": rel,
                    "set": src.set,
                    "source_repo": src.repo,
                    "commit": src.commits.get(item.dest, src.commit),
                    "source_path": item.source_path,
                    "locator": item.locator,
                    "license": src.license,
                    "format": detect(rel, item.text),
                }
            )

    # The split is drawn over the original main sources only; the sources of
    # the dev extension carry their split and do not take part in the draw.
    forced = {src.slug: src.split for src in SOURCES if src.split}
    counts: dict[str, Counter[str]] = {}
    for r in records:
        slug = r["file"].split("/")[1]
        if r["set"] == "main" and slug not in forced:
            counts.setdefault(slug, Counter())[r["format"]] += 1
    split = split_sources(counts) | forced
    with open(args.out / "sources.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            slug = r["file"].split("/")[1]
            r["split"] = split[slug] if r["set"] == "main" else "outside"
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    per = Counter((r["set"], r["file"].split("/")[1], r["split"]) for r in records)
    for (s, slug, sp), n in sorted(per.items()):
        print(f"{s:8} {slug:26} {sp:8} {n}")


if __name__ == "__main__":
    main()
