"""Each web process's own copy of the whitelist, so that a check is answered from memory rather than by a query.

A million IPv4 networks take ~30 MB. Gunicorn workers load it before they take requests (gunicorn.conf.py);
elsewhere it loads in the background while the database answers. Once loaded it is kept current: at most once
every WHITELIST_INDEX_REFRESH_SECONDS a check reads the whitelist version and, if it moved, only the entries changed
since (`IpEntry.whitelist_version`, stamped in the transaction that changes them, numbered in commit order). Those
go into a small overlay; past WHITELIST_INDEX_OVERLAY_MAX of them the copy is loaded again, and until a change too
big for the overlay is loaded the database answers. An approval that lapses at midnight drops out at lookup, by its
date, as it does from the database's whitelist.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from core.networks import IPNetwork
from vpn_records.models import IpEntry, Registration, Status

from .queries import ENTRIES, WHITELISTED, _batches, whitelist_version

logger = logging.getLogger(__name__)

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Listed:
    """A whitelisted entry as the check reports it."""

    entry_id: int
    network: IPNetwork
    registration_id: int
    valid_until: date

    @property
    def reference(self) -> str:
        return registration_reference(self.registration_id)[0]

    @property
    def kind(self) -> str:
        return registration_reference(self.registration_id)[1]


@lru_cache(maxsize=65536)
def registration_reference(registration_id: int) -> tuple[str, str]:
    """What the whitelist names a registration by (its reference, or a licensed provider's licence number) and its
    kind. Neither changes, so they are kept as read; the copy itself holds only registration ids."""
    reference, licence_number, kind = Registration.objects.values_list("reference", "licence_number", "kind").get(
        pk=registration_id
    )
    return licence_number or reference, kind


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
        self.registration_ids = array("q")
        self._open: list[tuple[int, int]] = []  # while loading: (last address, position) of networks still open

    def __len__(self) -> int:
        return len(self.entry_ids)

    def append(self, entry_id: int, start: int, prefixlen: int, valid_days: int, registration_id: int) -> None:
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
        self.registration_ids.append(registration_id)

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
        network = (ipaddress.IPv4Network if self.bits == 32 else ipaddress.IPv6Network)(
            (self.starts[position], self.prefixlens[position])
        )
        valid_until = EPOCH + timedelta(days=self.valid_days[position])
        return Listed(self.entry_ids[position], network, self.registration_ids[position], valid_until)


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


# This process's copy, replaced whole, never changed in place: a lookup reads whichever it took. None while there is
# none yet, or while one with a change too big for the overlay loads: the database answers meanwhile.
_index: WhitelistIndex | None = None
_checked_at = 0.0
_lock = threading.Lock()  # held to refresh _index
_loading: threading.Thread | None = None


def whitelist_index(today: date) -> WhitelistIndex | None:
    """This process's copy, brought up to date first when due; None when the database must answer."""
    global _checked_at
    index = _index
    if index is not None and time.monotonic() - _checked_at < settings.WHITELIST_INDEX_REFRESH_SECONDS:
        return index
    # One thread refreshes; the others go on with the copy they have.
    if not _lock.acquire(blocking=False):
        return index
    try:
        index = _refreshed(index, today)
    except DatabaseError:
        # The copy goes on answering, a little behind, while the database is away; tried again in a while.
        logger.warning("the whitelist copy could not be brought up to date", exc_info=True)
    finally:
        _checked_at = time.monotonic()
        _lock.release()
    return index


def warm() -> None:
    """Load the copy now, in this thread (a gunicorn worker, before it takes requests), unless checks query."""
    global _index, _checked_at
    if not settings.WHITELIST_CHECK_FROM_MEMORY:
        return
    with _lock:
        _index, _checked_at = _load(whitelist_version(), timezone.localdate()), time.monotonic()


def forget() -> None:
    """Drop this process's copy and the references read (tests: each starts from its own database)."""
    global _index, _checked_at
    _index, _checked_at = None, 0.0
    registration_reference.cache_clear()


def _refreshed(index: WhitelistIndex | None, today: date) -> WhitelistIndex | None:
    global _index
    if index is None and _loading is not None and _loading.is_alive():
        return None  # the database answers until the copy is loaded: no version to read meanwhile
    version = whitelist_version()
    if index is not None and version == index.version:
        return index
    if index is not None and version > index.version:
        room = settings.WHITELIST_INDEX_OVERLAY_MAX - len(index.overlay)
        changed = _changed_since(index.version, today, limit=max(room, 0))
        if changed is not None:
            _index = WhitelistIndex(version, index.families, index.overlay.with_changes(changed))
            if len(_index.overlay) > settings.WHITELIST_INDEX_OVERLAY_MAX // 2 and _may_start_loading():
                _start_loading()  # a fresh copy replaces this one when loaded; this one serves meanwhile
            return _index
    # No copy, or too many changes to read into the overlay (or a database put back to an older state).
    _index = None
    if not settings.WHITELIST_INDEX_LOAD_IN_BACKGROUND:
        _index = _load(version, today)
    elif _may_start_loading():
        _start_loading()
    return _index


def _may_start_loading() -> bool:
    return settings.WHITELIST_INDEX_LOAD_IN_BACKGROUND and (_loading is None or not _loading.is_alive())


def _start_loading() -> None:
    global _loading
    _loading = threading.Thread(target=_load_in_background, name="whitelist-copy", daemon=True)
    _loading.start()


def _load_in_background() -> None:
    global _index, _checked_at
    try:
        loaded = _load(whitelist_version(), timezone.localdate())
        with _lock:
            _index, _checked_at = loaded, 0.0  # brought up to date by the next check
    except Exception:
        logger.exception("the whitelist copy did not load; the database answers checks until the next try")
    finally:
        connection.close()  # this thread's own


def _changed_since(version: int, today: date, *, limit: int) -> list[tuple[int, Listed | None]] | None:
    """Each entry changed after `version`, listed as it is now or None; None when there are more than `limit`."""
    rows = list(
        IpEntry.objects.filter(whitelist_version__gt=version, network__isnull=False)
        .order_by()
        .values_list("id", "network", "status", "valid_until", "registration_id")[: limit + 1]
    )
    if len(rows) > limit:
        return None
    return [
        (
            entry_id,
            Listed(entry_id, network, registration_id, valid_until)
            if status == Status.APPROVED and network is not None and valid_until and valid_until >= today
            else None,
        )
        for entry_id, network, status, valid_until, registration_id in rows
    ]


def _load(version: int, today: date) -> WhitelistIndex:
    """Every whitelisted entry, read after `version` so that nothing changed since it is missed."""
    started = time.monotonic()
    families = {4: Family(32), 6: Family(128)}
    for family, entry_id, start, prefixlen, valid_days, registration_id in _whitelisted(today):
        families[family].append(entry_id, start, prefixlen, valid_days, registration_id)
    for family in families.values():
        family.finish()
    logger.info(
        "whitelist copy at version %s loaded: %s IPv4 and %s IPv6 networks in %.1f s",
        version,
        len(families[4]),
        len(families[6]),
        time.monotonic() - started,
    )
    return WhitelistIndex(version, families)


def _whitelisted(today: date):
    """(family, entry id, first address, prefix length, days since 1970 of valid_until, registration id), in the
    order Family.append needs."""
    # PostgreSQL orders cidr by family, first address, then prefix length; the integers are worked out there.
    sql = (
        "SELECT family(e.network), e.id, CASE family(e.network) WHEN 4 THEN e.network - '0.0.0.0'::inet END,"  # noqa: S608
        " host(e.network), masklen(e.network), e.valid_until - DATE '1970-01-01', e.registration_id"
        f" FROM {ENTRIES} e WHERE {WHITELISTED} ORDER BY e.network, e.id"
    )
    for batch in _batches(sql, {"today": today}, size=10000):
        for family, entry_id, start, host, prefixlen, valid_days, registration_id in batch:
            if start is None:
                start = int(ipaddress.IPv6Address(host))
            yield family, entry_id, start, prefixlen, valid_days, registration_id
