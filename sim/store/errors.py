"""Exceptions raised by the results store."""

from __future__ import annotations

__all__ = ["StoreError", "StoreUnavailable", "SweepConflict", "SweepNotFound"]


class StoreError(Exception):
    """Base class of every error the results store raises on purpose."""


class StoreUnavailable(StoreError):  # noqa: N818 (name fixed by the API)
    """The results database cannot be opened, reached or brought to the current schema.

    Attributes:
        url_masked: The database URL with any password replaced by ``***``.
        reason: Why the database could not be opened (never contains the password).
    """

    def __init__(self, url_masked: str, reason: str) -> None:
        self.url_masked = url_masked
        self.reason = reason
        super().__init__(f"results database {url_masked} is unavailable: {reason}")


class SweepConflict(StoreError):  # noqa: N818 (name fixed by the API)
    """A sweep name is already taken by a sweep with a different definition."""


class SweepNotFound(StoreError, KeyError):  # noqa: N818
    """No sweep with the requested name is stored."""

    def __str__(self) -> str:
        # KeyError.__str__ would quote the message as a repr.
        return str(self.args[0]) if self.args else ""
