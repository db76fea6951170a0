"""Every write to registrations and their entries."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.models import Applicant, User
from core.bidi import isolate
from core.errors import ConflictError, ForbiddenError, PortalError
from core.jobs import publish_on_commit, redispatch_stuck
from core.networks import IPNetwork, display_network
from notifications.models import Notification
from notifications.services import notification_queue, notify_members

from .checks import (
    FAIL,
    PASS,
    WARN,
    Context,
    Finding,
    NumberContext,
    check_conflicts,
    check_identity,
    finding_message,
    run_network_checks,
    run_number_checks,
)
from .extensions import creation_blocker, registration_decided, submission_blocker, submission_stamp
from .holders import held_by_others, numbers_held_by_others, take_holder_lock
from .models import (
    IpEntry,
    Isp,
    Kind,
    NumberView,
    Purpose,
    ReferenceSequence,
    Registration,
    Status,
    StatusChange,
    VpnType,
    reference_text,
)
from .msisdn import MobileNumber, Operator, mask_msisdn
from .proofs import unproved_numbers
from .selectors import RENEWAL_PENDING, renewal_opens_on
from .sim_ownership import SimOwnershipUnavailable, get_sim_ownership_backend
from .verification import duplicate_cnic_applicants, gather_contexts, gather_number_contexts
from .workflow import can_transition, transition_entries, transition_registration, whitelist_changed

logger = logging.getLogger(__name__)

EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)


def _not_editable_message(registration: Registration) -> str:
    return _("%(reference)s can no longer be changed: it is %(status)s.") % {
        "reference": registration.reference,
        "status": registration.get_status_display().lower(),
    }


def next_reference() -> str:
    """The next reference of the year (VPN-2026-000123), unique under any concurrency."""
    year = timezone.localdate().year
    ReferenceSequence.objects.get_or_create(year=year)
    # The UPDATE holds the row lock until commit, so concurrent submissions get distinct numbers.
    ReferenceSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceSequence.objects.get(year=year).last_number
    return reference_text(year, number)


@dataclass(frozen=True)
class Batch:
    """What every entry of a registration shares: typed in the form or API, or given with an uploaded file."""

    purpose: str
    purpose_detail: str
    isp: str
    vpn_type: str
    isp_other: str = ""

    def checked(self) -> Batch:
        """The batch as stored; PortalError if the ISP is "Other" without a name."""
        return replace(self, isp_other=isp_other_kept(isp=self.isp, isp_other=self.isp_other))


def verification_outcome(severities: Collection[str]) -> str:
    """A registration's outcome: the worst severity among its entries' findings and its applicant's identity."""
    return FAIL if FAIL in severities else WARN if WARN in severities else PASS


def _identity_findings(applicant: Applicant) -> list[Finding]:
    return check_identity(applicant, duplicate_cnic_applicants(applicant=applicant))


def isp_other_kept(*, isp: str, isp_other: str) -> str:
    """The other ISP's name to store: required with "Other", dropped with any listed ISP. For every batch of
    entries, typed or uploaded."""
    if isp != Isp.OTHER:
        return ""
    if not isp_other.strip():
        raise PortalError(_("Name your ISP when you choose “Other”."), code="isp_other_required", field="isp_other")
    return isp_other.strip()


def _validate(
    *, user: User, networks: Sequence[IPNetwork], numbers: Sequence[MobileNumber], isp: str, isp_other: str
) -> int:
    """The user's applicant id, once the user and the registration's fields pass."""
    if user.applicant_id is None:
        raise PortalError(_("Only applicant accounts can register networks."), code="not_applicant")
    if not networks and not numbers:
        raise PortalError(
            _("Enter at least one IP address, network or mobile number."), code="no_entries", field="entries"
        )
    count = len(networks) + len(numbers)
    if count > settings.REGISTRATION_MAX_ENTRIES:
        raise PortalError(
            _("A registration may hold at most %(limit)s entries; you entered %(count)s. Use a bulk upload for more.")
            % {"limit": settings.REGISTRATION_MAX_ENTRIES, "count": count},
            code="too_many_entries",
            field="entries",
        )
    if len(set(networks)) != len(networks):
        raise PortalError(_("The same network is listed twice."), code="duplicate_entry", field="entries")
    if len({number.msisdn for number in numbers}) != len(numbers):
        raise PortalError(_("The same mobile number is listed twice."), code="duplicate_entry", field="entries")
    if any(number.operator not in Operator.values for number in numbers):
        raise PortalError(_("Choose each number's operator."), code="operator_invalid", field="entries")
    isp_other_kept(isp=isp, isp_other=isp_other)
    return user.applicant_id


def _new_entries(registration: Registration, networks: Sequence[IPNetwork], numbers: Sequence[MobileNumber]) -> None:
    IpEntry.objects.bulk_create(
        [
            *(IpEntry(registration=registration, network=network) for network in networks),
            *(IpEntry(registration=registration, msisdn=n.msisdn, operator=n.operator) for n in numbers),
        ]
    )


