"""The lock: exact, hashed, in step with pyproject.toml, and what .venv holds.

`requirements/{run,test,dev}.txt` are what `make lock` compiles from
pyproject.toml's ranges (one universal resolution for Linux, macOS and
Windows), and what the README's two commands install, hash-checked.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from testing.repo import ROOT

if TYPE_CHECKING:
    from pathlib import Path

LOCKS = ROOT / "requirements"
SETS = {"run.txt": (), "test.txt": ("test",), "dev.txt": ("dev",)}
# What a venv holds besides the lock: its seed (pip, setuptools), uv from
# requirements/bootstrap.txt, and modelrail itself (editable).
OUTSIDE_THE_LOCK = frozenset({"pip", "setuptools", "uv", "modelrail"})

_PLATFORMS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "macos": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
    },
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
}
_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
    r"(?:\s*;\s*(?P<marker>[^\\]+?))?\s*$"
)
_HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]

    def applies(self, env: dict[str, str]) -> bool:
        return self.marker is None or self.marker.evaluate(env)


def read_lock(path: Path) -> list[Pin]:
    """The pins of a compiled requirements file (continuation lines joined)."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pins = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, *options = line.split(" --hash=")
        found = _ENTRY.match(head.strip())
        assert found, f"{path.name}: not an exact pin: {line!r}"
        marker = found["marker"]
        pins.append(
            Pin(
                canonicalize_name(found["name"]),
                found["version"],
                Marker(marker) if marker else None,
                tuple("--hash=" + option.strip() for option in options),
            )
        )
    return pins


def environment(platform: str) -> dict[str, str]:
    env = dict(default_environment())
    env.update(python_version="3.11", python_full_version="3.11.7")
    env.update(implementation_name="cpython", platform_python_implementation="CPython")
    env.update(_PLATFORMS[platform])
    return env


def wanted(extras: tuple[str, ...]) -> list[tuple[Requirement, str]]:
    """pyproject.toml's requirements for a set, with the extra that asks for
    each (``modelrail[test]`` inside ``dev`` expanded)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    optional = project["project"]["optional-dependencies"]
    out = [(Requirement(text), "") for text in project["project"]["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in optional[extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "modelrail":
                todo += sorted(requirement.extras)
            else:
                out.append((requirement, extra))
    return out


def by_name(pins: list[Pin], env: dict[str, str]) -> dict[str, Pin]:
    applying = [pin for pin in pins if pin.applies(env)]
    names = [pin.name for pin in applying]
    assert len(names) == len(set(names)), "one version per package and platform"
    return {pin.name: pin for pin in applying}


# ------------------------------------------------------------------ the files


@pytest.mark.parametrize("name", [*SETS, "bootstrap.txt"])
def test_every_pin_is_exact_and_hashed(name: str) -> None:
    pins = read_lock(LOCKS / name)
    assert pins
    for pin in pins:
        assert pin.hashes, f"{name}: {pin.name} has no hash"
        assert all(_HASH.match(h) for h in pin.hashes), pin.name


def test_bootstrap_is_uv_alone() -> None:
    pins = read_lock(LOCKS / "bootstrap.txt")
    assert [pin.name for pin in pins] == ["uv"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # the uv that installs is the uv whose uv_build builds modelrail
    backend = Requirement(requires["build-system"]["requires"][0])
    assert backend.name == "uv_build"
    assert backend.specifier.contains(pins[0].version)


def unsatisfied(
    pins: dict[str, Pin],
    requirements: list[tuple[Requirement, str]],
    env: dict[str, str],
) -> list[str]:
    problems = []
    for requirement, extra in requirements:
        if requirement.marker and not requirement.marker.evaluate(
            {**env, "extra": extra}
        ):
            continue
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement} is not locked")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{pin.name}=={pin.version} is outside {requirement}")
    return problems


@pytest.mark.parametrize("platform", sorted(_PLATFORMS))
@pytest.mark.parametrize("name", sorted(SETS))
def test_lock_satisfies_pyproject(name: str, platform: str) -> None:
    """Every range of pyproject.toml has a pin inside it, on every platform:
    a range narrowed or a package added without `make lock` fails here."""
    env = environment(platform)
    pins = by_name(read_lock(LOCKS / name), env)
    assert unsatisfied(pins, wanted(SETS[name]), env) == [], "run make lock"


def test_a_stale_lock_is_caught() -> None:
    env = environment("linux")
    pins = by_name(read_lock(LOCKS / "run.txt"), env)
    edited = [
        (Requirement(f"click<{pins['click'].version}"), ""),
        (Requirement("tomli-w>=1"), ""),
        (Requirement("pywin32>=300; sys_platform == 'win32'"), ""),
        (Requirement("pytest>=8; extra == 'test'"), ""),
    ]
    assert unsatisfied(pins, edited, env) == [
        f"click=={pins['click'].version} is outside click<{pins['click'].version}",
        "tomli-w>=1 is not locked",
    ]


def test_the_sets_agree() -> None:
    """A package has one version (and the same files) in every set, and each
    set holds the one before it."""
    run, test, dev = (
        {
            (pin.name, pin.marker and str(pin.marker)): pin
            for pin in read_lock(LOCKS / n)
        }
        for n in ("run.txt", "test.txt", "dev.txt")
    )
    for smaller, larger in ((run, test), (test, dev)):
        for key, pin in smaller.items():
            assert key in larger, f"{key[0]} is in a smaller set only"
            assert (larger[key].version, larger[key].hashes) == (
                pin.version,
                pin.hashes,
            )


# -------------------------------------------------------- what .venv holds

unlocked = pytest.mark.skipif(
    os.environ.get("MODELRAIL_UNLOCKED") == "1",
    reason="the scheduled run tests the newest releases, not the lock",
)


def _installed() -> dict[str, str]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }


@unlocked
def test_venv_holds_exactly_the_dev_lock() -> None:
    """What `make test` installed is the lock, version for version: nothing
    missing, nothing newer, nothing more."""
    if sys.prefix == sys.base_prefix:
        pytest.fail("the suite runs inside .venv (make test)")
    pins = by_name(read_lock(LOCKS / "dev.txt"), dict(default_environment()))
    installed = _installed()
    assert {name: installed.get(name) for name in pins} == {
        name: pin.version for name, pin in pins.items()
    }
    assert set(installed) - set(pins) <= OUTSIDE_THE_LOCK


@unlocked
@pytest.mark.parametrize("name", sorted(SETS))
def test_each_set_is_closed(name: str) -> None:
    """Every dependency of every pin is pinned in the same set (read from the
    installed metadata, which the test above ties to the lock)."""
    env = dict(default_environment())
    pins = by_name(read_lock(LOCKS / name), env)
    missing = []
    for pin in pins.values():
        for text in importlib.metadata.requires(pin.name) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(
                {**env, "extra": ""}
            ):
                continue
            key = canonicalize_name(requirement.name)
            if key not in pins or not requirement.specifier.contains(
                Version(pins[key].version), prereleases=True
            ):
                missing.append(f"{pin.name} needs {requirement}")
    assert missing == []
