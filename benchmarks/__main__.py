"""Run all benchmarks and print a table: python -m benchmarks [name ...] (names like 'load', 'warp')."""

from __future__ import annotations

import importlib
import os
import platform
import pkgutil
import sys
import time
from pathlib import Path

from benchmarks.common import Result

# Benchmarks time the work itself: generated text must not come back from studykit's result cache.
os.environ["STUDYKIT_RESULT_CACHE"] = "0"


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


def machine() -> str:
    """The machine the figures belong to: CPU model, cores, memory and load (figures vary between machines)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GB RAM"
    load = ", load %.1f %.1f %.1f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return f"{model}, {os.cpu_count()} cores{memory}, {platform.system()}{load}"


def main(argv: list[str]) -> int:
    print(f"{time.strftime('%Y-%m-%d %H:%M')} on {machine()}", file=sys.stderr, flush=True)
    rows: list[Result] = []
    for module in _modules(argv):
        print(f"running {module.__name__} ...", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {machine()}")
    print(_format(rows))
    missed = [r.name for r in rows if r.met is False]
    if missed:
        print(f"\nTargets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