@transaction.atomic
def registration_create(
    *,
    user: User,
    purpose: str,
    purpose_detail: str,
    isp: str,
    vpn_type: str,
    networks: Sequence[IPNetwork],
    numbers: Sequence[MobileNumber] = (),
    isp_other: str = "",
    client_token: uuid.UUID | None = None,
) -> Registration:
    """Start a draft registration with its entries. The same form sent again (`client_token`) changes the draft it
    made, and one already submitted is returned as it is."""
    applicant_id = _validate(user=user, networks=networks, numbers=numbers, isp=isp, isp_other=isp_other)
    fields = {"purpose": purpose, "purpose_detail": purpose_detail, "isp": isp, "vpn_type": vpn_type}
    if client_token is not None:
        made = _made_by_form(applicant_id=applicant_id, client_token=client_token)
        if made is not None:
            if not made.is_editable:
                return made
            return registration_update(
                registration=made, user=user, networks=networks, numbers=numbers, isp_other=isp_other, **fields
            )
    if (problem := creation_blocker(user)) is not None:
        raise problem
    batch = Batch(purpose, purpose_detail, isp, vpn_type, isp_other).checked()
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                reference=next_reference(),
                applicant_id=applicant_id,
                created_by=user,
                client_token=client_token,
                **asdict(batch),
            )
    except IntegrityError:  # a double click: the other request made the draft a moment ago
        made = _made_by_form(applicant_id=applicant_id, client_token=client_token)
        if made is None:
            raise
        return made
    _new_entries(registration, networks, numbers)
    registration.entry_count = len(networks) + len(numbers)
    Registration.objects.filter(pk=registration.pk).update(entry_count=registration.entry_count)
    return registration


def _made_by_form(*, applicant_id: int, client_token: uuid.UUID | None) -> Registration | None:
    return Registration.objects.filter(applicant_id=applicant_id, client_token=client_token).first()


@transaction.atomic
def registration_update(
    *,
    registration: Registration,
    user: User,
    purpose: str,
    purpose_detail: str,
    isp: str,
    vpn_type: str,
    networks: Sequence[IPNetwork],
    numbers: Sequence[MobileNumber] = (),
    isp_other: str = "",
) -> Registration:
    """Change a draft, or a registration sent back for changes. Kept entries keep their history."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in EDITABLE:
        raise PortalError(_not_editable_message(registration), code="not_editable")
    _validate(user=user, networks=networks, numbers=numbers, isp=isp, isp_other=isp_other)
    registration.purpose, registration.purpose_detail, registration.vpn_type = purpose, purpose_detail, vpn_type
    registration.isp, registration.isp_other = isp, isp_other_kept(isp=isp, isp_other=isp_other)
    registration.save()
    wanted = {number.msisdn: number.operator for number in numbers}
    registration.entries.filter(network__isnull=False).exclude(network__in=[str(n) for n in networks]).delete()
    registration.entries.filter(msisdn__isnull=False).exclude(msisdn__in=wanted).delete()
    kept = list(registration.entries.all())
    for entry in kept:
        if entry.msisdn is not None and entry.operator != wanted[entry.msisdn]:
            IpEntry.objects.filter(pk=entry.pk).update(operator=wanted[entry.msisdn])
    kept_networks = {entry.network for entry in kept if not entry.is_number}
    kept_numbers = {entry.msisdn for entry in kept if entry.is_number}
    _new_entries(
        registration,
        [network for network in networks if network not in kept_networks],
        [number for number in numbers if number.msisdn not in kept_numbers],
    )
    registration.entry_count = len(networks) + len(numbers)
    Registration.objects.filter(pk=registration.pk).update(entry_count=registration.entry_count)
    return registration


@transaction.atomic
def registration_submit(*, registration: Registration, user: User) -> Registration:
    """Send a draft (or a corrected registration) for verification; the task is published after commit."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in EDITABLE:
        raise ConflictError(_not_editable_message(registration), code="not_editable")
    entries = list(registration.entries.filter(status__in=EDITABLE))
    if not entries:
        raise PortalError(_("Add at least one IP address or network before submitting."), code="no_entries")
    if (problem := _unproved_problem(registration)) is not None:
        raise problem
    if (problem := submission_blocker(registration)) is not None:
        raise problem
    now = timezone.now()
    change = transition_registration(
        registration=registration,
        to=Status.SUBMITTED,
        actor=user,
        submitted_at=now,
        verification_dispatched_at=now,
        **submission_stamp(registration),
    )
    # Late, after every check that can refuse: the holder lock waits for every other submission and approval.
    take_holder_lock()
    held = _held(entries, applicant_id=registration.applicant_id)
    transition_entries(entries=[e for e in entries if e.pk not in held], to=Status.SUBMITTED, actor=user, reasons=[])
    _hold_back(entries=[e for e in entries if e.pk in held], held=held, actor=user)
    _dispatch_verification(registration)
    registration_changed(registration=registration, change=change, notice="registration_submitted")
    return registration


HELD_BACK = gettext_lazy("Another applicant holds this network; it was not submitted.")


def _held(entries: Sequence[IpEntry], *, applicant_id: int) -> dict[int, Finding]:
    """The entries whose network or number another applicant holds, by id, with the conflict finding."""
    networks = [entry.network for entry in entries if not entry.is_number]
    numbers = [entry.msisdn for entry in entries if entry.msisdn is not None]
    held_networks = held_by_others(networks=networks, applicant_id=applicant_id)
    held_numbers = numbers_held_by_others(msisdns=numbers, applicant_id=applicant_id)
    conflicts: dict[int, Finding] = {}
    for entry in entries:
        if entry.msisdn is not None:
            if entry.msisdn in held_numbers:
                number_context = NumberContext(other_holders=held_numbers[entry.msisdn])
                findings = run_number_checks(entry.msisdn, entry.operator, number_context)
                conflicts[entry.pk] = next(f for f in findings if f.code == "number_conflict")
        elif entry.network in held_networks:
            conflicts[entry.pk] = check_conflicts(entry.network, Context(other_applicants=held_networks[entry.network]))
    return conflicts


