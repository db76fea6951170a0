"""The mobile operators' whitelist: the approved numbers on one operator's network. An approval ends at midnight
of its `valid_until`, as on the IP whitelist; the same version counter moves with every change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from .queries import ENTRIES, REGISTRATIONS, _batches, today

LISTED = "e.msisdn IS NOT NULL AND e.operator = %(operator)s AND e.status = 'approved' AND e.valid_until >= %(today)s"


@dataclass(frozen=True)
class NumberRow:
    msisdn: str
    reference: str = ""
    valid_until: date | None = None


def number_check(*, msisdn: str, operator: str) -> NumberRow | None:
    """The approval of `msisdn` on `operator`'s network, or None: another operator's numbers are not its to see."""
    rows = _rows("AND e.msisdn = %(msisdn)s ORDER BY e.valid_until DESC LIMIT 1", operator=operator, msisdn=msisdn)
    return next(rows, None)


def listed_numbers(*, operator: str) -> Iterator[NumberRow]:
    return _rows("ORDER BY e.msisdn", operator=operator)


def added_numbers(*, operator: str, since: datetime) -> Iterator[NumberRow]:
    """Numbers approved after `since`."""
    return _rows("AND e.decided_at > %(since)s ORDER BY e.msisdn", operator=operator, since=since)


def removed_numbers(*, operator: str, since: datetime) -> Iterator[NumberRow]:
    """Numbers that left the operator's list after `since` (revoked, withdrawn, expired) and are not on it now."""
    sql = (
        f"SELECT DISTINCT e.msisdn FROM {ENTRIES} e WHERE e.msisdn IS NOT NULL AND e.operator = %(operator)s AND ("  # noqa: S608
        " e.id IN (SELECT sc.entry_id FROM vpn_records_statuschange sc"
        "   WHERE sc.entry_id IS NOT NULL AND sc.from_status = 'approved' AND sc.created_at > %(since)s)"
        " OR (e.status = 'approved' AND e.valid_until < %(today)s AND e.valid_until >= %(since_date)s))"
        f" AND NOT EXISTS (SELECT 1 FROM {ENTRIES} w WHERE w.msisdn = e.msisdn AND w.operator = e.operator"
        "   AND w.status = 'approved' AND w.valid_until >= %(today)s)"
        " ORDER BY 1"
    )
    params = {"operator": operator, "today": today(), "since": since, "since_date": timezone.localdate(since)}
    for batch in _batches(sql, params):
        yield from (NumberRow(msisdn) for (msisdn,) in batch)


def _rows(tail: str, **params) -> Iterator[NumberRow]:
    sql = (
        f"SELECT e.msisdn, r.reference, e.valid_until FROM {ENTRIES} e"  # noqa: S608
        f" JOIN {REGISTRATIONS} r ON r.id = e.registration_id WHERE {LISTED} {tail}"
    )
    batches = _batches(sql, {"today": today(), **params})
    return (NumberRow(msisdn, reference, until) for batch in batches for msisdn, reference, until in batch)
