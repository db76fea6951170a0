from __future__ import annotations

from django.http import HttpRequest

from .models import RegistrationWindow, WindowChange


def window_current() -> RegistrationWindow | None:
    return RegistrationWindow.objects.filter(pk=1).first()


def window_for_request(request: HttpRequest) -> RegistrationWindow | None:
    """The window, read once per request however often a page asks."""
    if not hasattr(request, "_registration_window"):
        request._registration_window = window_current()  # type: ignore[attr-defined]
    return request._registration_window  # type: ignore[attr-defined]


def window_last_change() -> WindowChange | None:
    return WindowChange.objects.select_related("actor").first()
