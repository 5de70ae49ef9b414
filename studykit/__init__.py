"""studykit: sampling temperature, top-k and top-p, computed and checked on a real language model.

Modules, one concept each (dependencies point one way):

- ``sampling``  softmax with temperature, top-k / top-p / min-p warping, sampling, entropy (pure numpy)
- ``metrics``   text statistics for generated samples: distinct-n, repetition (pure)
- ``paths``     where studykit keeps its cache and data (``STUDYKIT_HOME`` overrides)
- ``models``    the one place that loads a language model; logits and batched generation
- ``widgets``   ipywidgets explorers built on the above
- ``questions`` / ``progress``  practice-question banks and the learner's history (stand apart from the math)
- ``cli``       the ``studykit`` command: ``check``, ``quiz``, ``progress``
"""

__version__ = "0.1.0"
