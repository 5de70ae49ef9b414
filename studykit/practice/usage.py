"""A command-line value the ``studykit`` command cannot use: one line on stderr, exit code 2.

Its own module so the commands' helpers (``plan_command``) raise it without importing ``cli``,
which imports them.
"""

USAGE_ERROR = 2  # the exit code, as argparse uses for a bad option


class UsageError(ValueError):
    """A command-line value that cannot be used: one line on stderr, exit code 2."""
