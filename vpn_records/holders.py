"""One network, one holder: at most one applicant holds an active entry (submitted through approved) overlapping a
given network. Every write that makes entries active takes the holder lock, then asks `held_by_others`; the
database's triggers (migration 0014) check again behind it, for any writer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, connection

from core.networks import IPNetwork, as_network
from core.planner import index_scans_only

# pg_advisory_xact_lock's key, shared with the triggers: held until the transaction ends. Every writer takes its
# locks in one order, so none waits in a circle: its registration's row, then a new reference (the year's sequence
# row), then this lock.
HOLDER_LOCK = 7268001
CONSTRAINT = "entry_one_holder"


def take_holder_lock() -> None:
    """Wait for every other transaction making entries active to end, and keep them waiting until this one ends:
    what `held_by_others` answers then stays true until commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HOLDER_LOCK])


def held_by_others(*, networks: Iterable[IPNetwork], applicant_id: int) -> dict[IPNetwork, list[tuple[str, IPNetwork]]]:
    """Which of `networks` overlap an active entry of another applicant, with those entries' references and
    networks (for staff only: an applicant is never told who holds a network)."""
    probes = [str(network) for network in networks]
    if not probes:
        return {}
    with index_scans_only(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT probe, reference, network FROM ipentry_held_by_others(%s::cidr[], %s) ORDER BY 1, 2, 3",
            [probes, applicant_id],
        )
        rows = cursor.fetchall()
    held: dict[IPNetwork, list[tuple[str, IPNetwork]]] = defaultdict(list)
    for probe, reference, network in rows:
        held[as_network(probe)].append((reference, as_network(network)))
    return dict(held)


def is_holder_violation(error: IntegrityError) -> bool:
    """The database refused a write that would give a network a second holder."""
    diagnostics = getattr(error.__cause__, "diag", None)
    return getattr(diagnostics, "constraint_name", None) == CONSTRAINT


def numbers_held_by_others(*, msisdns: Iterable[str], applicant_id: int) -> dict[str, list[str]]:
    """Which of `msisdns` another applicant holds in an active entry, with those registrations' references (for
    staff only)."""
    numbers = list(msisdns)
    if not numbers:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT probe, reference FROM ipentry_msisdn_held_by_others(%s::varchar[], %s) ORDER BY 1, 2",
            [numbers, applicant_id],
        )
        rows = cursor.fetchall()
    held: dict[str, list[str]] = defaultdict(list)
    for number, reference in rows:
        held[number].append(reference)
    return dict(held)