def _unproved_problem(registration: Registration) -> PortalError | None:
    """Numbers still to be proved by their SMS code hold the submission back."""
    entries = registration.entries.filter(msisdn__isnull=False, status__in=EDITABLE)
    numbers = [msisdn for msisdn in entries.values_list("msisdn", flat=True) if msisdn is not None]
    unproved = unproved_numbers(applicant_id=registration.applicant_id, msisdns=numbers)
    if not unproved:
        return None
    return PortalError(
        _("Prove you hold each mobile number with the code we send it before you submit: %(numbers)s.")
        % {"numbers": ", ".join(isolate(mask_msisdn(msisdn)) for msisdn in unproved)},
        code="msisdn_not_proved",
        field="entries",
    )


def _hold_back(*, entries: list[IpEntry], held: dict[int, Finding], actor: User) -> None:
    """Entries another applicant holds stay with the applicant, with the reason, instead of being submitted:
    one network or number has one holder. Verification counts them as failed."""
    for entry in entries:
        entry.reasons = [held[entry.pk].as_json()]
    IpEntry.objects.bulk_update(entries, ["reasons"])
    drafts = [entry for entry in entries if entry.status == Status.DRAFT]
    transition_entries(entries=drafts, to=Status.CHANGES_REQUESTED, actor=actor, reason=str(HELD_BACK))


@transaction.atomic
def registration_create_and_submit(*, user: User, **fields) -> Registration:
    """Create and submit at once; kept a draft when a submission check holds it back (documents to upload,
    numbers to prove)."""
    registration = registration_create(user=user, **fields)
    if not registration.is_editable:
        return registration
    if _unproved_problem(registration) is not None or submission_blocker(registration) is not None:
        return registration
    return registration_submit(registration=registration, user=user)


@transaction.atomic
def registration_withdraw(*, registration: Registration, user: User, reason: str = "") -> Registration:
    """The applicant takes the registration back; every entry still open goes with it."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    change = transition_registration(registration=registration, to=Status.WITHDRAWN, actor=user, reason=reason)
    open_entries = [e for e in registration.entries.all() if can_transition(e.status, Status.WITHDRAWN)]
    transition_entries(entries=open_entries, to=Status.WITHDRAWN, actor=user, reason=reason)
    _release_held_over(registration)
    registration_changed(registration=registration, change=change)
    return registration


def sim_ownership_ask(*, registration_id: int, final: bool) -> dict[str, str]:
    """The operators' answers on who holds each number waiting for verification, asked outside any transaction.
    SimOwnershipUnavailable when an operator gave no usable answer, unless `final`: then that number is marked
    "unavailable" and staff confirm it in review."""
    registration = Registration.objects.select_related("applicant").filter(pk=registration_id).first()
    if registration is None:
        return {}
    waiting = registration.entries.filter(msisdn__isnull=False, status__in=[Status.SUBMITTED, Status.VERIFYING])
    backend = get_sim_ownership_backend()
    answers: dict[str, str] = {}
    for msisdn, operator in waiting.values_list("msisdn", "operator"):
        if msisdn is None:
            continue
        try:
            answer = backend.check(msisdn=msisdn, cnic=registration.applicant.identity_cnic, operator=operator)
        except SimOwnershipUnavailable as error:
            logger.warning(
                "registration %s: no SIM ownership answer for %s: %s",
                registration.reference,
                mask_msisdn(msisdn),
                error,
            )
            if not final:
                raise
            answers[msisdn] = "unavailable"
        else:
            answers[msisdn] = answer.ownership.value
    return answers


@transaction.atomic
def registration_verify(*, registration_id: int, ownership: dict[str, str] | None = None) -> Registration | None:
    """Check every submitted entry and the applicant's identity, then route the registration on. `ownership`
    holds the operators' answers (sim_ownership_ask); asked here when not given.

    Idempotent: a registration no longer waiting for verification is left alone, and the row lock makes a
    second copy of the task wait for the first and then find nothing to do.
    """
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("applicant")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or registration.status not in {Status.SUBMITTED, Status.VERIFYING}:
        return None
    if ownership is None:
        ownership = sim_ownership_ask(registration_id=registration_id, final=True)
    if registration.status == Status.SUBMITTED:
        transition_registration(registration=registration, to=Status.VERIFYING)
    entries = list(registration.entries.filter(status__in=[Status.SUBMITTED, Status.VERIFYING]).order_by("id"))
    transition_entries(entries=[e for e in entries if e.status == Status.SUBMITTED], to=Status.VERIFYING)
    # Held back at submission (another applicant holds them): failed already, with the reason.
    held_back = list(registration.entries.filter(status=Status.CHANGES_REQUESTED))

    contexts = gather_contexts(
        applicant_id=registration.applicant_id,
        networks=[entry.network for entry in entries if not entry.is_number],
        exclude_registration_id=registration.pk,
    )
    number_contexts = gather_number_contexts(
        applicant_id=registration.applicant_id,
        msisdns=[entry.msisdn for entry in entries if entry.msisdn is not None],
        exclude_registration_id=registration.pk,
    )
    if registration.renews_id is not None:
        _forget_what_it_renews(registration, contexts.values(), number_contexts.values())
    passed: list[IpEntry] = []
    failed: list[IpEntry] = []
    for entry in entries:
        if entry.msisdn is not None:
            context = number_contexts[entry.msisdn]
            context.ownership = ownership.get(entry.msisdn, "pending")
            findings = run_number_checks(entry.msisdn, entry.operator, context)
        else:
            findings = run_network_checks(entry.network, contexts[entry.network])
        entry.reasons = [finding.as_json() for finding in findings]
        (failed if any(f.severity == FAIL for f in findings) else passed).append(entry)
    IpEntry.objects.bulk_update(entries, ["reasons"], batch_size=1000)

    identity = _identity_findings(registration.applicant)
    registration.identity_findings = [finding.as_json() for finding in identity]
    severities = {f["severity"] for entry in [*entries, *held_back] for f in entry.reasons}
    severities |= {f.severity for f in identity}
    registration.verification_outcome = verification_outcome(severities)
    Registration.objects.filter(pk=registration.pk).update(
        identity_findings=registration.identity_findings, verification_outcome=registration.verification_outcome
    )
    if any(finding.severity == FAIL for finding in identity):
        passed, failed = [], passed + failed

    transition_entries(entries=passed, to=Status.UNDER_REVIEW)
    transition_entries(entries=failed, to=Status.CHANGES_REQUESTED)
    if passed:
        change = transition_registration(registration=registration, to=Status.UNDER_REVIEW)
    else:
        change = transition_registration(
            registration=registration,
            to=Status.CHANGES_REQUESTED,
            reason=_("Nothing passed verification; see the reason beside each entry."),
        )
    problems = "verification_problems" if failed or held_back else ""
    registration_changed(registration=registration, change=change, notice=problems)
    logger.info(
        "registration %s verified: %s passed, %s failed",
        registration.reference,
        len(passed),
        len(failed) + len(held_back),
    )
    return registration


def _forget_what_it_renews(registration: Registration, contexts, number_contexts) -> None:
    """A renewal's entries overlap the approval they renew, which is no duplicate to warn of."""
    renewed = registration.renews.reference if registration.renews else ""
    for context in contexts:
        context.same_applicant = [(ref, net) for ref, net in context.same_applicant if ref != renewed]
    for number_context in number_contexts:
        number_context.own_references = [ref for ref in number_context.own_references if ref != renewed]


