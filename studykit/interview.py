"""Old path of ``studykit.practice.interview``, kept because learners' own notebooks import it from here."""
import sys

from .practice import interview

sys.modules[__name__] = interview  # the same module object: every name, and monkeypatching, work as before
