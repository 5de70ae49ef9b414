"""Run a learner's drill function in a separate process, with a time and a memory limit.

An infinite loop, a crash (even a segfault or ``os._exit``) or a huge allocation in the learner's
code ends that process, never the quiz, the notebook's kernel or the progress store. One process
serves a whole check: the file is loaded once and every case is a round trip over a pipe, so a
check costs one process start (about 0.2 s) however many cases it runs.

    >>> with Sandbox() as box:                                              # doctest: +SKIP
    ...     box.load("def f(x):\\n    return x + 1\\n", "f")
    ...     [o.value for o in box.run([(1,), (2,)])]
    [2, 3]

This guards against mistakes, not against malice: the code runs as the learner, with their files.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

TIME_LIMIT_S = 2.0  # per call: every drill's reference answers a case in milliseconds
MEMORY_LIMIT_MB = 1024  # address space of the learner's process, numpy included
START_TIMEOUT_S = 60.0  # loading the file, imports included (a loaded machine is slow to start one)

_WORKER = Path(__file__).with_name("_worker.py")
_HEADER = struct.Struct(">Q")
UNREADABLE = "__unreadable__"  # as in _worker.py


@dataclass(frozen=True)
class Outcome:
    """What one call did: ``kind`` is ``ok`` (``value`` returned), ``raised`` (``message``), ``timeout``
    or ``crashed`` (the process ended; ``message`` says how)."""

    kind: str
    value: Any = None
    message: str = ""
    mutated: bool = False  # the call changed an array argument in place

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    def describe(self) -> str:
        if self.kind == "ok":
            return repr(self.value)
        return self.message


class SandboxError(RuntimeError):
    """The learner's process could not be started (not a problem of the learner's code)."""


class Sandbox:
    """A learner process for one file at a time; restarted after a timeout or a crash."""

    def __init__(self, *, time_limit: float = TIME_LIMIT_S, memory_limit_mb: int = MEMORY_LIMIT_MB,
                 reuse_process: bool = False):
        if not time_limit > 0:
            raise ValueError(f"time_limit must be more than 0 seconds, got {time_limit!r}")
        if not (isinstance(memory_limit_mb, int) and memory_limit_mb >= 256):
            raise ValueError(f"memory_limit_mb must be a whole number of at least 256, got {memory_limit_mb!r}")
        self.time_limit, self.memory_limit_mb = float(time_limit), memory_limit_mb
        # False: every file gets a new process, so nothing one file did (a monkeypatched numpy, a
        # module-level variable) can touch the next. True: the process is kept between files and
        # each is loaded into a fresh namespace (its imports stay cached): for checking many
        # trusted files in a row, as the tests do.
        self.reuse_process = reuse_process
        self._process: subprocess.Popen | None = None
        self._loaded: tuple[str, str, str] | None = None
        self.starts = 0  # processes started so far (the tests count them)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the learner's process (it exits when its input closes; killed if it does not)."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=1.0)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            process.stdout.close()

    # --- the learner's file ---------------------------------------------------------------------

    def load(self, source: str, function: str, filename: str = "drill.py") -> str | None:
        """Run ``source`` in a fresh process and find ``function``: None, or one line saying what is
        wrong (a syntax error, an import that is not available, no such function, a hang)."""
        if not (self.reuse_process and self._process is not None and self._process.poll() is None):
            self.close()
            self._start()
        self._loaded = (source, function, filename)
        self._send(("load", source, filename, function))
        reply = self._receive(START_TIMEOUT_S)
        if reply is None or reply == "timeout":
            self.close()
            self._loaded = None
            if reply == "timeout":
                return f"running the file took more than {START_TIMEOUT_S:.0f} s (a loop at the top level?)"
            return "the file ended the process while loading (a crash or exit() at the top level)"
        if reply[0] == "problem":
            self._loaded = None
            return reply[1]
        return None

    def run(self, calls: Sequence[tuple], *, time_limit: float | None = None,
            watch_inputs: bool = True) -> Iterator[Outcome]:
        """Call the loaded function once per argument tuple; yield each outcome as it arrives.

        ``time_limit`` applies to each call. After a timeout or a crash the process is restarted
        (the file reloaded) for the next batch, and this batch stops there.
        """
        if self._loaded is None:
            raise RuntimeError("load() a file with the function first")
        if self._process is None:
            problem = self.load(*self._loaded)
            if problem is not None:
                raise SandboxError(f"the file no longer loads: {problem}")
        limit = self.time_limit if time_limit is None else float(time_limit)
        calls = list(calls)
        self._send(("call", calls, watch_inputs))
        for _ in calls:
            reply = self._receive(limit)
            if reply == "timeout":
                self._kill()
                yield Outcome("timeout", message=f"did not return within the {limit:g} s time limit "
                                                 "(an endless loop?); the process was stopped")
                return
            if reply is None:
                code = self._kill()
                yield Outcome("crashed", message=f"the process running your code ended ({_exit_reason(code)})")
                return
            if reply[0] == "ok":
                value = reply[1]
                if isinstance(value, dict) and set(value) == {UNREADABLE}:
                    yield Outcome("ok", _Unreadable(value[UNREADABLE]), mutated=reply[2])
                else:
                    yield Outcome("ok", value, mutated=reply[2])
            else:
                yield Outcome("raised", message=reply[1])

    def call(self, *args, time_limit: float | None = None) -> Outcome:
        """One call (a batch of one)."""
        return next(iter(self.run([args], time_limit=time_limit)))

    # --- the process ------------------------------------------------------------------------------

    def _start(self) -> None:
        env = dict(os.environ)
        # One thread per learner process: the machine is shared, and thread pools reserve memory.
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        limit = str(self.memory_limit_mb * 1024 * 1024)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", str(_WORKER), limit], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        except OSError as e:
            raise SandboxError(f"cannot start a Python process for the drill ({e})") from e
        self.starts += 1

    def _send(self, message) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._process.stdin.write(_HEADER.pack(len(data)) + data)
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the process died; _receive reports it

    def _receive(self, timeout: float):
        """The next reply, ``"timeout"``, or None when the process has ended."""
        deadline = time.monotonic() + timeout
        header = self._read_exactly(_HEADER.size, deadline)
        if not isinstance(header, bytes):
            return header
        body = self._read_exactly(_HEADER.unpack(header)[0], deadline)
        if not isinstance(body, bytes):
            return body
        return pickle.loads(body)

    def _read_exactly(self, size: int, deadline: float):
        stream = self._process.stdout
        data = bytearray()
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stream], [], [], left)[0]:
                return "timeout"
            chunk = os.read(stream.fileno(), size - len(data))
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    def _kill(self) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            os.killpg(process.pid, 9)  # its own session: any child it started goes too
        except OSError:
            pass
        code = process.wait()
        process.stdin.close()
        process.stdout.close()
        return code


class _Unreadable(str):
    """A returned value that is not a number, an array or a tuple: its repr, shown as it is."""

    def __repr__(self) -> str:
        return f"<{str(self)}>"


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "unknown exit"
    if code < 0:
        import signal
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}" + (" (a crash in native code)" if name == "SIGSEGV" else "")
    return f"exit code {code}: exit() or os._exit() in your code?"
