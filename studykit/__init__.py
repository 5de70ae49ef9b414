"""studykit: sampling temperature, top-k and top-p, computed and checked on a real language model.

Modules, one concept each (dependencies point one way):

- ``sampling``     softmax with temperature, top-k / top-p / min-p, sampling, entropy (pure numpy)
- ``metrics``      text statistics of generated samples: distinct-n, repetition, agreement (pure)
- ``market``       the chapter's marketplace: a next-token distribution at one setting (pure)
- ``paths``        where studykit keeps its cache and data (``STUDYKIT_HOME`` overrides)
- ``model_cache``  the verified, atomically written on-disk copy of the de-quantised model
- ``models``       the one place that loads a language model; next-token logits
- ``generation``   batched sampling of continuations (per-row temperature) and their NLL
- ``sweep``        a temperature sweep: samples plus statistics per temperature
- ``plots``        labelled charts (SVG for live widgets, matplotlib for static figures)
- ``widgets``      ipywidgets explorers: sliders wired to ``market`` and ``plots``
- ``questions``, ``scheduling``, ``progress``  practice questions, FSRS scheduling and the
  learner's history (they stand apart from the math and never import torch)
- ``practice``, ``quiz``, ``cli``  the practice loop in a notebook, in the terminal, and the
  ``studykit`` command (``check``, ``list``, ``quiz``, ``progress``, ``export``)
"""

__version__ = "0.1.0"
