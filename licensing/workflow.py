"""Which status of a licence application may follow which; every move recorded with who and why."""

from __future__ import annotations

from core.lifecycle import Lifecycle

from .models import LicenceApplication, LicenceChange, LicenceStatus

S = LicenceStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    # A reviewer's recommendation (to grant or to refuse) puts it under review, for a supervisor to decide.
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.INFORMATION_REQUESTED, S.REJECTED, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.INFORMATION_REQUESTED, S.WITHDRAWN}),
    S.INFORMATION_REQUESTED: frozenset({S.SUBMITTED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.SUSPENDED, S.REVOKED, S.EXPIRED}),
    S.SUSPENDED: frozenset({S.APPROVED, S.REVOKED, S.EXPIRED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REVOKED: frozenset(),
    S.EXPIRED: frozenset(),
}

LIFECYCLE = Lifecycle(LicenceStatus, TRANSITIONS)


def transition_application(
    *, application: LicenceApplication, to: str, actor=None, reason: str = "", **fields
) -> LicenceChange:
    """Move an application to `to`, or raise ConflictError; the row changes only if nobody moved it first."""

    def record(current: str) -> LicenceChange:
        return LicenceChange(application=application, from_status=current, to_status=to, actor=actor, reason=reason)

    return LIFECYCLE.move(application, to, name=application_name(application), record=record, **fields)


def application_name(application: LicenceApplication) -> str:
    return application.licence_number or application.trade_name
