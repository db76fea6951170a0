"""The one place that says which status may follow which, and records every change."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.lifecycle import Lifecycle

from .models import IpEntry, Registration, Status, StatusChange, WhitelistVersion

# Registrations and their entries share one lifecycle.
TRANSITIONS: dict[str, frozenset[str]] = {
    # An entry another applicant holds is held back at submission, with the reason, rather than submitted.
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN, Status.CHANGES_REQUESTED}),
    Status.SUBMITTED: frozenset({Status.VERIFYING, Status.WITHDRAWN}),
    Status.VERIFYING: frozenset({Status.UNDER_REVIEW, Status.CHANGES_REQUESTED, Status.WITHDRAWN}),
    Status.UNDER_REVIEW: frozenset({Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED, Status.WITHDRAWN}),
    # Staff may reject an entry that failed verification rather than wait for the applicant.
    # A supervisor may also override verification and approve it (services check the permission).
    Status.CHANGES_REQUESTED: frozenset({Status.SUBMITTED, Status.WITHDRAWN, Status.REJECTED, Status.APPROVED}),
    # The applicant may give up an approval they no longer need.
    # A renewal's approval takes over from the approval it renews.
    Status.APPROVED: frozenset({Status.REVOKED, Status.EXPIRED, Status.WITHDRAWN, Status.RENEWED}),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.REVOKED: frozenset(),
    Status.RENEWED: frozenset(),
}


LIFECYCLE = Lifecycle(Status, TRANSITIONS)


def can_transition(current: str, target: str) -> bool:
    return LIFECYCLE.can(current, target)


@transaction.atomic
def transition_registration(
    *, registration: Registration, to: str, actor=None, reason: str = "", **fields
) -> StatusChange:
    """Move a registration to `to`, or raise ConflictError. The row changes only if nobody moved it first."""

    def record(current: str) -> StatusChange:
        return StatusChange(registration=registration, from_status=current, to_status=to, actor=actor, reason=reason)

    return LIFECYCLE.move(registration, to, name=registration.reference, record=record, **fields)


@transaction.atomic
def transition_entries(*, entries: Iterable[IpEntry], to: str, actor=None, reason: str = "", **fields) -> None:
    """Move each entry to `to`; all or none. Each entry's change is recorded."""
    entries = list(entries)
    if Status.APPROVED in {to, *(entry.status for entry in entries)}:
        fields = {**fields, "whitelist_version": whitelist_changed()}

    def record(entry: IpEntry, current: str) -> StatusChange:
        return StatusChange(
            registration_id=entry.registration_id,
            entry=entry,
            subject=entry.display,
            from_status=current,
            to_status=to,
            actor=actor,
            reason=reason,
        )

    LIFECYCLE.move_all(entries, to, name=lambda entry: entry.display, record=record, **fields)


def whitelist_changed() -> int:
    """Count a change to the approved whitelist, inside the transaction that makes it; the new version.

    The UPDATE holds the row lock until commit, so versions are committed in the order they are numbered.
    """
    now = timezone.now()
    if not WhitelistVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        WhitelistVersion.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})
    return WhitelistVersion.objects.values_list("number", flat=True).get(pk=1)
