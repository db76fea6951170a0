"""Every read of registrations that depends on who is asking."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from applicants.models import User

from .models import IpEntry, Registration, StatusChange


def registration_list_for_user(*, user: User) -> QuerySet[Registration]:
    """The registrations of the user's applicant (a company's colleagues see each other's)."""
    if not user.is_authenticated or user.applicant_id is None:
        return Registration.objects.none()
    return (
        Registration.objects.filter(applicant_id=user.applicant_id)
        .annotate(entry_count=Count("entries"))
        .order_by("-created_at", "-id")
    )


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
