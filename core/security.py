"""Hooks the login lockout (django-axes) calls."""

from __future__ import annotations


def lockout_username(request, credentials: dict | None) -> str | None:
    """The email a login attempt was for, from the admin or applicant form (`username`) or the API (`email`)."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email")
    if not username and request is not None:
        username = request.POST.get("username") or request.POST.get("email")
    return username.strip().lower() if username else None
