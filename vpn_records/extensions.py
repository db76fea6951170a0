"""Where apps above vpn_records (which it may not import) take part in its flows: checks that can hold a
submission back, and panels shown on a registration's pages (check your answers, where they may offer changes,
and the registration's own page)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from applicants.models import Applicant
from core.errors import PortalError

from .models import Registration

# Answers why the registration may not be submitted yet, or None.
SubmissionCheck = Callable[[Registration], PortalError | None]
# Renders the app's part of a registration's page; `editable` on check your answers.
RegistrationPanel = Callable[[HttpRequest, Registration, bool], SafeString]
# Renders what an applicant should know before filling in the registration form (what to have ready).
FormPanel = Callable[[HttpRequest, Applicant], SafeString]

_submission_checks: list[SubmissionCheck] = []
_registration_panels: list[RegistrationPanel] = []
_form_panels: list[FormPanel] = []


def register_submission_check(check: SubmissionCheck) -> None:
    if check not in _submission_checks:
        _submission_checks.append(check)


def register_registration_panel(panel: RegistrationPanel) -> None:
    if panel not in _registration_panels:
        _registration_panels.append(panel)


def register_form_panel(panel: FormPanel) -> None:
    if panel not in _form_panels:
        _form_panels.append(panel)


def form_panels(request: HttpRequest, applicant: Applicant | None) -> list[SafeString]:
    return [panel(request, applicant) for panel in _form_panels] if applicant is not None else []


def submission_blocker(registration: Registration) -> PortalError | None:
    """The first reason a registered check gives for holding the submission back."""
    for check in _submission_checks:
        if (problem := check(registration)) is not None:
            return problem
    return None


def registration_panels(request: HttpRequest, registration: Registration, *, editable: bool) -> list[SafeString]:
    return [panel(request, registration, editable) for panel in _registration_panels]
