"""Each web process's own copy of the whitelist, so that a check is answered from memory rather than by a query.

Loaded on a process's first check (a million IPv4 networks take ~30 MB), then kept current: at most once every
WHITELIST_INDEX_REFRESH_SECONDS a check reads the whitelist version and, if it moved, only the entries changed since
(`IpEntry.whitelist_version`, stamped in the transaction that changes them, numbered in commit order). Those go into
a small overlay; past WHITELIST_INDEX_OVERLAY_MAX of them the whole copy is loaded again. An approval that lapses at
midnight drops out at lookup, by its date, as it does from the database's whitelist.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection

from .models import IpEntry, Status, reference_text
from .networks import IPNetwork
from .whitelist import ENTRIES, REGISTRATIONS, WHITELISTED, _batches, whitelist_version

EPOCH = date(1970, 1, 1)
_NO_YEAR = 0  # a reference not in the usual form: kept whole in Family.unusual_references


@dataclass(frozen=True)
class Listed:
    """A whitelisted entry as the check reports it."""

    entry_id: int
    network: IPNetwork
    reference: str
    valid_until: date


class Family:
    """One address family's whitelisted networks, sorted by first address, then size (largest first), then entry.

    CIDR networks either nest or do not touch, so the networks containing an address are the last one starting at
    or before it, if it holds the address, and its chain of `parents` (the nearest network containing each).
    """

    def __init__(self, bits: int):
        self.bits = bits
        # IPv4 starts fit machine words; IPv6 ones stay Python ints (few, in practice).
        self.starts: array | list[int] = array("I") if bits == 32 else []
        self.prefixlens = array("B")
        self.parents = array("i")
        self.entry_ids = array("q")
        self.valid_days = array("i")
        self.reference_years = array("H")
        self.reference_numbers = array("I")
        self.unusual_references: dict[int, str] = {}
        self._open: list[tuple[int, int]] = []  # while loading: (last address, position) of networks still open

    def __len__(self) -> int:
        return len(self.entry_ids)

    def append(self, entry_id: int, start: int, prefixlen: int, valid_days: int, reference: str) -> None:
        """Add the next network, in sorted order."""
        position = len(self.entry_ids)
        last = start | ((1 << (self.bits - prefixlen)) - 1)
        while self._open and self._open[-1][0] < start:
            self._open.pop()
        self.parents.append(self._open[-1][1] if self._open else -1)
        self._open.append((last, position))
        self.starts.append(start)
        self.prefixlens.append(prefixlen)
        self.entry_ids.append(entry_id)
        self.valid_days.append(valid_days)
        year, number = _reference_parts(reference)
        self.reference_years.append(year)
        self.reference_numbers.append(number)
        if year == _NO_YEAR:
            self.unusual_references[position] = reference

    def finish(self) -> None:
        self._open = []

    def find(self, address: int, today: int, hidden: frozenset[int] | set[int]) -> int:
        """The position of the most specific listed network holding `address`, or -1."""
        position = bisect_right(self.starts, address) - 1
        while position >= 0:
            holds = address <= self.starts[position] | ((1 << (self.bits - self.prefixlens[position])) - 1)
            if holds and self.valid_days[position] >= today and (not hidden or self.entry_ids[position] not in hidden):
                return position
            position = self.parents[position]
        return -1

    def listed(self, position: int) -> Listed:
        start, prefixlen = self.starts[position], self.prefixlens[position]
        network = (ipaddress.IPv4Network if self.bits == 32 else ipaddress.IPv6Network)((start, prefixlen))
        year = self.reference_years[position]
        reference = (
            reference_text(year, self.reference_numbers[position])
            if year != _NO_YEAR
            else self.unusual_references[position]
        )
        valid_until = EPOCH + timedelta(days=self.valid_days[position])
        return Listed(self.entry_ids[position], network, reference, valid_until)


def _reference_parts(reference: str) -> tuple[int, int]:
    """(year, number) when `reference` is what reference_text makes of them, else (_NO_YEAR, 0)."""
    try:
        _, year, number = reference.split("-")
        parts = int(year), int(number)
    except ValueError:
        return _NO_YEAR, 0
    if 0 < parts[0] < 1 << 16 and 0 <= parts[1] < 1 << 32 and reference_text(*parts) == reference:
        return parts
    return _NO_YEAR, 0


@dataclass(frozen=True)
class Overlay:
    """What changed since the families were loaded: `hidden` entries are not read from them; `listed` are
    entries whitelisted now, found by family, prefix length and first address."""

    hidden: frozenset[int] = frozenset()
    listed: dict[int, Listed] = field(default_factory=dict)
    by_prefix: dict[tuple[int, int], dict[int, tuple[int, ...]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.hidden)

    def with_changes(self, changed: list[tuple[int, Listed | None]]) -> Overlay:
        """A new overlay (lookups in flight keep reading this one): each changed entry listed as it is now, or not."""
        listed = dict(self.listed)
        for entry_id, now in changed:
            listed.pop(entry_id, None)
            if now is not None:
                listed[entry_id] = now
        by_prefix: dict[tuple[int, int], dict[int, tuple[int, ...]]] = {}
        for entry_id, item in sorted(listed.items()):
            key = (item.network.version, item.network.prefixlen)
            start = int(item.network.network_address)
            holders = by_prefix.setdefault(key, {})
            holders[start] = (*holders.get(start, ()), entry_id)
        ordered = dict(sorted(by_prefix.items(), key=lambda item: -item[0][1]))
        return Overlay(self.hidden | {entry_id for entry_id, _ in changed}, listed, ordered)

    def find(self, version: int, address: int, bits: int, today: date) -> Listed | None:
        """The most specific listed network in the overlay holding `address` (the newest entry on a tie)."""
        for (family, prefixlen), holders in self.by_prefix.items():
            if family != version:
                continue
            entry_ids = holders.get(address >> (bits - prefixlen) << (bits - prefixlen))
            if entry_ids:
                for entry_id in reversed(entry_ids):
                    item = self.listed[entry_id]
                    if item.valid_until >= today:
                        return item
        return None


@dataclass(frozen=True)
class WhitelistIndex:
    version: int
    families: dict[int, Family]
    overlay: Overlay = Overlay()

    def find(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, today: date) -> Listed | None:
        family = self.families[address.version]
        number = int(address)
        position = family.find(number, (today - EPOCH).days, self.overlay.hidden)
        loaded = family.listed(position) if position >= 0 else None
        changed = self.overlay.find(address.version, number, family.bits, today) if self.overlay.listed else None
        if loaded is None or changed is None:
            return loaded or changed
        specificity = lambda item: (item.network.prefixlen, item.entry_id)  # noqa: E731
        return max(loaded, changed, key=specificity)


# This process's copy, replaced whole, never changed in place: a lookup reads whichever it took.
_index: WhitelistIndex | None = None
_checked_at = 0.0
_lock = threading.Lock()


def whitelist_index(today: date) -> WhitelistIndex:
    """This process's copy, loaded or brought up to date first when due."""
    global _checked_at
    index = _index
    if index is not None and time.monotonic() - _checked_at < settings.WHITELIST_INDEX_REFRESH_SECONDS:
        return index
    # One thread refreshes; the others go on with the copy they have, unless there is none yet.
    if not _lock.acquire(blocking=index is None):
        return index
    try:
        index = _refreshed(_index, today)
        _checked_at = time.monotonic()
        return index
    finally:
        _lock.release()


