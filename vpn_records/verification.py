"""Gathering what the database knows about a registration's networks, in a few set-based queries."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import Q

from applicants.models import Applicant
from core.fields import KEY_SPAN, SMALL_NETWORK_SQL
from core.networks import IPNetwork, as_network
from core.planner import index_scans_only

from .checks import Context, NumberContext
from .models import DeniedNetwork, DeniedNumber, IpAllocation, IpEntry, Registration, Status

# Entries that hold their network: an overlap with one of these is a conflict.
ACTIVE_STATUSES = (Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW, Status.APPROVED)


def gather_contexts(
    *, applicant_id: int, networks: list[IPNetwork], exclude_registration_id: int | None = None
) -> dict[IPNetwork, Context]:
    """What the database holds about each network, for the applicant's checks; their own registration aside."""
    contexts: dict[IPNetwork, Context] = defaultdict(Context)
    overlaps = _overlaps(networks, exclude_registration_id or 0)
    for source, probe, network, text, owner_id in overlaps:
        context = contexts[probe]
        if source == "allocation":
            context.allocations.append((as_network(network), text))
        elif source == "entry":
            same = owner_id == applicant_id
            (context.same_applicant if same else context.other_applicants).append((text, as_network(network)))
        else:
            context.denied.append((as_network(network), text))
    return contexts


def _overlaps(networks: list[IPNetwork], exclude_registration_id: int) -> list[tuple]:
    """(source, probe, network, text, applicant) for every allocation, active entry outside the registration
    and denied network overlapping one of `networks`."""
    if not networks:
        return []
    entry, reg = IpEntry._meta.db_table, Registration._meta.db_table
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    # One statement for the three tables: each probe's index key is computed once, not once per table. Entries
    # come in two parts: small networks by a bounded scan of the btree over their start, large ones by their
    # partial GiST. (The first part is not restricted to small networks: the planner, misjudging how many are,
    # would scan the table instead of the index.) LATERAL keeps each part a per-probe index lookup.
    match = "cidr_key_range(t.network) && p.key AND t.network && p.net"
    small = SMALL_NETWORK_SQL.format(column="t.network")
    active = f"t.registration_id <> %s AND t.status IN ({statuses})"
    sql = f"""
        WITH p AS MATERIALIZED (
            SELECT net, key, lower(key) - CASE family(net) WHEN 4 THEN {KEY_SPAN[4]} ELSE {KEY_SPAN[6]} END AS reach,
                   upper(key) AS stop
              FROM (SELECT net, cidr_key_range(net) AS key FROM unnest(%s::cidr[]) AS probe(net)) keyed)
        SELECT 'allocation', p.net, t.network, t.country, NULL::bigint
          FROM p CROSS JOIN LATERAL (
               SELECT t.network, t.country FROM {IpAllocation._meta.db_table} t WHERE {match}) t
        UNION ALL
        SELECT 'entry', p.net, t.network, r.reference, r.applicant_id
          FROM p CROSS JOIN LATERAL (
               SELECT t.network, t.registration_id FROM {entry} t
                WHERE lower(cidr_key_range(t.network)) >= p.reach AND lower(cidr_key_range(t.network)) < p.stop
                  AND t.network && p.net AND {active}) t
          JOIN {reg} r ON r.id = t.registration_id
        UNION ALL
        SELECT 'entry', p.net, t.network, r.reference, r.applicant_id
          FROM p CROSS JOIN LATERAL (
               SELECT t.network, t.registration_id FROM {entry} t WHERE {match} AND NOT {small} AND {active}) t
          JOIN {reg} r ON r.id = t.registration_id
        UNION ALL
        SELECT 'denied', p.net, t.network, t.reason, NULL
          FROM p CROSS JOIN LATERAL (
               SELECT t.network, t.reason FROM {DeniedNetwork._meta.db_table} t WHERE {match}) t
    """  # noqa: S608 - table names from model meta
    with index_scans_only(), connection.cursor() as cursor:
        params = [[str(n) for n in networks], *[exclude_registration_id, *ACTIVE_STATUSES] * 2]
        cursor.execute(sql, params)
        # A large entry starting near a probe comes from both parts: once is enough.
        return [(source, as_network(probe), *rest) for source, probe, *rest in dict.fromkeys(cursor.fetchall())]


def gather_number_contexts(
    *, applicant_id: int, msisdns: list[str], exclude_registration_id: int
) -> dict[str, NumberContext]:
    """What the database holds about each mobile number: other holders, the applicant's own registrations of it
    elsewhere, and the denylist. The operator's answer on ownership is added by the caller."""
    contexts = {msisdn: NumberContext() for msisdn in msisdns}
    active = (
        IpEntry.objects.filter(msisdn__in=msisdns, status__in=ACTIVE_STATUSES)
        .exclude(registration_id=exclude_registration_id)
        .values_list("msisdn", "registration__reference", "registration__applicant_id")
    )
    for msisdn, reference, owner_id in active:
        context = contexts[str(msisdn)]
        (context.own_references if owner_id == applicant_id else context.other_holders).append(reference)
    for msisdn, reason in DeniedNumber.objects.filter(msisdn__in=msisdns).values_list("msisdn", "reason"):
        contexts[msisdn].denied_reason = reason
    return contexts


def duplicate_cnic_applicants(*, applicant: Applicant) -> list[str]:
    """Other confirmed applicants with the same CNIC, as freelancer or authorised person: staff should know."""
    cnic = applicant.identity_cnic
    # Only accounts whose owner confirmed an email address: anyone can sign up with someone else's CNIC.
    others = (
        Applicant.objects.exclude(pk=applicant.pk)
        .filter(Q(cnic=cnic) | Q(authorised_person_cnic=cnic), members__email_confirmed_at__isnull=False)
        .distinct()
    )
    return [f"{other.display_name} (#{other.pk})" for other in others.order_by("pk")[:10]]
