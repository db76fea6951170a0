"""Reads of applicants that depend on who is asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.digits import ascii_digits

from .models import Applicant
from .validators import cnic_in_search, phone_in_search


def applicants_search_for_staff(*, queryset: QuerySet[Applicant], term: str) -> QuerySet[Applicant]:
    """What staff type in the admin's search box: a CNIC or mobile number in any usual format, a name, an NTN."""
    term = term.strip()
    if cnic := cnic_in_search(term):
        return queryset.filter(Q(cnic=cnic) | Q(authorised_person_cnic=cnic))
    if mobile := phone_in_search(term):
        return queryset.filter(mobile=mobile)
    return queryset.filter(
        Q(full_name__icontains=term)
        | Q(legal_name__icontains=term)
        | Q(ntn__icontains=ascii_digits(term))
        | Q(secp_number__icontains=term)
    )
