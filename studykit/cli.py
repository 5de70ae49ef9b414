"""Old path of ``studykit.practice.cli``, kept because console scripts installed before the move import it."""
import sys

from .practice import cli

if __name__ == "__main__":  # `python -m studykit.cli`, as before the move
    sys.exit(cli.main())
sys.modules[__name__] = cli  # the same module object: `from studykit.cli import main` works as before
