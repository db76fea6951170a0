from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .selectors import window_for_request
from .window import NONE, WindowState


def registration_window(request: HttpRequest) -> dict:
    """The registration drive's banner for applicant pages (and visitors'); staff see the window in the admin.
    Read only when a page shows it, once per request."""

    def banner() -> WindowState | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.applicant_id:
            return None
        state = WindowState(window_for_request(request), timezone.localdate())
        return state if state.state != NONE else None

    return {"drive_banner": SimpleLazyObject(banner)}
