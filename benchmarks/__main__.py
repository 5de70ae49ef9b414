"""Run all benchmarks and print a table: python -m benchmarks [name ...] (names like 'load', 'warp')."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks.common import Result


def _modules(selected: list[str]):
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in names:
        if not selected or name.removeprefix("bench_") in selected:
            yield importlib.import_module(f"benchmarks.{name}")


def _format(rows: list[Result]) -> str:
    lines = [f"{'benchmark':<62} {'value':>12}  {'target':<10} ok", "-" * 90]
    for r in rows:
        ok = "" if r.met is None else ("yes" if r.met else "NO")
        lines.append(f"{r.name:<62} {r.value:>10.3g} {r.unit:<2}  {r.target:<10} {ok}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    rows: list[Result] = []
    for module in _modules(argv):
        print(f"running {module.__name__} ...", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print(_format(rows))
    missed = [r.name for r in rows if r.met is False]
    if missed:
        print(f"\nTargets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
