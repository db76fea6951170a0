"""The approved whitelist that ISPs and firewalls read: one address checked, or every network exported.

An entry is on the whitelist while it is approved and its `valid_until` date has not passed; the nightly expiry
only tidies the status, so an approval ends at midnight whether or not the task has run.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.networks import IPNetwork
from vpn_records.models import WhitelistVersion

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ENTRIES = "vpn_records_ipentry"
REGISTRATIONS = "vpn_records_registration"
# Mobile numbers' entries have no network: they are on the operators' feed (mobile.py), not this one.
WHITELISTED = "e.network IS NOT NULL AND e.status = 'approved' AND e.valid_until >= %(today)s"


@dataclass(frozen=True)
class Match:
    network: IPNetwork
    reference: str
    valid_until: date
    kind: str = "registration"


@dataclass(frozen=True)
class FeedRow:
    network: str
    reference: str = ""
    valid_until: date | None = None
    kind: str = ""


# The name a registration goes by on the whitelist: a licensed provider's licence number, or its reference.
PUBLIC_REFERENCE = "COALESCE(NULLIF(r.licence_number, ''), r.reference)"


def today() -> date:
    return timezone.localdate()


def whitelist_check(address: IPAddress) -> Match | None:
    """The most specific whitelisted network containing `address` (the newest entry of equals), or None."""
    if settings.WHITELIST_CHECK_FROM_MEMORY:
        from .index import whitelist_index

        day = today()
        index = whitelist_index(day)
        if index is not None:
            listed = index.find(address, day)
            return listed and Match(listed.network, listed.reference, listed.valid_until, listed.kind)
    return whitelist_check_in_database(address)


def whitelist_check_in_database(address: IPAddress) -> Match | None:
    """whitelist_check as an index-backed query: while a process has no copy in memory, or is told to keep none."""
    # The key is computed here rather than by cidr_key_range() in the query, and the reference read by a second,
    # primary-key query: PostgreSQL took longer to plan the call and the join than to run the lookup.
    sql = (
        f"SELECT e.network, e.registration_id, e.valid_until FROM {ENTRIES} e"  # noqa: S608
        " WHERE cidr_key_range(e.network) @> %(key)s::int8"
        f" AND e.network >>= %(address)s::inet AND {WHITELISTED} ORDER BY masklen(e.network) DESC, e.id DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"key": range_key(address), "address": str(address), "today": today()})
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(f"SELECT {PUBLIC_REFERENCE}, r.kind FROM {REGISTRATIONS} r WHERE r.id = %s", [row[1]])  # noqa: S608
        reference, kind = cursor.fetchone()
    return Match(ipaddress.ip_network(row[0]), reference, row[2], kind)


def range_key(address: IPAddress) -> int:
    """The address's point in cidr_key_range (fields.KEY_RANGE_FUNCTION_SQL): IPv4 as is; IPv6 its top 64 bits,
    sign bit flipped to keep the order in a signed bigint, halved."""
    if address.version == 4:
        return int(address)
    top = (int(address) >> 64) ^ (1 << 63)
    return (top - (1 << 64) if top >= 1 << 63 else top) >> 1


def whitelist_version() -> int:
    """Counts every change to the whitelist (workflow.whitelist_changed); with the date, the feed's ETag."""
    return WhitelistVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def next_since(snapshot_at: datetime) -> datetime:
    """What a client passes as `since` next time. It overlaps the snapshot a little, so a change that was still
    committing when the snapshot was read is never missed; applying a change twice does no harm."""
    return snapshot_at - timedelta(seconds=settings.WHITELIST_SINCE_OVERLAP_SECONDS)


def _batches(sql: str, params: dict, size: int = 5000) -> Iterator[list[tuple]]:
    """Rows through a server-side cursor, `size` at a time: memory stays flat whatever the list's size."""
    adapt = {date: connection.ops.adapt_datefield_value, datetime: connection.ops.adapt_datetimefield_value}
    params = {name: adapt[type(value)](value) if type(value) in adapt else value for name, value in params.items()}
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows


def _listed_rows(condition: str = "", **params) -> Iterator[FeedRow]:
    """Whitelisted networks (meeting `condition` too) with reference and expiry, IPv4 before IPv6, by address."""
    sql = (
        f"SELECT e.network::text, {PUBLIC_REFERENCE}, e.valid_until, r.kind FROM {ENTRIES} e"  # noqa: S608
        f" JOIN {REGISTRATIONS} r ON r.id = e.registration_id WHERE {WHITELISTED} {condition}"
    )
    # PostgreSQL orders cidr by family, then address.
    batches = _batches(sql + " ORDER BY e.network", {"today": today(), **params})
    return (FeedRow(*row) for batch in batches for row in batch)


def whitelisted_network_batches() -> Iterator[list[str]]:
    """Every whitelisted network as text, in batches, in the same order: the plain list's fast path, with no join
    and no object per row."""
    sql = f"SELECT e.network::text FROM {ENTRIES} e WHERE {WHITELISTED} ORDER BY e.network"  # noqa: S608
    for rows in _batches(sql, {"today": today()}, size=10000):
        yield [network for (network,) in rows]


def whitelisted_rows() -> Iterator[FeedRow]:
    """Every whitelisted network with its registration's reference and expiry, IPv4 before IPv6, by address."""
    return _listed_rows()


def added_rows(since: datetime) -> Iterator[FeedRow]:
    """Whitelisted networks approved after `since`."""
    return _listed_rows("AND e.decided_at > %(since)s", since=since)


def removed_rows(since: datetime) -> Iterator[FeedRow]:
    """Networks that left the whitelist after `since` (revoked, withdrawn, expired) and are not on it now."""
    still_listed = "lower(cidr_key_range(w.network)) = lower(cidr_key_range(e.network)) AND w.network = e.network"
    sql = (
        f"SELECT DISTINCT e.network::text FROM {ENTRIES} e WHERE e.network IS NOT NULL AND ("  # noqa: S608
        " e.id IN (SELECT sc.entry_id FROM vpn_records_statuschange sc"
        "   WHERE sc.entry_id IS NOT NULL AND sc.from_status = 'approved' AND sc.created_at > %(since)s)"
        " OR (e.status = 'approved' AND e.valid_until < %(today)s AND e.valid_until >= %(since_date)s))"
        f" AND NOT EXISTS (SELECT 1 FROM {ENTRIES} w WHERE {still_listed}"
        "   AND w.status = 'approved' AND w.valid_until >= %(today)s)"
        " ORDER BY 1"
    )
    params = {"today": today(), "since": since, "since_date": timezone.localdate(since)}
    for batch in _batches(sql, params):
        yield from (FeedRow(network) for (network,) in batch)


def aggregated(rows: Iterator[FeedRow]) -> Iterator[FeedRow]:
    """The fewest networks covering exactly the same addresses, from rows sorted by family and address.

    Streams: adjacent and overlapping networks merge into one address range, which is written out as CIDR
    blocks once the next network starts past it.
    """
    family, first, last = 0, 0, -1
    for row in rows:
        network = ipaddress.ip_network(row.network)
        start, end = int(network.network_address), int(network.broadcast_address)
        if network.version == family and start <= last + 1:
            last = max(last, end)
            continue
        yield from _blocks(family, first, last)
        family, first, last = network.version, start, end
    yield from _blocks(family, first, last)


def _blocks(family: int, first: int, last: int) -> Iterator[FeedRow]:
    if not family:
        return
    address = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    for block in ipaddress.summarize_address_range(address(first), address(last)):
        yield FeedRow(str(block))
