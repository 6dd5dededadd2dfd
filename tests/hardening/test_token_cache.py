"""The token-rank cache is an optimisation, never a way to change a count.

Whoever can write to the cache folder (a shared or restored CI cache, a
planted file) must not be able to change what Promptwise counts, nor make it
block or read without end.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from promptwise.tokens import encodings
from tests.conftest import source_env

TEXT = "Summarise the ticket, then the reply, then the refund policy in the order given.\n"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def count(tmp_path: Path, cache: str) -> int:
    prompt = tmp_path / "count.txt"
    prompt.write_text(TEXT)
    done = subprocess.run(
        [sys.executable, "-m", "promptwise", "tokens", str(prompt), "--format", "json"],
        env=source_env(PROMPTWISE_CACHE_DIR=cache),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["files"][0]["input_tokens"])


def tampered_ranks() -> dict[bytes, int]:
    """o200k's ranks with `` the`` swapped for junk: the text then splits differently."""
    ranks = encodings._parse_ranks(encodings.bundled_bytes("o200k_base"))
    return {(b"\xfe\xfd\xfc\xfb" if t == b" the" else t): r for t, r in ranks.items()}


def plant_crafted_cache(folder: Path) -> Path:
    """The best forgery of the cache file the code under test reads: well formed,
    and consistent with any digest the file carries about itself."""
    spec = encodings.SPECS["o200k_base"]
    path = encodings._cache_file(spec)
    assert path is not None and path.parent == folder
    folder.mkdir(exist_ok=True)
    ranks = tampered_ranks()
    if hasattr(encodings, "ranks_payload"):
        payload = encodings.ranks_payload(ranks)
        assert payload is not None
        path.write_bytes(encodings._CACHE_MAGIC + payload)
    else:  # the earlier format carried a digest of its own payload
        encodings._write_cache(path, ranks)  # type: ignore[call-arg]
    assert path.is_file()
    return path


def test_a_crafted_cache_does_not_change_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = count(tmp_path, "")  # caching off: parsed from the verified bundled file
    cache = tmp_path / "cache"
    monkeypatch.setenv("PROMPTWISE_CACHE_DIR", str(cache))
    planted = plant_crafted_cache(cache)
    assert count(tmp_path, str(cache)) == truth
    assert count(tmp_path, str(cache)) == truth  # and after the cache was rewritten
    assert planted.read_bytes() != encodings._CACHE_MAGIC  # rewritten whole, not emptied


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_a_cache_path_that_is_not_a_regular_file_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    truth = count(tmp_path, "")
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("PROMPTWISE_CACHE_DIR", str(cache))
    path = encodings._cache_file(encodings.SPECS["o200k_base"])
    assert path is not None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    assert count(tmp_path, str(cache)) == truth
