"""What the window means today: its state, whether a new registration is refused, and whether a submission is late.
These answer vpn_records' extension points (apps.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from applicants.models import User
from core.bidi import isolate
from core.errors import ConflictError, PortalError
from vpn_records.models import Registration

from .models import AfterGrace, RegistrationWindow
from .selectors import window_current

NONE, UPCOMING, OPEN, GRACE, OPEN_LATE, CLOSED = "none", "upcoming", "open", "grace", "open_late", "closed"


@dataclass(frozen=True)
class WindowState:
    window: RegistrationWindow | None
    today: date

    @property
    def state(self) -> str:
        window = self.window
        if window is None:
            return NONE
        if window.opens_on and self.today < window.opens_on:
            return UPCOMING
        if self.today <= window.deadline:
            return OPEN
        if self.today <= window.grace_until:
            return GRACE
        return CLOSED if window.after_grace == AfterGrace.CLOSED else OPEN_LATE

    @property
    def days_left(self) -> int | None:
        """Days until the deadline while open, until the end of the grace period in it; 0 on the last day."""
        if self.window is None or self.state not in (OPEN, GRACE):
            return None
        last = self.window.deadline if self.state == OPEN else self.window.grace_until
        return (last - self.today).days

    @property
    def late(self) -> bool:
        return self.state in (GRACE, OPEN_LATE)

    @property
    def extended(self) -> bool:
        return self.window is not None and self.window.extended_from is not None

    @property
    def notice(self) -> str:
        if self.window is None:
            return ""
        return (self.window.notice_ur if get_language() == "ur" else "") or self.window.notice_en


def window_state(window: RegistrationWindow | None = None, *, today: date | None = None) -> WindowState:
    return WindowState(window if window is not None else window_current(), today or timezone.localdate())


def long_date(day: date) -> str:
    """`14 December 2026`, in the active language."""
    return formats.date_format(day, "j F Y")


def closed_message(window: RegistrationWindow) -> str:
    return _(
        "Registration closed on %(closed)s, at the end of the grace period (the deadline was %(deadline)s). You can "
        "still correct a registration sent back to you, or renew an approval."
    ) % {"closed": isolate(long_date(window.grace_until)), "deadline": isolate(long_date(window.deadline))}


def _closed_error(window: RegistrationWindow) -> PortalError:
    return ConflictError(closed_message(window), code="registration_closed")


def new_registration_refusal(user: User) -> PortalError | None:
    """A closed window refuses a new registration (form, API or bulk upload). Renewals and address changes are
    not new: they continue an approval (vpn_records makes them without asking this)."""
    state = window_state()
    if state.state != CLOSED or state.window is None:
        return None
    return _closed_error(state.window)


def first_submission_refusal(registration: Registration) -> PortalError | None:
    """A draft never submitted is a new registration: refused once closed. A correction, a renewal and an address
    change go through."""
    if registration.submitted_at is not None or registration.continues is not None:
        return None
    return new_registration_refusal(registration.created_by)


def late_stamp(registration: Registration) -> dict[str, bool]:
    """A first submission after the deadline is marked late; a correction keeps the mark it had."""
    if registration.submitted_at is None and registration.continues is None and window_state().late:
        return {"late": True}
    return {}
