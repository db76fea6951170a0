"""Every read of registrations that depends on who is asking."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import User
from applicants.validators import cnic_in_search, phone_in_search
from core.digits import ascii_digits
from core.networks import NetworkError, parse_network

from .models import IpEntry, Kind, MsisdnProof, Registration, Status, StatusChange
from .msisdn import normalise_msisdn
from .proofs import unproved_numbers

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def registration_list_for_user(*, user: User) -> QuerySet[Registration]:
    """The registrations of the user's applicant (a company's colleagues see each other's). A licensed provider's
    gateways are its licence's, changed only through the licence: not the applicant's to withdraw, renew or edit."""
    if not user.is_authenticated or user.applicant_id is None:
        return Registration.objects.none()
    mine = Registration.objects.filter(applicant_id=user.applicant_id, kind=Kind.REGISTRATION)
    return mine.order_by("-created_at", "-id")


def registration_get_for_user(*, user: User, reference: str) -> Registration:
    """One of the user's registrations with its history, or 404 for anyone else's. Entries are paged by views:
    a bulk upload's registration may hold a hundred thousand."""
    queryset = registration_list_for_user(user=user).prefetch_related(
        Prefetch("status_changes", queryset=StatusChange.objects.filter(entry__isnull=True).select_related("actor")),
    )
    try:
        return queryset.get(reference=reference)
    except Registration.DoesNotExist:
        raise Http404(_("No such registration.")) from None


def entry_counts(*, registration: Registration) -> dict[str, int]:
    """How many of the registration's entries are in each status (only statuses that occur)."""
    counts = registration.entries.order_by().values_list("status").annotate(n=Count("id"))
    return dict(sorted(counts))


def entry_get_for_user(*, registration: Registration, entry_id: int) -> IpEntry:
    """An entry of a registration the caller may see (registration_get_for_user), with its own history."""
    try:
        return registration.entries.prefetch_related(
            Prefetch("status_changes", queryset=StatusChange.objects.order_by("created_at", "id"))
        ).get(pk=entry_id)
    except IpEntry.DoesNotExist:
        raise Http404("No such entry.") from None


def number_entry_get_for_user(*, registration: Registration, entry_id: int) -> IpEntry:
    """A mobile number entry of a registration the caller may see (registration_get_for_user), or 404."""
    try:
        return registration.entries.get(pk=entry_id, msisdn__isnull=False)
    except IpEntry.DoesNotExist:
        raise Http404("No such number.") from None


@dataclass(frozen=True)
class NumberToProve:
    entry: IpEntry
    proved: bool
    code_sent: bool  # a code is out, waiting to be typed in


def numbers_to_prove(*, registration: Registration) -> list[NumberToProve]:
    """A registration's mobile numbers, each with whether its applicant has proved it and whether a code is out."""
    entries = list(registration.entries.filter(msisdn__isnull=False).order_by("id"))
    msisdns = [entry.msisdn for entry in entries if entry.msisdn is not None]
    unproved = set(unproved_numbers(applicant_id=registration.applicant_id, msisdns=msisdns))
    codes_out = set(
        MsisdnProof.objects.filter(applicant_id=registration.applicant_id, msisdn__in=msisdns)
        .exclude(code_digest="")
        .values_list("msisdn", flat=True)
    )
    return [
        NumberToProve(entry=entry, proved=entry.msisdn not in unproved, code_sent=entry.msisdn in codes_out)
        for entry in entries
    ]


def entry_get_for_reviewer(*, entry_id: int) -> IpEntry:
    """Any entry, for staff allowed to decide (the API's permission class has checked the role)."""
    try:
        return IpEntry.objects.select_related("registration").get(pk=entry_id)
    except IpEntry.DoesNotExist:
        raise Http404("No such entry.") from None


def registrations_search_for_staff(*, queryset: QuerySet[Registration], term: str) -> QuerySet[Registration]:
    """What staff type in the admin's search box: an IP or network, a reference, an email, a CNIC, NTN or mobile
    number, a name.

    An address finds the registrations with an entry containing it, a network those with an overlapping entry,
    through the network index; a mobile number those of an applicant with that mobile or with an entry holding it.
    """
    term = term.strip()
    try:
        network = parse_network(term)
    except NetworkError:
        pass
    else:
        entries = IpEntry.objects.filter(network__net_overlaps=network).values("registration_id")
        return queryset.filter(pk__in=entries)
    if term.upper().startswith("VPN-"):
        return queryset.filter(reference__istartswith=term)
    if "@" in term:
        return queryset.filter(applicant__members__email__iexact=term)
    if cnic := cnic_in_search(term):
        return queryset.filter(Q(applicant__cnic=cnic) | Q(applicant__authorised_person_cnic=cnic))
    digits = ascii_digits(term).replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) in (7, 8):
        return queryset.filter(applicant__ntn__startswith=digits[:7])
    if number := _msisdn_in_search(term):
        # The applicant's own mobile, or a registered one: a union, so that each side keeps its index.
        holding = IpEntry.objects.filter(msisdn=number).order_by().values("registration_id")
        own = Registration.objects.filter(applicant__mobile=number).order_by().values("pk")
        return queryset.filter(pk__in=holding.union(own))
    if mobile := phone_in_search(term):
        return queryset.filter(applicant__mobile=mobile)
    return queryset.filter(Q(applicant__legal_name__icontains=term) | Q(applicant__full_name__icontains=term))


