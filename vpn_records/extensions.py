"""Where apps above vpn_records (which it may not import) take part in its flows: checks that can refuse a new
registration or hold a submission back, fields stamped on a registration as it is submitted, panels shown on a
registration's pages (check your answers, where they may offer changes, and the registration's own page),
listeners told of a decision, and links added to the API's registrations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

from applicants.models import Applicant, User
from core.errors import PortalError

from .models import Registration

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
# Told, inside the deciding transaction, that a registration under review was decided (approved or rejected).
DecisionListener = Callable[[Registration], None]
# Absolute URLs (or None) under the names it was registered with, added to the API's answer for a registration.
RegistrationLinks = Callable[[HttpRequest | None, Registration], dict[str, str | None]]

_creation_checks: list[CreationCheck] = []
_submission_checks: list[SubmissionCheck] = []
_submission_stamps: list[SubmissionStamp] = []
_registration_panels: list[RegistrationPanel] = []
_form_panels: list[FormPanel] = []
_decision_listeners: list[DecisionListener] = []
_registration_links: list[tuple[RegistrationLinks, Mapping[str, StrOrPromise]]] = []


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


def register_decision_listener(listener: DecisionListener) -> None:
    if listener not in _decision_listeners:
        _decision_listeners.append(listener)


def register_registration_links(links: RegistrationLinks, *, names: Mapping[str, StrOrPromise]) -> None:
    """`names`: each link's field name and its description in the API's schema."""
    if all(links is not known for known, _names in _registration_links):
        _registration_links.append((links, names))


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


def registration_decided(registration: Registration) -> None:
    for listener in _decision_listeners:
        listener(registration)


def registration_link_names() -> dict[str, StrOrPromise]:
    """Every registered link's field name, with its description."""
    return {name: text for _links, names in _registration_links for name, text in names.items()}


def registration_links(request: HttpRequest | None, registration: Registration) -> dict[str, str | None]:
    return {name: url for links, _names in _registration_links for name, url in links(request, registration).items()}
