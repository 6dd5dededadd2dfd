"""The distributions carry what Promptwise needs at run time, and nothing of the checkout.

The wheel is what the VS Code extension bundles and what ``pip install``
unpacks, so the rule files, the price table and the tiktoken encodings must
be inside it, byte for byte; the server never reaches the network for them.
Both distributions are built the way a release is (``python -m build``: the
sdist first, then the wheel from the unpacked sdist), so a file missing from
the sdist shows up as a file missing from the wheel.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

import pytest

from promptwise import __version__
from promptwise.tokens.encodings import SPECS
from tests.conftest import REPO

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

RULES = sorted(p.name for p in (REPO / "lint_rules").glob("*.yaml"))


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel built from it."""
    pytest.importorskip("build", reason="`build` is a test dependency: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"python -m build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    [sdist] = out.glob("promptwise-*.tar.gz")
    [wheel] = out.glob("promptwise-*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel(dists: tuple[Path, Path]) -> zipfile.ZipFile:
    return zipfile.ZipFile(dists[1])


def _metadata(wheel: zipfile.ZipFile) -> Message:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    return HeaderParser().parsestr(wheel.read(name).decode())


def _requirement(text: str) -> tuple[str, str, str]:
    """A requirement in a form that compares equal however it is spelled."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    req = Requirement(text)
    specifiers = ",".join(sorted(str(s) for s in req.specifier))
    return canonicalize_name(req.name), specifiers, str(req.marker or "")


def test_wheel_carries_every_rule_file_unchanged(wheel: zipfile.ZipFile) -> None:
    assert RULES, "no rule files in lint_rules/"
    for rule in RULES:
        packed = wheel.read(f"promptwise/lint_rules/{rule}")
        assert packed == (REPO / "lint_rules" / rule).read_bytes(), rule
    packed_rules = {
        n.rsplit("/", 1)[1] for n in wheel.namelist() if n.startswith("promptwise/lint_rules/")
    }
    assert packed_rules == set(RULES)


def test_wheel_carries_the_encodings_with_their_published_hashes(wheel: zipfile.ZipFile) -> None:
    for name, spec in SPECS.items():
        raw = gzip.decompress(wheel.read(f"promptwise/tokens/data/{name}.tiktoken.gz"))
        assert hashlib.sha256(raw).hexdigest() == spec.sha256, name


def test_wheel_carries_every_frontmatter_schema_unchanged(wheel: zipfile.ZipFile) -> None:
    schemas = sorted((REPO / "server" / "promptwise" / "schemas").glob("*.schema.json"))
    assert len(schemas) == 8, [p.name for p in schemas]
    for schema in schemas:
        assert wheel.read(f"promptwise/schemas/{schema.name}") == schema.read_bytes(), schema.name


def test_wheel_carries_the_price_table_and_the_console_script(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "promptwise/pricing/models.yaml" in names
    assert f"promptwise-{__version__}.dist-info/licenses/LICENSE" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "promptwise = promptwise.cli:main" in wheel.read(entry_points).decode()


def test_wheel_holds_only_the_package(wheel: zipfile.ZipFile) -> None:
    tops = {n.split("/", 1)[0] for n in wheel.namelist()}
    assert tops == {"promptwise", f"promptwise-{__version__}.dist-info"}
    assert not [n for n in wheel.namelist() if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_metadata_matches_pyproject(wheel: zipfile.ZipFile) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    meta = _metadata(wheel)
    assert meta["Name"] == "promptwise"
    assert meta["Version"] == __version__
    assert meta["Requires-Python"] == project["requires-python"]
    assert meta["License-Expression"] == "MIT"
    assert meta["Description-Content-Type"] == "text/markdown"
    runtime = {_requirement(r) for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r}
    assert runtime == {_requirement(r) for r in project["dependencies"]}
    versions = {c.rsplit(":: ", 1)[1] for c in meta.get_all("Classifier") or [] if "3." in c}
    assert versions == {"3.10", "3.11", "3.12", "3.13", "3.14"}


def test_sdist_holds_the_sources_and_nothing_else(dists: tuple[Path, Path]) -> None:
    sdist, _ = dists
    root = f"promptwise-{__version__}"
    with tarfile.open(sdist) as tar:
        names = {n.removeprefix(f"{root}/") for n in tar.getnames()}
    for required in ("pyproject.toml", "README.md", "LICENSE", "PKG-INFO"):
        assert required in names, required
    for rule in RULES:
        assert f"lint_rules/{rule}" in names, rule
    assert "server/promptwise/tokens/data/o200k_base.tiktoken.gz" in names
    tops = {n.split("/", 1)[0] for n in names if n}
    assert tops <= {
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "PKG-INFO",
        ".gitignore",
        "server",
        "lint_rules",
        "tests",
        "examples",
    }, tops


# ------------------------------------------- the VS Code bundle's wheel logic


def _bundle_script() -> Any:
    """client-vscode/scripts/bundle.py, which is a script, not a package module."""
    path = REPO / "client-vscode" / "scripts" / "bundle.py"
    spec = importlib.util.spec_from_file_location("promptwise_vscode_bundle", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


bundle = _bundle_script()


def _wheel(filename: str, *requires: str) -> Any:
    name, version = filename.split("-")[:2]
    return bundle.Wheel(Path(filename), name.replace("_", "-"), version, tuple(requires))


def test_bundle_follows_markers_for_the_target_not_this_python() -> None:
    root = _wheel(
        "promptwise-0.1.0-py3-none-any.whl",
        "tiktoken>=0.7",
        "tomli>=1.1; python_version < '3.11'",
        "colorama; sys_platform == 'win32'",
    )
    wheels = [
        _wheel("tiktoken-0.14.0-cp310-cp310-manylinux_2_28_x86_64.whl", "regex", "requests"),
        _wheel("regex-2026.9.29-cp310-cp310-manylinux2014_x86_64.whl"),
        _wheel("requests-2.34.2-py3-none-any.whl", "PySocks; extra == 'socks'"),
    ]
    linux = bundle.TARGETS["linux-x64"]
    needed, missing = bundle.closure(root, wheels, bundle.marker_environment(linux, "3.10"))
    assert [w.name for w in needed] == ["regex", "requests", "tiktoken"]
    assert missing == ["tomli>=1.1"], "3.10 needs tomli, whatever Python runs the build"
    _, missing = bundle.closure(root, wheels, bundle.marker_environment(linux, "3.12"))
    assert missing == []
    windows = bundle.TARGETS["win32-x64"]
    _, missing = bundle.closure(root, wheels, bundle.marker_environment(windows, "3.12"))
    assert missing == ["colorama"]


def test_bundle_takes_extras_and_the_newest_fitting_version() -> None:
    root = _wheel("promptwise-0.1.0-py3-none-any.whl", "requests[socks]", "attrs<26")
    wheels = [
        _wheel("requests-2.34.2-py3-none-any.whl", "PySocks; extra == 'socks'"),
        _wheel("attrs-25.4.0-py3-none-any.whl"),
        _wheel("attrs-26.1.0-py3-none-any.whl"),
    ]
    env = bundle.marker_environment(bundle.TARGETS["linux-x64"], "3.12")
    needed, missing = bundle.closure(root, wheels, env)
    assert [(w.name, w.version) for w in needed] == [("attrs", "25.4.0"), ("requests", "2.34.2")]
    assert missing == ["PySocks"]


def test_bundle_installs_shared_wheels_once_and_the_rest_per_python() -> None:
    pure = _wheel("pygls-2.1.1-py3-none-any.whl")
    tomli = _wheel("tomli-2.5.0-py3-none-any.whl")
    per_python = {
        "3.10": [pure, tomli, _wheel("regex-2026.9.29-cp310-cp310-manylinux2014_x86_64.whl")],
        "3.11": [pure, _wheel("regex-2026.11.19-cp311-cp311-manylinux2014_x86_64.whl")],
    }
    shared, own = bundle.split(per_python)
    assert [w.name for w in shared] == ["pygls"]
    assert [w.path.name for w in own["3.10"]] == [
        "tomli-2.5.0-py3-none-any.whl",
        "regex-2026.9.29-cp310-cp310-manylinux2014_x86_64.whl",
    ]
    assert [w.name for w in own["3.11"]] == ["regex"]


def test_bundle_unpacks_only_library_files_and_refuses_escapes() -> None:
    assert bundle.member_destination("yaml/__init__.py") == "yaml/__init__.py"
    assert bundle.member_destination("x-1.0.data/purelib/x/a.py") == "x/a.py"
    assert bundle.member_destination("x-1.0.data/platlib/x/_c.so") == "x/_c.so"
    assert bundle.member_destination("x-1.0.data/scripts/x") is None
    assert bundle.member_destination("x/") is None
    for bad in ("../evil.py", "/etc/passwd", "x/../../evil.py", "C:/evil.py"):
        with pytest.raises(bundle.BundleError):
            bundle.member_destination(bad)


def test_bundle_linux_tags_reach_back_to_manylinux2014() -> None:
    tags = bundle.TARGETS["linux-x64"].platform_tags
    assert tags[0] == "manylinux_2_28_x86_64"
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"} <= set(tags)
    assert "manylinux_2_31_x86_64" not in tags, "VS Code 1.90 needs only glibc 2.28"