IDENTITY_FAILED = gettext_lazy("The applicant's identity details failed verification.")


@transaction.atomic
def registration_create_verified(
    *,
    applicant: Applicant,
    created_by: User,
    batch: Batch,
    add_entries: Callable[[Registration, str], int],
    entry_severities: Collection[str],
    reason: str,
    reference: str = "",
) -> Registration:
    """A registration whose entries were checked as they were gathered (a bulk upload's rows, chunk by chunk):
    created, submitted and verified at once, then routed as `registration_verify` routes one.

    `add_entries(registration, status)` stores the entries in that status and returns how many it stored;
    `entry_severities` are the severities their findings hold; `reference`, one taken with `next_reference`."""
    now = timezone.now()
    registration = Registration.objects.create(
        reference=reference or next_reference(), applicant=applicant, created_by=created_by, **asdict(batch.checked())
    )
    identity = _identity_findings(applicant)
    identity_failed = any(finding.severity == FAIL for finding in identity)
    entry_status = Status.CHANGES_REQUESTED if identity_failed else Status.UNDER_REVIEW
    count = add_entries(registration, entry_status)
    transition_registration(
        registration=registration,
        to=Status.SUBMITTED,
        actor=created_by,
        reason=reason,
        submitted_at=now,
        **submission_stamp(registration),
    )
    transition_registration(registration=registration, to=Status.VERIFYING)
    change = transition_registration(
        registration=registration,
        to=entry_status,
        reason=str(IDENTITY_FAILED) if identity_failed else "",
        entry_count=count,
        verification_outcome=verification_outcome({*entry_severities, *(f.severity for f in identity)}),
        identity_findings=[finding.as_json() for finding in identity],
    )
    registration_changed(registration=registration, change=change)
    return registration


def _dispatch_verification(registration: Registration) -> None:
    from .tasks import verify_registration

    publish_on_commit(verify_registration.delay, registration.pk)


def verification_redispatch_stuck(*, older_than: timedelta) -> list[str]:
    """Publish verification again for registrations waiting longer than `older_than` since the last publish:
    a task lost with the broker, or a worker killed before it acknowledged. Returns the references."""
    from .tasks import verify_registration

    return redispatch_stuck(
        Registration.objects.filter(status__in=[Status.SUBMITTED, Status.VERIFYING]),
        stamp="verification_dispatched_at",
        older_than=older_than,
        publish=verify_registration.delay,
        limit=500,
        name=lambda registration: registration.reference,
    )


# Entries still waiting for a staff decision while their registration is under review.
OPEN_FOR_DECISION = (Status.UNDER_REVIEW, Status.CHANGES_REQUESTED)


def _require(actor: User, permission: str) -> None:
    if not actor.has_perm(f"vpn_records.{permission}"):
        raise ForbiddenError(_("Your role does not allow this."), code="forbidden")


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise PortalError(_("Give a reason: the applicant will see it."), code="reason_required", field="reason")


@transaction.atomic
def entries_decide(*, entries: Sequence[IpEntry], actor: User, approve: bool, reason: str = "") -> list[IpEntry]:
    """Approve or reject entries under review; each registration whose entries are all decided is settled.

    Approval runs for APPROVAL_VALIDITY_DAYS. A rejection needs a reason; every decision is recorded.
    """
    _require(actor, "decide_ipentry")
    if not approve:
        _require_reason(reason)
    locked = list(IpEntry.objects.select_for_update().filter(pk__in=[e.pk for e in entries]).order_by("id"))
    if approve and any(e.status == Status.CHANGES_REQUESTED for e in locked):
        # Approving what failed verification is an override: supervisors only, and they say why.
        _require(actor, "override_ipentry")
        _require_reason(reason)
    registration_ids = {e.registration_id for e in locked}
    closed = Registration.objects.filter(pk__in=registration_ids).exclude(status=Status.UNDER_REVIEW).first()
    if closed:
        raise ConflictError(
            _("%(reference)s is not under review: it is %(status)s.")
            % {"reference": closed.reference, "status": closed.get_status_display().lower()},
            code="not_under_review",
        )
    now = timezone.now()
    if approve:
        _refuse_second_holder(locked)
        valid_until = timezone.localdate() + timedelta(days=settings.APPROVAL_VALIDITY_DAYS)
        ends = _renewed_ends(locked)
        for until in sorted({ends.get(entry.pk, valid_until) for entry in locked}):
            transition_entries(
                entries=[entry for entry in locked if ends.get(entry.pk, valid_until) == until],
                to=Status.APPROVED,
                actor=actor,
                reason=reason,
                decided_at=now,
                valid_until=until,
            )
    else:
        transition_entries(entries=locked, to=Status.REJECTED, actor=actor, reason=reason, decided_at=now)
    for registration_id in sorted(registration_ids):
        _registration_settle(registration_id=registration_id, actor=actor)
    return locked


