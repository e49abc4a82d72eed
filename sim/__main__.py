"""``python -m sim``: the ``clustersim`` command line."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
