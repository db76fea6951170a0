"""Hooks the login lockout (django-axes) calls."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone


def lockout_username(request, credentials: dict | None) -> str | None:
    """The email a login attempt was for, from the admin or applicant form (`username`) or the API (`email`)."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email")
    if not username and request is not None:
        username = request.POST.get("username") or request.POST.get("email")
    return username.strip().lower() if username else None


def locked_until() -> datetime:
    """When a lockout that has just begun (or been renewed by another failure) ends, in Pakistan time."""
    return timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The lockout page, saying until when."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "locked_out.html", {"until": locked_until(), "minutes": minutes}, status=429)
