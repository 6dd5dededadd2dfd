"""What a cold start does: the work it skips must not change what it finds.

The bundled rules are trusted at load (their patterns are checked here,
not on every start), and compiled when they first run. These tests hold
the shortcuts to the full path they replace.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest

from promptwise.rules import matchers
from promptwise.rules.loader import load_rules
from promptwise.rules.prefilter import Prefilter, _LineFilter
from promptwise.rules.timed import LazyPattern, compiled
from tests.conftest import EXAMPLES, REPO, source_env

DECLARATIVE = [rule for rule in load_rules().rules if rule.kind is not None]


@pytest.mark.parametrize("rule", DECLARATIVE, ids=lambda r: r.code)
def test_every_bundled_rule_passes_the_full_check(rule: object) -> None:
    """The shape checks the loader skips for bundled rules: every pattern on its
    own compiles, nests no quantifier and cannot backtrack catastrophically."""
    matchers.validate(rule.kind, rule.matcher)  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", DECLARATIVE, ids=lambda r: r.code)
def test_trusted_compile_builds_the_same_patterns(rule: object) -> None:
    kind, spec = rule.kind, rule.matcher  # type: ignore[attr-defined]
    checked = matchers.compile_spec(kind, spec)
    trusted = matchers.compile_spec(kind, spec, trusted=True)
    lazy = 0
    for field in dataclasses.fields(checked):
        mine, theirs = getattr(trusted, field.name), getattr(checked, field.name)
        if isinstance(mine, LazyPattern):  # compiled on first use, to the same pattern
            assert mine._compiled is None
            mine, lazy = mine.compiled, lazy + 1
        assert mine == theirs, field.name
    assert lazy >= 1


def test_there_are_declarative_bundled_rules() -> None:
    assert len(DECLARATIVE) >= 5


def test_a_bad_pattern_in_a_trusted_spec_is_still_refused_untrusted() -> None:
    """What ``trusted`` skips is the check, so the untrusted path must keep it."""
    spec = {"patterns": ["(a+)+b"]}
    matchers.compile_spec("existence", spec, trusted=True)  # compiles: not checked
    with pytest.raises(matchers.MatcherError, match="nests quantifiers"):
        matchers.compile_spec("existence", spec)


# ------------------------------------------------------------ what is imported

# Imported only when their feature is used: a check without failure logs, and
# the language server until its first diagnostics, never load them.
NOT_AT_START = (
    "promptwise.escalation",  # the advisor: only with failure logs configured
    "promptwise.costdiff",  # git baselines: a lens, after the first answer
    "promptwise.gitbase",
    "promptwise.report.junit",  # one output format is written per run
    "promptwise.report.sarif",
    "promptwise.report.github",
    "sqlite3",  # promptfoo databases
    "xml",  # JUnit output
    "regex",  # user patterns, run under a time limit
    "jsonschema",  # frontmatter errors: valid frontmatter is cleared without it
    "tiktoken",  # the encodings: only when a count is read
    "promptwise.tokens.encodings",
)


def _loaded_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        env=source_env(),
        cwd=REPO,
        check=True,
    )
    return set(done.stdout.split())


def _unwanted(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in NOT_AT_START))


def test_a_check_imports_nothing_it_does_not_use() -> None:
    loaded = _loaded_after(
        "import io\nfrom promptwise.cli import main\n"
        "main(['check', 'examples/classify-ticket.prompt', '--isolated'], io.StringIO())"
    )
    assert "promptwise.rules.engine" in loaded  # the check did run
    assert _unwanted(loaded) == []
    assert not any(m.startswith(("lsprotocol", "pygls", "promptwise.lsp")) for m in loaded)


def test_the_server_imports_nothing_before_its_first_answer_that_it_does_not_use() -> None:
    """What ``promptwise serve`` imports until it reads its first message."""
    loaded = _loaded_after(
        "import promptwise.cli\nfrom promptwise.lsp.server import build\nbuild()"
    )
    assert "promptwise.lsp.features.diagnostics" in loaded
    assert _unwanted(loaded) == []


# Features the server answers only when asked: loaded with the first request.
ON_REQUEST = (
    "promptwise.lsp.features.code_actions",
    "promptwise.lsp.features.code_lens",
    "promptwise.lsp.features.commands",
    "promptwise.lsp.features.completion",
    "promptwise.lsp.features.hover",
    "promptwise.lsp.features.inlay_hints",
    "promptwise.lsp.features.navigation",
    "promptwise.lsp.features.workspace_view",
    "promptwise.project.overview",
)


def test_the_server_starts_its_first_analysis_without_what_it_does_not_need() -> None:
    """Through ``initialized``, whose watcher update runs while the first file is
    analysed (no file has an analysis yet): neither the escalation advisor nor a
    feature answered only on request is loaded (issue 16)."""
    loaded = _loaded_after(
        "import asyncio\nimport promptwise.cli\nfrom promptwise.lsp.server import build\n"
        "from promptwise.lsp.features import configuration\nserver = build()\n"
        "asyncio.run(configuration.update_log_watchers(server))"
    )
    assert "promptwise.lsp.features.lifecycle" in loaded
    assert _unwanted(loaded) == []
    assert [m for m in ON_REQUEST if m in loaded] == []


def test_the_warm_up_and_a_first_file_with_valid_frontmatter_skip_jsonschema() -> None:
    """The warm-up at ``initialize`` reads the schemas without building a
    validator, and valid frontmatter is cleared without one: ``jsonschema``
    (about 40 ms to import) waits for frontmatter with something to report."""
    loaded = _loaded_after(
        "from pathlib import Path\nfrom promptwise.lsp.features import lifecycle\n"
        "lifecycle.warm_up()\nfrom promptwise.analysis import analyze_text\n"
        "from promptwise.config import Settings\n"
        "text = Path('examples/support.prompty').read_text(encoding='utf-8')\n"
        "analysis = analyze_text(text, 'support.prompty', Settings())\n"
        "print('codes-' + ','.join(sorted({f.code for f in analysis.findings})))"
    )
    assert any(m.startswith("codes-") and "PW2" in m for m in loaded)  # it did analyse
    assert _unwanted(loaded) == []
    broken = _loaded_after(
        "from promptwise.analysis import analyze_text\nfrom promptwise.config import Settings\n"
        "text = '---\\nname: x\\nmodel: 3\\n---\\nsystem:\\nSay hi.\\n'\n"
        "analysis = analyze_text(text, 'x.prompty', Settings())\n"
        "print('codes-' + ','.join(sorted({f.code for f in analysis.findings})))"
    )
    assert "jsonschema" in broken
    assert any(m.startswith("codes-") and "PW010" in m for m in broken)


def test_the_warm_up_turns_the_collector_back_on_after_serve_paused_it() -> None:
    """``promptwise serve`` starts with the cyclic collector off; the warm-up at
    ``initialize`` freezes what was loaded and turns it on again, so a long
    session collects its garbage as any process does."""
    code = (
        "import gc\nfrom promptwise.lsp.features import lifecycle\n"
        "gc.disable()\nlifecycle.warm_up()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10000)\n"
        "lifecycle.resume_collection()\nprint(gc.isenabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=source_env(),
        cwd=REPO,
        check=True,
    )
    assert done.stdout.split() == ["True", "True", "True"]


def test_a_check_whose_rules_need_a_count_still_counts() -> None:
    """The other side of the deferred encoding: a token budget the file may be
    over (its folder's config sets ``max_tokens``) makes the check encode it."""
    loaded = _loaded_after(
        "import io\nfrom promptwise.cli import main\nout = io.StringIO()\n"
        "main(['check', 'tests/rules/budget-exceeded/onboarding.txt', '--format', 'json',"
        " '--select', 'PW503'], out)\n"
        "import json\nfor f in json.loads(out.getvalue())['findings']:\n"
        "    print('found-' + f['code'])\n"
        "from promptwise.tokens import encodings\nprint('built-' + ','.join(encodings._loaded))"
    )
    assert "found-PW503" in loaded
    assert "built-o200k_base" in loaded


def test_the_deferred_modules_still_load_when_used() -> None:
    """The names above are real modules (a rename would make the tests pass vacuously)."""
    loaded = _loaded_after(
        "import promptwise.tokens.counter\n"
        "promptwise.tokens.counter.count_text('counted')\n"
        "import promptwise.escalation.store, promptwise.costdiff, promptwise.report\n"
        "from promptwise.rules.timed import TimedPattern\nTimedPattern('a', 0)\n"
        "from promptwise import schemas\nschemas._validator('skill')\n"
        "from promptwise.report import RENDERERS\n"
        "from promptwise.report.model import CheckReport\n"
        "[RENDERERS[f](CheckReport(files=(), rules={}, version='0')) for f in RENDERERS]"
    )
    assert all(any(m == p or m.startswith(p + ".") for m in loaded) for p in NOT_AT_START)


def test_the_bundled_rule_files_are_parsed_once_for_rules_and_options() -> None:
    """The loader and the options reader share one YAML load per bundled file."""
    loaded = _loaded_after(
        "from collections import Counter\n"
        "from promptwise.document import yamlnodes\n"
        "seen = Counter()\n"
        "real = yamlnodes.load_packaged\n"
        "def load(text):\n"
        "    seen[text] += 1\n"
        "    return real(text)\n"
        "yamlnodes.load_packaged = load\n"
        "from promptwise.rules.loader import load_rules\n"
        "from promptwise.rules.options import builtin_options\n"
        "assert load_rules().rules and builtin_options()\n"
        "import sys\n"
        "print('most-loads-' + str(max(seen.values())), 'files-' + str(len(seen)))"
    )
    files = len(list((REPO / "lint_rules").glob("*.yaml")))
    assert "most-loads-1" in loaded
    assert f"files-{files}" in loaded


# ------------------------------------------------------------ lazy patterns


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    source, flags = r"\b(?:one|two)\b(?!-)", re.I | re.M
    lazy, eager = LazyPattern(source, flags), re.compile(source, flags)
    text = "One two-\nthree TWO one"
    assert lazy.pattern == eager.pattern
    assert lazy._compiled is None  # nothing compiled by reading its source
    assert lazy.flags == eager.flags  # as re reports them (UNICODE added)
    assert [m.span() for m in lazy.finditer(text, 1)] == [m.span() for m in eager.finditer(text, 1)]
    found, expected = lazy.search(text, 4, 20), eager.search(text, 4, 20)
    assert found is not None and expected is not None and found.span() == expected.span()
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.match(text) is not None and lazy.fullmatch("two") is not None
    assert compiled(lazy) is lazy.compiled is eager  # re's own cache: the same object
    assert lazy.search == eager.search  # after the first call: the compiled methods


@pytest.mark.parametrize("rule", DECLARATIVE, ids=lambda r: r.code)
def test_a_prefilter_reads_a_lazy_pattern_without_compiling_it(rule: object) -> None:
    """The shared scan's prefilters parse the source: same literals, same case
    handling as from the compiled pattern, and nothing compiled to get them."""
    lazy = matchers.compile_spec(rule.kind, rule.matcher, trusted=True).search  # type: ignore[attr-defined]
    assert isinstance(lazy, LazyPattern)
    from_source = Prefilter(lazy, digits=True)
    assert lazy._compiled is None
    from_compiled = Prefilter(re.compile(lazy.pattern, lazy.given_flags), digits=True)
    assert from_source.fragments == from_compiled.fragments
    assert from_source.ignorecase == from_compiled.ignorecase
    lines, compiled_lines = _LineFilter(lazy), _LineFilter(from_compiled.pattern)  # type: ignore[arg-type]
    assert (lines.literal is None) == (compiled_lines.literal is None)
    if lines.literal is not None and compiled_lines.literal is not None:
        assert lines.literal.pattern == compiled_lines.literal.pattern
    assert lazy._compiled is None


def test_one_check_compiles_only_the_rule_patterns_whose_literals_occur() -> None:
    """The bundled rules' patterns are tried only where the shared scan finds a
    candidate, and compiled then: a typical prompt compiles few of them."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_RULE_LAZIES, str(EXAMPLES / "classify-ticket.prompt")],
        capture_output=True,
        text=True,
        env=source_env(),
        check=True,
    )
    total, reached = map(int, done.stdout.split())
    assert total >= 10
    assert reached <= total // 2


_COUNT_RULE_LAZIES = """
import sys
from pathlib import Path
from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.rules import engine
from promptwise.rules.timed import LazyPattern

path = Path(sys.argv[1])
analyze_text(path.read_text(encoding="utf-8"), path.name, Settings())
lazies = [
    value
    for matcher in engine._compiled.values()
    for value in vars(matcher).values()
    if isinstance(value, LazyPattern)
]
print(len(lazies), sum(p._compiled is not None for p in lazies))
"""


def test_one_check_compiles_only_the_option_patterns_it_reaches() -> None:
    """The judgements' option patterns are compiled on first use, and a typical
    prompt does not reach all of them (else laziness would buy nothing). In a
    fresh interpreter: the vocabulary is built once per process."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_LAZIES, str(EXAMPLES / "classify-ticket.prompt")],
        capture_output=True,
        text=True,
        env=source_env(),
        check=True,
    )
    total, reached = map(int, done.stdout.split())
    assert total >= 20
    assert 0 < reached < total


