"""Every read of registrations that depends on who is asking."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from applicants.models import User

from .models import IpEntry, Registration, StatusChange
from .networks import NetworkError, parse_network


def registration_list_for_user(*, user: User) -> QuerySet[Registration]:
    """The registrations of the user's applicant (a company's colleagues see each other's)."""
    if not user.is_authenticated or user.applicant_id is None:
        return Registration.objects.none()
    return Registration.objects.filter(applicant_id=user.applicant_id).order_by("-created_at", "-id")


def registration_get_for_user(*, user: User, reference: str) -> Registration:
    """One of the user's registrations with its entries and history, or 404 for anyone else's."""
    queryset = registration_list_for_user(user=user).prefetch_related(
        Prefetch("entries", queryset=IpEntry.objects.order_by("id")),
        Prefetch("status_changes", queryset=StatusChange.objects.filter(entry__isnull=True).select_related("actor")),
    )
    try:
        return queryset.get(reference=reference)
    except Registration.DoesNotExist:
        raise Http404("No such registration.") from None


def entry_get_for_reviewer(*, entry_id: int) -> IpEntry:
    """Any entry, for staff allowed to decide (the API's permission class has checked the role)."""
    try:
        return IpEntry.objects.select_related("registration").get(pk=entry_id)
    except IpEntry.DoesNotExist:
        raise Http404("No such entry.") from None


def registrations_search_for_staff(*, queryset: QuerySet[Registration], term: str) -> QuerySet[Registration]:
    """What staff type in the admin's search box: an IP or network, a reference, an email, a CNIC or NTN, a name.

    An address finds the registrations with an entry containing it, a network those with an overlapping entry,
    through the network index.
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
    digits = term.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) == 13:
        return queryset.filter(Q(applicant__cnic=digits) | Q(applicant__authorised_person_cnic=digits))
    if digits.isdigit() and len(digits) in (7, 8):
        return queryset.filter(applicant__ntn__startswith=digits[:7])
    return queryset.filter(Q(applicant__legal_name__icontains=term) | Q(applicant__full_name__icontains=term))


def entries_search_for_staff(*, queryset: QuerySet[IpEntry], term: str) -> QuerySet[IpEntry]:
    """An IP finds the entries containing it, a network the overlapping ones; anything else goes by registration."""
    try:
        return queryset.filter(network__net_overlaps=parse_network(term.strip()))
    except NetworkError:
        registrations = registrations_search_for_staff(queryset=Registration.objects.all(), term=term)
        return queryset.filter(registration__in=registrations.values("pk"))
