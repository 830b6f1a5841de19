"""Who a page is for, as the event log names them: the signed-in person's id, or a guest known
only by the browser session's key (which the events of one visit share)."""

from __future__ import annotations

from django.http import HttpRequest


def visitor_user_id(request: HttpRequest) -> int | None:
    """The signed-in person's id, or None for a guest."""
    return int(request.user.pk) if request.user.is_authenticated else None


def visit_session_key(request: HttpRequest) -> str:
    """The browser session's key; a guest's first logged page creates the session, so that the
    events of the whole visit share one key (the session middleware then sends its cookie)."""
    session = request.session
    if session.session_key is None:
        session.save()  # creates the row and its key, and marks the session modified
    return session.session_key or ""
