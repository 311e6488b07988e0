"""The lock file that `make install` installs from (issue 20, item 11) holds every dependency pyproject.toml
names, at a version its range admits, with hashes: a dependency added to pyproject.toml without `make lock`
fails here rather than on a fresh machine."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _locked() -> dict[str, str]:
    versions: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := PIN.match(line):
            versions[canonicalize_name(match[1])] = match[2]
    return versions


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    own = canonicalize_name(project["name"])
    return [r for r in map(Requirement, declared) if canonicalize_name(r.name) != own]


LOCKED = _locked()


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_every_declared_dependency_is_locked_within_its_range(requirement: Requirement):
    version = LOCKED.get(canonicalize_name(requirement.name))
    assert version is not None, f"{requirement.name} is not in requirements.lock: run `make lock`"
    assert requirement.specifier.contains(version, prereleases=True), (
        f"requirements.lock pins {requirement.name}=={version}, outside {requirement.specifier}: run `make lock`"
    )


def test_every_locked_file_has_a_hash():
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    pins = [block for block in blocks if PIN.match(block)]
    assert len(pins) >= len(LOCKED) > 50  # a universal lock may pin one package twice, under two markers
    assert all("--hash=sha256:" in block for block in pins)