def _refuse_second_holder(entries: list[IpEntry]) -> None:
    """Approval re-checks, under the holder lock, that no other applicant holds an entry's network; staff are told
    which registration does."""
    take_holder_lock()
    applicants = dict(
        Registration.objects.filter(pk__in={e.registration_id for e in entries}).values_list("pk", "applicant_id")
    )
    for applicant_id in set(applicants.values()):
        mine = [e for e in entries if applicants[e.registration_id] == applicant_id]
        numbers = numbers_held_by_others(
            msisdns=[e.msisdn for e in mine if e.msisdn is not None], applicant_id=applicant_id
        )
        if numbers:
            msisdn, references = next(iter(numbers.items()))
            raise ConflictError(
                _("%(number)s cannot be approved: %(holders)s, another applicant's, holds it. Reject one of them.")
                % {"number": isolate(msisdn), "holders": ", ".join(isolate(ref) for ref in references)},
                code="held_by_another",
            )
        held = held_by_others(networks=[e.network for e in mine if not e.is_number], applicant_id=applicant_id)
        if held:
            network, holders = next(iter(held.items()))
            raise ConflictError(
                _("%(network)s cannot be approved: %(holders)s, another applicant's, holds it. Reject one of them.")
                % {
                    "network": isolate(display_network(network)),
                    "holders": ", ".join(f"{isolate(ref)} ({isolate(display_network(net))})" for ref, net in holders),
                },
                code="held_by_another",
            )


def _renewed_ends(entries: list[IpEntry]) -> dict[int, date]:
    """The end of each renewed entry's approval: it runs on from where the approval it renews ends (or from today,
    if that has passed), so renewing early loses no days."""
    held: dict[str, str] = {}
    for registration in Registration.objects.filter(
        pk__in={e.registration_id for e in entries}, renews__isnull=False
    ).only("held_over"):
        held.update(registration.held_over)
    today = timezone.localdate()
    ends = {}
    for entry in entries:
        ended = held.get(str(entry.replaces_id))
        if ended:
            ends[entry.pk] = max(date.fromisoformat(ended), today) + timedelta(days=settings.APPROVAL_VALIDITY_DAYS)
    return ends


def _registration_settle(*, registration_id: int, actor: User) -> None:
    """Once no entry waits for a decision: approved if any entry is, else rejected."""
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status != Status.UNDER_REVIEW or registration.entries.filter(status__in=OPEN_FOR_DECISION).exists():
        return
    approved = registration.entries.filter(status=Status.APPROVED).order_by("-valid_until").first()
    if approved:
        change = transition_registration(
            registration=registration,
            to=Status.APPROVED,
            actor=actor,
            decided_at=timezone.now(),
            valid_until=approved.valid_until,
        )
    else:
        change = transition_registration(
            registration=registration,
            to=Status.REJECTED,
            actor=actor,
            reason=_("Every entry was rejected."),
            decided_at=timezone.now(),
        )
    registration_changed(registration=registration, change=change, notice="registration_decided")
    _take_over(registration, actor=actor)
    registration_decided(registration)


def _take_over(registration: Registration, *, actor: User) -> None:
    """A decided renewal or address change: each approved entry takes over from the entry it replaces, which
    leaves the whitelist (renewed, or withdrawn as replaced); what a renewal held over and did not renew goes back
    to its own end."""
    for entry in registration.entries.filter(status=Status.APPROVED, replaces__isnull=False).order_by("id"):
        old = IpEntry.objects.select_for_update().filter(replaced_by=entry, status=Status.APPROVED).first()
        if old is None or (registration.renews_id is None and entry.old_leaves != "on_approval"):
            continue
        if registration.renews_id is not None:
            reason = _("Renewed by %(reference)s.") % {"reference": registration.reference}
            transition_entries(entries=[old], to=Status.RENEWED, actor=actor, reason=reason)
        else:
            _withdraw_replaced(old, by=entry, reference=registration.reference, actor=actor)
        _close_when_none_left(old.registration_id, actor=actor, reference=registration.reference)
    _release_held_over(registration)


def _withdraw_replaced(old: IpEntry, *, by: IpEntry, reference: str, actor: User) -> None:
    reason = _("Replaced by %(network)s (%(reference)s).") % {"network": by.display, "reference": reference}
    transition_entries(entries=[old], to=Status.WITHDRAWN, actor=actor, reason=reason)


def _close_when_none_left(registration_id: int, *, actor: User, reference: str) -> None:
    """An approved registration none of whose entries stays approved is renewed (or, replaced, withdrawn)."""
    old = Registration.objects.select_for_update().get(pk=registration_id)
    if old.status != Status.APPROVED or old.entries.filter(status=Status.APPROVED).exists():
        return
    renewed = old.entries.filter(status=Status.RENEWED).exists()
    to = Status.RENEWED if renewed else Status.WITHDRAWN
    reason = (_("Renewed by %(reference)s.") if renewed else _("Its addresses were replaced by %(reference)s.")) % {
        "reference": reference
    }
    change = transition_registration(registration=old, to=to, actor=actor, reason=reason)
    registration_changed(registration=old, change=change)


