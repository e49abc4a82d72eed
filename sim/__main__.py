"""``python -m sim`` and the ``clustersim`` console script.

The entry point imports the command line only when it runs, so a Ctrl-C during the seconds of
start-up (pandas, SciPy, SQLAlchemy) ends with one line and exit 130, not a traceback, and a
process-pool worker that re-runs the script's ``__main__`` imports nothing heavy.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> int:
    """Run ``clustersim`` with the process arguments; returns its exit code."""
    try:
        from sim.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("clustersim: interrupted\n")
        return 130
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
