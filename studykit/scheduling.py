"""Old path of ``studykit.practice.scheduling``, kept because learners' own notebooks import it from here."""
import sys

from .practice import scheduling

sys.modules[__name__] = scheduling  # the same module object: every name, and monkeypatching, work as before
