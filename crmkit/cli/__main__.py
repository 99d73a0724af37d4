"""``python -m crmkit.cli`` runs the ``crmkit`` command (as ``python -m crmkit`` does)."""

import sys

from crmkit.cli import main

# Guarded: importing the module (as the tests' scan of every submodule does) runs nothing.
if __name__ == "__main__":
    sys.exit(main())