def _release_held_over(registration: Registration) -> None:
    """Entries a renewal kept listed past their end, and did not take over, go back to their own end (the nightly
    expiry then tidies those already past it)."""
    if not registration.held_over:
        return
    for entry in IpEntry.objects.filter(pk__in=[int(pk) for pk in registration.held_over], status=Status.APPROVED):
        IpEntry.objects.filter(pk=entry.pk).update(
            valid_until=date.fromisoformat(registration.held_over[str(entry.pk)])
        )
    Registration.objects.filter(pk=registration.pk).update(held_over={})
    registration.held_over = {}


@transaction.atomic
def registration_decide(*, registration: Registration, actor: User, approve: bool, reason: str = "") -> Registration:
    """Decide every open entry at once. Approving rejects the entries that failed verification, with the reason."""
    _require(actor, "decide_ipentry")
    open_entries = list(registration.entries.filter(status__in=OPEN_FOR_DECISION))
    if approve:
        failed = [e for e in open_entries if e.status == Status.CHANGES_REQUESTED]
        if failed:
            _require_reason(reason)
        entries_decide(entries=[e for e in open_entries if e not in failed], actor=actor, approve=True)
        if failed:
            entries_decide(entries=failed, actor=actor, approve=False, reason=reason)
    else:
        entries_decide(entries=open_entries, actor=actor, approve=False, reason=reason)
    registration.refresh_from_db()
    return registration


@transaction.atomic
def registration_request_changes(*, registration: Registration, actor: User, reason: str) -> Registration:
    """Send a registration under review back to the applicant, who corrects and submits it again."""
    _require(actor, "decide_ipentry")
    _require_reason(reason)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    change = transition_registration(registration=registration, to=Status.CHANGES_REQUESTED, actor=actor, reason=reason)
    waiting = list(registration.entries.filter(status=Status.UNDER_REVIEW))
    transition_entries(entries=waiting, to=Status.CHANGES_REQUESTED, actor=actor, reason=reason)
    registration_changed(registration=registration, change=change, notice="registration_decided", reason=reason)
    return registration


@transaction.atomic
def entry_revoke(*, entry: IpEntry, actor: User, reason: str) -> IpEntry:
    """A supervisor withdraws an approval; the registration is revoked once none of its entries stays approved."""
    _require(actor, "revoke_ipentry")
    _require_reason(reason)
    entry = IpEntry.objects.select_for_update().get(pk=entry.pk)
    transition_entries(entries=[entry], to=Status.REVOKED, actor=actor, reason=reason, decided_at=timezone.now())
    registration = Registration.objects.select_for_update().get(pk=entry.registration_id)
    if registration.status == Status.APPROVED and not registration.entries.filter(status=Status.APPROVED).exists():
        transition_registration(registration=registration, to=Status.REVOKED, actor=actor, reason=reason)
    change = entry.status_changes.latest("id")
    registration_changed(registration=registration, change=change, notice="registration_decided", reason=reason)
    return entry


def registration_changed(
    *, registration: Registration, change: StatusChange, notice: str = "", reason: str = ""
) -> None:
    """Every path that changes a registration or its entries ends here, inside its transaction: the applicant is
    told when `notice` names an event (once per change), and the change is logged. What the whitelist publishes
    follows by the database's trigger."""
    if notice:
        _notify_applicant(registration=registration, event=notice, key=change.pk, reason=reason)
    logger.info(
        "registration %s: %s → %s%s",
        registration.reference,
        change.from_status,
        change.to_status,
        f" ({change.subject})" if change.subject else "",
    )


def _notify_applicant(*, registration: Registration, event: str, key: int | str, reason: str = "") -> None:
    """Tell the applicant: an email and an in-app message to every member in their own language, and one SMS to
    the applicant's mobile. Sent after commit through the outbox; the same event and key never send twice."""
    entries, more = _notice_entries(registration=registration, event=event)
    decision_reasons = {
        change.entry_id: change.reason
        for change in StatusChange.objects.filter(entry__in=entries).order_by("id").only("entry_id", "reason")
    }
    link = settings.SITE_URL + registration.get_absolute_url()

    def context(_recipient: object) -> dict:  # built inside each recipient's language
        return {
            "registration": registration,
            "reason": reason,
            "link": link,
            "entries": [
                {
                    "network": e.display,
                    "status": str(e.get_status_display()),
                    "reason": decision_reasons.get(e.pk, ""),
                    "problems": [finding_message(f) for f in e.reasons if f["severity"] == FAIL],
                }
                for e in entries
            ],
            "more": more,
        }

    members = registration.applicant.members.filter(is_active=True).order_by("pk")
    notify_members(members=members, event=event, context=context, key=str(key))
    language = registration.created_by.language
    with translation.override(language):
        notification_queue(
            channel=Notification.Channel.SMS,
            event=event,
            to_address=registration.applicant.mobile.as_e164,
            context=context(registration.created_by),
            idempotency_key=f"{event}:{key}:mobile",
            user=registration.created_by,
            language=language,
        )


# A notice lists at most this many entries (those needing attention first); the page has them all.
NOTICE_ENTRY_LIMIT = 25


def _notice_entries(*, registration: Registration, event: str) -> tuple[list[IpEntry], int]:
    """The entries a notice lists, and how many more it only counts: a bulk upload's may hold 100,000."""
    entries = registration.entries.all()
    if event == "verification_problems":
        entries = entries.filter(status=Status.CHANGES_REQUESTED)
    attention = Case(
        When(status__in=[Status.REJECTED, Status.CHANGES_REQUESTED, Status.REVOKED], then=Value(0)), default=Value(1)
    )
    listed = list(entries.order_by(attention, "id")[:NOTICE_ENTRY_LIMIT])
    more = entries.count() - len(listed) if len(listed) == NOTICE_ENTRY_LIMIT else 0
    return listed, more


