"""Where apps above vpn_records (which it may not import) take part in its flows: checks that can refuse a new
registration or hold a submission back, fields stamped on a registration as it is submitted, and panels shown on a
registration's pages (check your answers, where they may offer changes, and the registration's own page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

from applicants.models import Applicant, User
from core.errors import PortalError

from .models import Registration

# Answers why the user may not start a new registration (by form, API or bulk upload), or None.
CreationCheck = Callable[[User], PortalError | None]
# Answers why the registration may not be submitted yet, or None.
SubmissionCheck = Callable[[Registration], PortalError | None]
# The registration's fields to set as it is submitted (such as `late`); {} for none.
SubmissionStamp = Callable[[Registration], dict[str, Any]]
# Renders the app's part of a registration's page; `editable` on check your answers.
RegistrationPanel = Callable[[HttpRequest, Registration, bool], SafeString]
# Renders what an applicant should know before filling in the registration form (what to have ready).
FormPanel = Callable[[HttpRequest, Applicant], SafeString]

_creation_checks: list[CreationCheck] = []
_submission_checks: list[SubmissionCheck] = []
_submission_stamps: list[SubmissionStamp] = []
_registration_panels: list[RegistrationPanel] = []
_form_panels: list[FormPanel] = []


def register_creation_check(check: CreationCheck) -> None:
    if check not in _creation_checks:
        _creation_checks.append(check)


def register_submission_check(check: SubmissionCheck) -> None:
    if check not in _submission_checks:
        _submission_checks.append(check)


def register_submission_stamp(stamp: SubmissionStamp) -> None:
    if stamp not in _submission_stamps:
        _submission_stamps.append(stamp)


def register_registration_panel(panel: RegistrationPanel) -> None:
    if panel not in _registration_panels:
        _registration_panels.append(panel)


def register_form_panel(panel: FormPanel) -> None:
    if panel not in _form_panels:
        _form_panels.append(panel)


def form_panels(request: HttpRequest, applicant: Applicant | None) -> list[SafeString]:
    return [panel(request, applicant) for panel in _form_panels] if applicant is not None else []


def creation_blocker(user: User) -> PortalError | None:
    """The first reason a registered check gives for refusing `user` a new registration."""
    for check in _creation_checks:
        if (problem := check(user)) is not None:
            return problem
    return None


def submission_stamp(registration: Registration) -> dict[str, Any]:
    """The fields every registered stamp sets on the registration being submitted."""
    return {field: value for stamp in _submission_stamps for field, value in stamp(registration).items()}


def submission_blocker(registration: Registration) -> PortalError | None:
    """The first reason a registered check gives for holding the submission back."""
    for check in _submission_checks:
        if (problem := check(registration)) is not None:
            return problem
    return None


def registration_panels(request: HttpRequest, registration: Registration, *, editable: bool) -> list[SafeString]:
    return [panel(request, registration, editable) for panel in _registration_panels]
