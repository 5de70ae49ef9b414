"""The package layout: the docstring is the map a newcomer reads first (every module on it, once,
and nothing on it that no longer exists), and the practice half stands apart from the chapter."""

import ast
import pkgutil
import re
import subprocess
import sys

import studykit

SHARED = ("paths", "tables", "_old_paths")  # top-level helpers the practice half may use (the package imports _old_paths)


def all_modules() -> set[str]:
    """Every module and subpackage, named from studykit: ``sampling``, ``practice.quiz``, ..."""
    found = pkgutil.walk_packages(studykit.__path__, "studykit.", onerror=_raise)
    return {m.name.removeprefix("studykit.") for m in found}


def _raise(name: str):
    raise ImportError(f"cannot import {name} to list its modules")


def test_every_module_is_described_in_the_package_docstring():
    modules = all_modules()
    assert {"maths.sampling", "lm.models", "practice", "practice.questions", "practice.cli"} <= modules
    missing = sorted(m for m in modules if f"``{m}``" not in studykit.__doc__)
    listed_twice = sorted(m for m in modules if studykit.__doc__.count(f"``{m}``") > 1)
    assert not missing, f"add these modules to studykit/__init__.py's docstring: {missing}"
    assert not listed_twice, f"listed more than once in studykit/__init__.py's docstring: {listed_twice}"


def test_every_name_on_the_map_is_a_module():
    named = set(re.findall(r"``([a-z_][a-z_.]*)``", studykit.__doc__))
    stale = sorted(name for name in named
                   if (name if name.startswith("studykit") else f"studykit.{name}")
                   not in {"studykit", *(f"studykit.{m}" for m in all_modules())})
    assert not stale, f"studykit/__init__.py's docstring names modules that do not exist: {stale}"


def test_practice_stands_apart_from_the_chapter():
    # A fresh interpreter imports every practice module: none may pull in torch or a chapter module
    # (the shared helpers at the top level are allowed).
    probe = ("import importlib, pkgutil, sys, studykit.practice as p\n"
             "for m in pkgutil.walk_packages(p.__path__, 'studykit.practice.'):\n"
             "    importlib.import_module(m.name)\n"
             "print(sorted(m for m in sys.modules if m in ('torch', 'transformers') or\n"
             "             m.startswith('studykit.') and not m.startswith('studykit.practice')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    outside = set(ast.literal_eval(result.stdout)) - {f"studykit.{m}" for m in SHARED}
    assert not outside, f"the practice half imports {sorted(outside)}"
