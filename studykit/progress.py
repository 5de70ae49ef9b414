"""Old path of ``studykit.practice.progress``, kept because learners' own notebooks import it from here."""
import sys

from .practice import progress

sys.modules[__name__] = progress  # the same module object: every name, and monkeypatching, work as before
