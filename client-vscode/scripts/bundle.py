#!/usr/bin/env python3
"""Build the platform-specific VS Code extension that carries its own server.

    python client-vscode/scripts/bundle.py --target linux-x64 [--target ...] [--python 3.12 ...]

For each target (a ``vsce --target`` name, or ``all``) this writes
``client-vscode/dist/promptwise-<target>-<version>.vsix``: the extension plus
Promptwise and its run-time dependencies, unpacked from wheels into
``bundled/libs/``, which ``bundled/tool/launch.py`` puts first on
``sys.path`` of whatever Python 3.10+ the extension finds. The steps:

1. the client: ``npm ci`` when ``node_modules`` is missing, the type check and
   the release bundle of ``out/extension.js``;
2. Promptwise's wheel, built from this checkout with ``python -m build``;
3. per target and CPython version, the dependency wheels: ``pip download
   --only-binary=:all: --platform ... --python-version ...``, then closed over
   the target's environment markers (pip judges markers such as
   ``python_version < "3.11"`` by the Python it runs on, not the target's);
4. the wheels every version shares (the pure-Python ones) unpacked once into
   ``libs/common/``, the others (tiktoken, regex, PyYAML, ...) into
   ``libs/cpXY/``, and ``libs/bundle.json`` saying what was built;
5. a staged copy of the extension with those libraries, packaged by ``vsce
   package --target``. The checkout itself never holds the libraries, so a
   plain ``npm run package`` keeps building the universal, server-less client.

Needs Node.js/npm, network access to PyPI and npm, and ``build`` and
``packaging`` in this Python (``pip install build``; both come with
``pip install -e '.[test]'``).
"""

from __future__ import annotations

import argparse
import json
import platform
import posixpath
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[1]
REPO = CLIENT.parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
MAX_ROUNDS = 8  # pip download rounds per Python before a missing dependency is an error


@dataclass(frozen=True)
class Target:
    """A ``vsce --target`` and what a wheel and a marker must say to run there."""

    name: str
    platform_tags: tuple[str, ...]
    sys_platform: str
    platform_system: str
    platform_machine: str
    os_name: str = "posix"


def _manylinux(arch: str, newest: int = 28) -> tuple[str, ...]:
    """glibc 2.28 (what VS Code 1.90 itself needs on Linux) and every older manylinux tag.

    pip does not widen a ``manylinux_2_28`` platform to older tags by itself, and
    many wheels carry only ``manylinux2014`` (= 2.17) or older.
    """
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(newest, 4, -1)]
    tags += [f"manylinux2014_{arch}"]
    if arch == "x86_64":
        tags += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return tuple(tags)


TARGETS = {
    t.name: t
    for t in (
        Target("linux-x64", _manylinux("x86_64"), "linux", "Linux", "x86_64"),
        Target("linux-arm64", _manylinux("aarch64"), "linux", "Linux", "aarch64"),
        Target(
            "alpine-x64",
            ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64"),
            "linux",
            "Linux",
            "x86_64",
        ),
        Target(
            "alpine-arm64",
            ("musllinux_1_2_aarch64", "musllinux_1_1_aarch64"),
            "linux",
            "Linux",
            "aarch64",
        ),
        # pip widens macOS tags to every older release and to universal2.
        Target("darwin-x64", ("macosx_10_15_x86_64",), "darwin", "Darwin", "x86_64"),
        Target("darwin-arm64", ("macosx_11_0_arm64",), "darwin", "Darwin", "arm64"),
        Target("win32-x64", ("win_amd64",), "win32", "Windows", "AMD64", "nt"),
    )
}


class BundleError(Exception):
    """A step of the build failed; the message says which and why."""


# ----------------------------------------------------------------- wheels


@dataclass(frozen=True)
class Wheel:
    """One downloaded wheel and the metadata the closure needs."""

    path: Path
    name: str  # canonical
    version: str
    requires: tuple[str, ...]

    @property
    def is_universal(self) -> bool:
        """Pure Python: one file serves every interpreter and platform."""
        return self.path.name.endswith("-none-any.whl")


