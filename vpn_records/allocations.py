"""Loading RIR "delegated-extended" files: which country each block of address space is delegated to."""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from .models import IpAllocation

LOADED_STATUSES = {"allocated", "assigned"}
COPY_BATCH = 50_000
NULL = "\\N"  # COPY's text-format null


@dataclass
class LoadResult:
    blocks: int = 0
    lines: int = 0
    skipped: int = 0
    registries: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # the first few malformed lines, by number


class DelegationFormatError(ValueError):
    pass


def parse_delegated(lines: Iterable[str], result: LoadResult) -> Iterator[tuple[str, str, str, str, str]]:
    """Yield (network, country, registry, status, date) for each allocated or assigned IP block.

    `registry|cc|type|start|value|date|status[|…]`; for IPv4 the value is an address count (split into CIDR
    blocks when not a power of two), for IPv6 a prefix length. Comments, the version line, summaries, ASNs and
    free or reserved space are passed over.
    """
    for number, raw in enumerate(lines, start=1):
        result.lines = number
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("|")
        if parts[-1] == "summary":
            continue
        if len(parts) < 7:
            if number <= 5 and parts[0][:1].isdigit():
                continue  # the version line: 2|apnic|20240101|…
            _problem(result, number, "expected at least 7 fields separated by |")
            continue
        registry, country, kind, start, value, when, status = parts[:7]
        if kind not in ("ipv4", "ipv6") or value == "summary" or status == "summary" or country == "*":
            continue
        if status not in LOADED_STATUSES:
            result.skipped += 1
            continue
        try:
            blocks = _blocks(kind, start, value)
        except ValueError as error:
            _problem(result, number, str(error))
            continue
        result.registries.add(registry)
        allocated_on = _date(when)
        for block in blocks:
            result.blocks += 1
            yield str(block), country.upper()[:2], registry[:10], status, allocated_on


def _blocks(kind: str, start: str, value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if kind == "ipv6":
        return [ipaddress.IPv6Network(f"{start}/{int(value)}")]
    first = ipaddress.IPv4Address(start)
    count = int(value)
    if count < 1:
        raise ValueError(f"address count {value} is not positive")
    return list(ipaddress.summarize_address_range(first, first + count - 1))


def _date(text: str) -> str:
    if len(text) == 8 and text.isdigit() and text != "00000000":
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
        except ValueError:
            return ""
    return ""


def _problem(result: LoadResult, number: int, why: str) -> None:
    result.skipped += 1
    if len(result.problems) < 10:
        result.problems.append(f"line {number}: {why}")


@transaction.atomic
def allocations_load(*, lines: Iterable[str], on_batch: Callable[[int], None] | None = None) -> LoadResult:
    """Replace the allocations of every registry in the file with the file's blocks, in one transaction."""
    result = LoadResult()
    rows = parse_delegated(lines, result)
    cleared: set[str] = set()
    batch: list[tuple[str, str, str, str, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= COPY_BATCH:
            _write(batch, result, cleared, on_batch)
            batch = []
    _write(batch, result, cleared, on_batch)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IpAllocation._meta.db_table}")  # so the planner picks the index at once
    if result.blocks == 0:
        detail = f" ({result.problems[0]})" if result.problems else ""
        raise DelegationFormatError(
            f"no allocated or assigned IP blocks found{detail}: is this an RIR delegated-extended file?"
        )
    return result


def _write(batch, result: LoadResult, cleared: set[str], on_batch) -> None:
    for registry in result.registries - cleared:
        IpAllocation.objects.filter(registry=registry).delete()
        cleared.add(registry)
    if not batch:
        return
    buffer = io.StringIO("".join(f"{n}\t{c}\t{r}\t{s}\t{d or NULL}\n" for n, c, r, s, d in batch))
    columns = "(network, country, registry, status, allocated_on)"
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {IpAllocation._meta.db_table} {columns} FROM STDIN", buffer)
    if on_batch:
        on_batch(len(batch))
