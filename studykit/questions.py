"""Old path of ``studykit.practice.questions``, kept because learners' own notebooks import it from here."""
import sys

from .practice import questions

sys.modules[__name__] = questions  # the same module object: every name, and monkeypatching, work as before
