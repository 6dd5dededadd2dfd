"""A repository cannot make Promptwise run a program through git.

Each vector below is a real repository whose own configuration or committed
attributes name a script; the script only writes a marker file. `diff`,
`check --new-only`, `check --budget-delta` and the editor's delta lens then
run over the repository, and the marker must not appear. The commands must
still work: a modified prompt file is reported with its real numbers.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from promptwise.tokens.counter import count_text
from tests.conftest import source_env
from tests.lsp.conftest import open_file, session

ENV = source_env()

BASE = "---\nmodel:\n  id: gpt-4o\n---\nsystem:\nAnswer in at most 3 sentences.\n"
EDITED = BASE + "Quote the refund policy word for word when a customer asks about refunds.\n"
HOOKS = (
    "post-index-change",
    "reference-transaction",
    "post-checkout",
    "post-merge",
    "pre-commit",
    "pre-auto-gc",
    "fsmonitor-watchman",
    "post-rewrite",
)
PROGRAM_SUBCOMMANDS = (
    "diff",
    "status",
    "rev-parse",
    "cat-file",
    "ls-tree",
    "ls-files",
    "merge-base",
    "symbolic-ref",
    "hash-object",
    "fetch",
)


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


class Hostile:
    """A repository, the scripts it names and the marker they would write."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "repo"
        self.marker = tmp_path / "MARKER"
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        # A filter or pager must pass its input through; a tool just fails.
        self.filter = self._script(bin_dir / "filter.sh", 'cat "$@"')
        self.tool = self._script(bin_dir / "tool.sh", "exit 1")
        self.root.mkdir()
        git(self.root, "init", "-q", "-b", "main")
        git(self.root, "config", "user.email", "t@example.com")
        git(self.root, "config", "user.name", "Test")
        (self.root / "promptwise.yaml").write_text("calls_per_day: 1000\n")
        (self.root / "a.prompty").write_text(BASE)
        (self.root / "b.prompty").write_text(BASE)

    def _script(self, path: Path, tail: str) -> str:
        path.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{self.marker}'\n{tail}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return str(path)

    def attributes(self, line: str) -> None:
        (self.root / ".gitattributes").write_text(line + "\n")

    def commit(self) -> None:
        git(self.root, "add", ".")
        git(self.root, "commit", "-q", "-m", "base")

    def config(self, key: str, value: str) -> None:
        git(self.root, "config", key, value)

    def edit(self) -> None:
        """Change one prompt, and make another stat-dirty so an index refresh would write."""
        (self.root / "a.prompty").write_text(EDITED)
        os.utime(self.root / "b.prompty", (1_000_000_000, 1_000_000_000))


def _fsmonitor(repo: Hostile) -> None:
    repo.commit()
    repo.config("core.fsmonitor", repo.tool)


def _clean_filter(repo: Hostile) -> None:
    repo.attributes("*.prompty filter=pw diff=pw")
    repo.commit()
    repo.config("filter.pw.clean", repo.filter)
    repo.config("filter.pw.smudge", repo.filter)
    repo.config("filter.pw.required", "true")


def _process_filter(repo: Hostile) -> None:
    repo.attributes("*.prompty filter=pw")
    repo.commit()
    repo.config("filter.pw.process", repo.tool)


def _textconv(repo: Hostile) -> None:
    repo.attributes("*.prompty diff=pw")
    repo.commit()
    repo.config("diff.pw.textconv", repo.filter)
    repo.config("diff.pw.command", repo.tool)


def _external_diff(repo: Hostile) -> None:
    repo.commit()
    repo.config("diff.external", repo.tool)


def _pager(repo: Hostile) -> None:
    repo.commit()
    repo.config("core.pager", repo.filter)
    for sub in PROGRAM_SUBCOMMANDS:
        repo.config(f"pager.{sub}", repo.filter)


def _hooks(repo: Hostile) -> None:
    repo.commit()
    for folder in (repo.root / "hooks", repo.root / ".git" / "hooks"):
        folder.mkdir(exist_ok=True)
        for name in HOOKS:
            (folder / name).write_text(Path(repo.tool).read_text())
            (folder / name).chmod(0o755)
    repo.config("core.hooksPath", str(repo.root / "hooks"))


def _alias(repo: Hostile) -> None:
    repo.commit()
    for sub in PROGRAM_SUBCOMMANDS:
        repo.config(f"alias.{sub}", f"!{repo.tool}")