def read_wheel(path: Path) -> Wheel:
    from packaging.utils import canonicalize_name

    with zipfile.ZipFile(path) as archive:
        name = next(
            (
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ),
            None,
        )
        if name is None:
            raise BundleError(f"{path.name}: no .dist-info/METADATA inside")
        meta = HeaderParser().parsestr(archive.read(name).decode("utf-8"))
    return Wheel(
        path=path,
        name=canonicalize_name(meta["Name"]),
        version=meta["Version"],
        requires=tuple(meta.get_all("Requires-Dist") or ()),
    )


def marker_environment(target: Target, python: str) -> dict[str, str]:
    """PEP 508 marker values for CPython ``python`` (``3.12``) on ``target``."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": target.os_name,
        "platform_machine": target.platform_machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": target.platform_system,
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": target.sys_platform,
        "extra": "",
    }


def closure(
    root: Wheel, wheels: Iterable[Wheel], env: dict[str, str]
) -> tuple[list[Wheel], list[str]]:
    """The wheels ``root`` needs under ``env``, and the requirements none of them meets.

    Walks Requires-Dist from ``root``, judging each marker for the target (with
    the extras asked for), and picks for each requirement the newest wheel that
    satisfies it. The unmet requirements come back without their markers, ready
    to hand to pip.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    by_name: dict[str, list[Wheel]] = {}
    for wheel in wheels:
        by_name.setdefault(wheel.name, []).append(wheel)
    chosen: dict[str, Wheel] = {root.name: root}
    done: set[tuple[str, str]] = set()
    pending: list[tuple[Wheel, str]] = [(root, "")]
    missing: list[str] = []
    while pending:
        wheel, extra = pending.pop()
        if (wheel.name, extra) in done:
            continue
        done.add((wheel.name, extra))
        for line in wheel.requires:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({**env, "extra": extra}):
                continue
            name = canonicalize_name(req.name)
            candidates = [chosen[name]] if name in chosen else by_name.get(name, [])
            fitting = [w for w in candidates if req.specifier.contains(w.version, prereleases=True)]
            if not fitting:
                extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
                missing.append(f"{req.name}{extras}{req.specifier}")
                continue
            best = max(fitting, key=lambda w: Version(w.version))
            chosen[name] = best
            pending.extend((best, e) for e in ("", *sorted(req.extras)))
    return [w for name, w in sorted(chosen.items()) if name != root.name], sorted(set(missing))


def pip_download(requirements: Sequence[str], dest: Path, target: Target, python: str) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--quiet",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python,
        *(arg for tag in target.platform_tags for arg in ("--platform", tag)),
        "--dest",
        str(dest),
        *requirements,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        detail = "\n".join(
            line for line in result.stderr.splitlines() if "is ignored" not in line
        ).strip()
        raise BundleError(
            f"pip could not find wheels of {', '.join(requirements)} for {target.name}, "
            f"CPython {python}:\n{detail[-3000:]}"
        )


