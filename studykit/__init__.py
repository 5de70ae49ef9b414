"""studykit: sampling temperature, top-k and top-p, computed and checked on a real language model.

Two halves, one concept per module; dependencies point one way (math <- model <- widgets, and
practice apart from the math, never importing torch). The chapter's modules sit at the top level
(``studykit.sampling``); practice is the subpackage ``studykit.practice``.

The chapter: what the notebooks compute
- pure math (numpy/torch, no I/O, no UI):
  ``sampling``       softmax with temperature, top-k / top-p / min-p, sampling, entropy
  ``metrics``        text statistics of samples: distinct-n, repetition, agreement, majority vote
  ``stats``          bootstrap intervals (over prompts, pairs, groups) and a chi-square test
  ``market``         the chapter's marketplace: a next-token distribution at one setting
  ``beam``           beam search on a word tree, and transformers' beam search on the model
  ``penalties``      repetition (transformers) and frequency/presence (OpenAI) penalties
  ``sequence_temperature``  temperature as a power of p; per-token vs sequence-level temperature
  ``divergences``    total variation distance and KL divergence
  ``speculative``    speculative sampling's accept/reject step and tokens per draft block
  ``passk``          Chen et al.'s unbiased pass@k
  ``calibration``    ECE, reliability bins, temperature scaling fitted by NLL
  ``distillation``   soft targets, the soft-target loss and its T^2 factor, dark knowledge
  ``contrastive``    InfoNCE / CLIP loss with a temperature, and how it weighs negatives
  ``degeneration``   decoders judged against a reference text (Holtzman et al. 2020)
  ``gumbel_sampling``  how a server samples a batch: Gumbel-max, the exponential race, per-row T
  ``sortfree_top_p``   top-p without a sort: FlashInfer's dual-pivot rejection sampler
  ``precision``      softmax from bf16/fp16 logits against fp32, and the bound on the damage
  ``constrained``    per-step grammar masking against the model conditioned on the grammar
  ``truncation_nsigma``  top-nσ truncation, whose kept set does not change with T
  ``paired_tests``   the noise of pass@1, samples needed, and McNemar's exact paired test
- data the notebooks measure on:
  ``human_reference`` human-written text of known provenance (public domain, 1992), cut into
                     prompt/continuation pairs that end where the author ended the paragraph
  ``reference``      the chapter's prose (provenance unverified: not called human) and pairs cut from it
  ``short_answers``, ``arithmetic_tasks``  questions with checkable answers
- the model (one place loads it):
  ``model_cache``    the verified de-quantised model on disk
  ``models``         loading, prompts (plain or chat template), next-token logits
  ``generation``     batched sampling (generate()'s loop, each prompt prefilled once), surprisal (NLL)
  ``result_cache``   generated text stored by content (model, arguments, versions, code, kernels)
  ``decoders``, ``sweep``  named decoder settings and temperature sweeps over many prompts
  ``determinism``    is greedy decoding repeatable when the batch around a request changes?
  ``fair_filters``   top-k, top-p and min-p compared at the same kept-set size
  ``exact_outcomes``  exact probabilities of short outcomes (a digit tree, a reply's first answer)
  ``early_exit``, ``text_predictions``, ``embeddings``  early-exit drafts, predictions along a
                     text, mean-pooled sentence embeddings
- the record: ``facts``  each quoted figure, written by the cell that measures it (notebooks/facts/)
- on top: ``plots``, ``temperature_plots`` (figures), ``widgets`` (sliders wired to the market)
  ``browser_explorers``  the explorers of 01 and 02 as anywidgets: the arithmetic runs in the browser
  ``js_bundle``      the browser's half (``studykit/js/``: sampling, formatting, bar chart, views) as one module
  ``math_html``, ``site``  the offline HTML edition (``make site``): LaTeX to MathML, notebooks to pages

Practice (``practice``): answering, grading, remembering
- the core (no terminal, no widgets):
  ``practice.questions``   YAML question banks, validated (schema, look_for per criterion, evidence)
  ``practice.selection``   which questions to practise: filters by tag, notebook (evidence), difficulty
  ``practice.scheduling``  FSRS spaced repetition driven by rubric scores
  ``practice.progress``    the learner's history in SQLite (one durable transaction per attempt)
  ``practice.interview``   the timed mock interview: which questions, what was said, what is saved
  ``practice.readiness``   predicted recall on the interview date per question and topic,
                           criteria met reliably, the readiness figure, the self-grading check
  ``practice.plan``        a daily plan to the interview date, run forward on the scheduler
- in a terminal:
  ``practice.quiz``        the practice loop
  ``practice.clock``, ``practice.interview_terminal``  the answer clock; the mock interview
  ``practice.readiness_text``  the readiness report and the plan as text
  ``practice.plan_command``    ``studykit plan`` and ``quiz --today``: the date and limit, checked
  ``practice.cli``         the ``studykit`` command (check, list, quiz, interview, progress,
                           plan, export; quiz, interview and list take the filters): every command it
                           has is a practice command, so it lives here
- in a notebook and beyond:
  ``practice.question_html``  a question's texts as HTML (answers, traps), for card, panel and Anki
  ``practice.widgets``     notebook 05's practice card, progress view and widget-layout helpers
  ``practice.interview_panel``  the mock interview as a notebook panel
  ``practice.readiness_view``   readiness in notebook 05: the report, recall by topic, the plan's
                           calendar, and the panel that sets the interview date
  ``practice.anki``        the bank as an Anki deck
  ``practice.handover``    each notebook's last section: the questions it showed, and the command
- coding drills (``practice.drills``): write the sampler yourself, checked against the chapter's
  functions (loaded only when a check runs, so importing practice never pulls in torch):
  ``practice.drills.catalog``  each drill's contract, starter, solution and what interviewers listen for
  ``practice.drills.checks``   per drill: edge cases, hypothesis strategies, reference, comparison,
                               statistical tests of draws
  ``practice.drills.checker``  runs them and reports the first failing case, shrunk
  ``practice.drills.sandbox``, ``practice.drills._worker``  the learner's code in its own process
                               (time and memory limits)
  ``practice.drills.session``  one sitting: the clock, each check saved, the solution after a pass
  ``practice.drills.terminal`` ``studykit drill``; ``practice.drills.widget`` the notebook's drill card

Shared helpers (top level: they belong to neither half)
  ``paths``          where files live: the model cache (chapter) and the learner's data (practice);
                     writing a file so that no reader sees half of it (the exports)
  ``tables``         a table shown as HTML in a notebook and as text in a terminal (nothing in it
                     is about questions; practice uses it today)
  ``notebook_files`` the kit's notebooks: committed without volatile metadata; the learner's
                     my-notebooks/ (what ``make lab`` and ``make notebooks`` run)

Old paths: each of these is the practice module of the same name (aliased in sys.modules, so
every name and monkeypatching work), kept because learners' own notebooks (my-notebooks/, never
rewritten on update) and console scripts installed before the move import them:
``questions``, ``progress``, ``scheduling``, ``interview``, ``interview_panel``, ``cli``
"""

__version__ = "0.1.0"
