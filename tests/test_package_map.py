"""The package docstring is the map a newcomer reads first: every module is on it, once."""

import pkgutil

import studykit


def test_every_module_is_described_in_the_package_docstring():
    modules = {m.name for m in pkgutil.iter_modules(studykit.__path__)}
    missing = sorted(m for m in modules if f"``{m}``" not in studykit.__doc__)
    listed_twice = sorted(m for m in modules if studykit.__doc__.count(f"``{m}``") > 1)
    assert not missing, f"add these modules to studykit/__init__.py's docstring: {missing}"
    assert not listed_twice, f"listed more than once in studykit/__init__.py's docstring: {listed_twice}"
