"""Check a learner's drill file against the kit's reference: the first failing case, shrunk.

    >>> report = check(find_drill("pass-at-k"), "def pass_at_k(n, c, k):\\n    return 1 - (1 - c / n) ** k\\n")
    >>> print(report)                                                      # doctest: +SKIP
    FAILED drill-pass-at-k: random case (shrunk by hypothesis) ...

Order of the checks, stopping at the first failure:

1. the file loads and defines the function (otherwise one line says why: a syntax error, an import
   that is not available, no such function); this counts as a failed attempt;
2. the named edge cases, in one batch;
3. random cases from hypothesis, each compared with the kit's function; a failing one is shrunk to
   a minimal input before it is reported, with the expected and the actual value;
4. for drills that return random draws, statistical tests on thousands of draws (false-alarm rate in
   :data:`checks.ALPHA`).

The learner's code runs in a :class:`~.sandbox.Sandbox` process (time and memory limits); the kit's
reference runs here. A call that modifies an input array in place fails too.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisException

from .catalog import Drill
from .checks import DRAWS, SPECS, Spec, fmt, fmt_args
from .sandbox import Outcome, Sandbox

MAX_EXAMPLES = 60  # random cases per check; a failing one is then shrunk
CHECK_BUDGET_S = 90.0  # the random cases of one check; the reference answers each in milliseconds


@dataclass(frozen=True)
class Failure:
    """The first case the learner's function got wrong."""

    label: str  # 'edge case "ties at the k-th value"', 'random case (shrunk by hypothesis)', ...
    call: str  # the call, with its arguments
    expected: str
    actual: str
    reason: str

    def __str__(self) -> str:
        return (f"{self.label}\n  {self.call}\n  expected: {self.expected}\n  got:      {self.actual}\n"
                f"  why:      {self.reason}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    drill_id: str
    passed: bool
    problem: str | None = None  # the file could not be used: one line saying why
    failure: Failure | None = None
    edge_cases: int = 0
    random_cases: int = 0
    statistical_tests: int = 0
    seconds: float = 0.0
    checks: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        if self.problem:
            return f"FAILED {self.drill_id}: {self.problem}"
        if self.failure:
            return f"FAILED {self.drill_id}: {self.failure.label}"
        stats = f", {self.statistical_tests} statistical tests" if self.statistical_tests else ""
        return (f"PASSED {self.drill_id}: {self.edge_cases} edge cases, {self.random_cases} random cases"
                f"{stats} ({self.seconds:.1f} s)")

    def __str__(self) -> str:
        if self.failure is None:
            return self.headline
        return f"FAILED {self.drill_id}: {self.failure}"

    def to_dict(self) -> dict:
        """What is stored with the attempt (JSON)."""
        return {"passed": self.passed, "problem": self.problem,
                "failure": self.failure.to_dict() if self.failure else None,
                "edge_cases": self.edge_cases, "random_cases": self.random_cases,
                "statistical_tests": self.statistical_tests, "check_seconds": round(self.seconds, 3)}


class _Mismatch(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.reason)
        self.failure = failure


class _Stop(BaseException):
    """Ends the random cases at once: a hang or a crash is not shrunk (each try could cost the
    whole time limit). A BaseException, so hypothesis lets it through."""

    def __init__(self, failure: Failure):
        super().__init__(failure.reason)
        self.failure = failure


def check(drill: Drill, source: str, *, sandbox: Sandbox | None = None, max_examples: int = MAX_EXAMPLES,
          draws: int = DRAWS, edge_cases: bool = True, filename: str | None = None) -> Report:
    """Run every check of ``drill`` on the learner's ``source``.

    ``sandbox`` may be shared between checks (tests do); otherwise a new one is started and closed.
    ``max_examples`` random cases; ``draws`` per distribution in the statistical tests (fewer draws
    keep the false-alarm rate but lower the power); ``edge_cases=False`` leaves the named cases out,
    to see what random cases alone find (notebook 09 does).
    """
    spec = SPECS[drill.id]
    started = time.monotonic()
    box = sandbox if sandbox is not None else Sandbox()
    try:
        return _check(drill, spec, source, box, max_examples, draws, edge_cases,
                      filename or f"{drill.function}.py", started)
    finally:
        if sandbox is None:
            box.close()


def _check(drill, spec: Spec, source, box, max_examples, draws, use_edges, filename, started) -> Report:
    def report(**fields) -> Report:
        return Report(drill.id, passed=fields.pop("passed", False), seconds=time.monotonic() - started,
                      checks=spec.checks, **fields)

    problem = box.load(source, drill.function, filename)
    if problem:
        return report(problem=problem)

    # 1. the named edge cases, one batch
    edges = spec.edge_cases() if use_edges else []
    outcomes = list(box.run([args for _, args in edges]))
    for (label, args), outcome in zip(edges, outcomes):
        failure = _judge(drill, spec, f'edge case "{label}"', args, outcome)
        if failure:
            return report(failure=failure, edge_cases=len(edges))

    # 2. random cases, shrunk when one fails
    counted = [0]
    seen: list[Failure] = []

    @settings(max_examples=max_examples, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate, Phase.shrink),
              report_multiple_bugs=False, verbosity=Verbosity.quiet, print_blob=False)
    @given(spec.cases())
    def random_case(args):
        counted[0] += 1
        if time.monotonic() - started > CHECK_BUDGET_S:
            raise _Stop(Failure("too slow", fmt_call(drill, spec, args), "an answer in milliseconds",
                                f"{counted[0]} cases took over {CHECK_BUDGET_S:.0f} s",
                                "the random cases took longer than the check allows; the reference "
                                "answers each in milliseconds"))
        outcome = next(iter(box.run([args])))
        failure = _judge(drill, spec, "random case (shrunk by hypothesis)", args, outcome)
        if failure is None:
            return
        if outcome.kind in ("timeout", "crashed"):
            raise _Stop(failure)
        seen.append(failure)
        raise _Mismatch(failure)

    try:
        random_case()
    except (_Mismatch, _Stop) as e:
        return report(failure=e.failure, edge_cases=len(edges), random_cases=counted[0])
    except HypothesisException:
        # A function that answers differently for the same input (hypothesis reports it as flaky):
        # the last failure seen is the smallest one found.
        if not seen:
            raise
        return report(failure=seen[-1], edge_cases=len(edges), random_cases=counted[0])

    # 3. statistical tests of the draws
    if spec.statistical is not None:
        run = lambda calls, time_limit=None: box.run(calls, time_limit=time_limit, watch_inputs=False)  # noqa: E731
        result = spec.statistical(run, draws)
        if result is not None:
            return report(failure=Failure(f"statistical check: {result.label}", result.arguments, result.expected,
                                          result.actual, result.reason),
                          edge_cases=len(edges), random_cases=counted[0], statistical_tests=spec.stat_tests)
    return report(passed=True, edge_cases=len(edges), random_cases=counted[0], statistical_tests=spec.stat_tests)


def fmt_call(drill: Drill, spec: Spec, args: tuple) -> str:
    return f"{drill.function}({fmt_args(spec.arg_names, args)})"


def _judge(drill: Drill, spec: Spec, label: str, args: tuple, outcome: Outcome) -> Failure | None:
    expected = spec.reference(args)
    shown = spec.show_expected(args, expected) if spec.show_expected else fmt(expected)
    call = fmt_call(drill, spec, args)
    if outcome.kind == "raised":
        return Failure(label, call, shown, outcome.message, "it raised an exception instead of returning")
    if not outcome.ok:
        return Failure(label, call, shown, "no answer", outcome.message)
    reason = spec.compare(args, expected, outcome.value)
    if reason is None and outcome.mutated:
        reason = "it modified an input array in place; work on a copy (the caller's logits must not change)"
    if reason is None:
        return None
    return Failure(label, call, shown, fmt(outcome.value), reason)
