"""References between prompt files: found, resolved inside the workspace, followed.

Every test builds a small workspace in ``tmp_path`` (with a ``.git`` folder,
so the workspace root is found as it would be in a repository) and reads
what ``promptwise.project`` makes of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptwise.analysis import analyze, analyze_text
from promptwise.config import Settings
from promptwise.document.parse import parse_document
from promptwise.project import composition
from promptwise.project.composition import compose
from promptwise.project.files import Project, Status, workspace_root
from promptwise.project.references import ReferenceKind, find_references, variable_at
from promptwise.rules.loader import load_rules
from promptwise.tokens.counter import count_document, encoding_for_name


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    composition.clear_cache()
    return tmp_path


def targets(path: Path) -> list[tuple[str, str, str]]:
    """(kind, target, the text the target span covers) for each reference."""
    doc = parse_document(path.read_text(encoding="utf-8"), str(path))
    return [
        (r.kind.value, r.target, doc.text[r.target_span.start : r.target_span.end])
        for r in find_references(doc)
    ]


def test_markdown_links_are_file_links_only(repo: Path) -> None:
    path = write(
        repo,
        "review.prompt.md",
        "---\ndescription: Review\n---\n"
        "Follow [the guide](docs/guide.md#naming) and [spaced](<my notes.md>).\n"
        "Web: [site](https://example.com/a.md), [anchor](#scope), [mail](mailto:x@y.z).\n"
        "Code: `[not](inline.md)` and a placeholder [pr](<url>) and [t]({{file}}).\n"
        "```\n[fenced](fenced.md)\n```\n"
        "<!-- [hidden](hidden.md) -->\n"
        "Attach #file:src/app.py, then stop.\n"
        "[def]: docs/defined.md\n"
        "![diagram](img/flow.png)\n",
    )
    assert targets(path) == [
        ("link", "docs/guide.md", "docs/guide.md"),
        ("link", "my notes.md", "my notes.md"),
        ("copilot-file", "src/app.py", "src/app.py"),
        ("link", "docs/defined.md", "docs/defined.md"),
    ]


def test_included_means_sent_with_the_prompt(repo: Path) -> None:
    link = "See [notes](notes.md).\n"
    copilot = parse_document(link, str(repo / "a.prompt.md"))
    agents = parse_document(link, str(repo / "AGENTS.md"))
    assert [r.included for r in find_references(copilot)] == [True]
    assert [r.included for r in find_references(agents)] == [False]
    # `#file:` is Copilot syntax: in AGENTS.md it is just text.
    assert find_references(parse_document("Use #file:x.md\n", str(repo / "AGENTS.md"))) == ()


def test_partials_and_prompty_files(repo: Path) -> None:
    dotprompt = write(
        repo, "p/story.prompt", "---\nmodel: x\n---\n{{> header}} {{>sub/part a=1}}\n"
    )
    assert targets(dotprompt) == [
        ("partial", "header", "header"),
        ("partial", "sub/part", "sub/part"),
    ]
    prompty = write(
        repo,
        "p/q.prompty",
        "---\nmodel:\n  connection: ${file:conn.json}\n---\nuser:\n${file:not-frontmatter}\n",
    )
    assert targets(prompty) == [("file", "conn.json", "conn.json")]


def test_a_partial_is_found_in_the_prompts_folder_or_above(repo: Path) -> None:
    write(repo, "prompts/_header.prompt", "Header.\n")
    write(repo, "prompts/billing/_local.prompt", "Local.\n")
    write(repo, "prompts/sub/_part.prompt", "Part.\n")
    doc_path = repo / "prompts" / "billing" / "refund.prompt"
    doc = parse_document("{{> header}}{{> local}}{{> sub/part}}{{> nowhere}}", str(doc_path))
    project = Project(str(repo))
    found = [project.resolve(r, str(doc_path)) for r in find_references(doc)]
    assert [Path(f.path or "").relative_to(repo).as_posix() for f in found[:3]] == [
        "prompts/_header.prompt",
        "prompts/billing/_local.prompt",
        "prompts/sub/_part.prompt",
    ]
    assert found[3].status is Status.MISSING
    assert Path(found[3].path or "").name == "_nowhere.prompt"
    assert len(found[3].tried) == 3  # billing/, prompts/, the root


def test_nothing_outside_the_workspace_is_reached(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    secret = write(outside, "secret.md", "do not read")
    (repo / "docs").mkdir()
    os.symlink(secret, repo / "docs" / "linked.md")
    os.symlink(outside, repo / "docs" / "away")
    write(repo, "docs/real.md", "Real.\n")
    os.symlink(repo / "docs" / "real.md", repo / "docs" / "inside.md")
    project = Project(str(repo))
    folder = str(repo / "docs")
    assert project.locate("linked.md", folder).status is Status.OUTSIDE
    assert project.locate("away/secret.md", folder).status is Status.OUTSIDE
    assert project.locate(f"../../{outside.name}/secret.md", folder).status is Status.OUTSIDE
    assert project.locate("inside.md", folder).status is Status.FOUND
    assert project.locate("/docs/real.md", str(repo / "prompts")).status is Status.FOUND
    assert project.read(str(repo / "docs" / "linked.md")) is None
    assert project.read(str(repo / "docs" / "inside.md")) == "Real.\n"


def test_unsaved_editor_text_wins_over_the_disk(repo: Path) -> None:
    write(repo, "_part.prompt", "on disk\n")
    path = str(repo / "_part.prompt")
    assert Project(str(repo), {path: "in the editor"}).read(path) == "in the editor"
    unsaved = str(repo / "_new.prompt")
    assert Project(str(repo), {unsaved: "x"}).locate("_new.prompt", str(repo)).found


def test_workspace_root_is_the_repository(repo: Path) -> None:
    deep = write(repo, "a/b/c.prompt.md", "x")
    assert workspace_root(str(deep)) == str(repo)


def _count(doc: object) -> int:
    from promptwise.document.model import PromptDocument

    assert isinstance(doc, PromptDocument)
    return count_document(doc, encoding_for_name("gpt-4o")).total


def test_included_tokens_are_counted_and_added_to_the_cost(repo: Path) -> None:
    header = "You are a careful editor. Keep every answer under 120 words.\n"
    write(repo, "prompts/_header.prompt", "---\ndescription: not sent\n---\n" + header)
    text = "---\nmodel: gpt-4o\n---\n{{> header}}\nFix the grammar of {{text}}.\n"
    path = write(repo, "prompts/fix.prompt", text)
    doc = parse_document(text, str(path))
    alone = analyze(doc, Settings())
    composed = analyze(doc, Settings(), project=Project(str(repo)))
    header_tokens = _count(parse_document(header, "h.txt"))
    assert composed.included_tokens == header_tokens > 10
    assert composed.input_tokens == alone.tokens.total + header_tokens
    assert composed.cost is not None and alone.cost is not None
    assert composed.cost.input_tokens == alone.cost.input_tokens + header_tokens


def test_an_include_that_comes_back_is_a_cycle(repo: Path) -> None:
    write(repo, "_a.prompt", "A {{> b}}\n")
    write(repo, "_b.prompt", "B {{> c}}\n")
    write(repo, "_c.prompt", "C {{> a}}\n")
    write(repo, "outer.prompt", "Outer {{> a}}\n")
    project = Project(str(repo))
    a = parse_document("A {{> b}}\n", str(repo / "_a.prompt"))
    found = compose(a, project, _count)
    assert [Path(p).name for p in found.cycles[0].chain] == [
        "_a.prompt",
        "_b.prompt",
        "_c.prompt",
        "_a.prompt",
    ]
    assert found.cycles[0].lines == (1, 1)  # `{{> c}}` in _b, `{{> a}}` in _c
    result = analyze(a, Settings(), project=project)
    (finding,) = [f for f in result.findings if f.code == "PW021"]
    assert "_a.prompt → _b.prompt → _c.prompt → _a.prompt" in finding.message
    assert [(Path(r.path).name, r.line) for r in finding.related] == [
        ("_b.prompt", 1),
        ("_c.prompt", 1),
    ]
    outer = parse_document("Outer {{> a}}\n", str(repo / "outer.prompt"))
    assert compose(outer, project, _count).cycles == ()  # the loop is not through outer


def test_following_includes_is_linear_in_the_files(repo: Path) -> None:
    """A ladder where each level includes both files of the next has 2**depth
    paths; each file is still read and counted once."""

    def ladder(depth: int) -> int:
        root = repo / f"ladder{depth}"
        for level in range(depth):
            for side in "lr":
                nxt = f"{{{{> l{level + 1}}}}} {{{{> r{level + 1}}}}}" if level + 1 < depth else ""
                write(root, f"_{side}{level}.prompt", f"Level {level}. {nxt}\n")
        doc = parse_document("{{> l0}} {{> r0}}", str(root / "top.prompt"))
        counted = 0

        def count(d: object) -> int:
            nonlocal counted
            counted += 1
            return 1

        result = compose(doc, Project(str(repo)), count)
        assert not result.truncated
        return counted

    small, large = ladder(6), ladder(12)
    assert (small, large) == (12, 24)  # files, not the 2**12 paths through them


@pytest.mark.parametrize("code", ["PW020", "PW021"])
def test_the_rule_pages_examples_hold_on_disk(code: str, repo: Path) -> None:
    """PW02x read the files around a prompt: each page's example, written alone
    into a folder, fires the rule; the better version does not."""
    rule = next(r for r in load_rules().rules if r.code == code)

    def codes(text: str) -> list[str]:
        path = write(repo, rule.docs.filename, text)
        result = analyze_text(text, str(path), Settings(), project=Project(str(repo)))
        return [f.code for f in result.findings]

    assert code in codes(rule.docs.example)
    assert code not in codes(rule.docs.better)


def test_variable_at_groups_declaration_and_uses() -> None:
    text = (
        "---\ninputs:\n  question:\n    type: string\n---\nuser:\n{{question}} and {{ question }}\n"
    )
    doc = parse_document(text, "q.prompty")
    group = variable_at(doc, text.index("{{ question") + 4)
    assert group is not None and group.name == "question"
    assert [text[s.start : s.end] for s in group.spans] == ["question"] * 3
    assert len(group.declarations) == 1 and len(group.uses) == 2
    assert variable_at(doc, text.index("user")) is None


def test_kinds_are_stable() -> None:
    # The JSON output and the editor's document links name these.
    assert [k.value for k in ReferenceKind] == ["partial", "file", "link", "copilot-file"]


def test_a_picoschema_declaration_is_the_name_only() -> None:
    """Renaming `product` in `product?: string, the product` keeps the `?` and the type."""
    text = (
        "---\ninput:\n  schema:\n    product?: string, the product\n---\n"
        "{{#if product}}About {{product}}.{{/if}}\n"
    )
    doc = parse_document(text, "about.prompt")
    group = variable_at(doc, text.index("{{product") + 3)
    assert group is not None and len(group.declarations) == 1 and len(group.uses) == 2
    renamed = text
    for span in sorted(group.spans, reverse=True):
        renamed = renamed[: span.start] + "item" + renamed[span.end :]
    assert renamed == text.replace("product?:", "item?:").replace(
        "{{#if product}}About {{product}}", "{{#if item}}About {{item}}"
    )
