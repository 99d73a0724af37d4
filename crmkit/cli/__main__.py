"""``python -m crmkit.cli`` runs the ``crmkit`` command (as ``python -m crmkit`` does)."""

import sys

from crmkit.cli import main

if (
    __name__ == "__main__"
):  # importing the module (as the package scan in the tests does) runs nothing
    sys.exit(main())
