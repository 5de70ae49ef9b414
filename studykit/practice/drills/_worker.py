"""The process a learner's drill code runs in (started by :mod:`sandbox`; never imported by it).

Run as a script with ``python -I``: no current directory on ``sys.path``, so a learner's file named
``numpy.py`` cannot shadow anything. The protocol is length-prefixed pickles on the two descriptors
it was started with; the learner's own ``print`` and ``input`` go to ``/dev/null`` so they can
never corrupt it. Requests:

* ``("load", source, filename, function)``: run the file; reply ``("ok",)`` or ``("problem", line)``.
* ``("call", [args, ...], watch)``: call the function once per argument tuple and reply once per
  call, as soon as it returns: ``("ok", result, mutated)`` or ``("raised", line)``. Argument arrays
  are copied per call; a ``numpy.random.Generator`` in them is shared across the batch, so a batch
  of calls draws from one stream, as a sampler called in a loop would. ``watch`` asks whether a
  call modified its array arguments in place.

Limits: the address space is capped (``RLIMIT_AS``) once numpy is imported; the parent kills the
process when a call runs past its time limit.
"""

import builtins
import os
import pickle
import resource
import struct
import sys
import traceback

_HEADER = struct.Struct(">Q")


def main() -> None:
    to_parent = os.fdopen(os.dup(1), "wb", buffering=0)
    from_parent = os.fdopen(os.dup(0), "rb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the learner's print() and input() never touch the protocol
        os.dup2(devnull, fd)
    import numpy  # noqa: F401  (imported before the cap: its thread pools reserve address space)

    memory = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    function = None
    filename = "<drill>"
    while True:
        request = _read(from_parent)
        if request is None:
            return
        if request[0] == "load":
            _, source, filename, name = request
            function, problem = _load(source, filename, name)
            _write(to_parent, ("ok",) if problem is None else ("problem", problem))
        elif request[0] == "call":
            _, batch, watch = request
            for args in batch:
                _write(to_parent, _call(function, args, watch, filename))


def _load(source: str, filename: str, name: str):
    namespace = {"__name__": "drill_solution", "__file__": filename, "__builtins__": builtins}
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as e:
        return None, f"syntax error on line {e.lineno}: {e.msg}"
    try:
        exec(code, namespace)
    except ImportError as e:
        missing = e.name or str(e)
        return None, (f"line {_line_in(e, filename)}: cannot import {missing!r} here; a drill runs "
                      "with numpy and Python's standard library")
    except BaseException as e:  # noqa: BLE001  (anything the file does at import time is reported)
        return None, f"line {_line_in(e, filename)}: running the file raised {_one_line(e)}"
    function = namespace.get(name)
    if function is None:
        return None, f"the file does not define {name}(...); keep the starter's def line and its name"
    if not callable(function):
        return None, f"{name} in the file is a {type(function).__name__}, not a function"
    return function, None


def _call(function, args, watch, filename):
    import numpy as np

    copies = tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)
    before = [a.copy() for a in copies if isinstance(a, np.ndarray)] if watch else []
    try:
        result = function(*copies)
    except RecursionError:
        return ("raised", "RecursionError: maximum recursion depth exceeded")
    except MemoryError:
        return ("raised", "MemoryError: the drill's memory limit was reached")
    except Exception as e:  # noqa: BLE001  (a learner's exception is a result, not our failure)
        return ("raised", f"{_one_line(e)} (line {_line_in(e, filename)} of your file)")
    mutated = watch and any(
        not np.array_equal(old, new, equal_nan=True)
        for old, new in zip(before, [a for a in copies if isinstance(a, np.ndarray)]))
    return ("ok", _plain(result), mutated)


def _plain(value):
    """The result as something the parent can unpickle without the learner's code: arrays from
    tensors, numbers from numpy scalars, and the repr of anything else."""
    import numpy as np

    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return np.array(value)  # a plain ndarray, not a subclass defined by the learner
    if isinstance(value, (np.generic, bool, int, float, type(None))) and not isinstance(value, np.object_):
        return value
    # Anything else is shown by its repr: the parent never unpickles a learner's own class.
    return {UNREADABLE: f"{type(value).__name__}: {value!r}"[:200]}


UNREADABLE = "__unreadable__"  # the key of a returned value that is not a number, array or tuple


def _line_in(error: BaseException, filename: str) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    if frames:
        return str(frames[-1].lineno)
    return str(getattr(error, "lineno", "?"))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _read(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return pickle.loads(data)


def _write(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)


if __name__ == "__main__":
    sys.setrecursionlimit(3000)
    main()