def resolve(root: Wheel, dest: Path, target: Target, python: str) -> list[Wheel]:
    """``root``'s run-time dependencies for one target and Python, downloaded to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    env = marker_environment(target, python)
    requirements = [str(root.path)]
    for _ in range(MAX_ROUNDS):
        pip_download(requirements, dest, target, python)
        wheels = [read_wheel(p) for p in sorted(dest.glob("*.whl"))]
        needed, missing = closure(root, [w for w in wheels if w.name != root.name], env)
        if not missing:
            return needed
        requirements = missing
    raise BundleError(f"{target.name}, CPython {python}: still missing {', '.join(missing)}")


def split(per_python: dict[str, list[Wheel]]) -> tuple[list[Wheel], dict[str, list[Wheel]]]:
    """Wheels every Python shares (one file, installed once) and the rest, per Python."""
    files = [{w.path.name for w in wheels} for wheels in per_python.values()]
    shared_names = set.intersection(*files) if files else set()
    shared: dict[str, Wheel] = {}
    own: dict[str, list[Wheel]] = {}
    for python, wheels in per_python.items():
        own[python] = []
        for wheel in wheels:
            if wheel.path.name in shared_names:
                shared.setdefault(wheel.path.name, wheel)
            else:
                own[python].append(wheel)
    return sorted(shared.values(), key=lambda w: w.name), own


def member_destination(member: str) -> str | None:
    """Where a wheel member goes in a libs folder (a relative POSIX path), or None to skip it.

    A wheel's ``*.data/purelib`` and ``*.data/platlib`` belong at the root like
    the rest; its scripts, headers and data files have no place in a library
    folder. Absolute paths and ``..`` are refused, never written.
    """
    if member.endswith("/"):
        return None
    path = posixpath.normpath(member)
    if path.startswith(("/", "../")) or path == ".." or ":" in path.split("/", 1)[0]:
        raise BundleError(f"unsafe path in wheel: {member!r}")
    parts = path.split("/")
    if parts[0].endswith(".data"):
        if len(parts) > 2 and parts[1] in ("purelib", "platlib"):
            return "/".join(parts[2:])
        return None
    return path


def unpack(wheel: Wheel, folder: Path) -> None:
    with zipfile.ZipFile(wheel.path) as archive:
        for info in archive.infolist():
            relative = member_destination(info.filename)
            if relative is None:
                continue
            destination = folder / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, destination.open("wb") as sink:
                shutil.copyfileobj(source, sink)


def python_tag(python: str) -> str:
    return "cp" + python.replace(".", "")


def build_libs(
    root: Wheel, target: Target, pythons: Sequence[str], work: Path, libs: Path
) -> dict[str, object]:
    """Fill ``libs`` for one target; returns what ``bundle.json`` records."""
    # One pip per Python, side by side: the time goes into waiting on the index.
    with ThreadPoolExecutor(max_workers=len(pythons)) as pool:
        futures = {
            python: pool.submit(
                resolve, root, work / target.name / python_tag(python), target, python
            )
            for python in pythons
        }
        per_python = {python: future.result() for python, future in futures.items()}
    shared, own = split(per_python)
    if libs.exists():
        shutil.rmtree(libs)
    for wheel in [root, *shared]:
        unpack(wheel, libs / "common")
    for python, wheels in own.items():
        (libs / python_tag(python)).mkdir(parents=True)
        for wheel in wheels:
            unpack(wheel, libs / python_tag(python))
    manifest: dict[str, object] = {
        "target": target.name,
        "pythons": list(pythons),
        "promptwise": root.version,
        "platformTags": list(target.platform_tags),
        "common": {w.name: w.version for w in [root, *shared]},
        **{python_tag(p): {w.name: w.version for w in own[p]} for p in pythons},
    }
    (libs / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


# ----------------------------------------------------------------- steps


def run(command: Sequence[str], cwd: Path, what: str) -> None:
    print(f"[bundle] {what}: {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd)
    if result.returncode != 0:
        raise BundleError(f"{what} failed (exit {result.returncode}): {' '.join(command)}")
    print(f"[bundle] {what}: done in {time.monotonic() - started:.1f} s", file=sys.stderr)


def build_client() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BundleError("npm is not on PATH; install Node.js 18 or newer")
    if not (CLIENT / "node_modules" / ".package-lock.json").exists():
        run([npm, "ci", "--no-audit", "--no-fund"], CLIENT, "installing the client's npm packages")
    run([npm, "run", "--silent", "typecheck"], CLIENT, "type-checking the client")
    run([npm, "run", "--silent", "build:release"], CLIENT, "bundling the client")


def build_promptwise_wheel(out: Path) -> Wheel:
    run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        REPO,
        "building the promptwise wheel",
    )
    [path] = sorted(out.glob("promptwise-*.whl"))
    return read_wheel(path)


def _skip_in_stage(folder: str, names: list[str]) -> set[str]:
    skip = {
        n for n in names if n in ("node_modules", "dist", ".vscode-test") or n.endswith(".vsix")
    }
    if Path(folder).name == "bundled" and "libs" in names:
        skip.add("libs")
    return skip


def package(target: Target, libs: Path, work: Path, out: Path) -> Path:
    """A staged copy of the extension with ``libs``, packaged for ``target``."""
    vsce = shutil.which("vsce", path=str(CLIENT / "node_modules" / ".bin"))
    if vsce is None:
        raise BundleError("vsce is missing from client-vscode/node_modules; run npm ci there")
    stage = work / f"stage-{target.name}"
    if stage.exists():
        shutil.rmtree(stage)
    shutil.copytree(CLIENT, stage, ignore=_skip_in_stage)
    shutil.copytree(libs, stage / "bundled" / "libs")
    version = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))["version"]
    out.mkdir(parents=True, exist_ok=True)
    vsix = out / f"promptwise-{target.name}-{version}.vsix"
    command = [vsce, "package", "--target", target.name, "--no-dependencies"]
    command += ["--allow-missing-repository", "--out", str(vsix)]
    run(
        command,
        stage,
        f"packaging the {target.name} extension",
    )
    return vsix


def host_target() -> str | None:
    """The target of the machine this runs on, if it is one we build."""
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    if arch is None or system is None:
        return None
    if system == "linux" and not platform.libc_ver()[0]:
        system = "alpine"
    name = f"{system}-{arch}"
    return name if name in TARGETS else None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the VS Code extension with Promptwise bundled, one .vsix per target."
    )
    parser.add_argument(
        "--target",
        action="append",
        choices=[*TARGETS, "all"],
        help="vsce target to build for; repeat it, or `all` (default: this machine's)",
    )
    parser.add_argument(
        "--python",
        action="append",
        choices=PYTHONS,
        help=f"CPython version to bundle for; repeat it (default: all of {', '.join(PYTHONS)})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=CLIENT / "dist",
        help="where the .vsix files go (default: %(default)s)",
    )
    parser.add_argument(
        "--work", type=Path, help="keep downloads and staging here instead of a temp folder"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    targets = args.target or [host_target() or ""]
    if "" in targets:
        print("bundle.py: this machine is no target we build; pass --target", file=sys.stderr)
        return 2
    names = list(TARGETS) if "all" in targets else list(dict.fromkeys(targets))
    pythons = sorted(set(args.python or PYTHONS), key=lambda v: tuple(int(p) for p in v.split(".")))
    for module in ("build", "packaging"):
        try:
            __import__(module)
        except ImportError:
            print(
                f"bundle.py: needs `{module}`: {sys.executable} -m pip install build",
                file=sys.stderr,
            )
            return 2
    with tempfile.TemporaryDirectory(prefix="promptwise-bundle-") as temporary:
        work = (args.work or Path(temporary)).resolve()
        try:
            build_client()
            root = build_promptwise_wheel(work / "promptwise")
            written = []
            for name in names:
                target = TARGETS[name]
                libs = work / f"libs-{name}"
                print(f"[bundle] {name}: wheels for CPython {', '.join(pythons)}", file=sys.stderr)
                started = time.monotonic()
                manifest = build_libs(root, target, pythons, work / "wheels", libs)
                print(
                    f"[bundle] {name}: done in {time.monotonic() - started:.1f} s: "
                    + json.dumps({k: v for k, v in manifest.items() if k != "platformTags"}),
                    file=sys.stderr,
                )
                written.append(package(target, libs, work, args.out.resolve()))
        except BundleError as exc:
            print(f"bundle.py: {exc}", file=sys.stderr)
            return 1
    for vsix in written:
        print(f"{vsix} ({vsix.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    print("\n".join(str(v) for v in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
