"""Failures of services the app depends on, besides its database: they answer 503, not 500."""

from __future__ import annotations


class DependencyUnavailableError(RuntimeError):
    """A service the request needs (such as a prediction server) could not answer; its details
    go to the log, and the client hears only which part is unavailable."""

    public_message = "a service the app depends on is unavailable; try again later"
