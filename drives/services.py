"""Every write of registration drives: set the window (audited), tell applicants of an extension, remind them of
the deadline."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import Applicant, User
from core.bidi import isolate
from core.errors import ForbiddenError, PortalError
from core.jobs import publish_on_commit
from notifications.services import notify_members
from vpn_records.models import Status

from .models import AfterGrace, RegistrationWindow, WindowChange
from .window import long_date, window_state

logger = logging.getLogger(__name__)

CHANGE_PERMISSION = "drives.change_registrationwindow"


def window_validate(
    *, deadline: date, grace_until: date, after_grace: str, opens_on: date | None, enforcement_from: date | None
) -> None:
    """PortalError, on the field at fault, for dates that contradict each other."""
    if grace_until < deadline:
        raise PortalError(
            _("The grace period must end on or after the deadline (%(deadline)s); it ends on %(grace_until)s.")
            % {"deadline": isolate(long_date(deadline)), "grace_until": isolate(long_date(grace_until))},
            code="grace_before_deadline",
            field="grace_until",
        )
    if opens_on is not None and opens_on > deadline:
        raise PortalError(
            _("The window must open on or before its deadline (%(deadline)s).")
            % {"deadline": isolate(long_date(deadline))},
            code="opens_after_deadline",
            field="opens_on",
        )
    if enforcement_from is not None and enforcement_from <= deadline:
        raise PortalError(
            _("Enforcement must start after the deadline (%(deadline)s).") % {"deadline": isolate(long_date(deadline))},
            code="enforcement_before_deadline",
            field="enforcement_from",
        )
    if after_grace not in AfterGrace.values:
        raise PortalError(_("Choose what happens after the grace period."), code="invalid", field="after_grace")


@transaction.atomic
def window_set(
    *,
    actor: User | None,
    reason: str,
    deadline: date,
    grace_until: date,
    after_grace: str = AfterGrace.CLOSED,
    opens_on: date | None = None,
    enforcement_from: date | None = None,
    notice_en: str = "",
    notice_ur: str = "",
    via: str = WindowChange.Via.ADMIN,
) -> WindowChange | None:
    """Set the registration window, with the reason, as one audited change; None when nothing changed.

    `actor` None is an operations script (the management command). Moving the deadline later tells every applicant
    with a draft or a registration sent back for changes, after commit."""
    if actor is not None and not actor.has_perm(CHANGE_PERMISSION):
        raise ForbiddenError(_("Only supervisors may change the registration window."), code="forbidden")
    if not reason.strip():
        raise PortalError(_("Give the reason for this change."), code="reason_required", field="reason")
    window_validate(
        deadline=deadline,
        grace_until=grace_until,
        after_grace=after_grace,
        opens_on=opens_on,
        enforcement_from=enforcement_from,
    )
    window = RegistrationWindow.objects.select_for_update().filter(pk=1).first()
    before = window.as_json() if window is not None else None
    previous_deadline = window.deadline if window is not None else None
    extended = previous_deadline is not None and deadline > previous_deadline
    extended_from = window.extended_from if window is not None else None
    if extended:
        extended_from = previous_deadline
    elif previous_deadline is not None and deadline < previous_deadline:
        extended_from = None
    window = window or RegistrationWindow(pk=1)
    window.opens_on, window.deadline, window.grace_until = opens_on, deadline, grace_until
    window.enforcement_from, window.after_grace = enforcement_from, after_grace
    window.notice_en, window.notice_ur = notice_en.strip(), notice_ur.strip()
    if window.as_json() == before:
        return None
    window.extended_from, window.changed_at = extended_from, timezone.now()
    window.save()
    change = WindowChange.objects.create(
        actor=actor, via=via, reason=reason.strip(), before=before, after=window.as_json()
    )
    if extended:
        from .tasks import notify_deadline_extended

        publish_on_commit(notify_deadline_extended.delay, change.pk)
    logger.info("registration window changed (%s): %s → %s", via, before, change.after)
    return change


def _unfinished_applicants(statuses: list[str]):
    return Applicant.objects.filter(registrations__status__in=statuses).distinct().order_by("pk")


def _dashboard_link() -> str:
    return settings.SITE_URL + reverse("vpn_records:dashboard")


def deadline_extension_notify(*, change_id: int) -> int:
    """Tell every applicant with a draft or a registration sent back for changes that the deadline moved, by email
    and in-app, each member in their language. Keyed by the change: running twice sends once. How many applicants."""
    change = WindowChange.objects.get(pk=change_id)
    before, after = change.before or {}, change.after
    context = {
        "deadline": date.fromisoformat(after["deadline"]),
        "previous": date.fromisoformat(before["deadline"]),
        "grace_until": date.fromisoformat(after["grace_until"]),
        "link": _dashboard_link(),
    }
    count = 0
    for applicant in _unfinished_applicants([Status.DRAFT, Status.CHANGES_REQUESTED]).iterator():
        with transaction.atomic():
            members = applicant.members.filter(is_active=True).order_by("pk")
            notify_members(members=members, event="deadline_extended", context=lambda _m: context, key=str(change.pk))
        count += 1
    logger.info("deadline extension %s told %s applicants", change.pk, count)
    return count


def deadline_reminders_send(*, today: date | None = None) -> int:
    """Daily: remind applicants with a draft N days before the deadline (DEADLINE_REMINDER_DAYS), once per member,
    deadline and N. A day the beat missed is caught up with the nearest N only. How many applicants."""
    state = window_state(today=today)
    window = state.window
    if window is None or state.state != "open" or state.days_left is None:
        return 0
    due = [days for days in settings.DEADLINE_REMINDER_DAYS if state.days_left <= days]
    if not due:
        return 0
    days = min(due)
    context = {"deadline": window.deadline, "days_left": state.days_left, "link": _dashboard_link()}
    count = 0
    for applicant in _unfinished_applicants([Status.DRAFT]).iterator():
        with transaction.atomic():
            members = applicant.members.filter(is_active=True).order_by("pk")
            notify_members(
                members=members,
                event="deadline_reminder",
                context=lambda _m: context,
                key=f"{window.deadline.isoformat()}:{days}",
            )
        count += 1
    logger.info("deadline %s: %s-day reminder for %s applicants", window.deadline, days, count)
    return count
