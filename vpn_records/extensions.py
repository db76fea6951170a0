"""Where apps above vpn_records (which it may not import) take part in its flows: checks that can hold a
submission back, and panels shown on the check-your-answers page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from core.errors import PortalError

from .models import Registration

# Answers why the registration may not be submitted yet, or None.
SubmissionCheck = Callable[[Registration], PortalError | None]
ReviewPanel = Callable[[HttpRequest, Registration], SafeString]

_submission_checks: list[SubmissionCheck] = []
_review_panels: list[ReviewPanel] = []


def register_submission_check(check: SubmissionCheck) -> None:
    if check not in _submission_checks:
        _submission_checks.append(check)


def register_review_panel(panel: ReviewPanel) -> None:
    if panel not in _review_panels:
        _review_panels.append(panel)


def submission_blocker(registration: Registration) -> PortalError | None:
    """The first reason a registered check gives for holding the submission back."""
    for check in _submission_checks:
        if (problem := check(registration)) is not None:
            return problem
    return None


def review_panels(request: HttpRequest, registration: Registration) -> list[SafeString]:
    return [panel(request, registration) for panel in _review_panels]
