"""studykit: sampling temperature, top-k and top-p, computed and checked on a real language model.

The package map, one row per layer. Each module's own docstring says what it holds; a module
imports from its own layer and from the layers its row allows (``tests/test_layers.py`` enforces it).

=================  ===========================================  ===========================================
layer (folder)     what it holds; what it may import            modules
=================  ===========================================  ===========================================
shared (top)       where files live, tables, the kit's          ``paths`` ``tables`` ``notebook_files``
                   notebooks; old import paths. Imports no      ``_old_paths``
                   layer.
``maths``          pure math on numpy arrays and torch          ``maths.sampling`` ``maths.metrics``
                   tensors: no I/O, no UI, no model loading.    ``maths.stats`` ``maths.divergences``
                   Imports only maths.                          ``maths.speculative`` ``maths.passk``
                                                                ``maths.calibration`` ``maths.distillation``
                                                                ``maths.contrastive`` ``maths.penalties``
                                                                ``maths.sequence_temperature``
                                                                ``maths.gumbel_sampling``
                                                                ``maths.sortfree_top_p`` ``maths.precision``
                                                                ``maths.constrained``
                                                                ``maths.truncation_nsigma``
                                                                ``maths.paired_tests`` ``maths.fair_filters``
                                                                ``maths.beam``
``lm``             the language model: the one place that      ``lm.model_cache`` ``lm.models``
                   loads it, batched generation, beam search,   ``lm.generation`` ``lm.beam_search``
                   scoring given text, results cached by        ``lm.prompt_cache`` ``lm.scoring``
                   content. Imports maths, shared.              ``lm.result_cache``
``studies``        the data the notebooks measure on (a human   ``studies.human_reference``
                   reference of known provenance, the           ``studies.reference``
                   chapter's prose, checkable questions), the   ``studies.short_answers``
                   studies run on the model, and the record of  ``studies.arithmetic_tasks``
                   each quoted figure. Imports maths, lm,       ``studies.decoders`` ``studies.sweep``
                   shared.                                      ``studies.degeneration``
                                                                ``studies.determinism``
                                                                ``studies.exact_outcomes``
                                                                ``studies.early_exit``
                                                                ``studies.text_predictions``
                                                                ``studies.embeddings`` ``studies.facts``
``views``          what the learner sees: the marketplace,      ``views.market`` ``views.plots``
                   plots, sliders, the browser explorers        ``views.temperature_plots``
                   (``views/js/``) and the offline site.        ``views.widgets``
                   Imports every layer above, never             ``views.browser_explorers``
                   practice.                                    ``views.js_bundle`` ``views.math_html``
                                                                ``views.site``
``practice``       the bank, the learner's store, scheduling,   ``practice.questions`` ``practice.selection``
                   quiz, mock interview, readiness and plan,    ``practice.scheduling`` ``practice.progress``
                   the notebook panels, Anki export, the        ``practice.interview`` ``practice.readiness``
                   studykit command. Imports shared only,       ``practice.plan`` ``practice.quiz``
                   never torch.                                 ``practice.clock``
                                                                ``practice.interview_terminal``
                                                                ``practice.readiness_text``
                                                                ``practice.plan_command`` ``practice.usage``
                                                                ``practice.cli``
                                                                ``practice.question_html``
                                                                ``practice.widgets``
                                                                ``practice.interview_panel``
                                                                ``practice.readiness_view``
                                                                ``practice.anki`` ``practice.handover``
``practice.drills``  coding drills checked against the          ``practice.drills.catalog``
                   chapter's functions: the checks import       ``practice.drills.checks``
                   maths (and torch) when a check runs,         ``practice.drills.checker``
                   never on import.                             ``practice.drills.sandbox``
                                                                ``practice.drills._worker``
                                                                ``practice.drills.session``
                                                                ``practice.drills.terminal``
                                                                ``practice.drills.widget``
=================  ===========================================  ===========================================
"""

from . import _old_paths  # noqa: F401  (installs the table of old import paths)

__version__ = "0.1.0"