_COUNT_LAZIES = """
import sys
from pathlib import Path
from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.rules.judgements import vocabulary
from promptwise.rules.timed import LazyPattern

path = Path(sys.argv[1])
analyze_text(path.read_text(encoding="utf-8"), path.name, Settings())
lazies = []
for part in vars(vocabulary.builtin()).values():
    for value in vars(part).values():
        for item in value if isinstance(value, tuple) else (value,):
            item = item[-1] if isinstance(item, tuple) else item
            if isinstance(item, LazyPattern):
                lazies.append(item)
print(len(lazies), sum(p._compiled is not None for p in lazies))
"""


def test_a_lazy_pattern_substitutes_and_splits_as_the_compiled_one() -> None:
    """Module constants of the judgements and checks are lazy too, and some
    of them substitute or split."""
    source = r"(?P<word>\w+)-(\d)"
    lazy, eager = LazyPattern(source), re.compile(source)
    text = "a-1 b-2 c"
    assert lazy.sub(r"\2", text) == eager.sub(r"\2", text)
    lazy = LazyPattern(source)
    assert lazy.subn(lambda m: m.group("word"), text, 1) == eager.subn(
        lambda m: m.group("word"), text, 1
    )
    lazy = LazyPattern(source)
    assert lazy.split(text) == eager.split(text)
    lazy = LazyPattern(source)
    assert (lazy.groups, dict(lazy.groupindex)) == (eager.groups, dict(eager.groupindex))


