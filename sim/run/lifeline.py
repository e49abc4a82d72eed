"""The fork server of the process pools dies with the process that started it.

The fork server imports this module first, before its (slow) preloads: when the environment
names its parent (:data:`PARENT_ENV`, set by :func:`sim.run.executors.make_executor` only while
it starts the server), the kernel is asked to SIGKILL this process when that parent dies
(Linux ``PR_SET_PDEATHSIG``). Any other process that imports the module is left alone: its
parent is not the one named.

Without it a ``kill -9`` of a sweep while the fork server is still importing leaves the server
running until its imports end; the workers (which also watch the sweep's process, see
:mod:`sim.run.executors`) would then start into a dead sweep.

The fork server (marked by :data:`SERVER_ENV`, set while it starts) also makes Ctrl-C ignored
before the server installs its own handlers: the handlers it finds are the ones its children
are born with, so a pool worker ignores Ctrl-C from its first instruction (the sweep's process
handles it), not only once its initializer has run. Before, a Ctrl-C that reached a worker in
that gap printed a ``KeyboardInterrupt`` traceback beside the sweep's one-line message.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys

__all__ = ["PARENT_ENV", "SERVER_ENV", "set_parent_death_signal"]

PARENT_ENV = "CLUSTERSIM_FORKSERVER_PARENT"
SERVER_ENV = "CLUSTERSIM_FORKSERVER"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def set_parent_death_signal(signum: int) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent dies (Linux only).

    Note that Linux counts the *thread* that started this process as its parent.

    Args:
        signum: The signal, e.g. ``signal.SIGKILL``.

    Returns:
        Whether the request was accepted (False on other systems).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exited(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie not yet reaped counts as exited)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):  # no pidfd: a zombie passes for alive here
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    finally:
        os.close(fd)


def _die_with_named_parent() -> None:
    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit():
        return
    if int(parent) == os.getppid():
        set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != int(parent) and _exited(int(parent)):
        os._exit(1)  # the parent died before the request took effect: started for nothing


def _children_ignore_ctrl_c() -> None:
    if os.environ.pop(SERVER_ENV, "") == "1":  # the fork server; not passed on to its children
        signal.signal(signal.SIGINT, signal.SIG_IGN)


_die_with_named_parent()
_children_ignore_ctrl_c()