def _lazy_fetch(url: str, protocol: str) -> Callable[[Hostile], None]:
    """A partial clone missing the base blob: reading it would fetch from the promisor."""

    def setup(repo: Hostile) -> None:
        repo.commit()
        blob = git(repo.root, "rev-parse", "HEAD:a.prompty").strip()
        (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
        repo.config("core.repositoryformatversion", "1")
        repo.config("extensions.partialClone", "origin")
        repo.config("remote.origin.url", url.format(tool=repo.tool))
        repo.config("remote.origin.promisor", "true")
        repo.config("core.sshCommand", repo.tool)
        repo.config("protocol.allow", "always")
        repo.config(f"protocol.{protocol}.allow", "always")

    return setup


def _dash_names(repo: Hostile) -> None:
    """Names git would read as options: a file, a branch and origin's HEAD."""
    (repo.root / "-rf.prompty").write_text(BASE)
    (repo.root / "--output=x.prompty").write_text(BASE)
    repo.commit()
    (repo.root / "-rf.prompty").write_text(EDITED)
    refs = repo.root / ".git" / "refs" / "remotes" / "origin"
    refs.mkdir(parents=True)
    head = git(repo.root, "rev-parse", "HEAD").strip()
    (repo.root / ".git" / "refs" / "heads" / "--output=x").write_text(head + "\n")
    (refs / "HEAD").write_text(f"ref: refs/heads/--output={repo.marker}\n")


VECTORS: dict[str, Callable[[Hostile], None]] = {
    "fsmonitor": _fsmonitor,
    "clean-filter": _clean_filter,
    "process-filter": _process_filter,
    "textconv": _textconv,
    "diff-external": _external_diff,
    "pager": _pager,
    "hooks": _hooks,
    "alias": _alias,
    "ssh-command": _lazy_fetch("ssh://example.invalid/repo.git", "ssh"),
    "ext-transport": _lazy_fetch("ext::{tool} %S", "ext"),
    "dash-names": _dash_names,
}
MISSING_BASE = {"ssh-command", "ext-transport"}  # the base blob is gone: no "before"


@pytest.fixture(params=sorted(VECTORS))
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Hostile]:
    repo = Hostile(tmp_path)
    VECTORS[request.param](repo)
    repo.edit()
    return request.param, repo


def cli(repo: Hostile, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptwise", *args],
        cwd=repo.root,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def body_tokens(text: str) -> int:
    return count_text(text.split("---\n", 2)[2])


def assert_no_marker(repo: Hostile, what: str) -> None:
    ran = repo.marker.read_text() if repo.marker.exists() else ""
    assert not ran, f"{what} ran a program the repository named:\n{ran}"


def test_diff_runs_nothing_from_the_repository(hostile: tuple[str, Hostile]) -> None:
    vector, repo = hostile
    done = cli(repo, "diff", "HEAD", "--format", "json")
    assert_no_marker(repo, "promptwise diff")
    assert done.returncode == 0, done.stderr
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    assert "b.prompty" not in files  # only its mtime changed
    if vector == "dash-names":
        assert files["-rf.prompty"]["token_delta"] == body_tokens(EDITED) - body_tokens(BASE)
    elif vector in MISSING_BASE:
        assert files["a.prompty"]["after"]["tokens"] == body_tokens(EDITED)
    else:
        assert files["a.prompty"]["status"] == "modified"
        assert files["a.prompty"]["token_delta"] == body_tokens(EDITED) - body_tokens(BASE)


def test_check_new_only_runs_nothing_from_the_repository(hostile: tuple[str, Hostile]) -> None:
    _, repo = hostile
    done = cli(repo, "check", ".", "--new-only", "HEAD", "--format", "json", "--fail-on", "never")
    assert_no_marker(repo, "promptwise check --new-only")
    assert done.returncode == 0, done.stderr
    paths = {f["path"] for f in json.loads(done.stdout)["findings"]}
    assert "b.prompty" not in paths  # unchanged: nothing in it is new


def test_check_budget_delta_runs_nothing_from_the_repository(hostile: tuple[str, Hostile]) -> None:
    vector, repo = hostile
    done = cli(repo, "check", ".", "--fail-on", "never", "--budget-delta", "1")
    assert_no_marker(repo, "promptwise check --budget-delta")
    assert done.returncode == 1, done.stderr  # the edit adds more than one token per call
    if vector not in MISSING_BASE:
        edited = 2 if vector == "dash-names" else 1  # a.prompty, and -rf.prompty there
        added = edited * (body_tokens(EDITED) - body_tokens(BASE))
        assert f"+{added} tokens per call" in done.stderr


@pytest.mark.parametrize(
    "base",
    [
        "--output={marker}",
        "--all",
        "-h",
    ],
)
def test_a_base_that_looks_like_an_option_is_not_a_commit(tmp_path: Path, base: str) -> None:
    repo = Hostile(tmp_path)
    repo.commit()
    repo.edit()
    name = base.format(marker=repo.marker)
    for args in (
        ("diff", "--", name),
        ("check", ".", f"--new-only={name}"),
        ("check", ".", "--budget-delta", "1", f"--base={name}"),
    ):
        done = cli(repo, *args)
        assert_no_marker(repo, " ".join(args))
        assert done.returncode == 2 and "is not a commit" in done.stderr, done.stderr


async def test_delta_lens_runs_nothing_from_the_repository(hostile: tuple[str, Hostile]) -> None:
    vector, repo = hostile
    edited = "-rf.prompty" if vector == "dash-names" else "a.prompty"
    async with session() as client:
        uri = open_file(client, repo.root / edited, text=(repo.root / edited).read_text())
        lenses = await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert_no_marker(repo, "the delta lens")
    delta = [t for t in titles if t.endswith("vs HEAD")]
    if vector in MISSING_BASE:
        assert delta == [], titles  # no base to compare with, and none fetched
    else:
        added = body_tokens(EDITED) - body_tokens(BASE)
        assert len(delta) == 1 and delta[0].startswith(f"+{added} tok"), titles