EXPIRY_NOTICE_DAYS = (30, 7)


def approvals_remind_and_expire(*, today: date | None = None) -> dict[str, list[str]]:
    """Daily: warn applicants 30 and 7 days before an approval ends, and expire the approvals that have ended.

    Safe to run more than once a day: each notice is keyed by registration, end date and days left.
    """
    today = today or timezone.localdate()
    reminded = []
    for days in EXPIRY_NOTICE_DAYS:
        # Not for an approval whose renewal is already on its way, nor a licensed provider's gateways (the licence
        # has its own end).
        for registration in Registration.objects.filter(
            status=Status.APPROVED, valid_until=today + timedelta(days=days), kind=Kind.REGISTRATION
        ).exclude(renewals__status__in=PENDING):
            with transaction.atomic():
                _notify_applicant(
                    registration=registration,
                    event="approval_expiring",
                    key=f"{registration.pk}:{registration.valid_until}:{days}",
                )
            reminded.append(registration.reference)
    expired = []
    for entry in IpEntry.objects.filter(status=Status.APPROVED, valid_until__lt=today).select_related("registration"):
        with transaction.atomic():
            transition_entries(entries=[entry], to=Status.EXPIRED, reason=_("The approval period ended."))
            registration = Registration.objects.select_for_update().get(pk=entry.registration_id)
            if (
                registration.status == Status.APPROVED
                and not registration.entries.filter(status=Status.APPROVED).exists()
            ):
                change = transition_registration(
                    registration=registration, to=Status.EXPIRED, reason=_("The approval period ended.")
                )
                registration_changed(registration=registration, change=change)
                expired.append(registration.reference)
    return {"reminded": reminded, "expired": expired}


ENTRY_COPIED = ("network", "msisdn", "operator", "site", "vpn_type", "notes")
PENDING = RENEWAL_PENDING


@transaction.atomic
def registration_renew(
    *, registration: Registration, user: User, batch: Batch | None = None, drop: Collection[int] = ()
) -> Registration:
    """Renew the approved entries of a registration (less those in `drop`), with its purpose and ISP confirmed or
    updated (`batch`): a new registration, verified and reviewed as any other, shown to reviewers as a renewal.
    Until it is decided, the entries it renews stay on the whitelist, up to RENEWAL_GRACE_DAYS past their end."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Status.APPROVED:
        raise ConflictError(
            _("Only an approved registration can be renewed; %(reference)s is %(status)s.")
            % {"reference": registration.reference, "status": registration.get_status_display().lower()},
            code="not_renewable",
        )
    opens = renewal_opens_on(registration)
    if opens is not None and timezone.localdate() < opens:
        raise ConflictError(
            _("Renewal of %(reference)s opens on %(date)s, %(days)s days before its approval ends.")
            % {
                "reference": registration.reference,
                "date": isolate(date_format(opens, "j F Y")),
                "days": isolate(str(settings.RENEWAL_OPENS_DAYS)),
            },
            code="renewal_not_open",
        )
    pending = registration.renewals.filter(status__in=PENDING).first()
    if pending is not None:
        raise ConflictError(
            _("%(reference)s is already being renewed by %(renewal)s.")
            % {"reference": registration.reference, "renewal": pending.reference},
            code="renewal_pending",
        )
    approved = list(registration.entries.filter(status=Status.APPROVED).order_by("id"))
    unknown = sorted(set(drop) - {entry.pk for entry in approved})
    if unknown:
        raise PortalError(
            _("Entry %(id)s is not an approved entry of %(reference)s.")
            % {"id": unknown[0], "reference": registration.reference},
            code="unknown_entry",
            field="drop",
        )
    kept = [entry for entry in approved if entry.pk not in set(drop)]
    if not kept:
        raise PortalError(_("Keep at least one entry to renew."), code="no_entries", field="drop")
    batch = (batch or Batch(registration.purpose, registration.purpose_detail, registration.isp,
                            registration.vpn_type, registration.isp_other)).checked()  # fmt: skip
    renewal = Registration.objects.create(
        reference=next_reference(),
        applicant_id=registration.applicant_id,
        created_by=user,
        renews=registration,
        entry_count=len(kept),
        held_over={str(entry.pk): entry.valid_until.isoformat() for entry in kept if entry.valid_until},
        **asdict(batch),
    )
    IpEntry.objects.bulk_create(
        IpEntry(registration=renewal, replaces=entry, **{field: getattr(entry, field) for field in ENTRY_COPIED})
        for entry in kept
    )
    for entry in kept:  # listed on past its end while the renewal waits (the trigger moves the whitelist version)
        if entry.valid_until:
            held_until = entry.valid_until + timedelta(days=settings.RENEWAL_GRACE_DAYS)
            IpEntry.objects.filter(pk=entry.pk).update(valid_until=held_until)
    return registration_submit(registration=renewal, user=user)


OLD_LEAVES = ("now", "on_approval")


@transaction.atomic
def entry_replace(*, entry: IpEntry, user: User, network: IPNetwork, reason: str, old_leaves: str) -> Registration:
    """Replace an approved network the ISP has taken back with a new one: a registration of its own for the new
    network, verified and reviewed as any other, which reviewers see replaces the old. The old network leaves the
    whitelist at once (`old_leaves="now"`) or when the new one is approved."""
    registration = Registration.objects.select_for_update().get(pk=entry.registration_id)
    entry = IpEntry.objects.select_for_update().get(pk=entry.pk)
    if registration.status != Status.APPROVED or entry.status != Status.APPROVED or entry.network is None:
        raise ConflictError(
            _("Only an approved network can be replaced; %(entry)s is %(status)s.")
            % {"entry": isolate(entry.display), "status": entry.get_status_display().lower()},
            code="not_replaceable",
        )
    if old_leaves not in OLD_LEAVES:
        raise PortalError(
            _("Choose when the old network leaves the whitelist."), code="old_leaves_invalid", field="old_leaves"
        )
    if not reason.strip():
        raise PortalError(_("Say why the address changed."), code="reason_required", field="reason")
    if network == entry.network:
        raise PortalError(_("The new network is the one it replaces."), code="same_network", field="network")
    underway = IpEntry.objects.filter(replaces=entry, status__in=PENDING, registration__renews__isnull=True).first()
    if underway is not None:
        raise ConflictError(
            _("%(entry)s is already being replaced by %(reference)s.")
            % {"entry": isolate(entry.display), "reference": underway.registration.reference},
            code="replacement_pending",
        )
    replacement = Registration.objects.create(
        reference=next_reference(),
        applicant_id=registration.applicant_id,
        created_by=user,
        entry_count=1,
        purpose=registration.purpose,
        purpose_detail=registration.purpose_detail,
        isp=registration.isp,
        isp_other=registration.isp_other,
        vpn_type=registration.vpn_type,
    )
    new = IpEntry.objects.create(
        registration=replacement,
        network=network,
        replaces=entry,
        replace_reason=reason.strip(),
        old_leaves=old_leaves,
        site=entry.site,
        vpn_type=entry.vpn_type,
    )
    registration_submit(registration=replacement, user=user)
    if old_leaves == "now":
        _withdraw_replaced(entry, by=new, reference=replacement.reference, actor=user)
        _close_when_none_left(registration.pk, actor=user, reference=replacement.reference)
    return replacement


def number_viewed(*, entry: IpEntry, viewer: User) -> NumberView:
    """Record that a member of staff saw a number entry's whole mobile number (personal data)."""
    return NumberView.objects.create(viewer=viewer, entry=entry)