# A long lead before a word list, as the task patterns have: ``needs`` is the list.
_LEAD = r"^[ \t>]*(?:(?:please|now|first)[ \t,]+)*(?:you (?:will|must)[ \t]+)?"
_WORDS = r"(?:classify|categori[sz]e|label)"


@pytest.mark.parametrize(
    "text",
    [
        "Please classify the ticket.\nThen label it.",
        "You will label the mail",
        "nothing to see here",  # the words are absent: answered without compiling
        "the label comes later",  # the words occur, the pattern does not match
        "",
    ],
)
def test_a_lazy_pattern_with_a_needed_part_answers_as_the_compiled_one(text: str) -> None:
    source, flags = _LEAD + _WORDS + r"\b", re.I | re.M
    eager = re.compile(source, flags)

    def fresh() -> LazyPattern:
        return LazyPattern(source, flags, needs=_WORDS)

    for pos, endpos in [(0, len(text)), (min(3, len(text)), len(text)), (0, len(text) // 2)]:
        for method in ("search", "match", "fullmatch"):
            mine = getattr(fresh(), method)(text, pos, endpos)
            theirs = getattr(eager, method)(text, pos, endpos)
            assert (mine and mine.span()) == (theirs and theirs.span()), (method, pos, endpos)
        spans = [m.span() for m in fresh().finditer(text, pos, endpos)]
        assert spans == [m.span() for m in eager.finditer(text, pos, endpos)]
        assert fresh().findall(text, pos, endpos) == eager.findall(text, pos, endpos)
    lazy = fresh()
    lazy.search(text)
    assert (lazy._compiled is None) == (re.search(_WORDS, text, flags) is None)


def test_every_option_pattern_with_a_needed_part_holds_it_whole() -> None:
    """``needs`` is sound only if every match of the pattern holds a match of
    it: it must stand between two whole patterns, with no inline flag of the
    part before it reaching it. Checked on every bundled option pattern that
    has one (and there must be some, else the shortcut is dead)."""
    from promptwise.rules.judgements import vocabulary

    gated = []
    for part in vars(vocabulary.builtin()).values():
        for value in vars(part).values():
            for item in value if isinstance(value, tuple) else (value,):
                item = item[-1] if isinstance(item, tuple) else item
                if isinstance(item, LazyPattern) and item.needs is not None:
                    gated.append(item)
    assert len(gated) >= 5
    for item in gated:
        assert item.needs is not None
        before, found, after = item.pattern.partition(item.needs)
        assert found
        re.compile(before)  # each compiles alone: its groups are closed
        re.compile(after)
        assert not re.match(r"\(\?[aiLmsux]+\)", before)


def test_a_small_prompt_leaves_the_task_patterns_of_absent_verbs_uncompiled() -> None:
    """The task patterns are a 1 KB lead before each kind's verbs: a prompt
    that names no verb of a kind compiles that kind's verbs alone (to find
    out), never the whole pattern."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_GATED],
        capture_output=True,
        text=True,
        env=source_env(),
        check=True,
    )
    gated, compiled_whole, asked = map(int, done.stdout.split())
    assert gated >= 5
    assert asked >= 3  # the analysis did ask them
    assert compiled_whole < asked


_COUNT_GATED = """
from promptwise.analysis import analyze_text
from promptwise.config import Settings
from promptwise.rules.judgements import vocabulary

text = "---\\nmodel: gpt-4o\\n---\\nYou are a helpful assistant. Answer briefly.\\n"
analyze_text(text, "one.prompty", Settings())
gated = [
    pattern
    for _, pattern in vocabulary.builtin().task.tasks
    if pattern.needs is not None
]
asked = [p for p in gated if p._needs._compiled is not None]
print(len(gated), sum(p._compiled is not None for p in gated), len(asked))
"""


def test_the_judgement_and_check_constants_are_compiled_when_first_used() -> None:
    """Their ~100 module-level patterns cost a cold start ~15 ms to compile at
    import, and one prompt reaches about a third of them."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_CONSTANTS, str(EXAMPLES / "classify-ticket.prompt")],
        capture_output=True,
        text=True,
        env=source_env(),
        check=True,
    )
    total, reached = map(int, done.stdout.split())
    assert total >= 80
    assert 0 < reached < total // 2


_COUNT_CONSTANTS = """
import sys
from pathlib import Path
import promptwise.cli
from promptwise.rules import checks, judgements
from promptwise.rules.timed import LazyPattern

modules = [m for name, m in sys.modules.items()
           if name.startswith(("promptwise.rules.checks.", "promptwise.rules.judgements."))]
constants = [v for m in modules for v in vars(m).values() if isinstance(v, LazyPattern)]
from promptwise.analysis import analyze_text
from promptwise.config import Settings
path = Path(sys.argv[1])
analyze_text(path.read_text(encoding="utf-8"), path.name, Settings())
print(len(constants), sum(p._compiled is not None for p in constants))
"""