def entries_search_for_staff(*, queryset: QuerySet[IpEntry], term: str) -> QuerySet[IpEntry]:
    """An IP finds the entries containing it, a network the overlapping ones, a mobile number the entry holding it
    (and, as before, the entries of an applicant with that mobile); anything else goes by registration."""
    try:
        return queryset.filter(network__net_overlaps=parse_network(term.strip()))
    except NetworkError:
        pass
    if number := _msisdn_in_search(term):
        holding = IpEntry.objects.filter(msisdn=number).order_by().values("pk")
        own = IpEntry.objects.filter(registration__applicant__mobile=number).order_by().values("pk")
        return queryset.filter(pk__in=holding.union(own))
    registrations = registrations_search_for_staff(queryset=Registration.objects.all(), term=term)
    return queryset.filter(registration__in=registrations.values("pk"))


def _msisdn_in_search(term: str) -> str | None:
    """A Pakistani mobile number however typed (0300-1234567, 92 300 1234567, Urdu digits), in E.164."""
    try:
        return normalise_msisdn(term)
    except ValidationError:
        return None


@dataclass(frozen=True)
class ReviewStats:
    counts_by_status: list[tuple[StrOrPromise, int]]
    days: list[tuple[date, int, int]]  # (day, submissions, decisions)
    median_hours_to_decision: float | None
    oldest_waiting: Registration | None


def review_stats(*, days: int = 30) -> ReviewStats:
    """The staff dashboard: where registrations stand, the daily flow, and how long decisions take."""
    counts = dict(Registration.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    since = timezone.localdate() - timedelta(days=days - 1)
    submitted = dict(
        Registration.objects.filter(submitted_at__date__gte=since)
        .annotate(day=TruncDate("submitted_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    decided = dict(
        Registration.objects.filter(decided_at__date__gte=since)
        .annotate(day=TruncDate("decided_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    waits = [
        (decided_at - submitted_at).total_seconds() / 3600  # type: ignore[operator]  # both set: filtered below
        for submitted_at, decided_at in Registration.objects.filter(
            decided_at__isnull=False, submitted_at__isnull=False
        )
        .order_by("-decided_at")
        .values_list("submitted_at", "decided_at")[:5000]
    ]
    return ReviewStats(
        counts_by_status=[(label, counts.get(value, 0)) for value, label in Status.choices],
        days=[
            (day, submitted.get(day, 0), decided.get(day, 0))
            for day in (since + timedelta(days=offset) for offset in range(days))
        ],
        median_hours_to_decision=statistics.median(waits) if waits else None,
        oldest_waiting=Registration.objects.filter(status=Status.UNDER_REVIEW).order_by("submitted_at").first(),
    )


@dataclass(frozen=True)
class RenewalState:
    """What a registration's page says of renewal: the renewal under way or done, or when one can be made."""

    pending: Registration | None
    renewed_by: Registration | None
    opens_on: date | None
    can_renew: bool


def renewal_state(*, registration: Registration) -> RenewalState:
    renewals = registration.renewals.order_by("-created_at")
    pending = renewals.filter(status__in=RENEWAL_PENDING).first()
    renewed_by = renewals.filter(status=Status.APPROVED).first()
    opens_on = renewal_opens_on(registration)
    can_renew = opens_on is not None and pending is None and timezone.localdate() >= opens_on
    return RenewalState(pending, renewed_by, opens_on, can_renew)


def renewal_opens_on(registration: Registration) -> date | None:
    """The first day an approval can be renewed, RENEWAL_OPENS_DAYS before it ends; None unless approved."""
    if registration.approval_valid_until is None:
        return None
    return registration.approval_valid_until - timedelta(days=settings.RENEWAL_OPENS_DAYS)


# A renewal or an address change still on its way: not yet decided, withdrawn or refused.
RENEWAL_PENDING = (Status.DRAFT, Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW, Status.CHANGES_REQUESTED)