# Licensed VPN service providers' gateways: listed on the whitelist under the licence's number. The licensing app
# calls these (this app never imports it).


@transaction.atomic
def licence_gateways_publish(
    *, applicant_id: int, actor: User, licence_number: str, networks: Sequence[IPNetwork], valid_until: date
) -> Registration:
    """Put a licensed provider's gateways on the whitelist until `valid_until`: a registration of kind
    licensed_provider, owned by the company, walked through every status to approved (each step recorded, the
    whitelist version moved). Refused with ConflictError if another applicant holds one of the networks."""
    if not networks:
        raise PortalError(_("A licence needs at least one gateway network."), code="no_gateways", field="gateways")
    registration = Registration.objects.create(
        reference=next_reference(),
        applicant_id=applicant_id,
        created_by=actor,
        kind=Kind.LICENSED_PROVIDER,
        licence_number=licence_number,
        purpose=Purpose.OTHER,
        purpose_detail=f"Gateways of licensed VPN service provider {licence_number}.",
        isp=Isp.OTHER,
        isp_other="—",
        vpn_type=VpnType.OTHER,
        entry_count=len(networks),
    )
    take_holder_lock()
    held = held_by_others(networks=networks, applicant_id=applicant_id)
    if held:
        network, holders = next(iter(held.items()))
        raise ConflictError(
            _("%(network)s cannot be published: %(holders)s, another applicant's, holds it.")
            % {
                "network": isolate(display_network(network)),
                "holders": ", ".join(f"{isolate(ref)} ({isolate(display_network(net))})" for ref, net in holders),
            },
            code="held_by_another",
        )
    _new_entries(registration, networks, ())
    entries = list(registration.entries.order_by("id"))
    now = timezone.now()
    reason = _("Gateway of licence %(number)s.") % {"number": licence_number}
    for step in (Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW):
        fields = {"submitted_at": now} if step == Status.SUBMITTED else {}
        transition_registration(registration=registration, to=step, actor=actor, reason=reason, **fields)
        transition_entries(entries=entries, to=step, actor=actor, reason=reason)
    transition_entries(
        entries=entries, to=Status.APPROVED, actor=actor, reason=reason, decided_at=now, valid_until=valid_until
    )
    change = transition_registration(
        registration=registration,
        to=Status.APPROVED,
        actor=actor,
        reason=reason,
        decided_at=now,
        valid_until=valid_until,
    )
    registration_changed(registration=registration, change=change)
    return registration


@transaction.atomic
def licence_gateways_withdraw(*, registration: Registration, actor: User | None, reason: str) -> Registration:
    """Take a licensed provider's gateways off the whitelist at once (the licence suspended, revoked or ended)."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk, kind=Kind.LICENSED_PROVIDER)
    approved = list(registration.entries.select_for_update().filter(status=Status.APPROVED).order_by("id"))
    transition_entries(entries=approved, to=Status.REVOKED, actor=actor, reason=reason, decided_at=timezone.now())
    if registration.status == Status.APPROVED:
        change = transition_registration(registration=registration, to=Status.REVOKED, actor=actor, reason=reason)
        registration_changed(registration=registration, change=change)
    return registration


@transaction.atomic
def licence_gateways_extend(*, registration: Registration, valid_until: date) -> Registration:
    """A renewed licence: its gateways stay on the whitelist until the new end."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk, kind=Kind.LICENSED_PROVIDER)
    approved = list(registration.entries.select_for_update().filter(status=Status.APPROVED))
    # The whitelist's copies re-read entries by version: a new end is a change to the whitelist.
    version = whitelist_changed()
    IpEntry.objects.filter(pk__in=[entry.pk for entry in approved]).update(
        valid_until=valid_until, whitelist_version=version
    )
    Registration.objects.filter(pk=registration.pk).update(valid_until=valid_until)
    registration.valid_until = valid_until
    return registration
