"""Import paths from before a module moved, in one table; each is the moved module itself.

Learners' own notebooks in my-notebooks/ (an update never rewrites them) and console scripts
installed before a move import the old paths: ``from studykit import sampling`` (before the layers)
or ``studykit.questions`` (before ``studykit.practice``). An old path is aliased in ``sys.modules``
to the module that now lives elsewhere, so every name, and monkeypatching, work as before;
``python -m`` on an old path runs the new module. Until 1.0 the table may shrink (see the README).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

_LAYERS = {
    "maths": ("sampling metrics stats divergences speculative passk calibration distillation contrastive "
              "penalties sequence_temperature gumbel_sampling sortfree_top_p precision constrained "
              "truncation_nsigma paired_tests fair_filters beam"),
    "lm": "model_cache models generation result_cache",
    "studies": ("human_reference reference short_answers arithmetic_tasks decoders sweep degeneration "
                "determinism exact_outcomes early_exit text_predictions embeddings facts"),
    "views": "plots temperature_plots market widgets browser_explorers js_bundle math_html site",
    "practice": "questions progress scheduling interview interview_panel cli",
}
MOVED = {f"studykit.{name}": f"studykit.{layer}.{name}"
         for layer, names in _LAYERS.items() for name in names.split()}


class _OldPathFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds only the old paths; loading one puts the moved module in its place."""

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname in MOVED else None

    def create_module(self, spec):
        return None  # a placeholder, replaced in exec_module

    def exec_module(self, module) -> None:
        # The import system hands back whatever sys.modules holds under the name afterwards.
        sys.modules[module.__name__] = importlib.import_module(MOVED[module.__name__])

    def get_code(self, fullname):
        """What ``python -m <old path>`` runs: the moved module, as ``__main__``."""
        return compile(f"import runpy\nrunpy.run_module({MOVED[fullname]!r}, run_name='__main__', alter_sys=True)\n",
                       f"<old path {fullname}>", "exec")


if not any(isinstance(finder, _OldPathFinder) for finder in sys.meta_path):
    sys.meta_path.append(_OldPathFinder())
