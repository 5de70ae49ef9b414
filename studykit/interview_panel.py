"""Old path of ``studykit.practice.interview_panel``, kept because learners' own notebooks import it from here."""
import sys

from .practice import interview_panel

sys.modules[__name__] = interview_panel  # the same module object: every name, and monkeypatching, work as before