def forget() -> None:
    """Drop this process's copy (tests: each starts from its own database)."""
    global _index, _checked_at
    _index, _checked_at = None, 0.0


def _refreshed(index: WhitelistIndex | None, today: date) -> WhitelistIndex:
    global _index
    version = whitelist_version()
    if index is not None and version == index.version:
        return index
    if index is not None and version > index.version:
        changed = _changed_since(index.version, today, limit=settings.WHITELIST_INDEX_OVERLAY_MAX)
        if changed is not None and len(index.overlay) + len(changed) <= settings.WHITELIST_INDEX_OVERLAY_MAX:
            _index = WhitelistIndex(version, index.families, index.overlay.with_changes(changed))
            return _index
    _index = _load(version, today)
    return _index


def _changed_since(version: int, today: date, *, limit: int) -> list[tuple[int, Listed | None]] | None:
    """Each entry changed after `version`, listed as it is now or None; None when there are more than `limit`."""
    rows = list(
        IpEntry.objects.filter(whitelist_version__gt=version)
        .order_by()
        .values_list("id", "network", "status", "valid_until", "registration__reference")[: limit + 1]
    )
    if len(rows) > limit:
        return None
    return [
        (
            entry_id,
            Listed(entry_id, network, reference, valid_until)
            if status == Status.APPROVED and valid_until and valid_until >= today
            else None,
        )
        for entry_id, network, status, valid_until, reference in rows
    ]


def _load(version: int, today: date) -> WhitelistIndex:
    """Every whitelisted entry, read after `version` so that nothing changed since it is missed."""
    families = {4: Family(32), 6: Family(128)}
    for family, entry_id, start, prefixlen, valid_days, reference in _whitelisted(today):
        families[family].append(entry_id, start, prefixlen, valid_days, reference)
    for family in families.values():
        family.finish()
    return WhitelistIndex(version, families)


def _whitelisted(today: date):
    """(family, entry id, first address, prefix length, days since 1970 of valid_until, reference), in the order
    Family.append needs."""
    if connection.vendor == "postgresql":
        # PostgreSQL orders cidr by family, first address, then prefix length; the integers are worked out there.
        sql = (
            "SELECT family(e.network), e.id, CASE family(e.network) WHEN 4 THEN e.network - '0.0.0.0'::inet END,"  # noqa: S608
            " host(e.network), masklen(e.network), e.valid_until - DATE '1970-01-01', r.reference"
            f" FROM {ENTRIES} e JOIN {REGISTRATIONS} r ON r.id = e.registration_id"
            f" WHERE {WHITELISTED} ORDER BY e.network, e.id"
        )
        for batch in _batches(sql, {"today": today}, size=10000):
            for family, entry_id, start, host, prefixlen, valid_days, reference in batch:
                if start is None:
                    start = int(ipaddress.IPv6Address(host))
                yield family, entry_id, start, prefixlen, valid_days, reference
        return
    # SQLite (the quick start) stores text: sorted here.
    rows = (
        IpEntry.objects.filter(status=Status.APPROVED, valid_until__gte=today)
        .order_by()
        .values_list("id", "network", "valid_until", "registration__reference")
    )
    keyed = sorted(
        (network.version, int(network.network_address), network.prefixlen, entry_id, (until - EPOCH).days, reference)
        for entry_id, network, until, reference in rows
    )
    for family, start, prefixlen, entry_id, valid_days, reference in keyed:
        yield family, entry_id, start, prefixlen, valid_days, reference
