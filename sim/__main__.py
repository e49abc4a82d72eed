"""``python -m sim`` and the ``clustersim`` console script.

The entry point imports the command line only when it runs, so a Ctrl-C during the seconds of
start-up (pandas, SciPy, SQLAlchemy) ends with one line and exit 130, not a traceback, and a
process-pool worker that re-runs the script's ``__main__`` imports nothing heavy.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]

EXIT_INTERRUPTED = 130  # as sim.cli: Ctrl-C
EXIT_TERMINATED = 143  # as sim.cli: SIGTERM


def main() -> int:
    """Run ``clustersim`` with the process arguments; returns its exit code.

    After Ctrl-C (130) or SIGTERM (143) the process ends at once with that code (``os._exit``)
    once the command line has stopped the sweep and printed its line.
    """
    try:
        from sim.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("clustersim: interrupted\n")
        return EXIT_INTERRUPTED
    code = cli_main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        # The sweep was stopped: its workers are ended and what finished is stored. Leave now
        # instead of waiting at interpreter exit on a process pool's helper threads, which
        # Python joins without a timeout (a pool whose workers were killed with calls queued
        # can leave them blocked). Seen once in CI under load: "terminated" printed, then no
        # exit within 60 s.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
