"""Gathering what the database knows about a registration's networks, in a few set-based queries."""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from django.db.models import Q

from applicants.models import Applicant

from .checks import Context
from .fields import overlap_join
from .models import DeniedNetwork, IpAllocation, IpEntry, Registration, Status
from .networks import IPNetwork

# Entries that hold their network: an overlap with one of these is a conflict.
ACTIVE_STATUSES = (Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW, Status.APPROVED)


def gather_contexts(
    *, applicant_id: int, networks: list[IPNetwork], exclude_registration_id: int | None = None
) -> dict[IPNetwork, Context]:
    """What the database holds about each network, for the applicant's checks; their own registration aside."""
    contexts: dict[IPNetwork, Context] = defaultdict(Context)
    allocations = overlap_join(networks=networks, select="t.network, t.country", table=IpAllocation._meta.db_table)
    for probe, block, country in allocations:
        contexts[probe].allocations.append((_network(block), country))

    entry, reg = IpEntry._meta.db_table, Registration._meta.db_table
    status_list = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    overlaps = overlap_join(
        networks=networks,
        select="t.network, r.reference, r.applicant_id",
        table=entry,
        joins=f"JOIN {reg} r ON r.id = t.registration_id",
        where=f"t.registration_id <> %s AND t.status IN ({status_list})",
        params=(exclude_registration_id or 0, *ACTIVE_STATUSES),
    )
    for probe, other, reference, owner_id in overlaps:
        same = owner_id == applicant_id
        (contexts[probe].same_applicant if same else contexts[probe].other_applicants).append(
            (reference, _network(other))
        )

    denied = overlap_join(networks=networks, select="t.network, t.reason", table=DeniedNetwork._meta.db_table)
    for probe, network, reason in denied:
        contexts[probe].denied.append((_network(network), reason))
    return contexts


def duplicate_cnic_applicants(*, applicant: Applicant) -> list[str]:
    """Other applicants with the same CNIC, as freelancer or authorised person: staff should know."""
    cnic = applicant.identity_cnic
    others = Applicant.objects.exclude(pk=applicant.pk).filter(Q(cnic=cnic) | Q(authorised_person_cnic=cnic))
    return [f"{other.display_name} (#{other.pk})" for other in others.order_by("pk")[:10]]


def _network(value: IPNetwork | str) -> IPNetwork:
    return value if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network) else ipaddress.ip_network(value)
